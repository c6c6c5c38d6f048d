"""The memo's data: everything a memo template may print, computed before the template runs.

A template lays this out and words it; it decides nothing. Every finding arrives here with the
rule that made it and the clause that rule encodes (:class:`Source`), so a template can cite both
beside each paragraph. Deadlines are computed here on the official calendar, never in a template.

``rongcuo schema memo`` prints this contract as JSON Schema for template authors.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rongcuo.case.file import Case
from rongcuo.decision.model import (
    AllegationClearing,
    CitationRef,
    Decision,
    FactUse,
    MissingFact,
    NamedRef,
    PresumedFact,
    RuleResult,
    TraceStep,
)
from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.ruleset.model import ANCHORS, Citation, Ruleset

BLANK = "＿＿＿＿＿＿"  # a line to fill in by hand, where the case file gives nothing
BLANK_DATE = "＿＿＿＿年＿＿月＿＿日"

_STATUS = {
    "established": "经核查成立",
    "not_established": "经核查不成立",
    "unknown": "事实尚不清楚",
    "referred_to_committee": "须提请党委（党组）集体研究认定",
}


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Model):
    """Where a finding comes from: the rule that made it and the clause the rule encodes."""

    rule: str = Field(description="rule id (规则标识)")
    cite: str = Field(description="《文件》条款, e.g. 《中国共产党问责条例》第十七条第一款")
    quote: str = Field(description="the clause's text as the ruleset quotes it (条文)")


class Finding(_Model):
    """A rule that holds (or is undecided), with the case's facts it read."""

    id: str
    label: str
    value: str = Field(description="true / false / unknown")
    facts: str = Field(description="事实：值；… (the facts the rule read, as printed)")
    source: Source | None


class LookParagraph(_Model):
    """One of the six looks: the finding, the facts behind it, the clauses."""

    id: str
    label: str
    question: str
    finding: str = Field(description="favourable / unfavourable / neutral / unknown")
    finding_label: str = Field(description="有利 / 不利 / 中性 / 事实不清")
    known: str = Field(description="已查明的事实：值；…")
    unknown: str = Field(description="尚未查明的事实，顿号分隔")
    rules: list[Finding] = Field(description="the look's rules that hold (or are undecided)")


class DistinctionParagraph(_Model):
    """Which side of one of the three distinctions the conduct falls on."""

    id: str
    label: str
    side: str
    side_label: str
    tolerable: str
    intolerable: str
    rules: list[Finding]


class ClaimLine(_Model):
    """A situation the applicant invoked, as checked."""

    id: str
    label: str
    status: str
    status_label: str


class Effect(_Model):
    """What follows the outcome (认定后的影响)."""

    id: str
    text: str
    source: Source | None


class MissingLine(_Model):
    """A fact still to establish, why it matters, and what each value would lead to.

    The lines come in the order the decision gives: the order to ask them in."""

    id: str
    label: str
    question: str
    changes_outcome: bool
    settles: bool = Field(description="every value of it alone decides the case: ask it first")
    jointly: bool = Field(
        description="it changes nothing alone, but does together with another missing fact"
    )
    stated_unknown: bool = Field(description="the case file states it as not yet established")
    weight: str = Field(
        description="查明即可作出认定 / 影响认定结论 / 需与其他事实一并查明 / "
        "单独查明不改变认定结论，宜一并查明"
    )
    looks: str = Field(description="相关的六看，顿号分隔")
    rules: list[Finding] = Field(description="the undecided rules that read this fact")
    effects: list[str] = Field(description="若为「值」→ 结论 (one line per value)")


class PresumedLine(_Model):
    """A fact the case file leaves out, read as the ruleset presumes it (catalogue §6)."""

    id: str
    label: str
    display: str = Field(description="the presumed value, as printed")
    reason: str = Field(description="why it is presumed, as the ruleset says")
    changes_outcome: bool = Field(description="another value of it would change the outcome")
    effects: list[str] = Field(
        description="如为「值」，结论将为“结论” (one per other outcome; empty when none)"
    )


class Correction(_Model):
    """A correction measure; blanks where the case file does not say."""

    what: str
    who: str
    due: str
    given: bool = Field(description="false when the line is a blank to fill in")


class Deadline(_Model):
    """A next procedural step and its deadline in working days (empty fields: no time limit)."""

    id: str
    label: str
    description: str
    limit: str = Field(default="", description="e.g. 15个工作日（可延长一次，不超过15个工作日）")
    starts: str = Field(default="", description="the event the count starts from")
    start_date: str = Field(default="", description="that event's date")
    start_note: str = Field(
        default="",
        description="how the start date was assumed; empty when the case file records it",
    )
    deadline: str = Field(default="", description="the last day, 2024年10月10日")
    deadline_iso: str = ""
    extended_deadline: str = Field(default="", description="the last day if extended once")
    source: Source | None


