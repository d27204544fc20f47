"""Read queries for portals (DESIGN §8): filtered and full-text record listing, one record with
its leaf, the local change feed, and a commit signal for long polls.

A mixin of :class:`federation.store.Store` (all SQL stays in the store package). The index it
reads is kept in step with the records view by every merge, in the merge's transaction
(``Store._write_batch``: index rows of the records it supersedes go, and ``schema.INDEX_ROWS``
with rows from :func:`index_texts` and :func:`facet_words` come; tables in ``schema.py``):

- ``records.facets``: the record's facets as words, ``c_<country>`` (every country the record
  mentions, ISO code), ``l_<language>`` (every language it has text in, lower case) and
  ``t_<theme>``, ``-`` written ``_`` (``c_LT l_en l_pt_br t_social_inclusion``), written by the
  merge from the record's summary (:func:`facet_words`);
- ``records_fts``: FTS5, rowid = ``change``, over every language variant of the title
  (``title``) and of the summary or event description (``text``), ``unicode61
  remove_diacritics 2``, and the facet words (``facets``; the tokenizer keeps ``_`` in words),
  so a filter, a search or both are one FTS5 query that yields records in change order.
  Person contacts have facets but no text there.

**Plans.** A page is read from the sources that yield records in change order: the full-text
index (words and facets), the ``kind`` index and the ``origin`` index. One source drives the
query and the other conditions filter. With two or three (``kind=event&country=LT``,
``q=…&origin=…``, ``kind=…&origin=…``) the first walks a window of its rows (enough when the
sources often meet) and the rest of the page comes from a leapfrog intersection in one
recursive query (:func:`_leapfrog`), so that the contacts among a million records mentioning
a country, or the events an origin published after its cases, cost index seeks, not a walk of
every row of one source. The title stage of a search for a word in most texts but few titles
is remembered (:meth:`ReadMixin._title_stage_hits`). ``python -m bench.read`` measures them
on 10⁶ records.

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
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiosqlite
import orjson

from federation.protocol.publish import search_columns

SERVED = "o.role IN ('self', 'trusted')"
"""Origins whose records are served: this node's own and trusted ones (not removed ones)."""

STAGE_TITLE, STAGE_TEXT, STAGE_CHANGE = 0, 1, 2
"""Search stages: title hits, other hits (both up to the horizon), then later changes."""

MAX_TERMS = 16
"""Words of a full-text query that are searched (the rest are ignored)."""

SPARSE_UPDATES = 1000
"""Up to this many records updated since a time, ``updated_since`` is looked up by index."""

WINDOW, WINDOW_MIN = 4, 64
"""Filters of several sources first walk ``WINDOW * limit + WINDOW_MIN`` rows of the first."""

TITLE_HITS_QUERIES = 256
TITLE_HITS_MAX = 2000
"""Title-stage answers remembered: this many queries of at most this many rows each."""

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


