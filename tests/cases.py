"""Hand-built case data for the tests; the cleared baseline is the scenario library's."""

from __future__ import annotations

from typing import Any

from rongcuo.authoring.scenario import CLEARED as SCENARIO_CLEARED

CLEARED: dict[str, Any] = dict(SCENARIO_CLEARED)


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
