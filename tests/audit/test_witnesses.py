"""Witness cosignatures (protocol §6.4) between real nodes on 127.0.0.1.

Every node cosigns the checkpoints it verified; each node collects its peers' cosignatures on
its own checkpoints and serves them. An auditor checks them with `audit verify --witness`. A
node restored from an old backup learns from its peers' cosignatures that it is behind.
"""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from federation.cli.main import cli
from federation.cli.samples import sample_origins, sample_records
from federation.config import Home
from federation.node.service import Node
from federation.protocol.cosignature import (
    parse_witness_vkey,
    verify_cosignatures,
    witness_key_of,
)
from federation.protocol.note import Signer, parse_note
from federation.store import ForkRisk
from federation.store.backup import backup_store
from tests.audit.conftest import audit

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

A, B, C = sample_origins()[:3]


def witness_vkey(m: Member) -> str:
    """``federation key show --witness`` of a member's home."""
    result = CliRunner().invoke(cli, ["key", "show", "--witness", "--home", str(m.home.path)])
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


async def checkpoint_served(net: Net, m: Member, origin: str) -> bytes:
    async with net.session.get(f"{m.url}/v1/logs/{origin}/checkpoint") as resp:
        assert resp.status == 200
        return await resp.read()


async def test_a_node_serves_its_peers_cosignatures_for_auditors(net: Net, tmp_path: Path) -> None:
    a, b, c = [await net.start(o) for o in (A, B, C)]
    members = [a, b, c]
    await net.trust_all(members)
    await net.link(members, [(0, 1), (0, 2), (1, 2)])
    records = await net.publish_samples(a)
    own = (await a.store.head(A)).checkpoint  # type: ignore[union-attr]
    assert own is not None

    for m in (b, c):  # B and C verify A's log and cosign it
        assert all(r.ok for r in await net.pull(m))
    # B serves A's checkpoint with its own cosignature; C stored only what A signed
    via_b = await checkpoint_served(net, b, A)
    assert parse_note(via_b).text == parse_note(own).text and via_b != own
    assert (await c.store.head(A)).checkpoint == own  # type: ignore[union-attr]

    assert all(r.ok for r in await net.pull(a))  # A collects B's and C's cosignatures
    served = await checkpoint_served(net, a, A)
    assert served.startswith(own)
    witnesses = {m.origin: witness_vkey(m) for m in members}
    assert witnesses[B] != b.vkey  # the same key, re-typed 0x04: another key ID
    # A's own witness key did not cosign its own log: only B and C did
    keys = [parse_witness_vkey(w) for w in witnesses.values()]
    assert sorted(verify_cosignatures(served, keys)) == [B, C]
    listed = {log["origin"]: log["checkpoint"].encode() for log in await logs(net, a)}
    assert listed[A] == served

    # an auditor requires a quorum of witnesses on a bundle of one of A's records
    case = next(r for r in records if r["kind"] == "case")
    result = await audit("bundle", "--node", a.url, A, "case", case["id"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "bundle.json"
    path.write_bytes(result.stdout_bytes)
    wb, wc = witnesses[B], witnesses[C]
    ok = await audit("verify", str(path), "--vkey", a.vkey, "--witness", wb, "--witness", wc)
    assert ok.exit_code == 0, ok.output
    args = ("verify", str(path), "--vkey", a.vkey, "--witness", wb, "--witness", wc)
    ok = await audit(*args, "--quorum", "2")
    assert ok.exit_code == 0, ok.output
    assert "witnesses: 2 of 2 cosigned" in ok.stdout
    other = Signer.generate("other.witness")  # a witness that never saw A's log
    third = witness_key_of(other.verifier).vkey
    short = await audit(*args, "--witness", third, "--quorum", "3")
    assert short.exit_code != 0
    assert "2 of 3 witnesses cosigned, 3 required" in short.output


async def logs(net: Net, m: Member) -> list[dict[str, str]]:
    async with net.session.get(f"{m.url}/v1/logs") as resp:
        assert resp.status == 200
        data: list[dict[str, str]] = await resp.json()
        return data


async def test_a_node_restored_from_an_old_backup_learns_from_cosignatures_it_is_behind(
    net: Net, tmp_path: Path
) -> None:
    a, b = await net.start(A), await net.start(B)
    await net.trust_all([a, b])
    await net.link([a, b], [(0, 1)])
    records = sample_records(A, extra=4)
    await net.publish(a, records[:3])
    # the whole home as an old backup would have it: store and published.checkpoint
    old = Home(tmp_path / "restored")
    shutil.copytree(a.home.path, old.path, ignore=shutil.ignore_patterns("*.sqlite*"))
    db = a.home.db_path(a.node.settings)
    await asyncio.to_thread(backup_store, db, old.db_path(a.node.settings))

    await net.publish(a, records[3:5])  # published: B verifies and cosigns it
    assert all(r.ok for r in await net.pull(b))
    assert all(r.ok for r in await net.pull(a))
    published = await a.store.head(A)
    assert published is not None and published.size == 5

    restored = await net.open(old)  # nothing local tells it: store and side file agree
    assert (await restored.store.head(A)).size == 3  # type: ignore[union-attr]
    assert all(r.ok for r in await net.pull(restored))  # B lists A's cosigned checkpoint 5
    with pytest.raises(ForkRisk, match=f"witness {B} cosigned checkpoint 5") as info:
        await net.publish(restored, records[5:6])
    assert "restored from an old backup" in str(info.value)
    assert (await restored.store.head(A)).size == 3  # type: ignore[union-attr]
    with pytest.raises(ForkRisk, match="cosigned checkpoint 5"):
        await Node.open(old)
