"""The portal read index (store/read.py): facets and full-text rows follow every merge, the
migration indexes records already held, and its SQL facets equal the merge's Python ones."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from federation.cli.samples import sample_origins, sample_records
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.note import Signer
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.protocol.update import UpdateVerifier, WireEntry
from federation.store import Store
from federation.store.schema import _FACETS, MIGRATIONS

ORIGIN = "lt.esfa.ncc"
SIGNER = Signer(ORIGIN, bytes(range(32)))
NOW = "2026-11-22T10:00:00Z"
INDEX_VERSION = next(i + 1 for i, m in enumerate(MIGRATIONS) if "records_fts USING fts5" in m)


def puts(records: list[dict[str, Any]]) -> list[Publication]:
    return [prepare_put(r, now=NOW, max_body_bytes=1 << 20) for r in records]


def edge_records() -> list[dict[str, Any]]:
    """Shapes the summaries treat specially: the EL alias, machine translations, tags in odd
    case, event locations, organisation countries, a published person."""
    base = {"origin_country": "EL", "original_language": "el", "created_at": NOW, "updated_at": NOW}
    return [
        {
            **base,
            "kind": "case",
            "id": "EDGE-CASE-1",
            "title": {"el": "Κοινωνική καινοτομία", "EN": "Social innovation", "pt-br": "Inovação"},
            "summary": {
                "el": "Περίληψη.",
                "en": {"text": "Machine summary.", "machine_translated": True, "engine": "x"},
            },
            "problem": {"sr-latn": "Problem"},
            "countries": ["EL", "CY"],
            "partners": [{"name": "Partner", "country": "DE"}, {"name": "No country"}],
            "lead_org": "Org",
            "themes": ["migration", "housing"],
        },
        {
            **base,
            "kind": "event",
            "id": "EDGE-EVENT-1",
            "title": {"el": "Εργαστήριο", "fr": "Atelier"},
            "description": {"el": "Περιγραφή.", "de": "Beschreibung."},
            "event_type": "workshop",
            "start": "2026-03-12T10:00",
            "timezone": "Europe/Athens",
            "attendance": "offline",
            "location": {"city": "Nicosia", "country": "CY"},
            "languages": ["el", "it"],
            "status": "scheduled",
        },
        {
            **base,
            "kind": "contact",
            "id": "EDGE-ORG-1",
            "contact_type": "organisation",
            "name": {"el": "Οργανισμός", "en": "Organisation"},
            "country": "MT",
        },
        {
            **base,
            "kind": "contact",
            "id": "EDGE-PERSON-1",
            "contact_type": "person",
            "display_name": "Eleni Zorbatrou",
            "affiliation": "Org",
            "lawful_basis": "public-task",
            "publication_consent": True,
        },
    ]


def all_records() -> list[dict[str, Any]]:
    out = edge_records()
    for origin in sample_origins():
        out += sample_records(origin, extra=2)
    return out


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(tmp_path / "store.sqlite")
    try:
        await s.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await s.append_own(ORIGIN, SIGNER, [])
        yield s
    finally:
        await s.close()


def index_state(db: Path) -> dict[str, Any]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return {
            "facets": conn.execute(
                "SELECT kind, id, change, facets FROM records ORDER BY change"
            ).fetchall(),
            "fts": conn.execute(
                "SELECT rowid, title, text, facets FROM records_fts ORDER BY 1"
            ).fetchall(),
        }


def check_consistent(db: Path) -> None:
    """records_fts holds exactly one row per current record with a valid body: its facets as
    words, and its text unless it is a person contact."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        conn.execute("INSERT INTO records_fts (records_fts) VALUES ('integrity-check')")
        rows = conn.execute(
            "SELECT r.change, r.facets, r.kind = 'contact' AND "
            "json_extract(b.body, '$.contact_type') = 'person' FROM records r JOIN bodies b "
            "ON b.origin_id = r.origin_id AND b.seq = r.seq WHERE r.valid = 1"
        ).fetchall()
        got = {
            rowid: (facets, title is None and text is None)
            for rowid, title, text, facets in conn.execute(
                "SELECT rowid, title, text, facets FROM records_fts"
            )
        }
        assert got == {change: (facets, bool(person)) for change, facets, person in rows}


def fts_hits(db: Path, query: str) -> list[int]:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("SELECT rowid FROM records_fts WHERE records_fts MATCH ?", (query,))
        return [r[0] for r in rows]


async def test_sql_facets_equal_the_merges_summary_facets(store: Store) -> None:
    records = all_records()
    await store.append_own(ORIGIN, SIGNER, puts(records))
    with contextlib.closing(sqlite3.connect(store.path)) as conn:
        sql = _FACETS.replace("R.", "r.").replace("B,", "b.body,")
        rows = conn.execute(
            f"SELECT r.id, r.facets, {sql} FROM records r JOIN bodies b "
            "ON b.origin_id = r.origin_id AND b.seq = r.seq WHERE r.valid = 1"
        ).fetchall()
    assert len(rows) == len(records)
    for rid, merged, migrated in rows:
        assert merged == migrated, rid
    facets = {rid: f for rid, f, _ in rows}
    assert (
        facets["EDGE-CASE-1"] == "c_CY c_DE c_GR l_el l_en l_pt_br l_sr_latn t_housing t_migration"
    )
    assert facets["EDGE-EVENT-1"] == "c_CY c_GR l_de l_el l_fr"
    assert facets["EDGE-ORG-1"] == "c_GR c_MT l_el l_en"
    assert facets["EDGE-PERSON-1"] == "c_GR l_el"


