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
    );  -- a rowid table: bodies (~1 KB) would spill to overflow pages in a WITHOUT ROWID one
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

MIGRATIONS.append(
    # 5: the fork path that makes equivocation evidence of two sizes checkable offline
    #    (JSON array of base64 hashes; NULL for evidence found before it was kept)
    """
    ALTER TABLE evidence ADD COLUMN proof TEXT;
    """
)


# -- portal read index (DESIGN §8; federation/store/read.py) -------------------------------------
# records.facets (words c_<country>, l_<language in lower case>, t_<theme>, "-" written "_") is
# written by the merge from the record's summary (read.facet_words); for records merged before
# this migration it is computed here in SQL from the body, with the same rules as
# protocol.records.summarize (a test compares the two).
# records_fts (rowid = records.change) holds, for every record with a valid body, every language
# variant of its title (from records.title) and of its summary (cases) or description (events),
# machine translations too, and its facet words (the tokenizer keeps "_" inside words), so
# filters and search are one FTS5 query in change order.
# Person contacts get their facets but no text: FTS5 (before SQLite 3.42's secure-delete) keeps
# a deleted row's words in its index segments until they are merged, and a name must not
# outlive its erasure there. records_fts keeps no column sizes (nothing ranks by bm25) and
# buffers 16 MiB of index data before writing a segment (default 1 MiB).
# The merge keeps records_fts in step itself (store.Store._write_batch: it deletes the rows of
# the records it supersedes and inserts rows it computes in Python, INDEX_ROWS; migration 6 used
# INDEX_AFTER), not with row triggers: a row trigger costs 15-40 us per record, and FTS5 flushes
# its write buffer at every statement boundary inside a trigger, which made a trigger-maintained
# index cost 3-4 times more per record.
# The facets template names the records row R and its body B (no input ever gets into it).

_FACETS = """(SELECT group_concat(f, ' ') FROM (SELECT DISTINCT f FROM (
    SELECT 'c_' || CASE t WHEN 'EL' THEN 'GR' ELSE t END AS f FROM (
        SELECT json_extract(B, '$.origin_country') AS t
        UNION ALL SELECT value FROM json_each(B, '$.countries') WHERE R.kind = 'case'
        UNION ALL SELECT json_extract(value, '$.country') FROM json_each(B, '$.partners')
            WHERE R.kind = 'case'
        UNION ALL SELECT json_extract(B, '$.location.country') WHERE R.kind = 'event'
        UNION ALL SELECT json_extract(B, '$.country')
            WHERE R.kind = 'contact' AND json_extract(B, '$.contact_type') = 'organisation'
    ) WHERE t IS NOT NULL
    UNION ALL SELECT 'l_' || replace(lower(t), '-', '_') FROM (
        SELECT json_extract(B, '$.original_language') AS t
        UNION ALL SELECT key FROM json_each(B, '$.title') WHERE R.kind IN ('case', 'event')
        UNION ALL SELECT key FROM json_each(B, '$.summary') WHERE R.kind = 'case'
        UNION ALL SELECT key FROM json_each(B, '$.problem') WHERE R.kind = 'case'
        UNION ALL SELECT key FROM json_each(B, '$.solution') WHERE R.kind = 'case'
        UNION ALL SELECT key FROM json_each(B, '$.results') WHERE R.kind = 'case'
        UNION ALL SELECT key FROM json_each(B, '$.transferability') WHERE R.kind = 'case'
        UNION ALL SELECT key FROM json_each(B, '$.description') WHERE R.kind = 'event'
        UNION ALL SELECT key FROM json_each(B, '$.name')
            WHERE R.kind = 'contact' AND json_extract(B, '$.contact_type') = 'organisation'
    ) WHERE t IS NOT NULL
    UNION ALL SELECT 't_' || replace(value, '-', '_') FROM json_each(B, '$.themes')
        WHERE R.kind = 'case'
) ORDER BY f))"""


INDEX_AFTER = (
    # every record changed after :after with a valid body is indexed, in rowid order (which
    # FTS5 writes fastest)
    """INSERT INTO records_fts (rowid, title, text, facets)
    SELECT r.change,
        CASE WHEN NOT PERSON THEN
            (SELECT group_concat(value, char(10)) FROM json_each(r.title)) END,
        CASE WHEN NOT PERSON THEN
            (SELECT group_concat(CASE type WHEN 'object' THEN json_extract(value, '$.text')
                ELSE value END, char(10))
             FROM json_each(b.body, CASE r.kind WHEN 'case' THEN '$.summary'
                                                WHEN 'event' THEN '$.description' END)) END,
        r.facets
    FROM records r JOIN bodies b ON b.origin_id = r.origin_id AND b.seq = r.seq
    WHERE r.change > :after AND r.valid = 1
    ORDER BY r.change""".replace(
        "NOT PERSON",
        # not a person contact (only contacts' bodies are looked into)
        "(CASE r.kind WHEN 'contact' THEN json_extract(b.body, '$.contact_type') IS NOT 'person'"
        " ELSE 1 END)",
    ),
)
"""Run by the migration for records already held. A merge inserts the same rows itself after
it upserted ``records`` (``INDEX_ROWS``), with the texts taken from the bodies in Python
(``read.index_texts``): parsing each body with ``json_each`` cost about 30 us a record."""

