"""The procedure's next steps and their deadlines, counted on the official calendar.

Takes the outcome, the case (the dates its procedure records), the ruleset's procedure, the
memo's date and the :class:`~rongcuo.memo.calendar.OfficialCalendar`. Gives the memo's
:class:`~rongcuo.memo.contract.Deadline` lines: the investigation while facts are missing, the
steps after it once a proposal is made, each last day in working days. Never in a template.
"""

from __future__ import annotations

import datetime as dt

from rongcuo.case.file import Case
from rongcuo.errors import Location
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.contract import Deadline, Source
from rongcuo.memo.findings import source_of
from rongcuo.memo.numerals import cn_date
from rongcuo.ruleset.model import ANCHORS, ProcedureStep, Ruleset, TimeLimit


def deadlines(
    outcome: str,
    case: Case,
    rs: Ruleset,
    as_of: dt.date,
    calendar: OfficialCalendar,
    where: Location | None,
) -> list[Deadline]:
    """The procedure from where the case stands: the investigation while facts are missing, the
    steps after it once a proposal is made.

    An event the case file does not date is taken to happen on ``as_of``, except the notice,
    which is taken to be received on the last day allowed for serving it (the latest date, so
    the appeal deadline shown is the latest possible).
    """
    steps = list(rs.procedure)
    investigation = next(
        (i for i, s in enumerate(steps) if s.time_limit and s.time_limit.anchor == "accepted"), None
    )
    if investigation is not None and outcome == "insufficient_facts":
        steps = steps[investigation : investigation + 1]
    elif investigation is not None:
        steps = steps[investigation + 1 :]
    recorded = case.procedure
    latest_notice: dt.date | None = None  # the last day to serve the decision's notice
    # events that are a cadre's right (applying, appealing): never presumed to happen
    rights = {s.done_by for s in rs.procedure if s.by == "cadre" and s.done_by}
    out: list[Deadline] = []
    for step in steps:
        limit = step.time_limit
        source = source_of(step.id, step.cite, rs)
        if limit is not None and limit.anchor in rights and getattr(recorded, limit.anchor) is None:
            out.append(_right_not_used(step, limit, source))  # counted from a right unused
            continue
        if limit is None or not limit.anchor:
            starts = limit.starts if limit else ""
            out.append(
                Deadline(
                    id=step.id,
                    label=step.label,
                    description=step.description,
                    starts=starts,
                    source=source,
                )
            )
            continue
        start, note = getattr(recorded, limit.anchor), ""
        if start is None and limit.anchor == "notice_received" and latest_notice is not None:
            start, note = latest_notice, "尚未送达，按书面告知的最后期限推算"
        elif start is None:
            start, note = as_of, "案件材料未载明，按本意见日期推算"
        due = calendar.add_working_days(start, limit.working_days, where=where)
        if limit.anchor == "decided":
            latest_notice = due
        text = f"{limit.working_days}个工作日"
        extended = ""
        if limit.extendable_by:
            text += f"（可延长一次，不超过{limit.extendable_by}个工作日）"
            days = limit.working_days + limit.extendable_by
            extended = cn_date(calendar.add_working_days(start, days, where=where))
        out.append(
            Deadline(
                id=step.id,
                label=step.label,
                description=step.description,
                limit=text,
                starts=limit.starts or ANCHORS[limit.anchor],
                start_date=cn_date(start),
                start_note=note,
                deadline=cn_date(due),
                deadline_iso=due.isoformat(),
                extended_deadline=extended,
                source=source,
            )
        )
    return out


def _right_not_used(step: ProcedureStep, limit: TimeLimit, source: Source | None) -> Deadline:
    """A step counted from a cadre's right not yet used (the review of an appeal not made):
    its limit and when it applies, no dates (the event is never presumed to happen)."""
    return Deadline(
        id=step.id,
        label=step.label,
        description=step.description,
        limit=f"{limit.working_days}个工作日",
        starts=limit.starts or ANCHORS[limit.anchor],
        start_note=f"仅在{ANCHORS[limit.anchor].removesuffix('之日')}时适用",
        source=source,
    )
