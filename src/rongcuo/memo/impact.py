"""The memo's impact period (影响期, catalogue §12) and who decides (谁追责问责，谁负责容错, §13).

Takes the case (its ``sanction`` list, ``accountability_body`` and ``managing_department``) and
the ruleset (the ``months`` parameters, with their clauses). Gives the memo's
:class:`~rongcuo.memo.contract.ImpactPeriodSection` — every sanction's period as a printed
line, the latest end governing — and :class:`~rongcuo.memo.contract.DecidingBody`. The dates
come from :mod:`rongcuo.procedure.periods`; a period the ruleset cannot give (a parameter
missing in a local ruleset, RC158) is printed as such with the diagnostic, never raised: the
rest of the memo stands without it.
"""

from __future__ import annotations

from rongcuo.case.contract import BODY_KINDS, PROBATION, SANCTION_KINDS, Sanction
from rongcuo.case.file import Case
from rongcuo.errors import RulesetError
from rongcuo.memo.contract import DecidingBody, ImpactPeriodSection, SanctionLine, Source
from rongcuo.memo.findings import source_of
from rongcuo.memo.numerals import cn_date
from rongcuo.procedure.periods import SanctionPeriod, sanction_period
from rongcuo.ruleset.model import Ruleset


def impact_section(case: Case, ruleset: Ruleset) -> ImpactPeriodSection | None:
    """The impact period of the case's sanctions under ``ruleset``; ``None`` without any.

    Of equal ends the first sanction given governs (as :func:`~rongcuo.procedure.periods.
    impact_period` decides). When any sanction's period cannot be computed the governing end
    is not known either: ``end`` is empty and ``error`` carries the diagnostic."""
    if not case.sanction:
        return None
    computed: list[SanctionPeriod | str] = []
    for s in case.sanction:
        try:
            computed.append(sanction_period(s, ruleset))
        except RulesetError as exc:
            d = exc.diagnostics[0]
            computed.append(f"{d.message_zh}（{d.code}）")
    periods = [p for p in computed if isinstance(p, SanctionPeriod)]
    errors = [e for e in computed if isinstance(e, str)]
    governing = None if errors else max(periods, key=lambda p: p.end)
    lines = [
        _line(s, c, ruleset, governing is c) for s, c in zip(case.sanction, computed, strict=True)
    ]
    if governing is None:
        error = "；".join(dict.fromkeys(errors))
        return ImpactPeriodSection(
            sanctions=lines,
            text=f"影响期无法计算：{error}。请在规则集中补充该参数后重新生成。",
            error=error,
        )
    first = governing.sanction
    label = f"{SANCTION_KINDS[first.kind]}（{cn_date(first.decided_on)}作出）"
    end = cn_date(governing.end)
    text = (
        f"影响期至{end}届满。"
        if len(lines) == 1
        else f"以上处分或处理中，{label}的影响期届满最晚，影响期以其为准，至{end}届满。"
    )
    return ImpactPeriodSection(
        end=end,
        end_iso=governing.end.isoformat(),
        governing=label,
        sanctions=lines,
        text=text,
    )


def _kind(s: Sanction) -> str:
    label = SANCTION_KINDS[s.kind]
    return f"{label}（察看期{s.months}个月）" if s.kind == PROBATION else label


def _source(ruleset: Ruleset, param: str) -> Source | None:
    p = ruleset.parameters.get(param)
    return source_of(param, p.cite, ruleset) if p is not None else None


def _line(
    s: Sanction, period: SanctionPeriod | str, ruleset: Ruleset, governing: bool
) -> SanctionLine:
    """One sanction as printed: its period from the first day to the last, both counted."""
    head = f"{_kind(s)}，{cn_date(s.decided_on)}作出"
    if isinstance(period, str):
        return SanctionLine(
            kind=s.kind,
            kind_label=SANCTION_KINDS[s.kind],
            decided_on=cn_date(s.decided_on),
            decided_on_iso=s.decided_on.isoformat(),
            text=f"{head}：影响期无法计算。",
            error=period,
        )
    label = ruleset.parameters[period.parameter].label
    main = f"{label}{period.months}个月，自{cn_date(period.start)}至{cn_date(period.end)}"
    probation = no_post = ""
    if period.probation_end is not None:
        probation = (
            f"留党察看期{s.months}个月（{cn_date(s.decided_on)}至{cn_date(period.probation_end)}）"
        )
    if period.no_post_end is not None:
        no = ruleset.parameters[period.no_post_parameter]
        no_post = f"{no.label}{int(no.value)}个月，至{cn_date(period.no_post_end)}"
    text = "；".join(x for x in (probation, no_post, main) if x)
    return SanctionLine(
        kind=s.kind,
        kind_label=SANCTION_KINDS[s.kind],
        decided_on=cn_date(s.decided_on),
        decided_on_iso=s.decided_on.isoformat(),
        period_label=label,
        months=period.months,
        start=cn_date(period.start),
        end=cn_date(period.end),
        end_iso=period.end.isoformat(),
        probation=probation,
        no_post=no_post,
        no_post_end_iso=period.no_post_end.isoformat() if period.no_post_end else "",
        no_post_source=_source(ruleset, period.no_post_parameter)
        if period.no_post_parameter
        else None,
        governing=governing,
        text=f"{head}：{text}。",
        source=_source(ruleset, period.parameter),
    )


def deciding_body(case: Case) -> DecidingBody | None:
    """The body that decides, as the case names it (``accountability_body``); ``None`` when the
    case does not say."""
    body = case.accountability_body
    if body is None:
        return None
    return DecidingBody(kind=body.kind, kind_label=BODY_KINDS[body.kind], name=body.name)
