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
from typing import Any

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
    builder,
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

# Records are built from data this module made itself: no need to validate them again.
_new_engine_ref = builder(EngineRef)
_new_decision = builder(Decision)
_new_case_ref = builder(CaseRef)
_new_ruleset_ref = builder(RulesetRef)
_new_trace_step = builder(TraceStep)
_new_citation_ref = builder(CitationRef)
_new_fact_use = builder(FactUse)
_new_rule_result = builder(RuleResult)
_new_look_finding = builder(LookFinding)
_new_distinction_finding = builder(DistinctionFinding)
_new_claim_check = builder(ClaimCheck)
_new_walk_step = builder(WalkStep)
_new_missing_fact = builder(MissingFact)
_new_value_effect = builder(ValueEffect)

_PAIR_LIMIT = 8  # missing facts beyond which joint effects are not enumerated
_MAX_SHARED = 4096  # FactUse records kept for reuse by one Decider
_SHAREABLE = frozenset({bool, int, float, str, dt.date, type(None)})
_TRUTH = {True: "true", False: "false", None: "unknown"}  # truth_name, as a lookup
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
    """Builds Decisions for one effective ruleset with one evaluator.

    What does not depend on the case — each rule's citation, the facts it reads, the rules it
    reads, the members of each look and distinction, the candidate values of each fact — is
    worked out once, here; a case only adds its values.
    """

    def __init__(self, program: Program, evaluator: Evaluator, rongcuo_version: str) -> None:
        self.program = program
        self.rs: Ruleset = program.ruleset
        self.evaluator = evaluator
        self.rongcuo_version = rongcuo_version
        rs = self.rs
        members = program.kind_members
        self._labels = {o: d.label for o, d in rs.outcomes.items()}
        self._cites = {r.id: self._citation(r) for r in rs.rules.values()}
        self._fact_ids: dict[str, tuple[str, ...]] = {
            r.id: tuple(fact_dependencies(r.when)) if r.when else () for r in rs.rules.values()
        }
        self._rule_deps = {
            r.id: rule_dependencies(r.when, members) if r.when else set() for r in rs.rules.values()
        }
        self._reads = {rid: tuple(sorted(deps)) for rid, deps in self._rule_deps.items()}
        self._notes = {r.id: r.note for r in rs.rules.values()}
        self._kinds: dict[str, tuple[Rule, ...]] = {}
        for r in rs.rules.values():
            self._kinds[r.kind] = (*self._kinds.get(r.kind, ()), r)
        self._situations = tuple(r for r in self._kinds.get("situation", ()) if not r.referral)
        self._looks = {
            look_id: (
                tuple(r for r in self._kinds.get("look", ()) if r.look == look_id),
                tuple(f for f in rs.facts.values() if look_id in f.looks),
            )
            for look_id in rs.looks
        }
        self._distinctions = {
            d_id: tuple(r for r in self._kinds.get("distinction", ()) if r.distinction == d_id)
            for d_id in rs.distinctions
        }
        self._fact_index = {f: i for i, f in enumerate(rs.facts)}
        # The unchanging part of each trace step: (seq, rule, kind, label, citation, facts it
        # reads, rules it reads).
        self._trace_rows = tuple(
            (i, r.id, r.kind, r.label, self._cites[r.id], self._fact_ids[r.id], self._reads[r.id])
            for i, r in enumerate(program.order, start=1)
        )
        self._look_ranks = {
            look_id: _ranks(rules, ("unfavourable", "favourable"))
            for look_id, (rules, _) in self._looks.items()
        }
        self._distinction_ranks = {
            d_id: _ranks(rules, ("intolerable", "tolerable"))
            for d_id, rules in self._distinctions.items()
        }
        self._outcome_rules = frozenset(r.id for step in program.steps for r in step)
        self._candidate_values: dict[str, list[FactValue]] = {}
        self._engine = _new_engine_ref(
            name=evaluator.name,
            version=evaluator.version,
            rongcuo_version=rongcuo_version,
        )
        self._uses: dict[tuple[str, type, object], FactUse] = {}
        self._records: dict[tuple[object, ...], tuple[RuleResult, TraceStep]] = {}
        self._shared: dict[tuple[object, ...], Any] = {}  # walk steps, claim checks, effects

    def decide(self, case: Case, facts: Facts, as_of: dt.date) -> Decision:
        claims = frozenset(case.claimed_situations)
        values = self.evaluator.rule_values(facts, claims)
        result = walk_outcomes(self.program, values)
        missing = self._missing(result, values, facts, claims)
        rs = self.rs
        uses = {fid: self._fact_use(decl, facts) for fid, decl in rs.facts.items()}
        rules = self._rule_records(values, uses)
        results = self._results_of(rules)
        return _new_decision(
            outcome=result.outcome,
            outcome_label=self._outcome_label(result.outcome),
            reason_zh=self._reason(result, missing, "zh"),
            reason_en=self._reason(result, missing, "en"),
            deciding_rule=result.deciding.id if result.deciding else None,
            possible_outcomes=list(result.possible),
            case=_new_case_ref(
                id=case.id,
                title=case.title,
                incident_date=case.incident_date.isoformat(),
                content_hash=case.content_hash(),
                cadre=case.cadre.model_dump() if case.cadre else None,
            ),
            as_of=as_of.isoformat(),
            ruleset=_new_ruleset_ref(
                id=rs.id,
                title=rs.title,
                version=rs.version,
                content_hash=rs.content_hash,
                components=[
                    {"id": c.id, "version": c.version, "file": c.path, "sha256": c.sha256}
                    for c in rs.components
                ],
            ),
            engine=self._engine,
            situations=[results(r) for r in self._situations],
            exclusions=[results(r) for r in self._kinds.get("exclusion", ())],
            preconditions=[results(r) for r in self._kinds.get("precondition", ())],
            grounds=[results(r) for r in self._kinds.get("mitigating", ())]
            + [results(r) for r in self._kinds.get("aggravating", ())],
            looks=[self._look(look_id, values, uses, results) for look_id in rs.looks],
            distinctions=[self._distinction(d_id, values, results) for d_id in rs.distinctions],
            claimed_situations=[
                self._claim(sid, values) for sid in dict.fromkeys(case.claimed_situations)
            ],
            missing_facts=missing,
            walk=[self._walk_step(r, v) for r, v in result.steps],
            trace=[step for _, step in rules.values()],
        )

    # --- parts ----------------------------------------------------------------------------

    def _outcome_label(self, outcome: str) -> str:
        return self._labels.get(outcome, outcome)

    def _citation(self, rule: Rule) -> CitationRef | None:
        if rule.cite is None:
            return None
        doc = self.rs.documents.get(rule.cite.doc)
        return _new_citation_ref(
            doc=rule.cite.doc,
            doc_title=doc.title if doc else rule.cite.doc,
            doc_number=doc.number if doc else "",
            clause=rule.cite.clause,
            text=rule.cite.text,
        )

    def _fact_use(self, decl: FactDecl, facts: Facts) -> FactUse:
        value = facts.get(decl.id)
        # One FactUse a (fact, value), shared: it holds no list, and nothing can change it.
        # Floats are told apart by their text (0.0 and -0.0 are equal but print differently);
        # values of other types (datetime, with its time zones) are never shared.
        kind = type(value)
        key = (decl.id, kind, repr(value) if kind is float else value)
        use = self._uses.get(key) if kind in _SHAREABLE else None
        if use is None:
            use = _new_fact_use(
                id=decl.id,
                label=decl.label,
                value=_json_value(value),
                display="未知" if value is None else _display(decl, value),
            )
            if kind in _SHAREABLE:
                if len(self._uses) >= _MAX_SHARED:  # numbers take any value: stay bounded
                    self._uses.clear()
                self._uses[key] = use
        return use

    def _rule_records(
        self, values: dict[str, bool], uses: dict[str, FactUse]
    ) -> dict[str, tuple[RuleResult, TraceStep]]:
        """Each rule's RuleResult and TraceStep for one case, in trace order.

        Both are immutable and depend only on the rule, its value and the FactUse records it
        reads, so a pair already made for the same three is used again. The key holds the
        FactUses' ``id()``; the cached records hold those FactUses, so no other object can
        take one of those ids while the key is in the cache.
        """
        cache = self._records
        if len(cache) >= _MAX_SHARED:
            cache.clear()
        out = {}
        get = values.get
        for seq, rid, kind, label, cite, deps, reads in self._trace_rows:
            read = tuple([uses[f] for f in deps])
            value = get(rid)
            key = (rid, value, *map(id, read))
            pair = cache.get(key)
            if pair is None:
                truth = _TRUTH[value]
                pair = cache[key] = (
                    _new_rule_result(
                        id=rid,
                        kind=kind,
                        label=label,
                        value=truth,
                        citation=cite,
                        facts=read,
                        unknown_facts=tuple([u.id for u in read if u.value is None]),
                        note=self._notes[rid],
                    ),
                    _new_trace_step(
                        seq=seq,
                        rule=rid,
                        kind=kind,
                        label=label,
                        value=truth,
                        citation=cite,
                        facts=read,
                        reads_rules=reads,
                    ),
                )
            out[rid] = pair
        return out

    @staticmethod
    def _results_of(
        rules: dict[str, tuple[RuleResult, TraceStep]],
    ) -> Callable[[Rule], RuleResult]:
        """One case's RuleResult of a rule."""

        def result(rule: Rule) -> RuleResult:
            return rules[rule.id][0]

        return result

    @staticmethod
    def _ranked(
        ranks: tuple[tuple[str, tuple[str, ...]], ...], values: dict[str, bool]
    ) -> str | None:
        """The first rank (strongest first) a rule holds for; ``None`` when an unknown rule
        could still outrank what holds."""
        for label, ids in ranks:
            if any(values.get(rid) is True for rid in ids):
                return label
            if any(values.get(rid) is None for rid in ids):
                return None
        return ""

    def _look(
        self,
        look_id: str,
        values: dict[str, bool],
        uses: dict[str, FactUse],
        results: Callable[[Rule], RuleResult],
    ) -> LookFinding:
        look = self.rs.looks[look_id]
        rules, decls = self._looks[look_id]
        found = self._ranked(self._look_ranks[look_id], values)
        finding = "unknown" if found is None else (found or "neutral")
        return _new_look_finding(
            id=look_id,
            label=look.label,
            finding=finding,
            finding_label=_FINDING_LABELS[finding],
            rules=[results(r) for r in rules if values.get(r.id) is not False],
            facts=[uses[f.id] for f in decls],
        )

    def _distinction(
        self, d_id: str, values: dict[str, bool], results: Callable[[Rule], RuleResult]
    ) -> DistinctionFinding:
        d = self.rs.distinctions[d_id]
        rules = self._distinctions[d_id]
        found = self._ranked(self._distinction_ranks[d_id], values)
        side = "unknown" if found is None else (found or "not_applicable")
        return _new_distinction_finding(
            id=d_id,
            label=d.label,
            side=side,
            side_label=_SIDE_LABELS[side],
            tolerable=d.tolerable,
            intolerable=d.intolerable,
            rules=[results(r) for r in rules],
        )

    def _claim(self, sid: str, values: dict[str, bool]) -> ClaimCheck:
        rule = self.rs.rules[sid]
        if rule.referral:
            status = "referred_to_committee"
        else:
            status = {True: "established", False: "not_established", None: "unknown"}[
                values.get(sid)
            ]
        key = ("claim", sid, status)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = _new_claim_check(id=sid, label=rule.label, status=status)
        return found

    def _walk_step(self, rule: Rule, value: Truth) -> WalkStep:
        key = ("walk", rule.id, value)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = _new_walk_step(
                step=rule.step,
                rule=rule.id,
                label=rule.label,
                outcome=rule.outcome,
                value=truth_name(value),
                citation=self._cites[rule.id],
            )
        return found

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
            for fid in self._fact_ids[rid]:
                if fid not in facts:
                    readers.setdefault(fid, []).append(rid)
            pending.extend(d for d in self._rule_deps[rid] if values.get(d) is None)
        if not readers:
            return []
        ordered = sorted(readers, key=self._fact_index.__getitem__)
        trials = _Trials(self, facts, claims, values)
        singles = trials.outcomes(
            [((fid, i),) for fid in ordered for i in range(len(self._candidates_of(fid)))]
        )
        effects = {
            fid: [
                self._effect(self.rs.facts[fid], i, value, singles[(fid, i),])
                for i, value in enumerate(self._candidates_of(fid))
            ]
            for fid in ordered
        }
        alone = {fid: any(e.outcome != result.outcome for e in effects[fid]) for fid in ordered}
        jointly = self._matter_with_another(
            [fid for fid in ordered if not alone[fid]], ordered, trials
        )
        out = []
        for fid in ordered:
            decl = self.rs.facts[fid]
            out.append(
                _new_missing_fact(
                    id=fid,
                    label=decl.label,
                    question=decl.question,
                    looks=list(decl.looks),
                    rules=sorted(set(readers[fid])),
                    changes_outcome=alone[fid] or jointly[fid],
                    effects=effects[fid],
                )
            )
        return out

    def _effect(self, decl: FactDecl, i: int, value: FactValue, outcome: OutcomeId) -> ValueEffect:
        key = ("effect", decl.id, i, outcome)
        found = self._shared.get(key)
        if found is None:
            found = self._shared[key] = _new_value_effect(
                value=_json_value(value),
                display=_display(decl, value),
                outcome=outcome,
                outcome_label=self._outcome_label(outcome),
            )
        return found

    def _matter_with_another(
        self, fids: list[str], missing: list[str], trials: _Trials
    ) -> dict[str, bool]:
        """For each of ``fids``: whether it changes the outcome once some other missing fact
        is known.

        A fact can matter only jointly (the loss recovered matters once a situation is known to
        apply), which trying one fact at a time would miss. Pairs are tried for up to
        ``_PAIR_LIMIT`` missing facts; past that, this says ``True`` rather than guess "no".
        The pairs of all ``fids`` are tried in one batch.
        """
        if len(missing) > _PAIR_LIMIT:
            return dict.fromkeys(fids, True)
        groups = {
            fid: [
                [((other, j), (fid, i)) for i in range(len(self._candidates_of(fid)))]
                for other in missing
                if other != fid
                for j in range(len(self._candidates_of(other)))
            ]
            for fid in fids
        }
        outcomes = trials.outcomes([t for gs in groups.values() for g in gs for t in g])
        return {
            fid: any(len({outcomes[t] for t in g}) > 1 for g in gs) for fid, gs in groups.items()
        }

    def _candidates_of(self, fid: str) -> list[FactValue]:
        found = self._candidate_values.get(fid)
        if found is None:
            found = self._candidate_values[fid] = self._candidates_for(self.rs.facts[fid])
        return found

    def _candidates_for(self, decl: FactDecl) -> list[FactValue]:
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


