"""The memo's data: everything a memo template may print, computed before the template runs.

A template lays this out and words it; it decides nothing. Every finding arrives here with the
rule that made it and the clause that rule encodes (:class:`Source`), so a template can cite both
beside each paragraph. Deadlines are computed here on the official calendar, never in a template.

``rongcuo schema memo`` prints this contract as JSON Schema for template authors.

This module is the assembly: :func:`build_context` and the documents a decision yields
(:func:`require_document`, :func:`template_kind`). The models live in
:mod:`rongcuo.memo.contract`, the findings and their sources in :mod:`rongcuo.memo.findings`,
the presumed facts in :mod:`rongcuo.memo.presumed`, the deadlines in
:mod:`rongcuo.memo.deadlines`, the impact period and who decides in :mod:`rongcuo.memo.impact`,
clearing names in :mod:`rongcuo.memo.clearing` and the Chinese
dates and numerals in :mod:`rongcuo.memo.numerals`; the names other modules import from here
are re-exported.
"""

from __future__ import annotations

import datetime as dt

from rongcuo.case.file import Case
from rongcuo.decision.missing import missing_weight
from rongcuo.decision.model import Decision
from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.clearing import clearing_memo, clearing_paragraph
from rongcuo.memo.contract import (
    DOCUMENT_TITLES,
    DOCUMENTS,
    AllegationLine,
    ClaimLine,
    ClearingDue,
    ClearingMemo,
    Correction,
    Deadline,
    DecidingBody,
    DistinctionParagraph,
    Document,
    Effect,
    Finding,
    ImpactPeriodSection,
    LookParagraph,
    MemoCase,
    MemoContext,
    MissingLine,
    NamedLine,
    PresumedLine,
    Provenance,
    SanctionLine,
    Source,
)
from rongcuo.memo.deadlines import deadlines
from rongcuo.memo.findings import facts_text, finding_of, held, source_of
from rongcuo.memo.impact import deciding_body, impact_section
from rongcuo.memo.numerals import cn_date, cn_numeral
from rongcuo.memo.presumed import presumed_line, presumed_paragraph
from rongcuo.ruleset.model import Ruleset

__all__ = [
    "BLANK",
    "BLANK_DATE",
    "DOCUMENTS",
    "DOCUMENT_TITLES",
    "AllegationLine",
    "ClaimLine",
    "ClearingDue",
    "ClearingMemo",
    "Correction",
    "Deadline",
    "DecidingBody",
    "DistinctionParagraph",
    "Document",
    "DocumentNotApplicable",
    "Effect",
    "Finding",
    "ImpactPeriodSection",
    "LookParagraph",
    "MemoCase",
    "MemoContext",
    "MissingLine",
    "NamedLine",
    "PresumedLine",
    "Provenance",
    "SanctionLine",
    "Source",
    "build_context",
    "clearing_paragraph",
    "cn_date",
    "cn_numeral",
    "missing_weight",
    "presumed_paragraph",
    "require_document",
    "template_kind",
]

BLANK = "＿＿＿＿＿＿"  # a line to fill in by hand, where the case file gives nothing
BLANK_DATE = "＿＿＿＿年＿＿月＿＿日"

_STATUS = {
    "established": "经核查成立",
    "not_established": "经核查不成立",
    "unknown": "事实尚不清楚",
    "referred_to_committee": "须提请党委（党组）集体研究认定",
}
_NOT_APPLICABLE: dict[Document, tuple[str, str]] = {
    "clearing": (
        "没有需要澄清正名的问题线索（予以澄清或尚待征求本人意见的）",
        "no allegation to clear",
    ),
    "referral": ("没有经核查系诬告陷害、需移送查处的问题线索", "no allegation found fabricated"),
    "reporter": (
        "没有需要告知核查结果的实名举报人（实名举报且尚未告知的问题线索）",
        "no signed reporter still to be told the result",
    ),
}


class DocumentNotApplicable(InputError):
    """The document asked for does not apply to the decision (RC418): no allegation to clear,
    none found fabricated, or no signed reporter still to tell. Never an empty memo."""


