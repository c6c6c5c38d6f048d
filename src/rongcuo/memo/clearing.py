"""Clearing names (澄清正名, catalogue §10) as the memos print them.

Takes the decision's clearing block, the ruleset (the clauses of the rules that named each
method and handling) and the official calendar. Gives the memo's
:class:`~rongcuo.memo.contract.ClearingMemo`: every allegation as a line (finding, whether it is
struck, how and by when the name is cleared, what becomes of the reporter, each with its
clause), the allegations each clearing document is about, and the paragraph the decision memos
print (:func:`clearing_paragraph`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from rongcuo.decision.model import AllegationClearing, Decision, NamedRef, RuleResult
from rongcuo.errors import Location
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.contract import AllegationLine, ClearingDue, ClearingMemo, NamedLine, Source
from rongcuo.memo.findings import finding_of, source_of
from rongcuo.memo.numerals import cn_date
from rongcuo.ruleset.model import Ruleset


def _named_source(ref: NamedRef, rule: str = "") -> Source | None:
    return source_of(rule or ref.id, ref.citation)


def _rule_for(
    a: AllegationClearing, rs: Ruleset, kind: str, attr: str, value: str
) -> RuleResult | None:
    """The holding rule of ``kind`` (clearing_method, reporter_handling) that names ``value``."""
    for r in a.rules:
        rule = rs.rules.get(r.id)
        if r.value == "true" and r.kind == kind and getattr(rule, attr, None) == value:
            return r
    return None


def _line(ref: NamedRef, rule: RuleResult | None) -> NamedLine:
    source = source_of(rule.id, rule.citation) if rule and rule.citation else _named_source(ref)
    return NamedLine(id=ref.id, label=ref.label, definition=ref.definition, source=source)


def _due(
    a: AllegationClearing, calendar: OfficialCalendar, where: Location | None
) -> ClearingDue | None:
    d = a.deadline
    if d is None:
        return None
    source = source_of(d.param or "clearing", d.citation)
    limit = f"{d.working_days}个工作日"
    if d.starts_on is None:
        return ClearingDue(
            working_days=d.working_days,
            limit=limit,
            starts=d.starts,
            start_date="",
            deadline="",
            text=f"自{d.starts}起{limit}内（案件材料未载明{d.starts.removesuffix('之日')}日期）",
            source=source,
        )
    start = dt.date.fromisoformat(d.starts_on)
    due = calendar.add_working_days(start, d.working_days, where=where)
    return ClearingDue(
        working_days=d.working_days,
        limit=limit,
        starts=d.starts,
        start_date=cn_date(start),
        deadline=cn_date(due),
        deadline_iso=due.isoformat(),
        text=f"自{d.starts}（{cn_date(start)}）起{limit}内，即{cn_date(due)}前",
        source=source,
    )


_CONSENT = "cadre_consents_to_clearing"


def _allegation_line(
    a: AllegationClearing, rs: Ruleset, calendar: OfficialCalendar, where: Location | None
) -> AllegationLine:
    strike = next((r for r in a.rules if r.kind == "strike" and r.value == "true"), None)
    handlings = [
        _line(h, _rule_for(a, rs, "reporter_handling", "handling", h.id))
        for h in a.reporter.handlings
    ]
    methods = [_line(m, _rule_for(a, rs, "clearing_method", "method", m.id)) for m in a.methods]
    signed = a.reporter.signed
    return AllegationLine(
        id=a.id,
        summary=a.summary,
        finding=a.finding,
        finding_label=a.finding_label,
        struck=a.struck,
        strike=finding_of(strike) if strike else None,
        kind=_line(a.kind, None) if a.kind else None,
        kind_presumed=any(v.id == "allegation_kind" for v in a.presumed),
        spread=a.spread,
        spread_label=a.spread_label,
        clearing=a.clearing,
        clearing_label=a.clearing_label,
        consent_pending=a.clearing == "pending" and any(f.id == _CONSENT for f in a.pending),
        pending="、".join(f.label for f in a.pending),
        pending_questions=[f.question for f in a.pending if f.question],
        methods=methods,
        methods_text="、".join(m.label for m in methods),
        by=a.by,
        by_source=source_of("clearing.by", a.by_citation),
        deadline=_due(a, calendar, where) if a.clearing != "not_cleared" else None,
        reporter="实名举报"
        if signed
        else "匿名举报"
        if signed is False
        else "案件材料未载明是否实名",
        reporter_signed=signed,
        reporter_informed=a.reporter.informed,
        handlings=handlings,
        referred=any(h.id == "referred" for h in handlings),
        feedback=any(h.id == "feedback" for h in handlings),
    )


def clearing_paragraph(lines: Iterable[AllegationLine]) -> str:
    """The paragraph every decision memo prints when allegations are struck: which, found
    what, and whether they are cleared (per the clearing notice) or consent is still pending.
    Empty when no allegation is struck."""
    rows = list(lines)
    struck = [a for a in rows if a.struck == "true"]
    if not struck:
        return ""
    items = "；".join(f"{a.id}「{a.summary}」经核查系{a.finding_label}" for a in struck)
    text = f"经核查，下列问题线索失实、错告误告或诬告陷害，从问责事项中排除：{items}。"
    partly = [a for a in rows if a.struck != "true" and a.clearing == "clear"]
    clear = [a.id for a in struck if a.clearing == "clear"] + [a.id for a in partly]
    pending = [a for a in rows if a.clearing == "pending"]
    declined = [f"{a.id}{a.clearing_label}" for a in struck if a.clearing == "not_cleared"]
    if clear:
        text += f"{'、'.join(clear)}予以澄清正名，方式、范围和时限见澄清正名通知书。"
    if pending:
        waits = "；".join(
            f"{a.id}尚待征求本人意见" if a.consent_pending else f"{a.id}尚待查明{a.pending}"
            for a in pending
        )
        text += f"{waits}，查明、征得同意后按澄清正名通知书澄清正名。"
    if declined:
        text += f"{'；'.join(declined)}。"
    return text


def clearing_memo(
    decision: Decision, rs: Ruleset, calendar: OfficialCalendar, where: Location | None
) -> ClearingMemo | None:
    """The decision's clearing names as the memos print them; ``None`` when the case lists no
    allegations."""
    c = decision.clearing
    if c is None:
        return None
    lines = [_allegation_line(a, rs, calendar, where) for a in c.allegations]
    return ClearingMemo(
        all_struck=c.all_struck,
        summary=c.summary_zh,
        paragraph=clearing_paragraph(lines),
        allegations=lines,
        to_clear=[a for a in lines if a.clearing in ("clear", "pending")],
        to_refer=[a for a in lines if a.referred],
        to_tell=[a for a in lines if a.feedback],
    )
