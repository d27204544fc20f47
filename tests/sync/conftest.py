"""Harness for the sync tests: real nodes on 127.0.0.1 port 0 with their own SQLite homes.

``net`` (a :class:`Net`) starts nodes in-process exactly as ``federation serve`` does
(``init_home`` → ``Node.open`` → ``create_app`` → ``web.AppRunner`` + ``web.TCPSite``), wires
trust and peers through the store, triggers pulls by calling ``SyncService.sync_now`` and takes
digests and store snapshots. Misbehaving peers are small real aiohttp apps built with
:meth:`Net.proxy`: they serve a real node's data, altered on the way.

Test modules import the classes below for type annotations only (``TYPE_CHECKING``); at run
time everything comes through the ``net`` fixture.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import random
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from federation.cli.samples import load_centres, sample_records
from federation.config import Home, Limits, Settings, SyncSettings
from federation.node.app import create_app
from federation.node.context import SYNC
from federation.node.service import Node, init_home
from federation.store import Store
from federation.sync.puller import PullResult
from federation.sync.scheduler import SyncService

COUNTRIES: dict[str, str] = {n["origin"]: n["country"] for n in load_centres()["nodes"]}
"""Origin → country of the demo centres (``federation/data/centres.json``)."""

RAW_TABLES = ("leaves", "tree", "bodies", "records", "checkpoints", "evidence")
"""Tables whose raw rows prove that a rejected pull left the store alone."""

Digest = dict[str, tuple[int, bytes]]
Tamper = Callable[[web.Request, bytes], Awaitable["bytes | web.StreamResponse | None"]]
"""Alters one proxied response: new body bytes, a whole response, or None (pass through)."""


@dataclass
class Member:
    """One running node: its home, open :class:`Node`, served app and base URL."""

    origin: str
    home: Home
    node: Node
    app: web.Application
    url: str

    @property
    def store(self) -> Store:
        return self.node.store

    @property
    def sync(self) -> SyncService:
        return self.app[SYNC]

    @property
    def vkey(self) -> str:
        return self.node.signer.vkey


@dataclass(frozen=True)
class Snapshot:
    """Everything a pull could change in a store, except the peers' own bookkeeping."""

    heads: tuple[tuple[str, str, str, int, bytes, bytes | None], ...]
    counts: dict[str, dict[str, int]]
    pending: tuple[tuple[str, str, int], ...]
    evidence: tuple[tuple[str, bytes, bytes], ...]
    rows: dict[str, int]
    content: dict[str, str]


