"""The case procedure tables of the SQLite store (schema version 2): plain SQL over a connection.

Takes an open connection to a migrated store (:mod:`rongcuo.records.migrations`); gives
:func:`append` — the one way a case's record grows: under SQLite's write lock it reads the
case's version and events, refuses a writer that read an older version (RC710), lets the
caller check the change against the case as it stands, chains the event to the last one and
moves the case's version and head hash, all in one transaction — and the reads :func:`events`,
:func:`heads` and :func:`cases_of_cadre`. :class:`~rongcuo.records.store.SQLiteStore` calls
these; another store (PostgreSQL) implements the same :class:`CaseStore` methods.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from rongcuo.procedure.events import Change, Event, chain, procedure_error

#: A check of a change against a case's events so far; raises to refuse it.
Check = Callable[[Sequence[Event]], None]


@dataclass(frozen=True)
class CaseHead:
    """A case's row: what lists and finds it, and where its chain ends."""

    id: str
    ruleset_id: str
    cadre_id: str | None
    title: str
    version: int
    head_hash: str
    opened_at: str
    updated_at: str


class CaseStore(Protocol):
    """Where cases' procedure records live (SQLite file, PostgreSQL server)."""

    name: str

    def append(
        self, case_id: str, change: Change, expected_version: int | None, check: Check
    ) -> Event:
        """Record ``change`` as the case's next event, atomically; RC710 when
        ``expected_version`` is given and the case has moved on since."""
        ...

    def events(self, case_id: str) -> list[Event]:
        """The case's events, oldest first (none for an unknown case)."""
        ...

    def heads(self) -> list[CaseHead]:
        """Every case's row, by id."""
        ...

    def head(self, case_id: str) -> CaseHead | None:
        """One case's row, or None."""
        ...

    def cases_of_cadre(self, cadre_id: str) -> list[str]:
        """The ids of the cases whose case file names this ``cadre.id``, by id."""
        ...


#: The columns of ``case_events`` and ``cases`` in the order rows are read (PostgreSQL too).
EVENT_COLUMNS = "case_id, seq, at, actor, action, payload_json, prev_hash, hash"
HEAD_COLUMNS = "id, ruleset_id, cadre_id, title, version, head_hash, opened_at, updated_at"


def conflict(case_id: str, expected: int, actual: int, where: str) -> Exception:
    """RC710: the case changed since the writer read it."""
    return procedure_error(
        "RC710",
        where,
        f"案件 {case_id} 已被他人修改（你看到的是第 {expected} 版，现在是第 {actual} 版）："
        "本次修改未保存",
        f"case {case_id} was changed by someone else (you saw version {expected}, it is now "
        f"{actual}): this change was not saved",
        "重新打开案件，看过最新情况后再修改 reload the case, look at what changed, and make the "
        "change again",
    )


def index_of(change: Change) -> dict[str, Any]:
    """What a change sets in the case's row: the ruleset (on open), the cadre and title."""
    out: dict[str, Any] = {}
    if change.action == "open":
        out["ruleset_id"] = change.payload.get("ruleset", "")
    case = change.payload.get("case") if change.action in ("open", "case") else None
    if isinstance(case, dict):
        cadre = case.get("cadre") if isinstance(case.get("cadre"), dict) else {}
        cadre_id = cadre.get("id") if cadre else None
        out["cadre_id"] = cadre_id if isinstance(cadre_id, str) else None
        out["title"] = str(case.get("title", ""))
    return out


def append(
    db: sqlite3.Connection,
    where: str,
    case_id: str,
    change: Change,
    expected_version: int | None,
    check: Check,
) -> Event:
    """See :meth:`CaseStore.append`; runs in its own ``BEGIN IMMEDIATE`` transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        found = events(db, case_id)
        version = found[-1].seq if found else 0
        if expected_version is not None and expected_version != version:
            raise conflict(case_id, expected_version, version, where)
        check(found)
        event = chain(case_id, found[-1] if found else None, change)
        index = index_of(change)
        if version == 0:
            db.execute(
                f"INSERT INTO cases ({HEAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
            sets = ", ".join(f"{k} = ?" for k in index if k != "ruleset_id")
            cur = db.execute(
                "UPDATE cases SET version = ?, head_hash = ?, updated_at = ?"
                + (f", {sets}" if sets else "")
                + " WHERE id = ? AND version = ?",
                (
                    event.seq,
                    event.hash,
                    event.at,
                    *(v for k, v in index.items() if k != "ruleset_id"),
                    case_id,
                    version,
                ),
            )
            if cur.rowcount != 1:  # cannot happen under the write lock; never write past it
                raise conflict(case_id, version, version + 1, where)
        db.execute(
            f"INSERT INTO case_events ({EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
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
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return event


def events(db: sqlite3.Connection, case_id: str) -> list[Event]:
    """See :meth:`CaseStore.events`."""
    rows = db.execute(
        f"SELECT {EVENT_COLUMNS} FROM case_events WHERE case_id = ? ORDER BY seq", (case_id,)
    ).fetchall()
    return [event_of(r) for r in rows]


def event_of(row: Sequence[Any]) -> Event:
    """An event from its row (as :data:`EVENT_COLUMNS` orders them)."""
    case_id, seq, at, actor, action, payload, prev_hash, hash_ = row
    return Event(
        case_id=case_id,
        seq=int(seq),
        at=at,
        actor=actor,
        action=action,
        payload=json.loads(payload),
        prev_hash=prev_hash,
        hash=hash_,
    )


def heads(db: sqlite3.Connection, case_id: str | None = None) -> list[CaseHead]:
    """See :meth:`CaseStore.heads` (one case's when ``case_id`` is given)."""
    sql = f"SELECT {HEAD_COLUMNS} FROM cases"
    args: tuple[str, ...] = ()
    if case_id is not None:
        sql, args = sql + " WHERE id = ?", (case_id,)
    rows = db.execute(sql + " ORDER BY id", args).fetchall()
    return [CaseHead(*r) for r in rows]


def cases_of_cadre(db: sqlite3.Connection, cadre_id: str) -> list[str]:
    """See :meth:`CaseStore.cases_of_cadre`."""
    rows = db.execute("SELECT id FROM cases WHERE cadre_id = ? ORDER BY id", (cadre_id,))
    return [str(r[0]) for r in rows.fetchall()]
