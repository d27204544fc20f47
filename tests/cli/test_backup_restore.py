"""`federation backup` / `restore`: online copies, restores into stopped homes, fork safety.

A backup taken while a real node serves and publishes is one committed snapshot. A restore
goes only into a stopped home of the same origin and key, keeps the previous store, and never
touches ``published.checkpoint``: restoring an older backup leaves a node that refuses to sign.
"""

from __future__ import annotations

import asyncio
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from click.testing import CliRunner, Result

from federation.cli.main import cli
from federation.config import Home
from federation.node.service import Node
from federation.protocol.checkpoint import open_checkpoint
from federation.store import ForkRisk, Store
from federation.store.backup import BEFORE_RESTORE, inspect_store

ORIGIN = "lt.esfa.ncc"
Factory = Callable[..., dict[str, Any]]


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def init(path: Path, origin: str = ORIGIN, country: str = "LT") -> None:
    result = invoke("init", "--home", str(path), "--origin", origin, "--country", country)
    assert result.exit_code == 0, result.output


def put(home: Path, tmp_path: Path, *records: dict[str, Any]) -> Result:
    f = tmp_path / "records.json"
    f.write_bytes(orjson.dumps(list(records)))
    return invoke("records", "put", "--home", str(home), str(f))


def kept_files(home: Path) -> list[Path]:
    return sorted(home.glob(f"federation.sqlite{BEFORE_RESTORE}*"))


async def own_log(db: Path) -> tuple[int, bytes, bytes]:
    """(size, root, root recomputed from the stored subtree hashes) of a copy of ``db``."""
    copy = db.with_name(db.name + ".check")
    shutil.copyfile(db, copy)
    async with await Store.open(copy) as store:
        head = await store.head(ORIGIN)
        assert head is not None
        return head.size, head.root, await store.root_at(ORIGIN, head.size)


async def open_size(home: Path) -> int:
    """Open the node as `serve` would and return its own log size."""
    async with await Node.open(Home(home)) as node:
        head = await node.store.head(ORIGIN)
        assert head is not None
        return head.size


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("FEDERATION_HOME", raising=False)
    path = tmp_path / "lt"
    init(path)
    return path


# --- backup -------------------------------------------------------------------------------------


async def test_a_backup_while_the_node_serves_and_publishes_is_one_consistent_snapshot(
    tmp_path: Path, running_node: tuple[Node, str], make_case: Factory
) -> None:
    node, _ = running_node
    first = await node.publish([make_case(n) for n in range(1, 4)])
    signed = {(first.head.size, first.head.root)}

    async def publish_more() -> None:
        for n in range(10, 30):
            res = await node.publish([make_case(n)])
            signed.add((res.head.size, res.head.root))
            await asyncio.sleep(0)

    dest = tmp_path / "during.sqlite"
    home = str(node.home.path)
    result, _ = await asyncio.gather(
        asyncio.to_thread(invoke, "backup", "--home", home, str(dest)), publish_more()
    )
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.stdout
    assert "origin.key" in result.stderr  # the key is not in the backup: say so
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600  # federation-only bodies inside
    summary = inspect_store(dest)  # integrity_check passes
    assert summary.own_origin == ORIGIN
    size, root, recomputed = await own_log(dest)
    assert (size, root) in signed  # a state the node committed and signed, nothing half-done
    assert recomputed == root  # tree hashes, leaves and head agree
    assert summary.records == size

    # Once the node is quiet, a backup holds exactly its head and its signed checkpoint.
    quiet = tmp_path / "quiet.sqlite"
    result = await asyncio.to_thread(invoke, "backup", "--home", home, str(quiet))
    assert result.exit_code == 0, result.output
    head = await node.store.head(ORIGIN)
    assert head is not None and head.checkpoint is not None
    assert (await own_log(quiet))[:2] == (head.size, head.root) == (23, head.root)
    assert f"size {head.size:>8,}" in result.stdout
    async with await Store.open(quiet.with_name("quiet.sqlite.check")) as store:
        copied = await store.head(ORIGIN)
        assert copied is not None and copied.checkpoint == head.checkpoint
        cp = open_checkpoint(copied.checkpoint, ORIGIN, [node.signer.verifier])
        assert (cp.size, cp.root) == (head.size, head.root)


