"""Read queries for portals (DESIGN §8): filtered and full-text record listing, one record with
its leaf, the local change feed, and a commit signal for long polls.

A mixin of :class:`federation.store.Store` (all SQL stays in the store package). The index it
reads is kept in step with the records view by every merge, in the merge's transaction
(``_index_before``/``_index_after``; tables and statements in ``schema.py``):

- ``records.facets``: the record's facets as words, ``c_<country>`` (every country the record
  mentions, ISO code), ``l_<language>`` (every language it has text in, lower case) and
  ``t_<theme>``, ``-`` written ``_`` (``c_LT l_en l_pt_br t_social_inclusion``), written by the
  merge from the record's summary (:func:`facet_words`);
- ``records_fts``: FTS5, rowid = ``change``, over every language variant of the title
  (``title``) and of the summary or event description (``text``), ``unicode61
  remove_diacritics 2``, and the facet words (``facets``; the tokenizer keeps ``_`` in words),
  so a filter, a search or both are one FTS5 query that yields records in change order.
  Person contacts have facets but no text there.

**Paging.** Every listing pages by a key that only grows when a record changes (its
``change``, the cursor of its latest entry in the change feed), so a record merged or updated
while a client pages moves *ahead* of the client and is listed again at its new place; records
that do not change are listed exactly once. A search lists title hits first, then the other
hits, each stage in change order and bounded by the ``horizon`` (the last change when the
search began); records that change during the search (change > horizon) follow in a last stage
in change order. See ``docs/portal.md``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import orjson

from federation.store.schema import INDEX_AFTER, INDEX_BEFORE

SERVED = "o.role IN ('self', 'trusted')"
"""Origins whose records are served: this node's own and trusted ones (not removed ones)."""

STAGE_TITLE, STAGE_TEXT, STAGE_CHANGE = 0, 1, 2
"""Search stages: title hits, other hits (both up to the horizon), then later changes."""

MAX_TERMS = 16
"""Words of a full-text query that are searched (the rest are ignored)."""

SPARSE_UPDATES = 1000
"""Up to this many records updated since a time, ``updated_since`` is looked up by index."""

_FACETS: dict[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], str] = {}


def facet_words(countries: Sequence[str], languages: Sequence[str], themes: Sequence[str]) -> str:
    """The ``records.facets`` value of a summary: sorted facet words, space-separated.

    The migration computes the same value for records merged before it with SQL (``schema.py``,
    ``_FACETS``); a test compares the two. ``_`` never occurs in a country, language tag or
    theme, so a word reads back unambiguously (:func:`facet_values`).
    """
    key = (tuple(countries), tuple(languages), tuple(themes))
    out = _FACETS.get(key)
    if out is None:
        words = {f"c_{c}" for c in countries} | {f"t_{t.replace('-', '_')}" for t in themes}
        words |= {f"l_{t.lower().replace('-', '_')}" for t in languages}
        out = " ".join(sorted(words))
        if len(_FACETS) < 4096:  # summaries of a log repeat a few combinations
            _FACETS[key] = out
    return out


def facet_word(prefix: str, value: str) -> str:
    """``c``, ``LT`` → ``c_LT``; ``t``, ``social-inclusion`` → ``t_social_inclusion``."""
    return f"{prefix}_{value.replace('-', '_')}"


def search_terms(q: str) -> tuple[str, ...]:
    """The words of a free-text query: whitespace-separated pieces with a letter or digit.

    Pieces without one (``*``, ``"``, ``--``) could not match anything; they are dropped.
    """
    return tuple(p for p in q.split() if any(ch.isalnum() for ch in p))[:MAX_TERMS]


def _facets(f: RecordFilter) -> list[str]:
    pairs = (("c", f.country), ("l", f.lang), ("t", f.theme))
    return [facet_word(prefix, value) for prefix, value in pairs if value is not None]


def _phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def fts_query(terms: Sequence[str], facets: Sequence[str], stage: int) -> str:
    """An FTS5 query: every term (a quoted phrase) in the text columns, every facet word.

    Quoting (``"`` doubled inside) makes any text a valid query: operators (``AND``, ``NEAR``,
    ``*``, ``:``, parentheses) inside a phrase are just characters for the tokenizer. Search
    stages: title hits, then hits in the text but not all in the title, then any hit.
    """
    parts = [f"facets : {_phrase(f)}" for f in facets]
    if terms:
        phrases = " AND ".join(_phrase(t) for t in terms)
        if stage == STAGE_TITLE:
            parts.insert(0, f"title : ({phrases})")
        elif stage == STAGE_TEXT:
            parts.insert(0, f"({{title text}} : ({phrases}) NOT title : ({phrases}))")
        else:
            parts.insert(0, f"{{title text}} : ({phrases})")
    return " AND ".join(parts)


