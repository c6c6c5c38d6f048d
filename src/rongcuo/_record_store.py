"""The embedded record store: one SQLite file in WAL mode, plain SQL, no ORM.

Schema (version 1)::

    schema_version(version, app)          one row: 1, 'rongcuo-records'
    records(id PRIMARY KEY, case_id, case_hash, case_json, ruleset_id, ruleset_version,
            ruleset_hash, as_of, engine, engine_version, rongcuo_version, outcome,
            decision_json, recorded_at)   append-only: a trigger refuses UPDATE
    reviews(seq, record_id → records.id, final_outcome, deciding_body, decided_on, reason,
            reviewer)

Several processes may append at once: WAL lets readers go on while one writer writes, writers
queue on SQLite's lock (``timeout`` seconds), and ``INSERT OR IGNORE`` on the deterministic id
makes a second recording of the same evaluation a no-op instead of a duplicate.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from ._records import DecisionRecord, Review, check_review, record_error

SCHEMA_VERSION = 1
APP = "rongcuo-records"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL,
    app     TEXT    NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    id              TEXT PRIMARY KEY,
    case_id         TEXT NOT NULL,
    case_hash       TEXT NOT NULL,
    case_json       TEXT NOT NULL,
    ruleset_id      TEXT NOT NULL,
    ruleset_version TEXT NOT NULL,
    ruleset_hash    TEXT NOT NULL,
    as_of           TEXT NOT NULL,
    engine          TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    rongcuo_version TEXT NOT NULL,
    outcome         TEXT NOT NULL,
    decision_json   TEXT NOT NULL,
    recorded_at     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_case ON records (case_id);
CREATE INDEX IF NOT EXISTS records_ruleset ON records (ruleset_id);
CREATE TRIGGER IF NOT EXISTS records_append_only BEFORE UPDATE ON records
BEGIN
    SELECT RAISE(ABORT, 'rongcuo records are append-only: add a review instead');
END;
CREATE TABLE IF NOT EXISTS reviews (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id     TEXT NOT NULL REFERENCES records (id),
    final_outcome TEXT NOT NULL,
    deciding_body TEXT NOT NULL,
    decided_on    TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    reviewer      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS reviews_record ON reviews (record_id);
"""

_COLUMNS = (
    "id, case_id, case_hash, case_json, ruleset_id, ruleset_version, ruleset_hash, as_of, "
    "engine, engine_version, rongcuo_version, outcome, decision_json, recorded_at"
)
_REVIEW_COLUMNS = "record_id, final_outcome, deciding_body, decided_on, reason, reviewer"


