"""Regression: a write must be visible to the next read even while other reads are running.

On one shared aiosqlite connection, a statement left open across an ``await`` keeps its WAL
read snapshot; other tasks' reads then silently see the old data (found as a flaky scheduler
test: a removed peer was read back). Every reader query now executes and fetches in one step.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from federation.store import Store


async def test_reads_see_each_commit_while_other_reads_run(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "s.sqlite")
    try:
        for i in range(20):
            await store.add_peer(f"http://127.0.0.1:{9000 + i}")
        stop = asyncio.Event()

        async def busy_reader() -> None:
            while not stop.is_set():
                await store.peers()
                await store.pending()

        readers = [asyncio.create_task(busy_reader()) for _ in range(8)]
        try:
            for i in range(20):
                url = f"http://127.0.0.1:{9000 + i}"
                assert await store.remove_peer(url)
                assert await store.peer(url) is None, f"stale read after removing {url}"
                assert url not in {p.url for p in await store.peers()}
                await store.add_peer(url + "/again")
                assert await store.peer(url + "/again") is not None
        finally:
            stop.set()
            await asyncio.gather(*readers)
    finally:
        await store.close()
