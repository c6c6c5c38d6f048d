"""Decision semantics on hand-built cases: the decision order, unknowns, missing facts, claims."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import rongcuo

from .cases import cleared_case
from .conftest import BACKENDS


def case(
    facts: dict[str, Any], claimed: tuple[str, ...] = (), drop: tuple[str, ...] = ()
) -> dict[str, Any]:
    return cleared_case(facts, claimed, drop)


@pytest.fixture(params=BACKENDS)
def eng(request: pytest.FixtureRequest) -> Any:
    with rongcuo.Engine(backend=request.param) as e:
        yield e


def test_exclusion_defeats_a_matching_situation(eng: rongcuo.Engine) -> None:
    d = eng.evaluate(
        case({"legacy_problem": True, "collusion": True, "loss_yuan": 0}), ruleset="wanzhou"
    )
    assert d.outcome == "not_tolerate"
    assert d.deciding_rule == "order_exclusion"
    assert [e.id for e in d.exclusions_hit()] == ["malicious_collusion"]
    assert "legacy_problem_resolution" in [s.id for s in d.situations_matched()]


def test_failed_precondition_counts_as_its_paired_exclusion(eng: rongcuo.Engine) -> None:
    d = eng.evaluate(
        case({"legacy_problem": True, "motive": "mixed", "loss_yuan": 0}), ruleset="wanzhou"
    )
    assert d.outcome == "not_tolerate"
    pre = {p.id: p.value for p in d.preconditions}
    assert pre["public_motive"] == "false"
    assert [e.id for e in d.exclusions_hit()] == ["private_gain"]


def test_fact_stated_unknown_is_unknown_never_false(eng: rongcuo.Engine) -> None:
    facts = {"legacy_problem": True, "loss_yuan": 0, "collusion": "unknown"}
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert d.outcome == "insufficient_facts"
    ex = {e.id: e.value for e in d.exclusions}
    assert ex["malicious_collusion"] == "unknown"
    missing = {m.id: m for m in d.missing_facts}
    assert missing["collusion"].changes_outcome and missing["collusion"].stated_unknown
    assert missing["collusion"].settles  # both values decide: ask it first
    effects = {e.value: e.outcome for e in missing["collusion"].effects}
    assert effects == {True: "not_tolerate", False: "tolerate"}
    assert "collusion" not in {p.id for p in d.presumed}


@pytest.mark.parametrize("unknown", [None, "不明"])
def test_every_way_of_stating_unknown_blocks_the_presumption(
    eng: rongcuo.Engine, unknown: object
) -> None:
    facts = {"legacy_problem": True, "loss_yuan": 0, "collusion": unknown}
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert d.outcome == "insufficient_facts"
    assert [m.id for m in d.missing_facts] == ["collusion"]


def test_adverse_finding_left_out_is_presumed_not_established(eng: rongcuo.Engine) -> None:
    # An investigation report states what it established: collusion left out is presumed
    # absent, the decision says so, and that it would change the outcome if it were found.
    d = eng.evaluate(
        case({"legacy_problem": True, "loss_yuan": 0}, drop=("collusion",)), ruleset="wanzhou"
    )
    assert d.outcome == "tolerate"
    assert "collusion" not in {m.id for m in d.missing_facts}
    presumed = {p.id: p for p in d.presumed}
    assert presumed["collusion"].value is False
    assert presumed["collusion"].reason == "案件材料未载明存在恶意串通，按不存在认定"
    assert presumed["collusion"].changes_outcome
    assert {e.value: e.outcome for e in presumed["collusion"].effects} == {True: "not_tolerate"}
    summary = d.presumed_summary_zh
    assert "案件材料未载明存在恶意串通，按不存在认定；" in summary
    assert "结论将为不予容错，依规依纪问责" in summary
    use = next(f for r in d.exclusions if r.id == "malicious_collusion" for f in r.facts)
    assert (use.id, use.value, use.presumed) == ("collusion", False, True)


def test_unknown_fact_that_cannot_change_outcome_leaves_it_decided(eng: rongcuo.Engine) -> None:
    # A knowing violation is established; the unknown loss cannot rescue the case.
    d = eng.evaluate(case({"knew_it_was_prohibited": True}), ruleset="wanzhou")
    assert d.outcome == "not_tolerate"


def test_number_thresholds_are_tried_for_missing_numbers(eng: rongcuo.Engine) -> None:
    facts = {
        "legacy_problem": True,
        "loss_yuan": 100000,
        "remedial_action": True,
        "force_majeure": False,
        "higher_policy_changed": False,
        "market_change": False,
        "loss_cause": "self",
    }
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert d.outcome == "insufficient_facts"
    ratio = next(m for m in d.missing_facts if m.id == "loss_recovered_ratio")
    by_value = {e.value: e.outcome for e in ratio.effects}
    assert by_value[1] == "tolerate"
    assert by_value[0] == "mitigate"
    assert by_value[0.5] == "mitigate"


def test_dissent_tolerates_whatever_the_loss(eng: rongcuo.Engine) -> None:
    facts = {"dissent_recorded": True, "loss_yuan": 9_000_000, "loss_recovered_ratio": 0}
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert (d.outcome, d.deciding_rule) == ("tolerate", "order_dissent")


def test_claims_are_checked_not_trusted(eng: rongcuo.Engine) -> None:
    facts = {"legacy_problem": False, "loss_yuan": 0}
    d = eng.evaluate(case(facts, claimed=("legacy_problem_resolution",)), ruleset="wanzhou")
    claim = d.claimed_situations[0]
    assert (claim.id, claim.status) == ("legacy_problem_resolution", "not_established")


def test_committee_catch_all_refers_before_art18_mitigation(eng: rongcuo.Engine) -> None:
    none = {
        k: False
        for k in (
            "in_reform_or_pilot",
            "no_precedent_or_unclear_rule",
            "emergency",
            "force_majeure",
            "higher_policy_changed",
            "market_change",
            "legacy_problem",
            "public_interest_served",
            "pursuing_development",
            "backlash_from_principled_reform",
            "deceived_by_third_party",
            "urgent_special_handling",
        )
    }
    facts = {**none, "work_area": "other", "remedial_action": True, "loss_yuan": 10}
    referred = eng.evaluate(case(facts, claimed=("other_committee_recognised",)), ruleset="wanzhou")
    assert referred.outcome == "refer"
    assert referred.claimed_situations[0].status == "referred_to_committee"
    mitigated = eng.evaluate(case(facts), ruleset="wanzhou")
    assert mitigated.outcome == "mitigate" and mitigated.deciding_rule == "order_art18"


def test_emergency_report_upward_satisfies_due_process(eng: rongcuo.Engine) -> None:
    facts = {
        "emergency": True,
        "public_interest_served": True,
        "collective_decision": False,
        "reported_upward": True,
        "loss_yuan": 0,
    }
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert d.outcome == "tolerate"
    facts["reported_upward"] = False
    d = eng.evaluate(case(facts), ruleset="wanzhou")
    assert d.outcome == "not_tolerate"
    assert "arbitrary_decision" in [e.id for e in d.exclusions_hit()]


def test_missing_risk_assessment_is_unfavourable_but_not_an_exclusion(eng: rongcuo.Engine) -> None:
    d = eng.evaluate(
        case({"legacy_problem": True, "loss_yuan": 0, "risk_assessed": False}), ruleset="wanzhou"
    )
    assert d.outcome == "tolerate"
    procedure = next(look for look in d.looks if look.id == "procedure_method")
    assert procedure.finding == "unfavourable"


def test_as_of_is_recorded_and_defaults_to_incident_date(eng: rongcuo.Engine) -> None:
    data = case({"legacy_problem": True, "loss_yuan": 0})
    assert eng.evaluate(data, ruleset="wanzhou").as_of == "2024-05-01"
    later = eng.evaluate(data, ruleset="wanzhou", as_of=dt.date(2024, 9, 1))
    assert later.as_of == "2024-09-01"
    with pytest.raises(rongcuo.CaseError) as err:
        eng.evaluate(data, ruleset="wanzhou", as_of=dt.date(2024, 1, 1))
    assert err.value.diagnostics[0].code == "RC209"


def test_case_before_any_version_in_force_is_a_clear_error(eng: rongcuo.Engine) -> None:
    data = case({})
    data["incident_date"] = "2015-01-01"
    with pytest.raises(rongcuo.RulesetNotFound, match="2015-01-01"):
        eng.evaluate(data, ruleset="wanzhou")