Trial = tuple[tuple[str, int], ...]  # (missing fact, index of its candidate value), sorted


class _Trials:
    """The outcome of one case with some missing facts given candidate values.

    Each combination is evaluated once (a pair comes up again with its members swapped), and
    the combinations asked for together go to the evaluator in one batch.

    A combination that contains one already *settled* — decided by a rule that holds, every
    other open step leading to the same outcome — is not evaluated: knowing more facts can
    only turn unknown rule values into true or false, never change a value already known, so
    the same rules still hold and no open step can lead elsewhere. Its outcome is the settled
    one. (``tests/test_fast_paths.py`` holds this equal to evaluating every combination.)
    """

    prune = True  # False evaluates every combination (for the test that checks the shortcut)

    def __init__(
        self, decider: Decider, facts: Facts, claims: frozenset[str], values: dict[str, bool]
    ) -> None:
        self.decider = decider
        self.facts = facts
        self.claims = claims
        self.values = values
        self.known: dict[Trial, OutcomeId] = {}
        self.settled: set[Trial] = set()

    def outcomes(self, trials: list[Trial]) -> dict[Trial, OutcomeId]:
        keys = [tuple(sorted(t)) for t in trials]
        todo = []
        for key in dict.fromkeys(k for k in keys if k not in self.known):
            implied = self._implied(key)
            if implied is None:
                todo.append(key)
            else:
                self.known[key] = implied
                self.settled.add(key)
        if todo:
            d = self.decider
            changes = [{fid: d._candidates_of(fid)[i] for fid, i in key} for key in todo]
            evaluator = d.evaluator
            batch = getattr(evaluator, "trial_values", None)
            if batch is not None:  # only the outcome rules' values are needed to walk
                found = batch(self.facts, self.claims, self.values, changes, d._outcome_rules)
            else:  # an evaluator without trials: evaluate each case in full
                found = [evaluator.rule_values({**self.facts, **c}, self.claims) for c in changes]
            for key, values in zip(todo, found, strict=True):
                walked = walk_outcomes(d.program, values)
                self.known[key] = walked.outcome
                held = walked.deciding is not None or bool(walked.conflict)
                if held and walked.outcome != "insufficient_facts":
                    self.settled.add(key)
        return {t: self.known[k] for t, k in zip(trials, keys, strict=True)}

    def _implied(self, key: Trial) -> OutcomeId | None:
        """The outcome of a settled combination ``key`` extends, if there is one."""
        if not self.prune or len(key) < 2:
            return None
        for i in range(len(key)):
            part = key[:i] + key[i + 1 :]
            if part in self.settled:
                return self.known[part]
        return None


def _ranking_key(rule: Rule) -> str:
    return rule.finding or rule.side


def _ranks(
    rules: Iterable[Rule], order: tuple[str, ...]
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The ids of ``rules`` of each rank, strongest first."""
    return tuple((rank, tuple(r.id for r in rules if _ranking_key(r) == rank)) for rank in order)


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