class Provenance(_Model):
    """What produced this memo, exactly (the footer)."""

    ruleset_id: str
    ruleset_title: str
    ruleset_version: str
    ruleset_hash: str
    case_id: str
    case_hash: str
    as_of: str
    engine: str
    rongcuo_version: str
    template: str
    template_version: str
    template_hash: str
    calendar: str


class MemoCase(_Model):
    """The case as the memo presents it."""

    id: str
    title: str
    incident_date: str
    narrative: str
    cadre_name: str
    cadre_position: str
    cadre_unit: str
    evidence: list[str]


Document = Literal["decision", "clearing", "referral", "reporter"]
#: The documents a decision can yield (``rongcuo memo --document``): the decision's own memo,
#: chosen by its outcome, and the three documents of clearing names (catalogue §10).
DOCUMENTS: tuple[Document, ...] = ("decision", "clearing", "referral", "reporter")
DOCUMENT_TITLES: dict[Document, str] = {
    "decision": "认定意见",
    "clearing": "澄清正名通知书",
    "referral": "诬告陷害问题移送函",
    "reporter": "举报人核查结果告知书",
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


class NamedLine(_Model):
    """A false-accusation kind, clearing method or handling of the reporter, with its clause."""

    id: str
    label: str
    definition: str = Field(default="", description="the ruleset's definition (kinds)")
    source: Source | None = Field(
        description="the rule that named it and its clause (or the clearing block's clause)"
    )


class ClearingDue(_Model):
    """By when the name is to be cleared: working days from the day the verification concluded,
    counted on the official calendar (the day itself not counted)."""

    working_days: int
    limit: str = Field(description="15个工作日")
    starts: str = Field(description="the event the count starts from: 核查结论作出之日")
    start_date: str = Field(description="that day, 2025年5月20日; empty when the case omits it")
    deadline: str = Field(description="the last day, 2025年6月11日; empty without a start date")
    deadline_iso: str = ""
    text: str = Field(
        description="the whole time limit as memos print it: 自核查结论作出之日（…）起15个工作日内，"
        "即……前 / 自核查结论作出之日起15个工作日内 when the start is not given"
    )
    source: Source | None


class AllegationLine(_Model):
    """One allegation (问题线索) as the clearing documents print it."""

    id: str
    summary: str
    finding: str = Field(description="the finding id (substantiated … fabricated, unknown)")
    finding_label: str
    struck: str = Field(description="true / false / unknown: struck from the matter")
    strike: Finding | None = Field(description="the strike rule that holds, with its clause")
    kind: NamedLine | None = Field(description="the false-accusation kind (fabricated only)")
    kind_presumed: bool = Field(
        default=False, description="the case names no kind: the ruleset's presumed one (fa_other)"
    )
    spread: str | None
    spread_label: str = Field(description="the scope it reached: 本单位 / 镇村、社区 / 网络 …")
    clearing: str = Field(description="clear / pending / not_cleared")
    clearing_label: str
    consent_pending: bool = Field(
        description="the cadre's consent is still to be sought (尚待征求本人意见)"
    )
    pending: str = Field(description="the facts the clearing waits on, 顿号分隔")
    pending_questions: list[str] = Field(description="the questions to ask about them")
    methods: list[NamedLine] = Field(description="clearing methods, each with its rule's clause")
    methods_text: str = Field(description="the methods, 顿号分隔")
    by: str = Field(description="who clears (谁核实谁澄清)")
    by_source: Source | None
    deadline: ClearingDue | None = Field(description="clear and pending only")
    reporter: str = Field(description="实名举报 / 匿名举报 / 案件材料未载明是否实名")
    reporter_signed: bool | None
    reporter_informed: bool | None
    handlings: list[NamedLine] = Field(description="what becomes of the reporter, in order")
    referred: bool = Field(description="its author is referred for handling (fabricated)")
    feedback: bool = Field(description="a signed reporter is still to be told the result")


class ClearingMemo(_Model):
    """Clearing names (澄清正名) as the memos print it: every allegation, and the ones each of
    the three clearing documents is about."""

    all_struck: str = Field(description="true / false / unknown: every allegation struck")
    summary: str = Field(description="the decision's one-paragraph summary")
    paragraph: str = Field(
        description="for the decision memos: which allegations are struck as untrue, mistaken "
        "or fabricated, and that they are cleared (or consent is pending); empty when none is"
    )
    allegations: list[AllegationLine] = Field(description="every allegation, in case order")
    to_clear: list[AllegationLine] = Field(
        description="clearing clear or pending: the 澄清正名通知书 lists these"
    )
    to_refer: list[AllegationLine] = Field(
        description="reporter referred (fabricated): the 诬告陷害问题移送函 lists these"
    )
    to_tell: list[AllegationLine] = Field(
        description="reporter feedback (signed, not yet told): one 举报人核查结果告知书 each"
    )


class MemoContext(_Model):
    """Everything a memo template receives (as ``memo``), plus ``decision`` and ``case`` raw."""

    kind: str = Field(description="the outcome id; it chooses the bundled template")
    outcome_label: str
    reason: str
    deciding: Finding | None = Field(description="the decision-order rule that decided")
    possible_outcomes: list[str] = Field(description="labels of the outcomes still open")
    doc_number: str = Field(description="文号; a blank slot unless given")
    issuer: str = Field(description="认定机关; a blank unless given")
    jurisdiction: str
    date: str = Field(description="成文日期 = as_of, 2024年3月18日")
    case: MemoCase
    claims: list[ClaimLine]
    situations: list[Finding] = Field(description="situations that hold")
    open_situations: list[Finding] = Field(description="situations still undecided")
    exclusions: list[Finding] = Field(description="exclusions that hold")
    open_exclusions: list[Finding] = Field(description="exclusions still undecided")
    preconditions: list[Finding] = Field(description="every precondition, with its value")
    unmet_preconditions: list[Finding]
    grounds: list[Finding] = Field(description="mitigating/aggravating grounds that hold")
    looks: list[LookParagraph]
    distinctions: list[DistinctionParagraph]
    presumed: list[PresumedLine] = Field(
        description="facts read as presumed that the decision rests on, in the decision's order"
    )
    presumed_paragraph: str = Field(
        description="one paragraph in plain Chinese: the presumptions relied on, first those "
        "that would change the outcome; empty when nothing is presumed"
    )
    version_note: str = Field(
        default="",
        description="从旧兼从轻: which of the two versions the case was decided under applies, "
        "and why (empty when one version decides)",
    )
    missing: list[MissingLine] = Field(description="facts still to establish, in asking order")
    corrections: list[Correction]
    corrections_given: bool
    effects: list[Effect] = Field(description="what follows this outcome")
    deadlines: list[Deadline] = Field(description="the procedural next steps")
    proposal_note: str
    provenance: Provenance
    document: str = Field(
        default="decision",
        description="decision (the outcome's memo) / clearing / referral / reporter",
    )
    document_title: str = Field(default="", description="the document's title")
    clearing: ClearingMemo | None = Field(
        default=None, description="clearing names; null when the case lists no allegations"
    )


def cn_date(day: dt.date) -> str:
    """2024年3月8日 — the form official documents use (GB/T 9704: Arabic numerals, no padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_LARGE_UNITS = ("", "万", "亿", "万亿")


def cn_numeral(n: int) -> str:
    """The Chinese numeral memos number their items with: 1 → 一, 10 → 十, 21 → 二十一,
    105 → 一百零五, 110 → 一百一十, 10001 → 一万零一. Any count, not a fixed list: a newly
    opened case can have dozens of facts still to establish."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"cn_numeral needs an integer, got {type(n).__name__}")
    if n < 0:
        return "负" + cn_numeral(-n)
    if n == 0:
        return _DIGITS[0]
    groups: list[int] = []  # groups of four digits, lowest first: 1_2345_6789 → [6789, 2345, 1]
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    if len(groups) > len(_LARGE_UNITS):
        raise ValueError("cn_numeral counts below 10**16")
    out = ""
    zero = False  # a gap of zeros waiting to be read as one 零
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += _DIGITS[0]
        out += _group(group) + _LARGE_UNITS[index]
        zero = False
    # 十 alone, not 一十, at the head: 十五, 十万; inside a number it is 一十 (一百一十).
    return out[1:] if out.startswith("一十") else out


def _group(n: int) -> str:
    """A number below 10,000 without its head rule: 1010 → 一千零一十, 7 → 七."""
    out = ""
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += _DIGITS[0]
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[power]
    return out


def _source(
    rule: str, c: CitationRef | Citation | None, rs: Ruleset | None = None
) -> Source | None:
    if c is None:
        return None
    if isinstance(c, Citation):
        doc = rs.documents.get(c.doc) if rs else None
        title = doc.title if doc else c.doc
    else:
        title = c.doc_title
    title = title if title.startswith("《") else f"《{title}》"
    return Source(rule=rule, cite=f"{title}{c.clause}", quote=c.text)


def _facts(uses: Iterable[FactUse]) -> str:
    """``事实：值；…``, a presumed value marked 「（推定）」 wherever it is printed."""
    return "；".join(f"{u.label}：{u.display}{'（推定）' if u.presumed else ''}" for u in uses)


def _finding(r: RuleResult | TraceStep) -> Finding:
    rid = r.rule if isinstance(r, TraceStep) else r.id
    return Finding(
        id=rid, label=r.label, value=r.value, facts=_facts(r.facts), source=_source(rid, r.citation)
    )


def _held(rules: Iterable[RuleResult], value: str = "true") -> list[Finding]:
    return [_finding(r) for r in rules if r.value == value]


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
    look_label = {look.id: look.label for look in decision.looks}
    deciding = next((w for w in decision.walk if w.rule == decision.deciding_rule), None)
    traced = {t.rule: t for t in decision.trace}
    cadre = case.cadre
    name, template_version, template_hash = template
    clearing = _clearing(decision, ruleset, calendar, where)
    return MemoContext(
        document=document,
        document_title=decision.outcome_label
        if document == "decision"
        else DOCUMENT_TITLES[document],
        clearing=clearing,
        kind=decision.outcome,
        outcome_label=decision.outcome_label,
        reason=decision.reason_zh,
        deciding=None
        if deciding is None
        else Finding(
            id=deciding.rule,
            label=deciding.label,
            value=deciding.value,
            facts="",
            source=_source(deciding.rule, deciding.citation),
        ),
        possible_outcomes=[label[o] for o in decision.possible_outcomes],
        doc_number=doc_number or "〔　　〕　　号",
        issuer=issuer or BLANK,
        jurisdiction=ruleset.jurisdiction,
        date=cn_date(as_of),
        case=MemoCase(
            id=case.id,
            title=case.title,
            incident_date=cn_date(case.incident_date),
            narrative=case.narrative or "",
            cadre_name=(cadre.name if cadre else None) or BLANK,
            cadre_position=(cadre.position if cadre else None) or BLANK,
            cadre_unit=(cadre.unit if cadre else None) or BLANK,
            evidence=[f"{e.id} {e.title}" for e in case.evidence],
        ),
        claims=[
            ClaimLine(id=c.id, label=c.label, status=c.status, status_label=_STATUS[c.status])
            for c in decision.claimed_situations
        ],
        situations=_held(decision.situations),
        open_situations=_held(decision.situations, "unknown"),
        exclusions=_held(decision.exclusions),
        open_exclusions=_held(decision.exclusions, "unknown"),
        preconditions=[_finding(r) for r in decision.preconditions],
        unmet_preconditions=_held(decision.preconditions, "false"),
        grounds=_held(decision.grounds),
        looks=[
            LookParagraph(
                id=look.id,
                label=look.label,
                question=ruleset.looks[look.id].question,
                finding=look.finding,
                finding_label=look.finding_label,
                known=_facts(f for f in look.facts if f.value is not None),
                unknown="、".join(f.label for f in look.facts if f.value is None),
                rules=[_finding(r) for r in look.rules],
            )
            for look in decision.looks
        ],
        distinctions=[
            DistinctionParagraph(
                id=d.id,
                label=d.label,
                side=d.side,
                side_label=d.side_label,
                tolerable=d.tolerable,
                intolerable=d.intolerable,
                rules=[_finding(r) for r in d.rules if r.value != "false"],
            )
            for d in decision.distinctions
        ],
        presumed=[_presumed_line(p, decision.outcome) for p in decision.presumed],
        presumed_paragraph=presumed_paragraph(decision.presumed, decision.outcome),
        version_note=decision.versions.reason_zh if decision.versions else "",
        missing=[  # in the decision's order: the order an investigator should ask them
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
                rules=[_finding(traced[r]) for r in m.rules if r in traced],
                effects=[f"若为「{e.display}」→ {e.outcome_label}" for e in m.effects],
            )
            for m in decision.missing_facts
        ],
        corrections=[
            Correction(
                what=c.what,
                who=c.who or BLANK,
                due=cn_date(c.due) if c.due else BLANK_DATE,
                given=True,
            )
            for c in case.corrections
        ]
        or [Correction(what=BLANK, who=BLANK, due=BLANK_DATE, given=False)],
        corrections_given=bool(case.corrections),
        effects=[
            Effect(id=e.id, text=e.text, source=_source(e.id, e.cite, ruleset))
            for e in ruleset.effects.values()
            if e.outcome == decision.outcome
        ],
        deadlines=_deadlines(decision.outcome, case, ruleset, as_of, calendar, where),
        proposal_note=decision.proposal_note,
        provenance=Provenance(
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
        ),
    )


