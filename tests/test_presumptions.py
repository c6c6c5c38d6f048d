"""Reading what the investigator records (catalogue §6): presumptions, stated unknowns, claimed
grounds, multiple values, constraints, and how the decision reports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import rongcuo
from rongcuo import CaseError

from .conftest import BACKENDS, LOCAL_HEAD, ROOT, WriteRuleset, expected_outcome

CORPUS = sorted((ROOT / "examples" / "investigator").glob("*.yaml"))
RULESET_OF = {"wz": "wanzhou", "my": "mianyang", "nat": "national"}


def ruleset_of(path: Path) -> str:
    return RULESET_OF[path.name.split("-")[0]]


@pytest.fixture(scope="module")
def eng() -> Any:
    with rongcuo.Engine(backend="reference") as e:
        yield e


@pytest.fixture(params=BACKENDS)
def both(request: pytest.FixtureRequest) -> Any:
    with rongcuo.Engine(backend=request.param) as e:
        yield e


def short_case(facts: dict[str, Any], claimed: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "id": "P-1",
        "title": "调查报告所载事实",
        "incident_date": "2024-05-06",
        "claimed_situations": list(claimed),
        "facts": facts,
    }


PILOT = {
    "work_area": "reform_pilot",
    "motive": "public",
    "collective_decision_required": True,
    "collective_decision": True,
    "loss_yuan": 0,
    "remedial_action": True,
}


def test_a_short_investigator_file_is_decided_from_what_it_states(both: rongcuo.Engine) -> None:
    d = both.evaluate(short_case(PILOT), ruleset="wanzhou", as_of=None)
    assert d.outcome == "tolerate"
    assert d.missing_facts == []
    presumed = {p.id: p for p in d.presumed}
    # presumed from what is stated (§6.5): a reform pilot is a reform or pilot matter
    assert presumed["in_reform_or_pilot"].value is True
    assert presumed["in_reform_or_pilot"].reason.startswith("事项所属领域为改革试点")
    assert presumed["dissent_recorded"].value is False
    assert "pilot_reform_deviation" in [s.id for s in d.situations_matched()]
    assert "所符合的容错情形" in d.reason_zh and "先行先试" in d.reason_zh


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_presumptions_never_make_a_decision_insufficient(path: Path, eng: rongcuo.Engine) -> None:
    """Only facts that must be stated, or are stated unknown, are ever missing; a presumed fact
    is listed as presumed, never as missing (§6.7)."""
    d = eng.evaluate(path, ruleset=ruleset_of(path))
    rs = eng.ruleset(ruleset_of(path), dt_of(d))
    case = yaml.safe_load(path.read_text("utf-8"))
    stated = case.get("facts") or {}
    claimed = set(case.get("claimed_situations") or ())
    own = {
        f
        for sid in claimed
        if (rule := rs.rules[sid]).when is not None
        for f in fact_ids(rule.when)
    }
    for m in d.missing_facts:
        decl = rs.facts[m.id]
        plain = len(decl.presume) == 1 and decl.presume[0].when is None
        assert not plain or m.id in stated or m.id in own, (path.name, m.id)
    assert {p.id for p in d.presumed}.isdisjoint(m.id for m in d.missing_facts)


def dt_of(d: rongcuo.Decision) -> Any:
    import datetime as dt

    return dt.date.fromisoformat(d.case.incident_date)


def fact_ids(cond: Any) -> set[str]:
    from rongcuo.ruleset.graph import fact_dependencies

    return set(fact_dependencies(cond))


def test_stating_a_presumed_fact_unknown_makes_it_missing_where_it_matters(
    eng: rongcuo.Engine,
) -> None:
    checked = 0
    for path in CORPUS:
        rid = ruleset_of(path)
        d = eng.evaluate(path, ruleset=rid)
        changers = [p for p in d.presumed if p.changes_outcome]
        if d.outcome == "insufficient_facts" or not changers:
            continue
        case = yaml.safe_load(path.read_text("utf-8"))
        case["facts"] = {**(case.get("facts") or {}), changers[0].id: "不明"}
        again = eng.evaluate(case, ruleset=rid)
        assert again.outcome == "insufficient_facts", (path.name, changers[0].id)
        missing = {m.id: m for m in again.missing_facts}
        assert missing[changers[0].id].stated_unknown, path.name
        checked += 1
    assert checked >= 20


def test_the_summary_names_each_reversal_that_changes_the_outcome(eng: rongcuo.Engine) -> None:
    d = eng.evaluate(short_case(PILOT), ruleset="wanzhou")
    summary = d.presumed_summary_zh
    assert summary.startswith(f"案件材料未载明、按推定认定的事实{len(d.presumed)}项：")
    assert "「恶意串通」" in summary and "按「否」认定" in summary
    # the adverse findings presumed absent, by the outcome their reversal gives
    assert "案件材料未载明存在恶意串通，按不存在认定；" in summary
    assert "推定如与实际情况不符，结论将为不予容错，依规依纪问责" in summary
    # one alone reads as the catalogue's example: its reason, then what its reversal gives
    assert (
        "案件材料未载明在集体决策中提出反对意见，按未提出认定；如存在，结论将为予以容错免责"
        not in (summary)
    )  # tolerated already: a dissent would change nothing
    dissent = eng.evaluate(
        short_case(
            {**PILOT, "loss_yuan": 50000, "loss_recovered_ratio": 0.2, "loss_cause": "self"}
        ),
        ruleset="wanzhou",
    )
    assert dissent.outcome == "mitigate"
    assert "案件材料未载明在集体决策中提出反对意见，按未提出认定；如存在，结论将为予以容错免责" in (
        dissent.presumed_summary_zh
    )


def test_a_claimed_ground_makes_its_own_facts_findings_to_state(both: rongcuo.Engine) -> None:
    facts = {**PILOT, "work_area": "other"}
    d = both.evaluate(short_case(facts, ("emergency_ad_hoc_decision",)), ruleset="wanzhou")
    assert d.outcome == "insufficient_facts"
    # the situation's own facts (emergency, public interest) must be stated; each one false
    # rules the claim out
    missing = {m.id: m for m in d.missing_facts}
    assert set(missing) == {"emergency", "public_interest_served"}
    assert {e.value: e.outcome for e in missing["emergency"].effects} == {
        True: "insufficient_facts",
        False: "not_tolerate",
    }
    assert "emergency" not in {p.id for p in d.presumed}
    # a presumption from what is stated still applies to a claimed ground's fact
    stated = {**PILOT, "work_area": "emergency_response"}
    d = both.evaluate(short_case(stated, ("emergency_ad_hoc_decision",)), ruleset="wanzhou")
    assert {p.id: p.value for p in d.presumed}["emergency"] is True


def test_cooperation_presumed_keeps_the_exclusion_out_but_is_no_art18_ground(
    both: rongcuo.Engine,
) -> None:
    facts = {
        "work_area": "other",
        "motive": "public",
        "collective_decision_required": False,
        "loss_yuan": 10000,
        "loss_recovered_ratio": 0.5,
        "remedial_action": True,
        "loss_cause": "self",
    }
    presumed = both.evaluate(short_case(facts), ruleset="national")
    assert presumed.outcome == "not_tolerate"
    assert {e.id for e in presumed.exclusions_hit()} == set()
    grounds = {g.id: g.value for g in presumed.grounds}
    assert grounds["art18_cooperation"] == "false"
    stated = both.evaluate(short_case({**facts, "cooperated": True}), ruleset="national")
    assert (stated.outcome, stated.deciding_rule) == ("mitigate", "order_art18")


def test_a_multiple_work_area_is_a_set_tested_with_contains(both: rongcuo.Engine) -> None:
    facts = {**PILOT, "work_area": ["administrative_service", "reform_pilot"]}
    d = both.evaluate(short_case(facts), ruleset="wanzhou")
    use = next(f for s in d.situations for f in s.facts if f.id == "work_area")
    assert use.value == ["administrative_service", "reform_pilot"]
    assert use.display == "改革试点、放管服与营商环境"  # declared order
    held = {s.id for s in d.situations_matched()}
    assert {"pilot_reform_deviation", "service_reform_innovation"} <= held


def test_a_list_for_a_single_valued_fact_is_rc212(eng: rongcuo.Engine) -> None:
    with pytest.raises(CaseError) as err:
        eng.evaluate(short_case({"motive": ["public", "mixed"]}), ruleset="wanzhou")
    assert [d.code for d in err.value.diagnostics] == ["RC212"]


def test_no_loss_with_a_loss_is_a_case_error_and_never_tried(
    tmp_path: Path, eng: rongcuo.Engine
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "id: X-1\ntitle: t\nincident_date: 2024-03-01\nfacts:\n"
        "  loss_yuan: 5000\n  loss_cause: none\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as err:
        eng.evaluate(path, ruleset="wanzhou")
    (diag,) = err.value.diagnostics
    assert (diag.code, diag.location.line, diag.location.path) == (
        "RC213",
        6,
        ("facts", "loss_cause"),
    )
    # A presumed external cause is tried against the other causes, never against "no loss".
    facts = {**PILOT, "loss_yuan": 80000, "loss_recovered_ratio": 0.2, "market_change": True}
    d = eng.evaluate(short_case(facts), ruleset="wanzhou")
    cause = {p.id: p for p in d.presumed}["loss_cause"]
    assert cause.value == "external"
    assert "none" not in [e.value for e in cause.effects]
    assert d.outcome == "tolerate"


def test_possible_outcomes_are_those_some_value_gives(eng: rongcuo.Engine) -> None:
    facts = {**PILOT, "work_area": "other"}
    d = eng.evaluate(short_case(facts, ("emergency_ad_hoc_decision",)), ruleset="wanzhou")
    # the walk leaves four outcomes open; stating the two missing facts gives only these
    assert d.possible_outcomes == ["not_tolerate", "tolerate"]


def test_a_fact_that_changes_nothing_is_not_asked_for(eng: rongcuo.Engine) -> None:
    facts = {**PILOT, "loss_recovered_ratio": "unknown"}  # no loss: nothing to recover
    d = eng.evaluate(short_case(facts), ruleset="wanzhou")
    assert d.outcome == "tolerate"
    assert d.missing_facts == []


LOCAL_FACT = """
facts:
  - id: risk_assessed
    replaces: true
    type: bool
    label: 开展风险评估、合法性审查
    looks: [procedure_method]
    question: 决策前是否开展了风险评估和合法性审查？
{presume}
"""


def test_a_local_ruleset_may_presume_an_inherited_fact_otherwise(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # (a local ruleset says why in a comment; here: its measures require the assessment to be
    # recorded, so an unrecorded one counts as done only when the file says so)
    presume = "    presume: true\n    presume_reason: 本地办法规定风险评估须留档，案件材料未载明未开展的，按已开展认定"
    write_ruleset("local", "1", LOCAL_HEAD + LOCAL_FACT.format(presume=presume))
    assert rongcuo.check("local", paths=[tmp_path / "rulesets"]) == []
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as e:
        d = e.evaluate(short_case(PILOT), ruleset="local")
    procedure = next(look for look in d.looks if look.id == "procedure_method")
    use = next(f for f in procedure.facts if f.id == "risk_assessed")
    assert (use.value, use.presumed) == (True, True)
    assert procedure.finding == "favourable"


def test_replacing_a_fact_keeps_its_type_and_values(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = LOCAL_HEAD + LOCAL_FACT.format(presume="").replace("type: bool", "type: text")
    write_ruleset("local", "1", text)
    (diag,) = rongcuo.check("local", paths=[tmp_path / "rulesets"])
    assert (diag.code, diag.location.line) == ("RC144", 10)


CHECKS = [
    ("  - {id: x, type: bool, label: x, presume: maybe, presume_reason: 因为}\n", "RC140"),
    (
        "  - {id: x, type: enum, label: x, values: {a: 甲}, presume: b, presume_reason: 因为}\n",
        "RC140",
    ),
    ("  - {id: x, type: bool, label: x, presume: true}\n", "RC004"),
    (
        "  - {id: x, type: bool, label: x, presume: [{when: {rule: due_process}, value: true, "
        "reason: 因为}, {value: false, reason: 否则}]}\n",
        "RC141",
    ),
    ("  - {id: x, type: bool, label: x, multiple: true}\n", "RC003"),
]


@pytest.mark.parametrize(("fact", "code"), CHECKS, ids=[c for _, c in CHECKS])
def test_presumption_declarations_are_checked(
    tmp_path: Path, write_ruleset: WriteRuleset, fact: str, code: str
) -> None:
    write_ruleset("local", "1", LOCAL_HEAD + "facts:\n" + fact)
    found = [
        (d.code, d.location.line) for d in rongcuo.check("local", paths=[tmp_path / "rulesets"])
    ]
    assert (code, 9) in found, found


RULE = """
rules:
  - id: local_rule
    kind: situation
    label: 测试情形
    when: {cond}
    cite: {{doc: doc, clause: 第一条, text: 原文}}
