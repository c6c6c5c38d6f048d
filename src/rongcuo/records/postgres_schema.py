"""The PostgreSQL record store's schema, one version at a time, as the SQLite store's grows.

Takes an open psycopg connection (autocommit) whose current schema — the first schema of its
``search_path`` that exists — holds, or is to hold, a store; gives the DDL of version 1
(:data:`V1`: records, reviews, schema_version), :data:`MIGRATIONS` (version → the DDL that
brings the version before to it; 2 adds cases and case_events, as
:mod:`rongcuo.records.migrations` does for SQLite), :func:`create` and :func:`migrate`. Both run
in one transaction under an advisory lock on the schema, re-reading what is there inside it, so
that processes creating or upgrading one store at once do it once.

The tables are those of SQLite in PostgreSQL types. The text columns that are sorted on
(``records.id``, ``recorded_at``, ``cases.id``) use the ``"C"`` collation, so that rows come
in the byte order SQLite gives whatever the database's locale, and a prefix is a range scan.
JSON is kept as ``text``: ``jsonb`` reorders keys and respells numbers, and a record's
decision must come back byte for byte. Triggers refuse an UPDATE of a record and an UPDATE,
DELETE or TRUNCATE of a case event.
"""

from __future__ import annotations

import psycopg

#: The schema version this rongcuo writes (the same number as the SQLite store's).
LATEST = 2
APP = "rongcuo-records"

#: Version 1: the decision records and their reviews.
V1 = """
CREATE TABLE schema_version (
    version integer NOT NULL,
    app     text    NOT NULL
);
CREATE TABLE records (
    id              text COLLATE "C" PRIMARY KEY CHECK (id ~ '^rc-[0-9a-f]{20}$'),
    case_id         text NOT NULL,
    case_hash       text NOT NULL,
    case_json       text NOT NULL,
    ruleset_id      text NOT NULL,
    ruleset_version text NOT NULL,
    ruleset_hash    text NOT NULL,
    as_of           text NOT NULL,
    engine          text NOT NULL,
    engine_version  text NOT NULL,
    rongcuo_version text NOT NULL,
    outcome         text NOT NULL CHECK (outcome IN ('tolerate', 'mitigate', 'not_tolerate',
                                         'insufficient_facts', 'refer', 'cleared')),
    decision_json   text NOT NULL,
    recorded_at     text COLLATE "C" NOT NULL
);
CREATE INDEX records_case ON records (case_id);
CREATE INDEX records_ruleset ON records (ruleset_id);
CREATE FUNCTION rongcuo_records_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rongcuo records are append-only: add a review instead';
END $$;
CREATE TRIGGER records_append_only BEFORE UPDATE ON records
    FOR EACH ROW EXECUTE FUNCTION rongcuo_records_append_only();
CREATE TABLE reviews (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    record_id     text COLLATE "C" NOT NULL REFERENCES records (id),
    final_outcome text NOT NULL,
    deciding_body text NOT NULL,
    decided_on    date NOT NULL,
    reason        text NOT NULL DEFAULT '',
    reviewer      text NOT NULL DEFAULT ''
);
CREATE INDEX reviews_record ON reviews (record_id);
"""

_V2 = """
CREATE TABLE cases (
    id         text COLLATE "C" PRIMARY KEY,
    ruleset_id text NOT NULL,
    cadre_id   text,
    title      text NOT NULL DEFAULT '',
    version    integer NOT NULL,
    head_hash  text NOT NULL,
    opened_at  text NOT NULL,
    updated_at text NOT NULL
);
CREATE INDEX cases_cadre ON cases (cadre_id);
CREATE TABLE case_events (
    case_id      text COLLATE "C" NOT NULL REFERENCES cases (id),
    seq          integer NOT NULL,
    at           text NOT NULL,
    actor        text NOT NULL,
    action       text NOT NULL,
    payload_json text NOT NULL,
    prev_hash    text NOT NULL,
    hash         text NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE FUNCTION rongcuo_case_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'rongcuo case events are append-only';
END $$;
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
    FOR EACH ROW EXECUTE FUNCTION rongcuo_case_events_append_only();
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION rongcuo_case_events_append_only();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION rongcuo_case_events_append_only();
"""

#: version → the DDL that brings the version before it to this one.
MIGRATIONS: dict[int, str] = {2: _V2}

#: rongcuo's tables; a schema holding none of them is a place for a new store.
TABLES = frozenset({"schema_version", "records", "reviews", "cases", "case_events"})


def tables(db: psycopg.Connection[tuple[object, ...]]) -> set[str]:
    """The names of the tables in the connection's current schema."""
    rows = db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"
    ).fetchall()
    return {str(r[0]) for r in rows}


def current(db: psycopg.Connection[tuple[object, ...]]) -> int:
    """The store's schema version."""
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(str(row[0])) if row is not None and row[0] is not None else 0


def _lock(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """Wait for the other processes creating or migrating this schema's store (until commit)."""
    db.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended(%s || current_schema(), 0))",
        ("rongcuo-records:",),
    )


def create(db: psycopg.Connection[tuple[object, ...]]) -> None:
    """Make a new store in the current schema — version 1, then the migrations, so that a new
    store is what a migrated old one is — unless another process made it meanwhile."""
    with db.transaction():
        _lock(db)
        if tables(db) & TABLES:
            return
        db.execute(V1)
        db.execute("INSERT INTO schema_version (version, app) VALUES (1, %s)", (APP,))
        _steps(db)


def migrate(db: psycopg.Connection[tuple[object, ...]]) -> int:
    """Bring the store to :data:`LATEST` in one transaction; the version it is at after.

    Raises ``psycopg.Error`` when the store cannot be changed (the caller decides whether a
    read-only old store is still useful for reading).
    """
    if current(db) >= LATEST:
        return current(db)
    with db.transaction():
        _lock(db)
        _steps(db)
    return current(db)


def _steps(db: psycopg.Connection[tuple[object, ...]]) -> None:
    version = current(db)  # again, under the lock: another process may have done it
    for target in range(version + 1, LATEST + 1):
        db.execute(MIGRATIONS[target])
        db.execute("UPDATE schema_version SET version = %s", (target,))