def table_rows(db: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Row count and a SHA-256 of the ordered rows of each raw table (separate read-only
    connection, so nothing the store caches can hide a change)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        counts: dict[str, int] = {}
        content: dict[str, str] = {}
        for table in RAW_TABLES:
            rows = conn.execute(f"SELECT * FROM {table} ORDER BY 1, 2, 3").fetchall()
            counts[table] = len(rows)
            content[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return counts, content
    finally:
        conn.close()


class Net:
    """Starts and wires nodes for one test; everything is stopped at teardown."""

    def __init__(
        self, tmp_path: Path, stack: contextlib.AsyncExitStack, session: aiohttp.ClientSession
    ) -> None:
        self.tmp_path = tmp_path
        self.stack = stack
        self.session = session
        self.gates: list[asyncio.Event] = []

    # -- nodes ---------------------------------------------------------------------------

    async def init(
        self,
        origin: str,
        *,
        dirname: str | None = None,
        sync: SyncSettings | None = None,
        limits: Limits | None = None,
    ) -> Home:
        """Create a home (config, key, store with an empty signed log) without opening it."""
        home = Home(self.tmp_path / (dirname or origin))
        settings = Settings(
            origin=origin,
            country=COUNTRIES.get(origin, "LT"),
            name=f"test node {origin}",
            listen="127.0.0.1:0",
            sync=sync or SyncSettings(),
            limits=limits or Limits(),
        )
        await init_home(home, settings)
        return home

    async def open(self, home: Home, *, schedule: bool = False) -> Member:
        """Open a home as a node and serve it on 127.0.0.1, port 0."""
        node = await Node.open(home)
        self.stack.push_async_callback(node.close)
        app = create_app(node, schedule=schedule)
        url = await self.serve(app)
        return Member(node.origin, home, node, app, url)

    async def start(
        self,
        origin: str,
        *,
        dirname: str | None = None,
        sync: SyncSettings | None = None,
        limits: Limits | None = None,
        schedule: bool = False,
    ) -> Member:
        home = await self.init(origin, dirname=dirname, sync=sync, limits=limits)
        return await self.open(home, schedule=schedule)

    async def serve(self, app: web.Application) -> str:
        """Serve any aiohttp app (a node's or a misbehaving one) and return its base URL."""
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self.stack.push_async_callback(runner.cleanup)
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    @staticmethod
    def free_port() -> int:
        """A port on 127.0.0.1 that nothing listens on (bound, then closed)."""
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        return port

    def gate(self) -> asyncio.Event:
        """An event that teardown sets before stopping servers (releases hanging handlers)."""
        event = asyncio.Event()
        self.gates.append(event)
        return event

    # -- wiring --------------------------------------------------------------------------

    @staticmethod
    async def trust(a: Member, b: Member) -> None:
        """``a`` trusts ``b``'s origin under ``b``'s key."""
        await a.store.add_origin(b.origin, "trusted", [b.vkey])

    async def trust_all(self, members: Sequence[Member]) -> None:
        for a in members:
            for b in members:
                if a is not b:
                    await self.trust(a, b)

    @staticmethod
    async def peer(a: Member, b: Member | str, origin: str | None = None) -> str:
        """``a`` pulls from ``b`` (a member or a bare URL); returns the peer URL."""
        if isinstance(b, Member):
            await a.store.add_peer(b.url, b.origin)
            return b.url
        await a.store.add_peer(b, origin)
        return b

    async def link(self, members: Sequence[Member], edges: Iterable[tuple[int, int]]) -> None:
        """Peer both ways along each edge ``(i, j)``."""
        for i, j in edges:
            await self.peer(members[i], members[j])
            await self.peer(members[j], members[i])

    @staticmethod
    async def pull(a: Member, url: str | None = None) -> list[PullResult]:
        """One pull round of ``a`` now: from ``url``, or from every peer in turn."""
        return await a.sync.sync_now(url)

    @staticmethod
    async def publish(a: Member, records: Sequence[Mapping[str, Any]]) -> None:
        await a.node.publish(records)

    @staticmethod
    async def publish_samples(a: Member, *, extra: int = 0) -> list[dict[str, Any]]:
        records = sample_records(a.origin, extra=extra)
        await a.node.publish(records)
        return records

    # -- observing -----------------------------------------------------------------------

    @staticmethod
    async def digest(a: Member | Node) -> Digest:
        """``{origin: (size, root)}`` of every log the node holds (own and trusted)."""
        node = a.node if isinstance(a, Member) else a
        return {h.origin: (h.size, h.root) for h in await node.store.heads()}

    @staticmethod
    async def snapshot(a: Member | Node) -> Snapshot:
        node = a.node if isinstance(a, Member) else a
        store = node.store
        heads = await store.heads(("self", "trusted", "removed"))
        rows, content = table_rows(store.path)
        return Snapshot(
            heads=tuple((h.origin, h.role, h.state, h.size, h.root, h.checkpoint) for h in heads),
            counts=await store.counts(),
            pending=tuple((p.origin, p.url, p.size) for p in await store.pending()),
            evidence=tuple((e.origin, e.note_a, e.note_b) for e in await store.evidence()),
            rows=rows,
            content=content,
        )

    async def converge(
        self, members: Sequence[Member], *, max_rounds: int, rng: random.Random | None = None
    ) -> int:
        """Pull rounds until every node holds the same digest; returns the number of rounds.

        A round is every (node, peer) pull once, in peer-table order or shuffled by ``rng``.
        """
        for rounds in range(1, max_rounds + 1):
            pairs = [(m, p.url) for m in members for p in await m.store.peers()]
            if rng is not None:
                rng.shuffle(pairs)
            for m, url in pairs:
                (result,) = await self.pull(m, url)
                assert result.ok, (m.origin, url, result.error)
            digests = [await self.digest(m) for m in members]
            if all(d == digests[0] for d in digests) and len(digests[0]) == len(members):
                return rounds
        raise AssertionError(f"no convergence within {max_rounds} rounds")

    # -- misbehaving peers ---------------------------------------------------------------

    def proxy(self, upstream: str, tamper: Tamper | None = None) -> web.Application:
        """An app that serves ``upstream``'s feed, passing every response through ``tamper``.

        Conditional headers are not forwarded, so ``tamper`` always sees the full body.
        """
        session = self.session

        async def forward(request: web.Request) -> web.StreamResponse:
            url = upstream + request.path_qs
            async with session.get(url, allow_redirects=False) as resp:
                status, body = resp.status, await resp.read()
                content_type = resp.content_type
            out = await tamper(request, body) if tamper is not None else None
            if isinstance(out, web.StreamResponse):
                return out
            return web.Response(
                status=status,
                body=body if out is None else out,
                content_type=content_type,
            )

        app = web.Application()
        app.router.add_get("/{tail:.*}", forward)
        return app


@pytest.fixture
async def net(tmp_path: Path) -> AsyncIterator[Net]:
    async with contextlib.AsyncExitStack() as stack:
        session = await stack.enter_async_context(aiohttp.ClientSession())
        harness = Net(tmp_path, stack, session)
        try:
            yield harness
        finally:
            for gate in harness.gates:
                gate.set()
