"""Query plans of the portal listing (store/read.py): filters that combine sources in change
order — the full-text index (words, country, language, theme), the kind index, the origin
index — are intersected (leapfrog) instead of walking one source. The answers are those of the
definition (computed here from the published inputs), page by page, and the work does not grow
with the rows of one source that the others lack.

The store is real: its own centre publishes with ``append_own``; four other centres publish
into their own stores and are merged as a pull merges, through ``UpdateVerifier`` and
``apply_update``.
"""

from __future__ import annotations

import contextlib
import random
import re
import unicodedata
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from federation.cli.samples import sample_records
from federation.protocol.checkpoint import open_checkpoint
from federation.protocol.note import Signer
from federation.protocol.publish import Publication, prepare_delete, prepare_put
from federation.protocol.update import UpdateVerifier, WireEntry
from federation.store import Store
from federation.store import read as store_read
from federation.store.read import ReadRecord, RecordFilter

SELF = "lt.esfa.ncc"
OTHERS = ("be.esf.ncc", "cz.esf.ncc", "fi.esf.ncc", "at.siplus.ncc")
NOW = "2026-11-23T10:00:00Z"
Key = tuple[str, str, str]


def puts(records: list[dict[str, Any]]) -> list[Publication]:
    return [prepare_put(r, now=NOW, max_body_bytes=1 << 20) for r in records]


def signer(origin: str) -> Signer:
    return Signer(origin, bytes(range(32)) if origin == SELF else origin.encode().ljust(32, b"."))


async def merge_from_own_store(
    main: Store, tmp: Path, origin: str, pubs: list[Publication]
) -> None:
    """``origin`` appends ``pubs`` to its own store; ``main`` merges them as a pull does."""
    key = signer(origin)
    async with await Store.open(tmp / f"{origin}.sqlite") as src:
        if await src.head(origin) is None:
            await src.add_origin(origin, "self", [key.vkey])
        before = await src.head(origin)
        assert before is not None
        await src.append_own(origin, key, pubs)
        head = await src.head(origin)
        assert head is not None and head.checkpoint is not None
        entries = await src.entries(head.id, before.size, head.size)
    if await main.head(origin) is None:
        await main.add_origin(origin, "trusted", [key.vkey])
    mine = await main.head(origin)
    assert mine is not None
    cp = open_checkpoint(head.checkpoint, origin, [key.verifier])
    verifier = UpdateVerifier(origin, mine.size, mine.frontier, cp)
    verifier.add_batch(WireEntry(e.seq, e.leaf, e.body) for e in entries)
    await main.apply_update(verifier.finish(), f"test:{origin}")


def event_copies(origin: str, n: int, first: int) -> list[dict[str, Any]]:
    """``n`` more editions of the centre's hand-written events (new ids)."""
    events = [r for r in sample_records(origin) if r["kind"] == "event"]
    return [events[i % len(events)] | {"id": f"01EVENTCOPY{first + i:015d}"} for i in range(n)]


@dataclass
class Published:
    """What every centre published, as the definition of the answers."""

    inputs: dict[Key, dict[str, Any]]
    pubs: dict[Key, Publication]

    def add(self, origin: str, records: list[dict[str, Any]], pubs: list[Publication]) -> None:
        for r, p in zip(records, pubs, strict=True):
            self.inputs[(origin, r["kind"], r["id"])] = r
            self.pubs[(origin, r["kind"], r["id"])] = p

    def drop(self, key: Key) -> None:
        del self.inputs[key], self.pubs[key]


async def publish(
    store: Store, tmp: Path, book: Published, origin: str, records: list[dict[str, Any]]
) -> None:
    pubs = puts(records)
    if origin == SELF:
        await store.append_own(origin, signer(origin), pubs)
    else:
        await merge_from_own_store(store, tmp, origin, pubs)
    book.add(origin, records, pubs)


@pytest.fixture
async def merged(tmp_path: Path) -> AsyncIterator[tuple[Store, Published]]:
    """Five centres' sample records, merged in rounds (each centre's cases, then events, as
    the sample data comes), with revisions and deletions."""
    book = Published({}, {})
    async with await Store.open(tmp_path / "main.sqlite") as store:
        await store.add_origin(SELF, "self", [signer(SELF).vkey])
        for origin in (SELF, *OTHERS):
            await publish(store, tmp_path, book, origin, sample_records(origin, extra=40))
        for n, origin in enumerate((SELF, *OTHERS)):
            records = sample_records(origin, extra=20, seed=1)[-20:] + event_copies(
                origin, 6, n * 6
            )
            await publish(store, tmp_path, book, origin, records)
        # a revised case (new title words, later update) and a deleted event
        key = next(k for k in book.inputs if k[0] == "fi.esf.ncc" and k[1] == "case")
        revised = book.inputs[key] | {
            "title": {"fi": "Uusi otsikko", "en": "Quokka housing pilot"},
            "updated_at": "2026-06-01T00:00:00Z",
        }
        await publish(store, tmp_path, book, "fi.esf.ncc", [revised])
        gone = next(k for k in book.inputs if k[0] == "be.esf.ncc" and k[1] == "event")
        await merge_from_own_store(store, tmp_path, gone[0], [prepare_delete(gone[1], gone[2])])
        book.drop(gone)
        yield store, book


