"""SQLite schema and migrations, applied in order by ``PRAGMA user_version``."""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: logs, tree, bodies, records, change feed
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;

    CREATE TABLE origins (
        id          INTEGER PRIMARY KEY,
        origin      TEXT NOT NULL UNIQUE,
        role        TEXT NOT NULL CHECK (role IN ('self', 'trusted', 'removed')),
        state       TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'frozen')),
        state_reason TEXT,
        size        INTEGER NOT NULL DEFAULT 0,
        root        BLOB NOT NULL,
        frontier    BLOB NOT NULL DEFAULT x'',
        checkpoint  BLOB,
        added_at    TEXT NOT NULL,
        updated_at  TEXT
    );

    CREATE TABLE origin_keys (
        origin_id   INTEGER NOT NULL REFERENCES origins(id),
        vkey        TEXT NOT NULL,
        key_id      TEXT NOT NULL,
        state       TEXT NOT NULL DEFAULT 'active'
                    CHECK (state IN ('active', 'retired', 'revoked')),
        added_at    TEXT NOT NULL,
        PRIMARY KEY (origin_id, vkey)
    ) WITHOUT ROWID;

    CREATE TABLE leaves (
        origin_id   INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        leaf        BLOB NOT NULL,
        PRIMARY KEY (origin_id, seq)
    ) WITHOUT ROWID;

    -- complete subtree hashes: level 0 = leaf hashes; covers [idx << level, (idx+1) << level)
    CREATE TABLE tree (
        origin_id   INTEGER NOT NULL,
        level       INTEGER NOT NULL,
        idx         INTEGER NOT NULL,
        hash        BLOB NOT NULL,
        PRIMARY KEY (origin_id, level, idx)
    ) WITHOUT ROWID;

    -- erasable: at most one body per record (the latest put); REPLACE drops the superseded one
    CREATE TABLE bodies (
        origin_id   INTEGER NOT NULL,
        seq         INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        id          TEXT NOT NULL,
        vis         TEXT NOT NULL,
        body        BLOB NOT NULL,
        PRIMARY KEY (origin_id, seq)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX bodies_record ON bodies (origin_id, kind, id);

    CREATE TABLE records (
        origin_id   INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        id          TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        op          TEXT NOT NULL,
        vis         TEXT,
        ts          TEXT NOT NULL,
        valid       INTEGER,           -- 1 valid body, 0 schema violation, NULL body not held
        reason      TEXT,              -- why the body is not valid
        country     TEXT,
        title       TEXT,              -- JSON map language -> title
        updated_at  TEXT,
        change      INTEGER NOT NULL,  -- cursor of the last change to this record
        PRIMARY KEY (origin_id, kind, id)
    ) WITHOUT ROWID;
    CREATE INDEX records_change ON records (change);
    CREATE INDEX records_kind ON records (kind, change);

    CREATE TABLE changes (
        cursor      INTEGER PRIMARY KEY AUTOINCREMENT,
        origin_id   INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        id          TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        op          TEXT NOT NULL,
        at          TEXT NOT NULL
    );

    CREATE TABLE checkpoints (
        origin_id   INTEGER NOT NULL,
        size        INTEGER NOT NULL,
        root        BLOB NOT NULL,
        note        BLOB NOT NULL,
        seen_at     TEXT NOT NULL,
        source      TEXT NOT NULL,
        PRIMARY KEY (origin_id, size)
    ) WITHOUT ROWID;
    """,
]

MIGRATIONS.append(
    # 2: peers and their backoff state, pending origins, equivocation evidence, pull history
    """
    CREATE TABLE peers (
        url          TEXT PRIMARY KEY,
        origin       TEXT,
        added_at     TEXT NOT NULL,
        etag         TEXT,
        last_attempt TEXT,
        last_success TEXT,
        last_error   TEXT,
        failures     INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL DEFAULT 0,
        bytes_pulled   INTEGER NOT NULL DEFAULT 0,
        entries_pulled INTEGER NOT NULL DEFAULT 0
    ) WITHOUT ROWID;

    CREATE TABLE peer_origins (
        url         TEXT NOT NULL,
        origin      TEXT NOT NULL,
        size        INTEGER NOT NULL,
        seen_at     TEXT NOT NULL,
        PRIMARY KEY (url, origin)
    ) WITHOUT ROWID;

    CREATE TABLE pending (
        origin      TEXT NOT NULL,
        url         TEXT NOT NULL,
        size        INTEGER NOT NULL,
        vkey        TEXT,
        first_seen  TEXT NOT NULL,
        last_seen   TEXT NOT NULL,
        PRIMARY KEY (origin, url)
    ) WITHOUT ROWID;

    CREATE TABLE evidence (
        id          INTEGER PRIMARY KEY,
        origin      TEXT NOT NULL,
        note_a      BLOB NOT NULL,
        source_a    TEXT NOT NULL,
        note_b      BLOB NOT NULL,
        source_b    TEXT NOT NULL,
        detail      TEXT NOT NULL,
        found_at    TEXT NOT NULL
    );

    CREATE TABLE sync_runs (
        id          INTEGER PRIMARY KEY,
        url         TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        seconds     REAL NOT NULL,
        outcome     TEXT NOT NULL,
        entries     INTEGER NOT NULL,
        bytes       INTEGER NOT NULL,
        detail      TEXT
    );
    """
)

MIGRATIONS.append(
    # 3: GDPR Art. 19 recipients log; key retirement time (rotation grace period)
    """
    CREATE TABLE deliveries (
        id          INTEGER PRIMARY KEY,
        recipient   TEXT NOT NULL,      -- authenticated origin that received the body
        origin_id   INTEGER NOT NULL,   -- log the body belongs to
        seq         INTEGER NOT NULL,
        kind        TEXT NOT NULL,
        rid         TEXT NOT NULL,      -- record id
        at          TEXT NOT NULL
    );
    CREATE INDEX deliveries_record ON deliveries (origin_id, kind, rid);
    ALTER TABLE origin_keys ADD COLUMN retired_at TEXT;
    """
)

MIGRATIONS.append(
    # 4: the verifier key a peer's /.well-known/federation offered (shown for pending origins)
    """
    ALTER TABLE peers ADD COLUMN vkey TEXT;
    """
)
