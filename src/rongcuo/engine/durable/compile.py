"""Compile a ruleset into durable_rules definitions (plain JSON data; durable is not imported).

Three-valued logic on a two-valued engine: two rails
----------------------------------------------------
Each rule ``R`` becomes two engine rules, its rails, for two of its three values: ``R#T`` fires
when the condition is established, ``R#F`` when it is ruled out and ``R#U`` when it is unknown;
when neither fires, ``R`` has the third value. All are positive patterns: negation is pushed down
to the leaves, where it has an exact positive dual (``eq`` ↔ ``$neq``, ``lt`` ↔ ``$gte``, known
↔ ``$nex``), and "unknown" is built from absent attributes (``$nex``) and the true and false
forms of the items (see :func:`unknown`). An absent attribute matches neither side of a
comparison — exactly the language's "unknown". The engine therefore never evaluates a ``$not``
pattern, and its stale negation cannot bite.

Every rail that fires costs an engine action, the largest part of an evaluation, so the value
left to elimination is false (most rules are false in most cases); ``compile_ruleset(defaults=
...)`` can choose another per rule. (Choosing it from the values seen saved 2 % of a decided
case, measured: the evaluator no longer does.) The third value needs the unknown rail
unless it is unknown itself; a rule whose unknown rail is too large for the engine
(``MAX_UNKNOWN_TESTS``) gets the true and false rails, and is unknown when neither fires.
``Compiled.unless_proved`` tells each rule's third value.

One fact per stratum: the gate
------------------------------
A rule that reads another rule's value sits in a later stratum. The evaluator asserts one *gate*
fact per stratum ``k``, ``{t: __gate__, k, a: 1, f_<fact>…, c_<claim>…, r_<rule>…}``: the case's
facts and claims and the rule values (1 or 0) that the rules of stratum ``k`` read — only those,
so the gates of later strata, which read few facts, stay small. Every engine rule is a single
pattern on the gate of its stratum, so its whole condition — case facts, claims and rule values,
however nested — is one ``$and`` / ``$or`` expression on one fact: no joins, no partial matches
kept between asserts, no helper rules, no engine limit on the rules a condition reads. A rule
fires only once every rule it reads has settled, and a fact of an earlier case can never take
part in a match (it is not re-examined once asserted). ``cap`` hands every match of a rule that
one assert makes (each gate of a batch, each ``$or`` branch that holds) over as one action.
A stratum whose rules would push more tests on durable's stack than it holds, or need more
properties than one fact takes, is spread over several gates asserted one after another
(``STACK_BUDGET``, ``MAX_FACT_PROPERTIES``); its rules read only earlier strata, so their order
does not matter. Unknown rails, the largest, also test ``u_<rule>: 1``, which a gate carries
only when some fact or rule value that rule reads is unknown, so the engine tries only the
unknown rails that can hold.

Numbers go to the engine as ranks
---------------------------------
durable's C parser reads a number written with an exponent but no decimal point (``1e-05``,
which is how Python's json writes 0.00001, and durable's own registration writes a rule's
constants so) as an integer followed by garbage, and the process crashes (exit 139). So no
number reaches the engine as written: each number fact's constants, sorted and without repeats,
are ``c_0 < c_1 < …``; the constant ``c_j`` is written ``2j + 1``, and a fact's value ``v`` is
written ``2j + 1`` when it equals ``c_j`` and ``2i`` when it lies below ``c_i`` and above every
smaller constant (``2n`` past them all) — see :func:`number_rank`. Every comparison of a value
with a constant (``eq`` … ``ge``, ``in``) has the same result on the ranks as on the numbers, and
the ranks are worked out by Python's own comparisons, which the reference evaluator uses; the
engine sees only small integers, whatever the magnitude or form of the number (1e-300, 1e+16,
-0.0 equal to 0). Dates go as day numbers, which are small integers already.

"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rongcuo.ruleset.graph import fact_dependencies, rule_dependencies
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


NumberPoints = tuple[int | float, ...]


def number_points(rs: Ruleset) -> dict[str, NumberPoints]:
    """Each number fact's constants, sorted, equal ones once (1, 1.0, -0.0 and 0 are equal)."""
    found: dict[str, set[int | float]] = {}
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when is not None else ():
            decl = rs.facts.get(node.fact) if isinstance(node, Compare) else None
            if decl is None or decl.type != "number":
                continue
            assert isinstance(node, Compare)
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            found.setdefault(node.fact, set()).update(
                v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            )
    return {f: tuple(sorted(vs)) for f, vs in found.items()}


