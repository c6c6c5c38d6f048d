"""The Decision contract, version 1: the JSON another system receives (docs/api.md).

Takes a :class:`~rongcuo.decision.model.Decision` and gives its wire form, and back. The
:class:`Decision` model is the Python view, expanded for templates and code (each finding
carries its rule's label and clause); the wire form says each rule, clause, document and fact
once and refers to them by id:

* ``rules``: every rule the decision names → its kind, label, note and clause (``citation``:
  document id, clause, quoted text), once;
* ``documents``: every document a clause is in → its title and number, once;
* ``facts``: every fact the decision order read → its label, value, how a memo prints it, and
  whether it is presumed, once;
* ``trace``: the rules in the order they were evaluated, each with its value, the facts it read
  and the rules it read (ids);
* ``situations``, ``exclusions``, ``preconditions``, ``grounds``, and the ``rules`` of each look
  and distinction: rule ids, whose values are in ``trace``; ``walk``: the decision order's steps.

Three-valued values are written one way throughout: ``true``, ``false``, ``null`` (unknown) —
a rule's value, a fact's value, a step, an allegation struck or not. ``schema_version`` comes
first. The expansion is exact: ``from_json(to_json(d)) == d`` (``tests/test_contract.py``).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field

from rongcuo.decision.model import (
    SCHEMA_VERSION,
    AllegationClearing,
    CaseRef,
    CitationRef,
    ClaimCheck,
    ClearingDeadline,
    ClearingSection,
    Decision,
    DistinctionFinding,
    EngineRef,
    FactRef,
    FactUse,
    JsonValue,
    LookFinding,
    MissingFact,
    NamedRef,
    OutcomeId,
    PresumedFact,
    PresumedValue,
    ReporterOutcome,
    RuleResult,
    RulesetRef,
    TraceStep,
    TruthName,
    ValueEffect,
    VersionChoice,
    WalkStep,
)

_TRUTH: dict[str, bool | None] = {"true": True, "false": False, "unknown": None}
_NAME: dict[bool | None, TruthName] = {True: "true", False: "false", None: "unknown"}


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class WireClause(_Wire):
    """A clause a rule encodes: its document (an id of ``documents``), the clause, its text."""

    doc: str
    clause: str
    text: str


class WireDocument(_Wire):
    """A policy document the clauses are in."""

    title: str
    number: str = Field(description="文号; empty when the ruleset gives none")


class WireRule(_Wire):
    """A rule as the decision names it."""

    kind: str
    label: str
    note: str = Field(description="what the memo adds when the rule is cited; often empty")
    citation: WireClause | None


class WireFact(_Wire):
    """A fact the decision order read, and its value in the case."""

    label: str
    value: JsonValue = Field(description="null when unknown")
    display: str = Field(description="the value as a memo prints it; 未知 when unknown")
    presumed: bool = Field(description="the value is presumed (the case file does not state it)")


class WireTraceStep(_Wire):
    """One rule as it was evaluated (the trace is in evaluation order)."""

    rule: str
    value: bool | None = Field(description="true, false, or null (unknown)")
    facts: list[str] = Field(description="the facts it read (ids of ``facts``)")
    reads: list[str] = Field(description="the rules whose values it read")


class WireWalkStep(_Wire):
    """One rule of the decision order as the walk met it; its value is in ``trace``."""

    step: int
    rule: str
    outcome: OutcomeId


class WireLook(_Wire):
    """One of the six looks (六看) and what it found."""

    id: str
    label: str
    finding: Literal["favourable", "unfavourable", "neutral", "unknown"]
    finding_label: str
    rules: list[str] = Field(description="the rules behind the finding")
    facts: list[str] = Field(description="the facts declared to inform this look")


class WireDistinction(_Wire):
    """One of the three distinctions (三个区分开来) and which side the case is on."""

    id: str
    label: str
    side: Literal["tolerable", "intolerable", "not_applicable", "unknown"]
    side_label: str
    tolerable: str
    intolerable: str
    rules: list[str]


class WireNamed(_Wire):
    """A kind, method or handling of clearing names."""

    id: str
    label: str
    definition: str = ""
    citation: WireClause | None = None


class WireDeadline(_Wire):
    """By when the name is to be cleared: working days from the day the verification
    concluded."""

    working_days: int
    starts: str = Field(description="the event the count starts from, as memos say it")
    starts_on: str | None = Field(
        description="the allegation's concluded_on (ISO), null when the case does not give it"
    )
    param: str = Field(default="", description="the ruleset parameter the limit is")
    citation: WireClause | None = None


class WireReporter(_Wire):
    """What happens to the reporter of one allegation (catalogue §10)."""

    signed: bool | None = Field(description="实名举报; null when the case does not say")
    informed: bool | None = Field(description="已告知核查结果; null when the case does not say")
    handlings: list[WireNamed] = Field(description="the handling rules that hold, in order")


class WireEffect(_Wire):
    """What the outcome would be with one value of a fact (its label is in ``outcomes``)."""

    value: JsonValue
    display: str
    outcome: OutcomeId


class WireMissingFact(_Wire):
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


class WirePresumedFact(_Wire):
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


class WireClearingRule(_Wire):
    """A clearing rule evaluated on one allegation (its own facts)."""

    rule: str
    value: bool | None
    facts: list[FactUse]


class WireAllegation(_Wire):
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


class WireClearing(_Wire):
    """Clearing names (澄清正名), when the case lists allegations."""

    allegations: list[WireAllegation]
    all_struck: bool | None
    summary_zh: str


class DecisionV1(_Wire):
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


# --- Decision → wire ------------------------------------------------------------------------


class _Tables:
    """The rules, documents and facts a decision names, each written once."""

    def __init__(self) -> None:
        self.rules: dict[str, dict[str, Any]] = {}
        self.documents: dict[str, dict[str, str]] = {}
        self.facts: dict[str, dict[str, Any]] = {}
        self.outcomes: dict[str, str] = {}

    def rule(self, rid: str, kind: str, label: str, note: str, cite: CitationRef | None) -> str:
        if rid not in self.rules:
            clause = self.clause(cite)
            self.rules[rid] = {"kind": kind, "label": label, "note": note, "citation": clause}
        return rid

    def clause(self, cite: CitationRef | None) -> dict[str, str] | None:
        """A clause as the wire writes it; its document goes into the tables."""
        if cite is None:
            return None
        if cite.doc not in self.documents:
            self.documents[cite.doc] = {"title": cite.doc_title, "number": cite.doc_number}
        return {"doc": cite.doc, "clause": cite.clause, "text": cite.text}

    def effects(self, found: list[Any]) -> list[dict[str, Any]]:
        """Facts' effects without their outcome labels, which go into ``outcomes``."""
        out = []
        for data in found:
            effects = data["effects"]
            for e in effects:
                self.outcomes.setdefault(e["outcome"], e.pop("outcome_label"))
            out.append(data)
        return out

    def ids(self, found: tuple[RuleResult, ...] | list[RuleResult]) -> list[str]:
        """The ids of ``found``; each rule not yet in the tables goes in, with its facts."""
        out = []
        for r in found:
            if r.id not in self.rules:
                self.uses(r.facts)
                self.rule(r.id, r.kind, r.label, r.note, r.citation)
            out.append(r.id)
        return out

    def uses(self, found: tuple[FactUse, ...]) -> list[str]:
        """The ids of ``found``; each fact not yet in the tables goes in."""
        facts = self.facts
        for f in found:
            if f.id not in facts:
                facts[f.id] = {
                    "label": f.label,
                    "value": f.value,
                    "display": f.display,
                    "presumed": f.presumed,
                }
        return [f.id for f in found]