class SQLiteStore:
    """Records and reviews in one SQLite file (WAL mode), created on first use.

    ``create=False`` refuses to make a new file (RC703), so that a mistyped path when reading
    does not silently give an empty store. A file that is not SQLite, or SQLite without
    rongcuo's tables, raises RC703; a store written by a newer rongcuo raises RC704.
    Use one store per thread; any number of processes may share the file.
    """

    def __init__(self, path: Path | str, *, create: bool = True, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.name = str(path)
        if not create and not self.path.is_file():
            raise record_error(
                "RC703",
                self.name,
                "记录库不存在",
                "no record store at this path",
                "检查 --store 或 $RONGCUO_STORE check --store or $RONGCUO_STORE",
            )
        try:
            # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE), so the
            # module never starts one behind our back.
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from None
        try:
            self._db.execute("PRAGMA foreign_keys=ON")
            self._enter_wal(timeout)
            # In WAL mode NORMAL never corrupts the file; a power cut (not a crash of the
            # program) may lose the last commits. Records can be recorded again with the same
            # id; reviews cannot be recomputed, so add_review commits with FULL.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._ensure_schema()
        except sqlite3.Error as exc:
            self._db.close()
            raise self._unreadable(exc) from None
        except BaseException:
            self._db.close()
            raise

    def _enter_wal(self, timeout: float) -> None:
        # Switching to WAL needs an exclusive lock and SQLite answers "database is locked" at
        # once, without waiting for the busy timeout, while another process is switching or
        # creating the same new file. So wait here, up to the same timeout, then give up.
        deadline = time.monotonic() + timeout
        pause = 0.001
        while True:
            try:
                self._db.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                locked = "locked" in str(exc) or "busy" in str(exc)
                if not locked or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection (the WAL is checkpointed by SQLite when the last one closes)."""
        self._db.close()

    def journal_mode(self) -> str:
        """The journal mode in effect: ``wal`` for a file store."""
        return str(self._db.execute("PRAGMA journal_mode").fetchone()[0])

    # --- records ----------------------------------------------------------------------

    def put(self, record: DecisionRecord) -> bool:
        """Store ``record``; False when its id was already there (the stored one is kept)."""
        row = (
            record.id,
            record.case_id,
            record.case_hash,
            json.dumps(record.case, ensure_ascii=False),
            record.ruleset_id,
            record.ruleset_version,
            record.ruleset_hash,
            record.as_of,
            record.engine,
            record.engine_version,
            record.rongcuo_version,
            record.outcome,
            record.decision,
            record.recorded_at,
        )
        marks = ", ".join("?" * len(row))
        cur = self._db.execute(f"INSERT OR IGNORE INTO records ({_COLUMNS}) VALUES ({marks})", row)
        return cur.rowcount == 1

    def get(self, record_id: str) -> DecisionRecord | None:
        """The record with this id, or None."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else _record(row)

    def find(
        self, case_id: str | None = None, ruleset_id: str | None = None
    ) -> list[DecisionRecord]:
        """Records of a case and/or a ruleset (all when both are None), oldest first."""
        where, args = [], []
        if case_id is not None:
            where.append("case_id = ?")
            args.append(case_id)
        if ruleset_id is not None:
            where.append("ruleset_id = ?")
            args.append(ruleset_id)
        sql = f"SELECT {_COLUMNS} FROM records"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY recorded_at, id", args).fetchall()
        return [_record(r) for r in rows]

    def ids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` ids starting with ``prefix``, sorted."""
        # A range scan on the primary key instead of LIKE, which would need escaping of % and _.
        rows = self._db.execute(
            "SELECT id FROM records WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            (prefix, prefix + "\U0010ffff", limit),
        ).fetchall()
        return [str(r[0]) for r in rows]

    # --- reviews ----------------------------------------------------------------------

    def add_review(self, review: Review) -> None:
        """Append the deciding body's decision (RC701 unknown record, RC702 reason missing)."""
        self._db.execute("PRAGMA synchronous=FULL")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                check_review(self, review, self.get(review.record_id))
                self._db.execute(
                    f"INSERT INTO reviews ({_REVIEW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        review.record_id,
                        review.final_outcome,
                        review.deciding_body,
                        review.decided_on.isoformat(),
                        review.reason,
                        review.reviewer,
                    ),
                )
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def reviews(self, record_id: str) -> list[Review]:
        """The reviews of a record, in the order they were added."""
        rows = self._db.execute(
            f"SELECT {_REVIEW_COLUMNS} FROM reviews WHERE record_id = ? ORDER BY seq",
            (record_id,),
        ).fetchall()
        names = [c.strip() for c in _REVIEW_COLUMNS.split(",")]
        return [Review.model_validate(dict(zip(names, r, strict=True))) for r in rows]

    # --- schema -----------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if not self._tables():
            # BEGIN IMMEDIATE takes the write lock, so of two processes creating the store at
            # once one creates it and the other finds it made (IF NOT EXISTS, one version row).
            # One script: executescript() would commit a transaction opened before it.
            try:
                self._db.executescript(
                    f"BEGIN IMMEDIATE;{_SCHEMA}"
                    f"INSERT INTO schema_version (version, app) SELECT {SCHEMA_VERSION}, '{APP}'"
                    " WHERE NOT EXISTS (SELECT 1 FROM schema_version);"
                    "COMMIT;"
                )
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        tables = self._tables()
        if not {"schema_version", "records", "reviews"} <= tables:
            raise record_error(
                "RC703",
                self.name,
                "这不是 rongcuo 记录库（缺少 schema_version/records/reviews 表）",
                "not a rongcuo record store (no schema_version/records/reviews tables)",
                "指定另一个文件，或删去 --store 以使用默认记录库 use another file",
            )
        row = self._db.execute("SELECT max(version), max(app) FROM schema_version").fetchone()
        if row[1] != APP:
            raise record_error(
                "RC703",
                self.name,
                "这不是 rongcuo 记录库（schema_version 表不属于 rongcuo）",
                "not a rongcuo record store (its schema_version table is not rongcuo's)",
            )
        if int(row[0]) > SCHEMA_VERSION:
            raise record_error(
                "RC704",
                self.name,
                f"记录库的结构版本 {row[0]} 高于本程序支持的 {SCHEMA_VERSION}",
                f"the store's schema version {row[0]} is newer than this rongcuo "
                f"understands ({SCHEMA_VERSION})",
                "升级 rongcuo upgrade rongcuo",
            )

    def _tables(self) -> set[str]:
        rows = self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {str(r[0]) for r in rows} - {"sqlite_sequence"}

    def _unreadable(self, exc: sqlite3.Error) -> Exception:
        return record_error(
            "RC703",
            self.name,
            f"无法读取记录库：{exc}",
            f"cannot read the record store: {exc}",
            "它应是 rongcuo 写的 SQLite 文件；检查路径与权限 "
            "it must be an SQLite file written by rongcuo; check the path and permissions",
        )


def _record(row: tuple[Any, ...]) -> DecisionRecord:
    names = [c.strip() for c in _COLUMNS.split(",")]
    data = dict(zip(names, row, strict=True))
    data["case"] = json.loads(data.pop("case_json"))
    data["decision"] = data.pop("decision_json")
    return DecisionRecord.model_validate(data)
