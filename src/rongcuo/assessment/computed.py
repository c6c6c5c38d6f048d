"""The facts the assessment stage computes (``ASSESSMENT_FACTS``), from the input file.

Takes the assessment ruleset, the input (its sanctions, its warning history, where each stands
in the file) and the day; gives the computed facts the ruleset declares, each with how it was
computed, or raises :class:`~rongcuo.errors.CaseError` (RC179) when the input states one of them
or gives a history that is not the cadre's. ``impact_period_ended`` reads the impact-period
parameters of a tolerance ruleset (``periods``, national by default): the periods are national
law that every local tolerance ruleset inherits, so an assessment ruleset declares none of its
own; a local ruleset that gives a period another value is named instead.
"""

from __future__ import annotations

import datetime as dt

from rongcuo.assessment.history import history_facts
from rongcuo.assessment.input import AssessmentInput
from rongcuo.assessment.model import Computed
from rongcuo.case.contract import SANCTION_KINDS
from rongcuo.case.envelope import CaseSource
from rongcuo.errors import CaseError, Diagnostic
from rongcuo.procedure.periods import impact_period
from rongcuo.ruleset.check_assessment import require_kind
from rongcuo.ruleset.model import ASSESSMENT_FACTS, FactValue, Ruleset

#: The tolerance ruleset whose impact-period parameters apply unless another is named.
DEFAULT_PERIODS = "national"
#: The parameter (``months``) after which a warning lapses, when a warning ruleset declares it.
RESET_PARAMETER = "warning_reset_months"


def computed_facts(
    rs: Ruleset,
    item: AssessmentInput,
    source: CaseSource,
    as_of: dt.date,
    periods: Ruleset | None,
) -> tuple[dict[str, FactValue], list[Computed]]:
    """The computed facts ``rs`` declares, known ones by value, and each one's account."""
    diags = [
        Diagnostic(
            "RC179",
            source.at(("facts", fid), key=True),
            f"事实 {fid}（{rs.facts[fid].label}）由评估程序计算，不能在评估文件中写明",
            f"fact {fid} is computed by the assessment, not stated in its input",
            "删除这一项；"
            + (
                "写明 sanction（处分种类与作出日期）"
                if fid == "impact_period_ended"
                else "写明 history（预警记录）"
            )
            + " remove it",
        )
        for fid in item.facts
        if fid in ASSESSMENT_FACTS and fid in rs.facts
    ]
    diags += _history_errors(item, source)
    if diags:
        raise CaseError(diags)
    values: dict[str, FactValue] = {}
    shown: list[Computed] = []
    if "impact_period_ended" in rs.facts:
        value, basis = _period(item, as_of, periods)
        if value is not None:
            values["impact_period_ended"] = value
        shown.append(_computed(rs, "impact_period_ended", value, basis))
    if "last_level" in rs.facts:
        param = rs.parameters.get(RESET_PARAMETER)
        reset = int(param.value) if param is not None and param.type == "months" else None
        found = history_facts(item.history, as_of, reset)
        values["last_level"] = found.last_level
        if found.last is None:
            basis = "没有预警记录" if not found.lapsed else f"{found.lapsed} 项预警记录均已过期"
        else:
            e = found.last
            basis = f"最近一次预警：{e.given_on} {e.by} {e.form}（{e.level} 级），共 {found.counted} 项记录"
        shown.append(_computed(rs, "last_level", found.last_level, basis))
    return values, shown


def _period(
    item: AssessmentInput, as_of: dt.date, periods: Ruleset | None
) -> tuple[bool | None, str]:
    if not item.sanction:
        return None, "评估文件未载明处分或组织处理（sanction），影响期无法计算"
    if periods is None:
        return None, "没有给出读取影响期参数的容错规则集，影响期无法计算"
    require_kind(periods, "tolerance")  # the impact periods are a tolerance ruleset's parameters
    found = impact_period(item.sanction, periods)
    assert found is not None
    g = found.governing
    kind = SANCTION_KINDS.get(g.sanction.kind, g.sanction.kind)
    basis = (
        f"{kind}（{g.sanction.decided_on} 作出）影响期 {g.months} 个月，至 {found.end} 届满"
        f"（{periods.id} 规则集参数 {g.parameter}）"
    )
    if len(found.periods) > 1:
        basis += f"；共 {len(found.periods)} 项处分，以最晚届满者为准"
    return as_of > found.end, basis


def _computed(rs: Ruleset, fid: str, value: FactValue | None, basis: str) -> Computed:
    decl = rs.facts[fid]
    return Computed(
        id=fid,
        label=decl.label,
        value=value if not isinstance(value, dt.date | frozenset) else str(value),
        display="不明" if value is None else decl.display(value),
        basis=basis,
    )


def _history_errors(item: AssessmentInput, source: CaseSource) -> list[Diagnostic]:
    """RC179 for a history without ``cadre.id`` and for each entry of another cadre."""
    if not item.history:
        return []
    cid = item.cadre.id if item.cadre is not None else None
    if cid is None:
        return [
            Diagnostic(
                "RC179",
                source.at(("history",), key=True),
                "预警记录按干部标识（cadre.id）归集，评估文件写了 history 却没有 cadre.id",
                "a warning history belongs to a cadre: the input gives history but no cadre.id",
                "写明 cadre: {id: …} add cadre.id",
            )
        ]
    return [
        Diagnostic(
            "RC179",
            source.at(("history", i, "cadre_id")),
            f"第 {i + 1} 项预警记录属于干部 {e.cadre_id}，不是本评估的干部 {cid}",
            f"history entry {i + 1} is of cadre {e.cadre_id}, not of the cadre assessed ({cid})",
            "只列本人的预警记录 list this cadre's warnings only",
        )
        for i, e in enumerate(item.history)
        if e.cadre_id != cid
    ]
