"""From rule values to a Decision: the decision order, the looks, the missing facts.

The decision order
------------------
Outcome rules carry a ``step``. Steps are walked in increasing order:

* a step with a rule that holds decides (two rules of one step with different outcomes: the
  ruleset cannot order them, so the case is referred);
* a step whose rules are all ruled out passes on;
* a step with an unknown rule leaves its outcome *possible* and the walk goes on.

If only one outcome is possible at the end, that is the decision, even with facts missing. If
several are, the decision is ``insufficient_facts`` and every missing fact on the way is tried with
each value it could take, to say which value would give which outcome.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ._case import Case
from ._decision import (
    CaseRef,
    CitationRef,
    ClaimCheck,
    Decision,
    DistinctionFinding,
    EngineRef,
    FactUse,
    LookFinding,
    MissingFact,
    OutcomeId,
    RuleResult,
    RulesetRef,
    TraceStep,
    ValueEffect,
    WalkStep,
)
from ._logic import (
    Evaluator,
    Facts,
    Program,
    Truth,
    fact_dependencies,
    representative_values,
    rule_dependencies,
    truth_name,
)
from ._model import Compare, FactDecl, FactValue, Rule, Ruleset, walk

_PAIR_LIMIT = 8  # missing facts beyond which joint effects are not enumerated
_FINDING_LABELS = {
    "favourable": "有利",
    "unfavourable": "不利",
    "neutral": "中性",
    "unknown": "事实不清",
}
_SIDE_LABELS = {
    "tolerable": "属可容的一侧",
    "intolerable": "属不容的一侧",
    "not_applicable": "不涉及",
    "unknown": "事实不清",
}


@dataclass(frozen=True)
class Walk:
    """Where the decision order led."""

    outcome: OutcomeId
    deciding: Rule | None
    possible: tuple[OutcomeId, ...]
    steps: tuple[tuple[Rule, Truth], ...]
    conflict: tuple[Rule, ...] = ()


def walk_outcomes(program: Program, values: dict[str, bool]) -> Walk:
    """Walk the decision order over the rule values of one case."""
    possible: list[OutcomeId] = []
    seen: list[tuple[Rule, Truth]] = []
    decided: OutcomeId | None = None
    deciding: Rule | None = None
    conflict: tuple[Rule, ...] = ()
    for rules in program.steps:
        held = [r for r in rules if values.get(r.id) is True]
        seen.extend((r, values.get(r.id)) for r in rules)
        for r in rules:
            if values.get(r.id) is None:
                possible.append(r.outcome)  # type: ignore[arg-type]
        if held:
            outcomes = sorted({r.outcome for r in held})
            if len(outcomes) > 1:
                decided, conflict = "refer", tuple(held)
            else:
                decided, deciding = held[0].outcome, held[0]  # type: ignore[assignment]
            break
    if decided is None and not possible:
        decided = "refer"  # no rule of the order applies: only the committee can decide
    # When no step held but some were unknown, the open outcomes are those steps' outcomes: a
    # complete decision order (one whose last steps cover every case, as the bundled ones do)
    # cannot fall through once its unknown steps are settled.
    if decided is not None:
        possible.append(decided)
    distinct = tuple(dict.fromkeys(possible))
    if len(distinct) == 1:
        return Walk(distinct[0], deciding, distinct, tuple(seen), conflict)
    return Walk("insufficient_facts", None, distinct, tuple(seen), conflict)


class Decider:
    """Builds Decisions for one effective ruleset with one evaluator."""

    def __init__(self, program: Program, evaluator: Evaluator, rongcuo_version: str) -> None:
        self.program = program
        self.rs: Ruleset = program.ruleset
        self.evaluator = evaluator
        self.rongcuo_version = rongcuo_version

    def decide(self, case: Case, facts: Facts, as_of: dt.date) -> Decision:
        claims = frozenset(case.claimed_situations)
        values = self.evaluator.rule_values(facts, claims)
        result = walk_outcomes(self.program, values)
        missing = self._missing(result, values, facts, claims)
        rs = self.rs
        return Decision(
            outcome=result.outcome,
            outcome_label=self._outcome_label(result.outcome),
            reason_zh=self._reason(result, missing, "zh"),
            reason_en=self._reason(result, missing, "en"),
            deciding_rule=result.deciding.id if result.deciding else None,
            possible_outcomes=list(result.possible),
            case=CaseRef(
                id=case.id,
                title=case.title,
                incident_date=case.incident_date.isoformat(),
                content_hash=case.content_hash(),
                cadre=case.cadre.model_dump() if case.cadre else None,
            ),
            as_of=as_of.isoformat(),
            ruleset=RulesetRef(
                id=rs.id,
                title=rs.title,
                version=rs.version,
                content_hash=rs.content_hash,
                components=[
                    {"id": c.id, "version": c.version, "file": c.path, "sha256": c.sha256}
                    for c in rs.components
                ],
            ),
            engine=EngineRef(
                name=self.evaluator.name,
                version=self.evaluator.version,
                rongcuo_version=self.rongcuo_version,
            ),
            situations=self._results("situation", values, facts, skip_referral=True),
            exclusions=self._results("exclusion", values, facts),
            preconditions=self._results("precondition", values, facts),
            grounds=self._results("mitigating", values, facts)
            + self._results("aggravating", values, facts),
            looks=[self._look(look_id, values, facts) for look_id in rs.looks],
            distinctions=[self._distinction(d_id, values, facts) for d_id in rs.distinctions],
            claimed_situations=[
                self._claim(sid, values) for sid in dict.fromkeys(case.claimed_situations)
            ],
            missing_facts=missing,
            walk=[
                WalkStep(
                    step=r.step,
                    rule=r.id,
                    label=r.label,
                    outcome=r.outcome,  # type: ignore[arg-type]
                    value=truth_name(v),  # type: ignore[arg-type]
                    citation=self._cite(r),
                )
                for r, v in result.steps
            ],
            trace=[
                TraceStep(
                    seq=i,
                    rule=r.id,
                    kind=r.kind,
                    label=r.label,
                    value=truth_name(values.get(r.id)),  # type: ignore[arg-type]
                    citation=self._cite(r),
                    facts=self._fact_uses(r, facts),
                    reads_rules=sorted(
                        rule_dependencies(r.when, self.program.kind_members) if r.when else ()
                    ),
                )
                for i, r in enumerate(self.program.order, start=1)
            ],
        )

    # --- parts ----------------------------------------------------------------------------

    def _outcome_label(self, outcome: str) -> str:
        decl = self.rs.outcomes.get(outcome)
        return decl.label if decl else outcome

    def _cite(self, rule: Rule) -> CitationRef | None:
        if rule.cite is None:
            return None
        doc = self.rs.documents.get(rule.cite.doc)
        return CitationRef(
            doc=rule.cite.doc,
            doc_title=doc.title if doc else rule.cite.doc,
            doc_number=doc.number if doc else "",
            clause=rule.cite.clause,
            text=rule.cite.text,
        )

    def _fact_use(self, decl: FactDecl, facts: Facts) -> FactUse:
        value = facts.get(decl.id)
        return FactUse(
            id=decl.id,
            label=decl.label,
            value=_json_value(value),
            display="未知" if value is None else _display(decl, value),
        )

    def _fact_uses(self, rule: Rule, facts: Facts) -> list[FactUse]:
        if rule.when is None:
            return []
        return [self._fact_use(self.rs.facts[f], facts) for f in fact_dependencies(rule.when)]

    def _result(self, rule: Rule, values: dict[str, bool], facts: Facts) -> RuleResult:
        uses = self._fact_uses(rule, facts)
        return RuleResult(
            id=rule.id,
            kind=rule.kind,
            label=rule.label,
            value=truth_name(values.get(rule.id)),  # type: ignore[arg-type]
            citation=self._cite(rule),
            facts=uses,
            unknown_facts=[u.id for u in uses if u.value is None],
            note=rule.note,
        )

    def _results(
        self, kind: str, values: dict[str, bool], facts: Facts, *, skip_referral: bool = False
    ) -> list[RuleResult]:
        return [
            self._result(r, values, facts)
            for r in self.rs.rules_of(kind)  # type: ignore[arg-type]
            if not (skip_referral and r.referral)
        ]

    def _ranked(
        self, rules: list[Rule], values: dict[str, bool], ranking: Iterable[tuple[str, str]]
    ) -> str | None:
        """The first rank (strongest first) a rule holds for; ``None`` when an unknown rule
        could still outrank what holds."""
        for attr_value, label in ranking:
            ranked = [r for r in rules if _ranking_key(r) == attr_value]
            if any(values.get(r.id) is True for r in ranked):
                return label
            if any(values.get(r.id) is None for r in ranked):
                return None
        return ""

    def _look(self, look_id: str, values: dict[str, bool], facts: Facts) -> LookFinding:
        look = self.rs.looks[look_id]
        rules = [r for r in self.rs.rules_of("look") if r.look == look_id]
        found = self._ranked(
            rules, values, (("unfavourable", "unfavourable"), ("favourable", "favourable"))
        )
        finding = "unknown" if found is None else (found or "neutral")
        return LookFinding(
            id=look_id,
            label=look.label,
            finding=finding,  # type: ignore[arg-type]
            finding_label=_FINDING_LABELS[finding],
            rules=[self._result(r, values, facts) for r in rules if values.get(r.id) is not False],
            facts=[self._fact_use(f, facts) for f in self.rs.facts.values() if look_id in f.looks],
        )

    def _distinction(self, d_id: str, values: dict[str, bool], facts: Facts) -> DistinctionFinding:
        d = self.rs.distinctions[d_id]
        rules = [r for r in self.rs.rules_of("distinction") if r.distinction == d_id]
        found = self._ranked(
            rules, values, (("intolerable", "intolerable"), ("tolerable", "tolerable"))
        )
        side = "unknown" if found is None else (found or "not_applicable")
        return DistinctionFinding(
            id=d_id,
            label=d.label,
            side=side,  # type: ignore[arg-type]
            side_label=_SIDE_LABELS[side],
            tolerable=d.tolerable,
            intolerable=d.intolerable,
            rules=[self._result(r, values, facts) for r in rules],
        )

    def _claim(self, sid: str, values: dict[str, bool]) -> ClaimCheck:
        rule = self.rs.rules[sid]
        if rule.referral:
            status = "referred_to_committee"
        else:
            status = {True: "established", False: "not_established", None: "unknown"}[
                values.get(sid)
            ]
        return ClaimCheck(id=sid, label=rule.label, status=status)  # type: ignore[arg-type]

    # --- missing facts ----------------------------------------------------------------------

    def _missing(
        self, result: Walk, values: dict[str, bool], facts: Facts, claims: frozenset[str]
    ) -> list[MissingFact]:
        """Unknown facts behind the undecided rules of the walk, each tried with each value."""
        readers: dict[str, list[str]] = {}
        pending = [r.id for r, v in result.steps if v is None]
        seen: set[str] = set()
        while pending:
            rid = pending.pop()
            if rid in seen:
                continue
            seen.add(rid)
            rule = self.rs.rules[rid]
            if rule.when is None:
                continue
            for fid in fact_dependencies(rule.when):
                if fid not in facts:
                    readers.setdefault(fid, []).append(rid)
            pending.extend(
                d
                for d in rule_dependencies(rule.when, self.program.kind_members)
                if values.get(d) is None
            )
        ordered = sorted(readers, key=list(self.rs.facts).index)

        def outcome_with(extra: dict[str, FactValue]) -> OutcomeId:
            trial = {**facts, **extra}
            return walk_outcomes(self.program, self.evaluator.rule_values(trial, claims)).outcome

        out = []
        for fid in ordered:
            decl = self.rs.facts[fid]
            effects = []
            for value in self._candidates(decl):
                outcome = outcome_with({fid: value})
                effects.append(
                    ValueEffect(
                        value=_json_value(value),
                        display=_display(decl, value),
                        outcome=outcome,
                        outcome_label=self._outcome_label(outcome),
                    )
                )
            out.append(
                MissingFact(
                    id=fid,
                    label=decl.label,
                    question=decl.question,
                    looks=list(decl.looks),
                    rules=sorted(set(readers[fid])),
                    changes_outcome=any(e.outcome != result.outcome for e in effects)
                    or self._matters_with_another(fid, ordered, outcome_with),
                    effects=effects,
                )
            )
        return out

    def _matters_with_another(
        self, fid: str, missing: list[str], outcome_with: Callable[[dict[str, FactValue]], str]
    ) -> bool:
        """Whether ``fid`` changes the outcome once some other missing fact is known.

        A fact can matter only jointly (the loss recovered matters once a situation is known to
        apply), which trying one fact at a time would miss. Pairs are tried for up to
        ``_PAIR_LIMIT`` missing facts; past that, this says ``True`` rather than guess "no".
        """
        others = [g for g in missing if g != fid]
        if len(missing) > _PAIR_LIMIT:
            return True
        mine = self._candidates(self.rs.facts[fid])
        for other in others:
            for value in self._candidates(self.rs.facts[other]):
                seen = {outcome_with({other: value, fid: v}) for v in mine}
                if len(seen) > 1:
                    return True
        return False

    def _candidates(self, decl: FactDecl) -> list[FactValue]:
        """Values of a missing fact that reach every region the ruleset's comparisons carve out."""
        consts: list[FactValue] = []
        for rule in self.rs.rules.values():
            for node in walk(rule.when) if rule.when is not None else ():
                if isinstance(node, Compare) and node.fact == decl.id:
                    consts.extend(node.value if isinstance(node.value, tuple) else (node.value,))
        return representative_values(decl, consts)

    # --- reasons -----------------------------------------------------------------------------

    def _reason(self, result: Walk, missing: list[MissingFact], lang: str) -> str:
        zh = lang == "zh"
        if result.conflict and result.outcome == "refer":
            names = "、".join(r.id for r in result.conflict)
            return (
                f"同一步骤的规则（{names}）结论不同，规则集无法排序，提请党委（党组）集体研究认定。"
                if zh
                else f"Rules of one step ({names}) give different outcomes the ruleset cannot "
                "order: referred to the committee."
            )
        if result.outcome == "insufficient_facts":
            deciders = [m for m in missing if m.changes_outcome]
            names = "、".join(f"{m.label}（{m.id}）" for m in deciders) or "—"
            possible = "、".join(self._outcome_label(o) for o in result.possible)
            return (
                f"结论取决于尚未查清的事实：{names}。可能的结论：{possible}。"
                if zh
                else "The outcome depends on facts not yet established: "
                + ", ".join(m.id for m in deciders)
                + f". Possible outcomes: {', '.join(result.possible)}."
            )
        if result.deciding is None:
            return (
                "没有任何认定规则适用，提请党委（党组）集体研究认定。"
                if zh
                else "No rule of the decision order applies: referred to the committee."
            )
        rule = result.deciding
        if zh:
            cite = f"（{self._cite_text(rule)}）" if rule.cite else ""
            return f"{rule.label}{cite}。"
        cite = f" ({rule.cite.doc}, {rule.cite.clause})" if rule.cite else ""
        return f"Decision-order rule {rule.id} (step {rule.step}) holds{cite}."

    def _cite_text(self, rule: Rule) -> str:
        assert rule.cite is not None
        doc = self.rs.documents.get(rule.cite.doc)
        title = doc.title if doc else rule.cite.doc
        if not title.startswith("《"):
            title = f"《{title}》"
        return f"{title}{rule.cite.clause}"


def _ranking_key(rule: Rule) -> str:
    return rule.finding or rule.side


def _json_value(value: FactValue | None) -> bool | int | float | str | None:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _display(decl: FactDecl, value: FactValue) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = decl.value_label(value)
    return f"{text}{decl.unit}" if decl.unit and decl.type == "number" else text
