"""Missing facts: which unknown facts keep a case from a decision, and what each would decide.

When the decision order leaves the outcome open (``insufficient_facts``), every missing fact
behind an undecided rule of the walk is tried with each value it could take — values reaching
every region the ruleset's comparisons carve out — alone, to say which value gives which outcome,
and, for a fact that changes nothing alone, in pairs with another missing fact, to say whether it
matters once the other is known. The trials of a case go to the evaluator in batches; values no
rule still unknown tells apart share one trial, and pairs that cannot change the outcome are not
tried (``_Trials``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping

from rongcuo.decision.model import MissingFact, OutcomeId, ValueEffect, builder
from rongcuo.decision.presume import Presumer, Reading
from rongcuo.decision.walk import Walk, outcome_of
from rongcuo.engine.reference import (
    Program,
    ReferenceEvaluator,
    compare,
    eval_cond,
    representative_values,
)
from rongcuo.ruleset.graph import upstream_rules
from rongcuo.ruleset.model import (
    Compare,
    FactDecl,
    FactValue,
    Known,
    json_value,
    presumed_flag,
    walk,
)

_new_missing_fact = builder(MissingFact)
_new_value_effect = builder(ValueEffect)

_PAIR_LIMIT = 12  # missing facts beyond which joint effects are not enumerated (left open)
_ABSENT = object()
_ENUMERATE = 128  # combinations of missing values tried to say which outcomes stay possible


class CaseFacts:
    """What the case file gives, for trials that state more: the stated facts, the facts stated
    as unknown, the claims, and how the decision read them (presumptions applied)."""

    def __init__(
        self,
        presumer: Presumer,
        stated: Mapping[str, FactValue],
        unknown: frozenset[str],
        claims: frozenset[str],
    ) -> None:
        self.presumer = presumer
        self.stated = stated
        self.unknown = unknown
        self.claims = claims
        self.must_state = presumer.must_state(claims)
        self.reading: Reading = presumer.read(stated, unknown, claims, self.must_state)
        self._constraints = tuple(c.when for c in presumer.rs.constraints.values())

    def violates(self, assign: Mapping[str, FactValue]) -> bool:
        """Whether stating ``assign`` as well would be a case-file error (a ruleset constraint,
        RC213): such values are never tried."""
        if not self._constraints:
            return False
        facts = {**self.stated, **assign}
        return any(eval_cond(c, facts, frozenset(), {}, {}) is True for c in self._constraints)

    def change(
        self, assign: Mapping[str, FactValue]
    ) -> tuple[dict[str, FactValue | None], frozenset[str], frozenset[str]]:
        """The facts that differ from the reading once ``assign`` is stated as well (``None``:
        no longer presumed), the flags of the new case, and the flags that changed."""
        base = self.reading
        if not any(self.presumer.dependents[f] for f in assign):
            # No presumption reads these facts: stating them changes only themselves, and the
            # flag of any that was presumed (it is stated now).
            dropped = frozenset(presumed_flag(f) for f in assign if f in base.presumed) & base.flags
            return dict(assign), base.flags - dropped, dropped
        new = self.presumer.read(
            {**self.stated, **assign}, self.unknown - assign.keys(), self.claims, self.must_state
        )
        change: dict[str, FactValue | None] = {
            k: v for k, v in new.facts.items() if not same_value(base.facts.get(k, _ABSENT), v)
        }
        for k in base.facts:
            if k not in new.facts:
                change[k] = None
        return change, new.flags, new.flags ^ base.flags


def same_value(a: object, b: object) -> bool:
    """Whether two fact values are the same value of the same type (``True`` is not ``1``)."""
    return type(a) is type(b) and a == b


class MissingFacts:
    """The missing-fact analysis for one effective ruleset and evaluator; what does not depend
    on the case (candidate values, the outcome rules, value effects) is kept between cases."""

    def __init__(
        self,
        program: Program,
        evaluator: ReferenceEvaluator,
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
        #: facts some rule asks whether they are known: knowing one can turn a rule that held
        #: false, so the shortcuts that rely on more facts only settling rules are off for them
        self.known_read = frozenset(
            node.fact
            for rule in self.rs.rules.values()
            if rule.when is not None
            for node in walk(rule.when)
            if isinstance(node, Known)
        )
        self._reaches: dict[str, frozenset[str]] = {}
        #: per fact, the comparisons on it in rules the walk reads (directly or not):
        #: (rule, operator, operand)
        self._compares: dict[str, list[tuple[str, str, FactValue | tuple[FactValue, ...]]]] = {}
        walked = upstream_rules(self.outcome_rules, program.reads)
        for rule in program.order:
            if rule.id in walked and rule.when is not None:
                for node in walk(rule.when):
                    if isinstance(node, Compare):
                        self._compares.setdefault(node.fact, []).append(
                            (rule.id, node.op, node.value)
                        )
        self._candidate_values: dict[str, list[FactValue]] = {}
        self._compared: dict[str, list[FactValue]] = {}
        self._effects: dict[tuple[str, int, str], ValueEffect] = {}

    def analyse(
        self, result: Walk, values: dict[str, bool], case: CaseFacts
    ) -> tuple[list[MissingFact], tuple[OutcomeId, ...] | None]:
        """Unknown facts behind the undecided rules of the walk that would change the outcome,
        each tried with each value, in the order an investigator should ask them (catalogue
        §6.7): first those whose every value decides the case, then those that settle the
        most, then those that matter only together with another. A fact whose every value
        leaves the outcome as it is, alone and with any other, is not asked for (§6.2).

        Also the outcomes the missing facts can lead to, when every combination of their
        values was tried (``None`` when there are too many: the walk's open outcomes stand).
        """
        readers = self._readers(result, values, case)
        if not readers:
            return [], None
        ordered = sorted(readers, key=self._fact_index.__getitem__)
        dependents = case.presumer.dependents
        # knowing a fact may presume others (catalogue §6.5): those count as learnt too
        learnt = set(ordered).union(*(dependents[f] for f in ordered))
        # (and a presumption whose condition asks whether a fact is known can go away)
        monotone = self.known_read.isdisjoint(learnt) and case.presumer.known_asked.isdisjoint(
            ordered
        )
        same = {
            fid: self._same_as(fid, values) if monotone and not dependents[fid] else None
            for fid in ordered
        }
        trials = _Trials(self, case, values, monotone, same)
        allowed = {
            fid: [i for i, v in enumerate(self.candidates_of(fid)) if not case.violates({fid: v})]
            for fid in ordered
        }
        singles = trials.outcomes([((fid, i),) for fid in ordered for i in allowed[fid]])
        effects = {
            fid: [
                self._effect(self.rs.facts[fid], i, self.candidates_of(fid)[i], singles[(fid, i),])
                for i in allowed[fid]
            ]
            for fid in ordered
        }
        possible = self._reachable(ordered, allowed, trials, case)
        alone = {fid: any(e.outcome != result.outcome for e in effects[fid]) for fid in ordered}
        jointly = self._matter_with_another(
            [fid for fid in ordered if not alone[fid]], ordered, trials, case, allowed
        )
        out = self._in_asking_order(ordered, readers, effects, alone, jointly, case)
        return out, possible

    def _readers(
        self, result: Walk, values: dict[str, bool], case: CaseFacts
    ) -> dict[str, list[str]]:
        """Each unknown fact behind an undecided rule of the walk, with the rules reading it."""
        facts = case.reading.facts
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
                    # a fact presumed from others still unknown: ask for those (§6.2, §6.5)
                    for asked in case.reading.pending.get(fid) or (fid,):
                        readers.setdefault(asked, []).append(rid)
            pending.extend(d for d in self._rule_deps[rid] if values.get(d) is None)
        return readers

    def _in_asking_order(
        self,
        ordered: list[str],
        readers: dict[str, list[str]],
        effects: dict[str, list[ValueEffect]],
        alone: dict[str, bool],
        jointly: dict[str, bool | None],
        case: CaseFacts,
    ) -> list[MissingFact]:
        """The MissingFact records of the facts that matter, in the order to ask them."""
        rows = []
        for fid in ordered:
            decided = {e.outcome for e in effects[fid]} - {"insufficient_facts"}
            settles = alone[fid] and all(e.outcome != "insufficient_facts" for e in effects[fid])
            joint = None if alone[fid] else jointly[fid]
            rank = 0 if settles else 1 if alone[fid] else 2 if joint else 3 if joint is None else 4
            rows.append(((rank, -len(decided), self._fact_index[fid]), fid, settles, joint))
        out = []
        for (rank, _, _), fid, settles, joint in sorted(rows):
            if rank == 4:
                continue  # no value of it, alone or with another, changes the outcome
            decl = self.rs.facts[fid]
            out.append(
                _new_missing_fact(
                    id=fid,
                    label=decl.label,
                    question=decl.question,
                    looks=list(decl.looks),
                    rules=sorted(set(readers[fid])),
                    changes_outcome=alone[fid],
                    settles=settles,
                    jointly=joint,
                    stated_unknown=fid in case.unknown,
                    effects=effects[fid],
                )
            )
        return out

    def _reachable(
        self,
        ordered: list[str],
        allowed: dict[str, list[int]],
        trials: _Trials,
        case: CaseFacts,
    ) -> tuple[OutcomeId, ...] | None:
        """The outcomes some combination of the missing facts' values gives, when there are
        at most ``_ENUMERATE`` combinations (else ``None``)."""
        count = 1
        for fid in ordered:
            count *= max(1, len(allowed[fid]))
        if count > _ENUMERATE or any(not allowed[f] for f in ordered):
            return None
        combos = [
            tuple(zip(ordered, idx, strict=True))
            for idx in itertools.product(*(allowed[f] for f in ordered))
        ]
        combos = [
            t for t in combos if not case.violates({f: self.candidates_of(f)[i] for f, i in t})
        ]
        found = trials.outcomes(combos)
        return tuple(dict.fromkeys(found[t] for t in combos))

    def _effect(self, decl: FactDecl, i: int, value: FactValue, outcome: OutcomeId) -> ValueEffect:
        key = (decl.id, i, outcome)
        found = self._effects.get(key)
        if found is None:
            found = self._effects[key] = _new_value_effect(
                value=json_value(value),
                display=self._region(decl, value),
                outcome=outcome,
                outcome_label=self._outcome_label(outcome),
            )
        return found

    def _matter_with_another(
        self,
        fids: list[str],
        missing: list[str],
        trials: _Trials,
        case: CaseFacts,
        allowed: dict[str, list[int]],
    ) -> dict[str, bool | None]:
        """For each of ``fids``: whether it changes the outcome once some other missing fact
        is known.

        A fact can matter only jointly (the loss recovered matters once a situation is known to
        apply), which trying one fact at a time would miss. Pairs are tried for up to
        ``_PAIR_LIMIT`` missing facts; past that, this says ``None`` (not examined).
        A value of the other fact that leaves unknown no outcome rule the fact can reach is
        not tried (``_Trials.inert``). The pairs of all ``fids`` are tried in one batch.
        """
        if len(missing) > _PAIR_LIMIT:
            return dict.fromkeys(fids, None)
        cand = self.candidates_of
        groups = {
            fid: [
                [
                    ((other, j), (fid, i))
                    for i in allowed[fid]
                    if not case.violates({other: cand(other)[j], fid: cand(fid)[i]})
                ]
                for other in missing
                if other != fid
                for j in allowed[other]
                if not trials.inert(((other, j),), self.reaches(fid, case.presumer))
            ]
            for fid in fids
        }
        outcomes = trials.outcomes([t for gs in groups.values() for g in gs for t in g])
        return {
            fid: any(len({outcomes[t] for t in g}) > 1 for g in gs) for fid, gs in groups.items()
        }

    def _same_as(self, fid: str, values: dict[str, bool]) -> list[int] | None:
        """For each candidate value of ``fid``, the first candidate it cannot be told apart
        from in this case; ``None`` when all differ.

        Knowing ``fid`` can change only the rules still unknown, so two values that every
        comparison on ``fid`` in those rules answers alike give the same rule values, and one
        trial serves both.
        """
        tests = [(op, ref) for rid, op, ref in self._compares.get(fid, ()) if rid not in values]
        firsts: dict[tuple[bool, ...], int] = {}
        same = [
            firsts.setdefault(tuple([compare(v, op, ref) for op, ref in tests]), i)
            for i, v in enumerate(self.candidates_of(fid))
        ]
        return same if len(firsts) < len(same) else None

    def reaches(self, fid: str, presumer: Presumer) -> frozenset[str]:
        """The outcome rules whose value can depend on fact ``fid``, directly or through the
        facts presumed from it (and their flags)."""
        found = self._reaches.get(fid)
        if found is None:
            down = self.program.downstream
            keys = {fid, *presumer.dependents[fid]}
            keys |= {presumed_flag(k) for k in keys}
            reached = frozenset().union(*(down.get(k, frozenset()) for k in keys))
            found = self._reaches[fid] = reached & self.outcome_rules
        return found

    def candidates_of(self, fid: str) -> list[FactValue]:
        found = self._candidate_values.get(fid)
        if found is None:
            found = self._candidate_values[fid] = self._candidates_for(self.rs.facts[fid])
        return found

    def _constants(self, decl: FactDecl) -> list[FactValue]:
        """The values the ruleset's comparisons (rules and presumptions) compare a fact with,
        worked out once a fact: the candidates and the regions they stand for both read them."""
        found = self._compared.get(decl.id)
        if found is None:
            found = self._compared[decl.id] = self._constants_of(decl)
        return found

    def _constants_of(self, decl: FactDecl) -> list[FactValue]:
        conds = [r.when for r in self.rs.rules.values() if r.when is not None]
        conds += [p.when for f in self.rs.facts.values() for p in f.presume if p.when is not None]
        consts: list[FactValue] = []
        for cond in conds:
            for node in walk(cond):
                if isinstance(node, Compare) and node.fact == decl.id:
                    consts.extend(node.value if isinstance(node.value, tuple) else (node.value,))
        return consts

    def _candidates_for(self, decl: FactDecl) -> list[FactValue]:
        """Values of a missing fact that reach every region the ruleset's comparisons carve out."""
        return representative_values(decl, self._constants(decl))

    def _region(self, decl: FactDecl, value: FactValue) -> str:
        """A value as the region of the ruleset's constants (and the fact's bounds) it stands
        for: a number tried between two of them is any number there ("0.5至1之间" rather than
        "0.75", which no rule mentions); a constant, and a value of any other type, as itself."""
        if decl.type != "number" or not isinstance(value, int | float) or isinstance(value, bool):
            return decl.display(value)
        bounds = {b for b in (decl.minimum, decl.maximum) if b is not None}
        points = sorted(
            {float(c) for c in self._constants(decl) if isinstance(c, int | float)} | bounds
        )
        if not points or float(value) in points:
            return decl.display(value)
        below = [p for p in points if p < value]
        above = [p for p in points if p > value]
        if below and above:
            return f"{decl.display(below[-1])}至{decl.display(above[0])}之间"
        return f"大于{decl.display(below[-1])}" if below else f"小于{decl.display(above[0])}"


Trial = tuple[tuple[str, int], ...]  # (missing fact, index of its candidate value), sorted


class _Trials:
    """The outcome of one case with some missing facts given candidate values.

    Each combination is evaluated once (a pair comes up again with its members swapped), and
    the combinations asked for together go to the evaluator in one batch.

    Two shortcuts rest on one fact: knowing one more fact can only turn unknown rule values
    into true or false, never change a value already known. (That is so for every fact no rule
    asks ``known:`` about; with such a fact missing, neither shortcut is taken.)

    * Two values of a fact that every comparison on it in the rules still unknown answers alike
      give the same rule values: one is evaluated for both (``same``).
    * A fact cannot change the outcome of a combination in which none of the outcome rules it
      reaches is still unknown, or whose outcome is *settled* — decided by a rule that holds,
      every other open step leading to the same outcome (``inert``): its pairs with that
      combination are not tried.

    (``tests/test_fast_paths.py`` holds the decisions equal to evaluating every combination.)
    """

    prune = True  # False evaluates every combination (for the test that checks the shortcuts)

    def __init__(
        self,
        analysis: MissingFacts,
        case: CaseFacts,
        values: dict[str, bool],
        monotone: bool,
        same: dict[str, list[int] | None],
    ) -> None:
        self.analysis = analysis
        self.case = case
        self.values = values
        self.monotone = monotone and self.prune
        self.same = same if self.monotone else {}
        self.known: dict[Trial, OutcomeId] = {}
        self.settled: set[Trial] = set()
        self.open: dict[Trial, frozenset[str]] = {}  # outcome rules still unknown in a trial

    def key(self, trial: Trial) -> Trial:
        """The combination evaluated for ``trial``: each value replaced by the first candidate
        it cannot be told apart from, sorted."""
        same = self.same
        out = []
        for fid, i in trial:
            firsts = same.get(fid)
            out.append((fid, i if firsts is None else firsts[i]))
        return tuple(sorted(out))

    def outcomes(self, trials: list[Trial]) -> dict[Trial, OutcomeId]:
        keys = [self.key(t) for t in trials]
        todo = list(dict.fromkeys(k for k in keys if k not in self.known))
        if todo:
            d = self.analysis
            outcome_rules = d.outcome_rules  # all a walk reads
            facts = self.case.reading.facts
            found = []
            for key in todo:
                change, flags, changed = self.case.change(
                    {fid: d.candidates_of(fid)[i] for fid, i in key}
                )
                found.append(
                    d.evaluator.values_after(
                        facts, flags, self.values, change, outcome_rules, changed
                    )
                )
            for key, values in zip(todo, found, strict=True):
                self.known[key], settled = outcome_of(d.program, values)
                self.open[key] = outcome_rules.difference(values)
                if settled:
                    self.settled.add(key)
        return {t: self.known[k] for t, k in zip(trials, keys, strict=True)}

    def inert(self, trial: Trial, reach: frozenset[str]) -> bool:
        """Whether a fact that reaches only the outcome rules ``reach`` leaves the outcome of
        the evaluated combination ``trial`` as it is, whatever its value."""
        if not self.monotone:
            return False
        key = self.key(trial)
        return key in self.settled or self.open[key].isdisjoint(reach)


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
