"""Hand-built case data shared by the tests and the Gherkin steps."""

from __future__ import annotations

from typing import Any

#: Facts that rule out every exclusion of the bundled rulesets (and satisfy the preconditions),
#: so a test states only the facts its behaviour depends on.
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


def cleared_case(
    facts: dict[str, Any] | None = None,
    claimed: tuple[str, ...] = (),
    drop: tuple[str, ...] = (),
    case_id: str = "T-1",
) -> dict[str, Any]:
    """A case dict with every exclusion ruled out, then ``facts`` applied and ``drop`` removed."""
    merged = {**CLEARED, **(facts or {})}
    for key in drop:
        merged.pop(key)
    return {
        "id": case_id,
        "title": "测试案件",
        "incident_date": "2024-05-01",
        "claimed_situations": list(claimed),
        "facts": merged,
    }