def build_context(
    decision: Decision,
    case: Case,
    ruleset: Ruleset,
    *,
    calendar: OfficialCalendar,
    template: tuple[str, str, str],
    doc_number: str = "",
    issuer: str = "",
    where: Location | None = None,
    document: Document = "decision",
) -> MemoContext:
    """Gather what a memo prints. ``template`` is (name, version, hash) for the footer.

    ``document`` says which of the decision's documents it is for; one that does not apply to
    the decision raises :class:`DocumentNotApplicable` (RC418)."""
    require_document(decision, document, where)
    as_of = dt.date.fromisoformat(decision.as_of)
    label = {o: ruleset.outcomes[o].label for o in ruleset.outcomes}
    clearing = clearing_memo(decision, ruleset, calendar, where)
    body = deciding_body(case)
    return MemoContext(
        document=document,
        document_title=decision.outcome_label
        if document == "decision"
        else DOCUMENT_TITLES[document],
        clearing=clearing,
        kind=decision.outcome,
        outcome_label=decision.outcome_label,
        reason=decision.reason_zh,
        deciding=_deciding(decision),
        possible_outcomes=[label[o] for o in decision.possible_outcomes],
        doc_number=doc_number or "〔　　〕　　号",
        issuer=issuer or (body.name if body else BLANK),
        jurisdiction=ruleset.jurisdiction,
        date=cn_date(as_of),
        case=_memo_case(case),
        claims=[
            ClaimLine(id=c.id, label=c.label, status=c.status, status_label=_STATUS[c.status])
            for c in decision.claimed_situations
        ],
        situations=held(decision.situations),
        open_situations=held(decision.situations, "unknown"),
        exclusions=held(decision.exclusions),
        open_exclusions=held(decision.exclusions, "unknown"),
        preconditions=[finding_of(r) for r in decision.preconditions],
        unmet_preconditions=held(decision.preconditions, "false"),
        grounds=held(decision.grounds),
        looks=_looks(decision, ruleset),
        distinctions=_distinctions(decision),
        presumed=[presumed_line(p, decision.outcome) for p in decision.presumed],
        presumed_paragraph=presumed_paragraph(decision.presumed, decision.outcome),
        version_note=decision.versions.reason_zh if decision.versions else "",
        missing=_missing(decision),
        corrections=_corrections(case),
        corrections_given=bool(case.corrections),
        effects=[
            Effect(id=e.id, text=e.text, source=source_of(e.id, e.cite, ruleset))
            for e in ruleset.effects.values()
            if e.outcome == decision.outcome
        ],
        deadlines=deadlines(decision.outcome, case, ruleset, as_of, calendar, where),
        proposal_note=decision.proposal_note,
        provenance=_provenance(decision, calendar, template),
        impact_period=impact_section(case, ruleset),
        deciding_body=body,
        filed_with=case.managing_department or "",
    )


def _deciding(decision: Decision) -> Finding | None:
    """The decision-order rule that decided, as a finding (it cites no facts)."""
    deciding = next((w for w in decision.walk if w.rule == decision.deciding_rule), None)
    if deciding is None:
        return None
    return Finding(
        id=deciding.rule,
        label=deciding.label,
        value=deciding.value,
        facts="",
        source=source_of(deciding.rule, deciding.citation),
    )


def _memo_case(case: Case) -> MemoCase:
    """The case as the memo presents it: a blank to fill in where the cadre is not given."""
    cadre = case.cadre
    return MemoCase(
        id=case.id,
        title=case.title,
        incident_date=cn_date(case.incident_date),
        narrative=case.narrative or "",
        cadre_name=(cadre.name if cadre else None) or BLANK,
        cadre_position=(cadre.position if cadre else None) or BLANK,
        cadre_unit=(cadre.unit if cadre else None) or BLANK,
        evidence=[f"{e.id} {e.title}" for e in case.evidence],
    )


def _looks(decision: Decision, ruleset: Ruleset) -> list[LookParagraph]:
    """The six looks: each finding, the facts known and still unknown behind it, its rules."""
    return [
        LookParagraph(
            id=look.id,
            label=look.label,
            question=ruleset.looks[look.id].question,
            finding=look.finding,
            finding_label=look.finding_label,
            known=facts_text(f for f in look.facts if f.value is not None),
            unknown="、".join(f.label for f in look.facts if f.value is None),
            rules=[finding_of(r) for r in look.rules],
        )
        for look in decision.looks
    ]


