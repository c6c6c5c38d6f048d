"""Where a case stands in its procedure: each step's start, deadline and state on a day.

Takes a :class:`~rongcuo.procedure.state.CaseState`, the effective ruleset (its ``procedure``:
each step's time limit in working days, the event it counts from, the event that marks it done,
who must act) and the :class:`~rongcuo.memo.calendar.OfficialCalendar`; gives one
:class:`StepDue` per step and the case's :func:`status`. Every limit comes from the ruleset;
nothing here knows a number of days.

A step's state on ``as_of``:

* ``done`` — its ``done_by`` event is recorded (``late`` says whether after its deadline);
* ``overdue`` — a body's step not done, past its deadline (the extended one once extended);
* ``lapsed`` — a cadre's step (applying, appealing) not taken by its deadline: a right unused;
* ``open`` — started and within its deadline;
* ``waiting`` — the event it counts from has not happened yet;
* ``pending`` — a step without a time limit (the decision), not yet done.

A deadline the calendar cannot count (a year it does not cover, RC406) is given as ``error``
with the reason, never raised: one case past 2026 must not stop a list of them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Literal

from rongcuo.errors import InputError
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.procedure.state import CaseState
from rongcuo.ruleset.model import ANCHORS, ProcedureStep, Ruleset

StepState = Literal["done", "overdue", "lapsed", "open", "waiting", "pending"]
STATE_LABELS: dict[str, str] = {
    "done": "已完成",
    "overdue": "已逾期",
    "lapsed": "未行使（已过期限）",
    "open": "办理中",
    "waiting": "尚未开始",
    "pending": "待办理",
}


@dataclass(frozen=True)
class StepDue:
    """One step of a case's procedure on a day."""

    id: str
    label: str
    by: str
    state: StepState
    starts: str = ""  # the event it counts from, as a memo names it
    start: dt.date | None = None
    limit_days: int = 0
    due: dt.date | None = None
    extendable_by: int = 0
    extended_due: dt.date | None = None  # when an extension is recorded
    extension_reason: str = ""
    done_on: dt.date | None = None
    late: bool = False
    error: str = ""  # why the deadline cannot be counted (RC406), else ""
    error_code: str = ""

    @property
    def effective_due(self) -> dt.date | None:
        """The deadline that applies: the extended one once an extension is recorded."""
        return self.extended_due or self.due

    @property
    def state_label(self) -> str:
        """The state in Chinese."""
        return STATE_LABELS[self.state]


def step_dues(
    state: CaseState, rs: Ruleset, calendar: OfficialCalendar, as_of: dt.date
) -> list[StepDue]:
    """Every step of ``rs.procedure`` for this case on ``as_of``."""
    return [_step(step, state, calendar, as_of) for step in rs.procedure]


def _step(step: ProcedureStep, state: CaseState, cal: OfficialCalendar, as_of: dt.date) -> StepDue:
    limit = step.time_limit
    done_on = state.dates.get(step.done_by) if step.done_by else None
    base = StepDue(step.id, step.label, step.by, "pending", done_on=done_on)
    if limit is None or not limit.anchor:
        return dataclasses.replace(base, state="done" if done_on else "pending")
    start = state.dates.get(limit.anchor)
    extension = state.extensions.get(step.id)
    base = dataclasses.replace(
        base,
        starts=limit.starts or ANCHORS[limit.anchor],
        start=start,
        limit_days=limit.working_days,
        extendable_by=limit.extendable_by,
        extension_reason=extension.reason if extension else "",
    )
    if start is None:
        return dataclasses.replace(base, state="done" if done_on else "waiting")
    try:
        due = cal.add_working_days(start, limit.working_days)
        extended = (
            cal.add_working_days(start, limit.working_days + limit.extendable_by)
            if extension and limit.extendable_by
            else None
        )
    except InputError as exc:
        d = exc.diagnostics[0]
        return dataclasses.replace(
            base,
            state="done" if done_on else "open",
            error=f"{d.message_zh} / {d.message_en}",
            error_code=d.code,
        )
    base = dataclasses.replace(base, due=due, extended_due=extended)
    last = extended or due
    if done_on is not None:
        return dataclasses.replace(base, state="done", late=done_on > last)
    if as_of > last:
        return dataclasses.replace(base, state="lapsed" if step.by == "cadre" else "overdue")
    return dataclasses.replace(base, state="open")


def status(dues: list[StepDue]) -> tuple[str, str]:
    """The case's status id and label: the first of the body's steps open, overdue or
    pending, else whether the cadre may still appeal, else closed."""
    for due in dues:
        if due.by == "body" and due.state in ("overdue", "open", "pending"):
            tag = "（已逾期）" if due.state == "overdue" else ""
            return (due.id, f"{due.label}{tag}")
    for due in dues:
        if due.by == "cadre" and due.state == "open":
            return (due.id, f"{due.label}期间")
    return ("closed", "已办结")