@dataclass(frozen=True, slots=True)
class RecordFilter:
    """What ``GET /v1/records`` asks for; values are already validated by the caller."""

    kind: str | None = None
    origin: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2, upper case (EL already GR)
    theme: str | None = None
    lang: str | None = None  # lower case
    updated_since: str | None = None  # "YYYY-MM-DDTHH:MM:SS", UTC
    terms: tuple[str, ...] | None = None  # full-text search words; None = no search
    public_only: bool = True  # leave out ``vis: federation`` records


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ended: the stage and the last change listed in it, and the horizon."""

    stage: int
    change: int
    horizon: int = 0


@dataclass(frozen=True, slots=True)
class ReadRecord:
    origin: str
    kind: str
    id: str
    seq: int
    op: str
    vis: str | None
    ts: str
    updated_at: str | None
    country: str | None
    title: dict[str, str]
    facets: tuple[str, ...]
    change: int
    body: bytes | None
    leaf: bytes | None = None

    def facet_values(self, prefix: str) -> list[str]:
        """Values of the facets ``prefix`` (``c``, ``l``, ``t``), e.g. ``["pt-br"]``."""
        start = prefix + "_"
        return [w[len(start) :].replace("_", "-") for w in self.facets if w.startswith(start)]


@dataclass(frozen=True, slots=True)
class RecordPage:
    items: list[ReadRecord]
    next: Position | None  # None: nothing more now


@dataclass(frozen=True, slots=True)
class ChangeRow:
    cursor: int
    origin: str
    kind: str
    id: str
    seq: int
    op: str


_COLS = (
    "o.origin, r.kind, r.id, r.seq, r.op, r.vis, r.ts, r.updated_at, r.country, r.title, "
    "r.facets, r.change, b.body"
)
_JOINS = (
    "JOIN origins o ON o.id = r.origin_id "
    "LEFT JOIN bodies b ON b.origin_id = r.origin_id AND b.seq = r.seq"
)


def _record(r: Sequence[Any]) -> ReadRecord:
    return ReadRecord(
        origin=r[0],
        kind=r[1],
        id=r[2],
        seq=r[3],
        op=r[4],
        vis=r[5],
        ts=r[6],
        updated_at=r[7],
        country=r[8],
        title=orjson.loads(r[9]) if r[9] else {},
        facets=tuple(r[10].split()) if r[10] else (),
        change=r[11],
        body=bytes(r[12]) if r[12] is not None else None,
        leaf=bytes(r[13]) if len(r) > 13 and r[13] is not None else None,
    )


async def _fetch(conn: aiosqlite.Connection, sql: str, params: Iterable[Any]) -> list[Any]:
    return list(await conn.execute_fetchall(sql, tuple(params)))


class ReadMixin:
    """Portal reads on the reader connection; see the module docstring."""

    _reader: aiosqlite.Connection
    _commit_event: asyncio.Event | None = None
    _cursor_key: bytes | None = None

    # -- commit signal ---------------------------------------------------------------------

    def commit_event(self) -> asyncio.Event:
        """An event that the next write transaction this store commits sets.

        Take it *before* reading, then wait on it: a commit between the read and the wait has
        already set it, so no change is missed. Writes by other processes (CLI commands on
        the same file) do not set it; long polls re-read periodically for those.
        """
        if self._commit_event is None:
            self._commit_event = asyncio.Event()
        return self._commit_event

    def _notify_commit(self) -> None:
        event, self._commit_event = self._commit_event, None
        if event is not None:
            event.set()

    @staticmethod
    async def _index_before(conn: aiosqlite.Connection, after: int) -> None:
        """Inside a merge, after its ``changes`` rows and before its ``records`` upsert
        (``after``: the last change before the merge): drop the index rows it supersedes."""
        for sql in INDEX_BEFORE:
            await conn.execute(sql, {"after": after})

    @staticmethod
    async def _index_after(conn: aiosqlite.Connection, after: int) -> None:
        """Inside a merge, after its ``records`` upsert: index the records it changed."""
        for sql in INDEX_AFTER:
            await conn.execute(sql, {"after": after})

    # -- records ---------------------------------------------------------------------------

    async def cursor_key(self) -> bytes:
        """This store's secret for authenticating paging cursors (made by its migration)."""
        if self._cursor_key is None:
            rows = await _fetch(self._reader, "SELECT value FROM meta WHERE key = 'cursor_key'", ())
            self._cursor_key = bytes.fromhex(rows[0][0])
        return self._cursor_key

    async def last_change(self) -> int:
        """The cursor of the latest change merged into this store (0 when there is none)."""
        rows = await _fetch(self._reader, "SELECT COALESCE(MAX(cursor), 0) FROM changes", ())
        return int(rows[0][0])

    async def read_records(self, f: RecordFilter, after: Position | None, limit: int) -> RecordPage:
        """One page of live records matching ``f``, after ``after`` (None: the first page)."""
        found: list[tuple[int, ReadRecord]] = []
        if f.terms is None:
            pos = after or Position(STAGE_CHANGE, 0)
            sparse = f.updated_since is not None and not _facets(f)
            if sparse:
                assert f.updated_since is not None
                sparse = await self._few_updated_since(f.updated_since)
            rows = await self._stage(f, STAGE_CHANGE, pos.change, None, limit + 1, sparse)
            found = [(STAGE_CHANGE, r) for r in rows]
        elif not f.terms:
            return RecordPage([], None)  # a query without words matches nothing
        else:
            pos = after or Position(STAGE_TITLE, 0, await self.last_change())
            stage, lo = pos.stage, pos.change
            while stage <= STAGE_CHANGE:
                want = limit + 1 - len(found)
                if stage == STAGE_CHANGE:
                    rows = await self._stage(f, stage, max(lo, pos.horizon), None, want)
                else:
                    rows = await self._stage(f, stage, lo, pos.horizon, want)
                found += [(stage, r) for r in rows]
                if len(found) > limit:
                    break
                stage, lo = stage + 1, 0
        if len(found) <= limit:
            return RecordPage([r for _, r in found], None)
        last_stage, last = found[limit - 1]
        page = [r for _, r in found[:limit]]
        return RecordPage(page, Position(last_stage, last.change, pos.horizon))

    async def _few_updated_since(self, since: str) -> bool:
        """Whether few records (at most ``SPARSE_UPDATES``) were updated at or after ``since``:
        then the ``updated_at`` index finds them faster than a scan in change order."""
        sql = "SELECT COUNT(*) FROM (SELECT 1 FROM records WHERE updated_at >= ? LIMIT ?)"
        rows = await _fetch(self._reader, sql, (since, SPARSE_UPDATES + 1))
        return int(rows[0][0]) <= SPARSE_UPDATES

    async def _stage(
        self,
        f: RecordFilter,
        stage: int,
        lo: int,
        hi: int | None,
        limit: int,
        sparse_updates: bool = False,
    ) -> list[ReadRecord]:
        """Records of one stage with ``lo < change <= hi``, in change order.

        One source drives the query and gives the order (the full-text index for words and
        facets, the ``updated_at`` index for a few recent updates, else the records' change,
        kind or origin index); every other condition only filters (``+`` keeps SQLite from driving
        by its index and sorting everything it finds).
        """
        where = [SERVED, "r.op = 'put'", "r.valid IS NOT 0"]
        params: list[Any] = []
        facets = _facets(f)
        plain = False
        if f.terms or facets:
            key = "m.rowid"
            source = "records_fts m JOIN records r ON r.change = m.rowid"
            where.append("records_fts MATCH ?")
            params.append(fts_query(f.terms or (), facets, stage))
        elif sparse_updates:
            key, source = "r.change", "records r INDEXED BY records_updated"
        else:
            key, source, plain = "r.change", "records r", True
        where.append(f"{key} > ?")
        params.append(lo)
        if hi is not None:
            where.append(f"{key} <= ?")
            params.append(hi)
        index = "" if plain else "+"  # kind and origin indexes give change order too
        if f.kind is not None:
            where.append(f"{index}r.kind = ?")
            params.append(f.kind)
        if f.origin is not None:
            where.append(f"{index}r.origin_id = (SELECT id FROM origins WHERE origin = ?)")  # noqa: S608
            params.append(f.origin)
        if f.updated_since is not None:
            where.append("r.updated_at >= ?" if sparse_updates else "+r.updated_at >= ?")
            params.append(f.updated_since)
        if f.public_only:
            where.append("r.vis = 'public'")
        sql = (
            f"SELECT {_COLS} FROM {source} {_JOINS} "  # noqa: S608 (fixed fragments only)
            f"WHERE {' AND '.join(where)} ORDER BY {key} LIMIT ?"
        )
        params.append(limit)
        return [_record(r) for r in await _fetch(self._reader, sql, params)]

    async def read_record(self, origin: str, kind: str, record_id: str) -> ReadRecord | None:
        """A record of a served origin with its current leaf (also deleted ones; not those
        whose body failed validation, which stay out of the records view)."""
        sql = (
            f"SELECT {_COLS}, l.leaf FROM records r {_JOINS} "  # noqa: S608
            "JOIN leaves l ON l.origin_id = r.origin_id AND l.seq = r.seq "
            f"WHERE o.origin = ? AND r.kind = ? AND r.id = ? AND {SERVED} AND r.valid IS NOT 0"
        )
        rows = await _fetch(self._reader, sql, (origin, kind, record_id))
        return _record(rows[0]) if rows else None

    # -- change feed -----------------------------------------------------------------------

    async def read_changes(self, since: int, limit: int) -> list[ChangeRow]:
        """Changes after cursor ``since`` in merge order, each record at its latest change
        only (an entry superseded by a later one of the same record is not repeated)."""
        sql = (
            "SELECT r.change, o.origin, r.kind, r.id, r.seq, r.op FROM records r "  # noqa: S608
            f"JOIN origins o ON o.id = r.origin_id WHERE r.change > ? AND {SERVED} "
            "ORDER BY r.change LIMIT ?"
        )
        rows = await _fetch(self._reader, sql, (since, limit))
        return [ChangeRow(*r) for r in rows]
