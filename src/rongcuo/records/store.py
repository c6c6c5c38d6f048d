"""The embedded record store: one SQLite file in WAL mode, plain SQL, no ORM.

Schema (version 2; :mod:`rongcuo.records.migrations` brings a version-1 store to it)::

    schema_version(version, app)          one row: 1, 'rongcuo-records'
    records(id PRIMARY KEY, case_id, case_hash, case_json, ruleset_id, ruleset_version,
            ruleset_hash, as_of, engine, engine_version, rongcuo_version, outcome,
            decision_json, recorded_at)   append-only: a trigger refuses UPDATE
    reviews(seq, record_id → records.id, final_outcome, deciding_body, decided_on, reason,
            reviewer)
    cases(id, ruleset_id, cadre_id, title, version, head_hash, opened_at, updated_at)
    case_events(case_id, seq, at, actor, action, payload_json, prev_hash, hash)
                                  append-only: triggers refuse UPDATE and DELETE

Several processes may append at once: WAL lets readers go on while one writer writes, writers
queue on SQLite's lock (``timeout`` seconds), and ``INSERT OR IGNORE`` on the deterministic id
makes a second recording of the same evaluation a no-op instead of a duplicate.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import time
from pathlib import Path
from typing import Any

from rongcuo.procedure.events import Change, Event
from rongcuo.records import case_tables, migrations
from rongcuo.records.case_tables import CaseHead, Check
from rongcuo.records.model import (
    DecisionRecord,
    Review,
    check_review,
    contract_version,
    record_error,
)

SCHEMA_VERSION = migrations.LATEST
_SQLITE_READONLY = 8  # SQLite's primary result code for a write to a read-only file or folder
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

#: The columns of ``records`` and ``reviews`` in the order rows are read (PostgreSQL too).
RECORD_COLUMNS = (
    "id, case_id, case_hash, case_json, ruleset_id, ruleset_version, ruleset_hash, as_of, "
    "engine, engine_version, rongcuo_version, outcome, decision_json, recorded_at"
)
REVIEW_COLUMNS = "record_id, final_outcome, deciding_body, decided_on, reason, reviewer"


class SQLiteStore:
    """Records and reviews in one SQLite file (WAL mode), created on first use.

    ``create=False`` refuses to make a new file (RC703), so that a mistyped path when reading
    does not silently give an empty store. A file that is not SQLite, SQLite without rongcuo's
    tables, or a store emptied (zero bytes, tables dropped) raises RC703 — only a path where no
    file exists gets a new store; a store written by a newer rongcuo raises RC704. A store that
    cannot be written (read-only file or folder, disk full) raises RC706 when writing, or at
    :meth:`check_writable`.
    Use one store per thread; any number of processes may share the file.
    """

    def __init__(self, path: Path | str, *, create: bool = True, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.name = str(path)
        if not self.path.exists():
            if not create:
                raise record_error(
                    "RC703",
                    self.name,
                    "记录库不存在",
                    "no record store at this path",
                    "检查 --store 或 $RONGCUO_STORE check --store or $RONGCUO_STORE",
                )
            self._create(timeout)
        self._check_file()
        try:
            # mode=rw: never create a file here (a store is only ever made whole, by _create),
            # so a file deleted meanwhile is an error, not a silent new empty store.
            # isolation_level=None: we open transactions ourselves (BEGIN IMMEDIATE), so the
            # module never starts one behind our back.
            uri = self.path.resolve().as_uri() + "?mode=rw"
            self._db = sqlite3.connect(uri, uri=True, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from None
        try:
            self._db.execute("PRAGMA foreign_keys=ON")
            self._check_schema()  # only reads: an emptied file must stay as it was found
            self._enter_wal(timeout)
            self._upgrade()
            # In WAL mode NORMAL never corrupts the file; a power cut (not a crash of the
            # program) may lose the last commits. Records can be recorded again with the same
            # id; reviews cannot be recomputed, so add_review commits with FULL.
            self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as exc:
            self._db.close()
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF == _SQLITE_READONLY:
                raise self._not_writable(exc) from None
            raise self._unreadable(exc) from None
        except BaseException:
            self._db.close()
            raise

    def _create(self, timeout: float) -> None:
        """Make a new store whole under a temporary name, then link it into place.

        The path therefore never holds a half-made store: a file there without rongcuo's tables
        (zero bytes, or its tables dropped) was emptied, and is refused (RC703) instead of being
        silently made anew over lost records. Of processes creating the same store at once, the
        first link wins and the others open it.
        """
        folder = self.path.parent
        tmp = folder / f".{self.path.name[:180]}.{os.getpid()}.{secrets.token_hex(4)}.new"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(tmp, timeout=timeout, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                # Version 1, then the migrations: a new store is what a migrated old one is.
                db.executescript(
                    f"BEGIN IMMEDIATE;{_SCHEMA}"
                    f"INSERT INTO schema_version (version, app) VALUES (1, '{APP}');"
                    "COMMIT;"
                )
                migrations.migrate(db)
            finally:
                db.close()  # the last connection closing checkpoints and removes -wal, -shm
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process made it first: use theirs
            except OSError:  # a filesystem without hard links: rename, unless one appeared
                if not self.path.exists():
                    os.replace(tmp, self.path)
        except (OSError, sqlite3.Error) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise record_error(
                "RC706",
                self.name,
                f"无法创建记录库：{why}",
                f"cannot create the record store: {why}",
                "检查文件夹是否存在且可写，或用 --store 另选位置 "
                "check that the folder exists and is writable, or choose another --store",
            ) from None
        finally:
            for leftover in (
                tmp,
                tmp.with_name(tmp.name + "-wal"),
                tmp.with_name(tmp.name + "-shm"),
            ):
                leftover.unlink(missing_ok=True)

    def _upgrade(self) -> None:
        """Migrate an older store; one that cannot be written stays readable at its version
        (its records can be read; case procedure records need the upgrade, RC706)."""
        try:
            self.schema_version = migrations.migrate(self._db)
        except sqlite3.Error as exc:
            if getattr(exc, "sqlite_errorcode", 0) & 0xFF != _SQLITE_READONLY:
                raise
            self.schema_version = migrations.current(self._db)

    def _check_file(self) -> None:
        try:
            mode = self.path.stat().st_mode
        except OSError as exc:
            raise self._unreadable(sqlite3.Error(exc.strerror or str(exc))) from None
        if not stat.S_ISREG(mode):
            what = ("一个文件夹", "a folder") if stat.S_ISDIR(mode) else ("特殊文件", "not a file")
            raise record_error(
                "RC703",
                self.name,
                f"记录库的位置是{what[0]}，不是 rongcuo 记录库文件",
                f"the record store is {what[1]}, not a rongcuo store file",
                "用 --store 指定记录库文件 give the store file with --store",
            )

    def check_writable(self) -> None:
        """RC706 unless this process can append to the store: call before doing work whose
        result must be recorded, so that nothing is shown as done and then not recorded."""
        try:
            self._db.execute("BEGIN IMMEDIATE")  # takes the write lock: fails when read-only
            self._db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise self._not_writable(exc) from None
        folder = self.path.resolve().parent
        if not os.access(self.path, os.W_OK) or not os.access(folder, os.W_OK | os.X_OK):
            raise self._not_writable(sqlite3.Error("read-only file or folder"))

    def _not_writable(self, exc: sqlite3.Error) -> Exception:
        return record_error(
            "RC706",
            self.name,
            f"记录库不可写入：{exc}",
            f"the record store cannot be written: {exc}",
            "检查记录库文件及其文件夹的权限（WAL 模式需在该文件夹中写 -wal、-shm 文件），或用 --store "
            "另选位置 check the permissions of the file and its folder, or choose another --store",
        )

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
        row = record_row(record)
        marks = ", ".join("?" * len(row))
        try:
            cur = self._db.execute(
                f"INSERT OR IGNORE INTO records ({RECORD_COLUMNS}) VALUES ({marks})", row
            )
        except sqlite3.Error as exc:  # read-only, disk full: say so, located, not a traceback
            raise self._not_writable(exc) from None
        return cur.rowcount == 1

    def get(self, record_id: str) -> DecisionRecord | None:
        """The record with this id, or None."""
        row = self._db.execute(
            f"SELECT {RECORD_COLUMNS} FROM records WHERE id = ?", (record_id,)
        ).fetchone()
        return None if row is None else record_of(row)

    def find(
        self, case_id: str | None = None, ruleset_id: str | None = None
    ) -> list[DecisionRecord]:
        """Records of a case and/or a ruleset (all when both are None), oldest first."""
        sql, args = find_query(case_id, ruleset_id, "?")
        rows = self._db.execute(sql + " ORDER BY recorded_at, id", args).fetchall()
        return [record_of(r) for r in rows]

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
                    f"INSERT INTO reviews ({REVIEW_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
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
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise self._not_writable(exc) from None
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def reviews(self, record_id: str) -> list[Review]:
        """The reviews of a record, in the order they were added."""
        rows = self._db.execute(
            f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE record_id = ? ORDER BY seq",
            (record_id,),
        ).fetchall()
        names = [c.strip() for c in REVIEW_COLUMNS.split(",")]
        return [Review.model_validate(dict(zip(names, r, strict=True))) for r in rows]

    # --- case procedure records (schema version 2) -------------------------------------

    def _cases_ready(self) -> None:
        if self.schema_version < 2:
            raise record_error(
                "RC706",
                self.name,
                f"记录库是旧版本（结构版本 {self.schema_version}）且不可写入，无法升级以保存案件程序记录",
                f"the store is an old one (schema version {self.schema_version}) that cannot be "
                "written, so it cannot be upgraded to hold case procedure records",
                "让 rongcuo 以可写方式打开一次即可升级 open it once where it can be written",
            )

    def append(
        self, case_id: str, change: Change, expected_version: int | None, check: Check
    ) -> Event:
        """Record ``change`` as the case's next event (see :class:`CaseStore`)."""
        self._cases_ready()
        self._db.execute("PRAGMA synchronous=FULL")  # a step recorded is never lost
        try:
            return case_tables.append(self._db, self.name, case_id, change, expected_version, check)
        except sqlite3.Error as exc:
            raise self._not_writable(exc) from None
        finally:
            self._db.execute("PRAGMA synchronous=NORMAL")

    def events(self, case_id: str) -> list[Event]:
        """The case's events, oldest first."""
        self._cases_ready()
        return case_tables.events(self._db, case_id)

    def heads(self) -> list[CaseHead]:
        """Every case's row, by id."""
        self._cases_ready()
        return case_tables.heads(self._db)

    def head(self, case_id: str) -> CaseHead | None:
        """One case's row, or None."""
        self._cases_ready()
        found = case_tables.heads(self._db, case_id)
        return found[0] if found else None

    def cases_of_cadre(self, cadre_id: str) -> list[str]:
        """The cases whose file names this ``cadre.id``."""
        self._cases_ready()
        return case_tables.cases_of_cadre(self._db, cadre_id)

    # --- schema -----------------------------------------------------------------------

    def _check_schema(self) -> None:
        tables = self._tables()
        if not tables:  # a store is only ever made whole (_create): this one was emptied
            raise record_error(
                "RC703",
                self.name,
                "记录库文件是空的（0 字节，或其中的表已被删除）：不会重新建库，以免掩盖记录的丢失",
                "the record store is empty (zero bytes, or its tables were dropped): it is not "
                "made anew, which would hide that its records are gone",
                "从备份恢复该文件；确要新建记录库，删去该文件或用 --store 另选位置 "
                "restore it from a backup; to start a new store, delete the file or use another --store",
            )
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


def record_row(record: DecisionRecord) -> tuple[str, ...]:
    """A record as the row :data:`RECORD_COLUMNS` orders (its case as JSON text)."""
    return (
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


def find_query(case_id: str | None, ruleset_id: str | None, mark: str) -> tuple[str, list[str]]:
    """The SELECT of :meth:`SQLiteStore.find` (and PostgreSQL's: ``mark`` is the driver's
    placeholder) without its ORDER BY, and its arguments."""
    where, args = [], []
    if case_id is not None:
        where.append(f"case_id = {mark}")
        args.append(case_id)
    if ruleset_id is not None:
        where.append(f"ruleset_id = {mark}")
        args.append(ruleset_id)
    sql = f"SELECT {RECORD_COLUMNS} FROM records"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql, args


def record_of(row: tuple[Any, ...]) -> DecisionRecord:
    """A record from its row (as :data:`RECORD_COLUMNS` orders them)."""
    names = [c.strip() for c in RECORD_COLUMNS.split(",")]
    data = dict(zip(names, row, strict=True))
    data["case"] = json.loads(data.pop("case_json"))
    data["decision"] = data.pop("decision_json")
    data["schema_version"] = contract_version(data["decision"])
    return DecisionRecord.model_validate(data)
