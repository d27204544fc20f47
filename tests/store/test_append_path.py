"""The store's write path since ADR 0011: stores of the previous layout migrate, and the WAL is
checkpointed in the background and stays bounded."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from federation.cli.samples import sample_records
from federation.protocol import merkle
from federation.protocol.note import Signer
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.store import Store
from federation.store import store as store_module
from federation.store.read import RecordFilter
from federation.store.schema import MIGRATIONS
from federation.store.store import _statements

ORIGIN = "lt.esfa.ncc"
SIGNER = Signer(ORIGIN, bytes(range(32)))
NOW = "2026-11-22T10:00:00Z"
LAYOUT_7 = 7  # the last schema version with ``changes`` and records keyed by record id

Rows = dict[str, list[tuple[Any, ...]]]


def puts(records: list[dict[str, Any]]) -> list[Publication]:
    return [prepare_put(r, now=NOW, max_body_bytes=1 << 20) for r in records]


def cases(n: int) -> list[dict[str, Any]]:
    return [r for r in sample_records(ORIGIN, extra=n) if r["kind"] == "case"][:n]


def dump(db: Path) -> Rows:
    """Everything a merge writes, in a stable order (and comparable across layouts)."""
    queries = {
        "origins": "SELECT origin, role, size, root, frontier, checkpoint FROM origins",
        "leaves": "SELECT origin_id, seq, leaf FROM leaves ORDER BY 1, 2",
        "tree": "SELECT origin_id, level, idx, hash FROM tree ORDER BY 1, 2, 3",
        "bodies": "SELECT origin_id, seq, kind, id, vis, body FROM bodies ORDER BY 1, 2",
        "records": "SELECT change, origin_id, kind, id, seq, op, vis, ts, valid, reason, country, "
        "title, updated_at, facets FROM records ORDER BY change",
        "fts": "SELECT rowid, title, text, facets FROM records_fts ORDER BY rowid",
    }
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {name: conn.execute(sql).fetchall() for name, sql in queries.items()}


def write_layout_7(db: Path, rows: Rows, meta: list[tuple[Any, ...]]) -> None:
    """A store as schema version 7 kept these rows: records keyed by id, a ``changes`` row for
    each record's latest change, the bodies' unique index by record."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        for script in MIGRATIONS[:LAYOUT_7]:
            for stmt in _statements(script):
                conn.execute(stmt)
        conn.execute("DELETE FROM meta")
        conn.executemany("INSERT INTO meta VALUES (?, ?)", meta)
        conn.executemany(
            "INSERT INTO origins (origin, role, size, root, frontier, checkpoint, added_at) "
            f"VALUES (?, ?, ?, ?, ?, ?, '{NOW}')",
            rows["origins"],
        )
        conn.execute(
            "INSERT INTO origin_keys (origin_id, vkey, key_id, added_at) VALUES (1, ?, ?, ?)",
            (SIGNER.vkey, SIGNER.key_id.hex(), NOW),
        )
        conn.executemany("INSERT INTO leaves VALUES (?, ?, ?)", rows["leaves"])
        conn.executemany("INSERT INTO tree VALUES (?, ?, ?, ?)", rows["tree"])
        conn.executemany("INSERT INTO bodies VALUES (?, ?, ?, ?, ?, ?)", rows["bodies"])
        conn.executemany(
            "INSERT INTO records (change, origin_id, kind, id, seq, op, vis, ts, valid, reason, "
            "country, title, updated_at, facets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows["records"],
        )
        conn.executemany(
            f"INSERT INTO changes (cursor, origin_id, kind, id, seq, op, at) "
            f"VALUES (?, ?, ?, ?, ?, ?, '{NOW}')",
            [r[:6] for r in rows["records"]],
        )
        conn.executemany(
            "INSERT INTO records_fts (rowid, title, text, facets) VALUES (?, ?, ?, ?)", rows["fts"]
        )
        conn.execute(f"PRAGMA user_version = {LAYOUT_7}")
        conn.commit()


