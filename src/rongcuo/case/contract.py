"""The case-file contract: what other systems write, as the pydantic models of a case file.

Takes nothing; gives :class:`Case` and the parts of it (the cadre, evidence, procedure dates,
corrections, allegations with their reporter, the sanctions finally given with their kinds
:data:`SANCTION_KINDS`), the ``Day`` type every date field takes, and how
a case states that a fact is not yet established (:data:`UNKNOWN_WORDS`,
:func:`stated_unknown`). pydantic checks a file against these in
:mod:`rongcuo.case.envelope`; the facts themselves are checked against a ruleset in
:mod:`rongcuo.case.file`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from rongcuo.ruleset.reader import parse_day

#: Text that must say something: not empty and not only spaces (a blank case id names nothing,
#: and every record and memo file is named after it).
_NOT_BLANK = r"\S"


def _day(value: Any) -> Any:
    """A date field takes a day (a YAML date or ``YYYY-MM-DD`` text) and nothing else.

    pydantic alone would cut ``2024-01-01T00:00:00`` to its day and read a number as a Unix
    timestamp (``incident_date: 0`` is 1970-01-01); a time of day is an error here (RC005, with
    the day to write instead), and anything else is left for pydantic to reject as not a date.
    """
    day, with_time = parse_day(value)
    if day is not None:
        return day
    if with_time:
        raise PydanticCustomError("date_with_time", "a date without a time of day")
    if isinstance(value, str | int | float):
        raise PydanticCustomError("date_type", "a date (YYYY-MM-DD)")
    return value


Day = Annotated[dt.date, BeforeValidator(_day)]
#: A fact as a case file writes it: a list only for an enum fact declared ``multiple: true``.
RawFactValue = bool | int | float | str | Day | list[str] | None
#: How a case file states that a fact is not yet established (``null`` too): it is unknown,
#: and no presumption applies to it (catalogue §6.1).
UNKNOWN_WORDS = frozenset({"unknown", "不明"})


def stated_unknown(value: object) -> bool:
    """Whether a case file's value says the fact is not yet established."""
    return value is None or (isinstance(value, str) and value.strip() in UNKNOWN_WORDS)


class Cadre(BaseModel):
    """The cadre (干部) whose conduct is assessed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Left out of the case's JSON when not given, so that the content hash (and every record
    # id) of a case with a cadre but no id is what it was before the field existed.
    id: str | None = Field(
        default=None,
        min_length=1,
        pattern=_NOT_BLANK,
        exclude_if=lambda v: v is None,
        description="干部的稳定标识 a stable id tying one cadre's cases together (warning history, "
        "reuse; catalogue §12)",
    )
    name: str | None = Field(default=None, description="姓名")
    position: str | None = Field(default=None, description="职务")
    unit: str | None = Field(default=None, description="单位")


class Evidence(BaseModel):
    """A piece of evidence and the facts it supports."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK)
    title: str = Field(min_length=1, pattern=_NOT_BLANK)
    supports: list[str] = Field(default_factory=list, description="fact ids this evidence supports")


class ProcedureDates(BaseModel):
    """Dates of procedural events that have happened; time limits count from them.

    The keys are the events a ruleset's ``time_limit.from`` names. An event not yet recorded is
    taken to happen on the date of the assessment (``as_of``) when a memo computes deadlines.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    inquiry_notified: Day | None = Field(default=None, description="被告知问责调查之日")
    accepted: Day | None = Field(default=None, description="受理申请或启动程序之日")
    decided: Day | None = Field(default=None, description="作出认定之日")
    notice_received: Day | None = Field(default=None, description="收到书面通知之日")
    # The later events, each left out of the case's JSON when not given so that the content
    # hash of a case dating only the four above is what it was before they existed.
    applied: Day | None = Field(
        default=None, exclude_if=lambda v: v is None, description="提出容错申请之日"
    )
    investigated: Day | None = Field(
        default=None, exclude_if=lambda v: v is None, description="调查核实完毕之日"
    )
    filed: Day | None = Field(
        default=None, exclude_if=lambda v: v is None, description="报组织部门备案之日"
    )
    appealed: Day | None = Field(
        default=None, exclude_if=lambda v: v is None, description="提出申诉之日"
    )
    review_decided: Day | None = Field(
        default=None, exclude_if=lambda v: v is None, description="作出复核决定之日"
    )


class Correction(BaseModel):
    """A correction measure (纠错措施): what to fix, who fixes it, by when."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    what: str = Field(min_length=1, pattern=_NOT_BLANK, description="纠错事项")
    who: str | None = Field(default=None, description="责任人或责任单位")
    due: Day | None = Field(default=None, description="完成时限")


