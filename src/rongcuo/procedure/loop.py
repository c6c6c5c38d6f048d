"""The loop after a decision (从容错纠错到长效防错, catalogue §9, §13): return visits planned from
the ruleset's parameters, and the open items across every case.

Takes a :class:`~rongcuo.procedure.book.CaseView` (or all of them) and the effective ruleset's
``months`` and ``number`` parameters; gives :func:`visit_plan` — for a tolerated cadre one visit
``return_visit_months`` after the decision, for a cadre held accountable (a sanction recorded, or
an outcome other than tolerate / cleared) ``visits_first_count`` visits spread over
``visits_first_months`` and then ``visits_second_count`` over ``visits_second_months`` (the
"3+3" of Xinghua's practice as national reads it) — and :func:`open_items`, every correction,
visit and measure not yet done and every step past its deadline, across cases, by due date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rongcuo.errors import Diagnostic, Location, RulesetError
from rongcuo.procedure.periods import add_months
from rongcuo.ruleset.model import Ruleset

if TYPE_CHECKING:  # the book plans visits with this module
    from rongcuo.procedure.book import CaseView

#: Outcomes after which a cadre is not held accountable: one visit, not the "3+3".
NOT_ACCOUNTABLE = ("tolerate", "cleared")


def _param(rs: Ruleset, name: str) -> int:
    param = rs.parameters.get(name)
    if param is None:
        raise RulesetError(
            [
                Diagnostic(
                    "RC158",
                    Location(f"<ruleset {rs.id}>", 0, 0, ("parameters", name)),
                    f"规则集 {rs.id} 没有回访参数 {name}",
                    f"ruleset {rs.id} has no return-visit parameter {name}",
                    "在 parameters 中声明它（national 有默认值）declare it (national has one)",
                )
            ]
        )
    return int(param.value)


@dataclass(frozen=True)
class PlannedVisit:
    """A return visit to plan: its id, day and purpose, and the parameters it comes from."""

    id: str
    due: dt.date
    purpose: str
    parameters: tuple[str, ...]


def visit_plan(view: CaseView) -> list[PlannedVisit]:
    """The return visits the ruleset plans after the case's decision (none before one)."""
    decided = view.state.details.get("decided")
    if decided is None:
        return []
    rs, on = view.ruleset, decided.on
    sanctioned = bool(view.state.case.get("sanction"))
    if decided.outcome in NOT_ACCOUNTABLE and not sanctioned:
        months = _param(rs, "return_visit_months")
        purpose = "回访：了解纠错方案落实情况和干部状态"
        return [PlannedVisit("V1", add_months(on, months), purpose, ("return_visit_months",))]
    out: list[PlannedVisit] = []
    start = 0
    for phase, (count_p, months_p) in enumerate(
        (
            ("visits_first_count", "visits_first_months"),
            ("visits_second_count", "visits_second_months"),
        ),
        start=1,
    ):
        count, months = _param(rs, count_p), _param(rs, months_p)
        for i in range(1, count + 1):
            # spread evenly: the i-th of ``count`` visits at i/count of the phase, in days
            phase_start, phase_end = add_months(on, start), add_months(on, start + months)
            span = (phase_end - phase_start).days
            due = phase_start + dt.timedelta(days=span * i // count)
            purpose = f"回访教育（第{phase}阶段第{i}次）"
            out.append(PlannedVisit(f"V{len(out) + 1}", due, purpose, (count_p, months_p)))
        start += months
    return out


@dataclass(frozen=True)
class OpenItem:
    """Something still to do on a case, with its due day (None: no date set)."""

    case_id: str
    kind: str  # step · correction · visit · measure
    id: str
    what: str
    who: str
    due: dt.date | None
    overdue: bool
    order: int = 0  # a step's place in the procedure, so that steps due together keep it


KIND_LABELS = {"step": "程序步骤", "correction": "纠错事项", "visit": "回访", "measure": "完善制度"}


def open_items(views: Sequence[CaseView]) -> list[OpenItem]:
    """Every item not done across the cases, overdue first, then by due day (no date last)."""
    out: list[OpenItem] = []
    for v in views:
        cid = v.state.id
        for n, step in enumerate(v.steps):
            current = step.state == "pending" and v.status == step.id  # the decision, due now
            if (step.state in ("open", "overdue") or current) and step.by == "body":
                late = step.state == "overdue"
                due = step.effective_due
                out.append(OpenItem(cid, "step", step.id, step.label, "", due, late, n))
        for kind, items in (
            ("correction", v.state.corrections),
            ("visit", v.state.visits),
            ("measure", v.state.measures),
        ):
            for item in items.values():
                if item.done_on is None:
                    late = item.due is not None and v.as_of > item.due
                    out.append(OpenItem(cid, kind, item.id, item.what, item.who, item.due, late))
    far = dt.date.max
    return sorted(
        out, key=lambda i: (not i.overdue, i.due or far, i.case_id, i.kind, i.order, i.id)
    )
