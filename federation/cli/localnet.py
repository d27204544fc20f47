"""An in-process network of real nodes on loopback, for the demo and for benchmarks.

Every node is a full node: its own home (config, Ed25519 key, SQLite store), the real aiohttp
app (feed API) served on ``127.0.0.1`` with an OS-chosen port, and the real sync service.
Scheduled pulls are off; rounds are driven explicitly with :meth:`LocalNetwork.round`, which
makes every node pull each of its peers once (all nodes at the same time), exactly as
``federation sync`` would.

    async with await LocalNetwork.start(root, centres) as net:
        await net.trust_all()
        for a, b in seed_topology(load_centres()):
            await net.peer(a, b)
        rounds, seconds = await net.run_until_converged(max_rounds=20)
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from federation.config import Home, Settings, SyncSettings
from federation.node.app import create_app
from federation.node.context import SYNC
from federation.node.service import Node, init_home
from federation.store import Store
from federation.sync.puller import PullResult
from federation.sync.scheduler import SyncService

Centre = tuple[str, str, str]
"""(origin, country, display name) of one node."""

Digest = dict[str, tuple[int, bytes]]
"""One node's view: origin → (size, root) of every log it holds."""

BRIDGES: tuple[tuple[str, str], ...] = (("LT", "LV"), ("LV", "EE"), ("LT", "SK"))
"""Links between consortia in the demo topology, as country pairs (LT hosts the EU centre)."""


class ConvergenceError(Exception):
    """The network did not converge within the allowed number of rounds."""


@dataclass
class LocalNode:
    """One running node of a :class:`LocalNetwork`."""

    origin: str
    country: str
    name: str
    home: Home
    node: Node
    app: web.Application
    runner: web.AppRunner
    url: str

    @property
    def store(self) -> Store:
        return self.node.store

    @property
    def sync(self) -> SyncService:
        return self.app[SYNC]


@dataclass
class RoundStats:
    """What one round of pulls did, over all nodes."""

    entries: int = 0
    nbytes: int = 0
    failures: int = 0
    seconds: float = 0.0
    results: dict[str, list[PullResult]] = field(default_factory=dict)
    """Node origin → the results of its pulls this round (one per peer)."""

    @property
    def pulls(self) -> int:
        return sum(len(r) for r in self.results.values())

    def errors(self) -> list[str]:
        return [
            f"{node} <- {r.url}: {r.reason}: {r.error}"
            for node, results in self.results.items()
            for r in results
            if not r.ok
        ]


def centres_of(data: Mapping[str, Any]) -> list[Centre]:
    """The ``nodes`` of a ``centres.json`` document as (origin, country, name)."""
    return [(n["origin"], n["country"], n.get("name", "")) for n in data["nodes"]]


