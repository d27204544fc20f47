"""Backing up and restoring the store file (``federation backup`` / ``federation restore``).

Plain ``sqlite3``, no event loop: these work on whole files, not on a running node's
connections.

- :func:`backup_store` uses SQLite's online backup API on a connection that only reads
  (``PRAGMA query_only``), so it runs while ``serve`` writes (WAL: the copy is one committed
  snapshot, never a half-applied merge) and changes nothing in the live store. The copy is
  a self-contained rollback-journal file, created 0600 (it holds ``federation``-visibility
  bodies, i.e. personal data).
- :func:`inspect_store` checks a file read-only: ``PRAGMA integrity_check``, schema version,
  and which origin's log it owns (its ``self`` row).
- :func:`exclusive` proves nobody else has the store open. In WAL mode every open connection
  holds a shared lock on the database file for as long as it is open, idle or not, so a
  connection in ``locking_mode=EXCLUSIVE`` that can begin an exclusive transaction is alone.
  A running ``serve`` (or any command using the store) makes it fail with :class:`StoreBusy`.
- :func:`install_store` moves the current file aside (``<db>.before-restore-<ts>``) and puts a
  verified copy in its place.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from federation.store.schema import MIGRATIONS
from federation.store.store import StoreError

BUSY_PROBE_SECONDS = 1.0
"""How long :func:`exclusive` waits for other connections before calling the store busy."""

BEFORE_RESTORE = ".before-restore-"
"""Infix of the name the replaced store is kept under: ``federation.sqlite.before-restore-<ts>``."""


class StoreBusy(StoreError):
    """The store is open elsewhere (a running ``serve`` or another command)."""


class NotAStore(StoreError):
    """The file is not a readable, intact federation store."""


@dataclass(frozen=True, slots=True)
class LogSummary:
    origin: str
    role: str
    size: int
    root: bytes


@dataclass(frozen=True, slots=True)
class StoreSummary:
    """What a store file holds, read without changing it."""

    path: Path
    nbytes: int
    schema: int
    own_origin: str
    own_keys: tuple[str, ...]
    """Verifier keys of the own origin that are not revoked (active and retired)."""
    logs: tuple[LogSummary, ...]
    records: int
    """Live records (latest entry a ``put``), all origins."""
    bodies: int

    def log(self, origin: str) -> LogSummary | None:
        return next((g for g in self.logs if g.origin == origin), None)


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise NotAStore(f"{path} does not exist or is not a file")
    try:
        return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
    except sqlite3.Error as e:
        raise NotAStore(f"cannot open {path}: {e}") from e


def _summarise(conn: sqlite3.Connection, path: Path) -> StoreSummary:
    try:
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        if problems != ["ok"]:
            raise NotAStore(f"{path} is damaged: integrity check says {'; '.join(problems[:3])}")
        schema = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if schema == 0:
            raise NotAStore(f"{path} is not a federation store (no schema)")
        if schema > len(MIGRATIONS):
            raise NotAStore(
                f"{path} has store schema version {schema}, newer than this program "
                f"({len(MIGRATIONS)}); upgrade federation"
            )
        logs = tuple(
            LogSummary(r[0], r[1], int(r[2]), bytes(r[3]))
            for r in conn.execute("SELECT origin, role, size, root FROM origins ORDER BY origin")
        )
        own = [g for g in logs if g.role == "self"]
        if len(own) != 1:
            raise NotAStore(f"{path} does not hold exactly one own log ({len(own)} found)")
        keys = tuple(
            r[0]
            for r in conn.execute(
                "SELECT k.vkey FROM origin_keys k JOIN origins o ON o.id = k.origin_id "
                "WHERE o.role = 'self' AND k.state != 'revoked' ORDER BY k.added_at"
            )
        )
        records = int(conn.execute("SELECT COUNT(*) FROM records WHERE op = 'put'").fetchone()[0])
        bodies = int(conn.execute("SELECT COUNT(*) FROM bodies").fetchone()[0])
    except sqlite3.DatabaseError as e:
        raise NotAStore(f"{path} is not a federation store: {e}") from e
    return StoreSummary(
        path=path,
        nbytes=path.stat().st_size,
        schema=schema,
        own_origin=own[0].origin,
        own_keys=keys,
        logs=logs,
        records=records,
        bodies=bodies,
    )


def inspect_store(path: Path) -> StoreSummary:
    """Check a store file read-only (integrity, schema, own log) and say what it holds."""
    with contextlib.closing(_connect_ro(path)) as conn:
        return _summarise(conn, path)


def _create_private(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.close(fd)


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _connect_source(path: Path) -> sqlite3.Connection:
    """A connection that only reads (``query_only``) but is not ``mode=ro``.

    A ``mode=ro`` connection to a WAL store whose node is stopped creates ``-wal``/``-shm``
    files it cannot remove, owned by whoever runs the backup (root, from cron), and the node's
    user then cannot open its own store. A read/write connection removes them on closing.
    """
    if not path.is_file():
        raise NotAStore(f"{path} does not exist or is not a file")
    try:
        conn = sqlite3.connect(path, isolation_level=None, timeout=BUSY_PROBE_SECONDS * 30)
        conn.execute("PRAGMA query_only=ON")
    except sqlite3.Error as e:
        raise NotAStore(f"cannot open {path}: {e}") from e
    return conn


def copy_store(source: Path, dest: Path) -> StoreSummary:
    """Copy ``source`` into ``dest`` with the online backup API, then verify the copy.

    ``source`` is only read (``PRAGMA query_only``) and may be in use. ``dest`` is written as
    ``<dest>.partial`` (0600) and renamed into place only once it passed :func:`inspect_store`,
    so a failed copy never leaves a file under ``dest``'s name.
    """
    partial = dest.with_name(dest.name + ".partial")
    _create_private(partial)
    try:
        with (
            contextlib.closing(_connect_source(source)) as src,
            contextlib.closing(sqlite3.connect(partial, isolation_level=None)) as dst,
        ):
            try:
                src.backup(dst)  # one step: one consistent snapshot of the source
                dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
            except sqlite3.DatabaseError as e:
                raise NotAStore(f"cannot copy {source}: {e}") from e
        with open(partial, "rb+") as f:
            os.fsync(f.fileno())
        summary = inspect_store(partial)
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    _fsync_dir(dest.parent)
    return dataclasses.replace(summary, path=dest)


def backup_store(db: Path, dest: Path) -> StoreSummary:
    """Online backup of the store ``db`` (may be served meanwhile) into ``dest``, verified."""
    if dest.resolve() == db.resolve():
        raise StoreError(f"{dest} is the store itself; back up into another file")
    return copy_store(db, dest)


@contextlib.contextmanager
def exclusive(db: Path, timeout: float = BUSY_PROBE_SECONDS) -> Iterator[None]:
    """Hold the store alone, or raise :class:`StoreBusy` if another connection has it open.

    On entering, the WAL is checkpointed into the file and emptied, so inside the block the
    file alone is the whole store, and nobody else can open it until the block is left.
    """
    try:
        conn = sqlite3.connect(db, timeout=timeout, isolation_level=None)
    except sqlite3.Error as e:
        raise StoreError(f"cannot open store {db}: {e}") from e
    try:
        try:
            # in this mode the locks taken below are kept until the connection closes
            conn.execute("PRAGMA locking_mode=EXCLUSIVE")
            conn.execute("BEGIN EXCLUSIVE")
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
            conn.execute("COMMIT")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.OperationalError as e:
            if "locked" in str(e) or "busy" in str(e):
                raise StoreBusy(
                    f"the store {db} is in use (is `federation serve` running?); "
                    "stop the node first"
                ) from e
            raise StoreError(f"cannot lock store {db}: {e}") from e
        except sqlite3.DatabaseError as e:  # e.g. "file is not a database"
            raise NotAStore(f"{db} is not a readable store: {e}") from e
        if busy:
            raise StoreBusy(f"the store {db} is in use: its WAL could not be checkpointed")
        yield
    finally:
        conn.close()


def kept_name(db: Path, now: datetime | None = None) -> Path:
    """A free name to keep the replaced store under: ``<db>.before-restore-<UTC time>``."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = db.with_name(f"{db.name}{BEFORE_RESTORE}{stamp}")
    n = 1
    while path.exists():
        n += 1
        path = db.with_name(f"{db.name}{BEFORE_RESTORE}{stamp}-{n}")
    return path