# --- the definition -----------------------------------------------------------------------------


def words(text: str) -> set[str]:
    """Words as ``unicode61 remove_diacritics 2`` sees them."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return set(re.findall(r"[^\W_]+", plain.casefold()))


def texts(value: Any) -> list[str]:
    if not isinstance(value, Mapping):
        return []
    return [v if isinstance(v, str) else v["text"] for v in value.values()]


def stage_of(record: Mapping[str, Any], terms: tuple[str, ...]) -> int | None:
    """0: every term in the titles; 1: every term in titles and summary, not all in titles."""
    if record["kind"] == "contact" and record.get("contact_type") == "person":
        return None
    title = set().union(*map(words, texts(record.get("title") or record.get("name"))))
    body = record.get("summary") if record["kind"] == "case" else record.get("description")
    both = title.union(*map(words, texts(body)))
    wanted = {t.casefold() for t in terms}
    return 0 if wanted <= title else 1 if wanted <= both else None


def expected(book: Published, changes: dict[Key, int], f: RecordFilter) -> list[Key]:
    hits: list[tuple[int, int, Key]] = []
    for key, pub in book.pubs.items():
        s = pub.summary
        assert s is not None and pub.vis is not None
        if (
            (f.kind is not None and key[1] != f.kind)
            or (f.origin is not None and key[0] != f.origin)
            or (f.country is not None and f.country not in s.countries)
            or (f.lang is not None and f.lang not in {x.lower() for x in s.languages})
            or (f.theme is not None and f.theme not in s.themes)
            or (f.updated_since is not None and s.updated_at < f.updated_since)
            or (f.public_only and pub.vis.value != "public")
        ):
            continue
        stage = 0
        if f.terms is not None:
            found = stage_of(book.inputs[key], f.terms)
            if found is None:
                continue
            stage = found
        hits.append((stage, changes[key], key))
    return [k for _, _, k in sorted(hits)]


async def listing(store: Store, f: RecordFilter, limit: int) -> list[Key]:
    out: list[ReadRecord] = []
    page = await store.read_records(f, None, limit)
    out += page.items
    while page.next is not None:
        assert len(page.items) == limit
        page = await store.read_records(f, page.next, limit)
        out += page.items
    return [(r.origin, r.kind, r.id) for r in out]


def filters(book: Published, rng: random.Random) -> Iterator[RecordFilter]:
    """Combinations of two or three sources in change order, and more conditions: values
    each centre's records have (so most answers are not empty), some that no record has."""
    kinds = ("case", "event", "contact")
    origins = (SELF, *OTHERS)
    for kind in kinds:  # kind and origin: two B-tree sources
        for origin in origins:
            yield RecordFilter(kind=kind, origin=origin)
    facets: dict[str, tuple[list[str], list[str], list[str]]] = {}
    for (origin, _, _), pub in book.pubs.items():
        assert pub.summary is not None
        cs, ls, ts = facets.setdefault(origin, ([], [], []))
        cs += pub.summary.countries
        ls += [x.lower() for x in pub.summary.languages]
        ts += pub.summary.themes
    for _ in range(150):
        origin = rng.choice(origins)
        countries, languages, themes = facets[origin]
        yield RecordFilter(
            kind=rng.choice((None, "case", "case", "event", "contact")),
            origin=rng.choice((None, origin)),
            country=rng.choice((None, rng.choice(countries), "DE")),
            lang=rng.choice((None, None, rng.choice(languages))),
            theme=rng.choice((None, None, None, rng.choice(themes), "homelessness")),
            updated_since=rng.choice((None, None, None, "2025-03-01T00:00:00")),
            terms=rng.choice((None, None, ("social",), ("pilot",), ("housing", "pilot"))),
            public_only=rng.random() < 0.7,
        )


@pytest.mark.parametrize("window", [(4, 64), (0, 0)], ids=["window", "leapfrog only"])
async def test_combined_sources_list_what_the_definition_says(
    merged: tuple[Store, Published], monkeypatch: pytest.MonkeyPatch, window: tuple[int, int]
) -> None:
    monkeypatch.setattr(store_read, "WINDOW", window[0])
    monkeypatch.setattr(store_read, "WINDOW_MIN", window[1])
    store, book = merged
    changes = {(c.origin, c.kind, c.id): c.cursor for c in await store.read_changes(0, 10**6)}
    checked = combined = 0
    for f in filters(book, random.Random(8)):
        want = expected(book, changes, f)
        for limit in (3, 50):
            assert await listing(store, f, limit) == want, (f, limit)
        checked += bool(want)
        sources = (
            (f.terms is not None or any((f.country, f.lang, f.theme)))
            + (f.kind is not None)
            + (f.origin is not None)
        )
        combined += sources > 1 and bool(want)
    assert checked > 60 and combined > 45, (checked, combined)  # not vacuous