def seed_topology(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Peering links of the demo network from ``centres.json``, as undirected origin pairs.

    A full mesh inside each consortium (members mapped to node origins by country; members
    without a node, like UK, are skipped) plus the bridges of :data:`BRIDGES`. Each link is
    listed once, in first-seen order.
    """
    by_country = {n["country"]: n["origin"] for n in data["nodes"]}
    edges: list[tuple[str, str]] = []
    seen: set[frozenset[str]] = set()

    def link(a: str, b: str) -> None:
        key = frozenset((a, b))
        if a != b and key not in seen:
            seen.add(key)
            edges.append((a, b))

    for consortium in data.get("consortia", []):
        members = [by_country[c] for c in consortium["members"] if c in by_country]
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                link(a, b)
    for ca, cb in BRIDGES:
        if ca in by_country and cb in by_country:
            link(by_country[ca], by_country[cb])
    return edges


def shortest_path(edges: Iterable[tuple[str, str]], start: str, goal: str) -> list[str]:
    """A shortest path ``[start, …, goal]`` over undirected ``edges`` (BFS); ``[]`` if none."""
    graph: dict[str, set[str]] = {}
    for a, b in edges:
        graph.setdefault(a, set()).add(b)
        graph.setdefault(b, set()).add(a)
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            path = [here]
            while (back := previous[path[-1]]) is not None:
                path.append(back)
            return path[::-1]
        for there in sorted(graph.get(here, ())):
            if there not in previous:
                previous[there] = here
                queue.append(there)
    return []


def digest_hash(digest: Digest) -> str:
    """A short fingerprint of one node's ``{origin: (size, root)}`` view."""
    h = hashlib.sha256()
    for origin in sorted(digest):
        size, root = digest[origin]
        h.update(f"{origin}\n{size}\n".encode() + root)
    return h.hexdigest()[:12]


class LocalNetwork:
    """Real nodes on loopback in one event loop. Create with :meth:`start`; :meth:`close` it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.nodes: dict[str, LocalNode] = {}
        self.links: list[tuple[str, str]] = []

    @classmethod
    async def start(
        cls,
        root: Path,
        centres: Sequence[Centre],
        *,
        settings_overrides: Mapping[str, Any] | None = None,
    ) -> LocalNetwork:
        """Create a home under ``root/<origin>`` for each centre, open and serve each node.

        ``settings_overrides`` are extra :class:`Settings` fields (e.g. ``limits=Limits(...)``).
        """
        net = cls(Path(root))
        base: dict[str, Any] = {"listen": "127.0.0.1:0", "sync": SyncSettings(enabled=False)}
        base.update(settings_overrides or {})
        try:
            homes = [Home(net.root / origin) for origin, _, _ in centres]
            settings = [
                Settings(**{**base, "origin": origin, "country": country, "name": name})
                for origin, country, name in centres
            ]
            await asyncio.gather(*(init_home(h, s) for h, s in zip(homes, settings, strict=True)))
            for (origin, country, name), home in zip(centres, homes, strict=True):
                net.nodes[origin] = await cls._serve(origin, country, name, home)
        except BaseException:
            await net.close()
            raise
        return net

    @staticmethod
    async def _serve(origin: str, country: str, name: str, home: Home) -> LocalNode:
        node = await Node.open(home)
        try:
            app = create_app(node, schedule=False)
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            try:
                site = web.TCPSite(runner, "127.0.0.1", 0)
                await site.start()
                host, port = runner.addresses[0][:2]
            except BaseException:
                await runner.cleanup()
                raise
        except BaseException:
            await node.close()
            raise
        return LocalNode(origin, country, name, home, node, app, runner, f"http://{host}:{port}")

    async def close(self) -> None:
        """Stop every server, then close every store. Safe to call twice."""
        nodes = list(self.nodes.values())
        self.nodes.clear()
        await asyncio.gather(*(n.runner.cleanup() for n in nodes), return_exceptions=True)
        await asyncio.gather(*(n.node.close() for n in nodes), return_exceptions=True)

    async def __aenter__(self) -> LocalNetwork:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def __getitem__(self, origin: str) -> LocalNode:
        return self.nodes[origin]

    @property
    def origins(self) -> list[str]:
        return list(self.nodes)

    # -- wiring ------------------------------------------------------------------------------

    async def trust_all(self) -> None:
        """Every node pins every other origin's vkey (as if the admins exchanged them)."""
        for n in self.nodes.values():
            for other in self.nodes.values():
                if other.origin != n.origin:
                    await n.store.add_origin(other.origin, "trusted", [other.node.signer.vkey])

    async def peer(self, a: str, b: str) -> None:
        """Link two nodes both ways: ``a`` pulls from ``b`` and ``b`` pulls from ``a``."""
        na, nb = self.nodes[a], self.nodes[b]
        await na.store.add_peer(nb.url, nb.origin)
        await nb.store.add_peer(na.url, na.origin)
        self.links.append((a, b))

    def origin_of_url(self, url: str) -> str | None:
        return next((n.origin for n in self.nodes.values() if n.url == url), None)

    # -- syncing -----------------------------------------------------------------------------

    async def round(self) -> RoundStats:
        """Every node pulls each of its peers once; nodes run concurrently."""
        started = time.perf_counter()
        nodes = list(self.nodes.values())
        results = await asyncio.gather(*(n.sync.sync_now() for n in nodes))
        stats = RoundStats(results={n.origin: r for n, r in zip(nodes, results, strict=True)})
        for rs in results:
            for r in rs:
                stats.entries += r.entries
                stats.nbytes += r.nbytes
                stats.failures += 0 if r.ok else 1
        stats.seconds = time.perf_counter() - started
        return stats

    async def digests(self) -> dict[str, Digest]:
        """Node origin → {log origin: (size, root)} of every log the node holds."""
        out: dict[str, Digest] = {}
        for n in self.nodes.values():
            out[n.origin] = {h.origin: (h.size, h.root) for h in await n.store.heads()}
        return out

    def complete(self, digests: Mapping[str, Digest]) -> list[str]:
        """Nodes that hold every origin's log exactly as the origin itself holds it now."""
        truth = {o: digests[o][o] for o in self.nodes if o in digests and o in digests[o]}
        if len(truth) != len(self.nodes):
            return []
        return [
            node
            for node, d in digests.items()
            if all(d.get(o) == state for o, state in truth.items())
        ]

    def converged(self, digests: Mapping[str, Digest]) -> bool:
        """Every node holds every origin's log at the same (size, root)."""
        return len(self.complete(digests)) == len(self.nodes)

    async def run_until_converged(
        self,
        max_rounds: int,
        *,
        on_round: Callable[[int, RoundStats, dict[str, Digest]], None] | None = None,
    ) -> tuple[int, float]:
        """Run rounds until :meth:`converged`; returns (rounds, seconds).

        ``on_round(n, stats, digests)`` is called after each round. Raises
        :class:`ConvergenceError` after ``max_rounds`` rounds without convergence.
        """
        started = time.perf_counter()
        if self.converged(await self.digests()):
            return 0, time.perf_counter() - started
        for n in range(1, max_rounds + 1):
            stats = await self.round()
            digests = await self.digests()
            if on_round is not None:
                on_round(n, stats, digests)
            if self.converged(digests):
                return n, time.perf_counter() - started
        done = len(self.complete(await self.digests()))
        raise ConvergenceError(
            f"not converged after {max_rounds} rounds: {done}/{len(self.nodes)} nodes complete"
        )


__all__ = [
    "BRIDGES",
    "Centre",
    "ConvergenceError",
    "Digest",
    "LocalNetwork",
    "LocalNode",
    "RoundStats",
    "centres_of",
    "digest_hash",
    "seed_topology",
    "shortest_path",
]
