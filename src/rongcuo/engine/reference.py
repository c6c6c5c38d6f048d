"""Three-valued semantics of conditions, and the pure-Python reference evaluator.

A truth value is ``True``, ``False`` or ``None`` (unknown). An absent fact is unknown, never false.
Connectives follow Kleene's strong logic: ``all`` is false as soon as one item is false, ``any`` is
true as soon as one item is true, ``not`` swaps true and false and keeps unknown.

These functions *are* the language's semantics: the durable_rules compiler must agree with them,
and the differential test holds it to that.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

from rongcuo.ruleset.graph import upstream_rules
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    FactDecl,
    FactValue,
    KindRef,
    Known,
    Not,
    Presumed,
    Rule,
    RuleRef,
    Ruleset,
    presumed_flag,
)

Truth = bool | None
Facts = Mapping[str, FactValue]


def truth_name(value: Truth) -> str:
    """``"true"``, ``"false"`` or ``"unknown"``."""
    return "unknown" if value is None else ("true" if value else "false")


def compare(value: FactValue, op: str, ref: FactValue | tuple[FactValue, ...]) -> bool:
    """A comparison on a known value. Operand types were matched by the checker."""
    if op == "contains":  # the value of an enum fact declared ``multiple``: a set
        return isinstance(value, frozenset) and ref in value
    if op == "eq":
        return _same(value, ref)
    if op == "ne":
        return not _same(value, ref)
    if op == "in":
        return any(_same(value, r) for r in ref)  # type: ignore[union-attr]
    if op == "not_in":
        return not any(_same(value, r) for r in ref)  # type: ignore[union-attr]
    a, b = _ordinal(value), _ordinal(ref)  # type: ignore[arg-type]
    if op == "lt":
        return a < b
    if op == "le":
        return a <= b
    if op == "gt":
        return a > b
    if op == "ge":
        return a >= b
    raise ValueError(f"unknown operator {op!r}")


def _same(a: object, b: object) -> bool:
    # True == 1 in Python; the language keeps booleans and numbers apart.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _ordinal(value: FactValue) -> float:
    if isinstance(value, dt.date):
        return float(value.toordinal())
    assert not isinstance(value, frozenset)  # the checker allows order tests on numbers, dates
    return float(value)


OTHER_TEXT = "（其他）"  # a text value equal to none of a ruleset's constants


def representative_values(decl: FactDecl, consts: Iterable[FactValue]) -> list[FactValue]:
    """Known values of a fact that between them reach every region that comparisons against
    ``consts`` distinguish: each constant, the points around and between them, and the bounds.

    The checker uses them to decide whether a condition can hold; the decision stage to say
    which value of a missing fact would give which outcome.
    """
    if decl.type == "bool":
        return [True, False]
    if decl.type == "enum":
        keys = [k for k, _ in decl.values]
        if decl.multiple:
            return set_samples(keys)
        return list[FactValue](keys)
    given = list(consts)
    if decl.type == "text":
        texts: list[FactValue] = list(dict.fromkeys(c for c in given if isinstance(c, str)))
        return texts if OTHER_TEXT in texts else [*texts, OTHER_TEXT]
    if decl.type == "date":
        days = {c for c in given if isinstance(c, dt.date)} or {dt.date(2000, 1, 1)}
        return sorted({d + dt.timedelta(days=k) for d in days for k in (-1, 0, 1)})
    nums = sorted(
        {float(c) for c in given if isinstance(c, int | float) and not isinstance(c, bool)}
    )
    low = decl.minimum if decl.minimum is not None else (_past(nums[0], -1.0) if nums else 0.0)
    high = (
        decl.maximum
        if decl.maximum is not None
        else (_past(nums[-1], abs(nums[-1]) + 1) if nums else 1.0)
    )
    grid = sorted({low, high, *nums})
    points = {_plain(p) for p in grid} | {_between(a, b) for a, b in itertools.pairwise(grid)}
    return [p for p in sorted(points) if low <= p <= high]


def set_samples(keys: list[str]) -> list[FactValue]:
    """Values of a multiple enum fact that a ``contains`` test on each key tells apart: each key
    alone, each key left out, none and all (not every subset: 2**n of them)."""
    out: dict[frozenset[str], None] = {}
    for k in keys:
        out[frozenset({k})] = None
    for k in keys:
        out[frozenset(keys) - {k}] = None
    out[frozenset()] = None
    out[frozenset(keys)] = None
    return list(out)


def _past(x: float, step: float) -> float:
    """A double beyond ``x`` on the side of ``step``: ``x + step``, or the next double when that
    sum rounds back to ``x`` (past 2**53, ``x - 1 == x``) or overflows; ``x`` itself when no
    finite double lies beyond it."""
    y = x + step
    if y == x or not math.isfinite(y):
        y = math.nextafter(x, math.copysign(math.inf, step))
    return y if math.isfinite(y) else x


def _plain(x: float) -> int | float:
    """A constant or bound as a sample: an integer when it is one that doubles hold exactly."""
    return int(x) if float(x).is_integer() and abs(x) <= 2**53 else x


def _between(a: float, b: float) -> int | float:
    """A value strictly between ``a < b``: their midpoint, shortened to six decimals (how a
    what-if value reads in a memo) only where that stays strictly between them; constants
    1e-7 apart would otherwise both round to 0. Halves are added so that midpoints of the
    largest doubles do not overflow."""
    mid = a / 2 + b / 2
    tidy = _plain(mid) if float(mid).is_integer() else round(mid, 6)
    return tidy if a < tidy < b else _plain(mid)


def kleene_all(values: Iterable[Truth]) -> Truth:
    unknown = False
    for v in values:
        if v is False:
            return False
        if v is None:
            unknown = True
    return None if unknown else True


def kleene_any(values: Iterable[Truth]) -> Truth:
    unknown = False
    for v in values:
        if v is True:
            return True
        if v is None:
            unknown = True
    return None if unknown else False


@dataclass(frozen=True)
class Program:
    """A checked ruleset prepared for evaluation: rules in dependency order."""

    ruleset: Ruleset
    order: tuple[Rule, ...]  # every evaluable rule, each after the rules it reads
    kind_members: Mapping[str, tuple[str, ...]]  # kind -> ids that any_rule/all_rules range over
    steps: tuple[tuple[Rule, ...], ...]  # outcome rules grouped by step, in step order
    _affected: dict[tuple[frozenset[str], frozenset[str] | None], tuple[Rule, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )
    #: some step holds in every case that settles the order (RC166 when not): the walk keeps
    #: ``refer`` possible while steps are open only when it is false
    complete: bool = True

    @classmethod
    def build(cls, ruleset: Ruleset) -> Program:
        """Order the rules, and work out once whether the decision order is complete; the
        checker has already rejected cycles."""
        # imported here: the check imports this module's semantics (compare, samples)
        from rongcuo.ruleset.check_order import order_complete

        graph = ruleset.graph
        order = [ruleset.rules[rid] for rid in graph.order]
        by_step: dict[int, list[Rule]] = {}
        for rule in ruleset.rules_of("outcome"):
            by_step.setdefault(rule.step, []).append(rule)
        steps = tuple(tuple(by_step[s]) for s in sorted(by_step))
        complete = order_complete(ruleset) if steps else True
        return cls(ruleset, tuple(order), graph.members, steps, complete=complete)

    @cached_property
    def downstream(self) -> Mapping[str, frozenset[str]]:
        """For each fact, the rules whose value can depend on it."""
        return self.ruleset.graph.downstream

    def affected(
        self, changed: frozenset[str], needed: frozenset[str] | None = None
    ) -> tuple[Rule, ...]:
        """The rules a change of the facts ``changed`` can reach, in evaluation order; with
        ``needed``, only those that ``needed`` rules read (directly or not) or are."""
        key = (changed, needed)
        found = self._affected.get(key)
        if found is None:
            if len(self._affected) >= 4096:  # facts of a ruleset are few; stay bounded anyway
                self._affected.clear()
            reached = frozenset().union(*(self.downstream.get(f, ()) for f in changed))
            if needed is not None:
                reached &= upstream_rules(needed, self.reads)
            found = self._affected[key] = tuple(r for r in self.order if r.id in reached)
        return found

    @cached_property
    def reads(self) -> Mapping[str, frozenset[str]]:
        """For each evaluable rule, the rules it reads."""
        reads = self.ruleset.graph.reads
        return {r.id: reads[r.id] for r in self.order if r.when is not None}


def eval_cond(
    cond: Cond,
    facts: Facts,
    claims: frozenset[str],
    rules: Mapping[str, Truth],
    members: Mapping[str, tuple[str, ...]],
) -> Truth:
    """Evaluate a condition given facts, claimed situations (with the flags of presumed facts,
    :func:`~rongcuo.ruleset.model.presumed_flag`) and already-known rule values."""
    if isinstance(cond, Compare):
        value = facts.get(cond.fact)
        return None if value is None else compare(value, cond.op, cond.value)
    if isinstance(cond, AllOf):
        return kleene_all(eval_cond(c, facts, claims, rules, members) for c in cond.items)
    if isinstance(cond, AnyOf):
        return kleene_any(eval_cond(c, facts, claims, rules, members) for c in cond.items)
    if isinstance(cond, Not):
        inner = eval_cond(cond.item, facts, claims, rules, members)
        return None if inner is None else not inner
    if isinstance(cond, Known):
        return (cond.fact in facts) == cond.known
    if isinstance(cond, Established):
        return eval_cond(cond.item, facts, claims, rules, members) is True
    if isinstance(cond, RuleRef):
        return rules.get(cond.rule)
    if isinstance(cond, KindRef):
        values = (rules.get(rid) for rid in members.get(cond.kind, ()))
        return kleene_any(values) if cond.quantifier == "any" else kleene_all(values)
    if isinstance(cond, Claimed):
        return cond.situation in claims
    if isinstance(cond, Presumed):
        return presumed_flag(cond.fact) in claims
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover


class Evaluator(Protocol):
    """What the decision stage needs from a rule engine: each case's rule values. (The what-if
    trials of missing facts always run on the reference evaluator, ``values_after``.)"""

    name: str
    version: str

    def rule_values(self, facts: Facts, claims: frozenset[str]) -> dict[str, bool]:
        """Every rule that is established (``True``) or ruled out (``False``).

        A rule absent from the result is unknown.
        """


class ReferenceEvaluator:
    """Evaluates rules one by one, in dependency order, in plain Python."""

    name = "reference"
    version = "1"

    def __init__(self, program: Program) -> None:
        self.program = program

    def rule_values(self, facts: Facts, claims: frozenset[str]) -> dict[str, bool]:
        values: dict[str, Truth] = {}
        members = self.program.kind_members
        for rule in self.program.order:
            assert rule.when is not None
            values[rule.id] = eval_cond(rule.when, facts, claims, values, members)
        return {k: v for k, v in values.items() if v is not None}

    def values_after(
        self,
        facts: Facts,
        claims: frozenset[str],
        base: Mapping[str, bool],
        change: Mapping[str, FactValue | None],
        needed: frozenset[str] | None = None,
        flags_changed: frozenset[str] = frozenset(),
    ) -> dict[str, bool]:
        """The rule values once ``change`` is applied to ``facts`` (``None`` removes a fact),
        given ``base``, the values for ``facts``; ``claims`` are the claims and flags of the
        changed case, and ``flags_changed`` the flags that differ from the base case's."""
        trial = {**facts}
        for fid, value in change.items():
            if value is None:
                trial.pop(fid, None)
            else:
                trial[fid] = value
        members = self.program.kind_members
        values: dict[str, bool] = dict(base)
        for rule in self.program.affected(frozenset(change) | flags_changed, needed):
            assert rule.when is not None
            value = eval_cond(rule.when, trial, claims, values, members)
            if value is None:
                values.pop(rule.id, None)
            else:
                values[rule.id] = value
        return values
