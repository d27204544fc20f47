"""Key rotation and revocation seen from both ends (DESIGN §6).

The origin appends a ``key`` entry naming its new key; the checkpoint containing it is signed
by the old and the new key, later ones by the new key (and the old one during the grace
period). Nodes that pinned the old key verify the entry and follow without admin action.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from federation.cli.main import cli
from federation.cli.samples import sample_origins, sample_records
from federation.config import Home, dump_settings
from federation.node.service import Node
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.entry import Op
from federation.protocol.note import Signer, parse_note, parse_vkey
from federation.protocol.publish import Publication
from federation.store import ForkRisk, Store

if TYPE_CHECKING:
    from tests.sync.conftest import Member, Net

A, B, C = sample_origins()[:3]


def set_grace(home: Home, days: float) -> None:
    settings = home.load()
    home.config_path.write_text(dump_settings(settings.model_copy(update={"key_grace_days": days})))


async def pull_ok(m: Member) -> None:
    for result in await m.sync.sync_now():
        assert result.ok, result.error


async def test_peers_follow_a_rotation_and_verify_under_the_new_key(net: Net) -> None:
    a, b = await net.start(A), await net.start(B)
    await net.trust(b, a)
    await net.peer(b, a)
    await a.node.publish(sample_records(A)[:3])
    await pull_ok(b)
    old = a.node.signer
    new = await a.node.rotate_key()
    assert new.vkey != old.vkey
    # the rotation checkpoint is signed by both keys
    head = await a.store.head(A)
    assert head is not None
    assert head.checkpoint is not None
    assert {s.key_id for s in parse_note(head.checkpoint).signatures} == {old.key_id, new.key_id}
    await a.node.publish(sample_records(A)[3:])
    await pull_ok(b)
    keys = {vkey: state for vkey, _, state in await b.store.origin_keys(A)}
    assert keys == {old.vkey: "retired", new.vkey: "active"}
    held = await b.store.head(A)
    assert held is not None
    assert held.checkpoint is not None
    assert held.size == (await a.store.head(A)).size  # type: ignore[union-attr]
    # B's copy of A's checkpoint verifies under A's new key alone
    assert open_checkpoint(held.checkpoint, A, [parse_vkey(new.vkey)]).size == held.size
    # and A's old key file is kept, retired
    assert (a.home.path / "retired-keys" / f"{old.key_id.hex()}.key").exists()


async def test_after_the_grace_period_only_followers_keep_up(net: Net) -> None:
    a, b, c = await net.start(A), await net.start(B), await net.start(C)
    for m in (b, c):
        await net.trust(m, a)
        await net.peer(m, a)
    await a.node.publish(sample_records(A)[:2])
    await pull_ok(b)
    await pull_ok(c)
    await a.node.rotate_key()
    await pull_ok(b)  # b pulls during the grace period and follows
    # end the grace period at a: later checkpoints carry the new key only
    await a.node.close()
    set_grace(a.home, 0)
    a2 = await net.open(a.home)
    assert a2.node.retired == []
    await a2.node.publish(sample_records(A)[2:4])
    await b.store.add_peer(a2.url, A)
    await c.store.add_peer(a2.url, A)
    (ok,) = await b.sync.sync_now(a2.url)
    assert ok.ok, ok.error
    before = await c.store.head(A)
    (refused,) = await c.sync.sync_now(a2.url)  # c slept through the rotation
    assert not refused.ok
    assert refused.reason == "bad_signature"
    after = await c.store.head(A)
    assert after == before  # nothing merged; an admin must pin the new key


async def test_a_rotation_signed_only_by_the_new_key_is_refused(net: Net) -> None:
    a, b = await net.start(A), await net.start(B)
    await net.trust(b, a)
    await net.peer(b, a)
    await a.node.publish(sample_records(A)[:2])
    await pull_ok(b)
    # the node's own append refuses a key that cannot open its published checkpoint...
    impostor = Signer.generate(A)
    with pytest.raises(ForkRisk):
        await a.store.append_own(A, [impostor], [Publication(Op.KEY, vkey=impostor.vkey)])
    # ...so forge it as someone holding a copy of the store but not the old key would
    async with await Store.open(a.home.db_path(a.home.load())) as stolen:
        await stolen.append_own(A, [impostor], [Publication(Op.KEY, vkey=impostor.vkey)])
    before = await b.store.head(A)
    (result,) = await b.sync.sync_now()
    assert not result.ok
    assert result.reason == "bad_signature"
    assert await b.store.head(A) == before
    assert {v.vkey for v in await b.store.verifiers(A)} == {a.node.signer.vkey}


async def test_a_rotation_naming_another_origins_key_is_refused(net: Net) -> None:
    a, b = await net.start(A), await net.start(B)
    await net.trust(b, a)
    await net.peer(b, a)
    other = Signer.generate(C)
    await a.store.append_own(A, a.node.signers, [Publication(Op.KEY, vkey=other.vkey)])
    (result,) = await b.sync.sync_now()
    assert not result.ok
    assert "names a key of" in (result.error or "")
    head = await b.store.head(A)
    assert head is not None
    assert head.size == 0


async def test_interrupted_rotations_are_finished_or_dropped_on_open(net: Net) -> None:
    home = await net.init(A)
    key_path = home.key_path(home.load())
    # 1. the new key was written but the append never committed: dropped
    stray = Signer.generate(A)
    (key_path.parent / (key_path.name + ".next")).write_text(stray.skey + "\n")
    node = await Node.open(home)
    try:
        assert not (key_path.parent / (key_path.name + ".next")).exists()
        current = node.signer
        assert current.vkey != stray.vkey
        # 2. the append committed but the files were not moved yet: finished on open
        new = Signer.generate(A)
        backup = key_path.parent / "backup.key"
        shutil.copy(key_path, backup)
        await node.store.append_own(A, [current, new], [Publication(Op.KEY, vkey=new.vkey)])
    finally:
        await node.close()
    (key_path.parent / (key_path.name + ".next")).write_text(new.skey + "\n")
    reopened = await Node.open(home)
    try:
        assert reopened.signer.vkey == new.vkey
        assert [s.vkey for s in reopened.retired] == [current.vkey]
        assert (home.path / "retired-keys" / f"{current.key_id.hex()}.key").exists()
    finally:
        await reopened.close()


async def test_cli_key_rotate_prints_the_new_vkey(net: Net) -> None:
    home = await net.init(A)
    runner = CliRunner()
    shown = await asyncio.to_thread(runner.invoke, cli, ["key", "show", "--home", str(home.path)])
    rotated = await asyncio.to_thread(
        runner.invoke, cli, ["key", "rotate", "--home", str(home.path)]
    )
    assert rotated.exit_code == 0, rotated.output
    new_vkey = rotated.stdout.strip()
    assert parse_vkey(new_vkey).name == A
    assert new_vkey != shown.stdout.strip()
    assert "retired" in rotated.stderr
    again = await asyncio.to_thread(runner.invoke, cli, ["key", "show", "--home", str(home.path)])
    assert again.stdout.strip() == new_vkey
