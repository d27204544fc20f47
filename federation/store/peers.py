"""Sync state: peers and their backoff, pending origins, equivocation evidence, pull history.

A mixin of :class:`federation.store.Store` so that all SQL stays in the store package while
``store.py`` keeps to the logs themselves.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiosqlite

from federation.protocol.entry import now_ts


@dataclass(frozen=True, slots=True)
class PeerRow:
    url: str
    origin: str | None
    added_at: str
    etag: str | None
    last_attempt: str | None
    last_success: str | None
    last_error: str | None
    failures: int
    next_attempt: float
    bytes_pulled: int
    entries_pulled: int
    vkey: str | None = None  # what the peer's /.well-known/federation offered (informational)


@dataclass(frozen=True, slots=True)
class PendingRow:
    origin: str
    url: str
    size: int
    vkey: str | None
    first_seen: str
    last_seen: str


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    id: int
    origin: str
    note_a: bytes
    source_a: str
    note_b: bytes
    source_b: str
    detail: str
    found_at: str
    proof: tuple[bytes, ...] | None = None  # fork path for notes of two sizes (protocol §12)


@dataclass(frozen=True, slots=True)
class OriginKeyRow:
    vkey: str
    key_id: str
    state: str
    added_at: str


@dataclass(frozen=True, slots=True)
class OriginRow:
    """One origin as admins see it: role, state, size held, root, pinned keys."""

    origin: str
    role: str
    state: str
    state_reason: str | None
    size: int
    root: bytes
    added_at: str
    updated_at: str | None
    keys: tuple[OriginKeyRow, ...]


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    """A ``federation``-visibility body this node served to an authenticated origin."""

    recipient: str
    seq: int
    at: str


_PEER_COLS = (
    "url, origin, added_at, etag, last_attempt, last_success, last_error, failures, "
    "next_attempt, bytes_pulled, entries_pulled, vkey"
)


def _first(rows: Sequence[T]) -> T | None:
    return rows[0] if rows else None


def _proof(blob: str | None) -> tuple[bytes, ...] | None:
    """A stored fork path (JSON array of base64 hashes); None when none was kept."""
    return None if blob is None else tuple(base64.b64decode(h) for h in json.loads(blob))


class SyncStateMixin:
    _reader: aiosqlite.Connection

    def _write(self) -> contextlib.AbstractAsyncContextManager[aiosqlite.Connection]:
        raise NotImplementedError

    async def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        """Run a read and fetch every row in one step on the reader connection.

        Never hold a cursor open across an ``await``: on a shared connection, an unfinished
        statement keeps its WAL read snapshot, and every other task's read would see that
        stale snapshot instead of the latest commit.
        """
        return list(await self._reader.execute_fetchall(sql, tuple(params)))

    # peers -----------------------------------------------------------------------------

    async def add_peer(self, url: str, origin: str | None = None, vkey: str | None = None) -> bool:
        """Add a peer; returns False if it was already there (its origin is refreshed).

        ``vkey`` is the key the peer's descriptor offered: shown to admins for a pending
        origin, never trusted by itself.
        """
        async with self._write() as conn:
            cur = await conn.execute(
                "INSERT INTO peers (url, origin, added_at, vkey) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url) DO NOTHING",
                (url, origin, now_ts(), vkey),
            )
            added = cur.rowcount > 0
            if not added and origin:
                await conn.execute(
                    "UPDATE peers SET origin = ?, vkey = COALESCE(?, vkey) WHERE url = ?",
                    (origin, vkey, url),
                )
        return added

    async def remove_peer(self, url: str) -> bool:
        async with self._write() as conn:
            cur = await conn.execute("DELETE FROM peers WHERE url = ?", (url,))
            await conn.execute("DELETE FROM peer_origins WHERE url = ?", (url,))
            await conn.execute("DELETE FROM pending WHERE url = ?", (url,))
        return cur.rowcount > 0

    async def peers(self) -> list[PeerRow]:
        return [
            PeerRow(*r)
            for r in await self._rows(f"SELECT {_PEER_COLS} FROM peers ORDER BY url")  # noqa: S608
        ]

    async def peer(self, url: str) -> PeerRow | None:
        sql = f"SELECT {_PEER_COLS} FROM peers WHERE url = ?"  # noqa: S608
        row = _first(await self._rows(sql, (url,)))
        return PeerRow(*row) if row else None

    async def record_pull(
        self,
        url: str,
        *,
        ok: bool,
        started_at: str,
        seconds: float,
        entries: int,
        nbytes: int,
        etag: str | None = None,
        error: str | None = None,
        failures: int = 0,
        next_attempt: float = 0.0,
    ) -> None:
        """Store the outcome of one pull of a peer and its backoff state (one transaction)."""
        async with self._write() as conn:
            if ok:
                await conn.execute(
                    "UPDATE peers SET last_attempt = ?, last_success = ?, failures = 0, "
                    "next_attempt = ?, etag = COALESCE(?, etag), "
                    "bytes_pulled = bytes_pulled + ?, entries_pulled = entries_pulled + ? "
                    "WHERE url = ?",
                    (started_at, started_at, next_attempt, etag, nbytes, entries, url),
                )
            else:
                await conn.execute(
                    "UPDATE peers SET last_attempt = ?, last_error = ?, failures = ?, "
                    "next_attempt = ?, etag = NULL, bytes_pulled = bytes_pulled + ?, "
                    "entries_pulled = entries_pulled + ? WHERE url = ?",
                    (started_at, error, failures, next_attempt, nbytes, entries, url),
                )
            await conn.execute(
                "INSERT INTO sync_runs (url, started_at, seconds, outcome, entries, bytes, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (url, started_at, seconds, "ok" if ok else "error", entries, nbytes, error),
            )

    async def clear_backoff(self, url: str) -> bool:
        async with self._write() as conn:
            cur = await conn.execute(
                "UPDATE peers SET failures = 0, next_attempt = 0, etag = NULL WHERE url = ?",
                (url,),
            )
        return cur.rowcount > 0

    async def note_peer_origin(self, url: str, origin: str, size: int) -> None:
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO peer_origins (url, origin, size, seen_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(url, origin) DO UPDATE SET size = excluded.size, "
                "seen_at = excluded.seen_at",
                (url, origin, size, now_ts()),
            )

    async def peer_origin_sizes(self) -> dict[str, int]:
        """Per origin, the largest verified size any configured peer advertised."""
        sql = "SELECT origin, MAX(size) FROM peer_origins GROUP BY origin ORDER BY origin"
        return {origin: int(size) for origin, size in await self._rows(sql)}

    async def sync_runs(self, url: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        sql = "SELECT url, started_at, seconds, outcome, entries, bytes, detail FROM sync_runs"
        params: list[Any] = []
        if url:
            sql += " WHERE url = ?"
            params.append(url)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        keys = ("url", "started_at", "seconds", "outcome", "entries", "bytes", "detail")
        return [dict(zip(keys, r, strict=True)) for r in await self._rows(sql, params)]

    # pending origins ---------------------------------------------------------------------

    async def note_pending(self, origin: str, url: str, size: int, vkey: str | None) -> None:
        now = now_ts()
        async with self._write() as conn:
            await conn.execute(
                "INSERT INTO pending (origin, url, size, vkey, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(origin, url) DO UPDATE SET "
                "size = excluded.size, vkey = COALESCE(excluded.vkey, pending.vkey), "
                "last_seen = excluded.last_seen",
                (origin, url, size, vkey, now, now),
            )

    async def pending(self) -> list[PendingRow]:
        sql = (
            "SELECT p.origin, p.url, p.size, p.vkey, p.first_seen, p.last_seen FROM pending p "
            "WHERE NOT EXISTS (SELECT 1 FROM origins o WHERE o.origin = p.origin "
            "AND o.role IN ('self', 'trusted')) ORDER BY p.origin, p.url"
        )
        return [PendingRow(*r) for r in await self._rows(sql)]

    # origins overview (read-only, for admins) --------------------------------------------

    async def origin_overview(self, roles: Sequence[str] = ("self", "trusted")) -> list[OriginRow]:
        """Origins with the given roles, by name, each with its pinned keys (oldest first)."""
        marks = ",".join("?" * len(roles))
        cols = "id, origin, role, state, state_reason, size, root, added_at, updated_at"
        sql = f"SELECT {cols} FROM origins WHERE role IN ({marks}) ORDER BY origin"  # noqa: S608
        origins = await self._rows(sql, tuple(roles))
        keys: dict[int, list[OriginKeyRow]] = {}
        sql = (
            "SELECT origin_id, vkey, key_id, state, added_at FROM origin_keys "
            "ORDER BY added_at, key_id"
        )
        for r in await self._rows(sql):
            keys.setdefault(r[0], []).append(OriginKeyRow(r[1], r[2], r[3], r[4]))
        return [
            OriginRow(
                r[1], r[2], r[3], r[4], r[5], bytes(r[6]), r[7], r[8], tuple(keys.get(r[0], ()))
            )
            for r in origins
        ]

    async def revoke_key(self, origin: str, key_id: str) -> bool:
        """Mark the pinned key ``key_id`` of ``origin`` revoked; False if there is no such key.

        :meth:`Store.verifiers` leaves revoked keys out, so a checkpoint signed only by it is
        refused from now on. Idempotent. Peers' ETags are forgotten, as after a trust change.
        """
        async with self._write() as conn:
            cur = await conn.execute(
                "UPDATE origin_keys SET state = 'revoked' WHERE key_id = ? AND origin_id = "
                "(SELECT id FROM origins WHERE origin = ?)",
                (key_id, origin),
            )
            if cur.rowcount == 0:
                return False
            await conn.execute("UPDATE peers SET etag = NULL")
        return True

    # equivocation evidence ---------------------------------------------------------------

    async def add_evidence(
        self,
        origin: str,
        note_a: bytes,
        source_a: str,
        note_b: bytes,
        source_b: str,
        detail: str,
        proof: Sequence[bytes] | None = None,
    ) -> int:
        """Store two conflicting signed notes and freeze the origin, in one transaction.

        ``proof`` is the fork path (``federation.protocol.audit``) that lets an auditor check
        notes of two different sizes offline; kept as a JSON array of base64 hashes.
        """
        blob = None if proof is None else json.dumps([base64.b64encode(h).decode() for h in proof])
        async with self._write() as conn:
            cur = await conn.execute(
                "INSERT INTO evidence (origin, note_a, source_a, note_b, source_b, detail, "
                "found_at, proof) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (origin, note_a, source_a, note_b, source_b, detail, now_ts(), blob),
            )
            await conn.execute(
                "UPDATE origins SET state = 'frozen', state_reason = ? WHERE origin = ?",
                (f"equivocation: {detail}", origin),
            )
            return int(cur.lastrowid or 0)

    async def evidence(self, origin: str | None = None) -> list[EvidenceRow]:
        sql = (
            "SELECT id, origin, note_a, source_a, note_b, source_b, detail, found_at, proof "
            "FROM evidence"
        )
        params: tuple[str, ...] = ()
        if origin:
            sql += " WHERE origin = ?"
            params = (origin,)
        return [
            EvidenceRow(r[0], r[1], bytes(r[2]), r[3], bytes(r[4]), r[5], r[6], r[7], _proof(r[8]))
            for r in await self._rows(sql + " ORDER BY id", params)
        ]

    async def log_deliveries(
        self, recipient: str, origin_id: int, items: Sequence[tuple[int, str, str]]
    ) -> None:
        """Record that ``recipient`` was served the bodies ``(seq, kind, id)`` of a log."""
        if not items:
            return
        at = now_ts()
        async with self._write() as conn:
            await conn.executemany(
                "INSERT INTO deliveries (recipient, origin_id, seq, kind, rid, at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [(recipient, origin_id, seq, kind, rid, at) for seq, kind, rid in items],
            )

    async def recipients(self, origin: str, kind: str, record_id: str) -> list[DeliveryRow]:
        """Every delivery of any version of a record's body, oldest first."""
        sql = (
            "SELECT d.recipient, d.seq, d.at FROM deliveries d JOIN origins o "
            "ON o.id = d.origin_id WHERE o.origin = ? AND d.kind = ? AND d.rid = ? "
            "ORDER BY d.id"
        )
        return [DeliveryRow(*r) for r in await self._rows(sql, (origin, kind, record_id))]

    # witness cosignatures (protocol §6.4) ----------------------------------------------

    async def add_cosignatures(
        self, origin: str, size: int, root: bytes, lines: Sequence[tuple[str, str]]
    ) -> int:
        """Keep verified cosignature lines ``(witness, line)`` of ``origin``'s checkpoint
        ``(size, root)``; returns how many were new. The caller verified them."""
        if not lines:
            return 0
        now = now_ts()
        async with self._write() as conn:
            cur = await conn.executemany(
                "INSERT OR IGNORE INTO cosignatures (origin_id, size, root, witness, line, "
                "added_at) SELECT id, ?, ?, ?, ?, ? FROM origins WHERE origin = ?",
                [(size, root, w, line, now, origin) for w, line in lines],
            )
            return max(cur.rowcount, 0)

    async def has_cosignature(self, origin: str, size: int, root: bytes, witness: str) -> bool:
        sql = (
            "SELECT 1 FROM cosignatures c JOIN origins o ON o.id = c.origin_id "
            "WHERE o.origin = ? AND c.size = ? AND c.root = ? AND c.witness = ?"
        )
        return bool(await self._rows(sql, (origin, size, root, witness)))

    async def head_cosignatures(self) -> dict[tuple[str, int, bytes], list[tuple[str, str]]]:
        """``(origin, size, root)`` → ``(witness, line)`` of the cosignatures held for that
        origin's current head.

        Keyed by size and root too: a caller that read a head before a merge moved it must not
        append lines of the newer checkpoint to the older note.
        """
        sql = (
            "SELECT o.origin, c.size, c.root, c.witness, c.line FROM cosignatures c JOIN origins o "
            "ON o.id = c.origin_id AND c.size = o.size AND c.root = o.root "
            "WHERE o.role IN ('self', 'trusted') ORDER BY o.origin, c.witness"
        )
        out: dict[tuple[str, int, bytes], list[tuple[str, str]]] = {}
        for origin, size, root, witness, line in await self._rows(sql):
            out.setdefault((origin, size, bytes(root)), []).append((witness, line))
        return out

    async def largest_cosigned(self, origin: str) -> list[tuple[int, bytes, str]]:
        """``(size, root, witness)`` of the largest cosigned checkpoint(s) held for ``origin``
        (every root held at that size: two would mean a fork)."""
        sql = (
            "SELECT c.size, c.root, c.witness FROM cosignatures c JOIN origins o "
            "ON o.id = c.origin_id WHERE o.origin = ? AND c.size = (SELECT MAX(size) "
            "FROM cosignatures WHERE origin_id = o.id) ORDER BY c.witness"
        )
        return [(r[0], bytes(r[1]), r[2]) for r in await self._rows(sql, (origin,))]

    async def witness_vkeys(self) -> list[str]:
        """The pinned (not revoked) origin keys of every trusted origin: their witness keys
        are these, re-typed (``federation.protocol.cosignature.witness_key_of``)."""
        sql = (
            "SELECT k.vkey FROM origin_keys k JOIN origins o ON o.id = k.origin_id "
            "WHERE o.role = 'trusted' AND k.state != 'revoked' ORDER BY o.origin, k.added_at"
        )
        return [r[0] for r in await self._rows(sql)]