def missing_weight(m: MissingFact) -> str:
    """How much a missing fact matters, in the words memos and the text view print beside it."""
    if m.settles:
        return "查明即可作出认定"
    if m.changes_outcome:
        return "影响认定结论"
    if m.jointly:
        return "需与其他事实一并查明"
    # not examined together with the others (too many missing): alone it changes nothing
    return "单独查明不改变认定结论，宜一并查明"


def _other_values(p: PresumedFact, outcome: str) -> dict[str, list[str]]:
    """The other values of a presumed fact that change the outcome, by the outcome (label)
    each leads to, in the order the decision tried them."""
    by_outcome: dict[str, list[str]] = {}
    for e in p.effects:
        if e.outcome != outcome:
            by_outcome.setdefault(e.outcome_label, []).append(e.display)
    return by_outcome


def _count(n: int) -> str:
    """A count before a measure word: 两项, not 二项 (十二项, 二十项 as written)."""
    return "两" if n == 2 else cn_numeral(n)


def _values(p: PresumedFact, displays: list[str]) -> str:
    """「较小」或「较大」; nothing for a yes/no fact, whose one other value is the opposite of
    what its reason says was presumed."""
    if isinstance(p.value, bool):
        return ""
    return "或".join(f"「{d}」" for d in displays)


