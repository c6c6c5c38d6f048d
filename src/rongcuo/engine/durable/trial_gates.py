"""The gates of what-if trials on durable_rules: which rules a change of facts selects, and
what each stratum's trial gate carries.

Giving missing facts a value can change only the rules downstream of them, and a trial needs
only the rules the walk reads (and what those read). A trial gate selects exactly those rules
by name (``x_<rule>: 1``, matched by each rule's trial copy), carries the facts, claims and
base values of the unselected rules they read, and nothing else; every other rule keeps its base
value, as it would when evaluated again, since it reads exactly what it read in the base case.
What depends only on the set of facts changed is worked out once per ruleset (``_selection``);
what depends on the case, once per set of facts a case tries (``plan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rongcuo.engine.durable.compile import Compiled, select_attr
from rongcuo.engine.reference import upstream_rules

#: A rule settled by elimination: its id, its value when neither rail fires, and the entry
#: later gates carry for that value ("" when no rule reads it).
Settled = tuple[str, bool, str]

# A trial gate's shape in one stratum: facts, pinned rules, claims it carries, the rules it
# selects that are settled by elimination, and the selections as gate entries.
_Shape = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[Settled, ...], str]


@dataclass(frozen=True)
class TrialPlan:
    """The gates of the trials that change one set of facts: per stratum, the facts its
    selected rules read and the rest of the gate (claims, pinned values, selections), or
    ``None`` when no rule of that stratum is selected; and the rules evaluated again (every
    other keeps its base value)."""

    strata: list[tuple[tuple[str, ...], str] | None]
    own: list[tuple[Settled, ...]]  # per stratum: the selected rules settled by elimination
    selected: frozenset[str]


class TrialGates:
    """Plans the trial gates of one compiled ruleset."""

    def __init__(
        self,
        compiled: Compiled,
        value_json: Mapping[tuple[str, bool], str],
        claim_json: Mapping[tuple[str, bool], str],
        settles: Mapping[str, Settled],
    ) -> None:
        """``value_json`` and ``claim_json``: the gate entry of a rule value and of a claim;
        ``settles``: the rules given a value when neither of their rails fires."""
        self.compiled = compiled
        self._value_json = value_json
        self._claim_json = claim_json
        self._settles = settles
        self._select_json = {rid: f', "{select_attr(rid)}": 1' for rid in compiled.stratum_of}
        # A rule both of whose rails can never hold (always false) has no engine rule.
        none: tuple[str, ...] = ()
        self._rule_reads = dict.fromkeys(compiled.stratum_of, none)
        self._rule_facts = dict.fromkeys(compiled.stratum_of, none)
        self._rule_claims = dict.fromkeys(compiled.stratum_of, none)
        for r in compiled.rules:
            self._rule_reads[r.proves[0]] = r.reads
            self._rule_facts[r.proves[0]] = r.facts
            self._rule_claims[r.proves[0]] = r.claims
        self._needs: dict[frozenset[str], frozenset[str]] = {}
        self._selections: dict[
            tuple[frozenset[str], frozenset[str] | None], tuple[frozenset[str], list[_Shape | None]]
        ] = {}

    def plan(
        self,
        changed: frozenset[str],
        base: Mapping[str, bool],
        claims: frozenset[str],
        needed: frozenset[str] | None,
    ) -> TrialPlan:
        """How to try a change of ``changed``: the gates that select the rules to evaluate
        again and pin what else those read to its base value."""
        selected, shapes = self._selection(changed, needed)
        strata: list[tuple[tuple[str, ...], str] | None] = []
        own: list[tuple[Settled, ...]] = []
        for shape in shapes:
            if shape is None:
                strata.append(None)
                own.append(())
                continue
            facts, reads, held, settled, selects = shape
            # an unknown value is left off the gate, as in the case itself
            pins = "".join(self._value_json[d, base[d]] for d in reads if d in base)
            claimed = "".join(self._claim_json[c, c in claims] for c in held)
            strata.append((facts, claimed + pins + selects))
            own.append(settled)
        return TrialPlan(strata, own, selected)

    def _selection(
        self, changed: frozenset[str], needed: frozenset[str] | None
    ) -> tuple[frozenset[str], list[_Shape | None]]:
        """The rules a change of ``changed`` selects, and for each stratum what its trial gate
        carries: the facts, the unselected rules' values and the claims its selected rules
        read, and the selections — ``None`` when it selects nothing. The same for every case."""
        key = (changed, needed)
        found = self._selections.get(key)
        if found is not None:
            return found
        downstream = self.compiled.downstream
        selected = frozenset().union(*(downstream.get(f, frozenset()) for f in changed))
        if needed is not None:
            selected &= self._upstream(needed)
        shapes: list[_Shape | None] = []
        for gate in self.compiled.gates:
            mine = [rid for rid in gate.own if rid in selected]
            if not mine:
                shapes.append(None)
                continue
            facts = {f for rid in mine for f in self._rule_facts[rid]}
            reads = {d for rid in mine for d in self._rule_reads[rid] if d not in selected}
            held = {c for rid in mine for c in self._rule_claims[rid]}
            shapes.append(
                (
                    tuple(f for f in gate.facts if f in facts),
                    tuple(d for d in gate.reads if d in reads),
                    tuple(c for c in gate.claims if c in held),
                    tuple(self._settles[rid] for rid in mine if rid in self._settles),
                    "".join(self._select_json[rid] for rid in mine),
                )
            )
        if len(self._selections) >= 4096:  # a ruleset has few facts; stay bounded anyway
            self._selections.clear()
        found = self._selections[key] = (selected, shapes)
        return found

    def _upstream(self, needed: frozenset[str]) -> frozenset[str]:
        found = self._needs.get(needed)
        if found is None:
            if len(self._needs) >= 64:
                self._needs.clear()
            found = self._needs[needed] = upstream_rules(needed, self._rule_reads)
        return found
