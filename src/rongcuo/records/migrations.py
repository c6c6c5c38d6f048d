"""How a record store's schema grows, one version at a time, keeping old stores readable.

Takes an open SQLite connection to a store at some schema version; gives the DDL of each
version (:data:`MIGRATIONS`: version → the statements that bring the one before to it) and
:func:`migrate`, which applies those still missing in one ``BEGIN IMMEDIATE`` transaction,
re-reading the version inside it so that two processes opening one old store migrate it once.
A new store is made by the same steps from version 1, so a migrated store and a new one have
the same tables, indexes and triggers (a test compares their ``sqlite_master``).

Version 2 adds a case's procedure record (:mod:`rongcuo.procedure`): ``cases`` (one row a
case: its version and the hash of its last event, what it is indexed by) and ``case_events``
(the events, append-only: triggers refuse UPDATE and DELETE).
"""

from __future__ import annotations

import sqlite3

#: The schema version this rongcuo writes.
LATEST = 2

_V2 = """
CREATE TABLE IF NOT EXISTS cases (
    id         TEXT PRIMARY KEY,
    ruleset_id TEXT NOT NULL,
    cadre_id   TEXT,
    title      TEXT NOT NULL DEFAULT '',
    version    INTEGER NOT NULL,
    head_hash  TEXT NOT NULL,
    opened_at  TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS cases_cadre ON cases (cadre_id);
CREATE TABLE IF NOT EXISTS case_events (
    case_id      TEXT NOT NULL REFERENCES cases (id),
    seq          INTEGER NOT NULL,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    payload_json TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL,
    PRIMARY KEY (case_id, seq)
);
CREATE TRIGGER IF NOT EXISTS case_events_no_update BEFORE UPDATE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'rongcuo case events are append-only');
END;
CREATE TRIGGER IF NOT EXISTS case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'rongcuo case events are append-only');
END;
"""

#: version → the DDL that brings the version before it to this one.
MIGRATIONS: dict[int, str] = {2: _V2}


def current(db: sqlite3.Connection) -> int:
    """The store's schema version."""
    return int(db.execute("SELECT max(version) FROM schema_version").fetchone()[0])


def migrate(db: sqlite3.Connection) -> int:
    """Bring the store to :data:`LATEST` in one transaction; the version it is at after.

    Raises ``sqlite3.Error`` when the store cannot be written (the caller decides whether a
    read-only old store is still useful for reading).
    """
    if current(db) >= LATEST:
        return current(db)
    db.execute("BEGIN IMMEDIATE")
    try:
        version = current(db)  # again, under the write lock: another process may have done it
        for target in range(version + 1, LATEST + 1):
            for statement in _statements(MIGRATIONS[target]):
                db.execute(statement)
            db.execute("UPDATE schema_version SET version = ?", (target,))
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return current(db)


def _statements(script: str) -> list[str]:
    """The statements of a DDL script (triggers hold ``;`` inside BEGIN … END)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    return out
