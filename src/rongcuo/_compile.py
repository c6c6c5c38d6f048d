"""Compile a ruleset into durable_rules definitions (plain JSON data; durable is not imported).

Three-valued logic on a two-valued engine ("dual rail")
------------------------------------------------------
Each rule ``R`` becomes engine rules for two rails: ``R#T`` fires when the condition is
established, ``R#F`` when it is ruled out; when neither fires, ``R`` is unknown. Negation is
pushed down to the leaves, where it has an exact positive dual (``eq`` ↔ ``$neq``, ``lt`` ↔
``$gte``, known ↔ ``$nex``). An absent attribute matches neither side of a comparison — exactly
the language's "unknown". The engine therefore never evaluates a ``$not`` pattern, and its stale
negation cannot bite.

Strata and gates
----------------
A rule that reads another rule's value sits in a later stratum. Each engine rule's patterns are:
the case pattern, one pattern per rule value it reads, then a gate ``{t: __gate__, k: stratum}``.
The evaluator asserts the case, then gate 0, collects what fired, asserts those rule values, then
gate 1, and so on: a rule fires only once every rule it reads has settled.

Each rule's condition is turned into disjunctive form over rule values only; the part that reads
case facts stays one nested ``$and`` / ``$or`` expression on the case pattern.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

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
    RuleRef,
    Ruleset,
    walk,
)

#: Rule values one engine rule may read (durable allows 16 patterns; two go to case and gate).
MAX_RULE_REFS = 12
CASE_TYPE = "case"
DERIVED_TYPE = "d"
GATE_TYPE = "__gate__"

_T_OPS = {"eq": None, "ne": "$neq", "lt": "$lt", "le": "$lte", "gt": "$gt", "ge": "$gte"}
_DUAL = {
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
    """The attribute of the case fact that says whether a situation is claimed."""
    return "c_" + situation_id


def encode_value(value: FactValue) -> Any:
    """A fact value as the engine sees it (dates as day numbers, so they order)."""
    if isinstance(value, dt.date):
        return value.toordinal()
    return value


# --- positive normal form -------------------------------------------------------------------


@dataclass(frozen=True)
class _And:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Or:
    items: tuple[_Node, ...]


@dataclass(frozen=True)
class _Case:
    expr: Expr = field(hash=False)
    key: str = ""


@dataclass(frozen=True)
class _Atom:
    rule: str
    value: bool


@dataclass(frozen=True)
class _Const:
    value: bool


_Node = _And | _Or | _Case | _Atom | _Const


def _leaf(attr: str, op: str, value: FactValue) -> Expr:
    v = encode_value(value)
    t_op = _T_OPS[op]
    return {attr: v} if t_op is None else {t_op: {attr: v}}


def positive(cond: Cond, rail: bool, members: dict[str, tuple[str, ...]]) -> _Node:
    """The condition (``rail=True``) or its negation (``rail=False``) with negation pushed to
    the leaves, every leaf a positive engine test."""
    if isinstance(cond, Not):
        return positive(cond.item, not rail, members)
    if isinstance(cond, AllOf | AnyOf):
        items = tuple(positive(c, rail, members) for c in cond.items)
        return _And(items) if isinstance(cond, AllOf) == rail else _Or(items)
    if isinstance(cond, Compare):
        op = cond.op if rail else _DUAL[cond.op]
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
    if isinstance(cond, Claimed):
        expr = {claim_attr(cond.situation): rail}
        return _Case(expr, repr(expr))
    if isinstance(cond, RuleRef):
        return _Atom(cond.rule, rail)
    if isinstance(cond, KindRef):
        ids = members.get(cond.kind, ())
        refs: tuple[Cond, ...] = tuple(RuleRef(i) for i in ids)
        if not refs:  # any over nothing is false, all over nothing is true
            return _Const((cond.quantifier == "all") == rail)
        inner: Cond = AnyOf(refs) if cond.quantifier == "any" else AllOf(refs)
        return positive(inner, rail, members)
    raise TypeError(f"not a condition: {cond!r}")  # pragma: no cover


def _simplify(node: _Node) -> _Node:
    if isinstance(node, _And | _Or):
        is_and = isinstance(node, _And)
        items = []
        for item in map(_simplify, node.items):
            if isinstance(item, _Const):
                if item.value != is_and:  # false in an and / true in an or decides it
                    return item
                continue
            items.append(item)
        if not items:
            return _Const(is_and)
        if len(items) == 1:
            return items[0]
        return _And(tuple(items)) if is_and else _Or(tuple(items))
    return node


def _has_atoms(node: _Node) -> bool:
    if isinstance(node, _Atom):
        return True
    if isinstance(node, _And | _Or):
        return any(_has_atoms(i) for i in node.items)
    return False


def _case_expr(node: _Node) -> Expr:
    if isinstance(node, _Case):
        return node.expr
    if isinstance(node, _And | _Or):
        return {"$and" if isinstance(node, _And) else "$or": [_case_expr(i) for i in node.items]}
    raise TypeError(node)  # pragma: no cover - constants are simplified away first


Conj = tuple[tuple[Expr, ...], frozenset[Atom]]


def dnf(node: _Node) -> list[Conj]:
    """Disjuncts over rule values; each keeps its case-fact tests as expressions."""
    node = _simplify(node)
    if isinstance(node, _Const):
        return [((), frozenset())] if node.value else []
    if not _has_atoms(node):
        return [((_case_expr(node),), frozenset())]
    if isinstance(node, _Atom):
        return [((), frozenset({(node.rule, node.value)}))]
    if isinstance(node, _Or):
        return [conj for item in node.items for conj in dnf(item)]
    assert isinstance(node, _And)
    out: list[Conj] = [((), frozenset())]
    for item in node.items:
        out = [(a + b, sa | sb) for a, sa in out for b, sb in dnf(item)]
    return out


def rule_ref_width(cond: Cond, rs: Ruleset) -> int:
    """The most rule values one disjunct of ``cond`` reads (the checker bounds it)."""
    members = _members(rs)
    widths = [
        len(atoms) for rail in (True, False) for _, atoms in dnf(positive(cond, rail, members))
    ]
    return max(widths, default=0)


def _members(rs: Ruleset) -> dict[str, tuple[str, ...]]:
    kinds = {r.kind for r in rs.rules.values()}
    return {k: tuple(r.id for r in rs.aggregated(k)) for k in kinds}


# --- engine rules ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EngineRule:
    """One durable_rules rule: the rail it proves and what it reads."""

    name: str
    proves: Atom
    case: tuple[Expr, ...]
    reads: tuple[Atom, ...]
    stratum: int = 0


@dataclass(frozen=True)
class Compiled:
    """A compiled ruleset: durable definitions plus what the evaluator needs to drive them."""

    definition: dict[str, Any]
    rules: tuple[EngineRule, ...]
    strata: int
    consumed: frozenset[Atom]  # rule values some engine rule reads (only these are asserted)
    claim_ids: tuple[str, ...]  # situations whose claim status the case fact carries
    auxiliary: frozenset[str]  # helper rule ids that are not rules of the ruleset

    def rule_names(self) -> dict[str, EngineRule]:
        return {r.name: r for r in self.rules}


def compile_ruleset(rs: Ruleset) -> Compiled:
    """Compile every evaluable rule of ``rs`` (checked, acyclic) into durable definitions."""
    members = _members(rs)
    raw: list[EngineRule] = []
    aux_count = 0
    claims: set[str] = set()
    for rule in rs.rules.values():
        if rule.when is None:
            continue
        claims.update(_claims(rule.when))
        for rail in (True, False):
            for i, (case, atoms) in enumerate(dnf(positive(rule.when, rail, members))):
                reads = sorted(atoms)
                # Too many rule values for one engine rule: fold chunks into helper rules.
                while len(reads) > MAX_RULE_REFS:
                    chunk, reads = reads[:MAX_RULE_REFS], reads[MAX_RULE_REFS:]
                    aux = f"__aux{aux_count}"
                    aux_count += 1
                    raw.append(EngineRule(f"{aux}#T#0", (aux, True), (), tuple(chunk)))
                    reads.append((aux, True))
                name = f"{rule.id}#{'T' if rail else 'F'}#{i}"
                raw.append(EngineRule(name, (rule.id, rail), case, tuple(sorted(reads))))
    strata = _strata(raw)
    rules = tuple(EngineRule(r.name, r.proves, r.case, r.reads, strata[r.proves[0]]) for r in raw)
    definition = {r.name: _definition(r) for r in rules}
    return Compiled(
        definition=definition,
        rules=rules,
        strata=max((r.stratum for r in rules), default=-1) + 1,
        consumed=frozenset(a for r in rules for a in r.reads),
        claim_ids=tuple(sorted(claims)),
        auxiliary=frozenset(r.proves[0] for r in rules if r.proves[0].startswith("__aux")),
    )


def _claims(cond: Cond) -> set[str]:
    return {n.situation for n in walk(cond) if isinstance(n, Claimed)}


def _strata(rules: list[EngineRule]) -> dict[str, int]:
    producers: dict[str, list[EngineRule]] = {}
    for r in rules:
        producers.setdefault(r.proves[0], []).append(r)
    memo: dict[str, int] = {}

    def level(rid: str) -> int:
        if rid not in memo:
            memo[rid] = max(
                (1 + max((level(a) for a, _ in r.reads), default=-1) for r in producers[rid]),
                default=0,
            )
        return memo[rid]

    return {rid: level(rid) for rid in producers}


def _definition(r: EngineRule) -> dict[str, Any]:
    patterns: list[dict[str, Any]] = [{"m": {"$and": [{"t": CASE_TYPE}, *r.case]}}]
    for i, (rid, value) in enumerate(r.reads):
        patterns.append({f"d{i}": {"$and": [{"t": DERIVED_TYPE}, {"r": rid}, {"v": int(value)}]}})
    patterns.append({"g": {"$and": [{"t": GATE_TYPE}, {"k": r.stratum}]}})
    return {"all": patterns, "pri": 100 * r.stratum, "run": r.name}