def test_backup_refuses_to_overwrite_a_file_unless_forced(home: Path, tmp_path: Path) -> None:
    dest = tmp_path / "b.sqlite"
    dest.write_text("keep me")
    result = invoke("backup", "--home", str(home), str(dest))
    assert result.exit_code == 2 and "--force" in result.stderr
    assert dest.read_text() == "keep me"
    result = invoke("backup", "--home", str(home), str(dest), "--force")
    assert result.exit_code == 0, result.output
    assert inspect_store(dest).own_origin == ORIGIN
    assert not list(tmp_path.glob("*.partial"))


# --- restore ------------------------------------------------------------------------------------


@pytest.mark.parametrize("loss", ["damaged", "missing"])
def test_restore_into_a_stopped_home_of_the_same_origin(
    home: Path, tmp_path: Path, make_case: Factory, loss: str
) -> None:
    assert put(home, tmp_path, make_case(1), make_case(2)).exit_code == 0
    backup = tmp_path / "b.sqlite"
    assert invoke("backup", "--home", str(home), str(backup)).exit_code == 0
    published = (home / "published.checkpoint").read_bytes()
    db = home / "federation.sqlite"
    if loss == "damaged":
        db.write_bytes(b"\0disk error\0" * 1000)
    else:
        db.unlink()

    result = invoke("restore", "--home", str(home), str(backup))
    assert result.exit_code == 0, result.output
    assert "the node opens: own log size 2" in result.stdout
    assert (home / "published.checkpoint").read_bytes() == published
    assert len(kept_files(home)) == (1 if loss == "damaged" else 0)
    assert not list(home.glob("*.restoring*"))
    assert asyncio.run(open_size(home)) == 2  # no ForkRisk

    listed = invoke("records", "list", "--home", str(home), "--json")
    assert [orjson.loads(r)["id"] for r in listed.stdout.splitlines()] == [
        make_case(1)["id"],
        make_case(2)["id"],
    ]
    result = put(home, tmp_path, make_case(3))  # the node signs on from the restored log
    assert result.exit_code == 0, result.output
    assert f"{ORIGIN} size 3" in result.stdout


def test_restoring_an_older_backup_than_the_published_checkpoint_refuses_to_sign(
    home: Path, tmp_path: Path, make_case: Factory
) -> None:
    assert put(home, tmp_path, make_case(1)).exit_code == 0
    old = tmp_path / "old.sqlite"
    assert invoke("backup", "--home", str(home), str(old)).exit_code == 0
    assert put(home, tmp_path, make_case(2), make_case(3)).exit_code == 0  # checkpoint 3 out
    published = (home / "published.checkpoint").read_bytes()

    result = invoke("restore", "--home", str(home), str(old))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    last = result.stderr.splitlines()[-1]
    assert last.startswith("federation: restored, but the node refuses to sign")
    assert "checkpoint 3 was already published" in last
    assert "published a checkpoint of size 3" in result.stderr  # the explanation
    assert "Do not delete or edit published.checkpoint" in result.stderr
    # restore neither deletes nor rewrites the fork protection
    assert (home / "published.checkpoint").read_bytes() == published
    (kept,) = kept_files(home)
    assert str(kept) in result.stderr

    with pytest.raises(ForkRisk, match="already published"):
        asyncio.run(open_size(home))
    refused = put(home, tmp_path, make_case(4))
    assert refused.exit_code == 1 and refused.stdout == ""
    assert len(refused.stderr.splitlines()) == 1
    assert "checkpoint 3 was already published" in refused.stderr

    # Putting the previous store back is the way out.
    back = invoke("restore", "--home", str(home), str(kept))
    assert back.exit_code == 0, back.output
    result = put(home, tmp_path, make_case(4))
    assert result.exit_code == 0, result.output
    assert f"{ORIGIN} size 4" in result.stdout