def number_rank(points: NumberPoints, value: int | float) -> int:
    """A number as the engine sees it: ``2j + 1`` when it equals the constant ``points[j]``,
    else ``2i`` where ``points[i]`` is the first constant above it (``2 * len(points)`` when
    none is). Order and equality against every constant are those of the numbers."""
    i = bisect_left(points, value)
    return 2 * i + 1 if i < len(points) and points[i] == value else 2 * i


def _ranked(expr: Expr, points: Mapping[str, NumberPoints]) -> Expr:
    """A gate expression with each number constant replaced by its rank (``points`` is keyed
    by attribute); ``$ex`` / ``$nex`` markers, rule values and claims are left alone."""
    ((key, value),) = expr.items()
    if key in ("$and", "$or"):
        return {key: [_ranked(e, points) for e in value]}
    if key in ("$ex", "$nex"):
        return expr
    if key.startswith("$"):  # {"$lt": {attr: constant}}
        ((attr, constant),) = value.items()
        return {key: {attr: _rank_of(attr, constant, points)}}
    return {key: _rank_of(key, value, points)}


def _rank_of(attr: str, constant: Any, points: Mapping[str, NumberPoints]) -> Any:
    found = points.get(attr)
    if found is None or isinstance(constant, bool) or not isinstance(constant, int | float):
        return constant
    return number_rank(found, constant)


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


@dataclass(frozen=True)
class _Unsettled:
    """A rule value that is unknown: absent from the gate."""

    rule: str


_Node = _And | _Or | _Case | _Atom | _Const | _Unsettled


def _leaf(attr: str, op: str, value: FactValue) -> Expr:
    v = encode_value(value)
    t_op = _T_OPS[op]
    return {attr: v} if t_op is None else {t_op: {attr: v}}


def positive(cond: Cond, rail: bool, members: Mapping[str, tuple[str, ...]]) -> _Node:
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
    if isinstance(cond, Claimed | Presumed):
        expr = {claim_attr(flag_key(cond)): rail}
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


def unknown(cond: Cond, members: Mapping[str, tuple[str, ...]]) -> _Node:
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
        return _Const(False)
    if isinstance(cond, RuleRef):
        return _Unsettled(cond.rule)
    if isinstance(cond, KindRef):
        ids = members.get(cond.kind, ())
        if not ids:
            return _Const(False)
        refs: tuple[Cond, ...] = tuple(RuleRef(i) for i in ids)
        return unknown(AnyOf(refs) if cond.quantifier == "any" else AllOf(refs), members)
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


def rule_ref_width(cond: Cond, rs: Ruleset) -> int:
    """The most rule values one disjunct of ``cond`` reads (the checker bounds it): the widest
    disjunct of the condition's disjunctive normal form, worked out on the rule values alone."""
    members = rs.graph.members
    return max(
        (
            len(atoms)
            for lifted in lift_established({"": cond}).values()
            for rail in (True, False)
            for atoms in _atom_sets(_simplify(positive(lifted, rail, members)))
        ),
        default=0,
    )


def _atom_sets(node: _Node) -> set[frozenset[Atom]]:
    """The rule values each disjunct of a simplified node reads (equal disjuncts merged)."""
    if isinstance(node, _Const):
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


# --- engine rules ---------------------------------------------------------------------------

