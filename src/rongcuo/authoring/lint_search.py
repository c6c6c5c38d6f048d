"""The search behind ``rongcuo lint``: the space of cases of a ruleset, and the questions on it.

:class:`Space` holds a ruleset's variables (facts and claims) and their values, and answers
:meth:`Space.exists` ("is there a combination of facts under which these rules have these
truth values?") for the findings of :mod:`rongcuo.authoring.lint`; :class:`GapSearch` finds
the gaps (RC504). Both reason with the cubes of :mod:`rongcuo.authoring.lint_cubes`.

Method
------
Every fact is taken as known (two-valued): lint asks what the *rules* can do, not what a case
may leave open. A fact's values are its representative values (:func:`representative_values`
over every constant the ruleset compares it with): between them they reach every region the
ruleset's comparisons tell apart, so reasoning over them is exact. A ``claimed:`` test is a
boolean variable of its own (claims are fixed to "none" in the gap analysis).

Each finding is a question "is there a combination of facts under which these rules have these
truth values?" (for RC501: A true and B false). It is answered, in this order:

1. by exhaustive enumeration with the reference evaluator (:class:`ReferenceEvaluator`, on the
   rules the question reads) when the product of the value counts of the facts those rules read
   is at most ``MAX_ENUMERATION``;
2. otherwise symbolically: each rule's condition, with the rules it reads inlined, is put in
   disjunctive normal form (``ruleset.normal_form.dnf``) and each conjunction becomes a *cube*
   (for each fact, the set of its values allowed); a depth-first search looks for a cube
   compatible with every rule. This is exact too; any combination it finds is confirmed with
   the reference evaluator;
3. if the normal form is too large or the search exceeds ``SEARCH_BUDGET``: seeded random
   sampling (``SAMPLES`` combinations, fixed seed) with the reference evaluator. A finding that
   rests on sampling says so in its message.

Gaps (RC504) are computed symbolically as a cover of "no situation and no exclusion": the product
of the rules' negated normal forms, with contradictory and absorbed cubes dropped as it grows.
Each cube is projected on the facts situations read and widened as far as it stays clear of every
situation (dropping a fact, or admitting more of its values), which gives the general patterns.
Past ``COVER_LIMIT`` cubes only part of the cover is listed (and the message says so).

The search is deterministic: fixed iteration orders and a fixed seed (``SEED``).
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from rongcuo.authoring.lint_cubes import (
    Cube,
    OutOfBudget,
    absorb,
    cube_cover,
    cube_key,
    cube_meet,
    solutions,
)
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.reference import Program, ReferenceEvaluator, compare, representative_values
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    Rule,
    RuleRef,
    Ruleset,
    flag_key,
    walk,
)
from rongcuo.ruleset.normal_form import Lit, dnf

MAX_ENUMERATION = 20_000  # combinations enumerated exhaustively with the reference evaluator
SEARCH_BUDGET = 200_000  # steps of the symbolic search before falling back to sampling
SAMPLES = 4_000  # combinations tried when sampling
COVER_LIMIT = 4_000  # cubes in the gap cover before only part of it is listed
SEED = "rongcuo-lint-1"

CLAIM = "claimed:"  # prefix of the variable for ``claimed: <situation>`` (ids cannot hold ':')

Goal = dict[str, bool]  # rule id -> the truth value wanted


@dataclass(frozen=True)
class _Answer:
    """A combination making a question true (variable -> value), or ``None``; ``sampled`` is
    the number of combinations sampled when "none" rests on sampling (0: exact)."""

    witness: dict[str, FactValue] | None
    sampled: int = 0


# --- the space of cases --------------------------------------------------------------------


class Space:
    """The variables of a ruleset (facts and claims), their values, and the questions on them."""

    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.program = Program.build(rs)
        self.consts: dict[str, list[FactValue]] = {f: [] for f in rs.facts}
        claimed: set[str] = set()
        for rule in rs.rules.values():
            for node in walk(rule.when) if rule.when is not None else ():
                if isinstance(node, Compare) and node.fact in self.consts:
                    value = node.value
                    self.consts[node.fact].extend(value if isinstance(value, tuple) else (value,))
                elif isinstance(node, Claimed | Presumed):
                    claimed.add(flag_key(node))  # always known: a variable of its own
        # a case cannot state an empty set (RC212; left out, the fact is unknown), so no
        # combination of facts lint reports may hold one
        self.domains: dict[str, list[FactValue]] = {
            fid: [v for v in representative_values(decl, self.consts[fid]) if v != frozenset()]
            for fid, decl in rs.facts.items()
        }
        for sid in sorted(claimed):
            self.domains[CLAIM + sid] = [True, False]
        self.rank = {var: i for i, var in enumerate(self.domains)}
        self._inlined: dict[str, Cond] = {}
        self._cubes: dict[tuple[str, bool], list[Cube] | None] = {}
        self._closures: dict[frozenset[str], tuple[ReferenceEvaluator, list[str]]] = {}

    # --- symbolic ------------------------------------------------------------------------

    def inline(self, cond: Cond) -> Cond:
        """``cond`` with every rule it reads replaced by that rule's (inlined) condition."""
        if isinstance(cond, AllOf):
            return AllOf(tuple(self.inline(c) for c in cond.items), cond.src)
        if isinstance(cond, AnyOf):
            return AnyOf(tuple(self.inline(c) for c in cond.items), cond.src)
        if isinstance(cond, Not):
            return Not(self.inline(cond.item), cond.src)
        if isinstance(cond, Established):  # every fact is known here: established is the item
            return self.inline(cond.item)
        if isinstance(cond, RuleRef):
            return self.rule_cond(cond.rule)
        if isinstance(cond, KindRef):
            items = tuple(
                self.rule_cond(rid) for rid in self.program.kind_members.get(cond.kind, ())
            )
            return AnyOf(items) if cond.quantifier == "any" else AllOf(items)
        return cond

    def rule_cond(self, rid: str) -> Cond:
        if rid not in self._inlined:
            when = self.rs.rules[rid].when
            assert when is not None, rid
            self._inlined[rid] = self.inline(when)
        return self._inlined[rid]

    def restrict(self, var: str, allowed: Iterable[int]) -> Cube | None:
        chosen = frozenset(allowed)
        if not chosen:
            return None
        return {} if len(chosen) == len(self.domains[var]) else {var: chosen}

    def literal(self, lit: Lit) -> Cube | None:
        node = lit.node
        if isinstance(node, Known):  # every fact is known
            return {} if node.known == lit.positive else None
        if isinstance(node, Claimed | Presumed):
            return self.restrict(CLAIM + flag_key(node), [0 if lit.positive else 1])
        assert isinstance(node, Compare), node  # rule references were inlined
        values = self.domains[node.fact]
        return self.restrict(
            node.fact,
            (i for i, v in enumerate(values) if compare(v, node.op, node.value) == lit.positive),
        )

    def cubes(self, rid: str, want: bool) -> list[Cube] | None:
        """The combinations under which rule ``rid`` has the value ``want``, as cubes; ``None``
        when its normal form is too large."""
        key = (rid, want)
        if key not in self._cubes:
            conjunctions = dnf(self.rule_cond(rid), want)
            if conjunctions is None:
                self._cubes[key] = None
            else:
                out: list[Cube] = []
                for conj in conjunctions:
                    cube: Cube | None = {}
                    for lit in conj:
                        part = self.literal(lit)
                        cube = None if part is None or cube is None else cube_meet(cube, part)
                        if cube is None:
                            break
                    if cube is not None:
                        out.append(cube)
                self._cubes[key] = absorb(out)
        return self._cubes[key]

    def factors(self, goal: Goal) -> list[list[Cube]] | None:
        out = []
        for rid, want in goal.items():
            cubes = self.cubes(rid, want)
            if cubes is None:
                return None
            out.append(cubes)
        return out

    # --- the reference evaluator ------------------------------------------------------------

    def closure(self, rids: Iterable[str]) -> tuple[ReferenceEvaluator, list[str]]:
        """A reference evaluator for the rules ``rids`` and those they read, and the
        variables they read (declaration order)."""
        key = frozenset(rids)
        if key not in self._closures:
            graph = self.rs.graph
            needed: set[str] = set()
            stack = list(key)
            while stack:
                rid = stack.pop()
                if rid in needed:
                    continue
                needed.add(rid)
                stack.extend(graph.reads.get(rid, ()))
            order = tuple(r for r in self.program.order if r.id in needed)
            reads: set[str] = set()
            for rule in order:
                assert rule.when is not None
                reads.update(graph.facts[rule.id])
                reads.update(
                    CLAIM + flag_key(n)
                    for n in walk(rule.when)
                    if isinstance(n, Claimed | Presumed)
                )
            program = Program(self.rs, order, graph.members, self.program.steps)
            self._closures[key] = (
                ReferenceEvaluator(program),
                sorted(reads, key=self.rank.__getitem__),
            )
        return self._closures[key]

    def values(self, rids: Iterable[str], point: Mapping[str, FactValue]) -> dict[str, bool]:
        """Rule values at ``point`` (facts absent from it are unknown) by the reference
        evaluator."""
        evaluator, _ = self.closure(rids)
        facts = {v: x for v, x in point.items() if not v.startswith(CLAIM)}
        claims = frozenset(v[len(CLAIM) :] for v, x in point.items() if v.startswith(CLAIM) and x)
        return evaluator.rule_values(facts, claims)

    def holds(self, goal: Goal, point: Mapping[str, FactValue]) -> bool:
        values = self.values(goal, point)
        return all(values.get(rid) == want for rid, want in goal.items())

    def outcome(self, facts: Mapping[str, FactValue]) -> str:
        """The outcome of a case with ``facts`` (every other fact at its default value, no
        claims), by the reference evaluator and the decision order."""
        point = self.point({}, self.rs.facts)
        point.update(facts)
        values = ReferenceEvaluator(self.program).rule_values(point, frozenset())
        return walk_outcomes(self.program, values).outcome

    def default(self, var: str) -> int:
        """Index of the value an example takes when free to: false for booleans, else the
        first value."""
        return 1 if self.domains[var] == [True, False] else 0

    def point(self, cube: Cube, variables: Iterable[str]) -> dict[str, FactValue]:
        """A combination inside ``cube``: the default value where allowed, else the first."""
        out: dict[str, FactValue] = {}
        for var in variables:
            allowed = cube.get(var)
            index = self.default(var)
            if allowed is not None and index not in allowed:
                index = min(allowed)
            out[var] = self.domains[var][index]
        return out

    # --- questions ------------------------------------------------------------------------

    def exists(self, goal: Goal) -> _Answer:
        """A combination of facts under which every rule of ``goal`` has the value wanted."""
        _, variables = self.closure(goal)
        size = math.prod(len(self.domains[v]) for v in variables)
        if size <= MAX_ENUMERATION:
            for combo in itertools.product(*(self.domains[v] for v in variables)):
                point = dict(zip(variables, combo, strict=True))
                if self.holds(goal, point):
                    return _Answer(point)
            return _Answer(None)
        factors = self.factors(goal)
        if factors is not None:
            try:
                cube = next(solutions(factors, SEARCH_BUDGET), None)
            except OutOfBudget:
                pass
            else:
                if cube is None:
                    return _Answer(None)
                point = self.point(cube, variables)
                _confirm(self.holds(goal, point), goal)
                return _Answer(point)
        return self.sample(goal, variables)

    def sample(self, goal: Goal, variables: Sequence[str]) -> _Answer:
        rng = random.Random(f"{SEED}:{sorted(goal.items())}")
        guides = self.guides(goal)
        for _ in range(SAMPLES):
            point = self.draw(rng, guides, variables)
            if self.holds(goal, point):
                return _Answer(point)
        return _Answer(None, SAMPLES)

    def guides(self, goal: Goal) -> list[list[Cube]]:
        """The normal forms available for the rules of ``goal``, to steer sampling."""
        out = []
        for rid, want in goal.items():
            cubes = self.cubes(rid, want)
            if cubes:
                out.append(cubes)
        return out

    def draw(
        self, rng: random.Random, guides: list[list[Cube]], variables: Iterable[str]
    ) -> dict[str, FactValue]:
        """A random combination, steered into one random cube of each guide where they agree:
        uniform sampling would almost never meet a dozen conditions at once."""
        cube: Cube = {}
        for i in rng.sample(range(len(guides)), len(guides)):
            met = cube_meet(cube, rng.choice(guides[i]))
            if met is not None:
                cube = met
        point: dict[str, FactValue] = {}
        for var in variables:
            values = self.domains[var]
            allowed = sorted(cube[var]) if var in cube else range(len(values))
            point[var] = values[rng.choice(allowed)]
        return point


