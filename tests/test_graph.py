"""The rules' dependency graph (ruleset/graph.py): built once per ruleset, and right."""

from __future__ import annotations

import datetime as dt

import pytest

import rongcuo
from rongcuo.engine.reference import Program
from rongcuo.ruleset.graph import RuleGraph, fact_dependencies, rule_dependencies

ON = dt.date(2024, 6, 1)


@pytest.fixture(scope="module", params=["national", "wanzhou", "mianyang"])
def rs(request: pytest.FixtureRequest) -> rongcuo.Ruleset:
    with rongcuo.Engine(backend="reference") as engine:
        return engine.ruleset(request.param, ON)


def test_built_once_and_shared_by_the_evaluation_order(rs: rongcuo.Ruleset) -> None:
    assert rs.graph is rs.graph
    program = Program.build(rs)
    assert [r.id for r in program.order] == list(rs.graph.order)
    assert program.kind_members is rs.graph.members


def test_each_rule_comes_after_every_evaluated_rule_it_reads(rs: rongcuo.Ruleset) -> None:
    graph = rs.graph
    position = {rid: i for i, rid in enumerate(graph.order)}
    evaluated = {r.id for r in rs.rules.values() if not r.referral}
    assert set(graph.order) == evaluated
    for rid in graph.order:
        for dep in graph.reads.get(rid, ()):
            if dep in evaluated:
                assert position[dep] < position[rid], (dep, rid)


def test_reads_facts_and_signs_agree_with_the_conditions(rs: rongcuo.Ruleset) -> None:
    graph = rs.graph
    for rule in rs.rules.values():
        if rule.when is None:
            assert rule.id not in graph.reads
            continue
        assert graph.reads[rule.id] == rule_dependencies(rule.when, graph.members)
        assert list(graph.facts[rule.id]) == fact_dependencies(rule.when)
        assert {d for d, _ in graph.signed[rule.id]} == graph.reads[rule.id]
        assert graph.plain_reads[rule.id] <= graph.reads[rule.id]


def test_downstream_is_every_rule_whose_value_a_fact_can_reach(rs: rongcuo.Ruleset) -> None:
    graph = rs.graph
    for fid in rs.facts:
        direct = {rid for rid, facts in graph.facts.items() if fid in facts}
        reached = set(direct)
        grew = True
        while grew:  # the fixed point, the long way
            more = {rid for rid, deps in graph.reads.items() if deps & reached}
            grew = not more <= reached
            reached |= more
        assert graph.downstream[fid] == reached, fid


def test_a_rule_read_through_not_is_signed_negated() -> None:
    from rongcuo.ruleset.conditions import AllOf, Not, RuleRef

    class _Rule:
        def __init__(self, rid: str, when: object, kind: str = "situation") -> None:
            self.id, self.when, self.kind, self.referral = rid, when, kind, False

    class _Rs:
        def __init__(self, *rules: _Rule) -> None:
            self.rules = {r.id: r for r in rules}
            self.facts: dict[str, object] = {}

    a = _Rule("a", None)
    not_c = Not(RuleRef("c", None), None)  # type: ignore[arg-type]
    reads = AllOf((RuleRef("a", None), not_c), None)  # type: ignore[arg-type]
    b = _Rule("b", reads)
    c = _Rule("c", RuleRef("a", None))  # type: ignore[arg-type]
    graph = RuleGraph.build(_Rs(a, b, c))  # type: ignore[arg-type]
    assert graph.signed["b"] == (("a", False), ("c", True))
    assert graph.order == ("a", "c", "b")
    assert graph.upstream(["b"]) == {"a", "b", "c"}