def test_restoring_a_forked_history_of_the_same_size_refuses_to_sign(
    home: Path, tmp_path: Path, make_case: Factory
) -> None:
    assert put(home, tmp_path, make_case(1)).exit_code == 0
    one = tmp_path / "one.sqlite"
    assert invoke("backup", "--home", str(home), str(one)).exit_code == 0
    assert put(home, tmp_path, make_case(2)).exit_code == 0  # published: size 2, case 2
    published = home / "published.checkpoint"
    saved = published.read_bytes()
    # Build a fork only by defeating the protection (what an admin must never do): back to
    # size 1 without the published checkpoint, and publish something else as entry 2.
    published.unlink()
    assert invoke("restore", "--home", str(home), str(one)).exit_code == 0
    assert put(home, tmp_path, make_case(3)).exit_code == 0
    fork = tmp_path / "fork.sqlite"
    assert invoke("backup", "--home", str(home), str(fork)).exit_code == 0
    published.write_bytes(saved)  # the checkpoint peers hold: size 2 with case 2

    result = invoke("restore", "--home", str(home), str(fork))
    assert result.exit_code == 1
    assert "is not the history this node published" in result.stderr
    assert "differs from its published checkpoint" in result.stderr.splitlines()[-1]
    assert published.read_bytes() == saved
    refused = put(home, tmp_path, make_case(4))
    assert refused.exit_code == 1 and "published checkpoint" in refused.stderr


def test_restoring_another_origins_backup_is_refused(
    home: Path, tmp_path: Path, make_case: Factory
) -> None:
    lv = tmp_path / "lv"
    init(lv, "lv.sif.ncc", "LV")
    backup = tmp_path / "lv.sqlite"
    assert invoke("backup", "--home", str(lv), str(backup)).exit_code == 0
    assert put(home, tmp_path, make_case(1)).exit_code == 0

    result = invoke("restore", "--home", str(home), str(backup))
    assert result.exit_code == 1
    assert result.stderr == (
        f"federation: {backup} is a backup of lv.sif.ncc, not of this home's origin {ORIGIN}\n"
    )
    assert kept_files(home) == [] and not list(home.glob("*.restoring*"))
    listed = invoke("records", "list", "--home", str(home), "--json")
    assert len(listed.stdout.splitlines()) == 1


def test_restoring_a_backup_made_with_another_key_of_the_origin_is_refused(
    home: Path, tmp_path: Path
) -> None:
    other = tmp_path / "lt-other"
    init(other)  # the same origin name, a different key
    backup = tmp_path / "other.sqlite"
    assert invoke("backup", "--home", str(other), str(backup)).exit_code == 0
    result = invoke("restore", "--home", str(home), str(backup))
    assert result.exit_code == 1
    assert "does not know this home's signing key" in result.stderr
    assert kept_files(home) == []


def test_restoring_a_file_that_is_not_a_store_is_refused(home: Path, tmp_path: Path) -> None:
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not sqlite at all" * 100)
    result = invoke("restore", "--home", str(home), str(junk))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1 and "not a database" in result.stderr
    assert kept_files(home) == []


async def test_restore_while_the_node_serves_is_refused(
    tmp_path: Path, running_node: tuple[Node, str], make_case: Factory
) -> None:
    node, _ = running_node
    await node.publish([make_case(1)])
    home = str(node.home.path)
    backup = tmp_path / "b.sqlite"
    result = await asyncio.to_thread(invoke, "backup", "--home", home, str(backup))
    assert result.exit_code == 0, result.output

    result = await asyncio.to_thread(invoke, "restore", "--home", home, str(backup))
    assert result.exit_code == 1
    assert len(result.stderr.splitlines()) == 1
    assert "in use" in result.stderr and "federation serve" in result.stderr
    assert kept_files(node.home.path) == []
    # the serving node carries on, untouched
    assert (await node.publish([make_case(2)])).head.size == 2
