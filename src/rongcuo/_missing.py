"""Missing facts: which unknown facts keep a case from a decision, and what each would decide.

When the decision order leaves the outcome open (``insufficient_facts``), every missing fact
behind an undecided rule of the walk is tried with each value it could take — values reaching
every region the ruleset's comparisons carve out — alone, to say which value gives which outcome,
and, for a fact that changes nothing alone, in pairs with another missing fact, to say whether it
matters once the other is known. The trials of a case go to the evaluator in batches and are
pruned where the outcome is already settled (``_Trials``).
"""

from __future__ import annotations

from collections.abc import Callable

from ._decision import MissingFact, OutcomeId, ValueEffect, builder
from ._logic import Evaluator, Facts, Program, representative_values
from ._model import Compare, FactDecl, FactValue, json_value, walk
from ._walk import Walk, walk_outcomes

_new_missing_fact = builder(MissingFact)
_new_value_effect = builder(ValueEffect)

_PAIR_LIMIT = 8  # missing facts beyond which joint effects are not enumerated


class MissingFacts:
    """The missing-fact analysis for one effective ruleset and evaluator; what does not depend
    on the case (candidate values, the outcome rules, value effects) is kept between cases."""

    def __init__(
        self,
        program: Program,
        evaluator: Evaluator,
        fact_ids: dict[str, tuple[str, ...]],
        rule_deps: dict[str, set[str]],
        outcome_label: Callable[[str], str],
    ) -> None:
        self.program = program
        self.rs = program.ruleset
        self.evaluator = evaluator
        self._fact_ids = fact_ids
        self._rule_deps = rule_deps
        self._outcome_label = outcome_label
        self._fact_index = {f: i for i, f in enumerate(self.rs.facts)}
        #: the rules the walk reads: all a trial needs the values of
        self.outcome_rules = frozenset(r.id for step in program.steps for r in step)
        self._candidate_values: dict[str, list[FactValue]] = {}
        self._effects: dict[tuple[str, int, str], ValueEffect] = {}

    def analyse(
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
            [((fid, i),) for fid in ordered for i in range(len(self.candidates_of(fid)))]
        )
        effects = {
            fid: [
                self._effect(self.rs.facts[fid], i, value, singles[(fid, i),])
                for i, value in enumerate(self.candidates_of(fid))
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
        key = (decl.id, i, outcome)
        found = self._effects.get(key)
        if found is None:
            found = self._effects[key] = _new_value_effect(
                value=json_value(value),
                display=decl.display(value),
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
                [((other, j), (fid, i)) for i in range(len(self.candidates_of(fid)))]
                for other in missing
                if other != fid
                for j in range(len(self.candidates_of(other)))
            ]
            for fid in fids
        }
        outcomes = trials.outcomes([t for gs in groups.values() for g in gs for t in g])
        return {
            fid: any(len({outcomes[t] for t in g}) > 1 for g in gs) for fid, gs in groups.items()
        }

    def candidates_of(self, fid: str) -> list[FactValue]:
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
        self, analysis: MissingFacts, facts: Facts, claims: frozenset[str], values: dict[str, bool]
    ) -> None:
        self.analysis = analysis
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
            d = self.analysis
            changes = [{fid: d.candidates_of(fid)[i] for fid, i in key} for key in todo]
            evaluator = d.evaluator
            batch = getattr(evaluator, "trial_values", None)
            if batch is not None:  # only the outcome rules' values are needed to walk
                found = batch(self.facts, self.claims, self.values, changes, d.outcome_rules)
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
