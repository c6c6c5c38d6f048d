"""``rongcuo lint``: weaknesses of a ruleset's logic that ``check`` does not call errors.

``check`` finds rulesets that are *wrong* (an undeclared fact, a cycle, a condition that
contradicts itself). ``lint`` runs on a ruleset that ``check`` finds clean and looks for logic
that is *weak*: a situation that adds nothing, an exclusion that never matters on its own, cases
that no rule speaks to. Every finding is a warning with a stable code, located at the rule (or
fact) it concerns, with a Chinese and an English message and a hint.

Findings
--------
RC501  a situation subsumed by another: whenever situation A holds, situation B holds too, so A
       adds nothing (situations have no outcome of their own: any one of them suffices). Reported
       on A; two equivalent situations are reported once, on the one declared later. When A is
       covered only once exclusions are taken into account (A ∧ no exclusion ⇒ B: the cases where
       A holds without B are all excluded anyway) the message says so. Situations that a rule
       reads by name (``rule: A``, as ``order_dissent`` does) matter on their own and are skipped.
RC502  a situation that can lead nowhere: it can never hold, or every case in which it holds has
       an exclusion too (so it can never yield tolerance or mitigation). The message names a
       smallest set of exclusions that blocks it.
RC503  an exclusion shadowed by others: whenever it holds, another exclusion (or one of a few
       others) holds too, so it never changes an outcome on its own. Still legitimate to keep for
       its citation, hence a warning. Exclusions read by name are skipped.
RC504  gaps: combinations of facts under which no situation and no exclusion holds (no case is
       claimed for the committee): the measure neither grants nor refuses tolerance there, and the
       decision order's fallback decides. Gaps are grouped into the most general fact patterns,
       at most ``MAX_GAPS`` of them, the widest first; each comes with an example case (a YAML
       ``facts`` mapping) in the hint.
RC505  a declared fact that no rule reads (facts read only by look or distinction rules count as
       read; a fact's ``looks:`` list is not a read).
RC506  a rule of any kind without a citation (``cite``).

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
   disjunctive normal form (``_check._dnf``) and each conjunction becomes a *cube* (for each fact,
   the set of its values allowed); a depth-first search looks for a cube compatible with every
   rule. This is exact too; any combination it finds is confirmed with the reference evaluator;
3. if the normal form is too large or the search exceeds ``SEARCH_BUDGET``: seeded random
   sampling (``SAMPLES`` combinations, fixed seed) with the reference evaluator. A finding that
   rests on sampling says so in its message.

Gaps (RC504) are computed symbolically as a cover of "no situation and no exclusion": the product
of the rules' negated normal forms, with contradictory and absorbed cubes dropped as it grows.
Each cube is projected on the facts situations read and widened as far as it stays clear of every
situation (dropping a fact, or admitting more of its values), which gives the general patterns.
Past ``COVER_LIMIT`` cubes only part of the cover is listed (and the message says so).

The output is deterministic: fixed iteration orders and a fixed seed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from ._check import _dnf, _Lit
from ._decide import walk_outcomes
from ._errors import Diagnostic, Location, sort_diagnostics
from ._logic import (
    Program,
    ReferenceEvaluator,
    compare,
    fact_dependencies,
    representative_values,
    rule_dependencies,
)
from ._model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    FactValue,
    KindRef,
    Known,
    Not,
    Rule,
    RuleRef,
    Ruleset,
    walk,
)

MAX_ENUMERATION = 20_000  # combinations enumerated exhaustively with the reference evaluator
SEARCH_BUDGET = 200_000  # steps of the symbolic search before falling back to sampling
SAMPLES = 4_000  # combinations tried when sampling
COVER_LIMIT = 4_000  # cubes in the gap cover before only part of it is listed
MAX_GAPS = 5  # gap patterns reported
SEED = "rongcuo-lint-1"

CLAIM = "claimed:"  # prefix of the variable for ``claimed: <situation>`` (ids cannot hold ':')

Cube = dict[str, frozenset[int]]  # variable -> indices of the values allowed; absent: any value
Goal = dict[str, bool]  # rule id -> the truth value wanted

KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "look": "六看",
    "distinction": "三个区分开来",
    "mitigating": "从轻减轻情形",
    "aggravating": "从重加重情形",
    "outcome": "认定顺序",
}


def lint(ruleset: Ruleset) -> list[Diagnostic]:
    """Every weakness (RC501–RC506) of a ruleset that ``check`` finds clean, sorted."""
    return sort_diagnostics(_Linter(ruleset).run())


# --- cubes ------------------------------------------------------------------------------------


def _meet(a: Cube, b: Cube) -> Cube | None:
    """The intersection of two cubes; ``None`` when it is empty."""
    if len(a) < len(b):
        a, b = b, a
    out = dict(a)
    for var, allowed in b.items():
        if var in out:
            both = out[var] & allowed
            if not both:
                return None
            out[var] = both
        else:
            out[var] = allowed
    return out


def _within(small: Cube, big: Cube) -> bool:
    """Whether every combination of ``small`` is one of ``big``."""
    return all(var in small and small[var] <= allowed for var, allowed in big.items())


def _key(cube: Cube) -> tuple[tuple[str, tuple[int, ...]], ...]:
    return tuple(sorted((var, tuple(sorted(allowed))) for var, allowed in cube.items()))


def _absorb(cubes: Iterable[Cube]) -> list[Cube]:
    """Drop repeated cubes and cubes inside another one; the widest come first."""
    unique = {_key(c): c for c in cubes}
    ordered = sorted(
        unique.values(), key=lambda c: (len(c), -sum(len(s) for s in c.values()), _key(c))
    )
    kept: list[Cube] = []
    for cube in ordered:
        if not any(_within(cube, k) for k in kept):
            kept.append(cube)
    return kept


class _OutOfBudget(Exception):
    pass


def _solutions(factors: Sequence[Sequence[Cube]], budget: int) -> Iterator[Cube]:
    """Cubes compatible with one cube of every factor, depth first (raises past ``budget``)."""
    ordered = sorted(factors, key=len)
    steps = 0

    def go(i: int, cube: Cube) -> Iterator[Cube]:
        nonlocal steps
        if i == len(ordered):
            yield cube
            return
        for option in ordered[i]:
            steps += 1
            if steps > budget:
                raise _OutOfBudget
            met = _meet(cube, option)
            if met is not None:
                yield from go(i + 1, met)

    yield from go(0, {})


def _cover(factors: Sequence[Sequence[Cube]], limit: int) -> list[Cube] | None:
    """Cubes whose union is the intersection of the factors (each a union of cubes)."""
    acc: list[Cube] = [{}]
    for factor in sorted(factors, key=len):
        acc = _absorb(m for a in acc for o in factor if (m := _meet(a, o)) is not None)
        if len(acc) > limit:
            return None
    return acc


@dataclass(frozen=True)
class _Answer:
    """A combination making a question true (variable -> value), or ``None``; ``sampled`` is
    the number of combinations sampled when "none" rests on sampling (0: exact)."""

    witness: dict[str, FactValue] | None
    sampled: int = 0


# --- the space of cases --------------------------------------------------------------------


class _Space:
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
                elif isinstance(node, Claimed):
                    claimed.add(node.situation)
        self.domains: dict[str, list[FactValue]] = {
            fid: representative_values(decl, self.consts[fid]) for fid, decl in rs.facts.items()
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

    def literal(self, lit: _Lit) -> Cube | None:
        node = lit.node
        if isinstance(node, Known):  # every fact is known
            return {} if node.known == lit.positive else None
        if isinstance(node, Claimed):
            return self.restrict(CLAIM + node.situation, [0 if lit.positive else 1])
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
            conjunctions = _dnf(self.rule_cond(rid), want)
            if conjunctions is None:
                self._cubes[key] = None
            else:
                out: list[Cube] = []
                for conj in conjunctions:
                    cube: Cube | None = {}
                    for lit in conj:
                        part = self.literal(lit)
                        cube = None if part is None or cube is None else _meet(cube, part)
                        if cube is None:
                            break
                    if cube is not None:
                        out.append(cube)
                self._cubes[key] = _absorb(out)
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
            members = self.program.kind_members
            needed: set[str] = set()
            stack = list(key)
            while stack:
                rid = stack.pop()
                if rid in needed:
                    continue
                needed.add(rid)
                when = self.rs.rules[rid].when
                if when is not None:
                    stack.extend(rule_dependencies(when, members))
            order = tuple(r for r in self.program.order if r.id in needed)
            reads: set[str] = set()
            for rule in order:
                assert rule.when is not None
                reads.update(fact_dependencies(rule.when))
                reads.update(CLAIM + n.situation for n in walk(rule.when) if isinstance(n, Claimed))
            program = Program(self.rs, order, members, self.program.steps)
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
                cube = next(_solutions(factors, SEARCH_BUDGET), None)
            except _OutOfBudget:
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
            met = _meet(cube, rng.choice(guides[i]))
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


def _minimal(items: Sequence[str], enough: Callable[[list[str]], bool]) -> list[str]:
    """A subset of ``items`` that is still ``enough`` and has no member to spare (greedy)."""
    kept = list(items)
    for item in items:
        trial = [k for k in kept if k != item]
        if trial and enough(trial):
            kept = trial
    return kept


def _sampled_note(n: int) -> tuple[str, str]:
    if not n:
        return "", ""
    return (
        f"（此结论由随机抽查 {n} 个事实组合得出，未穷举）",
        f" (found by sampling {n} fact combinations, not exhaustively)",
    )


# --- the findings ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Gap:
    pattern: Cube  # on the facts situations read
    example: dict[str, FactValue]  # the facts of an example case
    weight: float  # the share of the situations' space the pattern covers


class _Linter:
    def __init__(self, rs: Ruleset) -> None:
        self.rs = rs
        self.space = _Space(rs)
        self.diags: list[Diagnostic] = []
        self.situations = [r for r in rs.aggregated("situation") if r.when is not None]
        self.exclusions = [r for r in rs.aggregated("exclusion") if r.when is not None]
        self.position = {rid: i for i, rid in enumerate(rs.rules)}
        self.by_name: set[str] = set()  # rules some condition reads by name
        for rule in rs.rules.values():
            for node in walk(rule.when) if rule.when is not None else ():
                if isinstance(node, RuleRef):
                    self.by_name.add(node.rule)
        self.dead: set[str] = set()  # situations that lead nowhere (RC502)

    def warn(self, code: str, loc: Location, zh: str, en: str, hint: str) -> None:
        self.diags.append(Diagnostic(code, loc, zh, en, hint, "warning"))

    def run(self) -> list[Diagnostic]:
        self.dead_situations()
        self.subsumed_situations()
        self.shadowed_exclusions()
        self.gaps()
        self.unread_facts()
        self.uncited_rules()
        return self.diags

    def no_exclusion(self) -> Goal:
        return {e.id: False for e in self.exclusions}

    # --- RC502 ----------------------------------------------------------------------------

    def dead_situations(self) -> None:
        for s in self.situations:
            alone = self.space.exists({s.id: True})
            if alone.witness is None:
                self.dead.add(s.id)
                zh, en = _sampled_note(alone.sampled)
                self.warn(
                    "RC502",
                    s.src,
                    f"容错情形 {s.id} 在任何事实组合下都不成立，不可能导致容错或从轻{zh}",
                    f"situation {s.id} holds under no combination of facts, so it can never "
                    f"lead to tolerance or mitigation{en}",
                    "检查其条件是否写错 check its condition for a mistake",
                )
                continue
            found = self.space.exists({s.id: True, **self.no_exclusion()})
            if found.witness is not None:
                continue
            self.dead.add(s.id)
            sampled = found.sampled

            def blocks(subset: list[str], sid: str = s.id) -> bool:
                nonlocal sampled
                answer = self.space.exists({sid: True, **dict.fromkeys(subset, False)})
                sampled = max(sampled, answer.sampled)
                return answer.witness is None

            blockers = _minimal([e.id for e in self.exclusions], blocks)
            names = "、".join(blockers)
            zh, en = _sampled_note(sampled)
            one = len(blockers) == 1
            self.warn(
                "RC502",
                s.src,
                f"容错情形 {s.id} 不可能导致容错或从轻：凡它成立时，"
                + (
                    f"不予容错情形 {names} 必然成立"
                    if one
                    else f"不予容错情形 {names} 中必有一项成立"
                )
                + zh,
                f"situation {s.id} can never lead to tolerance or mitigation: whenever it holds, "
                + (f"the exclusion {blockers[0]} holds too" if one else "one of the exclusions ")
                + ("" if one else ", ".join(blockers) + " holds too")
                + en,
                "放宽该情形或收窄这些不予容错情形；若此情形本就只适用于被排除的案件，删除它 "
                "widen the situation or narrow those exclusions; drop it if it only ever "
                "describes excluded cases",
            )

    # --- RC501 ----------------------------------------------------------------------------

    def covers(self, a: Rule, b: Rule, extra: Goal) -> tuple[bool, int]:
        """Whether ``b`` holds whenever ``a`` does (and ``extra`` has its values)."""
        answer = self.space.exists({a.id: True, b.id: False, **extra})
        return answer.witness is None, answer.sampled

    def subsumed_situations(self) -> None:
        live = [s for s in self.situations if s.id not in self.dead]
        strict: dict[str, list[Rule]] = {}
        sampled: dict[str, int] = {}
        for a in live:
            strict[a.id] = []
            for b in live:
                if b is not a:
                    covered, n = self.covers(a, b, {})
                    if covered:
                        strict[a.id].append(b)
                        sampled[a.id] = max(sampled.get(a.id, 0), n)
        for a in live:
            if a.id in self.by_name:
                continue
            equivalent = [b for b in strict[a.id] if a in strict[b.id]]
            # two equivalent situations: report the one declared later only
            wider = [
                b
                for b in strict[a.id]
                if b not in equivalent
                or self.position[b.id] < self.position[a.id]
                or b.id in self.by_name
            ]
            n = sampled.get(a.id, 0)
            loose: list[Rule] = []
            if not strict[a.id]:
                for b in live:
                    if b is not a:
                        covered, m = self.covers(a, b, self.no_exclusion())
                        if covered:
                            loose.append(b)
                            n = max(n, m)
            zh_note, en_note = _sampled_note(n)
            hint = (
                f"若 {a.id} 本应覆盖更多情形，放宽其条件；否则可删除（继承的规则用 disable 停用）；"
                "为引用原文条款而保留也可以 widen its condition if it should cover more, "
                "otherwise drop it (disable: an inherited one); keeping it to cite its clause is fine"
            )
            if wider:
                names = [b.id for b in wider]
                same = [b.id for b in wider if b in equivalent]
                if same:
                    zh = f"容错情形 {a.id} 与 {'、'.join(same)} 等价：二者在完全相同的事实组合下成立，{a.id} 是重复的"
                    en = (
                        f"situation {a.id} is equivalent to {', '.join(same)}: they hold under "
                        f"exactly the same facts, so {a.id} is a duplicate"
                    )
                else:
                    zh = (
                        f"容错情形 {a.id} 被 {'、'.join(names)} 覆盖：凡 {a.id} 成立时，"
                        f"{names[0]} 也成立，{a.id} 不增加新的容错情形"
                    )
                    en = (
                        f"situation {a.id} is subsumed by {', '.join(names)}: whenever {a.id} "
                        f"holds, {names[0]} holds too, so {a.id} adds nothing"
                    )
                self.warn("RC501", a.src, zh + zh_note, en + en_note, hint)
            elif loose:
                names = [b.id for b in loose]
                why = self.excluded_difference(a, loose[0])
                self.warn(
                    "RC501",
                    a.src,
                    f"容错情形 {a.id} 被 {'、'.join(names)} 覆盖（不计已被排除的案件）：凡 {a.id} "
                    f"成立且没有不予容错情形时，{names[0]} 也成立；{a.id} 成立而 {names[0]} "
                    f"不成立的案件都已被不予容错情形 {why} 排除" + zh_note,
                    f"situation {a.id} is subsumed by {', '.join(names)} once exclusions are "
                    f"counted: whenever {a.id} holds and no exclusion does, {names[0]} holds too; "
                    f"the cases where {a.id} holds without {names[0]} are all excluded "
                    f"(by {why.replace('、', ', ')})" + en_note,
                    hint,
                )

    def excluded_difference(self, a: Rule, b: Rule) -> str:
        """The fewest exclusions that exclude every case where ``a`` holds and ``b`` does not."""

        def enough(subset: list[str]) -> bool:
            goal = {a.id: True, b.id: False, **dict.fromkeys(subset, False)}
            return self.space.exists(goal).witness is None

        return "、".join(_minimal([e.id for e in self.exclusions], enough))

    # --- RC503 ----------------------------------------------------------------------------

    def shadowed_exclusions(self) -> None:
        live = [e for e in self.exclusions if self.space.exists({e.id: True}).witness is not None]
        single: dict[str, list[Rule]] = {}
        sampled: dict[str, int] = {}
        for e in live:
            single[e.id] = []
            for f in self.exclusions:
                if f is not e:
                    answer = self.space.exists({e.id: True, f.id: False})
                    if answer.witness is None:
                        single[e.id].append(f)
                        sampled[e.id] = max(sampled.get(e.id, 0), answer.sampled)
        hint = (
            "为引用原文条款而保留即可；若它本应覆盖更多情形，放宽其条件 keeping it to cite its "
            "clause is fine; widen its condition if it should cover more"
        )
        for e in live:
            if e.id in self.by_name:
                continue
            shadows = [
                f
                for f in single[e.id]
                if f.id not in single
                or e not in single[f.id]
                or self.position[f.id] < self.position[e.id]
                or f.id in self.by_name
            ]
            n = sampled.get(e.id, 0)
            if shadows:
                names = [f.id for f in shadows]
                zh_note, en_note = _sampled_note(n)
                self.warn(
                    "RC503",
                    e.src,
                    f"不予容错情形 {e.id} 被 {'、'.join(names)} 遮蔽：凡 {e.id} 成立时，"
                    f"{names[0]} 也成立，{e.id} 本身从不改变认定结论" + zh_note,
                    f"exclusion {e.id} is shadowed by {', '.join(names)}: whenever {e.id} "
                    f"holds, {names[0]} holds too, so {e.id} never changes an outcome on its "
                    "own" + en_note,
                    hint,
                )
                continue
            if single[e.id]:
                continue  # equivalent to a later one, which is reported
            others = [f.id for f in self.exclusions if f is not e]
            if not others:
                continue
            answer = self.space.exists({e.id: True, **dict.fromkeys(others, False)})
            if answer.witness is not None:
                continue
            n = answer.sampled

            def enough(subset: list[str], eid: str = e.id) -> bool:
                nonlocal n
                found = self.space.exists({eid: True, **dict.fromkeys(subset, False)})
                n = max(n, found.sampled)
                return found.witness is None

            names = _minimal(others, enough)
            zh_note, en_note = _sampled_note(n)
            self.warn(
                "RC503",
                e.src,
                f"不予容错情形 {e.id} 被 {'、'.join(names)} 遮蔽：凡 {e.id} 成立时，"
                f"其中至少一项也成立，{e.id} 本身从不改变认定结论" + zh_note,
                f"exclusion {e.id} is shadowed by {', '.join(names)}: whenever {e.id} holds, "
                f"at least one of them holds too, so {e.id} never changes an outcome on its "
                "own" + en_note,
                hint,
            )

    # --- RC504 ----------------------------------------------------------------------------

    def gaps(self) -> None:
        space = self.space
        sids = [s.id for s in self.situations]
        goal: Goal = {**dict.fromkeys(sids, False), **self.no_exclusion()}
        if not goal:
            return
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
            cover = _cover(factors, COVER_LIMIT)
            if cover is None:
                partial = True
                cover = []
                try:
                    for cube in _solutions(factors, SEARCH_BUDGET):
                        cover.append(cube)
                        if len(cover) >= COVER_LIMIT:
                            break
                except _OutOfBudget:
                    pass

            def clear(cube: Cube) -> bool:
                return all(_meet({**cube, **no_claims}, d) is None for d in bad)

            widened = [
                (self.widen({v: s for v, s in c.items() if v in shown}, clear), c) for c in cover
            ]
            source: dict[tuple[tuple[str, tuple[int, ...]], ...], Cube] = {}
            for pattern, c in widened:
                source.setdefault(_key(pattern), c)
            for pattern in _absorb(p for p, _ in widened):
                cube = source[_key(pattern)]
                point = space.point(cube, variables)
                _confirm(space.holds(goal, point), goal)
                example = {v: point[v] for v in variables if v in cube and v not in claims}
                gaps.append(_Gap(pattern, example, self.weight(pattern)))
        else:
            gaps, sampled = self.sampled_gaps(goal, variables, shown, claims)
        # a case the decision order sends to the committee is not a gap
        gaps = [g for g in gaps if space.outcome(g.example) not in ("refer", "insufficient_facts")]
        if not gaps:
            return
        gaps.sort(key=lambda g: (-g.weight, len(g.pattern), _key(g.pattern)))
        total = len(gaps)
        loc = self.gap_location()
        for k, gap in enumerate(gaps[:MAX_GAPS], start=1):
            zh_desc, en_desc = self.describe(gap.pattern)
            zh_note, en_note = _sampled_note(sampled)
            count_zh = f"{k}/{total}" + ("+（未能全部列出）" if partial else "")
            count_en = f"{k}/{total}" + ("+ (not all listed)" if partial else "")
            self.warn(
                "RC504",
                loc,
                f"缺口 {count_zh}：{zh_desc}没有任何不予容错情形成立时，没有任何容错情形适用，"
                "认定只能落到认定顺序的兜底步骤" + zh_note,
                f"gap {count_en}: when {en_desc}no exclusion holds, no situation "
                "applies either, and only the fallback steps of the decision order decide"
                + en_note,
                "例 example: facts: "
                + _yaml_flow(gap.example)
                + "；这类案件应予容错的，增加一项容错情形，应当排除的，增加一项不予容错情形 "
                "add a situation if such cases deserve tolerance, an exclusion if they do not",
            )

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
            found.setdefault(_key(pattern), _Gap(pattern, example, self.weight(pattern)))
        gaps = [found[k] for k in sorted(found)]
        keep = _absorb(g.pattern for g in gaps)
        return [g for g in gaps if any(_key(g.pattern) == _key(k) for k in keep)], SAMPLES

    def gap_location(self) -> Location:
        """Where gaps are reported: the first situation of the ruleset's own file."""
        own = [r for r in self.rs.rules.values() if r.ruleset == self.rs.id]
        first = next((r for r in own if r.kind == "situation"), own[0] if own else None)
        if first is not None:
            return first.src
        if self.situations:
            return self.situations[0].src
        return Location(self.rs.components[-1].path, 1, 1, ("rules",))

    def describe(self, cube: Cube) -> tuple[str, str]:
        """The pattern as the start of "… no exclusion holds" (empty: every case)."""
        if not cube:
            return "", ""
        parts = [
            self.describe_var(v, cube[v]) for v in sorted(cube, key=self.space.rank.__getitem__)
        ]
        return "，".join(parts) + "，且", ", ".join(parts) + " and "

    def describe_var(self, var: str, allowed: frozenset[int]) -> str:
        values = self.space.domains[var]
        decl = self.rs.facts[var]
        if decl.type in ("number", "date"):
            return _describe_range(var, values, self.space.consts[var], allowed)
        inside = [_show(values[i]) for i in sorted(allowed)]
        outside = [_show(v) for i, v in enumerate(values) if i not in allowed]
        if len(inside) == 1:
            return f"{var} = {inside[0]}"
        if len(outside) == 1:
            return f"{var} ≠ {outside[0]}"
        if len(inside) <= len(outside):
            return f"{var} ∈ {{{', '.join(inside)}}}"
        return f"{var} ∉ {{{', '.join(outside)}}}"

    # --- RC505, RC506 ---------------------------------------------------------------------

    def unread_facts(self) -> None:
        read: set[str] = set()
        for rule in self.rs.rules.values():
            if rule.when is not None:
                read.update(fact_dependencies(rule.when))
        for fact in self.rs.facts.values():
            if fact.id not in read:
                self.warn(
                    "RC505",
                    fact.src,
                    f"事实 {fact.id}（{fact.label}）已声明，但没有任何规则读取它",
                    f"fact {fact.id} is declared but no rule reads it",
                    "在规则中使用它，或删除声明；基线中供地方规则集使用的事实可以忽略此提示 "
                    "use it in a rule or drop it; a baseline fact meant for local rulesets may stay",
                )

    def uncited_rules(self) -> None:
        for rule in self.rs.rules.values():
            if rule.cite is None:
                kind = KIND_ZH.get(rule.kind, rule.kind)
                self.warn(
                    "RC506",
                    rule.src,
                    f"{kind}规则 {rule.id} 没有引用条款（cite）",
                    f"{rule.kind} rule {rule.id} cites no clause (cite)",
                    "加上 add cite: {doc: …, clause: …, text: …}",
                )