def index_texts(kind: str, titles: Iterable[str], body: bytes) -> tuple[str | None, str | None]:
    """The ``title`` and ``text`` columns of a record's ``records_fts`` row, from its valid body
    (:func:`federation.protocol.publish.search_columns`; a node's own publications carry them
    already). The migration of records merged before the index computes the same values in
    SQL (``schema.INDEX_AFTER``); a test compares the two.
    """
    return search_columns(kind, orjson.loads(body), titles)


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

    The stage of other hits is ``(hits AND facets) NOT title hits``, the ``NOT`` outermost:
    FTS5 then skips through the intersection of the words and facets and only tests its rows
    against the titles (``(hits NOT title hits) AND facets`` walks every hit of the words).
    """
    parts = [f"facets : {_phrase(f)}" for f in facets]
    if not terms:
        return " AND ".join(parts)
    phrases = " AND ".join(_phrase(t) for t in terms)
    parts.insert(0, f"{'title' if stage == STAGE_TITLE else '{title text}'} : ({phrases})")
    query = " AND ".join(parts)
    return f"({query}) NOT title : ({phrases})" if stage == STAGE_TEXT else query


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


async def _fetch_named(conn: aiosqlite.Connection, sql: str, params: dict[str, Any]) -> list[Any]:
    return list(await conn.execute_fetchall(sql, params))


_ORIGIN_ID = "(SELECT id FROM origins WHERE origin = :origin)"


def _conditions(f: RecordFilter, index: str, sparse_updates: bool = False) -> list[str]:
    """The kind, origin and time conditions of ``f`` (``index`` ``+``: only as filters)."""
    out = []
    if f.kind is not None:
        out.append(f"{index}r.kind = :kind")
    if f.origin is not None:
        out.append(f"{index}r.origin_id = {_ORIGIN_ID}")
    if f.updated_since is not None:
        out.append("r.updated_at >= :since" if sparse_updates else "+r.updated_at >= :since")
    return out


def _leapfrog(fts: bool, kind: bool, origin: bool, where: Sequence[str], bounded: bool) -> str:
    """One page of records in two or three sources at once (leapfrog intersection).

    Each source is a correlated subquery giving its first change at or after ``pos`` (an
    index seek: FTS5 seeks its doclists to a rowid, the ``kind`` and ``origin`` indexes are in
    change order). The recursive query keeps a candidate ``pos`` and asks the sources in turn
    (even ``phase``: seek; odd: check): a source that has ``pos`` agrees, one that jumps ahead
    moves ``pos`` (nothing in between is in that source). When every source agreed on ``pos``
    it is a hit. Rows in only one source, however many, cost nothing: the work grows with
    the hits and with how often the sources take turns, not with the rows in any of them.

    Named parameters: ``lo``, ``hi`` (when ``bounded``), ``limit``, and ``match``, ``kind``,
    ``origin``, ``since`` as used; ``where`` holds the row conditions (on ``r`` and ``o``) that
    the records sources check.
    """
    upto = " AND {key} <= :hi" if bounded else ""
    rows = f"JOIN origins o ON o.id = r.origin_id WHERE {' AND '.join(where)}"
    seek = []
    if fts:
        seek.append(
            "SELECT m.rowid FROM records_fts m WHERE records_fts MATCH :match "  # noqa: S608
            f"AND m.rowid >= pos{upto.format(key='m.rowid')} ORDER BY m.rowid LIMIT 1"
        )
    for used, cond in ((kind, "r.kind = :kind"), (origin, f"r.origin_id = {_ORIGIN_ID}")):
        if used:
            seek.append(
                f"SELECT r.change FROM records r {rows} AND {cond} AND r.change >= pos"  # noqa: S608
                f"{upto.format(key='r.change')} ORDER BY r.change LIMIT 1"
            )
    k = len(seek)  # sources
    seeks = " ".join(f"WHEN {2 * i} THEN ({sql})" for i, sql in enumerate(seek))
    agree = "(CASE WHEN pos = prev THEN agree + 1 ELSE 1 END)"  # after a check
    return (
        "WITH RECURSIVE leap (pos, phase, prev, agree, hit, n) AS ("  # noqa: S608
        " VALUES (:lo + 1, 0, NULL, 0, NULL, 0) UNION ALL SELECT"
        f" CASE WHEN phase % 2 THEN pos + ({agree} = {k}) ELSE CASE phase {seeks} END END,"
        f" (phase + 1) % {2 * k},"
        " pos,"
        f" CASE WHEN phase % 2 AND {agree} < {k} THEN {agree} ELSE agree * (phase % 2 = 0) END,"
        f" CASE WHEN phase % 2 AND {agree} = {k} THEN pos END,"
        f" n + (phase % 2 AND {agree} = {k})"
        " FROM leap WHERE pos IS NOT NULL AND n < :limit)"
        f" SELECT {_COLS} FROM records r {_JOINS}"
        " WHERE r.change IN (SELECT hit FROM leap WHERE hit IS NOT NULL) ORDER BY r.change"
    )


class ReadMixin:
    """Portal reads on the reader connection; see the module docstring."""

    _reader: aiosqlite.Connection
    _commit_event: asyncio.Event | None = None
    _cursor_key: bytes | None = None
    _title_hits: OrderedDict[str, tuple[int, tuple[int, ...] | None]] | None = None

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

    # -- records ---------------------------------------------------------------------------

    async def cursor_key(self) -> bytes:
        """This store's secret for authenticating paging cursors (made by its migration)."""
        if self._cursor_key is None:
            rows = await _fetch(self._reader, "SELECT value FROM meta WHERE key = 'cursor_key'", ())
            self._cursor_key = bytes.fromhex(rows[0][0])
        return self._cursor_key

    async def last_change(self) -> int:
        """The cursor of the latest change merged into this store (0 when there is none)."""
        rows = await _fetch(self._reader, "SELECT COALESCE(MAX(change), 0) FROM records", ())
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

    async def _among(
        self, f: RecordFilter, where: list[str], params: dict[str, Any], changes: Sequence[int]
    ) -> list[ReadRecord]:
        """The records at ``changes`` (ascending) that meet ``where`` and ``f``'s kind, origin
        and time conditions, up to ``params["limit"]``."""
        conds = [*where, "r.change IN (SELECT value FROM json_each(:changes))"]
        conds += _conditions(f, "+")
        sql = (
            f"SELECT {_COLS} FROM records r {_JOINS} "  # noqa: S608
            f"WHERE {' AND '.join(conds)} ORDER BY r.change LIMIT :limit"
        )
        named = params | {"changes": orjson.dumps(list(changes)).decode()}
        return [_record(r) for r in await _fetch_named(self._reader, sql, named)]

    async def _title_stage_hits(self, match: str, hi: int) -> tuple[int, ...] | None:
        """The full-text rows up to ``hi`` that the title-stage query ``match`` finds, if few.

        A word found in most texts but in few titles (``pilot`` in every generated summary)
        costs the title stage a walk of the word's whole doclist, about 30 ms over 10⁶
        records. The answer is remembered (``TITLE_HITS_MAX`` rows at most, for
        ``TITLE_HITS_QUERIES`` queries) with the change it covers: a row of ``records_fts``
        is never altered (its rowid is the change that wrote it; a record that changes gets a
        new row at a new, higher change), so every row up to that change that can ever match
        is in the list; rows since deleted are left out when the records are read. A later
        search only looks at the rows after it. ``None``: too many to remember, and such a
        stage fills its pages without long walks anyway.
        """
        cache = self._title_hits
        if cache is None:
            cache = self._title_hits = OrderedDict()
        upto, hits = cache.get(match, (0, ()))
        if hits is None:
            cache.move_to_end(match)
            return None
        if upto >= hi:
            cache.move_to_end(match)
            return tuple(h for h in hits if h <= hi)
        # every change up to `settled` is committed, with its index rows: a cursor's horizon
        # (hi) was one too, unless the store was restored from an older backup since
        settled = min(hi, await self.last_change())
        sql = (
            "SELECT rowid FROM records_fts WHERE records_fts MATCH ? AND rowid > ? "
            "AND rowid <= ? ORDER BY rowid LIMIT ?"
        )
        more = await _fetch(self._reader, sql, (match, upto, hi, TITLE_HITS_MAX + 1 - len(hits)))
        found = hits + tuple(int(r[0]) for r in more)
        known: tuple[int, ...] | None = found if len(found) <= TITLE_HITS_MAX else None
        cache[match] = (settled, None if known is None else tuple(h for h in found if h <= settled))
        cache.move_to_end(match)
        while len(cache) > TITLE_HITS_QUERIES:
            cache.popitem(last=False)
        return known

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

        The sources that yield records in change order are the full-text index (words and
        facets), the ``kind`` index and the ``origin`` index. With one of them (or the
        ``updated_at`` index for a few recent updates, or none: the change index) it drives the
        query and every other condition only filters (``+`` keeps SQLite from driving by another
        index and sorting everything it finds). With two or three, letting one drive would walk
        its rows until the others match (all of them when they rarely do, e.g. the contacts
        among the records mentioning a country, or the events of an origin that published its
        cases first): the first walks ``WINDOW * limit + WINDOW_MIN`` rows; if the page is not full
        by then the sources are intersected (:func:`_leapfrog`) from there on.
        """
        params: dict[str, Any] = {"lo": lo, "hi": hi, "limit": limit}
        facets = _facets(f)
        fts = bool(f.terms or facets)
        if fts:
            params["match"] = fts_query(f.terms or (), facets, stage)
        if f.kind is not None:
            params["kind"] = f.kind
        if f.origin is not None:
            params["origin"] = f.origin
        if f.updated_since is not None:
            params["since"] = f.updated_since
        where = [SERVED, "r.op = 'put'", "r.valid IS NOT 0"]
        if f.public_only:
            where.append("r.vis = 'public'")
        if stage == STAGE_TITLE and hi is not None:
            hits = await self._title_stage_hits(params["match"], hi)
            if hits is not None:  # few: fetch them, checking every other condition
                return await self._among(f, where, params, [h for h in hits if h > lo])
        if fts + (f.kind is not None) + (f.origin is not None) > 1:
            # the first source drives through a window of its rows (where most pages of
            # filters that often meet end); what is left, the sources' intersection finds
            window = WINDOW * limit + WINDOW_MIN
            found: list[ReadRecord] = []
            if window:
                upto = " AND {key} <= :hi" if hi is not None else ""
                if fts:
                    sql = "SELECT m.rowid FROM records_fts m WHERE records_fts MATCH :match AND "
                    sql += "m.rowid > :lo" + upto.format(key="m.rowid") + " ORDER BY m.rowid"
                else:
                    sql = "SELECT r.change FROM records r WHERE r.kind = :kind AND r.change > :lo"
                    sql += upto.format(key="r.change") + " ORDER BY r.change"
                sql += f" LIMIT {window}"
                ids = [r[0] for r in await _fetch_named(self._reader, sql, params)]
                found = await self._among(f, where, params, ids) if ids else []
                if len(found) >= limit or len(ids) < window:
                    return found
                params |= {"lo": ids[-1], "limit": limit - len(found)}
            if f.updated_since is not None:
                where.append("+r.updated_at >= :since")
            sql = _leapfrog(fts, f.kind is not None, f.origin is not None, where, hi is not None)
            rows = await _fetch_named(self._reader, sql, params)
            return found + [_record(r) for r in rows]
        plain = False
        if fts:
            key = "m.rowid"
            source = "records_fts m JOIN records r ON r.change = m.rowid"
            where.append("records_fts MATCH :match")
        elif sparse_updates:
            key, source = "r.change", "records r INDEXED BY records_updated"
        else:
            key, source, plain = "r.change", "records r", True
        where.append(f"{key} > :lo")
        if hi is not None:
            where.append(f"{key} <= :hi")
        where += _conditions(f, "" if plain else "+", sparse_updates)
        sql = (
            f"SELECT {_COLS} FROM {source} {_JOINS} "  # noqa: S608 (fixed fragments only)
            f"WHERE {' AND '.join(where)} ORDER BY {key} LIMIT :limit"
        )
        return [_record(r) for r in await _fetch_named(self._reader, sql, params)]

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