INDEX_ROWS = "INSERT INTO records_fts (rowid, title, text, facets)"
"""The merge's index rows: ``(change, title, text, facets)`` of each record it changed that has
a valid body."""

_INDEX_MIGRATION = """
    ALTER TABLE records ADD COLUMN facets TEXT;   -- words, see store/read.py
    CREATE INDEX records_origin ON records (origin_id, change);
    CREATE INDEX records_updated ON records (updated_at);
    CREATE VIRTUAL TABLE records_fts USING fts5(
        title, text, facets,
        tokenize = "unicode61 remove_diacritics 2 tokenchars '_'", columnsize = 0
    );
    INSERT INTO records_fts (records_fts, rank) VALUES ('hashsize', 16777216);
    UPDATE records SET facets = (
        SELECT FACETS_OF_RECORDS FROM bodies b
        WHERE b.origin_id = records.origin_id AND b.seq = records.seq
    ) WHERE valid = 1;
    INDEX_ALL;
    INSERT INTO meta (key, value) VALUES ('cursor_key', lower(hex(randomblob(32))));
"""

MIGRATIONS.append(
    # 6: portal read index: facets, full-text search, cursor key (federation/store/read.py)
    _INDEX_MIGRATION.replace(
        "FACETS_OF_RECORDS", _FACETS.replace("R.", "records.").replace("B,", "b.body,")
    ).replace("INDEX_ALL", ";\n".join(INDEX_AFTER).replace(":after", "0"))
)

MIGRATIONS.append(
    # 7: witness cosignatures (c2sp.org/tlog-cosignature) on checkpoints: the ones this node
    #    made on the logs it verified, and its peers' on its own log (protocol §6.4). ``line``
    #    is the signature line as served, ``root`` the cosigned checkpoint's root.
    #    (IF NOT EXISTS: tests re-run the migrations after 5 on a store that already has it.)
    """
    CREATE TABLE IF NOT EXISTS cosignatures (
        origin_id   INTEGER NOT NULL REFERENCES origins(id),
        size        INTEGER NOT NULL,
        root        BLOB NOT NULL,
        witness     TEXT NOT NULL,
        line        TEXT NOT NULL,
        added_at    TEXT NOT NULL,
        PRIMARY KEY (origin_id, size, witness)
    ) WITHOUT ROWID;
    """
)

MIGRATIONS.append(
    # 8: cheaper appends (ADR 0010). ``records`` becomes a rowid table keyed by ``change`` (its
    #    rows are appended in change order instead of inserted at random places by record id;
    #    a narrow unique index finds a record by its id), and the bodies' unique index by
    #    record goes: a record's only stored body is the one at its current ``seq``, which is
    #    how a merge erases it. The other indexes keep their names; ``change`` is the rowid
    #    they all end with. The full-text index merges its segments 16 at a time instead of 4:
    #    every merge commits a segment, and merging them rewrote its words several times over
    #    (40% less to write; queries read a few more segments, well under a millisecond).
    """
    CREATE TABLE records_new (
        change      INTEGER PRIMARY KEY,  -- cursor of the last change to this record
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
        facets      TEXT               -- words, see store/read.py
    );
    INSERT INTO records_new (change, origin_id, kind, id, seq, op, vis, ts, valid, reason,
                             country, title, updated_at, facets)
        SELECT change, origin_id, kind, id, seq, op, vis, ts, valid, reason,
               country, title, updated_at, facets FROM records ORDER BY change;
    DROP TABLE records;
    ALTER TABLE records_new RENAME TO records;
    CREATE UNIQUE INDEX records_key ON records (origin_id, kind, id);
    CREATE INDEX records_kind ON records (kind);
    CREATE INDEX records_origin ON records (origin_id);
    CREATE INDEX records_updated ON records (updated_at);
    DROP INDEX IF EXISTS bodies_record;
    INSERT INTO records_fts (records_fts, rank) VALUES ('automerge', 16);
    """
)

MIGRATIONS.append(
    # 9: no ``changes`` table (ADR 0011). Every row it got was the change feed's cursor of a
    #    record's latest entry, which ``records.change`` holds too, and only merges read it
    #    back (to find the records they supersede); a merge now looks those up by id.
    """
    DROP TABLE IF EXISTS changes;
    """
)