def to_wire(d: Decision) -> dict[str, Any]:
    """The wire form of ``d`` as JSON-ready data, its keys in :class:`DecisionV1`'s order."""
    t = _Tables()
    # The findings first (they carry each rule's note), then the trace adds the other rules.
    findings: dict[str, Any] = {
        group: t.ids(getattr(d, group))
        for group in ("situations", "exclusions", "preconditions", "grounds")
    }
    looks = [
        {
            "id": look.id,
            "label": look.label,
            "finding": look.finding,
            "finding_label": look.finding_label,
            "rules": t.ids(look.rules),
            "facts": t.uses(look.facts),
        }
        for look in d.looks
    ]
    distinctions = [
        {
            "id": x.id,
            "label": x.label,
            "side": x.side,
            "side_label": x.side_label,
            "tolerable": x.tolerable,
            "intolerable": x.intolerable,
            "rules": t.ids(x.rules),
        }
        for x in d.distinctions
    ]
    rules = t.rules
    trace = []
    for s in d.trace:
        if s.rule not in rules:
            t.rule(s.rule, s.kind, s.label, "", s.citation)
        trace.append(
            {
                "rule": s.rule,
                "value": _TRUTH[s.value],
                "facts": t.uses(s.facts),
                "reads": list(s.reads_rules),
            }
        )
    walk = []
    for w in d.walk:
        if w.rule not in rules:  # every rule of the order is in the trace: not met so far
            t.rule(w.rule, "outcome", w.label, "", w.citation)
        walk.append({"step": w.step, "rule": w.rule, "outcome": w.outcome})
    out: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "outcome": d.outcome,
        "outcome_label": d.outcome_label,
        "reason_zh": d.reason_zh,
        "reason_en": d.reason_en,
        "deciding_rule": d.deciding_rule,
        "possible_outcomes": list(d.possible_outcomes),
        "case": d.case.model_dump(mode="json"),
        "as_of": d.as_of,
        "ruleset": d.ruleset.model_dump(mode="json"),
    }
    if d.versions is not None:
        out["versions"] = d.versions.model_dump(mode="json")
    out["engine"] = d.engine.model_dump(mode="json")
    out.update(findings)
    out["looks"] = looks
    out["distinctions"] = distinctions
    out["claimed_situations"] = [c.model_dump(mode="json") for c in d.claimed_situations]
    out["missing_facts"] = t.effects([m.model_dump(mode="json") for m in d.missing_facts])
    out["presumed"] = t.effects([p.model_dump(mode="json") for p in d.presumed])
    out["presumed_summary_zh"] = d.presumed_summary_zh
    out["walk"] = walk
    out["trace"] = trace
    if d.clearing is not None:
        out["clearing"] = _clearing_wire(d.clearing, t)
    out["rules"] = rules
    out["documents"] = t.documents
    out["facts"] = t.facts
    out["outcomes"] = t.outcomes
    out["proposal_note"] = d.proposal_note
    return out


