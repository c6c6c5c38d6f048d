"""Truth tables of the reference evaluator's three-valued logic.

The expected values are written out from the language's documented semantics (docs/ruleset.md
§6–7, docs/architecture.md "Three-valued logic", catalogue §6), not taken from the code:

* ``all``: false if some item is false; else unknown if some item is unknown; else true.
* ``any``: true if some item is true; else unknown if some item is unknown; else false.
* ``not``: swaps true and false; unknown stays unknown.
* a comparison on an unknown fact is unknown, ``ne`` and ``not_in`` included;
* ``known``, ``claimed``, ``established`` and the presumed mark are never unknown;
  ``established`` holds only when its item holds;
* ``rule`` is the rule's value; ``any_rule`` / ``all_rules`` are ``any`` / ``all`` over the
  rules of the kind, false / true over none;
* ``stated: true`` (``all: [not presumed, comparison]``): false on a presumed value, else the
  comparison.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping

import pytest

from rongcuo.engine.reference import Truth, compare, eval_cond
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
    presumed_flag,
)

T, F, U = True, False, None
TRUTHS: tuple[Truth, ...] = (T, F, U)


def ev(
    cond: Cond,
    facts: Mapping[str, FactValue] | None = None,
    claims: frozenset[str] = frozenset(),
    rules: Mapping[str, Truth] | None = None,
    members: Mapping[str, tuple[str, ...]] | None = None,
) -> Truth:
    """``eval_cond`` with empty facts, claims, rule values and kind members by default."""
    return eval_cond(cond, facts or {}, claims, rules or {}, members or {})


def leaves(
    values: tuple[Truth, ...], how: str
) -> tuple[tuple[Cond, ...], dict[str, FactValue], dict[str, Truth]]:
    """One condition per truth value, and the facts or rule values that give it that value:
    ``how="rule"`` reads rule values (an unknown one absent), ``how="fact"`` compares a bool
    fact with ``true`` (an unknown one not stated)."""
    conds: list[Cond] = []
    facts: dict[str, FactValue] = {}
    rules: dict[str, Truth] = {}
    for i, v in enumerate(values):
        name = f"x{i}"
        if how == "rule":
            conds.append(RuleRef(name))
            if v is not None:
                rules[name] = v
        else:
            conds.append(Compare(name, "eq", True))
            if v is not None:
                facts[name] = v
    return tuple(conds), facts, rules


# --- all / any / not: the binary tables written out -------------------------------------------

ALL_TABLE = {
    (T, T): T,
    (T, F): F,
    (T, U): U,
    (F, T): F,
    (F, F): F,
    (F, U): F,
    (U, T): U,
    (U, F): F,
    (U, U): U,
}
ANY_TABLE = {
    (T, T): T,
    (T, F): T,
    (T, U): T,
    (F, T): T,
    (F, F): F,
    (F, U): U,
    (U, T): T,
    (U, F): U,
    (U, U): U,
}
NOT_TABLE = {T: F, F: T, U: U}


@pytest.mark.parametrize("how", ["rule", "fact"])
@pytest.mark.parametrize(("pair", "want"), ALL_TABLE.items(), ids=str)
def test_all_of_two(pair: tuple[Truth, Truth], want: Truth, how: str) -> None:
    conds, facts, rules = leaves(pair, how)
    assert ev(AllOf(conds), facts, rules=rules) is want


@pytest.mark.parametrize("how", ["rule", "fact"])
@pytest.mark.parametrize(("pair", "want"), ANY_TABLE.items(), ids=str)
def test_any_of_two(pair: tuple[Truth, Truth], want: Truth, how: str) -> None:
    conds, facts, rules = leaves(pair, how)
    assert ev(AnyOf(conds), facts, rules=rules) is want


@pytest.mark.parametrize("how", ["rule", "fact"])
@pytest.mark.parametrize(("value", "want"), NOT_TABLE.items(), ids=str)
def test_not(value: Truth, want: Truth, how: str) -> None:
    (cond,), facts, rules = leaves((value,), how)
    assert ev(Not(cond), facts, rules=rules) is want
    assert ev(Not(Not(cond)), facts, rules=rules) is value


def spec_all(values: tuple[Truth, ...]) -> Truth:
    """``all`` as docs/ruleset.md §7 words it."""
    if F in values:
        return F
    return U if U in values else T


def spec_any(values: tuple[Truth, ...]) -> Truth:
    """``any`` as docs/ruleset.md §7 words it."""
    if T in values:
        return T
    return U if U in values else F


@pytest.mark.parametrize("arity", [1, 2, 3, 4])
def test_all_and_any_over_every_combination(arity: int) -> None:
    for values in itertools.product(TRUTHS, repeat=arity):
        for how in ("rule", "fact"):
            conds, facts, rules = leaves(values, how)
            assert ev(AllOf(conds), facts, rules=rules) is spec_all(values), (values, how)
            assert ev(AnyOf(conds), facts, rules=rules) is spec_any(values), (values, how)
            # De Morgan holds in Kleene logic: the compiler's false rail rests on it
            negated = tuple(Not(c) for c in conds)
            assert ev(Not(AllOf(conds)), facts, rules=rules) is ev(
                AnyOf(negated), facts, rules=rules
            )
            assert ev(Not(AnyOf(conds)), facts, rules=rules) is ev(
                AllOf(negated), facts, rules=rules
            )


def test_an_unknown_item_never_hides_a_deciding_one() -> None:
    # false decides ``all`` and true decides ``any`` wherever they stand, unknown ones around
    conds, facts, rules = leaves((U, U, F, U), "rule")
    assert ev(AllOf(conds), facts, rules=rules) is F
    conds, facts, rules = leaves((U, T, U), "rule")
    assert ev(AnyOf(conds), facts, rules=rules) is T


# --- established, known, claimed, presumed: never unknown -------------------------------------

ESTABLISHED_TABLE = {T: T, F: F, U: F}


@pytest.mark.parametrize("how", ["rule", "fact"])
@pytest.mark.parametrize(("value", "want"), ESTABLISHED_TABLE.items(), ids=str)
def test_established(value: Truth, want: Truth, how: str) -> None:
    (cond,), facts, rules = leaves((value,), how)
    assert ev(Established(cond), facts, rules=rules) is want
    # national's step 0: "no exclusion established" holds when the exclusions are unknown
    assert ev(Not(Established(cond)), facts, rules=rules) is (not want)
    # "not established" of a negation: established only when the item is ruled out
    assert ev(Established(Not(cond)), facts, rules=rules) is (value is F)


def test_established_of_an_aggregate() -> None:
    members = {"exclusion": ("e1", "e2")}
    any_exclusion = Established(KindRef("exclusion", "any"))
    assert ev(any_exclusion, rules={"e1": F}, members=members) is F  # e2 unknown
    assert ev(any_exclusion, rules={"e1": F, "e2": T}, members=members) is T
    assert ev(any_exclusion, rules={"e1": F, "e2": F}, members=members) is F


@pytest.mark.parametrize(
    ("facts", "want_known"),
    [
        ({"x": True}, T),
        ({"x": False}, T),  # a false value is a known one
        ({"x": 0}, T),
        ({"x": frozenset()}, T),  # an empty set is a stated value of a multiple fact
        ({"x": dt.date(2024, 1, 1)}, T),
        ({}, F),
        ({"y": True}, F),
    ],
    ids=["true", "false", "zero", "empty-set", "date", "absent", "other-fact"],
)
def test_known(facts: dict[str, FactValue], want_known: Truth) -> None:
    assert ev(Known("x", True), facts) is want_known
    assert ev(Known("x", False), facts) is (not want_known)


@pytest.mark.parametrize(
    ("claims", "want"),
    [
        (frozenset({"s"}), T),
        (frozenset({"s", "t"}), T),
        (frozenset({"t"}), F),
        (frozenset(), F),
        (frozenset({presumed_flag("s")}), F),  # a presumed flag is not a claim
    ],
    ids=["claimed", "among-others", "another", "none", "flag-not-claim"],
)
def test_claimed(claims: frozenset[str], want: Truth) -> None:
    assert ev(Claimed("s"), {"s": True}, claims) is want
    assert ev(Claimed("s"), {}, claims) is want  # reads no fact


@pytest.mark.parametrize("facts", [{}, {"cooperated": True}, {"cooperated": False}], ids=str)
def test_presumed_reads_the_flag_only(facts: dict[str, FactValue]) -> None:
    flag = frozenset({presumed_flag("cooperated")})
    assert ev(Presumed("cooperated"), facts, flag) is T
    assert ev(Presumed("cooperated"), facts, frozenset()) is F
    assert ev(Presumed("cooperated"), facts, frozenset({"cooperated"})) is F  # a claim is no flag
    assert ev(Presumed("other"), facts, flag) is F


STATED = AllOf((Not(Presumed("cooperated")), Compare("cooperated", "eq", True)))


@pytest.mark.parametrize(
    ("facts", "presumed", "want"),
    [
        ({"cooperated": True}, False, T),  # stated true
        ({"cooperated": False}, False, F),  # stated false
        ({"cooperated": True}, True, F),  # presumed true: establishes nothing
        ({"cooperated": False}, True, F),
        ({}, False, U),  # unknown and not presumed: unknown
    ],
    ids=["stated-true", "stated-false", "presumed-true", "presumed-false", "unknown"],
)
def test_stated_only_comparison(facts: dict[str, FactValue], presumed: bool, want: Truth) -> None:
    claims = frozenset({presumed_flag("cooperated")}) if presumed else frozenset()
    assert ev(STATED, facts, claims) is want


# --- rule and kind references ------------------------------------------------------------------


@pytest.mark.parametrize("value", TRUTHS, ids=str)
def test_rule_ref_is_the_rule_s_value(value: Truth) -> None:
    assert ev(RuleRef("r"), rules={"r": value}) is value
    assert ev(RuleRef("r"), rules={"other": True}) is U  # a rule with no value yet: unknown


@pytest.mark.parametrize("arity", [1, 2, 3])
def test_kind_ref_quantifies_over_the_members(arity: int) -> None:
    ids = tuple(f"m{i}" for i in range(arity))
    members = {"situation": ids, "exclusion": ("e",)}
    for values in itertools.product(TRUTHS, repeat=arity):
        rules = {rid: v for rid, v in zip(ids, values, strict=True) if v is not None}
        rules["e"] = True  # a rule of another kind is not read
        some = ev(KindRef("situation", "any"), rules=rules, members=members)
        every = ev(KindRef("situation", "all"), rules=rules, members=members)
        assert some is spec_any(values), values
        assert every is spec_all(values), values


def test_kind_ref_reads_only_the_listed_members() -> None:
    # members are what any_rule / all_rules range over (referral situations left out by
    # Program.build): a rule not listed does not count, whatever its value
    members = {"situation": ("a",)}
    assert ev(KindRef("situation", "any"), rules={"a": F, "b": T}, members=members) is F
    assert ev(KindRef("situation", "all"), rules={"a": T, "b": F}, members=members) is T


@pytest.mark.parametrize(
    "members", [{"situation": ()}, {}], ids=["kind-without-rules", "kind-not-listed"]
)
def test_kind_ref_over_no_rules(members: dict[str, tuple[str, ...]]) -> None:
    # docs/ruleset.md §6: any_rule over a kind with no rules is false, all_rules is true
    assert ev(KindRef("situation", "any"), rules={"s": True}, members=members) is F
    assert ev(KindRef("situation", "all"), rules={"s": False}, members=members) is T


# --- comparisons --------------------------------------------------------------------------------

D1, D2, D3 = dt.date(2019, 9, 1), dt.date(2019, 9, 2), dt.date(2020, 1, 1)

COMPARE_TABLE: list[tuple[FactValue, str, FactValue | tuple[FactValue, ...], bool]] = [
    # numbers
    (3, "eq", 3, T),
    (3, "eq", 3.0, T),
    (0, "eq", -0.0, T),
    (3, "eq", 4, F),
    (3, "ne", 4, T),
    (3, "ne", 3.0, F),
    (2, "lt", 3, T),
    (3, "lt", 3, F),
    (4, "lt", 3, F),
    (2, "le", 3, T),
    (3, "le", 3, T),
    (4, "le", 3, F),
    (4, "gt", 3, T),
    (3, "gt", 3, F),
    (2, "gt", 3, F),
    (4, "ge", 3, T),
    (3, "ge", 3, T),
    (2, "ge", 3, F),
    (0.5, "lt", 1, T),
    (0.999, "ge", 1, F),
    (1.0, "ge", 1, T),
    (-1, "lt", 0, T),
    (1e-7, "gt", 0, T),
    (2, "in", (1, 2, 3), T),
    (4, "in", (1, 2, 3), F),
    (2.0, "in", (1, 2), T),
    (4, "not_in", (1, 2, 3), T),
    (2, "not_in", (1, 2, 3), F),
    # booleans are not numbers (True == 1 in Python, not in the language)
    (True, "eq", True, T),
    (False, "eq", True, F),
    (True, "ne", False, T),
    (True, "eq", 1, F),
    (1, "eq", True, F),
    (False, "eq", 0, F),
    (True, "ne", 1, T),
    (True, "in", (1, 2), F),
    (0, "not_in", (False,), T),
    # dates
    (D1, "eq", D1, T),
    (D1, "eq", D2, F),
    (D1, "ne", D2, T),
    (D1, "lt", D2, T),
    (D2, "lt", D1, F),
    (D1, "le", D1, T),
    (D3, "le", D2, F),
    (D3, "gt", D2, T),
    (D1, "gt", D1, F),
    (D1, "ge", D1, T),
    (D1, "ge", D2, F),
    (D2, "in", (D1, D2), T),
    (D3, "in", (D1, D2), F),
    (D3, "not_in", (D1, D2), T),
    # text and enum keys
    ("public", "eq", "public", T),
    ("public", "eq", "private_gain", F),
    ("public", "ne", "private_gain", T),
    ("public", "ne", "public", F),
    ("mixed", "in", ("private_gain", "mixed"), T),
    ("public", "in", ("private_gain", "mixed"), F),
    ("public", "not_in", ("private_gain", "mixed"), T),
    ("mixed", "not_in", ("private_gain", "mixed"), F),
    ("甲", "eq", "甲", T),
    ("甲", "eq", "乙", F),
    # the set of a multiple enum fact
    (frozenset({"reform_pilot", "administrative_service"}), "contains", "reform_pilot", T),
    (frozenset({"administrative_service"}), "contains", "reform_pilot", F),
    (frozenset({"reform_pilot"}), "contains", "reform_pilot", T),
    (frozenset(), "contains", "reform_pilot", F),
]


@pytest.mark.parametrize(("value", "op", "ref", "want"), COMPARE_TABLE, ids=str)
def test_compare(
    value: FactValue, op: str, ref: FactValue | tuple[FactValue, ...], want: bool
) -> None:
    assert compare(value, op, ref) is want
    # the same through a condition on a stated fact
    assert ev(Compare("x", op, ref), {"x": value}) is want  # type: ignore[arg-type]
    # and its negation: a known value gives a known answer either way
    assert ev(Not(Compare("x", op, ref)), {"x": value}) is (not want)  # type: ignore[arg-type]


def test_every_operator_is_in_the_table() -> None:
    assert {op for _, op, _, _ in COMPARE_TABLE} == {
        "eq",
        "ne",
        "lt",
        "le",
        "gt",
        "ge",
        "in",
        "not_in",
        "contains",
    }


@pytest.mark.parametrize(
    ("op", "ref"),
    [
        ("eq", 3),
        ("ne", 3),  # not knowing the motive, one cannot say it is not private gain
        ("lt", 3),
        ("le", 3),
        ("gt", 3),
        ("ge", 3),
        ("lt", D1),
        ("ge", D1),
        ("eq", "public"),
        ("ne", "private_gain"),
        ("in", ("private_gain", "mixed")),
        ("not_in", ("private_gain", "mixed")),
        ("contains", "reform_pilot"),
        ("eq", True),
        ("ne", False),
    ],
    ids=str,
)
def test_a_comparison_on_an_unknown_fact_is_unknown(
    op: str, ref: FactValue | tuple[FactValue, ...]
) -> None:
    cond = Compare("x", op, ref)  # type: ignore[arg-type]
    assert ev(cond, {}) is U
    assert ev(cond, {"other": ref if not isinstance(ref, tuple) else ref[0]}) is U
    assert ev(Not(cond), {}) is U
    assert ev(Known("x", True), {}) is F  # while whether it is known is itself known


def test_an_unknown_operator_is_refused() -> None:
    with pytest.raises(ValueError, match="operator"):
        compare(3, "approx", 3)
