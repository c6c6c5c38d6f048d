"""Step definitions for the Chinese Gherkin scenarios in this folder."""

from __future__ import annotations

from typing import Any

import yaml
from pytest_bdd import given, parsers, scenarios, then, when

import rongcuo

scenarios(".")

CLEARED: dict[str, Any] = {
    "political_discipline_breach": False,
    "motive": "public",
    "intent": "negligence",
    "knew_it_was_prohibited": False,
    "explicitly_prohibited": False,
    "concealment": False,
    "collusion": False,
    "collective_decision_required": True,
    "collective_decision": True,
    "repeat_of_same_error": False,
    "obstructed_investigation": False,
    "cooperated": True,
    "safety_or_eco_incident": "none",
    "social_impact": "minor",
    "dereliction": False,
    "executed_illegal_order": False,
    "dissent_recorded": False,
    "objected_to_superior_decision": False,
    "remedial_action": True,
}


@given("一个各项不予容错情形均已排除的案件", target_fixture="case")
def cleared_case() -> dict[str, Any]:
    return {
        "id": "BDD-1",
        "title": "场景案件",
        "incident_date": "2024-06-01",
        "facts": dict(CLEARED),
    }


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
