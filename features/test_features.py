"""Step definitions for the Chinese Gherkin scenarios in this folder."""

from __future__ import annotations

from typing import Any

import yaml
from pytest_bdd import given, parsers, scenarios, then, when
from tests.cases import cleared_case

import rongcuo

scenarios(".")


@given("一个各项不予容错情形均已排除的案件", target_fixture="case")
def a_cleared_case() -> dict[str, Any]:
    return cleared_case(case_id="BDD-1")


@given(parsers.parse('事实 "{fact}" 为 "{value}"'))
def set_fact(case: dict[str, Any], fact: str, value: str) -> None:
    case["facts"][fact] = yaml.safe_load(value)


@given(parsers.parse('事实 "{fact}" 未查明'))
def unset_fact(case: dict[str, Any], fact: str) -> None:
    case["facts"].pop(fact, None)


@when(parsers.parse('按 "{ruleset}" 规则集认定'), target_fixture="decision")
def decide(case: dict[str, Any], ruleset: str) -> rongcuo.Decision:
    return rongcuo.evaluate(case, ruleset)


@then(parsers.parse('结论为 "{label}"'))
def outcome_is(decision: rongcuo.Decision, label: str) -> None:
    assert decision.outcome_label == label, decision.reason_zh


@then(parsers.parse('容错情形 "{rule}" 成立'))
def situation_holds(decision: rongcuo.Decision, rule: str) -> None:
    assert rule in [s.id for s in decision.situations_matched()]


@then(parsers.parse('不予容错情形 "{rule}" 成立'))
def exclusion_holds(decision: rongcuo.Decision, rule: str) -> None:
    assert rule in [e.id for e in decision.exclusions_hit()]


@then(parsers.parse('需补充查明事实 "{fact}"'))
def fact_is_missing(decision: rongcuo.Decision, fact: str) -> None:
    missing = {m.id: m for m in decision.missing_facts}
    assert fact in missing and missing[fact].changes_outcome


@then(parsers.parse('认定依据引用 "{title}"'))
def cites(decision: rongcuo.Decision, title: str) -> None:
    cited = [s.citation.doc_title for s in decision.situations_matched() if s.citation]
    assert title in cited
