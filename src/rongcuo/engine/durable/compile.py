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

Numbers go to the engine as ranks (``numbers``); the positive normal form of a condition and its
rails are in ``rails``, durable's test stack and fact width in ``limits``.

"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from rongcuo.engine.durable.limits import (
    EVERY_RULE,
    GATE_KEYS,
    RAIL_PEAK,
    entries,
    pack_gates,
    split_rail,
)
from rongcuo.engine.durable.numbers import NumberPoints, number_points, ranked
from rongcuo.engine.durable.rails import (
    INTERNAL_MARK,
    Const,
    Expr,
    claims_read,
    expr_size,
    fact_attr,
    gate_expr,
    lift_established,
    positive,
    simplify,
    unknown,
)
from rongcuo.ruleset.graph import fact_dependencies, rule_dependencies
from rongcuo.ruleset.model import (
    Cond,
    Ruleset,
)

GATE_TYPE = "__gate__"


# --- engine rules ---------------------------------------------------------------------------

#: The largest unknown rail compiled (by ``expr_size``); a wider one is replaced by the false rail.
#: durable_rules refuses a rule whose expression sequence reaches 32 entries (error 113):
#: measured on the bundled rulesets, every rail up to 53 registers and the first refused is 64.
MAX_UNKNOWN_TESTS = 53
_RAIL_NAMES = {True: "T", False: "F", None: "U"}
ACTION_CAP = 10_000  # matches delivered in one action at most (more come in further actions)
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
            len(GATE_KEYS)
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
        return max((g.width for g in self.gates), default=len(GATE_KEYS))


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
        reads_claims = tuple(sorted(claims_read(cond)))
        unsettled = simplify(unknown(cond, members))
        third = (defaults or {}).get(rid, False)  # the value no rail proves
        if third is not None and (
            isinstance(unsettled, Const) or expr_size(gate_expr(unsettled)) <= limit
        ):
            unless_proved[rid] = third
        else:
            third = None
        for rail in (r for r in (True, False, None) if r is not third):
            node = unsettled if rail is None else simplify(positive(cond, rail, members))
            if isinstance(node, Const) and not node.value:
                continue  # this rail can never hold
            test = None if isinstance(node, Const) else ranked(gate_expr(node), attr_points)
            name = f"{rid}#{_RAIL_NAMES[rail]}"
            parts = [test] if test is None else split_rail(test, RAIL_PEAK)
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
                        and (len(parts) > 1 or len(entries(part)) > _PREFIX_FROM),
                    )
                )
    gates, gate_of = _gates(rs, conds, reads, strata, rails)
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


def _gates(
    rs: Ruleset,
    conds: Mapping[str, Cond],
    reads: Mapping[str, list[str]],
    strata: Mapping[str, int],
    rails: list[EngineRule],
) -> tuple[list[Gate], dict[str, int]]:
    """The gates, stratum by stratum, each carrying what its rules read; and each rule's gate."""
    gates: list[Gate] = []
    gate_of: dict[str, int] = {}
    for k in range(max(strata.values(), default=-1) + 1):
        for mine in pack_gates([rid for rid in conds if strata[rid] == k], conds, reads, rails):
            facts = {f for rid in mine for f in fact_dependencies(conds[rid])}
            read = {d for rid in mine for d in reads[rid]}
            gate_of.update(dict.fromkeys(mine, len(gates)))
            gates.append(
                Gate(
                    facts=tuple(f for f in rs.facts if f in facts),
                    claims=tuple(sorted({c for rid in mine for c in claims_read(conds[rid])})),
                    reads=tuple(r for r in conds if r in read),
                    own=tuple(mine),
                    stratum=k,
                    members=sum(len(rs.facts[f].values) for f in facts if rs.facts[f].multiple),
                )
            )
    return gates, gate_of


def _strata(reads: dict[str, list[str]]) -> dict[str, int]:
    memo: dict[str, int] = {}

    def level(rid: str) -> int:
        if rid not in memo:
            memo[rid] = max((1 + level(d) for d in reads[rid]), default=0)
        return memo[rid]

    return {rid: level(rid) for rid in reads}


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
