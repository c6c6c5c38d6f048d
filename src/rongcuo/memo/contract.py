"""The memo contract: the models of the data a memo template receives.

Takes nothing: it declares. Gives :class:`MemoContext` and the models it is made of (each
finding with its :class:`Source`, the six looks, three distinctions, missing and presumed
facts, corrections, effects, deadlines, clearing names, the impact period of sanctions, who
decides and where it is filed, the provenance footer), and the
documents a decision can yield (:data:`DOCUMENTS`). :mod:`rongcuo.memo.context` fills them;
``rongcuo schema memo`` prints them as JSON Schema for template authors.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


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


class SanctionLine(_Model):
    """One sanction's impact period (影响期, catalogue §12) as the memo prints it; the end
    fields are empty when the period cannot be computed (``error`` says why)."""

    kind: str = Field(description="the sanction kind id (party_warning …)")
    kind_label: str = Field(description="党内警告 …")
    decided_on: str = Field(description="作出之日, 2024年3月1日")
    decided_on_iso: str
    period_label: str = Field(
        default="", description="the parameter's label, 党内警告的影响期; empty on error"
    )
    months: int | None = Field(default=None, description="the period's months (the parameter)")
    start: str = Field(default="", description="the period's first day")
    end: str = Field(default="", description="the period's last day, 2025年2月28日")
    end_iso: str = ""
    probation: str = Field(
        default="", description="party_probation: 留党察看期12个月（2024年3月1日至2025年2月28日）"
    )
    no_post: str = Field(
        default="",
        description="resign_ordered / removed_from_office: the shorter period without any "
        "post, 辞职、免职后不得担任职务的期限12个月，至2025年2月28日",
    )
    no_post_end_iso: str = ""
    no_post_source: Source | None = None
    governing: bool = Field(default=False, description="its end is the impact period's end")
    text: str = Field(description="the whole line as memos print it (without the citation)")
    source: Source | None = Field(
        default=None, description="the months parameter (rule = its id) and its clause"
    )
    error: str = Field(default="", description="why the period cannot be computed (RC158)")


class ImpactPeriodSection(_Model):
    """The cadre's impact period: every sanction's period, the latest end governing (catalogue
    §12). Present only when the case records a sanction."""

    end: str = Field(default="", description="the governing end, 2027年2月28日; empty on error")
    end_iso: str = ""
    governing: str = Field(default="", description="the governing sanction, 党内警告（…作出）")
    sanctions: list[SanctionLine] = Field(description="in the order the case gives them")
    text: str = Field(description="one sentence: until when the cadre's impact period runs")
    error: str = Field(
        default="",
        description="the period cannot be computed: the diagnostic, 规则集…没有声明…（RC158）",
    )


class DecidingBody(_Model):
    """Who decides (谁追责问责，谁负责容错, catalogue §13): the body pursuing accountability,
    as the case file names it."""

    kind: str = Field(description="discipline_commission / organisation_department / …")
    kind_label: str = Field(description="纪委监委 / 组织部门 / 党委（党组） / 主管部门")
    name: str = Field(description="中共某县纪委监委")


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
    impact_period: ImpactPeriodSection | None = Field(
        default=None, description="the impact period of the case's sanctions; null without one"
    )
    deciding_body: DecidingBody | None = Field(
        default=None,
        description="the body that decides (the case's accountability_body); null when not given",
    )
    filed_with: str = Field(
        default="",
        description="the department the decision is filed with (报……备案: the case's "
        "managing_department); empty when not given",
    )