#: Properties one engine fact may carry. durable_rules 2.0.28 silently misbehaves past this
#: (measured: 255 properties segfault, 306 give a garbage action offset), so we refuse earlier.
MAX_FACT_PROPERTIES = 254
EVERY_RULE = "a"  # on a gate, every rule of its stratum is evaluated
_GATE_KEYS = ("id", "sid", "t", "k", EVERY_RULE)
#: The largest unknown rail compiled (by ``_size``); a wider one is replaced by the false rail.
#: durable_rules refuses a rule whose expression sequence reaches 32 entries (error 113):
#: measured on the bundled rulesets, every rail up to 53 registers and the first refused is 64.
MAX_UNKNOWN_TESTS = 53
_RAIL_NAMES = {True: "T", False: "F", None: "U"}
ACTION_CAP = 10_000  # matches delivered in one action at most (more come in further actions)
#: durable_rules walks an asserted fact through its tests depth first, on a stack of 64 tests
#: (measured: 64 tests that hold at once under one test assert; 65 fail with error 303,
#: ERR_MAX_STACK_SIZE). Every test that holds pushes the tests after it; an ``$or`` pushes the
#: first test of each branch. A ruleset with four times wanzhou's situations pushed more than
#: that under one gate. The compiler bounds what one gate can push (:func:`_peak`,
#: :func:`_fanout`: exactly the measured stack on sequences and ``$or``s of tests, above it
#: otherwise) to ``STACK_BUDGET``: a stratum's rules go on as many gates as that and the width
#: need, and a rail that would push too much alone is split into parts proving the same value.
STACK_BUDGET = 62
#: A rail pushes at most this much by itself: a larger one is split into parts.
RAIL_PEAK = 24
#: A rail whose condition starts with more tests than this (an ``$or`` of many) gets a test of
#: its own first (an attribute no gate carries is absent), so it pushes one test, not all of
#: them, under its gate.
_PREFIX_FROM = 4


def unknown_attr(rule_id: str) -> str:
    """The attribute of a gate on which a rule's unknown rail is evaluated: it carries it when
    some fact or rule value the rule reads is unknown."""
    return "u_" + rule_id


def prefix_attr(engine_rule: str) -> str:
    """An attribute no gate carries, tested absent by an engine rule that starts with it."""
    return "p_" + engine_rule


def rule_attr(rule_id: str) -> str:
    """The attribute of a gate fact that carries a rule's value (1 true, 0 false; absent: unknown)."""
    return "r_" + rule_id


@dataclass(frozen=True)
class EngineRule:
    """One durable_rules rule: the rail it proves, its stratum and the rules it reads."""

    name: str
    proves: tuple[str, bool | None]  # (rule id, value); None: unknown
    stratum: int
    reads: tuple[str, ...]  # rule ids, sorted
    facts: tuple[str, ...]  # fact ids it reads
    claims: tuple[str, ...]  # situations whose claim status it reads
    test: Expr | None  # the condition on the gate fact; None when it always holds
    gate: int = 0  # the gate it matches (its ``k``)
    prefixed: bool = False  # it first tests its own absent attribute (``prefix_attr``)


@dataclass(frozen=True)
class Gate:
    """What the gate of one stratum carries: exactly what that stratum's rules test."""

    facts: tuple[str, ...]  # fact ids its rules read
    claims: tuple[str, ...]  # situations whose claim status its rules read
    reads: tuple[str, ...]  # rules whose value its rules read (of lower strata)
    own: tuple[str, ...]  # its rules
    stratum: int = 0  # a stratum's rules may take several gates, asserted one after another
    members: int = 0  # attributes for the values a ``multiple`` fact's set may hold

    @property
    def width(self) -> int:
        """Properties of this gate at most: it may have each of its rules' unknown rail
        evaluated; a set goes as one attribute per value it holds beside the fact's own."""
        return (
            len(_GATE_KEYS)
            + len(self.facts)
            + self.members
            + len(self.claims)
            + len(self.reads)
            + len(self.own)
        )


@dataclass(frozen=True)
class Compiled:
    """A compiled ruleset: durable definitions plus what the evaluator needs to drive them."""

    definition: dict[str, Any]
    rules: tuple[EngineRule, ...]
    gates: tuple[Gate, ...]  # in the order asserted: by stratum, one or more a stratum
    consumed: frozenset[str]  # rules some engine rule reads (only these go on later gates)
    stratum_of: dict[str, int]  # rule id -> stratum
    #: a rule's value when neither of its rails fires; a rule left out has the true and false
    #: rails, and is unknown then
    unless_proved: dict[str, bool] = field(default_factory=dict)
    #: number fact id -> its constants, sorted: a value goes to the engine as its rank among
    #: them (:func:`number_rank`), as the constants do in ``definition``
    number_points: dict[str, NumberPoints] = field(default_factory=dict)
    #: the rules the compiler added (:func:`lift_established`): evaluated, never returned
    internal: frozenset[str] = frozenset()

    @property
    def strata(self) -> int:
        """Strata: rules of a later one read rules of an earlier one."""
        return len({g.stratum for g in self.gates})

    @property
    def width(self) -> int:
        """Properties of the widest gate fact."""
        return max((g.width for g in self.gates), default=len(_GATE_KEYS))