def _confirm(ok: bool, goal: Goal) -> None:
    if not ok:  # pragma: no cover - the symbolic method and the evaluator disagree: a bug
        raise RuntimeError(f"lint: symbolic analysis disagrees with the evaluator on {goal}")


# --- gaps (RC504) ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gap:
    pattern: Cube  # on the facts situations read
    example: dict[str, FactValue]  # the facts of an example case
    weight: float  # the share of the situations' space the pattern covers


class GapSearch:
    """The gaps of RC504 for a ruleset's situations: combinations of facts under which no
    situation and no exclusion holds, grouped into the most general fact patterns."""

    def __init__(self, space: Space, situations: list[Rule]) -> None:
        self.space = space
        self.situations = situations

    def find(self, goal: Goal) -> tuple[list[_Gap], bool, int]:
        """The gaps where every rule of ``goal`` is false, the widest first, leaving out the cases
        the decision order sends to the committee; whether only part of the cover is listed;
        and how many combinations were sampled (0: exact)."""
        space = self.space
        sids = [s.id for s in self.situations]
        _, variables = space.closure(goal)
        claims = [v for v in variables if v.startswith(CLAIM)]
        no_claims: Cube = {v: frozenset({1}) for v in claims}
        situation_vars = space.closure(sids)[1] if sids else []
        shown = set(situation_vars) - set(claims)
        factors = space.factors(goal)
        bad: list[Cube] = []
        for sid in sids:
            bad += space.cubes(sid, True) or []
        exact = factors is not None and all(space.cubes(sid, True) is not None for sid in sids)
        partial = False
        sampled = 0
        gaps: list[_Gap] = []
        if exact and factors is not None:
            factors += [[{v: s}] for v, s in no_claims.items()]
            cover = cube_cover(factors, COVER_LIMIT)
            if cover is None:
                partial = True
                cover = []
                try:
                    for cube in solutions(factors, SEARCH_BUDGET):
                        cover.append(cube)
                        if len(cover) >= COVER_LIMIT:
                            break
                except OutOfBudget:
                    pass

            def clear(cube: Cube) -> bool:
                return all(cube_meet({**cube, **no_claims}, d) is None for d in bad)

            widened = [
                (self.widen({v: s for v, s in c.items() if v in shown}, clear), c) for c in cover
            ]
            source: dict[tuple[tuple[str, tuple[int, ...]], ...], Cube] = {}
            for pattern, c in widened:
                source.setdefault(cube_key(pattern), c)
            for pattern in absorb(p for p, _ in widened):
                cube = source[cube_key(pattern)]
                point = space.point(cube, variables)
                _confirm(space.holds(goal, point), goal)
                example = {v: point[v] for v in variables if v in cube and v not in claims}
                gaps.append(_Gap(pattern, example, self.weight(pattern)))
        else:
            gaps, sampled = self.sampled_gaps(goal, variables, shown, claims)
        # a case the decision order sends to the committee is not a gap
        gaps = [g for g in gaps if space.outcome(g.example) not in ("refer", "insufficient_facts")]
        gaps.sort(key=lambda g: (-g.weight, len(g.pattern), cube_key(g.pattern)))
        return gaps, partial, sampled

    def widen(self, cube: Cube, clear: Callable[[Cube], bool]) -> Cube:
        """``cube`` made as wide as it can be while ``clear`` stays true."""
        out = dict(cube)
        for var in sorted(cube, key=self.space.rank.__getitem__):
            trial = {v: s for v, s in out.items() if v != var}
            if clear(trial):
                out = trial
                continue
            for index in range(len(self.space.domains[var])):
                if index in out[var]:
                    continue
                wider = out[var] | {index}
                trial = dict(out)
                if len(wider) == len(self.space.domains[var]):
                    del trial[var]
                else:
                    trial[var] = wider
                if clear(trial):
                    out = trial
                    if var not in out:
                        break
        return out

    def weight(self, cube: Cube) -> float:
        return math.prod(len(s) / len(self.space.domains[v]) for v, s in cube.items())

    def sampled_gaps(
        self, goal: Goal, variables: list[str], shown: set[str], claims: list[str]
    ) -> tuple[list[_Gap], int]:
        """Gaps found by sampling, each widened by dropping facts while every situation stays
        false (three-valued: a dropped fact is unknown)."""
        space = self.space
        rng = random.Random(f"{SEED}:gaps")
        sids = [s.id for s in self.situations]
        fixed = [
            n.fact
            for s in self.situations
            for n in walk(space.rule_cond(s.id))
            if isinstance(n, Known)
        ]
        found: dict[tuple[tuple[str, tuple[int, ...]], ...], _Gap] = {}
        guides = space.guides(goal)
        for _ in range(SAMPLES):
            point = space.draw(rng, guides, variables)
            point.update(dict.fromkeys(claims, False))
            if not space.holds(goal, point):
                continue
            kept = {v: x for v, x in point.items() if v in shown or v in claims}
            for var in sorted(kept, key=space.rank.__getitem__):
                if var in claims or var in fixed:
                    continue
                trial = {v: x for v, x in kept.items() if v != var}
                values = space.values(sids, trial)
                if all(values.get(sid) is False for sid in sids):
                    kept = trial
            pattern = {
                v: frozenset({space.domains[v].index(x)}) for v, x in kept.items() if v in shown
            }
            example = {v: x for v, x in point.items() if v not in claims}
            found.setdefault(cube_key(pattern), _Gap(pattern, example, self.weight(pattern)))
        gaps = [found[k] for k in sorted(found)]
        keep = absorb(g.pattern for g in gaps)
        return [g for g in gaps if any(cube_key(g.pattern) == cube_key(k) for k in keep)], SAMPLES