async def test_a_store_of_the_previous_layout_migrates_and_merges_on(tmp_path: Path) -> None:
    records = cases(30)
    async with await Store.open(tmp_path / "new.sqlite") as new:
        await new.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await new.append_own(ORIGIN, SIGNER, puts(records[:20]))
        renamed = records[3] | {"title": {"lt": "Naujas pavadinimas", "en": "Quokka"}}
        await new.append_own(ORIGIN, SIGNER, [*puts(records[20:]), *puts([renamed])])
        await new.append_own(ORIGIN, SIGNER, [prepare_delete("case", records[5]["id"])])
    rows = dump(tmp_path / "new.sqlite")
    with contextlib.closing(sqlite3.connect(tmp_path / "new.sqlite")) as conn:
        meta = conn.execute("SELECT key, value FROM meta").fetchall()
    old = tmp_path / "old.sqlite"
    write_layout_7(old, rows, meta)

    async with await Store.open(old) as store:
        with contextlib.closing(sqlite3.connect(old)) as conn:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
        assert "changes" not in tables and "bodies_record" not in tables
        assert dump(old) == rows  # every row kept, the records in change order
        page = await store.read_records(RecordFilter(terms=("quokka",)), None, 10)
        assert [r.id for r in page.items] == [records[3]["id"]]
        assert await store.last_change() == rows["records"][-1][0]

        # and merges go on: an update erases the old body and index row, a new cursor follows
        head = await store.append_own(ORIGIN, SIGNER, puts([renamed | {"title": {"lt": "T"}}]))
        assert head.root == merkle.root_of(
            merkle.leaf_hash(r.leaf) for r in await store.entries(head.id, 0, head.size)
        )
        assert await store.body_count(ORIGIN, "case", records[3]["id"]) == 1
        page = await store.read_records(RecordFilter(terms=("quokka",)), None, 10)
        assert page.items == []
        assert await store.last_change() == rows["records"][-1][0] + 1


def file_sizes(db: Path) -> tuple[int, int, int]:
    """(database file, its logical size as read through the WAL, WAL file) in bytes."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    return db.stat().st_size, pages * page_size, Path(f"{db}-wal").stat().st_size


async def test_the_wal_is_checkpointed_once_writes_pause(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "CHECKPOINT_IDLE_SECONDS", 0.2)
    db = tmp_path / "store.sqlite"
    records = cases(60)
    async with await Store.open(db) as store:
        await store.add_origin(ORIGIN, "self", [SIGNER.vkey])
        for i in range(0, 60, 20):  # several commits: each one postpones the checkpoint
            await store.append_own(ORIGIN, SIGNER, puts(records[i : i + 20]))
        in_file, logical, wal = file_sizes(db)
        assert in_file < logical < wal  # the new pages are in the WAL only
        for _ in range(100):
            await asyncio.sleep(0.05)
            in_file, logical, _ = file_sizes(db)
            if in_file == logical:
                break
        assert in_file == logical  # checkpointed in the background, without another write
        assert await store.checkpoint() == (wal // (4096 + 24), wal // (4096 + 24))
        assert len(await store.list_records(limit=100)) == 60


async def test_a_long_run_of_writes_keeps_the_wal_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "WAL_LIMIT_BYTES", 200_000)
    monkeypatch.setattr(store_module, "CHECKPOINT_IDLE_SECONDS", 3600.0)  # never idle here
    db = tmp_path / "store.sqlite"
    records = cases(80)
    sizes = []
    async with await Store.open(db) as store:
        await store.add_origin(ORIGIN, "self", [SIGNER.vkey])
        for i in range(0, len(records), 10):
            await store.append_own(ORIGIN, SIGNER, puts(records[i : i + 10]))
            sizes.append(file_sizes(db)[2])
        assert len(await store.list_records(limit=1000)) == len(records)
    # a commit that leaves more than the limit checkpoints and truncates the WAL there and then
    assert sizes.count(0) >= 3
    assert 0 < max(sizes) < 200_000