def _clearing_wire(c: ClearingSection, t: _Tables) -> dict[str, Any]:
    allegations = []
    for a in c.allegations:
        data = a.model_dump(mode="json", exclude={"rules"})
        data["struck"] = _TRUTH[a.struck]
        data["by_citation"] = t.clause(a.by_citation)
        if a.kind is not None:
            data["kind"]["citation"] = t.clause(a.kind.citation)
        for m, named in zip(data["methods"], a.methods, strict=True):
            m["citation"] = t.clause(named.citation)
        if a.deadline is not None:
            data["deadline"]["citation"] = t.clause(a.deadline.citation)
        for h, named in zip(data["reporter"]["handlings"], a.reporter.handlings, strict=True):
            h["citation"] = t.clause(named.citation)
        data["rules"] = [
            {
                "rule": t.rule(r.id, r.kind, r.label, r.note, r.citation),
                "value": _TRUTH[r.value],
                "facts": [f.model_dump(mode="json") for f in r.facts],
            }
            for r in a.rules
        ]
        allegations.append(data)
    return {
        "allegations": allegations,
        "all_struck": _TRUTH[c.all_struck],
        "summary_zh": c.summary_zh,
    }


def to_json(d: Decision) -> str:
    """The canonical JSON text of ``d`` (contract v1): one line, UTF-8 characters as they are,
    keys in the schema's order, then a newline. The same inputs give the same bytes."""
    return to_json_bytes(d).decode() + "\n"


def to_json_bytes(d: Decision) -> bytes:
    """:func:`to_json`'s UTF-8 bytes without the final newline (for batch lines)."""
    return pydantic_core.to_json(to_wire(d))


# --- wire → Decision ------------------------------------------------------------------------


def from_json(text: str | bytes) -> Decision:
    """The :class:`Decision` that ``text`` (contract v1, as :func:`to_json` writes it) is; a
    text without ``schema_version`` is the expanded form that records made before v1 hold.

    Raises ``pydantic.ValidationError`` when the text is neither."""
    data = json.loads(text)
    if isinstance(data, dict) and "schema_version" not in data:
        return Decision.model_validate(data)
    return from_wire(DecisionV1.model_validate(data))


