"""The node's SQLite store (aiosqlite): logs, tree hashes, erasable bodies, records, change feed.

Discipline (DESIGN §7): WAL mode; one writer connection guarded by a lock, every write one
``BEGIN IMMEDIATE`` transaction (so a CLI process and ``serve`` can both write safely); reads on
their own connection. Roots and proofs are computed from stored complete-subtree hashes, so they
cost O(log n) point reads.

The store never verifies foreign data itself: the only ways in are :meth:`Store.append_own`
(entries this node encodes and signs) and :meth:`Store.apply_update` /
:meth:`Store.stream_update` (an update, or chunks of one, the protocol layer already verified;
a stream commits only after the update's root checked out, ADR 0010).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import itertools
import json
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import aiosqlite
import orjson

from federation.protocol import merkle
from federation.protocol.checkpoint import Checkpoint, open_checkpoint
from federation.protocol.entry import (
    Kind,
    Op,
    Visibility,
    encode_delete,
    encode_key,
    now_ts,
)
from federation.protocol.errors import ProtocolError
from federation.protocol.note import Signer, Verifier, parse_note, parse_vkey
from federation.protocol.publish import Publication, put_leaf
from federation.protocol.records import RecordSummary
from federation.protocol.update import (
    CompactSummary,
    TreeNodes,
    VerifiedEntries,
    VerifiedEntry,
    VerifiedUpdate,
    title_utf8,
)
from federation.store.peers import SyncStateMixin, _first
from federation.store.read import ReadMixin, facet_words, index_texts
from federation.store.schema import INDEX_ROWS, MIGRATIONS

BUSY_TIMEOUT_MS = 30_000

WRITER_CACHE_KIB = 64 * 1024
"""Page cache of the writer connection (SQLite's default is 2 MiB). A merge inserts into a few
indexes at random places (by record id, by update time); with a small cache every insert
there re-reads a page."""

CHECKPOINT_IDLE_SECONDS = 1.0
"""The WAL is checkpointed in the background once no write committed for this long."""

WAL_LIMIT_BYTES = 1024 * 1024 * 1024
"""A WAL larger than this after a commit is checkpointed (and truncated) there and then."""

log = logging.getLogger("federation.store")


class StoreError(Exception):
    """Base class of store failures."""


class UnknownOrigin(StoreError):
    """No log of that origin is held here."""


class StoreConflict(StoreError):
    """The log changed under a write (another writer got there first); retry."""


class ForkRisk(StoreError):
    """This node's store is behind a checkpoint it already published: signing would fork."""


@dataclass(frozen=True, slots=True)
class LogHead:
    id: int
    origin: str
    role: str
    state: str
    size: int
    root: bytes
    frontier: tuple[bytes, ...]
    checkpoint: bytes | None
    state_reason: str | None = None


@dataclass(frozen=True, slots=True)
class EntryRow:
    seq: int
    leaf: bytes
    body: bytes | None
    vis: str | None
    kind: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class RecordRow:
    origin: str
    kind: str
    id: str
    seq: int
    op: str
    vis: str | None
    ts: str
    valid: bool | None
    reason: str | None
    country: str | None
    title: dict[str, str]
    updated_at: str | None
    change: int
    leaf: bytes
    body: bytes | None


@dataclass(frozen=True, slots=True)
class WriteProbe:
    """Result of :meth:`Store.probe_write`."""

    writable: bool
    error: str | None = None
    busy: bool = False


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _frontier_bytes(hashes: Iterable[bytes]) -> bytes:
    return b"".join(hashes)


def _split_frontier(blob: bytes) -> tuple[bytes, ...]:
    return tuple(blob[i : i + 32] for i in range(0, len(blob), 32))


_SUPERSEDED_SQL = """SELECT r.change, r.seq FROM json_each(?2) k CROSS JOIN records r
    ON r.origin_id = ?1 AND r.kind = json_extract(k.value, '$[0]')
    AND r.id = json_extract(k.value, '$[1]')"""
"""``(change, seq)`` of the stored records of origin ?1 among ?2, a JSON array of ``[kind, id]``
(one statement: SQLite looks each up by its unique index)."""

_HEAD_SQL = (
    "SELECT id, origin, role, state, size, root, frontier, checkpoint, state_reason FROM origins"
)


def _head(row: Sequence[Any]) -> LogHead:
    return LogHead(
        id=row[0],
        origin=row[1],
        role=row[2],
        state=row[3],
        size=row[4],
        root=bytes(row[5]),
        frontier=_split_frontier(bytes(row[6])),
        checkpoint=bytes(row[7]) if row[7] is not None else None,
        state_reason=row[8],
    )


class _Fact(NamedTuple):
    """What the records view and its search index keep of a record's summary."""

    country: str | None
    title: str  # the title map as JSON text (``update.title_utf8``)
    titles: Iterable[str]  # the title map's values
    updated_at: str
    facets: str
    search: tuple[str | None, str | None] | None  # the index's title and text, if known


def _fact(s: RecordSummary, search: tuple[str | None, str | None] | None) -> _Fact:
    return _Fact(
        s.country,
        title_utf8(s.title).decode(),
        s.title.values(),
        s.updated_at,
        facet_words(s.countries, s.languages, s.themes),
        search,
    )


def _compact_fact(s: CompactSummary) -> _Fact:
    return _Fact(
        s.country,
        s.title_utf8.decode(),
        orjson.loads(s.title_utf8).values(),
        s.updated_at,
        facet_words(s.countries, s.languages, s.themes),
        None,
    )


async def _insert(
    conn: aiosqlite.Connection, head: str, columns: int, rows: Iterable[Sequence[Any]]
) -> None:
    """``head VALUES (?, …)`` for each of ``rows`` (``head`` may place the values clause with
    ``{values}``). ``executemany`` consumes the rows lazily.

    (Statements of several hundred rows each, ``VALUES (…), (…), …``, or rows passed as one
    JSON array, were both about twice as slow here for the records upsert and the FTS5
    index.)
    """
    values = "VALUES (" + ", ".join("?" * columns) + ")"
    sql = head.format(values=values) if "{values}" in head else f"{head} {values}"
    await conn.executemany(sql, rows)


_KIND_NAMES = {k: k.value for k in Kind}
_OP_NAMES = {o: o.value for o in Op}
_VIS_NAMES: dict[Visibility | None, str | None] = {v: v.value for v in Visibility}
_VIS_NAMES[None] = None


class _Batch:
    """One merge's entries, column-wise, as :meth:`Store._write_batch` writes them.

    Row ``i`` is the entry ``start + i``; ``kinds``, ``ids`` and ``vis`` are ``None`` where the
    leaf has no such field. ``tree`` holds ``(origin_id, level, index, hash)`` rows. Own appends
    fill it entry by entry (:meth:`add`); a verified update's columns are used as they are
    (:meth:`of_update`), and their summaries only looked at for each record's last entry.
    """

    __slots__ = (
        "_compact",
        "bodies",
        "facts",
        "ids",
        "kinds",
        "leaves",
        "ops",
        "origin_id",
        "reasons",
        "start",
        "tree",
        "ts",
        "valid",
        "vis",
    )

    def __init__(self, origin_id: int, start: int, ts: str | Sequence[str] = "") -> None:
        self.origin_id = origin_id
        self.start = start
        self.ts = ts  # one timestamp for every entry, or one per entry
        self.leaves: list[bytes] = []
        self.tree: Iterable[tuple[int, int, int, bytes]] = []
        self.ops: list[Op] = []
        self.kinds: list[Kind | None] = []
        self.ids: list[str | None] = []
        self.vis: list[Visibility | None] = []
        self.bodies: list[bytes | None] = []
        self.valid: list[bool | None] = []
        self.reasons: list[str | None] = []
        self.facts: dict[int, _Fact] = {}
        self._compact: Sequence[CompactSummary | None] = ()

    @classmethod
    def of_update(
        cls,
        origin_id: int,
        entries: Sequence[VerifiedEntry],
        nodes: Sequence[tuple[merkle.Node, bytes]],
    ) -> _Batch:
        cols = entries if isinstance(entries, VerifiedEntries) else VerifiedEntries.of(entries)
        b = cls(origin_id, cols.start, cols.ts)
        b.leaves, b.ops, b.kinds, b.ids = cols.leaves, cols.ops, cols.kinds, cols.ids
        b.vis, b.bodies, b.valid, b.reasons = cols.vis, cols.bodies, cols.valid, cols.reasons
        b._compact = cols.summaries
        b.tree = (
            ((origin_id, level, idx, h) for level, idx, h in nodes.rows())
            if isinstance(nodes, TreeNodes)
            else ((origin_id, n.level, n.index, h) for n, h in nodes)
        )
        return b

    def add(
        self,
        raw: bytes,
        op: Op,
        kind: Kind | None,
        rid: str | None,
        vis: Visibility | None,
        body: bytes | None,
        valid: bool | None,
    ) -> None:
        """The next entry (an own append: valid when it has a body, no reason)."""
        self.leaves.append(raw)
        self.ops.append(op)
        self.kinds.append(kind)
        self.ids.append(rid)
        self.vis.append(vis)
        self.bodies.append(body)
        self.valid.append(valid)
        self.reasons.append(None)

    def fact(self, row: int) -> _Fact | None:
        if self._compact:
            s = self._compact[row]
            return _compact_fact(s) if s is not None else None
        return self.facts.get(row)


class _Abandoned(Exception):
    """A streamed merge ended without :meth:`UpdateStream.commit`: roll it back."""


class UpdateStream:
    """The open merge transaction of :meth:`Store.stream_update`."""

    def __init__(self, store: Store, conn: aiosqlite.Connection, head: LogHead, source: str):
        self._store, self._conn, self._old, self._source = store, conn, head, source
        self.written = head.size  # entries written so far (uncommitted)
        self.head: LogHead | None = None  # the new head, once committed

    async def write(
        self, entries: Sequence[VerifiedEntry], nodes: Sequence[tuple[merkle.Node, bytes]]
    ) -> None:
        """Write the next chunk of verified entries and the tree hashes they complete (the
        columns of :meth:`UpdateVerifier.take`, or entry objects); it must follow on."""
        if self.head is not None:
            raise StoreError("the update is committed already")
        cols = entries if isinstance(entries, VerifiedEntries) else VerifiedEntries.of(entries)
        if not len(cols):
            return
        if cols.start != self.written:
            raise StoreError(f"chunk starts at {cols.start}, expected {self.written}")
        store, conn, origin_id = self._store, self._conn, self._old.id
        await store._write_batch(conn, _Batch.of_update(origin_id, cols, nodes))
        await store._follow_key_changes(conn, origin_id, cols.key_changes())
        self.written += len(cols)

    async def commit(self, update: VerifiedUpdate) -> LogHead:
        """Write the update's last chunk (the rows not written yet), the new head and its
        checkpoint. The transaction commits when the ``stream_update`` block ends."""
        old = self._old
        if update.origin != old.origin or update.old_size != old.size:
            raise StoreError(f"the update of {update.origin} is not the one this stream began")
        if update.new_size == old.size:
            if old.root != update.checkpoint.root:
                raise StoreConflict(f"{old.origin} at size {old.size} has another root")
        else:
            await self.write(update.entries, update.nodes)
        if self.written != update.new_size:
            raise StoreError(
                f"{self.written} entries written, the update ends at {update.new_size}"
            )
        store, conn = self._store, self._conn
        cr = merkle.CompactRange(update.new_size, update.frontier)
        await store._set_head(conn, old.id, cr, update.checkpoint.note, self._source)
        self.head = await store._head_in(conn, old.origin)
        assert self.head is not None
        return self.head


class Store(SyncStateMixin, ReadMixin):
    """Async facade over one SQLite file. Create with :meth:`open`, finish with :meth:`close`."""

    def __init__(
        self,
        path: Path,
        writer: aiosqlite.Connection,
        reader: aiosqlite.Connection,
        published_path: Path | None,
    ) -> None:
        self.path = path
        self._writer = writer
        self._reader = reader
        self._published_path = published_path
        self._lock = asyncio.Lock()
        self._file_id = _file_id(path)  # the file opened; a health check sees it replaced
        self._wal_path = Path(f"{path}-wal")
        self._idle_timer: asyncio.TimerHandle | None = None
        self._published_seen: tuple[tuple[object, ...], Checkpoint] | None = None
        self._checkpointer: aiosqlite.Connection | None = None
        self._checkpointing: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(cls, path: Path | str, *, published_path: Path | None = None) -> Store:
        path = Path(path)
        writer = await cls._connect(path)
        try:
            await writer.execute("PRAGMA journal_mode=WAL")
            await cls._migrate(writer)
            # checkpoints are the store's business (``_after_commit``); a WAL that starts
            # afresh is cut back to 64 MiB
            await writer.execute(f"PRAGMA cache_size=-{WRITER_CACHE_KIB}")
            await writer.execute("PRAGMA wal_autocheckpoint=0")
            await writer.execute(f"PRAGMA journal_size_limit={64 * 1024 * 1024}")
            reader = await cls._connect(path)
        except sqlite3.DatabaseError as e:
            await writer.close()
            raise StoreError(f"cannot open store {path}: {e}") from e
        except BaseException:
            await writer.close()
            raise
        return cls(path, writer, reader, published_path)

    @staticmethod
    async def _connect(path: Path) -> aiosqlite.Connection:
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open store {path}: {e}") from e
        try:
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
        except BaseException as e:
            await conn.close()  # else its thread keeps the process alive
            if isinstance(e, sqlite3.DatabaseError):
                raise StoreError(f"cannot open store {path}: {e}") from e
            raise
        return conn

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection) -> None:
        try:
            async with conn.execute("PRAGMA user_version") as cur:
                row = await cur.fetchone()
        except sqlite3.DatabaseError as e:
            raise StoreError(f"not a federation store: {e}") from e
        version = int(row[0]) if row else 0
        if version > len(MIGRATIONS):
            raise StoreError(
                f"store schema version {version} is newer than this program "
                f"({len(MIGRATIONS)}); upgrade federation"
            )
        for i in range(version, len(MIGRATIONS)):
            await conn.execute("BEGIN IMMEDIATE")
            try:
                for stmt in _statements(MIGRATIONS[i]):
                    await conn.execute(stmt)
                await conn.execute(f"PRAGMA user_version={i + 1}")
                await conn.execute("COMMIT")
            except BaseException:
                await conn.execute("ROLLBACK")
                raise

    async def close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        if self._checkpointing is not None:
            await self._checkpointing
        if self._checkpointer is not None:
            await self._checkpointer.close()
        await self._reader.close()
        await self._writer.close()  # the last connection checkpoints the rest of the WAL

    async def _after_commit(self, conn: aiosqlite.Connection) -> None:
        """Checkpoint policy, run by the writer after each commit (still holding the lock).

        The writer connection never checkpoints by itself (``wal_autocheckpoint=0``): SQLite
        would copy the WAL into the database file, and sync it, at every commit that crossed
        4 MiB of WAL, stalling that commit, and copy a page rewritten by every merge in a row
        (an index page, a tree page) once per merge. Instead the WAL is checkpointed once
        writes pause for ``CHECKPOINT_IDLE_SECONDS``, by a third connection in its own thread
        (``PASSIVE``: it waits for no reader or writer; the next write then starts the WAL
        afresh), and during long runs of writes whenever it grows past ``WAL_LIMIT_BYTES``,
        here (``TRUNCATE``), so that it stays bounded.
        """
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._wal_bytes() >= WAL_LIMIT_BYTES:
            try:
                await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                return
            except sqlite3.Error as e:  # the commit stands; the next one tries again
                log.warning("checkpoint of %s failed: %s", self.path, e)
        loop = asyncio.get_running_loop()
        self._idle_timer = loop.call_later(CHECKPOINT_IDLE_SECONDS, self._checkpoint_soon)

    def _wal_bytes(self) -> int:
        try:
            return self._wal_path.stat().st_size
        except FileNotFoundError:
            return 0

    def _checkpoint_soon(self) -> None:
        self._idle_timer = None
        if self._checkpointing is None or self._checkpointing.done():
            self._checkpointing = asyncio.create_task(self._background_checkpoint())

    async def _background_checkpoint(self) -> None:
        try:
            await self.checkpoint()
        except (sqlite3.Error, StoreError) as e:
            # nothing is lost: the WAL keeps the data and is checkpointed after the next
            # write, or when it grows too large. Say so: a full disk would also fail writes.
            log.warning("background checkpoint of %s failed: %s", self.path, e)

    async def checkpoint(self) -> tuple[int, int]:
        """Copy the WAL into the database file now, on a connection of its own, without
        blocking readers or the writer (``PASSIVE``). Returns (frames in the WAL, frames
        copied); done when they are equal."""
        if self._checkpointer is None:
            self._checkpointer = await self._connect(self.path)
        rows = list(await self._checkpointer.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)"))
        return int(rows[0][1]), int(rows[0][2])

    async def __aenter__(self) -> Store:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def probe_write(self, wait: float = 1.0) -> WriteProbe:
        """Whether a write could commit now, for health checks; writes nothing.

        Checks that the file at :attr:`path` is still the one opened (a database moved,
        deleted or restored over while the node runs takes every later write into a file
        nobody reads), then takes the write lock (``BEGIN IMMEDIATE``) and rolls back. A
        read-only database, a closed or broken connection or an I/O error make it not
        writable. A lock held longer than ``wait`` seconds by another write (a long merge here, a
        CLI command in another process) is reported ``busy``, not as a failure.
        """
        try:
            st = os.stat(self.path)
        except OSError as e:
            return WriteProbe(False, f"store file {self.path}: {e.strerror or e}")
        if (st.st_dev, st.st_ino) != self._file_id:
            return WriteProbe(False, f"store file {self.path} was replaced while open")
        try:
            await asyncio.wait_for(self._lock.acquire(), wait)
        except TimeoutError:
            return WriteProbe(True, busy=True)
        conn = self._writer
        try:
            await conn.execute(f"PRAGMA busy_timeout={max(1, int(wait * 1000))}")
            try:
                await conn.execute("BEGIN IMMEDIATE")
                await conn.execute("ROLLBACK")
            finally:
                await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        except sqlite3.Error as e:
            if getattr(e, "sqlite_errorcode", None) == sqlite3.SQLITE_BUSY:
                return WriteProbe(True, busy=True)
            return WriteProbe(False, str(e))
        except ValueError as e:  # aiosqlite: the connection is closed
            return WriteProbe(False, str(e))
        finally:
            self._lock.release()
        return WriteProbe(True)

    @contextlib.asynccontextmanager
    async def _write(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        async with self._lock:
            conn = self._writer
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")
            self._notify_commit()  # wakes long polls of the change feed (store/read.py)
            await self._after_commit(conn)

    # -- origins ---------------------------------------------------------------------------

    async def add_origin(self, origin: str, role: str, vkeys: Sequence[str] = ()) -> LogHead:
        """Create (or re-activate) an origin and pin its keys. Idempotent."""
        verifiers = [parse_vkey(v) for v in vkeys]
        for v in verifiers:
            if v.name != origin:
                raise ProtocolError(f"key {v.vkey} is named {v.name}, not {origin}")
        now = now_ts()
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO origins (origin, role, root, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(origin) DO UPDATE SET role = excluded.role",
                (origin, role, merkle.EMPTY_ROOT, now),
            )
            head = await self._head_in(conn, origin)
            assert head is not None
            await conn.executemany(
                "INSERT OR IGNORE INTO origin_keys (origin_id, vkey, key_id, added_at) "
                "VALUES (?, ?, ?, ?)",
                [(head.id, v.vkey, v.key_id.hex(), now) for v in verifiers],
            )
            # the trust set changed: a peer's unchanged /v1/logs may now hold news for us
            await conn.execute("UPDATE peers SET etag = NULL")
        return head

    async def set_origin_role(self, origin: str, role: str) -> None:
        async with self._write() as conn:
            cur = await conn.execute("UPDATE origins SET role = ? WHERE origin = ?", (role, origin))
            if cur.rowcount == 0:
                raise UnknownOrigin(f"no origin {origin} in this store")
            await conn.execute("UPDATE peers SET etag = NULL")  # as in add_origin

    async def _head_in(self, conn: aiosqlite.Connection, origin: str) -> LogHead | None:
        row = _first(list(await conn.execute_fetchall(_HEAD_SQL + " WHERE origin = ?", (origin,))))
        return _head(row) if row else None

    async def head(self, origin: str) -> LogHead | None:
        return await self._head_in(self._reader, origin)

    async def heads(self, roles: Sequence[str] = ("self", "trusted")) -> list[LogHead]:
        marks = ",".join("?" * len(roles))
        sql = f"{_HEAD_SQL} WHERE role IN ({marks}) ORDER BY origin"
        return [_head(r) for r in await self._rows(sql, tuple(roles))]

    async def verifiers(self, origin: str) -> list[Verifier]:
        """The origin's pinned, usable keys (active and retired, not revoked)."""
        sql = (
            "SELECT k.vkey FROM origin_keys k JOIN origins o ON o.id = k.origin_id "
            "WHERE o.origin = ? AND k.state != 'revoked' ORDER BY k.added_at"
        )
        return [parse_vkey(r[0]) for r in await self._rows(sql, (origin,))]

    async def origin_keys(self, origin: str) -> list[tuple[str, str, str]]:
        sql = (
            "SELECT k.vkey, k.key_id, k.state FROM origin_keys k JOIN origins o "
            "ON o.id = k.origin_id WHERE o.origin = ? ORDER BY k.added_at"
        )
        return [(r[0], r[1], r[2]) for r in await self._rows(sql, (origin,))]

    # -- fork protection for the node's own log -------------------------------------------

    def published(self, origin: str, verifiers: Sequence[Verifier]) -> Checkpoint | None:
        """The last checkpoint this origin is known to have published (from the side file).

        The file is read and its signature verified again only when it changed (every append
        asks; the answer is kept with the file's inode, size and modification time).
        """
        path = self._published_path
        if path is None:
            return None
        try:
            st = path.stat()
        except FileNotFoundError:
            return None
        except OSError as e:
            raise ForkRisk(f"cannot read {path}: {e}") from e
        key = (st.st_ino, st.st_size, st.st_mtime_ns, origin, tuple(v.vkey for v in verifiers))
        if self._published_seen is not None and self._published_seen[0] == key:
            return self._published_seen[1]
        try:
            note = path.read_bytes()
            checkpoint = open_checkpoint(note, origin, verifiers).checkpoint
        except (OSError, ProtocolError) as e:
            raise ForkRisk(f"cannot read {path}: {e}") from e
        self._published_seen = (key, checkpoint)
        return checkpoint

    async def check_not_behind(self, origin: str, verifiers: Sequence[Verifier]) -> None:
        """Refuse (``ForkRisk``) if the store is behind or diverges from a published checkpoint:
        the side file's, or the largest one peers cosigned (protocol §6.4, kept by the puller)."""
        await self._check_cosigned(origin)
        published = self.published(origin, verifiers)
        if published is None:
            return
        head = await self.head(origin)
        size = head.size if head else 0
        if size < published.size:
            raise ForkRisk(
                f"the store holds {size} entries of {origin} but checkpoint {published.size} "
                "was already published (restored from an old backup?); refusing to sign a fork"
            )
        if published.size and await self.root_at(origin, published.size) != published.root:
            raise ForkRisk(f"the store's tree of {origin} differs from its published checkpoint")

    async def _check_cosigned(self, origin: str) -> None:
        """Peers cosigned checkpoints of our own log (verified when kept): never sign behind or
        beside the largest, even if the store *and* the side file were restored from a backup."""
        head = await self.head(origin)
        size = head.size if head else 0
        for cosigned, root, witness in await self.largest_cosigned(origin):
            if cosigned > size:
                raise ForkRisk(
                    f"the store holds {size} entries of {origin} but witness {witness} cosigned "
                    f"checkpoint {cosigned} of it: it was already published (restored from an "
                    "old backup?); refusing to sign a fork"
                )
            if cosigned and await self.root_at(origin, cosigned) != root:
                raise ForkRisk(
                    f"the store's tree of {origin} differs from checkpoint {cosigned} that "
                    f"witness {witness} cosigned; refusing to sign a fork"
                )

    def _write_published(self, note: bytes, size: int) -> None:
        path = self._published_path
        if path is None:
            return
        if path.exists():
            with contextlib.suppress(ProtocolError, ValueError, IndexError):
                old = int(parse_note(path.read_bytes()).text.split("\n")[1])
                if old >= size:
                    return
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as f:
            f.write(note)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)

    # -- writing ---------------------------------------------------------------------------

    async def append_own(
        self,
        origin: str,
        signer: Signer | Sequence[Signer],
        pubs: Sequence[Publication],
        *,
        ts: str | None = None,
    ) -> LogHead:
        """Append entries to this node's own log and sign the new checkpoint, in one transaction.

        ``signer`` may be several keys (the current one first): during a key rotation's grace
        period checkpoints carry the signatures of both the new and the retired key.
        """
        signers = (signer,) if isinstance(signer, Signer) else tuple(signer)
        await self.check_not_behind(origin, [s.verifier for s in signers])
        ts = ts or now_ts()
        async with self._write() as conn:
            head = await self._head_in(conn, origin)
            if head is None or head.role != "self":
                raise UnknownOrigin(f"{origin} is not this node's own log")
            origin_id, size = head.id, head.size
            stack = list(head.frontier)  # the compact range (merkle.CompactRange.append)
            batch = _Batch(origin_id, size, ts)
            tree: list[tuple[int, int, int, bytes]] = []
            batch.tree = tree
            key_changes: list[tuple[str, str]] = []
            add, facts, sha, put = batch.add, batch.facts, hashlib.sha256, Op.PUT
            for row, p in enumerate(pubs):
                if p.op is put:
                    assert p.kind and p.id and p.vis and p.body is not None
                    raw = put_leaf(size, ts, p.kind, p.id, p.body, p.vis)
                    add(raw, put, p.kind, p.id, p.vis, p.body, True)
                    if p.summary is not None:
                        facts[row] = _fact(p.summary, p.search)
                elif p.op is Op.DELETE:
                    assert p.kind and p.id
                    raw = encode_delete(size, ts, p.kind, p.id)
                    add(raw, p.op, p.kind, p.id, None, None, None)
                else:
                    assert p.vkey
                    raw = encode_key(size, ts, p.vkey)
                    add(raw, p.op, None, None, None, None, None)
                    key_changes.append((p.vkey, ts))
                # the leaf hash, and every complete subtree it completes
                h = sha(b"\x00" + raw).digest()
                tree.append((origin_id, 0, size, h))
                index, level = size, 0
                while index & 1:
                    h = sha(b"\x01" + stack.pop() + h).digest()
                    index, level = index >> 1, level + 1
                    tree.append((origin_id, level, index, h))
                stack.append(h)
                size += 1
            cr = merkle.CompactRange(size, stack)
            note = Checkpoint(origin, cr.size, cr.root()).sign(*signers)
            await self._write_batch(conn, batch)
            await self._follow_key_changes(conn, head.id, key_changes)
            await self._set_head(conn, head.id, cr, note, "self")
        self._write_published(note, cr.size)
        return dataclasses.replace(
            head, size=cr.size, root=cr.root(), frontier=tuple(stack), checkpoint=note
        )

    async def apply_update(self, update: VerifiedUpdate, source: str) -> LogHead:
        """Merge a verified update of a trusted origin in one transaction (DESIGN §5 step 4).

        Raises :class:`StoreConflict` if the stored log moved since verification started
        (another pull merged first): the caller simply pulls again.
        """
        async with self.stream_update(update.origin, update.old_size, source) as stream:
            return await stream.commit(update)

    @contextlib.asynccontextmanager
    async def stream_update(
        self, origin: str, old_size: int, source: str
    ) -> AsyncIterator[UpdateStream]:
        """One merge transaction of a trusted origin's update, fed chunk by chunk (ADR 0010).

        ``BEGIN IMMEDIATE`` at once, with the same checks as :meth:`apply_update` (trusted,
        not frozen, still at ``old_size``); :meth:`UpdateStream.write` writes verified chunks
        as they come, :meth:`UpdateStream.commit` the rest with the new head and checkpoint.
        The transaction commits when the block ends after ``commit``; it is rolled back if the
        block raises or ends without ``commit``, so nothing of an update whose root does not
        check out is ever visible. The store's write lock is held throughout: every other
        write of this process waits (other processes: up to the busy timeout).
        """
        try:
            async with self._write() as conn:
                head = await self._head_in(conn, origin)
                if head is None or head.role != "trusted":
                    raise UnknownOrigin(f"{origin} is not a trusted origin here")
                if head.state == "frozen":
                    raise StoreError(f"{origin} is frozen: {head.state_reason}")
                if head.size != old_size:
                    raise StoreConflict(
                        f"{origin} is at size {head.size}, the update starts at {old_size}"
                    )
                stream = UpdateStream(self, conn, head, source)
                yield stream
                if stream.head is None:
                    raise _Abandoned
        except _Abandoned:
            pass

    @staticmethod
    async def _follow_key_changes(
        conn: aiosqlite.Connection, origin_id: int, changes: Sequence[tuple[str, str]]
    ) -> None:
        """Key rotation (DESIGN §6): pin each new key; the origin's other keys retire.

        ``changes`` are ``(vkey, ts)`` of verified ``key`` leaves, in log order. Retired keys
        still verify (checkpoints signed during the grace period); revoked keys stay revoked.
        """
        for vkey, ts in changes:
            v = parse_vkey(vkey)
            await conn.execute(
                "UPDATE origin_keys SET state = 'retired', retired_at = ? "
                "WHERE origin_id = ? AND state = 'active' AND vkey != ?",
                (ts, origin_id, v.vkey),
            )
            await conn.execute(
                "INSERT INTO origin_keys (origin_id, vkey, key_id, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (origin_id, vkey) DO NOTHING",
                (origin_id, v.vkey, v.key_id.hex(), ts),
            )

    async def retired_keys(self, origin: str) -> list[tuple[str, str]]:
        """``(key_id hex, retired_at)`` of the origin's retired (not revoked) keys."""
        sql = (
            "SELECT k.key_id, k.retired_at FROM origin_keys k JOIN origins o ON o.id = "
            "k.origin_id WHERE o.origin = ? AND k.state = 'retired' ORDER BY k.retired_at"
        )
        return [(r[0], r[1] or "") for r in await self._rows(sql, (origin,))]

    async def _set_head(
        self,
        conn: aiosqlite.Connection,
        origin_id: int,
        cr: merkle.CompactRange,
        note: bytes,
        source: str,
    ) -> None:
        now = now_ts()
        await conn.execute(
            "UPDATE origins SET size = ?, root = ?, frontier = ?, checkpoint = ?, updated_at = ? "
            "WHERE id = ?",
            (cr.size, cr.root(), _frontier_bytes(cr.hashes), note, now, origin_id),
        )
        await conn.execute(
            "INSERT OR REPLACE INTO checkpoints VALUES (?, ?, ?, ?, ?, ?)",
            (origin_id, cr.size, cr.root(), note, now, source),
        )

    async def _write_batch(self, conn: aiosqlite.Connection, b: _Batch) -> None:
        """Write leaves, tree hashes, bodies, record state (with its change feed cursor) and
        search index of one batch (in the caller's transaction).

        A verified update (10⁵ entries and more) arrives column-wise; rows are generated lazily
        from the columns for ``executemany`` (``_insert``), so no list of all rows is ever
        held. The records it supersedes are looked up by id in one statement.
        """
        origin_id, start = b.origin_id, b.start
        await _insert(
            conn,
            "INSERT INTO leaves (origin_id, seq, leaf)",
            3,
            zip(itertools.repeat(origin_id), itertools.count(start), b.leaves),
        )
        await _insert(conn, "INSERT INTO tree (origin_id, level, idx, hash)", 4, b.tree)
        # the last entry of each record (key leaves have no kind) decides its state
        final: dict[tuple[Kind, str], int] = {}
        for row, key in enumerate(zip(b.kinds, b.ids, strict=True)):
            if key[0] is not None:
                final[key] = row  # type: ignore[index]  # a kind comes with an id
        if not final:
            return
        kind_names, op_names, vis_names = _KIND_NAMES, _OP_NAMES, _VIS_NAMES
        ops, vis, bodies, valid = b.ops, b.vis, b.bodies, b.valid
        # the records the batch supersedes lose their index rows and their stored body (a
        # record's only stored body is at its current seq); only a final put's body is stored
        keys = orjson.dumps([(kind_names[k], i) for k, i in final]).decode()
        old = list(await conn.execute_fetchall(_SUPERSEDED_SQL, (origin_id, keys)))
        if old:
            changes = orjson.dumps([r[0] for r in old]).decode()
            seqs = orjson.dumps([r[1] for r in old]).decode()
            await conn.execute(
                "DELETE FROM records_fts WHERE rowid IN (SELECT value FROM json_each(?))",
                (changes,),
            )
            await conn.execute(
                "DELETE FROM bodies WHERE origin_id = ? "
                "AND seq IN (SELECT value FROM json_each(?))",
                (origin_id, seqs),
            )
        put = Op.PUT
        await _insert(
            conn,
            "INSERT INTO bodies (origin_id, seq, kind, id, vis, body)",
            6,
            (
                (origin_id, start + row, kind_names[k], i, vis_names[vis[row]] or "", body)
                for (k, i), row in final.items()
                if ops[row] is put and (body := bodies[row]) is not None
            ),
        )
        # the change feed's cursor: every record the batch changes gets the next one
        found = _first(
            list(await conn.execute_fetchall("SELECT COALESCE(MAX(change), 0) FROM records"))
        )
        base = int(found[0]) if found else 0
        ts, reasons, fact = b.ts, b.reasons, b.fact
        one_ts = ts if isinstance(ts, str) else None

        def record_rows() -> Iterator[tuple[Any, ...]]:
            for n, ((k, i), row) in enumerate(final.items(), start=base + 1):
                ok = valid[row]
                head = (
                    origin_id,
                    kind_names[k],
                    i,
                    start + row,
                    op_names[ops[row]],
                    vis_names[vis[row]],
                    one_ts or ts[row],
                    None if ok is None else int(ok),
                    reasons[row],
                )
                f = fact(row)
                if f is None:
                    yield (*head, None, None, None, n, None)
                else:
                    yield (*head, f.country, f.title, f.updated_at, n, f.facets)

        await _insert(
            conn,
            "INSERT INTO records (origin_id, kind, id, seq, op, vis, ts, valid, reason, country, "
            "title, updated_at, change, facets) {values} "
            "ON CONFLICT (origin_id, kind, id) DO UPDATE SET seq = excluded.seq, "
            "op = excluded.op, vis = excluded.vis, ts = excluded.ts, valid = excluded.valid, "
            "reason = excluded.reason, country = excluded.country, title = excluded.title, "
            "updated_at = excluded.updated_at, change = excluded.change, facets = excluded.facets "
            "WHERE excluded.seq > records.seq",
            14,
            record_rows(),
        )

        def index_rows() -> Iterator[tuple[int, str | None, str | None, str]]:
            # every record with a valid body (a valid entry always has a summary)
            for n, ((k, _), row) in enumerate(final.items(), start=base + 1):
                if valid[row] and (body := bodies[row]) is not None and (f := fact(row)):
                    title, text = f.search or index_texts(kind_names[k], f.titles, body)
                    yield n, title, text, f.facets

        await _insert(conn, INDEX_ROWS, 4, index_rows())  # portal read index (store/read.py)

    # -- reading logs ----------------------------------------------------------------------

    async def entries(self, origin_id: int, start: int, end: int) -> list[EntryRow]:
        """Entries ``start <= seq < end`` with their stored bodies (``None`` when erased)."""
        sql = (
            "SELECT l.seq, l.leaf, b.body, b.vis, b.kind, b.id FROM leaves l LEFT JOIN bodies b "
            "ON b.origin_id = l.origin_id AND b.seq = l.seq "
            "WHERE l.origin_id = ? AND l.seq >= ? AND l.seq < ? ORDER BY l.seq"
        )
        rows = await self._rows(sql, (origin_id, start, end))
        return [
            EntryRow(r[0], bytes(r[1]), bytes(r[2]) if r[2] is not None else None, r[3], r[4], r[5])
            for r in rows
        ]

    async def _nodes(
        self, origin_id: int, nodes: Iterable[merkle.Node]
    ) -> dict[merkle.Node, bytes]:
        wanted = sorted(set(nodes))
        if not wanted:
            return {}
        out: dict[merkle.Node, bytes] = {}
        # one statement of point lookups on the primary key: O(log n) reads
        for chunk_start in range(0, len(wanted), 200):
            chunk = wanted[chunk_start : chunk_start + 200]
            sql = " UNION ALL ".join(
                ["SELECT level, idx, hash FROM tree WHERE origin_id = ? AND level = ? AND idx = ?"]
                * len(chunk)
            )
            params: list[int] = []
            for n in chunk:
                params.extend((origin_id, n.level, n.index))
            for r in await self._rows(sql, params):
                out[merkle.Node(r[0], r[1])] = bytes(r[2])
        missing = [n for n in wanted if n not in out]
        if missing:
            raise StoreError(f"tree hashes missing from the store: {missing[:3]}")
        return out

    async def _origin_id(self, origin: str) -> int:
        head = await self.head(origin)
        if head is None:
            raise UnknownOrigin(origin)
        return head.id

    async def root_at(self, origin: str, size: int) -> bytes:
        oid = await self._origin_id(origin)
        plan = merkle.root_plan(size)
        hashes = await self._nodes(oid, plan)
        return merkle.fold([hashes[n] for n in plan])

    async def inclusion_proof(self, origin: str, index: int, size: int) -> list[bytes]:
        oid = await self._origin_id(origin)
        plan = merkle.inclusion_plan(index, size)
        return merkle.assemble(plan, await self._nodes(oid, merkle.plan_nodes(plan)))

    async def consistency_proof(self, origin: str, size1: int, size2: int) -> list[bytes]:
        oid = await self._origin_id(origin)
        plan = merkle.consistency_plan(size1, size2)
        return merkle.assemble(plan, await self._nodes(oid, merkle.plan_nodes(plan)))

    async def leaf_hash(self, origin: str, index: int) -> bytes:
        oid = await self._origin_id(origin)
        return (await self._nodes(oid, [merkle.Node(0, index)]))[merkle.Node(0, index)]

    # -- reading records -------------------------------------------------------------------

    _RECORD_SQL = (
        "SELECT o.origin, r.kind, r.id, r.seq, r.op, r.vis, r.ts, r.valid, r.reason, r.country, "
        "r.title, r.updated_at, r.change, l.leaf, b.body FROM records r "
        "JOIN origins o ON o.id = r.origin_id "
        "JOIN leaves l ON l.origin_id = r.origin_id AND l.seq = r.seq "
        "LEFT JOIN bodies b ON b.origin_id = r.origin_id AND b.seq = r.seq"
    )

    @staticmethod
    def _record(r: Sequence[Any]) -> RecordRow:
        return RecordRow(
            origin=r[0],
            kind=r[1],
            id=r[2],
            seq=r[3],
            op=r[4],
            vis=r[5],
            ts=r[6],
            valid=None if r[7] is None else bool(r[7]),
            reason=r[8],
            country=r[9],
            title=json.loads(r[10]) if r[10] else {},
            updated_at=r[11],
            change=r[12],
            leaf=bytes(r[13]),
            body=bytes(r[14]) if r[14] is not None else None,
        )

    async def get_record(self, origin: str, kind: str, record_id: str) -> RecordRow | None:
        sql = self._RECORD_SQL + " WHERE o.origin = ? AND r.kind = ? AND r.id = ?"
        row = _first(await self._rows(sql, (origin, kind, record_id)))
        return self._record(row) if row else None

    async def list_records(
        self,
        *,
        kind: str | None = None,
        origin: str | None = None,
        include_deleted: bool = False,
        after: int = 0,
        limit: int = 100,
    ) -> list[RecordRow]:
        """Current records in change order (``after`` = last ``change`` seen, for paging)."""
        where = ["r.change > ?"]
        params: list[Any] = [after]
        if kind:
            where.append("r.kind = ?")
            params.append(kind)
        if origin:
            where.append("o.origin = ?")
            params.append(origin)
        if not include_deleted:
            where.append("r.op = 'put'")
        sql = f"{self._RECORD_SQL} WHERE {' AND '.join(where)} ORDER BY r.change LIMIT ?"
        params.append(limit)
        return [self._record(r) for r in await self._rows(sql, params)]

    async def counts(self) -> dict[str, dict[str, int]]:
        """Live records per origin and kind."""
        sql = (
            "SELECT o.origin, r.kind, COUNT(*) FROM records r JOIN origins o ON o.id = r.origin_id "
            "WHERE r.op = 'put' GROUP BY o.origin, r.kind"
        )
        out: dict[str, dict[str, int]] = {}
        for origin, kind, n in await self._rows(sql):
            out.setdefault(origin, {})[kind] = n
        return out

    async def body_count(self, origin: str, kind: str, record_id: str) -> int:
        """How many body versions of a record are stored (0 after erasure)."""
        sql = (
            "SELECT COUNT(*) FROM bodies b JOIN origins o ON o.id = b.origin_id "
            "WHERE o.origin = ? AND b.kind = ? AND b.id = ?"
        )
        row = _first(await self._rows(sql, (origin, kind, record_id)))
        return int(row[0]) if row else 0


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (``--`` comments dropped; a trigger's
    ``BEGIN … END`` stays one statement, as ``sqlite3.complete_statement`` decides)."""
    lines = [ln.split("--", 1)[0] for ln in script.splitlines()]
    out: list[str] = []
    pending = ""
    for part in "\n".join(lines).split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if stmt := pending.strip().removesuffix(";").strip():
                out.append(stmt)
            pending = ""
    if pending.strip(" \n;"):
        out.append(pending.strip().removesuffix(";").strip())
    return out
