"""A season of simulated procedure: 50 cases opened from mid-September to late October 2025,
across 国庆 and 中秋 (1–8 October off, Sunday 28 September and Saturday 11 October worked),
each run its own way (on time, extended, overdue, appealed, applied late), and every step's
deadline and state checked on every day from 15 September to 31 December.

The deadlines are checked against dates counted by hand here, from the State Council's notices
typed in below, not from chinese-calendar: a table of literal dates, and a small counter over the
typed-in days for the whole season. A deadline past the calendar's years is shown as not
computable (RC406), and computed once a supplement for that year is given."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from rongcuo.api import Engine
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.book import CaseBook
from rongcuo.records.store import SQLiteStore

ROOT = Path(__file__).resolve().parent.parent
D = dt.date

# 国办发明电〔2024〕12号 (2025) and 国办发明电〔2025〕7号 (2026), as far as this season needs.
HOLIDAYS = {D(2025, 10, d) for d in range(1, 9)} | {D(2026, 1, d) for d in (1, 2, 3)}
MAKE_UP = {D(2025, 9, 28), D(2025, 10, 11), D(2026, 1, 4)}

# Counted by hand on a paper calendar: (start, working days) → the last day. The start day is
# not counted. 9/26 + 5: 9/28 (Sun, worked), 9/29, 9/30, 10/9, 10/10.
HAND_COUNTED = {
    (D(2025, 9, 22), 15): D(
        2025, 10, 17
    ),  # 9/23–9/26 (4), 9/28–9/30 (7), 10/9–10/11 (10), 10/13–10/17
    (D(2025, 9, 22), 30): D(2025, 11, 7),  # + 10/20–24, 10/27–31, 11/3–7
    (D(2025, 9, 26), 5): D(2025, 10, 10),
    (D(2025, 9, 30), 1): D(2025, 10, 9),  # the holiday skipped whole
    (D(2025, 10, 1), 5): D(
        2025, 10, 13
    ),  # 10/9, 10/10, 10/11 (Sat, worked), 10/13 … that is 4: 10/14
    (D(2025, 10, 10), 1): D(2025, 10, 11),  # a Saturday made a working day
    (D(2025, 9, 15), 5): D(2025, 9, 22),
    (D(2025, 10, 24), 15): D(2025, 11, 14),
    (D(2025, 12, 24), 5): D(2025, 12, 31),
    (D(2025, 12, 26), 5): D(2026, 1, 6),  # 12/29, 12/30, 12/31, 1/4 (Sun, worked), 1/5 … 1/6
}
HAND_COUNTED[(D(2025, 10, 1), 5)] = D(2025, 10, 14)  # 10/9, 10/10, 10/11, 10/13, 10/14
HAND_COUNTED[(D(2025, 12, 26), 5)] = D(2026, 1, 5)  # 12/29, 12/30, 12/31, 1/4, 1/5


def working(day: dt.date) -> bool:
    return day in MAKE_UP or (day.weekday() < 5 and day not in HOLIDAYS)


def add(start: dt.date, days: int) -> dt.date:
    day = start
    while days:
        day += dt.timedelta(days=1)
        days -= working(day)
    return day


def test_the_counter_here_agrees_with_the_hand_counted_dates() -> None:
    for (start, days), last in HAND_COUNTED.items():
        assert add(start, days) == last, (start, days)


def test_the_official_calendar_agrees_with_the_hand_counted_dates() -> None:
    cal = OfficialCalendar()
    for (start, days), last in HAND_COUNTED.items():
        assert cal.add_working_days(start, days) == last, (start, days)
    day = D(2025, 9, 1)
    while day < D(2026, 1, 31):
        assert cal.is_working_day(day) == working(day), day
        day += dt.timedelta(days=1)


def _case_files() -> list[tuple[str, dict[str, Any]]]:
    """50 case files: the 46 top-level examples and four of them again under new ids."""
    out = []
    for path in sorted((ROOT / "examples").glob("*.yaml")):
        rs = "wanzhou" if path.name.startswith("wz-") else "mianyang"
        out.append((rs, yaml.safe_load(path.read_text(encoding="utf-8"))))
    for rs, data in out[:4]:
        again = dict(data, id=data["id"] + "-B")
        out.append((rs, again))
    assert len(out) == 50
    return out


KINDS = ("on_time", "extended", "overdue", "appealed", "late_application")


def _plan(i: int) -> dict[str, Any]:
    """The dates of case ``i``'s events (each counted here by hand) and its kind."""
    notified = D(2025, 9, 15) + dt.timedelta(days=i)  # 15 Sep … 3 Nov, weekends and holiday too
    kind = KINDS[i % 5]
    applied = add(notified, 6 if kind == "late_application" else 2)
    accepted = add(applied, 1)
    plan: dict[str, Any] = {
        "kind": kind,
        "notified": notified,
        "applied": applied,
        "accepted": accepted,
        "apply_due": add(notified, 5),
        "investigate_due": add(accepted, 15),
    }
    if kind == "overdue":
        return plan  # the investigation is never finished
    if kind == "extended":
        plan["extended_on"] = add(accepted, 14)
        plan["investigate_extended_due"] = add(accepted, 30)
        plan["investigated"] = add(accepted, 22)
    else:
        plan["investigated"] = add(accepted, 13)
    plan["decided"] = add(plan["investigated"], 3)
    plan["notify_due"] = add(plan["decided"], 5)
    late_notice = kind == "extended"
    plan["notice_received"] = add(plan["decided"], 7 if late_notice else 4)
    plan["filed"] = add(plan["decided"], 5)
    plan["appeal_due"] = add(plan["notice_received"], 15)
    if kind == "appealed":
        plan["appealed"] = add(plan["notice_received"], 10)
        plan["review_due"] = add(plan["appealed"], 15)
        plan["review_decided"] = plan["review_due"]
    return plan