def from_wire(w: DecisionV1) -> Decision:
    """Expand the wire form into the :class:`Decision` it was made from."""
    docs = w.documents

    def clause(c: WireClause | None) -> CitationRef | None:
        if c is None:
            return None
        doc = docs.get(c.doc)
        return CitationRef(
            doc=c.doc,
            doc_title=doc.title if doc else c.doc,
            doc_number=doc.number if doc else "",
            clause=c.clause,
            text=c.text,
        )

    def cite(rid: str) -> CitationRef | None:
        return clause(w.rules[rid].citation)

    def effects(found: list[WireEffect]) -> list[ValueEffect]:
        return [
            ValueEffect(
                value=e.value,
                display=e.display,
                outcome=e.outcome,
                outcome_label=w.outcomes.get(e.outcome, e.outcome),
            )
            for e in found
        ]

    def use(fid: str) -> FactUse:
        f = w.facts[fid]
        return FactUse(id=fid, label=f.label, value=f.value, display=f.display, presumed=f.presumed)

    trace: list[TraceStep] = []
    results: dict[str, RuleResult] = {}
    for seq, s in enumerate(w.trace, 1):
        info = w.rules[s.rule]
        read = tuple(use(f) for f in s.facts)
        value = _NAME[s.value]
        trace.append(
            TraceStep(
                seq=seq,
                rule=s.rule,
                kind=info.kind,
                label=info.label,
                value=value,
                citation=cite(s.rule),
                facts=read,
                reads_rules=tuple(s.reads),
            )
        )
        results[s.rule] = RuleResult(
            id=s.rule,
            kind=info.kind,
            label=info.label,
            value=value,
            citation=cite(s.rule),
            facts=read,
            unknown_facts=tuple(f.id for f in read if f.value is None),
            note=info.note,
        )
    values = {s.rule: _NAME[s.value] for s in w.trace}
    return Decision(
        outcome=w.outcome,
        outcome_label=w.outcome_label,
        reason_zh=w.reason_zh,
        reason_en=w.reason_en,
        deciding_rule=w.deciding_rule,
        possible_outcomes=w.possible_outcomes,
        case=w.case,
        as_of=w.as_of,
        ruleset=w.ruleset,
        versions=w.versions,
        engine=w.engine,
        situations=[results[r] for r in w.situations],
        exclusions=[results[r] for r in w.exclusions],
        preconditions=[results[r] for r in w.preconditions],
        grounds=[results[r] for r in w.grounds],
        looks=[
            LookFinding(
                id=x.id,
                label=x.label,
                finding=x.finding,
                finding_label=x.finding_label,
                rules=tuple(results[r] for r in x.rules),
                facts=tuple(use(f) for f in x.facts),
            )
            for x in w.looks
        ],
        distinctions=[
            DistinctionFinding(
                id=x.id,
                label=x.label,
                side=x.side,
                side_label=x.side_label,
                tolerable=x.tolerable,
                intolerable=x.intolerable,
                rules=tuple(results[r] for r in x.rules),
            )
            for x in w.distinctions
        ],
        claimed_situations=w.claimed_situations,
        missing_facts=[
            MissingFact(**{**m.model_dump(), "effects": effects(m.effects)})
            for m in w.missing_facts
        ],
        presumed=[
            PresumedFact(**{**p.model_dump(), "effects": effects(p.effects)}) for p in w.presumed
        ],
        presumed_summary_zh=w.presumed_summary_zh,
        walk=[
            WalkStep(
                step=s.step,
                rule=s.rule,
                label=w.rules[s.rule].label,
                outcome=s.outcome,
                value=values.get(s.rule, "unknown"),
                citation=cite(s.rule),
            )
            for s in w.walk
        ],
        trace=trace,
        clearing=None if w.clearing is None else _clearing_of(w, w.clearing, cite, clause),
        proposal_note=w.proposal_note,
    )


def _clearing_of(w: DecisionV1, c: WireClearing, cite: Any, clause: Any) -> ClearingSection:
    def named(n: WireNamed) -> NamedRef:
        return NamedRef(
            id=n.id, label=n.label, definition=n.definition, citation=clause(n.citation)
        )

    allegations = []
    for a in c.allegations:
        data = a.model_dump(exclude={"rules", "struck"})
        data["by_citation"] = clause(a.by_citation)
        data["kind"] = None if a.kind is None else named(a.kind)
        data["methods"] = [named(m) for m in a.methods]
        if a.deadline is not None:
            data["deadline"] = ClearingDeadline(
                **{**a.deadline.model_dump(), "citation": clause(a.deadline.citation)}
            )
        data["reporter"] = ReporterOutcome(
            signed=a.reporter.signed,
            informed=a.reporter.informed,
            handlings=[named(h) for h in a.reporter.handlings],
        )
        rules = []
        for r in a.rules:
            info = w.rules[r.rule]
            rules.append(
                RuleResult(
                    id=r.rule,
                    kind=info.kind,
                    label=info.label,
                    value=_NAME[r.value],
                    citation=cite(r.rule),
                    facts=tuple(r.facts),
                    unknown_facts=tuple(f.id for f in r.facts if f.value is None),
                    note=info.note,
                )
            )
        allegations.append(AllegationClearing(**data, struck=_NAME[a.struck], rules=rules))
    return ClearingSection(
        allegations=allegations, all_struck=_NAME[c.all_struck], summary_zh=c.summary_zh
    )
