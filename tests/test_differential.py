"""Differential test: durable_rules and the reference evaluator agree on every generated case.

Thousands of cases per bundled ruleset, each fact known or unknown at random, values drawn from
the regions the ruleset's own comparisons carve out. A deliberately broken compiler must be caught
by the same comparison, which shows the property can fail.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rongcuo
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.durable import compile as _compile
from rongcuo.engine.durable.compile import compile_ruleset
from rongcuo.engine.reference import Program, ReferenceEvaluator, set_samples
from rongcuo.ruleset.model import (
    Compare,
    FactDecl,
    FactValue,
    Presumed,
    Ruleset,
    presumed_flag,
    walk,
)

from .conftest import requires_durable

pytestmark = requires_durable

ON = dt.date(2024, 6, 1)
RULESETS = ("national", "wanzhou", "mianyang")


def domain(rs: Ruleset, decl: FactDecl) -> list[FactValue]:
    """Values of a fact that reach every region the ruleset's comparisons distinguish."""
    if decl.type == "bool":
        return [True, False]
    if decl.type == "enum" and decl.multiple:  # a set: tested with contains
        return set_samples([k for k, _ in decl.values])
    if decl.type == "enum":
        return [k for k, _ in decl.values]
    consts: set[Any] = set()
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when else ():
            if isinstance(node, Compare) and node.fact == decl.id:
                consts.update(node.value if isinstance(node.value, tuple) else (node.value,))
    if decl.type == "number":
        low = decl.minimum if decl.minimum is not None else 0
        high = decl.maximum if decl.maximum is not None else 2 * max(consts, default=1) + 1
        points = {low, high, *consts}
        points |= {c + d for c in consts for d in (-0.001, 0.001)}
        return sorted(p for p in points if low <= p <= high)
    if decl.type == "date":
        return sorted({c + dt.timedelta(days=d) for c in consts for d in (-1, 0, 1)})
    return sorted(consts | {"其他"})


class Pair:
    """Both evaluators over one effective ruleset."""

    def __init__(self, rid: str) -> None:
        self.rs = rongcuo.Engine(backend="reference").ruleset(rid, ON)
        self.program = Program.build(self.rs)
        self.reference = ReferenceEvaluator(self.program)
        from rongcuo.engine.durable.evaluator import (
            DurableEvaluator,
        )  # only where durable_rules is installed

        self.durable = DurableEvaluator(compile_ruleset(self.rs), f"diff_{rid}")
        self.domains = {f: domain(self.rs, d) for f, d in self.rs.facts.items()}
        # the claims, and the flags of presumed facts that `stated: true` comparisons read
        self.situations = [r.id for r in self.rs.rules_of("situation")] + sorted(
            {
                presumed_flag(n.fact)
                for r in self.rs.rules.values()
                for n in (walk(r.when) if r.when else ())
                if isinstance(n, Presumed)
            }
        )

    def disagreement(self, facts: dict[str, FactValue], claims: frozenset[str]) -> str | None:
        try:
            a = self.durable.rule_values(facts, claims)
        except rongcuo.EngineError as exc:  # the evaluator's own consistency guard tripped
            return str(exc)
        b = self.reference.rule_values(facts, claims)
        if a != b:
            diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
            return f"rules differ: {diff}"
        oa = walk_outcomes(self.program, a).outcome
        ob = walk_outcomes(self.program, b).outcome
        return None if oa == ob else f"outcomes differ: {oa} vs {ob}"

    def random_case(self, rnd: random.Random) -> tuple[dict[str, FactValue], frozenset[str]]:
        known = rnd.random()
        facts = {
            f: rnd.choice(values)
            for f, values in self.domains.items()
            if values and rnd.random() < known
        }
        claims = frozenset(s for s in self.situations if rnd.random() < 0.1)
        return facts, claims


@pytest.fixture(scope="module", params=RULESETS)
def pair(request: pytest.FixtureRequest) -> Iterator[Pair]:
    p = Pair(request.param)
    yield p
    p.durable.close()


def cases(p: Pair) -> st.SearchStrategy[tuple[dict[str, FactValue], frozenset[str]]]:
    fact_values = st.fixed_dictionaries(
        {f: st.one_of(st.none(), st.sampled_from(v)) for f, v in p.domains.items() if v}
    ).map(lambda d: {k: v for k, v in d.items() if v is not None})
    claims = st.frozensets(st.sampled_from(p.situations), max_size=3)
    return st.tuples(fact_values, claims)


def test_engines_agree_on_thousands_of_generated_cases(pair: Pair) -> None:
    @settings(
        max_examples=2000,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(cases(pair))
    def agree(case: tuple[dict[str, FactValue], frozenset[str]]) -> None:
        facts, claims = case
        assert pair.disagreement(facts, claims) is None, (facts, sorted(claims))

    agree()


def test_engines_agree_on_sparse_and_dense_random_cases(pair: Pair) -> None:
    rnd = random.Random(20261121)
    outcomes: set[str] = set()
    for _ in range(1500):  # more than durable's 1024 live sessions: sessions must be freed
        facts, claims = pair.random_case(rnd)
        assert pair.disagreement(facts, claims) is None, (facts, sorted(claims))
        outcomes.add(walk_outcomes(pair.program, pair.reference.rule_values(facts, claims)).outcome)
    assert {"not_tolerate", "insufficient_facts"} <= outcomes


def test_generated_cases_reach_the_new_condition_forms(pair: Pair) -> None:
    # The generator gives work_area sets that the rules' contains tests tell apart, and the
    # presumed flag that a stated-only comparison reads, so the cases above exercise both.
    assert any(isinstance(v, frozenset) and len(v) > 1 for v in pair.domains["work_area"])
    assert presumed_flag("cooperated") in pair.situations
    contains = [
        n
        for r in pair.rs.rules.values()
        for n in (walk(r.when) if r.when else ())
        if isinstance(n, Compare) and n.op == "contains"
    ]
    assert contains or pair.rs.id == "national"


@pytest.mark.parametrize(
    ("op", "wrong"),
    [("lt", "gt"), ("eq", "eq"), ("in", "in")],
    ids=["wrong-dual-of-lt", "eq-is-its-own-dual", "in-is-its-own-dual"],
)
def test_a_broken_compiler_is_caught(monkeypatch: pytest.MonkeyPatch, op: str, wrong: str) -> None:
    monkeypatch.setitem(_compile._DUAL, op, wrong)
    mutant = Pair("wanzhou")
    try:
        rnd = random.Random(7)
        found = [
            problem
            for facts, claims in (mutant.random_case(rnd) for _ in range(400))
            if (problem := mutant.disagreement(facts, claims))
        ]
    finally:
        mutant.durable.close()
    assert found, f"a compiler with the dual of {op!r} set to {wrong!r} went unnoticed"