async def test_index_follows_updates_and_erasure(store: Store) -> None:
    records = all_records()
    await store.append_own(ORIGIN, SIGNER, puts(records))
    check_consistent(store.path)
    assert fts_hits(store.path, "machine") != []  # machine translations are searchable
    assert fts_hits(store.path, "zorbatrou") == []  # persons never enter the full-text index
    case = next(r for r in records if r["id"] == "EDGE-CASE-1")
    renamed = case | {"title": {"el": "Νέος τίτλος", "en": "Quokka"}, "themes": ["care"]}
    await store.append_own(ORIGIN, SIGNER, puts([renamed]))
    check_consistent(store.path)
    assert fts_hits(store.path, "quokka") != []
    assert fts_hits(store.path, "inovacao") == []  # the old title's words are gone
    erased = [r for r in records if r["kind"] == "event"][:3]
    pubs = [prepare_delete(r["kind"], r["id"]) for r in erased]
    await store.append_own(ORIGIN, SIGNER, [*pubs, *puts([renamed | {"title": {"el": "Τ"}}])])
    check_consistent(store.path)
    assert fts_hits(store.path, "quokka") == []
    assert fts_hits(store.path, "atelier") == []  # the deleted event's text went with it
    assert fts_hits(store.path, "facets : c_cy") == [
        r[0] for r in index_state(store.path)["fts"] if "c_CY" in r[3]
    ]  # facets are words of their own column


async def test_migration_indexes_records_already_present(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite"
    records = all_records()
    lithuanian = (r for r in records if r["kind"] == "case" and r["original_language"] == "lt")
    renamed = next(lithuanian) | {"title": {"lt": "Kitas"}}
    async with await Store.open(path) as store:
        await store.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await store.append_own(ORIGIN, SIGNER, puts(records))
        await store.append_own(ORIGIN, SIGNER, puts([renamed]))
        await store.append_own(ORIGIN, SIGNER, [prepare_delete("event", records[1]["id"])])
    merged = index_state(path)
    # the store as the previous schema version left it: no index, no facets column
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.executescript(
            "DROP TABLE records_fts; DROP INDEX records_origin; "
            "DROP INDEX records_updated; "
            "ALTER TABLE records DROP COLUMN facets; DELETE FROM meta WHERE key = 'cursor_key'; "
            f"PRAGMA user_version = {INDEX_VERSION - 1};"
        )
    reopened = await Store.open(path)
    try:
        assert len(await reopened.cursor_key()) == 32
        assert index_state(path) == merged
        check_consistent(path)
    finally:
        await reopened.close()


async def test_a_verified_update_indexes_what_the_origin_indexed(tmp_path: Path) -> None:
    """The index rows a pull stores (texts taken from the verified bodies) equal the ones the
    origin stored (texts taken from its inputs), record by record."""
    records = all_records()
    async with await Store.open(tmp_path / "origin.sqlite") as origin:
        await origin.add_origin(ORIGIN, "self", [SIGNER.vkey])
        await origin.append_own(ORIGIN, SIGNER, puts(records[:20]))
        await origin.append_own(ORIGIN, SIGNER, puts(records[20:]))
        head = await origin.head(ORIGIN)
        assert head is not None and head.checkpoint is not None
        wire = [
            WireEntry(r.seq, r.leaf, r.body) for r in await origin.entries(head.id, 0, head.size)
        ]
    checkpoint = open_checkpoint(head.checkpoint, ORIGIN, [SIGNER.verifier])
    verifier = UpdateVerifier(ORIGIN, 0, (), checkpoint)
    verifier.add_batch(wire)
    async with await Store.open(tmp_path / "puller.sqlite") as puller:
        await puller.add_origin(ORIGIN, "trusted", [SIGNER.vkey])
        await puller.apply_update(verifier.finish(), "http://origin.test")
    check_consistent(tmp_path / "puller.sqlite")

    def by_record(db: Path) -> dict[tuple[str, str], tuple[Any, ...]]:
        with contextlib.closing(sqlite3.connect(db)) as conn:
            rows = conn.execute(
                "SELECT r.kind, r.id, f.title, f.text, f.facets FROM records_fts f "
                "JOIN records r ON r.change = f.rowid"
            ).fetchall()
        return {(k, i): rest for k, i, *rest in rows}

    pulled = by_record(tmp_path / "puller.sqlite")
    assert len(pulled) == len(records)
    assert pulled == by_record(tmp_path / "origin.sqlite")
