"""A case through its procedure: the store v2 (migration), the hash chain, the rules of each
change, optimistic versions across processes, deadlines and status, and the CLI."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rongcuo.api import Engine
from rongcuo.cli import main
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.events import GENESIS, Change, chain, verify
from rongcuo.records import migrations
from rongcuo.records.model import RecordError
from rongcuo.records.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
WZ01 = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
V1_STORE = ROOT / "tests" / "data" / "store-v1.sqlite3"
CASE = "WZ-2024-017"


def at(day: str, time: str = "10:00:00") -> str:
    return f"{day}T{time}+08:00"


@pytest.fixture(scope="module")
def engine() -> Any:
    with Engine(backend="reference") as e:
        yield e


@pytest.fixture
def book(tmp_path: Path, engine: Engine) -> Any:
    with SQLiteStore(tmp_path / "book.sqlite3") as store:
        yield CaseBook(store, engine, OfficialCalendar())


def wz01() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WZ01.read_text(encoding="utf-8"))
    return data


def open_wz01(book: CaseBook, on: str = "2025-09-22") -> None:
    book.open(
        wz01(),
        ruleset="wanzhou",
        opened_by="application",
        on=dt.date.fromisoformat(on),
        applied_on=dt.date(2025, 9, 19),
        inquiry_notified_on=dt.date(2025, 9, 16),
        actor="李四",
        at=at(on),
    )


def codes(exc: pytest.ExceptionInfo[RecordError]) -> list[str]:
    return [d.code for d in exc.value.diagnostics]


def event(book: CaseBook, name: str, on: str, **more: Any) -> int:
    payload = {"event": name, "on": on, **more}
    return book.change(CASE, "event", payload, actor="李四", at=at(on)).seq


# --- the chain ------------------------------------------------------------------------------


def test_the_chain_detects_an_edit_a_removal_and_a_reordering() -> None:
    events = []
    for i in range(4):
        change = Change(
            action="note", payload={"text": f"第{i}条"}, actor="甲", at=at("2025-01-02")
        )
        events.append(chain("C1", events[-1] if events else None, change))
    assert events[0].prev_hash == GENESIS
    assert verify("C1", events, 4, events[-1].hash) == []
    edited = [*events]
    edited[1] = edited[1].model_copy(update={"payload": {"text": "改过"}})
    (d,) = verify("C1", edited, 4, events[-1].hash)
    assert (d.code, d.location.path) == ("RC720", ("events", 2))
    actor = [*events]
    actor[2] = actor[2].model_copy(update={"actor": "乙"})
    assert [d.location.path for d in verify("C1", actor, 4, events[-1].hash)] == [("events", 3)]
    # the last one removed: the case row still says 4
    (d,) = verify("C1", events[:3], 4, events[-1].hash)
    assert "removed" in d.message_en
    swapped = [events[0], events[2], events[1], events[3]]
    assert verify("C1", swapped, 4, events[-1].hash)[0].location.path == ("events", 2)


# --- the store: v2, migration ----------------------------------------------------------------


def test_a_v1_store_is_migrated_and_keeps_its_records(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(V1_STORE, path)
    with SQLiteStore(path, create=False) as store:
        assert store.schema_version == 2
        (record,) = store.find()
        assert record.case_id == CASE
        assert store.reviews(record.id)[0].deciding_body == "中共重庆市万州区纪委"
        assert store.heads() == []
    new = tmp_path / "new.sqlite3"
    SQLiteStore(new).close()

    def master(p: Path) -> list[tuple[str, str, str]]:
        db = sqlite3.connect(p)
        try:
            rows = db.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
            return [tuple(r) for r in rows]
        finally:
            db.close()

    assert master(path) == master(new)  # a migrated store is what a new one is


def test_a_v1_store_that_cannot_be_written_stays_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.sqlite3"
    shutil.copy(V1_STORE, path)

    def read_only(_db: sqlite3.Connection) -> int:
        exc = sqlite3.OperationalError("attempt to write a readonly database")
        exc.sqlite_errorcode = 8  # SQLITE_READONLY, as a read-only file or folder gives
        raise exc

    # (a chmod would not do: the suite may run as root, who writes read-only files)
    monkeypatch.setattr(migrations, "migrate", read_only)
    with SQLiteStore(path, create=False) as store:
        assert store.schema_version == 1
        assert len(store.find()) == 1
        with pytest.raises(RecordError) as exc:
            store.heads()
        assert codes(exc) == ["RC706"]
    monkeypatch.undo()
    with SQLiteStore(path, create=False) as store:  # once writable, it is upgraded
        assert store.schema_version == 2


def test_case_events_cannot_be_updated_or_deleted(book: CaseBook) -> None:
    open_wz01(book)
    db = book.store._db  # type: ignore[attr-defined]
    for sql in ("UPDATE case_events SET actor = 'x'", "DELETE FROM case_events"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(sql)


def test_verify_names_an_event_edited_behind_the_triggers(book: CaseBook) -> None:
    open_wz01(book)
    event(book, "investigated", "2025-10-09")
    db = book.store._db  # type: ignore[attr-defined]
    db.execute("DROP TRIGGER case_events_no_update")  # what a database administrator can do
    db.execute(
        "UPDATE case_events SET payload_json = ? WHERE seq = 2",
        ('{"event":"investigated","on":"2025-10-01"}',),
    )
    _head, problems = book.verify(CASE)
    assert [(d.code, d.location.path) for d in problems] == [("RC720", ("events", 2))]


# --- the rules of each change -----------------------------------------------------------------


def test_a_case_through_application_decision_filing_and_appeal(book: CaseBook) -> None:
    open_wz01(book)
    view = book.view(CASE, dt.date(2025, 9, 30))
    by_id = {s.id: s for s in view.steps}
    assert by_id["apply"].state == "done" and by_id["apply"].due == dt.date(2025, 9, 23)
    assert by_id["investigate"].due == dt.date(2025, 10, 17)  # 国庆 1–8 Oct, 调休 9-28, 10-11
    assert by_id["investigate"].state == "open"
    assert view.status == "investigate"
    book.change(
        CASE,
        "extend",
        {"step": "investigate", "on": "2025-10-15", "reason": "涉及多个部门，情况复杂"},
        actor="李四",
        at=at("2025-10-15"),
    )
    view = book.view(CASE, dt.date(2025, 10, 20))
    assert {s.id: s for s in view.steps}["investigate"].extended_due == dt.date(2025, 11, 7)
    assert {s.id: s for s in view.steps}["investigate"].state == "open"
    event(book, "investigated", "2025-11-05")
    _event, record_id = book.decide(
        CASE,
        on=dt.date(2025, 11, 6),
        body="中共重庆市万州区纪委",
        actor="王五",
        at=at("2025-11-06"),
    )
    assert book.store.reviews(record_id)[0].final_outcome == "tolerate"
    assert book.store.get(record_id) is not None
    event(book, "notice_received", "2025-11-10")
    assert book.view(CASE, dt.date(2025, 11, 11)).status == "file"  # still to be filed
    event(book, "filed", "2025-11-11", filed_with="中共重庆市万州区委组织部")
    assert book.view(CASE, dt.date(2025, 11, 12)).status == "appeal"  # the cadre may appeal
    event(book, "appealed", "2025-11-20")
    assert book.view(CASE, dt.date(2025, 11, 21)).status == "appeal_review"
    review = {s.id: s for s in book.view(CASE, dt.date(2025, 11, 21)).steps}["appeal_review"]
    assert review.due == dt.date(2025, 12, 11)  # 15 working days from 11-20
    event(book, "review_decided", "2025-12-10", result="upheld")
    view = book.view(CASE, dt.date(2025, 12, 31))
    states = {s.id: s.state for s in view.steps}
    assert states["appeal"] == "done"
    assert view.state.details["decided"].body == "中共重庆市万州区纪委"
    assert states["appeal_review"] == "done" and view.status == "closed"
    assert view.state.details["filed"].filed_with == "中共重庆市万州区委组织部"
    assert [e.action for e in view.state.events] == ["open", "extend", *["event"] * 6]
    assert book.verify(CASE)[1] == []


def test_overdue_and_lapsed(book: CaseBook) -> None:
    open_wz01(book)
    view = book.view(CASE, dt.date(2025, 10, 20))
    assert [s.id for s in view.overdue] == ["investigate"]
    assert view.status_label == "调查核实（已逾期）"
    event(book, "investigated", "2025-10-20")
    assert {s.id: s for s in book.view(CASE, dt.date(2025, 10, 21)).steps}["investigate"].late
    book.decide(CASE, on=dt.date(2025, 10, 21), body="区纪委", actor="王五", at=at("2025-10-21"))
    event(book, "notice_received", "2025-10-24")
    view = book.view(CASE, dt.date(2025, 12, 1))
    assert {s.id: s.state for s in view.steps}["appeal"] == "lapsed"  # a right not used
    assert view.overdue == [] or all(s.by == "body" for s in view.overdue)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (
            {"event": "decided", "on": "2025-10-01", "body": "区纪委", "outcome": "tolerate"},
            "RC713",
        ),
        ({"event": "investigated", "on": "2025-09-01"}, "RC715"),
        ({"event": "investigated", "on": "2099-01-01"}, "RC715"),
        ({"event": "nonsense", "on": "2025-10-01"}, "RC717"),
        ({"event": "investigated", "on": "2025-13-01"}, "RC722"),
        ({"event": "investigated"}, "RC722"),
    ],
)
def test_an_event_that_does_not_fit_is_refused(
    book: CaseBook, payload: dict[str, Any], code: str
) -> None:
    open_wz01(book)
    with pytest.raises(RecordError) as exc:
        book.change(CASE, "event", payload, actor="李四", at=at("2025-10-10"))
    assert codes(exc) == [code]
    assert book.state(CASE).version == 1  # nothing was written


def test_what_a_decision_filing_or_review_must_say(book: CaseBook) -> None:
    open_wz01(book)
    event(book, "investigated", "2025-10-09")
    with pytest.raises(RecordError) as exc:
        book.change(
            CASE, "event", {"event": "decided", "on": "2025-10-10"}, actor="甲", at=at("2025-10-10")
        )
    assert codes(exc) == ["RC723"]
    with pytest.raises(RecordError) as exc:
        book.decide(
            CASE,
            on=dt.date(2025, 10, 10),
            body="区纪委",
            outcome="not_tolerate",
            actor="甲",
            at=at("2025-10-10"),
        )
    assert codes(exc) == ["RC721"]
    _, rid = book.decide(
        CASE,
        on=dt.date(2025, 10, 10),
        body="区纪委",
        outcome="mitigate",
        reason="集体研究认为损失较大",
        actor="甲",
        at=at("2025-10-10"),
    )
    review = book.store.reviews(rid)[0]
    assert (review.final_outcome, review.reason) == ("mitigate", "集体研究认为损失较大")
    with pytest.raises(RecordError) as exc:
        event(book, "investigated", "2025-10-09")
    assert codes(exc) == ["RC714"]
    assert event(book, "investigated", "2025-10-08", reason="登记日期有误") == 4


def test_an_extension_is_allowed_once_before_the_deadline(book: CaseBook) -> None:
    open_wz01(book)

    def extend(step: str, on: str) -> None:
        book.change(
            CASE, "extend", {"step": step, "on": on, "reason": "复杂"}, actor="甲", at=at(on)
        )

    for step, on, why in [
        ("decide", "2025-10-10", "allows no extension"),
        ("nonsense", "2025-10-10", "has no step"),
        ("investigate", "2025-10-20", "before the deadline"),
    ]:
        with pytest.raises(RecordError, match=why):
            extend(step, on)
    extend("investigate", "2025-10-16")
    with pytest.raises(RecordError, match="extended once already") as exc:
        extend("investigate", "2025-10-17")
    assert codes(exc) == ["RC716"]
    with pytest.raises(RecordError) as exc:
        book.change(
            CASE,
            "extend",
            {"step": "investigate", "on": "2025-10-16"},
            actor="甲",
            at=at("2025-10-16"),
        )
    assert codes(exc) == ["RC722"]  # a reason is required


def test_open_twice_unknown_case_and_wrong_ruleset(book: CaseBook) -> None:
    open_wz01(book)
    with pytest.raises(RecordError) as exc:
        open_wz01(book)
    assert codes(exc) == ["RC711"]
    with pytest.raises(RecordError) as exc:
        book.view("WZ-2024-01", dt.date(2025, 10, 1))
    assert codes(exc) == ["RC712"] and "WZ-2024-017" in exc.value.diagnostics[0].hint
    with pytest.raises(RecordError) as exc:
        book.change("NOPE", "note", {"text": "x"}, actor="甲", at=at("2025-10-01"))
    assert codes(exc) == ["RC712"]


def test_a_stale_version_is_refused_and_nothing_is_lost(book: CaseBook) -> None:
    open_wz01(book)
    seen = book.state(CASE).version
    book.change(
        CASE, "note", {"text": "甲的备注"}, actor="甲", at=at("2025-09-23"), expected_version=seen
    )
    with pytest.raises(RecordError) as exc:
        book.change(
            CASE,
            "note",
            {"text": "乙的备注"},
            actor="乙",
            at=at("2025-09-23"),
            expected_version=seen,
        )
    assert (
        codes(exc) == ["RC710"] and "version 1, it is now 2" in exc.value.diagnostics[0].message_en
    )
    assert book.state(CASE).notes == ["甲的备注"]


def _writer(path: str, actor: str, expected: int, out: Any) -> None:
    with SQLiteStore(path, create=False) as store, Engine(backend="reference") as engine:
        book = CaseBook(store, engine, OfficialCalendar())
        try:
            book.change(
                CASE,
                "note",
                {"text": actor},
                actor=actor,
                at=at("2025-09-23"),
                expected_version=expected,
            )
            out.put((actor, "ok"))
        except RecordError as exc:
            out.put((actor, exc.diagnostics[0].code))


def test_two_processes_on_one_case_one_wins_one_gets_rc710(tmp_path: Path, engine: Engine) -> None:
    path = tmp_path / "shared.sqlite3"
    with SQLiteStore(path) as store:
        open_wz01(CaseBook(store, engine, OfficialCalendar()))
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(str(path), a, 1, out)) for a in ("甲", "乙", "丙")]
    for p in procs:
        p.start()
    results = dict(out.get(timeout=60) for _ in procs)
    for p in procs:
        p.join(timeout=60)
    assert sorted(results.values()) == ["RC710", "RC710", "ok"]
    with SQLiteStore(path, create=False) as store:
        state = CaseBook(store, engine, OfficialCalendar()).state(CASE)
        winner = next(a for a, r in results.items() if r == "ok")
        assert state.notes == [winner] and state.version == 2


# --- the CLI ------------------------------------------------------------------------------------


def test_the_cli_runs_a_case_from_application_to_appeal(tmp_path: Path) -> None:
    store = str(tmp_path / "cli.sqlite3")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, [*args, "--store", store], env={"RONGCUO_ACTOR": "李四"})
        assert result.exit_code == code, result.output
        return result.output

    run(
        "case",
        "open",
        str(WZ01),
        "--ruleset",
        "wanzhou",
        "--by",
        "application",
        "--on",
        "2025-09-22",
        "--applied-on",
        "2025-09-19",
        "--notified-on",
        "2025-09-16",
    )
    run("case", "extend", CASE, "investigate", "--on", "2025-10-15", "--reason", "情况复杂")
    run("case", "step", CASE, "investigated", "--on", "2025-11-05")
    out = run("case", "decide", CASE, "--on", "2025-11-06", "--body", "中共重庆市万州区纪委")
    assert "rc-" in out
    run("case", "step", CASE, "notice_received", "--on", "2025-11-10")
    run("case", "step", CASE, "appealed", "--on", "2025-11-20")
    shown = json.loads(run("case", "show", CASE, "--as-of", "2025-11-21", "--format", "json"))
    steps = {s["id"]: s for s in shown["steps"]}
    assert steps["investigate"]["extended_due"] == "2025-11-07"
    assert shown["decision"]["body"] == "中共重庆市万州区纪委"
    assert shown["version"] == 6
    text = run("case", "show", CASE, "--as-of", "2025-11-21")
    assert "已延长至 2025-11-07（情况复杂）" in text
    assert CASE in run("case", "list", "--as-of", "2025-11-21")
    log = run("case", "log", CASE)
    assert "\t李四\t" in log and "\t登记调查核实完毕之日 2025-11-05\t" in log
    assert "\t立案（依申请启动，2025-09-22）\t" in log and "\t延长期限 investigate\t" in log
    assert "完好 intact" in run("case", "verify")
    err = run("case", "step", CASE, "filed", "--on", "2025-11-21", "--expect-version", "3", code=1)
    assert "RC710" in err
    err = run("case", "show", "NOPE", code=1)
    assert "RC712" in err
    result = runner.invoke(main, ["case", "show", CASE, "--store", str(tmp_path / "none.sqlite3")])
    assert result.exit_code == 1 and "RC703" in result.output
