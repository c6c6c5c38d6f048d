"""The Decision: a proposal for the deciding body, with every finding traced to a rule and clause.

All of it is plain data (pydantic models). Text, JSON and memos are views of it. The JSON form is
the stable contract: ``decision.to_json()`` is byte-identical for the same ruleset, case and
``as_of``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TruthName = Literal["true", "false", "unknown"]
OutcomeId = Literal["tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer"]
JsonValue = bool | int | float | str | None


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CitationRef(_Model):
    """The clause a rule encodes."""

    doc: str
    doc_title: str
    doc_number: str = ""
    clause: str
    text: str


class FactUse(_Model):
    """A fact a rule read, and its value in the case (``null`` when unknown)."""

    id: str
    label: str
    value: JsonValue
    display: str = Field(description="the value as a memo prints it; 未知 when unknown")


class RuleResult(_Model):
    """A rule and whether it holds for the case."""

    id: str
    kind: str
    label: str
    value: TruthName
    citation: CitationRef | None
    facts: list[FactUse]
    unknown_facts: list[str] = Field(
        description="facts this rule reads that the case leaves unknown"
    )
    note: str = ""


class LookFinding(_Model):
    """The finding for one of the six looks."""

    id: str
    label: str
    finding: Literal["favourable", "unfavourable", "neutral", "unknown"]
    finding_label: str
    rules: list[RuleResult] = Field(description="the look's rules that hold or are unknown")
    facts: list[FactUse] = Field(description="the facts declared to inform this look")


class DistinctionFinding(_Model):
    """Which side of one of the three distinctions the conduct falls on."""

    id: str
    label: str
    side: Literal["tolerable", "intolerable", "not_applicable", "unknown"]
    side_label: str
    tolerable: str
    intolerable: str
    rules: list[RuleResult]


class ClaimCheck(_Model):
    """A situation the applicant invoked, as checked (never trusted)."""

    id: str
    label: str
    status: Literal["established", "not_established", "unknown", "referred_to_committee"]


class ValueEffect(_Model):
    """What the outcome would be if a missing fact had this value (others unchanged)."""

    value: JsonValue
    display: str
    outcome: OutcomeId
    outcome_label: str


class MissingFact(_Model):
    """A fact the case leaves unknown that a relevant rule reads."""

    id: str
    label: str
    question: str = ""
    looks: list[str]
    rules: list[str] = Field(description="undecided rules that read it")
    changes_outcome: bool
    effects: list[ValueEffect]


class WalkStep(_Model):
    """One rule of the decision order, as the decision walked through it."""

    step: int
    rule: str
    label: str
    outcome: OutcomeId
    value: TruthName
    citation: CitationRef | None


class TraceStep(_Model):
    """One rule evaluated: what it read and what it concluded."""

    seq: int
    rule: str
    kind: str
    label: str
    value: TruthName
    citation: CitationRef | None
    facts: list[FactUse]
    reads_rules: list[str]


class RulesetRef(_Model):
    """Which ruleset decided, exactly."""

    id: str
    title: str
    version: str
    content_hash: str
    components: list[dict[str, str]]


class EngineRef(_Model):
    """Which engine evaluated the rules."""

    name: str
    version: str
    rongcuo_version: str


class CaseRef(_Model):
    """The case decided."""

    id: str
    title: str
    incident_date: str
    content_hash: str
    cadre: dict[str, str | None] | None


class Decision(_Model):
    """A proposed outcome for a case, with its findings and reasoning trace."""

    outcome: OutcomeId
    outcome_label: str
    reason_zh: str
    reason_en: str
    deciding_rule: str | None
    possible_outcomes: list[OutcomeId] = Field(
        description="outcomes still open when facts are missing (one entry when decided)"
    )
    case: CaseRef
    as_of: str
    ruleset: RulesetRef
    engine: EngineRef
    situations: list[RuleResult]
    exclusions: list[RuleResult]
    preconditions: list[RuleResult]
    grounds: list[RuleResult] = Field(description="mitigating and aggravating grounds")
    looks: list[LookFinding]
    distinctions: list[DistinctionFinding]
    claimed_situations: list[ClaimCheck]
    missing_facts: list[MissingFact]
    walk: list[WalkStep]
    trace: list[TraceStep]
    proposal_note: str = (
        "本结论为建议，须经党委（党组）集体研究决定。This is a proposal for the deciding body."
    )

    def to_json(self) -> str:
        """Canonical JSON: the same inputs give the same bytes."""
        return self.model_dump_json(indent=2) + "\n"

    def situations_matched(self) -> list[RuleResult]:
        """Situations that hold."""
        return [s for s in self.situations if s.value == "true"]

    def exclusions_hit(self) -> list[RuleResult]:
        """Exclusions that hold."""
        return [e for e in self.exclusions if e.value == "true"]