def _distinctions(decision: Decision) -> list[DistinctionParagraph]:
    """The three distinctions: the side the conduct falls on, with the rules not false."""
    return [
        DistinctionParagraph(
            id=d.id,
            label=d.label,
            side=d.side,
            side_label=d.side_label,
            tolerable=d.tolerable,
            intolerable=d.intolerable,
            rules=[finding_of(r) for r in d.rules if r.value != "false"],
        )
        for d in decision.distinctions
    ]


def _missing(decision: Decision) -> list[MissingLine]:
    """The facts still to establish, in the decision's order: the order an investigator should
    ask them."""
    look_label = {look.id: look.label for look in decision.looks}
    traced = {t.rule: t for t in decision.trace}
    return [
        MissingLine(
            id=m.id,
            label=m.label,
            question=m.question,
            changes_outcome=m.changes_outcome,
            settles=m.settles,
            jointly=bool(m.jointly),
            stated_unknown=m.stated_unknown,
            weight=missing_weight(m),
            looks="、".join(look_label[x] for x in m.looks if x in look_label),
            rules=[finding_of(traced[r]) for r in m.rules if r in traced],
            effects=[f"若为「{e.display}」→ {e.outcome_label}" for e in m.effects],
        )
        for m in decision.missing_facts
    ]


def _corrections(case: Case) -> list[Correction]:
    """The case's correction measures, or one line of blanks to fill in when it gives none."""
    return [
        Correction(
            what=c.what,
            who=c.who or BLANK,
            due=cn_date(c.due) if c.due else BLANK_DATE,
            given=True,
        )
        for c in case.corrections
    ] or [Correction(what=BLANK, who=BLANK, due=BLANK_DATE, given=False)]


def _provenance(
    decision: Decision, calendar: OfficialCalendar, template: tuple[str, str, str]
) -> Provenance:
    """What produced the memo, exactly: ruleset, case, engine, template and calendar."""
    name, template_version, template_hash = template
    return Provenance(
        ruleset_id=decision.ruleset.id,
        ruleset_title=decision.ruleset.title,
        ruleset_version=decision.ruleset.version,
        ruleset_hash=decision.ruleset.content_hash,
        case_id=decision.case.id,
        case_hash=decision.case.content_hash,
        as_of=decision.as_of,
        engine=f"{decision.engine.name} {decision.engine.version}",
        rongcuo_version=decision.engine.rongcuo_version,
        template=name,
        template_version=template_version,
        template_hash=template_hash,
        calendar=f"{calendar.source}，覆盖 {calendar.first_year}–{calendar.last_year} 年",
    )


# --- the documents a decision yields (catalogue §10) ----------------------------------------


def _applies(decision: Decision, document: Document) -> bool:
    c = decision.clearing
    if document == "decision":
        return True
    if c is None:
        return False
    if document == "clearing":
        return any(a.clearing in ("clear", "pending") for a in c.allegations)
    wanted = "referred" if document == "referral" else "feedback"
    return any(h.id == wanted for a in c.allegations for h in a.reporter.handlings)


def require_document(decision: Decision, document: Document, where: Location | None = None) -> None:
    """Raise :class:`DocumentNotApplicable` (RC418) unless ``document`` applies to the
    decision: ``clearing`` needs an allegation to clear (or awaiting consent), ``referral`` one
    found fabricated, ``reporter`` a signed reporter not yet told the result."""
    if _applies(decision, document):
        return
    title = DOCUMENT_TITLES[document]
    zh, en = _NOT_APPLICABLE[document]
    case = decision.case.id
    raise DocumentNotApplicable(
        [
            Diagnostic(
                "RC418",
                where or Location(case),
                f"案件 {case} {zh}，不生成{title}（--document {document}）",
                f"case {case} has {en}: there is no {document} document to write",
                "认定意见用 --document decision（默认）；案件文件的 allegations 载明核查结论后再生成 "
                "use --document decision for the decision's memo; list the allegations and "
                "their findings in the case file first",
            )
        ]
    )


def template_kind(decision: Decision, document: Document) -> str:
    """The name of the bundled template for ``document``: the outcome for the decision's own
    memo (``tolerate``, ``cleared`` …), else the document (``clearing``, ``referral``,
    ``reporter``)."""
    return decision.outcome if document == "decision" else document