# --- text ----------------------------------------------------------------------------------


def _show(value: FactValue) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _yaml_flow(facts: Mapping[str, FactValue]) -> str:
    """A one-line YAML mapping (text values quoted as JSON, which YAML reads)."""
    parts = []
    for key, value in facts.items():
        text = _show(value)
        if isinstance(value, str) and not value.isidentifier():
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def _describe_range(
    var: str, values: list[FactValue], consts: list[FactValue], allowed: frozenset[int]
) -> str:
    """Allowed values of a number or date fact as ranges between the ruleset's constants."""
    cuts = sorted({_order(c): c for c in consts}.items())
    keys = [k for k, _ in cuts]

    def region(value: FactValue) -> int:  # 2k+1: the k-th constant; 2k: between k-1 and k
        k = bisect.bisect_left(keys, _order(value))
        return 2 * k + 1 if k < len(keys) and keys[k] == _order(value) else 2 * k

    def const(r: int) -> str:
        return _show(cuts[r][1])

    present = sorted({region(v) for v in values})
    chosen = {region(values[i]) for i in allowed}
    runs: list[list[int]] = []
    previous = False
    for r in present:
        if r in chosen:
            if previous:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        previous = r in chosen
    texts = []
    for lo, hi in runs:
        lower = (
            ""
            if lo == present[0]
            else (f"[{const(lo // 2)}" if lo % 2 else f"({const(lo // 2 - 1)}")
        )
        upper = (
            "" if hi == present[-1] else (f"{const(hi // 2)}]" if hi % 2 else f"{const(hi // 2)})")
        )
        if lower and upper:
            single = lo == hi and lo % 2
            texts.append(f"= {const(lo // 2)}" if single else f"∈ {lower}, {upper}")
        elif lower:
            texts.append(("≥ " if lower[0] == "[" else "> ") + lower[1:])
        elif upper:
            texts.append(("≤ " if upper[-1] == "]" else "< ") + upper[:-1])
    if len(texts) == 1:
        return f"{var} {texts[0]}"
    return f"{var}: " + " 或 or ".join(texts)


def _order(value: FactValue) -> float:
    if isinstance(value, dt.date):
        return float(value.toordinal())
    return float(value)
