"""The PostgreSQL record store: the SQLite store's tables, triggers and errors on a server.

Takes a libpq connection string — a URL ``postgresql://user@host:5432/db?options=…`` or
``key=value`` words — whose current schema (the first schema of its ``search_path`` that
exists, usually ``public``) holds or is to hold the store; gives :class:`PostgresStore`, which
implements :class:`~rongcuo.records.model.RecordStore` and
:class:`~rongcuo.records.case_tables.CaseStore` exactly as
:class:`~rongcuo.records.store.SQLiteStore` does, with plain SQL over psycopg 3 (no ORM). The
schema and its migrations are :mod:`rongcuo.records.postgres_schema`.

Concurrency: any number of processes and machines may share one store. Recording the same
evaluation twice is one row (``INSERT … ON CONFLICT DO NOTHING`` on the deterministic id). A
case's next event is written in one transaction that first locks the case's row
(``SELECT … FOR UPDATE``), so writers of one case queue and each reads the events as the one
before left them; two first writers of a new case both find no row to lock, and the primary
keys on ``cases.id`` and ``case_events (case_id, seq)`` let only one insert — the other tries
once more, now finding the case, and gets what SQLite would give it (RC710 for a stale
version, or the check's refusal). Waits for a lock end after ``timeout`` seconds (RC706).

Errors are those of the SQLite store for the same cases (RC701–RC706, RC710), located at
:attr:`PostgresStore.name`, the connection string without its password; also RC741 (the
connection string cannot be read), RC742 (no schema to hold the store), RC743 (a value
PostgreSQL cannot hold: a NUL character).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg import errors as pgerrors
from psycopg.conninfo import conninfo_to_dict

from rongcuo.procedure.events import Change, Event, chain
from rongcuo.records import postgres_schema as schema
from rongcuo.records.case_tables import (
    EVENT_COLUMNS,
    HEAD_COLUMNS,
    CaseHead,
    Check,
    conflict,
    event_of,
    index_of,
)
from rongcuo.records.model import DecisionRecord, Review, check_review, record_error
from rongcuo.records.open import public_dsn
from rongcuo.records.store import (
    RECORD_COLUMNS,
    REVIEW_COLUMNS,
    find_query,
    record_of,
    record_row,
)

SCHEMA_VERSION = schema.LATEST
_MARKS = ", ".join(["%s"] * len(RECORD_COLUMNS.split(",")))
_EVENT_MARKS = ", ".join(["%s"] * len(EVENT_COLUMNS.split(",")))
_HEAD_MARKS = ", ".join(["%s"] * len(HEAD_COLUMNS.split(",")))
# What an old store that cannot be changed answers to a migration: it stays readable.
_CANNOT_CHANGE = (pgerrors.InsufficientPrivilege, pgerrors.ReadOnlySqlTransaction)


class PostgresStore:
    """Records, reviews and case procedure records in a PostgreSQL schema.

    ``create=False`` refuses to make a new store (RC703) where the schema holds none, so that a
    mistyped connection string when reading does not silently give an empty store; a schema
    with some of rongcuo's tables but not the store's is RC703, a store written by a newer
    rongcuo RC704. A server that cannot be reached is RC703 (reading) or RC706 (``create``);
    a store that cannot be written (no INSERT right, a read-only standby) is RC706 when
    writing or at :meth:`check_writable`. ``timeout`` bounds the wait to connect and for a lock.
    Use one store per thread; any number of processes may share the schema.
    """

    def __init__(self, dsn: str, *, create: bool = True, timeout: float = 30.0) -> None:
        self.name = public_dsn(dsn)
        try:
            params = conninfo_to_dict(dsn)
        except psycopg.Error as exc:
            raise record_error(
                "RC741",
                self.name,
                f"无法解读 PostgreSQL 连接串：{_text(exc)}",
                f"cannot read the PostgreSQL connection string: {_text(exc)}",
                "写成 postgresql://用户@主机:端口/库名 write it as postgresql://user@host:port/db "
                "(docs/records.md)",
            ) from None
        # libpq waits for an unreachable host as long as the system lets it: bound it.
        wait = params.get("connect_timeout") or max(1, round(timeout))
        try:
            self._db = psycopg.connect(dsn, autocommit=True, connect_timeout=wait)
        except psycopg.Error as exc:
            raise (self._cannot_create(exc) if create else self._unreadable(exc)) from None
        try:
            self._db.execute(
                "SELECT set_config('lock_timeout', %s, false)", (f"{round(timeout * 1000)}ms",)
            )
            self._open(create)
        except psycopg.Error as exc:
            self._db.close()
            raise self._unreadable(exc) from None
        except BaseException:
            self._db.close()
            raise

    def _open(self, create: bool) -> None:
        where = self._db.execute("SELECT current_schema(), current_database()").fetchone()
        if where is None or where[0] is None:
            raise record_error(
                "RC742",
                self.name,
                "连接的 search_path 中没有已存在的 schema，记录库无处存放",
                "no schema of the connection's search_path exists: there is nowhere to keep the "
                "store",
                "先建 schema（CREATE SCHEMA …），或在连接串中改 options=-csearch_path=… "
                "create the schema, or change search_path in the connection string",
            )
        self.schema = str(where[0])
        found = schema.tables(self._db)
        if not found & schema.TABLES:
            if not create:
                raise record_error(
                    "RC703",
                    self.name,
                    f"数据库 {where[1]} 的 schema {self.schema} 中没有记录库",
                    f"no record store in schema {self.schema} of database {where[1]}",
                    "检查 --store 或 $RONGCUO_STORE（库名、search_path）"
                    "check --store or $RONGCUO_STORE (database, search_path)",
                )
            try:
                schema.create(self._db)
            except psycopg.Error as exc:
                raise self._cannot_create(exc) from None
            found = schema.tables(self._db)
        self._check_schema(found)
        try:
            self.schema_version = schema.migrate(self._db)
        except _CANNOT_CHANGE:  # readable at its version; case records need the upgrade
            self.schema_version = schema.current(self._db)

    def _check_schema(self, found: set[str]) -> None:
        if not {"schema_version", "records", "reviews"} <= found:
            raise record_error(
                "RC703",
                self.name,
                f"这不是 rongcuo 记录库（schema {self.schema} 缺少 schema_version/records/reviews 表）",
                f"not a rongcuo record store (schema {self.schema} has no "
                "schema_version/records/reviews tables)",
                "在连接串中另选 schema（options=-csearch_path=…）或数据库 "
                "choose another schema (search_path) or database",
            )
        row = self._db.execute("SELECT max(version), max(app) FROM schema_version").fetchone()
        if row is None or row[1] != schema.APP:
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

    def check_writable(self) -> None:
        """RC706 unless this connection can append to the store: call before doing work whose
        result must be recorded, so that nothing is shown as done and then not recorded."""
        wanted = [("records", "INSERT"), ("reviews", "INSERT")]
        if self.schema_version >= 2:  # a case's row moves with each event
            wanted += [("cases", "INSERT"), ("cases", "UPDATE"), ("case_events", "INSERT")]
        with self._writing():
            row = self._db.execute(
                "SELECT current_setting('transaction_read_only'), "
                + ", ".join(["has_table_privilege(%s, %s)"] * len(wanted)),
                [x for pair in wanted for x in pair],
            ).fetchone()
        assert row is not None
        if row[0] == "on":
            raise self._not_writable(psycopg.Error("the server is read-only (a standby?)"))
        missing = [f"{r} ON {t}" for (t, r), ok in zip(wanted, row[1:], strict=True) if not ok]
        if missing:
            raise self._not_writable(psycopg.Error(f"no right to {', '.join(missing)}"))

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except psycopg.Error as exc:
            raise self._unreadable(exc) from None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        try:
            yield
        except psycopg.DataError as exc:
            raise self._unstorable(exc) from None
        except psycopg.Error as exc:
            raise self._not_writable(exc) from None

    # --- records ----------------------------------------------------------------------

    def put(self, record: DecisionRecord) -> bool:
        """Store ``record``; False when its id was already there (the stored one is kept)."""
        row = record_row(record)
        with self._writing():
            cur = self._db.execute(
                f"INSERT INTO records ({RECORD_COLUMNS}) VALUES ({_MARKS}) ON CONFLICT (id) DO NOTHING",
                row,
            )
        return cur.rowcount == 1

    def get(self, record_id: str) -> DecisionRecord | None:
        """The record with this id, or None."""
        with self._reading():
            row = self._db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE id = %s", (record_id,)
            ).fetchone()
        return None if row is None else record_of(row)

    def find(
        self, case_id: str | None = None, ruleset_id: str | None = None
    ) -> list[DecisionRecord]:
        """Records of a case and/or a ruleset (all when both are None), oldest first."""
        sql, args = find_query(case_id, ruleset_id, "%s")
        with self._reading():
            rows = self._db.execute(sql + " ORDER BY recorded_at, id", args).fetchall()
        return [record_of(r) for r in rows]

    def ids_with_prefix(self, prefix: str, limit: int = 5) -> list[str]:
        """Up to ``limit`` ids starting with ``prefix``, sorted."""
        # A range scan on the primary key (collation "C": byte order), as in SQLite.
        with self._reading():
            rows = self._db.execute(
                "SELECT id FROM records WHERE id >= %s AND id < %s ORDER BY id LIMIT %s",
                (prefix, prefix + "\U0010ffff", limit),
            ).fetchall()
        return [str(r[0]) for r in rows]

    # --- reviews ----------------------------------------------------------------------

    def add_review(self, review: Review) -> None:
        """Append the deciding body's decision (RC701 unknown record, RC702 reason missing)."""
        with self._writing(), self._db.transaction():
            # No lock needed: a record is never changed, and the foreign key holds it in place
            # until the review is in (FOR SHARE would need the UPDATE right, which an
            # append-only role has not).
            row = self._db.execute(
                f"SELECT {RECORD_COLUMNS} FROM records WHERE id = %s", (review.record_id,)
            ).fetchone()
            check_review(self, review, None if row is None else record_of(row))
            self._db.execute(
                f"INSERT INTO reviews ({REVIEW_COLUMNS}) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    review.record_id,
                    review.final_outcome,
                    review.deciding_body,
                    review.decided_on,
                    review.reason,
                    review.reviewer,
                ),
            )

    def reviews(self, record_id: str) -> list[Review]:
        """The reviews of a record, in the order they were added."""
        with self._reading():
            rows = self._db.execute(
                f"SELECT {REVIEW_COLUMNS} FROM reviews WHERE record_id = %s ORDER BY seq",
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
                f"记录库是旧版本（结构版本 {self.schema_version}）且不可修改，无法升级以保存案件程序记录",
                f"the store is an old one (schema version {self.schema_version}) that cannot be "
                "changed, so it cannot be upgraded to hold case procedure records",
                "让有建表权限的用户以 rongcuo 打开一次即可升级 open it once as a role that may "
                "create tables",
            )

    def append(
        self, case_id: str, change: Change, expected_version: int | None, check: Check
    ) -> Event:
        """Record ``change`` as the case's next event (see :class:`CaseStore`)."""
        self._cases_ready()
        with self._writing():
            try:
                return self._append(case_id, change, expected_version, check)
            except pgerrors.UniqueViolation:
                # Another process wrote this new case's first event first: try once more,
                # now finding the case and its row to lock, as the second writer in SQLite.
                return self._append(case_id, change, expected_version, check)

    def _append(
        self, case_id: str, change: Change, expected_version: int | None, check: Check
    ) -> Event:
        with self._db.transaction():
            self._db.execute("SELECT 1 FROM cases WHERE id = %s FOR UPDATE", (case_id,))
            found = self._events(case_id)  # read after the lock: as the last writer left them
            version = found[-1].seq if found else 0
            if expected_version is not None and expected_version != version:
                raise conflict(case_id, expected_version, version, self.name)
            check(found)
            event = chain(case_id, found[-1] if found else None, change)
            index = index_of(change)
            if version == 0:
                self._db.execute(
                    f"INSERT INTO cases ({HEAD_COLUMNS}) VALUES ({_HEAD_MARKS})",
                    (
                        case_id,
                        index.get("ruleset_id", ""),
                        index.get("cadre_id"),
                        index.get("title", ""),
                        event.seq,
                        event.hash,
                        event.at,
                        event.at,
                    ),
                )
            else:
                moved = {k: v for k, v in index.items() if k != "ruleset_id"}
                sets = "".join(f", {k} = %s" for k in moved)
                cur = self._db.execute(
                    f"UPDATE cases SET version = %s, head_hash = %s, updated_at = %s{sets} "
                    "WHERE id = %s AND version = %s",
                    (event.seq, event.hash, event.at, *moved.values(), case_id, version),
                )
                if cur.rowcount != 1:  # the row and the events disagree: never write past it
                    raise conflict(case_id, version, version + 1, self.name)
            self._db.execute(
                f"INSERT INTO case_events ({EVENT_COLUMNS}) VALUES ({_EVENT_MARKS})",
                (
                    event.case_id,
                    event.seq,
                    event.at,
                    event.actor,
                    event.action,
                    json.dumps(event.payload, sort_keys=True, ensure_ascii=False),
                    event.prev_hash,
                    event.hash,
                ),
            )
        return event

    def _events(self, case_id: str) -> list[Event]:
        rows = self._db.execute(
            f"SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = %s ORDER BY seq",
            (case_id,),
        ).fetchall()
        return [event_of(r) for r in rows]

    def events(self, case_id: str) -> list[Event]:
        """The case's events, oldest first."""
        self._cases_ready()
        with self._reading():
            return self._events(case_id)

    def heads(self) -> list[CaseHead]:
        """Every case's row, by id."""
        self._cases_ready()
        with self._reading():
            rows = self._db.execute(f"SELECT {HEAD_COLUMNS} FROM cases ORDER BY id").fetchall()
        return [CaseHead(*r) for r in rows]

    def head(self, case_id: str) -> CaseHead | None:
        """One case's row, or None."""
        self._cases_ready()
        with self._reading():
            row = self._db.execute(
                f"SELECT {HEAD_COLUMNS} FROM cases WHERE id = %s", (case_id,)
            ).fetchone()
        return None if row is None else CaseHead(*row)

    def cases_of_cadre(self, cadre_id: str) -> list[str]:
        """The cases whose file names this ``cadre.id``."""
        self._cases_ready()
        with self._reading():
            rows = self._db.execute(
                "SELECT id FROM cases WHERE cadre_id = %s ORDER BY id", (cadre_id,)
            ).fetchall()
        return [str(r[0]) for r in rows]

    # --- errors -----------------------------------------------------------------------

    def _unreadable(self, exc: psycopg.Error) -> Exception:
        return record_error(
            "RC703",
            self.name,
            f"无法读取记录库：{_text(exc)}",
            f"cannot read the record store: {_text(exc)}",
            "检查服务器是否在运行、连接串（主机、端口、库名、用户）与权限 "
            "check that the server is running, the connection string and the role's rights",
        )

    def _cannot_create(self, exc: psycopg.Error) -> Exception:
        return record_error(
            "RC706",
            self.name,
            f"无法打开或新建记录库：{_text(exc)}",
            f"cannot open or create the record store: {_text(exc)}",
            "检查服务器是否在运行、连接串与该用户在 schema 中建表的权限 "
            "check that the server is running, the connection string, and the role's right to "
            "create tables in the schema",
        )

    def _not_writable(self, exc: psycopg.Error) -> Exception:
        return record_error(
            "RC706",
            self.name,
            f"记录库不可写入：{_text(exc)}",
            f"the record store cannot be written: {_text(exc)}",
            "检查该用户对记录库各表的 INSERT 权限、服务器是否只读（备库）或已断开 "
            "check the role's INSERT rights on the store's tables, and that the server is "
            "reachable and not a read-only standby",
        )

    def _unstorable(self, exc: psycopg.Error) -> Exception:
        return record_error(
            "RC743",
            self.name,
            f"PostgreSQL 无法保存其中的某个值（如 NUL 字符 \\0）：{_text(exc)}",
            f"PostgreSQL cannot hold one of the values (such as a NUL character \\0): {_text(exc)}",
            "去掉案件或经办人等文字中的控制字符 remove the control character from the text",
        )


def _text(exc: BaseException) -> str:
    """An error's message on one line (libpq's span several)."""
    return " ".join(str(exc).split()) or type(exc).__name__
