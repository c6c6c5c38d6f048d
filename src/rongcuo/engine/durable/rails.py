"""A condition's rails: takes a rule's condition, gives the positive expressions on the gate
fact that prove it true, false or unknown (negation pushed down to the leaves, "unknown" built
from absent attributes), and the attributes a gate carries. Also the checker's bound on how
many rule values one disjunct reads (``rule_ref_width``, RC123) and the lifting of
``established`` into internal rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

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
    RuleRef,
    Ruleset,
    flag_key,
    walk,
)

#: Rule values one disjunct of a condition may read, squared, is the checker's bound (RC123).
#: It dates from a compiler that gave each rule value its own engine pattern (durable allows 16
#: patterns a rule); the gate compiler has no such limit, the checker keeps it.
MAX_RULE_REFS = 12

_T_OPS = {"eq": None, "ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
DUAL = {
    "eq": "ne",
    "ne": "eq",
    "lt": "ge",
    "le": "gt",
    "gt": "le",
    "ge": "lt",
    "in": "not_in",
    "not_in": "in",
}

Expr = dict[str, Any]
Atom = tuple[str, bool]  # (rule id, value)


def fact_attr(fact_id: str) -> str:
    """The attribute of the case fact that carries a fact."""
    return "f_" + fact_id


def claim_attr(situation_id: str) -> str:
    """The attribute of the case fact that says whether a situation is claimed (or, for a
    presumed flag ``~fact``, whether that fact was presumed)."""
    return "c_" + situation_id


def member_attr(fact_id: str, key: str) -> str:
    """The attribute present when the set value of a ``multiple`` enum fact holds ``key``
    (``:`` cannot occur in an id, so it names no other fact)."""
    return f"{fact_attr(fact_id)}:{key}"


def encode_value(value: FactValue) -> Any:
    """A fact value as the engine sees it (dates as day numbers, so they order). Numbers are
    not sent as they are but as ranks, which need the fact's constants (:func:`number_rank`)."""
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


def rule_attr(rule_id: str) -> str:
    """The attribute of a gate fact that carries a rule's value (1 true, 0 false; absent:
    unknown)."""
    return "r_" + rule_id


#: Marks the id of a rule the compiler adds (never a ruleset's: an id cannot hold it).
INTERNAL_MARK = "~"


def lift_established(conds: Mapping[str, Cond]) -> dict[str, Cond]:
    """``conds`` with each ``established`` of anything but one rule made to read an internal
    rule holding that condition (``RULE~1`` …), which the compiler adds.

    "Not established" is "false or unknown" for each thing it ranges over: on an aggregate of
    thirty rules written out that is a conjunction of thirty disjunctions, whose normal form
    doubles with each; on one rule it is two tests. The internal rules are evaluated like any
    other and left out of what the evaluator returns."""
    out: dict[str, Cond] = {}
    for rid, cond in conds.items():
        count = 0

        def lift(node: Cond, rid: str = rid) -> Cond:
            nonlocal count
            if isinstance(node, Established):
                if isinstance(node.item, RuleRef):
                    return node
                count += 1
                helper = f"{rid}{INTERNAL_MARK}{count}"
                out[helper] = lift(node.item, rid)
                return Established(RuleRef(helper, node.src), node.src)
            if isinstance(node, AllOf | AnyOf):
                return type(node)(tuple(lift(c) for c in node.items), node.src)
            if isinstance(node, Not):
                return Not(lift(node.item), node.src)
            return node

        out[rid] = lift(cond)
    return out


# --- positive normal form -------------------------------------------------------------------


@dataclass(frozen=True)
class _And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class _Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class _Case:
    expr: Expr = field(hash=False)
    key: str = ""


@dataclass(frozen=True)
class _Atom:
    rule: str
    value: bool


@dataclass(frozen=True)
class Const:
    value: bool


@dataclass(frozen=True)
class _Unsettled:
    """A rule value that is unknown: absent from the gate."""

    rule: str


Node = _And | _Or | _Case | _Atom | Const | _Unsettled


def _leaf(attr: str, op: str, value: FactValue) -> Expr:
    v = encode_value(value)
    t_op = _T_OPS[op]
    return {attr: v} if t_op is None else {t_op: {attr: v}}


def positive(cond: Cond, rail: bool, members: Mapping[str, tuple[str, ...]]) -> Node:
    """The condition (``rail=True``) or its negation (``rail=False``) with negation pushed to
    the leaves, every leaf a positive engine test."""
    if isinstance(cond, Not):
        return positive(cond.item, not rail, members)
    if isinstance(cond, Established):
        # established: the item holds; not established: it is ruled out or still unknown
        if rail:
            return positive(cond.item, True, members)
        return _Or((positive(cond.item, False, members), unknown(cond.item, members)))
    if isinstance(cond, AllOf | AnyOf):
        items = tuple(positive(c, rail, members) for c in cond.items)
        return _And(items) if isinstance(cond, AllOf) == rail else _Or(items)
    if isinstance(cond, Compare) and cond.op == "contains":
        # A set goes to the engine as the fact's attribute (so that it is known) and one
        # attribute for each value it holds: "does not contain" is known without that one.
        member = {member_attr(cond.fact, str(cond.value)): 1}
        expr: Expr = (
            {"$ex": member}
            if rail
            else {"$and": [{"$ex": {fact_attr(cond.fact): 1}}, {"$nex": member}]}
        )
        return _Case(expr, repr(expr))
    if isinstance(cond, Compare):
        op = cond.op if rail else DUAL[cond.op]
        attr = fact_attr(cond.fact)
        if op in ("in", "not_in"):
            values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
            leaf_op = "eq" if op == "in" else "ne"
            tests = [_leaf(attr, leaf_op, v) for v in values]
            expr = tests[0] if len(tests) == 1 else {"$or" if op == "in" else "$and": tests}
        else:
            assert not isinstance(cond.value, tuple)
            expr = _leaf(attr, op, cond.value)
        return _Case(expr, repr(expr))
    if isinstance(cond, Known):
        present = cond.known == rail
        expr = {"$ex" if present else "$nex": {fact_attr(cond.fact): 1}}
        return _Case(expr, repr(expr))
    if isinstance(cond, Claimed | Presumed):
        expr = {claim_attr(flag_key(cond)): rail}
        return _Case(expr, repr(expr))
    if isinstance(cond, RuleRef):
        return _Atom(cond.rule, rail)
    if isinstance(cond, KindRef):
        ids = members.get(cond.kind, ())
        refs: tuple[Cond, ...] = tuple(RuleRef(i) for i in ids)
        if not refs:  # any over nothing is false, all over nothing is true
            return Const((cond.quantifier == "all") == rail)
        inner: Cond = AnyOf(refs) if cond.quantifier == "any" else AllOf(refs)
        return positive(inner, rail, members)
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover


