"""The wire form of the Decision contract, version 1: the models that say what another system
receives, and from which ``schemas/decision.schema.json`` is generated. ``contract`` writes a
Decision in this form; ``expand`` reads it back.

Every rule, clause, document, fact and outcome label is written once, in the tables ``rules``,
``documents``, ``facts`` and ``outcomes``; the trace, the findings and the walk refer to them by
id. Three-valued values are ``true``, ``false`` or ``null`` (unknown) throughout.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rongcuo.decision.model import (
    CaseRef,
    ClaimCheck,
    EngineRef,
    FactRef,
    FactUse,
    JsonValue,
    OutcomeId,
    PresumedValue,
    RulesetRef,
    VersionChoice,
)


class Wire(BaseModel):
    """A part of the wire form: frozen, no field beyond those declared."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class WireClause(Wire):
    """A clause a rule encodes: its document (an id of ``documents``), the clause, its text."""

    doc: str
    clause: str
    text: str


class WireDocument(Wire):
    """A policy document the clauses are in."""

    title: str
    number: str = Field(description="文号; empty when the ruleset gives none")


class WireRule(Wire):
    """A rule as the decision names it."""

    kind: str
    label: str
    note: str = Field(description="what the memo adds when the rule is cited; often empty")
    citation: WireClause | None


class WireFact(Wire):
    """A fact the decision order read, and its value in the case."""

    label: str
    value: JsonValue = Field(description="null when unknown")
    display: str = Field(description="the value as a memo prints it; 未知 when unknown")
    presumed: bool = Field(description="the value is presumed (the case file does not state it)")


class WireTraceStep(Wire):
    """One rule as it was evaluated (the trace is in evaluation order)."""

    rule: str
    value: bool | None = Field(description="true, false, or null (unknown)")
    facts: list[str] = Field(description="the facts it read (ids of ``facts``)")
    reads: list[str] = Field(description="the rules whose values it read")


class WireWalkStep(Wire):
    """One rule of the decision order as the walk met it; its value is in ``trace``."""

    step: int
    rule: str
    outcome: OutcomeId


class WireLook(Wire):
    """One of the six looks (六看) and what it found."""

    id: str
    label: str
    finding: Literal["favourable", "unfavourable", "neutral", "unknown"]
    finding_label: str
    rules: list[str] = Field(description="the rules behind the finding")
    facts: list[str] = Field(description="the facts declared to inform this look")


class WireDistinction(Wire):
    """One of the three distinctions (三个区分开来) and which side the case is on."""

    id: str
    label: str
    side: Literal["tolerable", "intolerable", "not_applicable", "unknown"]
    side_label: str
    tolerable: str
    intolerable: str
    rules: list[str]


class WireNamed(Wire):
    """A kind, method or handling of clearing names."""

    id: str
    label: str
    definition: str = ""
    citation: WireClause | None = None


class WireDeadline(Wire):
    """By when the name is to be cleared: working days from the day the verification
    concluded."""

    working_days: int
    starts: str = Field(description="the event the count starts from, as memos say it")
    starts_on: str | None = Field(
        description="the allegation's concluded_on (ISO), null when the case does not give it"
    )
    param: str = Field(default="", description="the ruleset parameter the limit is")
    citation: WireClause | None = None


class WireReporter(Wire):
    """What happens to the reporter of one allegation (catalogue §10)."""

    signed: bool | None = Field(description="实名举报; null when the case does not say")
    informed: bool | None = Field(description="已告知核查结果; null when the case does not say")
    handlings: list[WireNamed] = Field(description="the handling rules that hold, in order")


class WireEffect(Wire):
    """What the outcome would be with one value of a fact (its label is in ``outcomes``)."""

    value: JsonValue
    display: str
    outcome: OutcomeId


class WireMissingFact(Wire):
    """A fact the case leaves unknown that a relevant rule reads, in the order to ask."""

    id: str
    label: str
    question: str = ""
    looks: list[str]
    rules: list[str] = Field(description="undecided rules that read it")
    changes_outcome: bool = Field(description="some value of it alone changes the outcome")
    settles: bool = Field(description="every value of it alone decides the case: ask it first")
    jointly: bool | None = Field(
        description="it changes nothing alone but does once another missing fact is known "
        "(null: not examined, or it changes the outcome alone)"
    )
    stated_unknown: bool = Field(description="the case file states it as not yet established")
    effects: list[WireEffect]


class WirePresumedFact(Wire):
    """A fact the case file leaves out, read as the ruleset presumes (catalogue §6)."""

    id: str
    label: str
    value: JsonValue
    display: str
    reason: str = Field(description="why it is presumed, as the ruleset says (Chinese)")
    changes_outcome: bool = Field(
        description="some other value of it (tried alone) would change the outcome"
    )
    effects: list[WireEffect] = Field(
        description="the outcome under each other value of it, the other facts unchanged"
    )


class WireClearingRule(Wire):
    """A clearing rule evaluated on one allegation (its own facts)."""

    rule: str
    value: bool | None
    facts: list[FactUse]


class WireAllegation(Wire):
    """One allegation: its finding, whether it is struck, and how the name is cleared."""

    id: str
    summary: str
    finding: str
    finding_label: str
    struck: bool | None
    kind: WireNamed | None
    spread: str | None
    spread_label: str
    clearing: Literal["clear", "pending", "not_cleared"]
    clearing_label: str
    pending: list[FactRef]
    methods: list[WireNamed]
    by: str
    by_citation: WireClause | None
    deadline: WireDeadline | None
    reporter: WireReporter
    presumed: list[PresumedValue]
    rules: list[WireClearingRule]


class WireClearing(Wire):
    """Clearing names (澄清正名), when the case lists allegations."""

    allegations: list[WireAllegation]
    all_struck: bool | None
    summary_zh: str


class DecisionV1(Wire):
    """A Decision as other systems receive it (contract v1)."""

    schema_version: str = Field(pattern=r"^1\.\d+$", description="1.x: see docs/api.md")
    outcome: OutcomeId
    outcome_label: str
    reason_zh: str
    reason_en: str
    deciding_rule: str | None
    possible_outcomes: list[OutcomeId]
    case: CaseRef
    as_of: str
    ruleset: RulesetRef
    versions: VersionChoice | None = None
    engine: EngineRef
    situations: list[str]
    exclusions: list[str]
    preconditions: list[str]
    grounds: list[str]
    looks: list[WireLook]
    distinctions: list[WireDistinction]
    claimed_situations: list[ClaimCheck]
    missing_facts: list[WireMissingFact]
    presumed: list[WirePresumedFact]
    presumed_summary_zh: str
    walk: list[WireWalkStep]
    trace: list[WireTraceStep]
    clearing: WireClearing | None = None
    rules: dict[str, WireRule]
    documents: dict[str, WireDocument]
    facts: dict[str, WireFact]
    outcomes: dict[str, str] = Field(description="the label of each outcome the effects name")
    proposal_note: str