async def test_search_of_a_revised_title_finds_it_first(merged: tuple[Store, Published]) -> None:
    store, _ = merged
    f = RecordFilter(kind="case", origin="fi.esf.ncc", terms=("quokka",))
    page = await store.read_records(f, None, 10)
    assert [r.title.get("en") for r in page.items] == ["Quokka housing pilot"]


@contextlib.asynccontextmanager
async def counted_steps(store: Store) -> AsyncIterator[list[int]]:
    """Counts SQLite VM instructions on the store's reader connection."""
    steps = [0]

    def tick() -> int:
        steps[0] += 1
        return 0

    conn = store._reader
    await conn.set_progress_handler(tick, 1)
    try:
        yield steps
    finally:
        await conn.set_progress_handler(None, 1)  # type: ignore[arg-type]


async def steps_to_list_events(tmp: Path, cases: int) -> tuple[int, int]:
    """An origin publishes ``cases`` cases, then five more events. VM instructions to list its
    events that mention Lithuania (leapfrog), and to walk its Lithuanian records (what the
    full-text index driving the query alone would do)."""
    async with await Store.open(tmp / f"store-{cases}.sqlite") as store:
        await store.add_origin(SELF, "self", [signer(SELF).vkey])
        await store.append_own(SELF, signer(SELF), puts(sample_records(SELF, extra=cases)))
        await store.append_own(SELF, signer(SELF), puts(event_copies(SELF, 5, 0)))
        async with counted_steps(store) as leap:
            page = await store.read_records(RecordFilter(kind="event", country="LT"), None, 50)
        assert len(page.items) == 7 and {r.kind for r in page.items} == {"event"}
        walk = (
            "SELECT COUNT(*) FROM records_fts m JOIN records r ON r.change = m.rowid "
            "WHERE records_fts MATCH 'facets : \"c_LT\"' AND +r.kind = 'event'"
        )
        async with counted_steps(store) as scan:
            assert list(await store._reader.execute_fetchall(walk)) == [(7,)]
        return leap[0], scan[0]


async def test_intersection_skips_what_only_one_source_has(tmp_path: Path) -> None:
    """Five times more cases between the events: the walk costs five times more, the
    intersection the same."""
    leap_small, walk_small = await steps_to_list_events(tmp_path, 300)
    leap_big, walk_big = await steps_to_list_events(tmp_path, 1500)
    assert walk_big > 3 * walk_small
    assert leap_big < 1.1 * leap_small, (leap_small, leap_big)


async def test_remembered_title_stage_follows_merges_and_revisions(tmp_path: Path) -> None:
    """``pilot`` is in every generated case's English summary and in one title: the title stage
    is remembered after the first search. Records that later get the word in a title, or lose
    it, are listed where they now belong, as by a store that remembers nothing."""
    book = Published({}, {})
    async with await Store.open(tmp_path / "main.sqlite") as store:
        await store.add_origin(SELF, "self", [signer(SELF).vkey])
        await publish(store, tmp_path, book, SELF, sample_records(SELF, extra=300))
        await publish(store, tmp_path, book, "fi.esf.ncc", sample_records("fi.esf.ncc", extra=50))
        cases = [k for k in book.inputs if k[1] == "case" and k[0] == SELF]
        piloted = book.inputs[cases[100]] | {"title": {"lt": "Kitas", "en": "Another pilot"}}
        await publish(store, tmp_path, book, SELF, [piloted])
        search = RecordFilter(terms=("pilot",))
        first = await listing(store, search, 40)  # remembers the one title with the word
        assert len(first) > 300 and first[0] == cases[100]
        titled = book.inputs[cases[-1]] | {"title": {"lt": "Pilotas", "en": "Pilot in a title"}}
        await publish(store, tmp_path, book, SELF, [titled])
        fi_cases = [k for k in book.inputs if k[1] == "case" and k[0] == "fi.esf.ncc"]
        fi_pilot = book.inputs[fi_cases[-1]] | {"title": {"fi": "Pilotti", "en": "Pilot too"}}
        await publish(store, tmp_path, book, "fi.esf.ncc", [fi_pilot])
        unpiloted = book.inputs[cases[100]] | {"title": {"lt": "Kitas", "en": "No more"}}
        await publish(store, tmp_path, book, SELF, [unpiloted])

        changes = {(c.origin, c.kind, c.id): c.cursor for c in await store.read_changes(0, 10**6)}
        for f in (
            search,
            RecordFilter(terms=("pilot",), kind="case", origin="fi.esf.ncc"),
            RecordFilter(terms=("pilot",), country="LT"),
        ):
            want = expected(book, changes, f)
            assert await listing(store, f, 40) == want, f
            assert await listing(store, f, 7) == want, f  # remembered now
        ranked = await listing(store, search, 100)
        assert ranked[:2] == [cases[-1], fi_cases[-1]]  # the titles that have it, first
        assert cases[100] not in ranked[:2]
    async with await Store.open(tmp_path / "main.sqlite") as fresh:  # remembers nothing
        assert await listing(fresh, search, 40) == ranked