def _presumed_line(p: PresumedFact, outcome: str) -> PresumedLine:
    effects = []
    for label, displays in _other_values(p, outcome).items():
        values = _values(p, displays)
        effects.append(f"{'如为' + values if values else '如与此相反'}，结论将为“{label}”")
    return PresumedLine(
        id=p.id,
        label=p.label,
        display=p.display,
        reason=p.reason,
        changes_outcome=p.changes_outcome,
        effects=effects,
    )


def presumed_paragraph(presumed: Iterable[PresumedFact], outcome: str) -> str:
    """The presumptions a decision rests on, as one paragraph of a memo's facts section.

    First, by the outcome they would lead to, the presumptions whose reversal would change the
    outcome, each in the ruleset's words (its reason) and, for a fact that is not yes/no, the
    values that would; then the others, by name and presumed value. No rule ids: the paragraph
    is for the deciding body; ids and hashes are in the provenance footer and the trace.
    """
    rows = list(presumed)
    if not rows:
        return ""
    groups: dict[str, list[str]] = {}  # outcome label -> the reasons that would lead to it
    changers: set[str] = set()
    for p in rows:
        for label, displays in _other_values(p, outcome).items():
            values = _values(p, displays)
            reason = p.reason.rstrip("。；")
            groups.setdefault(label, []).append(f"{reason}（如为{values}）" if values else reason)
            changers.add(p.id)
    others = [p for p in rows if p.id not in changers]
    text = f"认定所依据的事实中，有{_count(len(rows))}项案件材料未载明，按规则集的推定认定。"
    for label, reasons in groups.items():
        text += (
            f"下列{_count(len(reasons))}项推定如与实际情况不符，结论将为“{label}”："
            + "；".join(reasons)
            + "。"
        )
    if others:
        listed = "；".join(f"{p.label}：{p.display}" for p in others)
        lead = f"其余{_count(len(others))}项推定" if changers else "这些推定"
        text += f"{lead}即使与实际情况不符，认定结论也不改变：{listed}。"
    return text


def _deadlines(
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
    out: list[Deadline] = []
    for step in steps:
        limit = step.time_limit
        source = _source(step.id, step.cite, rs)
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


# --- clearing names (catalogue §10) ---------------------------------------------------------


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


def _named_source(ref: NamedRef, rule: str = "") -> Source | None:
    return _source(rule or ref.id, ref.citation)


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
    source = _source(rule.id, rule.citation) if rule and rule.citation else _named_source(ref)
    return NamedLine(id=ref.id, label=ref.label, definition=ref.definition, source=source)


def _due(
    a: AllegationClearing, calendar: OfficialCalendar, where: Location | None
) -> ClearingDue | None:
    d = a.deadline
    if d is None:
        return None
    source = _source(d.param or "clearing", d.citation)
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
        strike=_finding(strike) if strike else None,
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
        by_source=_source("clearing.by", a.by_citation),
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


def _clearing(
    decision: Decision, rs: Ruleset, calendar: OfficialCalendar, where: Location | None
) -> ClearingMemo | None:
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
