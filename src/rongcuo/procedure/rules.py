"""Whether a change may be made to a case's procedure record as it stands.

Takes the :class:`~rongcuo.procedure.state.CaseState`, the change's checked payload
(:mod:`rongcuo.procedure.changes`), the day the change is made, the effective ruleset and the
calendar; raises a located, bilingual :class:`~rongcuo.records.model.RecordError` when the
change does not fit, and returns nothing when it does. The order of the steps, which event
ends which, who acts and which step may be extended are the ruleset's ``procedure``; the rules
here only read it.

Codes: RC711 already open · RC713 an event before the one it follows · RC714 an event
recorded again without a reason · RC715 a date before the event it follows, or in the future ·
RC716 an extension not allowed · RC717 an event or step this ruleset does not have · RC718 an
item unknown, repeated, or done twice · RC721 a final outcome other than the proposal's
without a reason · RC723 a decision, filing or review without what it must say.
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from rongcuo.errors import InputError, did_you_mean
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure import changes as c
from rongcuo.procedure.events import procedure_error
from rongcuo.procedure.state import CaseState, Item
from rongcuo.ruleset.model import ANCHORS, ProcedureStep, Ruleset


def check_change(
    state: CaseState,
    action: str,
    p: Any,
    today: dt.date,
    rs: Ruleset | None,
    calendar: OfficialCalendar,
) -> None:
    """RC7xx unless ``p`` (the payload of ``action``) may be applied to ``state`` on ``today``;
    ``rs`` is the ruleset whose procedure the case follows (None before it is opened)."""
    where = f"<case {state.id}>"
    if action == "open":
        _check_open(state, p, today, where)
    elif state.version == 0 or rs is None:
        raise procedure_error(
            "RC712",
            where,
            f"案件 {state.id} 尚未立案（没有程序记录）",
            f"case {state.id} has no procedure record (not opened)",
            "先用 rongcuo case open 立案 open it first with rongcuo case open",
        )
    elif isinstance(p, c.Dated):
        _check_event(state, p, today, rs, where)
    elif isinstance(p, c.Extend):
        _check_extension(state, p, rs, calendar, where)
    elif isinstance(p, c.Correction | c.Visit | c.Measure):
        _check_new_item(_items(state, action), p.id, where)
    elif isinstance(p, c.Done):
        _check_done(_items(state, action), p, where)
    elif isinstance(p, c.Warning) and state.cadre_id is None:
        raise procedure_error(
            "RC723",
            where,
            "登记问责预警须有干部的稳定标识：案件文件未写 cadre.id",
            "a warning needs the cadre's stable id: the case file gives no cadre.id",
            "在案件文件中写明 cadre: {id: …} 并用 rongcuo case update 更新 give cadre.id and "
            "update the case",
        )


def _check_open(state: CaseState, p: c.Open, today: dt.date, where: str) -> None:
    if state.version:
        raise procedure_error(
            "RC711",
            where,
            f"案件 {state.id} 已经立案（已有 {state.version} 条程序记录）",
            f"case {state.id} is already open ({state.version} events)",
            "用 rongcuo case show 查看 see it with rongcuo case show",
        )
    if p.applied_on is not None and p.opened_by != "application":
        raise procedure_error(
            "RC723",
            where,
            "主动启动的案件没有申请日期",
            "a case opened on the body's own motion has no application date",
        )
    dates = [("inquiry_notified", p.inquiry_notified_on), ("applied", p.applied_on)]
    _in_order([(e, d) for e, d in dates if d is not None] + [("accepted", p.on)], today, where)


def _in_order(dates: list[tuple[str, dt.date]], today: dt.date, where: str) -> None:
    for (e1, d1), (e2, d2) in itertools.pairwise(dates):
        if d2 < d1:
            raise _too_early(e2, d2, e1, d1, where)
    for event, day in dates:
        if day > today:
            raise procedure_error(
                "RC715",
                where,
                f"{ANCHORS[event]}（{day}）晚于今天（{today}）：尚未发生的事件不能登记",
                f"{event} ({day}) is after today ({today}): an event is recorded once it happens",
            )


def _too_early(event: str, day: dt.date, before: str, before_day: dt.date, where: str) -> Exception:
    return procedure_error(
        "RC715",
        where,
        f"{ANCHORS[event]}（{day}）早于{ANCHORS[before]}（{before_day}）",
        f"{event} ({day}) is before {before} ({before_day})",
        "检查日期 check the dates",
    )


def _events_of(rs: Ruleset) -> dict[str, ProcedureStep]:
    """Each event this ruleset's procedure names → the step it marks done (or starts)."""
    out: dict[str, ProcedureStep] = {}
    for step in rs.procedure:
        if step.time_limit and step.time_limit.anchor:
            out.setdefault(step.time_limit.anchor, step)
    for step in rs.procedure:
        if step.done_by:
            out[step.done_by] = step
    return out


