"""Conditions in disjunctive normal form: takes a rule's condition, gives the conjunctions of
literals (a comparison, a known-test or a reference, each positive or negated) whose disjunction
it is. ``check`` samples these to find rules that can never hold (RC109); ``lint`` turns them into
cubes to search for gaps and overlaps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
)

#: Past this many conjunctions a normal form is not built (``dnf`` gives ``None``).
DNF_LIMIT = 4096


@dataclass(frozen=True)
class Lit:
    """One literal: ``node`` holds (``positive``) or does not."""

    node: Compare | Known | RuleRef | KindRef | Claimed | Presumed
    positive: bool


def atom_key(node: object) -> object:
    """What identifies a literal's atom: the rule, kind, situation or fact it reads."""
    if isinstance(node, RuleRef):
        return node.rule
    if isinstance(node, KindRef):
        return (node.kind, node.quantifier)
    if isinstance(node, Claimed):
        return node.situation
    if isinstance(node, Presumed):
        return node.fact
    return node


def dnf(cond: Cond, positive: bool) -> list[list[Lit]] | None:
    """Disjunctive normal form of ``cond`` (or of its negation); ``None`` when too large."""
    if isinstance(cond, Not):
        return dnf(cond.item, not positive)
    if isinstance(cond, Established):
        # "not established" also holds while the item is unknown; sampling known values only,
        # the item's own negation stands in for it (an approximation that can only say "may
        # hold" more often)
        return dnf(cond.item, positive)
    if isinstance(cond, AllOf | AnyOf):
        conjunctive = isinstance(cond, AllOf) == positive
        parts = [dnf(item, positive) for item in cond.items]
        if any(p is None for p in parts):
            return None
        lists = [p for p in parts if p is not None]
        if not conjunctive:
            out = [conj for p in lists for conj in p]
            return out if len(out) <= DNF_LIMIT else None
        size = 1
        for p in lists:
            size *= len(p)
        if size > DNF_LIMIT:
            return None
        return [[lit for conj in combo for lit in conj] for combo in itertools.product(*lists)]
    return [[Lit(cond, positive)]]
