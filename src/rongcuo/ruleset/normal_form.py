"""Conditions in disjunctive normal form: takes a rule's condition, gives the conjunctions of
literals (a comparison, a known-test or a reference, each positive or negated) whose disjunction
it is. ``check`` samples these to find rules that can never hold (RC109); ``lint`` turns them into
cubes to search for gaps and overlaps."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from rongcuo.engine.reference import compare, representative_values
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


def sample_values(decl: FactDecl | None, lits: list[Lit]) -> list[FactValue | None]:
    """Unknown, and known values of a fact reaching every region the comparisons ``lits``
    carve out: a conjunction of them on one fact can hold if and only if one of these values
    meets it (``lit_holds``). ``decl`` ``None``: a fact not declared here, whose constants
    stand for its values."""
    consts: list[FactValue] = []
    for lit in lits:
        if isinstance(lit.node, Compare):
            v = lit.node.value
            consts.extend(v if isinstance(v, tuple) else (v,))
    if decl is None:  # not in this part of the ruleset: its constants stand for its values
        return [None, *dict.fromkeys(consts)]
    if decl.multiple:
        # a set, read by contains tests only: the keys the positive ones ask for, and every key
        # the negative ones do not exclude, decide whether a conjunction can hold
        wanted = {
            str(lit.node.value) for lit in lits if isinstance(lit.node, Compare) and lit.positive
        }
        barred = {
            str(lit.node.value)
            for lit in lits
            if isinstance(lit.node, Compare) and not lit.positive
        }
        return [
            None,
            frozenset(wanted),
            frozenset(decl.keys - barred),
            *representative_values(decl, consts),
        ]
    return [None, *representative_values(decl, consts)]


def lit_holds(lit: Lit, value: FactValue | None) -> bool:
    """Whether a comparison or known-test literal holds of a fact with ``value`` (``None``:
    unknown)."""
    node = lit.node
    if isinstance(node, Known):
        return ((value is not None) == node.known) == lit.positive
    assert isinstance(node, Compare)
    if value is None:
        return False  # a comparison on an unknown fact is established neither way
    return compare(value, node.op, node.value) == lit.positive