def install_store(copy: Path, db: Path) -> Path | None:
    """Put the verified ``copy`` in place of the store ``db``, which nobody may have open.

    The current store, if any, is renamed to :func:`kept_name` while it is held
    :func:`exclusive` (at once if it is not a readable store: no node can be serving it).
    Until the copy is in place there is no file under ``db``'s name, and ``Node.open`` refuses
    a missing store rather than create one. Returns the name the old store is kept under, or
    None when there was none; if the copy cannot be put in place, the old store is put back.
    Run as root, the copy takes the owner of the file it replaces, so the node's user can
    still write it.
    """
    kept: Path | None = None
    wal = db.with_name(db.name + "-wal")
    if db.exists():
        st = db.stat()
        kept = kept_name(db)
        try:
            with exclusive(db):
                os.replace(db, kept)
        except NotAStore:
            os.replace(db, kept)  # damaged: no node can be serving it
        if wal.exists() and wal.stat().st_size > 0:  # not expected after the checkpoint
            os.replace(wal, kept.with_name(kept.name + "-wal"))
    else:
        st = db.parent.stat()
    # an empty WAL and the shared-memory index of the old file must not meet the new one
    wal.unlink(missing_ok=True)
    db.with_name(db.name + "-shm").unlink(missing_ok=True)
    try:
        if os.geteuid() == 0:
            os.chown(copy, st.st_uid, st.st_gid)
        os.replace(copy, db)
    except OSError:
        if kept is not None:
            os.replace(kept, db)  # put the old store back rather than leave none
        raise
    _fsync_dir(db.parent)
    return kept


__all__ = [
    "BEFORE_RESTORE",
    "LogSummary",
    "NotAStore",
    "StoreBusy",
    "StoreSummary",
    "backup_store",
    "copy_store",
    "exclusive",
    "inspect_store",
    "install_store",
    "kept_name",
]
