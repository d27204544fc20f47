"""Auditor tests: real nodes from the sync tests' harness (``net``, ``tests/sync/conftest.py``)
and the `federation audit` commands, each run in a worker thread (every command calls
``asyncio.run`` while the nodes are served on the test's own event loop)."""

from __future__ import annotations

import asyncio
import shutil

from click.testing import CliRunner, Result

from federation.cli.main import cli
from federation.cli.samples import sample_records
from federation.config import Home
from federation.node.service import Node
from tests.sync.conftest import Member, Net, net

__all__ = ["audit", "fork", "net"]


async def audit(*args: str, stdin: bytes | None = None) -> Result:
    """Run ``federation audit ARGS`` in a worker thread."""
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, cli, ["audit", *args], input=stdin, catch_exceptions=False
    )


async def fork(net: Net, origin: str, common: int, n1: int, n2: int) -> tuple[Member, Member]:
    """Two served copies of one origin (same key) sharing ``common`` records, then ``n1`` and
    ``n2`` different ones (as in ``tests/sync/test_equivocation.py``)."""
    records = sample_records(origin, extra=common + n1 + n2)
    home1 = await net.init(origin, dirname=f"{origin}-fork-1")
    async with await Node.open(home1) as node:
        await node.publish(records[:common])
    home2 = Home(net.tmp_path / f"{origin}-fork-2")
    shutil.copytree(home1.path, home2.path)
    copy1, copy2 = await net.open(home1), await net.open(home2)
    assert copy1.vkey == copy2.vkey
    if n1:
        await net.publish(copy1, records[common : common + n1])
    if n2:
        await net.publish(copy2, records[common + n1 : common + n1 + n2])
    return copy1, copy2
