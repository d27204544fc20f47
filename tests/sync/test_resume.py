"""A pull killed half-way leaves nothing behind, and the next pull resumes (DESIGN §5 step 4).

``federation sync`` runs as a real subprocess against a gateway that relays an honest node
serving small batches and blocks on the third ``/entries`` request; once the puller has
verified two batches in memory, the test SIGKILLs it. The store must be exactly as before the
pull (no leaves, tree hashes, bodies, records or changes of the partial update), and a normal
pull afterwards completes from the stored size. The streamed variant (ADR 0010,
``sync.stream_after_bytes = 0``) has already written the two batches into its open merge
transaction when it dies.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from aiohttp import web

from federation.cli.samples import sample_origins, sample_records
from federation.config import Limits, SyncSettings
from federation.node.service import Node
from federation.sync.scheduler import SyncService, new_session

if TYPE_CHECKING:
    from tests.sync.conftest import Net

ORIGINS = sample_origins()
SOURCE, PULLER = ORIGINS[0], ORIGINS[1]
BATCH = 5
BLOCK_AT = 3  # the n-th /entries request hangs until the subprocess is dead
PREFIX = 8


async def pull_in_process(node: Node, url: str) -> None:
    async with new_session(node.settings) as session:
        (result,) = await SyncService(node.store, node.settings, session).sync_now(url)
    assert result.ok, result.error


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
async def test_kill_mid_pull_leaves_the_store_intact_and_resumes(net: Net, stream: bool) -> None:
    source = await net.start(SOURCE, limits=Limits(max_batch=BATCH))
    records = sample_records(SOURCE, extra=30)
    await net.publish(source, records[:PREFIX])

    requests = 0
    reached, release = asyncio.Event(), net.gate()

    async def block(request: web.Request, body: bytes) -> None:
        nonlocal requests
        if request.path.endswith("/entries"):
            requests += 1
            if requests == BLOCK_AT:
                reached.set()
                await release.wait()

    gateway = await net.serve(net.proxy(source.url, block))

    # the puller already holds a prefix of the log, then the source grows
    home = await net.init(PULLER, sync=SyncSettings(stream_after_bytes=0) if stream else None)
    async with await Node.open(home) as node:
        await node.store.add_origin(SOURCE, "trusted", [source.vkey])
        await node.store.add_peer(source.url, SOURCE)
        await pull_in_process(node, source.url)
        await node.store.add_peer(gateway, SOURCE)
        before = await net.snapshot(node)
    assert before.rows["leaves"] == PREFIX  # the puller's own log is empty
    await net.publish(source, records[PREFIX:])
    target = await source.store.head(SOURCE)
    assert target is not None and target.size == len(records)

    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "federation.cli.main",
        "sync",
        "--home",
        str(home.path),
        "--peer",
        gateway,
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=Path(__file__).parent,
    )
    try:
        waiter = asyncio.ensure_future(reached.wait())
        exited = asyncio.ensure_future(proc.wait())
        done, _ = await asyncio.wait({waiter, exited}, timeout=30, return_when="FIRST_COMPLETED")
        if waiter not in done:
            out, err = await proc.communicate() if exited in done else (b"", b"")
            raise AssertionError(f"the pull never reached batch {BLOCK_AT}: {out!r} {err!r}")
        proc.send_signal(signal.SIGKILL)
        assert await exited == -signal.SIGKILL
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        release.set()
    assert requests == BLOCK_AT

    async with await Node.open(home) as node:
        assert await net.snapshot(node) == before
        head = await node.store.head(SOURCE)
        assert head is not None and head.size == PREFIX

        # a normal pull (through the same gateway, no longer blocking) resumes from PREFIX
        async with new_session(node.settings) as session:
            (result,) = await SyncService(node.store, node.settings, session).sync_now(gateway)
        assert result.ok, result.error
        (origin,) = [o for o in result.origins if o.origin == SOURCE]
        assert (origin.outcome, origin.old_size, origin.new_size) == (
            "updated",
            PREFIX,
            target.size,
        )
        digest = await net.digest(node)
        assert digest[SOURCE] == (target.size, target.root)
        for rec in records:
            row = await node.store.get_record(SOURCE, rec["kind"], rec["id"])
            assert row is not None and row.op == "put"
