"""Reading the Decision contract back: takes the wire form (``wire.DecisionV1``), gives the
:class:`~rongcuo.decision.model.Decision` it was written from, exactly — each finding with its
rule's label and clause again, each fact's use with its label and value."""

from __future__ import annotations

from typing import Any

from rongcuo.decision.model import (
    AllegationClearing,
    CitationRef,
    ClearingDeadline,
    ClearingSection,
    Decision,
    DistinctionFinding,
    FactUse,
    LookFinding,
    MissingFact,
    NamedRef,
    PresumedFact,
    ReporterOutcome,
    RuleResult,
    TraceStep,
    TruthName,
    ValueEffect,
    WalkStep,
)
from rongcuo.decision.wire import (
    DecisionV1,
    WireClause,
    WireClearing,
    WireEffect,
    WireNamed,
)

_NAME: dict[bool | None, TruthName] = {True: "true", False: "false", None: "unknown"}


def from_wire(w: DecisionV1) -> Decision:
    """Expand the wire form into the :class:`Decision` it was made from."""
    x = _Expander(w)
    trace, results = x.trace()
    values = {s.rule: s.value for s in trace}
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
        looks=x.looks(results),
        distinctions=x.distinctions(results),
        claimed_situations=w.claimed_situations,
        missing_facts=[
            MissingFact(**{**m.model_dump(), "effects": x.effects(m.effects)})
            for m in w.missing_facts
        ],
        presumed=[
            PresumedFact(**{**p.model_dump(), "effects": x.effects(p.effects)}) for p in w.presumed
        ],
        presumed_summary_zh=w.presumed_summary_zh,
        walk=[
            WalkStep(
                step=s.step,
                rule=s.rule,
                label=w.rules[s.rule].label,
                outcome=s.outcome,
                value=values.get(s.rule, "unknown"),
                citation=x.cite(s.rule),
            )
            for s in w.walk
        ],
        trace=trace,
        clearing=None if w.clearing is None else x.clearing(w.clearing),
        proposal_note=w.proposal_note,
    )


class _Expander:
    """Looks up what the wire form's tables say of a rule, clause, fact or outcome."""

    def __init__(self, w: DecisionV1) -> None:
        self.w = w

    def clause(self, c: WireClause | None) -> CitationRef | None:
        """A clause with its document's title and number."""
        if c is None:
            return None
        doc = self.w.documents.get(c.doc)
        return CitationRef(
            doc=c.doc,
            doc_title=doc.title if doc else c.doc,
            doc_number=doc.number if doc else "",
            clause=c.clause,
            text=c.text,
        )

    def cite(self, rid: str) -> CitationRef | None:
        """The clause of a rule."""
        return self.clause(self.w.rules[rid].citation)

    def use(self, fid: str) -> FactUse:
        """A fact as the rules read it."""
        f = self.w.facts[fid]
        return FactUse(id=fid, label=f.label, value=f.value, display=f.display, presumed=f.presumed)

    def effects(self, found: list[WireEffect]) -> list[ValueEffect]:
        """Effects of a fact's values, each with its outcome's label."""
        labels = self.w.outcomes
        return [
            ValueEffect(
                value=e.value,
                display=e.display,
                outcome=e.outcome,
                outcome_label=labels.get(e.outcome, e.outcome),
            )
            for e in found
        ]

    def result(self, rid: str, value: TruthName, facts: tuple[FactUse, ...]) -> RuleResult:
        """A rule's result, with its label, clause and note."""
        info = self.w.rules[rid]
        return RuleResult(
            id=rid,
            kind=info.kind,
            label=info.label,
            value=value,
            citation=self.cite(rid),
            facts=facts,
            unknown_facts=tuple(f.id for f in facts if f.value is None),
            note=info.note,
        )

    def trace(self) -> tuple[list[TraceStep], dict[str, RuleResult]]:
        """The trace in evaluation order, and each traced rule's result."""
        trace: list[TraceStep] = []
        results: dict[str, RuleResult] = {}
        for seq, s in enumerate(self.w.trace, 1):
            info = self.w.rules[s.rule]
            read = tuple(self.use(f) for f in s.facts)
            value = _NAME[s.value]
            trace.append(
                TraceStep(
                    seq=seq,
                    rule=s.rule,
                    kind=info.kind,
                    label=info.label,
                    value=value,
                    citation=self.cite(s.rule),
                    facts=read,
                    reads_rules=tuple(s.reads),
                )
            )
            results[s.rule] = self.result(s.rule, value, read)
        return trace, results

    def looks(self, results: dict[str, RuleResult]) -> list[LookFinding]:
        """The six looks, each with its rules' results and its facts."""
        return [
            LookFinding(
                id=x.id,
                label=x.label,
                finding=x.finding,
                finding_label=x.finding_label,
                rules=tuple(results[r] for r in x.rules),
                facts=tuple(self.use(f) for f in x.facts),
            )
            for x in self.w.looks
        ]

    def distinctions(self, results: dict[str, RuleResult]) -> list[DistinctionFinding]:
        """The three distinctions, each with its rules' results."""
        return [
            DistinctionFinding(
                id=x.id,
                label=x.label,
                side=x.side,
                side_label=x.side_label,
                tolerable=x.tolerable,
                intolerable=x.intolerable,
                rules=tuple(results[r] for r in x.rules),
            )
            for x in self.w.distinctions
        ]

    def named(self, n: WireNamed) -> NamedRef:
        """A kind, method or handling of clearing names, with its clause."""
        return NamedRef(
            id=n.id, label=n.label, definition=n.definition, citation=self.clause(n.citation)
        )

    def clearing(self, c: WireClearing) -> ClearingSection:
        """The clearing of names: each allegation with its clauses and rule results."""
        allegations = []
        for a in c.allegations:
            data: dict[str, Any] = a.model_dump(exclude={"rules", "struck"})
            data["by_citation"] = self.clause(a.by_citation)
            data["kind"] = None if a.kind is None else self.named(a.kind)
            data["methods"] = [self.named(m) for m in a.methods]
            if a.deadline is not None:
                data["deadline"] = ClearingDeadline(
                    **{**a.deadline.model_dump(), "citation": self.clause(a.deadline.citation)}
                )
            data["reporter"] = ReporterOutcome(
                signed=a.reporter.signed,
                informed=a.reporter.informed,
                handlings=[self.named(h) for h in a.reporter.handlings],
            )
            rules = [self.result(r.rule, _NAME[r.value], tuple(r.facts)) for r in a.rules]
            allegations.append(AllegationClearing(**data, struck=_NAME[a.struck], rules=rules))
        return ClearingSection(
            allegations=allegations, all_struck=_NAME[c.all_struck], summary_zh=c.summary_zh
        )