def _run(book: CaseBook, case_id: str, plan: dict[str, Any]) -> None:
    def at(day: dt.date) -> str:
        return f"{day.isoformat()}T17:00:00+08:00"

    def event(name: str) -> None:
        payload: dict[str, Any] = {"event": name, "on": plan[name].isoformat()}
        if name == "filed":
            payload["filed_with"] = "区委组织部"
        if name == "review_decided":
            payload["result"] = "upheld"
        book.change(case_id, "event", payload, actor="经办人", at=at(plan[name]))

    if "extended_on" in plan:
        book.change(
            case_id,
            "extend",
            {"step": "investigate", "on": plan["extended_on"].isoformat(), "reason": "情况复杂"},
            actor="经办人",
            at=at(plan["extended_on"]),
        )
    if "investigated" not in plan:
        return
    event("investigated")
    book.decide(
        case_id, on=plan["decided"], body="区纪委监委", actor="经办人", at=at(plan["decided"])
    )
    for name in ("notice_received", "filed", "appealed", "review_decided"):
        if name in plan:
            event(name)


def _expected(plan: dict[str, Any], day: dt.date) -> dict[str, tuple[str, dt.date | None]]:
    """Each step's state and deadline on ``day``, from the plan (what the officer sees)."""

    def state(done: str, due: dt.date, cadre: bool = False) -> str:
        if done in plan and plan[done] <= day:
            return "done"
        if day > due:
            return "lapsed" if cadre else "overdue"
        return "open"

    out: dict[str, tuple[str, dt.date | None]] = {"apply": ("done", plan["apply_due"])}
    inv_due = plan.get("investigate_extended_due", plan["investigate_due"])
    extended = "extended_on" in plan and plan["extended_on"] <= day
    out["investigate"] = (
        state("investigated", inv_due if extended else plan["investigate_due"]),
        plan["investigate_due"],
    )
    if "decided" in plan and plan["decided"] <= day:
        out["decide"] = ("done", None)
        out["notify"] = (state("notice_received", plan["notify_due"]), plan["notify_due"])
        out["file"] = (state("filed", plan["notify_due"]), plan["notify_due"])
    if "notice_received" in plan and plan["notice_received"] <= day:
        out["appeal"] = (state("appealed", plan["appeal_due"], cadre=True), plan["appeal_due"])
    if "appealed" in plan and plan["appealed"] <= day:
        out["appeal_review"] = (state("review_decided", plan["review_due"]), plan["review_due"])
    return out