def compile_ruleset(
    rs: Ruleset,
    *,
    max_unknown_tests: int | None = None,
    defaults: Mapping[str, bool | None] | None = None,
) -> Compiled:
    """Compile every evaluable rule of ``rs`` (checked, acyclic) into durable definitions.

    ``defaults`` gives, per rule, the value to leave to elimination (its two rails are for the
    other two values); a rule not given is false unless proved. A rule whose unknown rail is
    larger than ``max_unknown_tests`` (default ``MAX_UNKNOWN_TESTS``) gets the true and false
    rails instead, whatever its default; 0 gives every rule that can be unknown those two.
    """
    limit = MAX_UNKNOWN_TESTS if max_unknown_tests is None else max_unknown_tests
    members = rs.graph.members
    points = number_points(rs)
    attr_points = {fact_attr(f): p for f, p in points.items()}
    conds = lift_established({r.id: r.when for r in rs.rules.values() if r.when is not None})
    reads = {rid: sorted(rule_dependencies(c, members) & conds.keys()) for rid, c in conds.items()}
    strata = _strata(reads)
    rails: list[EngineRule] = []  # on no gate yet
    unless_proved: dict[str, bool] = {}
    for rid, cond in conds.items():
        reads_facts = tuple(fact_dependencies(cond))
        reads_claims = tuple(sorted(_claims(cond)))
        unsettled = _simplify(unknown(cond, members))
        third = (defaults or {}).get(rid, False)  # the value no rail proves
        if third is not None and (
            isinstance(unsettled, _Const) or _size(_gate_expr(unsettled)) <= limit
        ):
            unless_proved[rid] = third
        else:
            third = None
        for rail in (r for r in (True, False, None) if r is not third):
            node = unsettled if rail is None else _simplify(positive(cond, rail, members))
            if isinstance(node, _Const) and not node.value:
                continue  # this rail can never hold
            test = None if isinstance(node, _Const) else _ranked(_gate_expr(node), attr_points)
            name = f"{rid}#{_RAIL_NAMES[rail]}"
            parts = [test] if test is None else _parts(test, RAIL_PEAK)
            for i, part in enumerate(parts):
                rails.append(
                    EngineRule(
                        name if len(parts) == 1 else f"{name}.{i}",
                        (rid, rail),
                        strata[rid],
                        tuple(reads[rid]),
                        reads_facts,
                        reads_claims,
                        part,
                        prefixed=part is not None
                        and rail is not None
                        and (len(parts) > 1 or len(_entries(part)) > _PREFIX_FROM),
                    )
                )
    gates: list[Gate] = []
    gate_of: dict[str, int] = {}
    for k in range(max(strata.values(), default=-1) + 1):
        for mine in _pack([rid for rid in conds if strata[rid] == k], conds, reads, rails):
            facts = {f for rid in mine for f in fact_dependencies(conds[rid])}
            read = {d for rid in mine for d in reads[rid]}
            gate_of.update(dict.fromkeys(mine, len(gates)))
            gates.append(
                Gate(
                    facts=tuple(f for f in rs.facts if f in facts),
                    claims=tuple(sorted({c for rid in mine for c in _claims(conds[rid])})),
                    reads=tuple(r for r in conds if r in read),
                    own=tuple(mine),
                    stratum=k,
                    members=sum(len(rs.facts[f].values) for f in facts if rs.facts[f].multiple),
                )
            )
    rules = [replace(r, gate=gate_of[r.proves[0]]) for r in rails]
    return Compiled(
        definition={r.name: _definition(r) for r in rules},
        rules=tuple(rules),
        gates=tuple(gates),
        consumed=frozenset(d for ds in reads.values() for d in ds),
        stratum_of=strata,
        unless_proved=unless_proved,
        number_points=points,
        internal=frozenset(k for k in conds if INTERNAL_MARK in k),
    )


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


