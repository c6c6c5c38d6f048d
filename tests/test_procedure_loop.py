"""The loop after a decision: return visits planned from the ruleset's parameters, corrections
and measures tracked to done, and the report of what is open across cases."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from rongcuo.api import Engine
from rongcuo.cli import main
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.loop import open_items, visit_plan
from rongcuo.procedure.periods import add_months
from rongcuo.records.model import RecordError
from rongcuo.records.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


@pytest.fixture
def book(tmp_path: Path) -> Any:
    with SQLiteStore(tmp_path / "loop.sqlite3") as store, Engine(backend="reference") as engine:
        yield CaseBook(store, engine, OfficialCalendar())


def _decided(book: CaseBook, name: str, on: D, **case_changes: Any) -> str:
    data = yaml.safe_load((ROOT / "examples" / name).read_text(encoding="utf-8"))
    data.update(case_changes)
    rs = "wanzhou" if name.startswith("wz-") else "mianyang"
    book.open(
        data, ruleset=rs, opened_by="own_motion", on=on, actor="甲", at=f"{on}T09:00:00+08:00"
    )
    cid = str(data["id"])
    day = on + dt.timedelta(days=7)
    book.change(
        cid,
        "event",
        {"event": "investigated", "on": day.isoformat()},
        actor="甲",
        at=f"{day}T09:00:00+08:00",
    )
    book.decide(cid, on=day, body="区纪委", actor="甲", at=f"{day}T10:00:00+08:00")
    return cid


def test_months_are_added_to_the_same_day_or_the_months_last() -> None:
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 30), 3) == D(2026, 2, 28)
    assert add_months(D(2025, 10, 15), 15) == D(2027, 1, 15)


def test_a_tolerated_cadre_gets_one_visit_after_return_visit_months(book: CaseBook) -> None:
    cid = _decided(book, "wz-01-pilot-tolerate.yaml", D(2025, 11, 23))  # decided 11-30
    (visit,) = visit_plan(book.view(cid, D(2025, 12, 1)))
    assert (visit.id, visit.due) == ("V1", D(2026, 2, 28))  # 3 months, to February's last day
    assert visit.parameters == ("return_visit_months",)


def test_a_cadre_held_accountable_gets_three_and_three(book: CaseBook) -> None:
    cid = _decided(book, "wz-04-private-gain-not-tolerate.yaml", D(2025, 1, 8))  # decided 01-15
    plan = visit_plan(book.view(cid, D(2025, 2, 1)))
    # 1/15 → 4/15 is 90 days: visits at 30, 60, 90 days; then 4/15 → 2026-04-15 (365 days): at
    # 121, 243, 365 days
    assert [v.due for v in plan] == [
        D(2025, 2, 14),
        D(2025, 3, 16),
        D(2025, 4, 15),
        D(2025, 8, 14),
        D(2025, 12, 14),
        D(2026, 4, 15),
    ]
    assert {v.parameters for v in plan} == {
        ("visits_first_count", "visits_first_months"),
        ("visits_second_count", "visits_second_months"),
    }
    assert visit_plan(book.view(cid, D(2025, 2, 1)))[0].purpose == "回访教育（第1阶段第1次）"


def test_the_report_lists_a_decision_due_once_the_investigation_is_done(book: CaseBook) -> None:
    data = yaml.safe_load((ROOT / "examples" / "wz-01-pilot-tolerate.yaml").read_text("utf-8"))
    cid = str(data["id"])
    book.open(
        data,
        ruleset="wanzhou",
        opened_by="own_motion",
        on=D(2025, 3, 3),
        actor="甲",
        at="2025-03-03T09:00:00+08:00",
    )
    steps = [(i.kind, i.id) for i in open_items([book.view(cid, D(2025, 3, 4))])]
    assert steps == [("step", "investigate")]  # not yet the decision: it waits on the inquiry
    book.change(
        cid,
        "event",
        {"event": "investigated", "on": "2025-03-10"},
        actor="甲",
        at="2025-03-10T09:00:00+08:00",
    )
    (item,) = open_items([book.view(cid, D(2025, 3, 11))])
    assert (item.id, item.due, item.overdue) == ("decide", None, False)  # due, without a limit


def test_no_visit_is_planned_before_a_decision(book: CaseBook) -> None:
    data = yaml.safe_load((ROOT / "examples" / "wz-01-pilot-tolerate.yaml").read_text("utf-8"))
    book.open(
        data,
        ruleset="wanzhou",
        opened_by="own_motion",
        on=D(2025, 3, 3),
        actor="甲",
        at="2025-03-03T09:00:00+08:00",
    )
    assert visit_plan(book.view(str(data["id"]), D(2025, 3, 4))) == []


def test_corrections_measures_and_visits_are_tracked_to_done(book: CaseBook) -> None:
    cid = _decided(book, "wz-01-pilot-tolerate.yaml", D(2025, 3, 3))

    def change(action: str, payload: dict[str, Any], day: str = "2025-03-11") -> None:
        book.change(cid, action, payload, actor="乙", at=f"{day}T10:00:00+08:00")

    change("correction", {"id": "C1", "what": "修订试点方案", "who": "街道办", "due": "2025-04-30"})
    change("correction", {"id": "C2", "what": "补充评估"})
    change(
        "measure",
        {
            "id": "M1",
            "cause": "试点缺少评估标准",
            "measure": "制定评估指引",
            "owner": "区民政局",
            "due": "2025-06-30",
        },
    )
    change("visit", {"id": "V1", "due": "2025-06-10"})
    with pytest.raises(RecordError) as exc:
        change("measure", {"id": "M2", "cause": "x", "measure": "y"})
    assert [d.location.path for d in exc.value.diagnostics] == [("payload", "owner")]
    with pytest.raises(RecordError, match="already exists"):
        change("correction", {"id": "C1", "what": "again"})
    items = [i for i in open_items([book.view(cid, D(2025, 5, 5))]) if i.kind != "step"]
    assert [(i.kind, i.id, i.overdue) for i in items] == [
        ("correction", "C1", True),
        ("visit", "V1", False),
        ("measure", "M1", False),
        ("correction", "C2", False),
    ]
    change("correction_done", {"id": "C1", "on": "2025-05-06", "note": "方案已印发"}, "2025-05-06")
    with pytest.raises(RecordError, match="was done on 2025-05-06"):
        change("correction_done", {"id": "C1", "on": "2025-05-07"}, "2025-05-07")
    with pytest.raises(RecordError, match="no item"):
        change("visit_done", {"id": "V9", "on": "2025-05-07"}, "2025-05-07")
    state = book.state(cid)
    assert state.corrections["C1"].done_on == D(2025, 5, 6)
    assert state.corrections["C1"].done_by == "乙"
    left = [i.id for i in open_items([book.view(cid, D(2025, 5, 7))]) if i.kind != "step"]
    assert left == ["V1", "M1", "C2"]


def test_the_cli_plans_visits_and_reports_what_is_open(tmp_path: Path) -> None:
    store = str(tmp_path / "cli.sqlite3")
    runner = CliRunner()

    def run(*args: str, code: int = 0) -> str:
        result = runner.invoke(main, [*args, "--store", store], env={"RONGCUO_ACTOR": "李四"})
        assert result.exit_code == code, result.output
        return result.output

    case = str(ROOT / "examples" / "wz-04-private-gain-not-tolerate.yaml")
    cid = yaml.safe_load(Path(case).read_text("utf-8"))["id"]
    run("case", "open", case, "--ruleset", "wanzhou", "--by", "own_motion", "--on", "2025-01-08")
    assert "RC713" in run("case", "visit", "plan", cid, code=1)  # not before a decision
    run("case", "step", cid, "investigated", "--on", "2025-01-14")
    run("case", "decide", cid, "--on", "2025-01-15", "--body", "区纪委")
    out = run("case", "visit", "plan", cid)
    assert out.count("回访教育") == 6 and "2026-04-15" in out
    assert "无需新增" in run("case", "visit", "plan", cid)  # planned once
    run(
        "case",
        "correction",
        "add",
        cid,
        "--id",
        "C1",
        "--what",
        "退还违规款项",
        "--due",
        "2025-02-28",
    )
    run(
        "case",
        "measure",
        "add",
        cid,
        "--id",
        "M1",
        "--cause",
        "审批无复核",
        "--measure",
        "建立复核制度",
        "--owner",
        "区财政局",
    )
    run("case", "visit", "done", cid, "V1", "--on", "2025-02-14", "--note", "谈心谈话")
    report = json.loads(run("case", "report", "--as-of", "2025-03-20", "--format", "json"))
    assert [(r["kind"], r["id"], r["overdue"]) for r in report][:3] == [
        ("step", "notify", True),
        ("step", "file", True),
        ("correction", "C1", True),
    ]
    assert ("visit", "V1") not in {(r["kind"], r["id"]) for r in report}
    text = run("case", "report", "--as-of", "2025-03-20")
    assert "【逾期】2025-02-28" in text and "完善制度 M1" in text


def test_warnings_are_kept_by_cadre_across_cases_and_read_by_the_assessment(
    tmp_path: Path, book: CaseBook
) -> None:
    from rongcuo.cli.assess import assess

    first = yaml.safe_load(
        (ROOT / "examples" / "wz-04-private-gain-not-tolerate.yaml").read_text("utf-8")
    )
    second = yaml.safe_load(
        (ROOT / "examples" / "wz-10-arbitrary-not-tolerate.yaml").read_text("utf-8")
    )
    with pytest.raises(RecordError, match=r"cadre\.id"):
        book.open(
            first,
            ruleset="wanzhou",
            opened_by="own_motion",
            on=D(2025, 3, 3),
            actor="甲",
            at="2025-03-03T09:00:00+08:00",
        )
        book.change(
            str(first["id"]),
            "warning",
            {"level": 1, "form": "面对面谈话", "on": "2025-03-12"},
            actor="甲",
            at="2025-03-12T09:00:00+08:00",
        )
    # the same cadre (by id) on a second case: the history gathers both
    second["cadre"] = dict(second.get("cadre") or {}, id="C-7")
    first_id, second_id = str(first["id"]), str(second["id"])
    book.change(
        first_id,
        "case",
        {"case": dict(first, cadre=dict(first["cadre"], id="C-7"))},
        actor="甲",
        at="2025-03-04T09:00:00+08:00",
    )
    book.open(
        second,
        ruleset="wanzhou",
        opened_by="own_motion",
        on=D(2025, 5, 6),
        actor="甲",
        at="2025-05-06T09:00:00+08:00",
    )
    book.change(
        first_id,
        "warning",
        {"level": 1, "form": "面对面谈话", "on": "2025-03-12", "by": "组织部副部长"},
        actor="甲",
        at="2025-03-12T09:00:00+08:00",
    )
    book.change(
        second_id,
        "warning",
        {"level": 2, "form": "书面提醒函询", "on": "2025-06-10"},
        actor="乙",
        at="2025-06-10T09:00:00+08:00",
    )
    history = book.warning_history("C-7")
    assert [(e.level, e.given_on, e.by) for e in history] == [
        (1, D(2025, 3, 12), "组织部副部长"),
        (2, D(2025, 6, 10), "乙"),
    ]
    assert book.warning_history("C-8") == []
    from rongcuo.procedure.views import view_text

    shown = book.view(first_id, D(2025, 7, 1))  # either case shows the cadre's whole history
    assert [e.level for e in shown.history] == [1, 2]
    assert "2025-06-10 二级预警（书面提醒函询，乙）" in view_text(shown)
    # ``assess warning --store`` reads it: after level 2, still not corrected → level 3
    book.store.close()
    store = str(tmp_path / "loop.sqlite3")
    item = tmp_path / "w.yaml"
    item.write_text(
        "id: WA-9\ncadre: {id: C-7}\nfacts: {corrected_since_last: false, little_change: true}\n",
        encoding="utf-8",
    )
    args = ["warning", str(item), "--as-of", "2025-09-01", "--format", "json"]
    alone = json.loads(CliRunner().invoke(assess, args).output)
    joined = json.loads(CliRunner().invoke(assess, [*args, "--store", store]).output)
    assert (alone["outcome"], joined["outcome"]) == ("no_warning", "level_3_admonish")


def test_a_reuse_assessment_reads_the_sanctions_of_the_cadres_cases(
    tmp_path: Path, book: CaseBook
) -> None:
    from rongcuo.cli.assess import assess

    data = yaml.safe_load(
        (ROOT / "examples" / "wz-04-private-gain-not-tolerate.yaml").read_text("utf-8")
    )
    data["cadre"] = dict(data.get("cadre") or {}, id="C-9")
    data["sanction"] = [{"kind": "party_serious_warning", "decided_on": "2024-05-10"}]
    book.open(
        data,
        ruleset="wanzhou",
        opened_by="own_motion",
        on=D(2024, 3, 4),
        actor="甲",
        at="2024-03-04T09:00:00+08:00",
    )
    assert [x.kind for x in book.sanctions_of("C-9")] == ["party_serious_warning"]
    book.store.close()
    item = tmp_path / "r.yaml"
    facts = "{matter_properly_handled: true, situation_calmed: true, reflected_deeply: true, corrects_with_good_attitude: true}"
    item.write_text(f"id: RE-9\ncadre: {{id: C-9}}\nfacts: {facts}\n", encoding="utf-8")
    store = str(tmp_path / "loop.sqlite3")

    def outcome(day: str, *more: str) -> str:
        out = CliRunner().invoke(
            assess, ["reuse", str(item), "--as-of", day, "--format", "json", *more]
        )
        assert out.exit_code == 0, out.output
        return str(json.loads(out.output)["outcome"])

    # 18 months from 2024-05-10 end on 2025-11-09: postponed on that day, used further after
    assert outcome("2025-11-09", "--store", store) == "postpone"
    assert outcome("2025-11-10", "--store", store) == "use_further"
    assert outcome("2025-11-10") == "postpone"  # without the store: no sanction, period unknown