@pytest.mark.slow
def test_fifty_cases_through_a_season_of_holidays(tmp_path: Path) -> None:
    """Each case is recorded as of the last day of the season; then, on every day, a case
    rebuilt from the events dated up to that day shows the steps the plan says."""
    cases = _case_files()
    plans = {data["id"]: _plan(i) for i, (_, data) in enumerate(cases)}
    with SQLiteStore(tmp_path / "season.sqlite3") as store, Engine(backend="reference") as engine:
        book = CaseBook(store, engine, OfficialCalendar())
        for rs, data in cases:
            plan = plans[data["id"]]
            book.open(
                data,
                ruleset=rs,
                opened_by="application",
                on=plan["accepted"],
                applied_on=plan["applied"],
                inquiry_notified_on=plan["notified"],
                actor="经办人",
                at=f"{plan['accepted'].isoformat()}T09:00:00+08:00",
            )
            _run(book, data["id"], plan)
        views = {v.state.id: v for v in book.all(D(2025, 12, 31))}
        assert len(views) == 50
        checked = 0
        for case_id, plan in plans.items():
            state = views[case_id].state
            for day in _season():
                # the record as it stood at the end of ``day``: its events dated up to then
                events = [e for e in state.events if e.at[:10] <= day.isoformat()]
                if not events:
                    continue
                from rongcuo.procedure.deadlines import step_dues
                from rongcuo.procedure.state import fold

                folded = fold(case_id, events)
                dues = {
                    s.id: s for s in step_dues(folded, views[case_id].ruleset, book.calendar, day)
                }
                for step, (want_state, want_due) in _expected(plan, day).items():
                    got = dues[step]
                    assert (got.state, got.due) == (want_state, want_due), (case_id, day, step)
                    checked += 1
                if "extended_on" in plan and plan["extended_on"] <= day:
                    assert dues["investigate"].extended_due == plan["investigate_extended_due"]
        assert checked > 15_000
        # the kinds show as an officer expects on the last day
        last = {cid: views[cid] for cid in plans}
        overdue = sorted(cid for cid, v in last.items() if v.overdue)
        assert overdue == sorted(cid for cid, p in plans.items() if p["kind"] == "overdue")
        late = [cid for cid, v in last.items() if {s.id: s for s in v.steps}["notify"].late]
        assert sorted(late) == sorted(cid for cid, p in plans.items() if p["kind"] == "extended")
        for cid, p in plans.items():
            apply = {s.id: s for s in last[cid].steps}["apply"]
            assert apply.late == (p["kind"] == "late_application"), cid
            if p["kind"] == "appealed":
                assert last[cid].status == "closed"
            if p["kind"] == "on_time":
                assert last[cid].status == "closed" and not last[cid].overdue


def _season() -> list[dt.date]:
    day, out = D(2025, 9, 15), []
    while day <= D(2025, 12, 31):
        out.append(day)
        day += dt.timedelta(days=1)
    return out


def test_a_deadline_past_the_calendar_is_shown_not_computable_until_a_supplement(
    tmp_path: Path,
) -> None:
    cal = OfficialCalendar()
    last = D(cal.last_year, 12, 31)
    data = yaml.safe_load((ROOT / "examples" / "wz-01-pilot-tolerate.yaml").read_text("utf-8"))
    with SQLiteStore(tmp_path / "s.sqlite3") as store, Engine(backend="reference") as engine:
        book = CaseBook(store, engine, cal)
        opened = last - dt.timedelta(days=10)
        book.open(
            data,
            ruleset="wanzhou",
            opened_by="own_motion",
            on=opened,
            actor="经办人",
            at=f"{opened.isoformat()}T09:00:00+08:00",
        )
        view = book.view(data["id"], opened)
        inv = {s.id: s for s in view.steps}["investigate"]
        assert (inv.error_code, inv.due, inv.state) == ("RC406", None, "open")
        assert f"{last.year + 1}" in inv.error
        # a supplement for the next year (test data: not an official schedule)
        nxt = last.year + 1
        supplement = tmp_path / f"{nxt}.yaml"
        supplement.write_text(
            f"{nxt}:\n  notice: 测试用补充日历（非正式安排）\n  holidays:\n"
            f"    - {{from: {nxt}-01-01, name: 元旦}}\n  make_up_workdays: []\n",
            encoding="utf-8",
        )
        book.calendar = OfficialCalendar.with_supplements(supplement)
        inv = {s.id: s for s in book.view(data["id"], opened).steps}["investigate"]
        assert inv.error == "" and inv.due is not None and inv.due.year == nxt