def _claims(cond: Cond) -> set[str]:
    """The claims and presumed flags a condition reads: both are always known, and go to the
    engine as the case's claim attributes."""
    return {flag_key(n) for n in walk(cond) if isinstance(n, Claimed | Presumed)}


def _strata(reads: dict[str, list[str]]) -> dict[str, int]:
    memo: dict[str, int] = {}

    def level(rid: str) -> int:
        if rid not in memo:
            memo[rid] = max((1 + level(d) for d in reads[rid]), default=0)
        return memo[rid]

    return {rid: level(rid) for rid in reads}


def _gate_expr(node: _Node) -> Expr:
    """A positive condition as one expression on the gate fact."""
    if isinstance(node, _Case):
        return node.expr
    if isinstance(node, _Atom):
        return {rule_attr(node.rule): int(node.value)}
    if isinstance(node, _Unsettled):
        return {"$nex": {rule_attr(node.rule): 1}}
    if isinstance(node, _And | _Or):
        return {"$and" if isinstance(node, _And) else "$or": [_gate_expr(i) for i in node.items]}
    raise TypeError(node)  # pragma: no cover - constants are simplified away first


def _size(expr: Expr) -> int:
    """Tests and ``$and`` / ``$or`` operators in a gate expression, each operator twice."""
    ((key, value),) = expr.items()
    if key in ("$and", "$or"):
        return 2 + sum(_size(e) for e in value)
    return 1


# --- durable's test stack -------------------------------------------------------------------


def _entries(expr: Expr) -> list[tuple[str, str, str]]:
    """The tests an expression pushes on durable's stack where it starts: its first test, or
    the first of each branch of an ``$or``."""
    ((op, value),) = expr.items()
    if op == "$and":
        return _entries(value[0])
    if op == "$or":
        return [e for item in value for e in _entries(item)]
    if op.startswith("$"):
        ((attr, operand),) = value.items()
        return [(op, attr, repr(operand))]
    return [("=", op, repr(value))]


def _peak(expr: Expr) -> int:
    """The most tests an expression keeps on durable's stack at once, counting those it pushes
    where it starts (an upper bound: the stack is walked depth first, so a sequence adds what
    each item leaves pending, and an ``$or`` holds the other branches' first tests while one
    branch is walked)."""
    ((op, value),) = expr.items()
    if op == "$and":
        return sum(_peak(item) - 1 for item in value) + 1
    if op == "$or":
        pending = _fanout(e for item in value for e in _entries(item))
        return max(pending - 1, 0) + max(_peak(item) for item in value)
    return 1


def _fanout(entries: Iterable[tuple[str, str, str]]) -> int:
    """How many of these tests under one test can hold at once (equal tests are one node):
    per gate attribute, either its ``$nex`` (absent) or the others (present), of which one
    equality at most (a gate has one value for it)."""
    present: dict[str, set[tuple[str, str]]] = {}
    absent: set[str] = set()
    for op, attr, operand in set(entries):
        if op == "$nex":
            absent.add(attr)
        else:
            present.setdefault(attr, set()).add(("=", "") if op == "=" else (op, operand))
    return sum(max(len(present.get(a, ())), a in absent) for a in present.keys() | absent)


def _or(items: list[Expr]) -> Expr:
    return items[0] if len(items) == 1 else {"$or": items}


def _parts(expr: Expr, budget: int, most: int = 16) -> list[Expr]:
    """``expr`` as a disjunction of parts, each keeping at most ``budget`` tests on durable's
    stack: an ``$or``'s branches grouped, a sequence distributed over the parts of its widest
    item; ``expr`` itself when that takes more than ``most`` parts (a sequence's parts multiply:
    such a rail keeps its gate to itself, see ``_pack``)."""
    if _peak(expr) <= budget:
        return [expr]
    found: list[Expr] = []
    pending = [expr]
    while pending:
        item = pending.pop()
        if _peak(item) <= budget:
            found.append(item)
            continue
        ((op, items),) = item.items()
        if op == "$or":  # its branches grouped as they fit
            group: list[Expr] = []
            for branch in items:
                if group and _peak(_or([*group, branch])) > budget:
                    pending.append(_or(group))
                    group = []
                group.append(branch)
            if len(group) == len(items):  # one branch alone is too much: split it
                pending.extend(group)
            else:
                pending.append(_or(group))
        elif op == "$and":  # distributed over the halves of its widest item
            widest = max(range(len(items)), key=lambda i: _peak(items[i]))
            pending.extend(
                {"$and": [*items[:widest], half, *items[widest + 1 :]]}
                for half in _halves(items[widest])
            )
        else:  # pragma: no cover - a single test keeps one
            found.append(item)
        if len(found) + len(pending) > most:
            return [expr]
    return found[::-1]


