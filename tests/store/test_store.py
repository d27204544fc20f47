"""The SQLite store on real files: migrations, WAL, appends, proofs, atomicity, erasure, forks."""

from __future__ import annotations

import contextlib
import random
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from federation.config import Home, Limits
from federation.node.service import Node
from federation.protocol import merkle
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.entry import Kind, Op, body_ref, parse_leaf
from federation.protocol.errors import ProofError, SignatureError
from federation.protocol.note import Signer
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.store import ForkRisk, Store, StoreError
from federation.store.schema import MIGRATIONS

ORIGIN = "lt.esfa.ncc"
SIGNER = Signer(ORIGIN, bytes(range(32)))
OTHER_SIGNER = Signer(ORIGIN, bytes(range(32, 64)))
NOW = "2026-11-22T10:00:00Z"
TABLES = ("origins", "origin_keys", "leaves", "tree", "bodies", "records", "checkpoints")

Factory = Callable[..., dict[str, Any]]
PutFactory = Callable[..., Publication]


# --- helpers ------------------------------------------------------------------------------------


def sql_scalar(db: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return conn.execute(sql, params).fetchone()[0]


def table_counts(db: Path) -> dict[str, int]:
    return {t: int(sql_scalar(db, f"SELECT COUNT(*) FROM {t}")) for t in TABLES}


def schema(db: Path) -> list[tuple[str, str]]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
    return [(str(n), str(s)) for n, s in rows]


def backup(db: Path, dest: Path) -> None:
    """A consistent copy of a live WAL database (SQLite's online backup API)."""
    with (
        contextlib.closing(sqlite3.connect(db)) as src,
        contextlib.closing(sqlite3.connect(dest)) as dst,
    ):
        src.backup(dst)


def restore(copy: Path, db: Path) -> None:
    """Put an old copy back in place of a closed database (dropping its WAL files)."""
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(copy, db)


async def open_store(tmp_path: Path, name: str = "store.sqlite") -> Store:
    return await Store.open(tmp_path / name, published_path=tmp_path / f"{name}.published")


async def leaf_hashes(store: Store, size: int | None = None) -> list[bytes]:
    head = await store.head(ORIGIN)
    assert head is not None
    rows = await store.entries(head.id, 0, head.size if size is None else size)
    return [merkle.leaf_hash(r.leaf) for r in rows]


@pytest.fixture
def put(make_case: Factory) -> PutFactory:
    """``put(n, **fields)``: a validated publication of case ``n``."""

    def make(n: int, **fields: Any) -> Publication:
        return prepare_put(make_case(n, **fields), now=NOW, max_body_bytes=Limits().max_body_bytes)

    return make


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    """An open store holding this node's own (empty) log of ``lt.esfa.ncc``."""
    s = await open_store(tmp_path)
    try:
        await s.add_origin(ORIGIN, "self", [SIGNER.vkey])
        yield s
    finally:
        await s.close()


# --- schema and lifecycle -----------------------------------------------------------------------


async def test_migrations_set_user_version_and_reopening_is_idempotent(
    tmp_path: Path, put: PutFactory
) -> None:
    db = tmp_path / "store.sqlite"
    async with await open_store(tmp_path) as s:
        await s.add_origin(ORIGIN, "self", [SIGNER.vkey])
        head = await s.append_own(ORIGIN, SIGNER, [put(1), put(2)])
    assert sql_scalar(db, "PRAGMA user_version") == len(MIGRATIONS) >= 1
    before = schema(db)
    assert {"leaves", "tree", "bodies", "records", "checkpoints"} <= {n for n, _ in before}
    for _ in range(2):
        async with await open_store(tmp_path) as s:
            again = await s.head(ORIGIN)
        assert again == head
        assert sql_scalar(db, "PRAGMA user_version") == len(MIGRATIONS)
        assert schema(db) == before


async def test_a_store_from_a_newer_program_is_refused(tmp_path: Path) -> None:
    async with await open_store(tmp_path):
        pass
    db = tmp_path / "store.sqlite"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer"):
        await open_store(tmp_path)


async def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    (tmp_path / "store.sqlite").write_bytes(b"not a database " * 100)
    with pytest.raises(StoreError, match="not a database"):
        await open_store(tmp_path)


async def test_wal_mode_is_on(store: Store) -> None:
    assert sql_scalar(store.path, "PRAGMA journal_mode") == "wal"


# --- appending and checkpoints ------------------------------------------------------------------


async def test_append_own_grows_the_log_and_the_root_is_rfc6962(
    store: Store, put: PutFactory
) -> None:
    n = 0
    for batch in (1, 2, 5, 3, 13):
        head = await store.append_own(ORIGIN, SIGNER, [put(n + i) for i in range(batch)])
        n += batch
        assert head.size == n
        hashes = await leaf_hashes(store)
        assert len(hashes) == n
        assert head.root == merkle.root_of(hashes)
        assert await store.root_at(ORIGIN, n) == head.root
    rows = await store.entries(head.id, 0, n)
    assert [parse_leaf(r.leaf).seq for r in rows] == list(range(n))
    assert all(parse_leaf(r.leaf).op is Op.PUT for r in rows)


async def test_the_checkpoint_verifies_and_is_published(
    tmp_path: Path, store: Store, put: PutFactory
) -> None:
    head = await store.append_own(ORIGIN, SIGNER, [put(i) for i in range(6)])
    assert head.checkpoint is not None
    cp = open_checkpoint(head.checkpoint, ORIGIN, [SIGNER.verifier])
    assert (cp.origin, cp.size, cp.root) == (ORIGIN, 6, head.root)
    with pytest.raises(SignatureError):
        open_checkpoint(head.checkpoint, ORIGIN, [OTHER_SIGNER.verifier])
    assert (tmp_path / "store.sqlite.published").read_bytes() == head.checkpoint
    stored = sql_scalar(store.path, "SELECT note FROM checkpoints WHERE size = 6")
    assert bytes(stored) == head.checkpoint


async def test_an_empty_log_has_the_empty_root(store: Store) -> None:
    head = await store.append_own(ORIGIN, SIGNER, [])
    assert (head.size, head.root) == (0, merkle.EMPTY_ROOT)
    assert head.checkpoint is not None
    assert open_checkpoint(head.checkpoint, ORIGIN, [SIGNER.verifier]).size == 0


# --- proofs -------------------------------------------------------------------------------------


async def test_inclusion_and_consistency_proofs_verify_for_every_size_up_to_40(
    store: Store, put: PutFactory
) -> None:
    rng = random.Random(6962)
    n = 0
    while n < 40:  # uneven batches: subtrees complete across batch boundaries
        batch = min(40 - n, rng.randint(1, 6))
        await store.append_own(ORIGIN, SIGNER, [put(n + i) for i in range(batch)])
        n += batch
    hashes = await leaf_hashes(store)
    roots = {size: merkle.root_of(hashes[:size]) for size in range(1, 41)}
    for size in range(1, 41):
        assert await store.root_at(ORIGIN, size) == roots[size]
        for index in range(size):
            proof = await store.inclusion_proof(ORIGIN, index, size)
            merkle.verify_inclusion(hashes[index], index, size, proof, roots[size])
        for old in range(1, size + 1):
            proof = await store.consistency_proof(ORIGIN, old, size)
            merkle.verify_consistency(old, size, proof, roots[old], roots[size])


async def test_proofs_are_bound_to_their_leaf_and_root(store: Store, put: PutFactory) -> None:
    await store.append_own(ORIGIN, SIGNER, [put(i) for i in range(11)])
    hashes = await leaf_hashes(store)
    root = merkle.root_of(hashes)
    proof = await store.inclusion_proof(ORIGIN, 4, 11)
    with pytest.raises(ProofError):
        merkle.verify_inclusion(hashes[5], 4, 11, proof, root)
    proof = await store.consistency_proof(ORIGIN, 7, 11)
    with pytest.raises(ProofError):
        merkle.verify_consistency(7, 11, proof, merkle.root_of(hashes[:6]), root)


async def test_proofs_beyond_the_stored_tree_are_refused(store: Store, put: PutFactory) -> None:
    await store.append_own(ORIGIN, SIGNER, [put(i) for i in range(5)])
    with pytest.raises(ProofError):
        await store.inclusion_proof(ORIGIN, 5, 5)
    with pytest.raises(StoreError, match="missing"):
        await store.inclusion_proof(ORIGIN, 0, 6)
    with pytest.raises(StoreError, match="missing"):
        await store.consistency_proof(ORIGIN, 3, 7)


# --- atomicity ----------------------------------------------------------------------------------


async def test_an_error_inside_a_write_transaction_rolls_everything_back(
    store: Store, put: PutFactory
) -> None:
    head = await store.append_own(ORIGIN, SIGNER, [put(1), put(2)])
    before = table_counts(store.path)

    class Boom(Exception):
        pass

    async def write_then_fail() -> None:
        async with store._write() as conn:
            await conn.execute(
                "INSERT INTO leaves (origin_id, seq, leaf) VALUES (?, 2, x'00')", (head.id,)
            )
            await conn.execute(
                "INSERT INTO bodies VALUES (?, 2, 'case', 'X1', 'public', x'7b7d')", (head.id,)
            )
            await conn.execute("UPDATE origins SET size = 99 WHERE id = ?", (head.id,))
            async with conn.execute("SELECT COUNT(*) FROM leaves") as cur:
                row = await cur.fetchone()
            assert row is not None and row[0] == before["leaves"] + 1  # written, not committed
            raise Boom

    with pytest.raises(Boom):
        await write_then_fail()

    assert table_counts(store.path) == before
    assert await store.head(ORIGIN) == head
    again = await store.append_own(ORIGIN, SIGNER, [put(3)])
    assert again.size == 3
    assert again.root == merkle.root_of(await leaf_hashes(store))


async def test_a_failure_in_the_middle_of_an_append_keeps_nothing(
    tmp_path: Path, store: Store, put: PutFactory
) -> None:
    head = await store.append_own(ORIGIN, SIGNER, [put(1), put(2)])
    published = (tmp_path / "store.sqlite.published").read_bytes()
    # A stray row at seq 3 makes the append fail after seq 2's leaf was already inserted.
    with contextlib.closing(sqlite3.connect(store.path)) as conn:
        conn.execute("INSERT INTO leaves VALUES (?, 3, x'00')", (head.id,))
        conn.commit()
    before = table_counts(store.path)

    with pytest.raises(sqlite3.IntegrityError):
        await store.append_own(ORIGIN, SIGNER, [put(3), put(4), put(5)])

    assert table_counts(store.path) == before
    assert await store.head(ORIGIN) == head
    assert await store.get_record(ORIGIN, "case", put(3).id or "") is None
    assert (tmp_path / "store.sqlite.published").read_bytes() == published

    with contextlib.closing(sqlite3.connect(store.path)) as conn:
        conn.execute("DELETE FROM leaves WHERE seq = 3")
        conn.commit()
    after = await store.append_own(ORIGIN, SIGNER, [put(3), put(4), put(5)])
    assert after.size == 5
    assert after.root == merkle.root_of(await leaf_hashes(store))


# --- erasure ------------------------------------------------------------------------------------


async def test_a_new_version_erases_the_old_body_and_delete_erases_the_last(
    store: Store, put: PutFactory
) -> None:
    other = put(9)
    v1 = put(1)
    v2 = put(1, title={"lt": "Atnaujintas pavadinimas", "en": "Updated title"})
    assert v1.body != v2.body and v1.id == v2.id and v2.body is not None
    await store.append_own(ORIGIN, SIGNER, [other])
    await store.append_own(ORIGIN, SIGNER, [v1])
    head = await store.append_own(ORIGIN, SIGNER, [v2])

    assert await store.body_count(ORIGIN, "case", v1.id or "") == 1
    rows = await store.entries(head.id, 0, head.size)
    assert [r.body for r in rows] == [other.body, None, v2.body]
    record = await store.get_record(ORIGIN, "case", v2.id or "")
    assert record is not None
    assert (record.seq, record.op, record.body) == (2, "put", v2.body)

    head = await store.append_own(ORIGIN, SIGNER, [prepare_delete("case", v1.id)])
    assert head.size == 4
    assert await store.body_count(ORIGIN, "case", v1.id or "") == 0
    rows = await store.entries(head.id, 0, head.size)
    assert [r.body for r in rows] == [other.body, None, None, None]
    record = await store.get_record(ORIGIN, "case", v1.id or "")
    assert record is not None
    assert (record.seq, record.op, record.body) == (3, "delete", None)
    assert await store.body_count(ORIGIN, "case", other.id or "") == 1

    # The leaves are all kept, so the tree and the checkpoint still verify.
    leaves = [parse_leaf(r.leaf) for r in rows]
    assert [lf.op for lf in leaves] == [Op.PUT, Op.PUT, Op.PUT, Op.DELETE]
    assert leaves[2].body == body_ref(v2.body)
    hashes = [merkle.leaf_hash(r.leaf) for r in rows]
    assert head.root == merkle.root_of(hashes)
    assert head.checkpoint is not None
    assert open_checkpoint(head.checkpoint, ORIGIN, [SIGNER.verifier]).root == head.root
    for i in range(4):
        proof = await store.inclusion_proof(ORIGIN, i, 4)
        merkle.verify_inclusion(hashes[i], i, 4, proof, head.root)


async def test_two_versions_in_one_batch_keep_only_the_last_body(
    store: Store, put: PutFactory
) -> None:
    v1 = put(1)
    v2 = put(1, lead_org="Socialinių paslaugų priežiūros departamentas")
    head = await store.append_own(ORIGIN, SIGNER, [v1, v2])
    rows = await store.entries(head.id, 0, 2)
    assert [r.body for r in rows] == [None, v2.body]
    assert await store.body_count(ORIGIN, "case", v1.id or "") == 1
    record = await store.get_record(ORIGIN, "case", v1.id or "")
    assert record is not None and record.seq == 1


async def test_a_record_published_again_after_delete_has_a_body_again(
    store: Store, put: PutFactory
) -> None:
    v1 = put(1)
    await store.append_own(ORIGIN, SIGNER, [v1, prepare_delete(Kind.CASE, v1.id)])
    assert await store.body_count(ORIGIN, "case", v1.id or "") == 0
    v3 = put(1, stage="completed")
    head = await store.append_own(ORIGIN, SIGNER, [v3])
    assert await store.body_count(ORIGIN, "case", v1.id or "") == 1
    rows = await store.entries(head.id, 0, 3)
    assert [r.body for r in rows] == [None, None, v3.body]
    live = await store.list_records(kind="case")
    assert [(r.id, r.seq) for r in live] == [(v1.id, 2)]


# --- fork protection ----------------------------------------------------------------------------


async def test_a_store_restored_from_an_old_copy_is_refused(
    tmp_path: Path, put: PutFactory
) -> None:
    db = tmp_path / "store.sqlite"
    copy = tmp_path / "backup.sqlite"
    async with await open_store(tmp_path) as s:
        await s.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await s.append_own(ORIGIN, SIGNER, [put(i) for i in range(3)])
        backup(db, copy)
        await s.append_own(ORIGIN, SIGNER, [put(3), put(4)])
    restore(copy, db)

    async with await open_store(tmp_path) as s:
        head = await s.head(ORIGIN)
        assert head is not None and head.size == 3
        with pytest.raises(ForkRisk, match="already published"):
            await s.check_not_behind(ORIGIN, [SIGNER.verifier])
        with pytest.raises(ForkRisk):
            await s.append_own(ORIGIN, SIGNER, [put(5)])
        again = await s.head(ORIGIN)
        assert again is not None and again.size == 3


async def test_a_store_that_diverges_from_the_published_checkpoint_is_refused(
    tmp_path: Path, put: PutFactory
) -> None:
    async with await open_store(tmp_path, "a.sqlite") as a:
        await a.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await a.append_own(ORIGIN, SIGNER, [put(i) for i in range(4)])
    # Another tree of the same size, with the first store's published checkpoint in place.
    async with await open_store(tmp_path, "b.sqlite") as b:
        await b.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await b.append_own(ORIGIN, SIGNER, [put(i + 10) for i in range(4)])
    shutil.copyfile(tmp_path / "a.sqlite.published", tmp_path / "b.sqlite.published")
    async with await open_store(tmp_path, "b.sqlite") as b:
        with pytest.raises(ForkRisk, match="differs"):
            await b.check_not_behind(ORIGIN, [SIGNER.verifier])


async def test_an_unreadable_published_checkpoint_is_refused(
    tmp_path: Path, store: Store, put: PutFactory
) -> None:
    await store.append_own(ORIGIN, SIGNER, [put(1)])
    (tmp_path / "store.sqlite.published").write_bytes(b"garbage\n")
    with pytest.raises(ForkRisk, match="cannot read"):
        await store.check_not_behind(ORIGIN, [SIGNER.verifier])
    with pytest.raises(ForkRisk):
        await store.append_own(ORIGIN, SIGNER, [put(2)])


async def test_node_open_refuses_a_restored_store(
    node_home: tuple[Home, str], make_case: Factory
) -> None:
    home, _ = node_home
    async with await Node.open(home) as node:
        await node.publish([make_case(i) for i in range(3)])
        db = home.db_path(node.settings)
        old, current = home.path / "old.sqlite", home.path / "current.sqlite"
        backup(db, old)
        head = (await node.publish([make_case(3), make_case(4)])).head
        assert head.size == 5
        backup(db, current)
    restore(old, db)
    with pytest.raises(ForkRisk):
        await Node.open(home)
    # Putting the up-to-date copy back makes the node usable again.
    restore(current, db)
    async with await Node.open(home) as node:
        again = await node.store.head(node.origin)
        assert again is not None and (again.size, again.root) == (5, head.root)