def _follows(event: str, rs: Ruleset) -> str:
    """The event that must be recorded before ``event``: the start of the step it ends, or for
    a step without a time limit, the end of the body's step before it ("" for none)."""
    steps = list(rs.procedure)
    for i, step in enumerate(steps):
        if step.done_by != event:
            continue
        if step.time_limit and step.time_limit.anchor:
            return step.time_limit.anchor
        earlier = [s for s in steps[:i] if s.by == "body" and s.done_by]
        return earlier[-1].done_by if earlier else ""
    return ""


def _check_event(state: CaseState, p: c.Dated, today: dt.date, rs: Ruleset, where: str) -> None:
    known = _events_of(rs)
    if p.event not in known:
        raise procedure_error(
            "RC717",
            where,
            f"规则集 {rs.id} 的程序中没有事件 {p.event!r}",
            f"the procedure of {rs.id} has no event {p.event!r}",
            did_you_mean(p.event, known),
        )
    if p.event in state.dates and not p.reason.strip():
        raise procedure_error(
            "RC714",
            where,
            f"{ANCHORS[p.event]}已登记为 {state.dates[p.event]}；更正须说明理由",
            f"{p.event} is already recorded as {state.dates[p.event]}; a correction needs a reason",
            "加上 --reason 说明更正理由 give --reason for the correction",
        )
    before = _follows(p.event, rs)
    if before and before not in state.dates:
        raise procedure_error(
            "RC713",
            where,
            f"尚未登记{ANCHORS[before]}，不能登记{ANCHORS[p.event]}",
            f"{p.event} cannot be recorded before {before}",
            f"先登记 {before} record {before} first",
        )
    if before and p.on < state.dates[before]:
        raise _too_early(p.event, p.on, before, state.dates[before], where)
    _in_order([(p.event, p.on)], today, where)
    _check_details(p, where)


def _check_details(p: c.Dated, where: str) -> None:
    needs = {
        "decided": ("body", "outcome"),
        "filed": ("filed_with",),
        "review_decided": ("result",),
    }
    names = {
        "body": "认定机关",
        "outcome": "认定结果",
        "filed_with": "备案机关",
        "result": "复核结果",
    }
    for name in needs.get(p.event, ()):
        if getattr(p, name) is None:
            raise procedure_error(
                "RC723",
                where,
                f"登记{ANCHORS[p.event]}须写明{names[name]}（{name}）",
                f"recording {p.event} needs {name}",
                f"加上 --{name.replace('_', '-')} give --{name.replace('_', '-')}",
            )


def _check_extension(
    state: CaseState, p: c.Extend, rs: Ruleset, calendar: OfficialCalendar, where: str
) -> None:
    step = next((s for s in rs.procedure if s.id == p.step), None)
    if step is None:
        raise procedure_error(
            "RC717",
            where,
            f"规则集 {rs.id} 的程序中没有步骤 {p.step!r}",
            f"the procedure of {rs.id} has no step {p.step!r}",
            did_you_mean(p.step, [s.id for s in rs.procedure]),
        )
    limit = step.time_limit

    def refuse(zh: str, en: str) -> Exception:
        return procedure_error("RC716", where, f"{step.label}不能延长：{zh}", f"{p.step}: {en}")

    if limit is None or not limit.extendable_by:
        raise refuse("规则集未规定可以延长", "the ruleset allows no extension of this step")
    if p.step in state.extensions:
        raise refuse(
            f"只能延长一次，已于 {state.extensions[p.step].on} 延长",
            "extended once already",
        )
    start = state.dates.get(limit.anchor)
    if start is None:
        raise refuse("该步骤尚未开始", "the step has not started")
    if step.done_by and step.done_by in state.dates:
        raise refuse("该步骤已经完成", "the step is done")
    if p.on < start:
        raise refuse(
            f"延长日期（{p.on}）早于该步骤开始（{start}）",
            f"dated {p.on}, before the step began ({start})",
        )
    try:
        due = calendar.add_working_days(start, limit.working_days)
    except InputError:
        return  # the calendar cannot tell; the deadline view says so
    if p.on > due:
        raise refuse(
            f"延长须在原期限（{due}）届满前决定",
            f"an extension must be decided before the deadline ({due}) passes",
        )


def _items(state: CaseState, action: str) -> dict[str, Item]:
    kind = action.removesuffix("_done")
    return {"correction": state.corrections, "visit": state.visits, "measure": state.measures}[kind]


def _check_new_item(items: dict[str, Item], item_id: str, where: str) -> None:
    if item_id in items:
        raise procedure_error(
            "RC718", where, f"事项 {item_id} 已经存在", f"item {item_id} already exists"
        )


def _check_done(items: dict[str, Item], p: c.Done, where: str) -> None:
    item = items.get(p.id)
    if item is None:
        raise procedure_error(
            "RC718",
            where,
            f"没有事项 {p.id}",
            f"no item {p.id}",
            did_you_mean(p.id, items),
        )
    if item.done_on is not None:
        raise procedure_error(
            "RC718",
            where,
            f"事项 {p.id} 已于 {item.done_on} 完成",
            f"item {p.id} was done on {item.done_on}",
        )