def _halves(expr: Expr) -> list[Expr]:
    """Two expressions whose disjunction is ``expr`` (one of a sequence of tests: itself)."""
    ((op, items),) = expr.items()
    if op == "$or":
        middle = len(items) // 2
        return [_or(items[:middle]), _or(items[middle:])]
    if op == "$and":
        widest = max(range(len(items)), key=lambda i: _peak(items[i]))
        return [
            {"$and": [*items[:widest], half, *items[widest + 1 :]]}
            for half in _halves(items[widest])
        ]
    return [expr]


def _rail_stack(r: EngineRule) -> tuple[list[tuple[str, str, str]], int]:
    """What an engine rule pushes under the test its gate selects it by (``a``), and the most
    it keeps on the stack."""
    if r.test is None:
        return [], 0
    if r.proves[1] is None:
        return [("u", r.proves[0], "")], _peak(r.test)
    if r.prefixed:
        return [("p", r.name, "")], _peak(r.test)
    return _entries(r.test), _peak(r.test)


def _pack(
    mine: list[str],
    conds: Mapping[str, Cond],
    reads: Mapping[str, list[str]],
    rails: list[EngineRule],
) -> list[list[str]]:
    """The rules of one stratum, in order, in as few gates as durable takes: each gate within
    ``MAX_FACT_PROPERTIES`` properties and ``STACK_BUDGET`` tests on the stack."""
    stacks: dict[str, list[tuple[list[tuple[str, str, str]], int]]] = {rid: [] for rid in mine}
    for r in rails:
        if r.proves[0] in stacks:
            stacks[r.proves[0]].append(_rail_stack(r))
    out: list[list[str]] = []
    current: list[str] = []
    facts: set[str] = set()
    claims: set[str] = set()
    read: set[str] = set()
    for rid in mine:
        more_facts = facts | set(fact_dependencies(conds[rid]))
        more_claims = claims | _claims(conds[rid])
        more_read = read | set(reads[rid])
        taking = [*current, rid]
        width = len(_GATE_KEYS) + len(more_facts) + len(more_claims) + len(more_read)
        if current and (
            width + len(taking) > MAX_FACT_PROPERTIES
            or _gate_peak([s for r in taking for s in stacks[r]]) > STACK_BUDGET
        ):
            out.append(current)
            taking = [rid]
            more_facts = set(fact_dependencies(conds[rid]))
            more_claims = _claims(conds[rid])
            more_read = set(reads[rid])
        current, facts, claims, read = taking, more_facts, more_claims, more_read
    if current:
        out.append(current)
    return out


def _gate_peak(stacks: list[tuple[list[tuple[str, str, str]], int]]) -> int:
    """The most tests on durable's stack under one selecting test with these rails below it."""
    if not stacks:
        return 0
    return max(_fanout(e for entries, _ in stacks for e in entries) - 1, 0) + max(
        peak for _, peak in stacks
    )


def _definition(r: EngineRule) -> dict[str, Any]:
    tests: list[Expr] = [{"t": GATE_TYPE}, {"k": r.gate}]
    tests.append({EVERY_RULE: 1})
    if r.test is not None:
        if r.proves[1] is None:
            tests.append({unknown_attr(r.proves[0]): 1})
        if r.prefixed:
            tests.append({"$nex": {prefix_attr(r.name): 1}})
        tests.append(r.test)
    # ``cap``: every match of the rule that one assert makes (for each gate of a batch, and for
    # each branch of an ``$or`` that holds) comes in one action, not one action a match.
    return {"all": [{"g": {"$and": tests}}], "cap": ACTION_CAP, "run": r.name}