#: The sanctions and organisational handlings a case may record (catalogue §12), id → name.
#: How long each bars promotion is a ruleset parameter (:mod:`rongcuo.procedure.periods`).
SANCTION_KINDS: dict[str, str] = {
    "party_warning": "党内警告",
    "party_serious_warning": "党内严重警告",
    "party_removal_from_post": "撤销党内职务",
    "party_probation": "留党察看",
    "gov_warning": "政务警告",
    "gov_demerit": "记过",
    "gov_major_demerit": "记大过",
    "gov_demotion": "降级",
    "gov_dismissal": "撤职",
    "admonishment": "诫勉",
    "resign_ordered": "责令辞职、引咎辞职",
    "removed_from_office": "免职",
}
SanctionKind = Literal[
    "party_warning",
    "party_serious_warning",
    "party_removal_from_post",
    "party_probation",
    "gov_warning",
    "gov_demerit",
    "gov_major_demerit",
    "gov_demotion",
    "gov_dismissal",
    "admonishment",
    "resign_ordered",
    "removed_from_office",
]
#: The one kind whose case states a length (the probation, 12 or 24 months).
PROBATION = "party_probation"


class Sanction(BaseModel):
    """A sanction or organisational handling finally given (处分、组织处理; catalogue §12)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: SanctionKind = Field(
        description="种类: " + " · ".join(f"{k} {v}" for k, v in SANCTION_KINDS.items())
    )
    decided_on: Day = Field(description="作出处分或处理之日 (ISO date): the period starts on it")
    months: int | None = Field(
        default=None,
        ge=1,
        strict=True,
        exclude_if=lambda v: v is None,
        description="留党察看的期限（月）the probation of party_probation (12 or 24); only for it",
    )

    @model_validator(mode="after")
    def _months_only_for_probation(self) -> Sanction:
        if self.kind == PROBATION and self.months is None:
            raise PydanticCustomError(
                "sanction_months", "party_probation needs months (the probation, 12 or 24)"
            )
        if self.kind != PROBATION and self.months is not None:
            raise PydanticCustomError(
                "sanction_months",
                "only party_probation states months ({kind} does not)",
                {"kind": self.kind},
            )
        return self


def _one_or_many(value: Any) -> Any:
    """``sanction:`` takes one mapping or a list of them; one mapping is a list of one."""
    return [value] if isinstance(value, dict) else value


Sanctions = Annotated[
    list[Sanction],
    BeforeValidator(_one_or_many, json_schema_input_type=Sanction | list[Sanction]),
]


class Reporter(BaseModel):
    """Who reported an allegation, as far as the clearing needs it (catalogue §10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Left out of the case's JSON when not given (old case hashes unchanged). A typical-case
    # library removes it with the cadre's name (catalogue §13).
    name: str | None = Field(
        default=None,
        min_length=1,
        pattern=_NOT_BLANK,
        exclude_if=lambda v: v is None,
        description="举报人姓名 the reporter's name, when signed",
    )

    signed: bool | Unknown | None = Field(
        default=None,
        description="实名举报 the report was signed; unknown / 不明 / null: not yet established",
    )
    informed: bool | Unknown | None = Field(
        default=None,
        description="已向举报人反馈核查结果 the reporter has been told the result; unknown / 不明 "
        "/ null: not yet established",
    )


#: How an allegation's field says it is not yet established, as ``facts`` do (null too).
Unknown = Literal["unknown", "不明"]
Finding = Literal[
    "substantiated", "partly_substantiated", "untrue", "mistaken", "fabricated", "unknown", "不明"
]
Spread = Literal["unit", "locality", "online", "public", "unknown", "不明"]


class Allegation(BaseModel):
    """An allegation (问题线索) the inquiry examined, with its finding (catalogue §10)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK, description="编号, e.g. A1")
    summary: str = Field(min_length=1, pattern=_NOT_BLANK, description="反映的问题")
    finding: Finding | None = Field(
        description="核查结论: substantiated 属实 · partly_substantiated 部分属实 · untrue 失实、"
        "查无实据 · mistaken 错告、误告 · fabricated 诬告陷害 · unknown / 不明 / null 尚未查清"
    )
    kind: str | None = Field(
        default=None,
        description="诬告陷害的种类 (only when fabricated; fa_other when the inquiry names none)",
    )
    reporter: Reporter | None = Field(default=None, description="举报人 the reporter")
    spread: Spread | None = Field(
        default=None,
        description="扩散范围: unit 本单位 · locality 镇村、社区 · online 网络 · public 社会面",
    )
    concluded_on: Day | None = Field(
        default=None, description="核查结论作出之日 (ISO date): the clearing deadline runs from it"
    )


#: The bodies that pursue accountability and so decide on tolerance (谁追责问责，谁负责容错;
#: catalogue §13), id → name.
BODY_KINDS: dict[str, str] = {
    "discipline_commission": "纪委监委",
    "organisation_department": "组织部门",
    "party_committee": "党委（党组）",
    "supervising_department": "主管部门",
}
BodyKind = Literal[
    "discipline_commission", "organisation_department", "party_committee", "supervising_department"
]


class AccountabilityBody(BaseModel):
    """The body pursuing accountability, which runs the tolerance assessment (catalogue §13)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: BodyKind = Field(
        description="种类: " + " · ".join(f"{k} {v}" for k, v in BODY_KINDS.items())
    )
    name: str = Field(min_length=1, pattern=_NOT_BLANK, description="名称, e.g. 中共某县纪委监委")


class Case(BaseModel):
    """A case file: who did what, when, and the facts established so far.

    A fact stated as ``unknown`` (``不明``, ``null``) is unknown, never false; a fact left out
    is read as the ruleset's declaration presumes (catalogue §6), or unknown if it presumes
    nothing.
    """

    def unknown_facts(self) -> frozenset[str]:
        """The facts this file states as not yet established."""
        return frozenset(k for k, v in self.facts.items() if stated_unknown(v))

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, pattern=_NOT_BLANK, description="案件编号, e.g. WZ-2024-017")
    title: str = Field(min_length=1, pattern=_NOT_BLANK, description="案件名称")
    incident_date: Day = Field(description="失误发生日期 (ISO date)")
    # Left out of the case's JSON when not given, so that the content hash (and every record
    # id) of a case without it is what it was before the field existed.
    conduct_until: Day | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="行为终了日期 (ISO date): the last day of conduct that continued; the version "
        "in force on it is the one the conduct is judged under (从旧兼从轻)",
    )
    cadre: Cadre | None = None
    narrative: str | None = Field(default=None, description="基本情况")
    claimed_situations: list[str] = Field(
        default_factory=list,
        description="situation ids the applicant invokes; the engine checks them, never trusts them",
    )
    facts: dict[str, RawFactValue] = Field(
        default_factory=dict,
        description="fact id → value; `unknown`, `不明` or null: stated as not yet established "
        "(no presumption applies); absent: read as the ruleset presumes (or unknown)",
    )
    evidence: list[Evidence] = Field(default_factory=list)
    procedure: ProcedureDates = Field(
        default_factory=ProcedureDates, description="程序节点日期 dates of procedural events"
    )
    corrections: list[Correction] = Field(
        default_factory=list, description="纠错措施 correction measures: what, who, by when"
    )
    # Left out of the case's JSON when empty, so that the content hash of a case without
    # allegations is what it was before the field existed.
    allegations: list[Allegation] = Field(
        default_factory=list,
        exclude_if=lambda v: not v,
        description="问题线索 the allegations the inquiry examined, each with its finding "
        "(catalogue §10): those found untrue, mistaken or fabricated are struck and the cadre's "
        "name cleared",
    )
    # Left out of the case's JSON when empty, so that the content hash of a case without a
    # sanction is what it was before the field existed.
    sanction: Sanctions = Field(
        default_factory=list,
        exclude_if=lambda v: not v,
        description="处分或组织处理 the sanctions finally given (one mapping or a list of "
        "{kind, decided_on, months?}); the impact period runs from each (catalogue §12)",
    )

    # Both left out of the case's JSON when not given (old case hashes unchanged).
    accountability_body: AccountabilityBody | None = Field(
        default=None,
        exclude_if=lambda v: v is None,
        description="问责机关 the body pursuing accountability, which decides on tolerance "
        "(谁追责问责，谁负责容错; catalogue §13)",
    )
    managing_department: str | None = Field(
        default=None,
        min_length=1,
        pattern=_NOT_BLANK,
        exclude_if=lambda v: v is None,
        description="干部管理权限所在的组织部门 the organisation department managing the cadre, with "
        "which the decision is filed (catalogue §13)",
    )

    def content_hash(self) -> str:
        """SHA-256 of the case's canonical JSON."""
        canon = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()