"""


@pytest.mark.parametrize(
    ("cond", "code"),
    [
        ("{fact: work_area, eq: reform_pilot}", "RC104"),
        ("{fact: motive, contains: public}", "RC104"),
        ("{fact: motive, eq: public, stated: true}", "RC143"),
    ],
)
def test_set_and_stated_conditions_are_checked(
    tmp_path: Path, write_ruleset: WriteRuleset, cond: str, code: str
) -> None:
    write_ruleset("local", "1", LOCAL_HEAD + RULE.format(cond=cond))
    found = [d.code for d in rongcuo.check("local", paths=[tmp_path / "rulesets"])]
    assert found == [code]


def test_every_corpus_file_declares_its_outcome() -> None:
    assert len(CORPUS) >= 30
    assert {expected_outcome(p) for p in CORPUS} == {
        "tolerate",
        "mitigate",
        "not_tolerate",
        "insufficient_facts",
        "refer",
    }


EVERY_CASE = sorted((ROOT / "examples").glob("*.yaml")) + CORPUS


def test_a_look_lists_only_the_rules_that_gave_it_its_finding(eng: rongcuo.Engine) -> None:
    """Over every bundled case: an unfavourable look lists only unfavourable rules that hold, a
    favourable one only favourable rules that hold, an open one only the rules still unknown
    that could decide it, a neutral one none (never a favourable reason under "不利")."""
    seen: set[str] = set()
    for path in EVERY_CASE:
        rid = ruleset_of(path)
        d = eng.evaluate(path, ruleset=rid)
        rules = eng.ruleset(rid, dt_of(d)).rules
        for look in d.looks:
            seen.add(look.finding)
            if look.finding == "neutral":
                assert look.rules == (), (path.name, look.id)
                continue
            assert look.rules, (path.name, look.id)
            for r in look.rules:
                if look.finding == "unknown":
                    assert r.value == "unknown", (path.name, look.id, r.id)
                else:
                    assert (r.value, rules[r.id].finding) == ("true", look.finding), (
                        path.name,
                        look.id,
                        r.id,
                    )
    assert seen == {"favourable", "unfavourable", "neutral", "unknown"}


def test_a_condition_on_several_values_of_a_set_can_hold(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # two values in, two out: a set no fixed sample holds, which check must not call
    # contradictory (RC109)
    cond = (
        "{all: [{fact: work_area, contains: reform_pilot}, "
        "{fact: work_area, contains: administrative_service}, "
        "{not: {fact: work_area, contains: investment_project}}, "
        "{not: {fact: work_area, contains: emergency_response}}]}"
    )
    write_ruleset("local", "1", LOCAL_HEAD + RULE.format(cond=cond))
    assert rongcuo.check("local", paths=[tmp_path / "rulesets"]) == []
    contradictory = cond.replace(
        "{not: {fact: work_area, contains: investment_project}}",
        "{not: {fact: work_area, contains: reform_pilot}}",
    )
    write_ruleset("local", "1", LOCAL_HEAD + RULE.format(cond=contradictory))
    assert [d.code for d in rongcuo.check("local", paths=[tmp_path / "rulesets"])] == ["RC109"]


def test_a_gate_counts_a_sets_value_attributes_against_the_engine_limit() -> None:
    # durable gets a set as the fact's attribute and one per value it holds: the 254-property
    # check must count them (work_area has 7 values)
    import datetime as dt

    from rongcuo.engine.durable.compile import compile_ruleset

    with rongcuo.Engine(backend="reference") as e:
        compiled = compile_ruleset(e.ruleset("wanzhou", dt.date(2024, 6, 1)))
    reading = [g for g in compiled.gates if "work_area" in g.facts]
    assert reading and all(g.members == 7 for g in reading)
    assert all(g.members == 0 for g in compiled.gates if "work_area" not in g.facts)


def test_a_missing_number_is_tried_by_the_regions_its_constants_carve_out(
    eng: rongcuo.Engine,
) -> None:
    d = eng.evaluate(
        ROOT / "examples" / "wz-14-recovery-unknown-insufficient.yaml", ruleset="wanzhou"
    )
    ratio = next(m for m in d.missing_facts if m.id == "loss_recovered_ratio")
    assert [e.display for e in ratio.effects] == ["0", "0至0.5之间", "0.5", "0.5至1之间", "1"]
    assert [e.value for e in ratio.effects][1] == 0.25  # the value tried stays in the data


def test_lint_asks_a_replaced_fact_to_say_why(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    presume = "    presume: true\n    presume_reason: 本地办法规定风险评估须留档，按已开展认定"
    bare = LOCAL_HEAD + LOCAL_FACT.format(presume=presume)
    write_ruleset("local", "1", bare)
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as e:
        found = [(d.code, d.location.line) for d in e.lint("local") if d.code == "RC508"]
    assert found == [("RC508", 10)]
    explained = bare.replace(
        "  - id: risk_assessed\n",
        "  # 本地办法规定风险评估须留档备查，未载明未开展的按已开展认定\n  - id: risk_assessed\n",
    )
    write_ruleset("local", "1", explained)
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as e:
        assert "RC508" not in [d.code for d in e.lint("local")]