def unknown(cond: Cond, members: Mapping[str, tuple[str, ...]]) -> Node:
    """When the condition is neither established nor ruled out, as positive engine tests.

    Kleene's unknown: a comparison whose fact is absent; a rule value not on the gate; ``not``
    of an unknown; ``all`` with no item false and some item unknown; ``any`` with no item true
    and some item unknown. ``known`` and ``claimed`` are never unknown.
    """
    if isinstance(cond, Not):
        return unknown(cond.item, members)
    if isinstance(cond, AllOf | AnyOf):
        settled = isinstance(cond, AllOf)  # all: no item false (each true or unknown)
        items = tuple(_Or((positive(c, settled, members), unknown(c, members))) for c in cond.items)
        return _And((*items, _Or(tuple(unknown(c, members) for c in cond.items))))
    if isinstance(cond, Compare):
        expr = {"$nex": {fact_attr(cond.fact): 1}}
        return _Case(expr, repr(expr))
    if isinstance(cond, Known | Claimed | Presumed | Established):
        return Const(False)
    if isinstance(cond, RuleRef):
        return _Unsettled(cond.rule)
    if isinstance(cond, KindRef):
        ids = members.get(cond.kind, ())
        if not ids:
            return Const(False)
        refs: tuple[Cond, ...] = tuple(RuleRef(i) for i in ids)
        return unknown(AnyOf(refs) if cond.quantifier == "any" else AllOf(refs), members)
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover


def simplify(node: Node) -> Node:
    if isinstance(node, _And | _Or):
        is_and = isinstance(node, _And)
        items = []
        for item in map(simplify, node.items):
            if isinstance(item, Const):
                if item.value != is_and:  # false in an and / true in an or decides it
                    return item
                continue
            items.append(item)
        if not items:
            return Const(is_and)
        if len(items) == 1:
            return items[0]
        return _And(tuple(items)) if is_and else _Or(tuple(items))
    return node


def rule_ref_width(cond: Cond, rs: Ruleset) -> int:
    """The most rule values one disjunct of ``cond`` reads (the checker bounds it): the widest
    disjunct of the condition's disjunctive normal form, worked out on the rule values alone."""
    members = rs.graph.members
    return max(
        (
            len(atoms)
            for lifted in lift_established({"": cond}).values()
            for rail in (True, False)
            for atoms in _atom_sets(simplify(positive(lifted, rail, members)))
        ),
        default=0,
    )


def _atom_sets(node: Node) -> set[frozenset[Atom]]:
    """The rule values each disjunct of a simplified node reads (equal disjuncts merged)."""
    if isinstance(node, Const):
        return {frozenset()} if node.value else set()
    if isinstance(node, _Case):
        return {frozenset()}
    if isinstance(node, _Atom):
        return {frozenset({(node.rule, node.value)})}
    if isinstance(node, _Or):
        return set().union(*(_atom_sets(item) for item in node.items))
    if isinstance(node, _Unsettled):  # "not established" reads whether a rule is unsettled
        return {frozenset({(node.rule + "#unknown", False)})}
    out = {frozenset[Atom]()}
    for item in node.items:
        out = {a | b for a in out for b in _atom_sets(item)}
    return out


def gate_expr(node: Node) -> Expr:
    """A positive condition as one expression on the gate fact."""
    if isinstance(node, _Case):
        return node.expr
    if isinstance(node, _Atom):
        return {rule_attr(node.rule): int(node.value)}
    if isinstance(node, _Unsettled):
        return {"$nex": {rule_attr(node.rule): 1}}
    if isinstance(node, _And | _Or):
        return {"$and" if isinstance(node, _And) else "$or": [gate_expr(i) for i in node.items]}
    raise TypeError(node)  # pragma: no cover - constants are simplified away first


def expr_size(expr: Expr) -> int:
    """Tests and ``$and`` / ``$or`` operators in a gate expression, each operator twice."""
    ((key, value),) = expr.items()
    if key in ("$and", "$or"):
        return 2 + sum(expr_size(e) for e in value)
    return 1


def claims_read(cond: Cond) -> set[str]:
    """The claims and presumed flags a condition reads: both are always known, and go to the
    engine as the case's claim attributes."""
    return {flag_key(n) for n in walk(cond) if isinstance(n, Claimed | Presumed)}
