"""The case form of the workspace (web/case_form.py, web/case_read.py): a submitted form turned
into a case for every fact type, unknown (不明) vs left empty (未填, presumed) vs stated, the
form built from the fact declarations, and every example case read into the form and back with
the same content hash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import rongcuo
from rongcuo.case.envelope import CaseSource, parse_case
from rongcuo.ruleset.model import Ruleset
from rongcuo.web.case_form import Values, build_form
from rongcuo.web.case_read import from_case, ordered, to_case

from .conftest import EXAMPLES, LOCAL_HEAD, ROOT, WriteRuleset, ruleset_of

#: The example cases in every folder of examples/ (the clearing and investigator ones too).
ALL_EXAMPLES = sorted(
    {
        *EXAMPLES,
        *(ROOT / "examples" / "clearing").glob("*.yaml"),
        *(ROOT / "examples" / "investigator").glob("*.yaml"),
    }
)
HEAD: Values = {"id": ["T-1"], "title": ["测试案件"], "incident_date": ["2024-03-18"]}


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


@pytest.fixture(scope="module")
def wanzhou(engine: rongcuo.Engine) -> Ruleset:
    return engine.ruleset("wanzhou", dt.date(2024, 3, 18))


def facts_of(values: Values, rs: Ruleset) -> dict[str, object]:
    case = to_case({**HEAD, **values}, rs)
    facts = case.get("facts", {})
    assert isinstance(facts, dict)
    return facts


def test_bool_fact_stated_unknown_or_left_empty(wanzhou: Ruleset) -> None:
    assert facts_of({"f.concealment": ["true"]}, wanzhou) == {"concealment": True}
    assert facts_of({"f.concealment": ["false"]}, wanzhou) == {"concealment": False}
    assert facts_of({"f.concealment": ["unknown"]}, wanzhou) == {"concealment": "unknown"}
    assert facts_of({"f.concealment": ["不明"]}, wanzhou) == {"concealment": "不明"}
    assert facts_of({"f.concealment": ["~"]}, wanzhou) == {"concealment": None}
    assert facts_of({"f.concealment": [""]}, wanzhou) == {}  # 未填: left out, presumed


def test_enum_fact(wanzhou: Ruleset) -> None:
    assert facts_of({"f.motive": ["public"]}, wanzhou) == {"motive": "public"}
    assert facts_of({"f.motive": ["unknown"]}, wanzhou) == {"motive": "unknown"}
    assert facts_of({"f.motive": [""]}, wanzhou) == {}
    # a value the ruleset does not declare is kept, for the case check to refuse it
    assert facts_of({"f.motive": ["greed"]}, wanzhou) == {"motive": "greed"}


def test_multiple_enum_fact(wanzhou: Ruleset) -> None:
    two = {"f.work_area": ["reform_pilot", "legacy_problem"]}
    assert facts_of(two, wanzhou) == {"work_area": ["reform_pilot", "legacy_problem"]}
    assert facts_of({"f.work_area": ["other"]}, wanzhou) == {"work_area": ["other"]}
    one = {"f.work_area": ["other"], "shape.work_area": ["one"]}
    assert facts_of(one, wanzhou) == {"work_area": "other"}  # as a loaded case wrote it
    unknown = {"f.work_area": ["other"], "u.work_area": ["unknown"]}
    assert facts_of(unknown, wanzhou) == {"work_area": "unknown"}  # 不明 wins over boxes
    assert facts_of({}, wanzhou) == {}
    kept = {"f.work_area": ["reform_pilot", "other"], "order.work_area": ["other,reform_pilot"]}
    assert facts_of(kept, wanzhou) == {"work_area": ["other", "reform_pilot"]}


def test_number_fact(wanzhou: Ruleset) -> None:
    assert facts_of({"f.loss_yuan": ["0"]}, wanzhou) == {"loss_yuan": 0}
    assert facts_of({"f.loss_yuan": ["1,200,000"]}, wanzhou) == {"loss_yuan": 1_200_000}
    got = facts_of({"f.loss_recovered_ratio": ["0.5"]}, wanzhou)
    assert got == {"loss_recovered_ratio": 0.5}
    whole = facts_of({"f.loss_recovered_ratio": ["1.0"]}, wanzhou)["loss_recovered_ratio"]
    assert isinstance(whole, float)  # 1.0 stays a float (the case's hash tells 1 from 1.0)
    assert facts_of({"f.loss_yuan": ["  "]}, wanzhou) == {}
    assert facts_of({"f.loss_yuan": [""], "u.loss_yuan": ["unknown"]}, wanzhou) == {
        "loss_yuan": "unknown"
    }
    assert facts_of({"f.loss_yuan": ["许多"]}, wanzhou) == {"loss_yuan": "许多"}
    assert facts_of({"f.loss_yuan": ["inf"]}, wanzhou) == {"loss_yuan": "inf"}


def test_a_number_that_is_not_one_is_refused_by_the_case_check(
    engine: rongcuo.Engine, wanzhou: Ruleset
) -> None:
    data = to_case({**HEAD, "f.loss_yuan": ["许多"]}, wanzhou)
    with pytest.raises(rongcuo.CaseError) as err:
        engine.evaluate(data, ruleset="wanzhou")
    assert [d.location.path for d in err.value.diagnostics] == [("facts", "loss_yuan")]


def test_date_and_text_facts(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        LOCAL_HEAD
        + "facts:\n"
        + "  - {id: reported_on, type: date, label: 报告日期, looks: [procedure_method]}\n"
        + "  - {id: remark, type: text, label: 备注}\n",
    )
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as e:
        rs = e.ruleset("local", dt.date(2024, 3, 18))
        values: Values = {"f.reported_on": ["2024-03-19"], "f.remark": ["第一行\r\n第二行"]}
        facts = facts_of(values, rs)
        assert facts == {"reported_on": "2024-03-19", "remark": "第一行\n第二行"}
        assert facts_of({"u.reported_on": ["不明"], "f.remark": [""]}, rs) == {
            "reported_on": "不明"
        }
        form = build_form(rs, values)
        shown = {f.id: f for g in form.groups for f in g.facts}
        assert shown["reported_on"].control == "date"
        assert shown["remark"].control == "text"
        assert [g.id for g in form.groups][-1] == "other"  # the fact of no look comes last
        assert "remark" in {f.id for f in form.groups[-1].facts}
        decision = e.evaluate(to_case({**HEAD, **values}, rs), ruleset="local")
        assert decision.case.id == "T-1"


def test_header_cadre_rows_and_claims(wanzhou: Ruleset) -> None:
    values: Values = {
        **HEAD,
        "narrative": ["第一段\r\n第二段"],
        "cadre.name": ["张某"],
        "cadre.unit": [""],
        "claim": ["pilot_reform_deviation"],
        "procedure.accepted": ["2024-05-01"],
        "al.0.id": ["A1"],
        "al.0.summary": ["反映收受礼品"],
        "al.0.finding": ["untrue"],
        "al.0.signed": ["true"],
        "al.0.informed": [""],
        "al.0.spread": ["unit"],
        "al.0.when": ["2024-06-01"],
        "al.1.id": [""],
        "al.1.summary": [""],
        "al.1.finding": [""],
        "ev.0.id": ["E1"],
        "ev.0.title": ["会议纪要"],
        "ev.0.supports": ["collective_decision，collective_decision_required"],
        "co.0.what": ["调整方案"],
        "co.0.due": [""],
    }
    case = to_case(values, wanzhou)
    assert case["narrative"] == "第一段\n第二段"
    assert case["cadre"] == {"name": "张某"}
    assert case["claimed_situations"] == ["pilot_reform_deviation"]
    assert case["procedure"] == {"accepted": "2024-05-01"}
    assert case["allegations"] == [
        {
            "id": "A1",
            "summary": "反映收受礼品",
            "finding": "untrue",
            "reporter": {"signed": True},
            "spread": "unit",
            "concluded_on": "2024-06-01",
        }
    ]  # the empty second row is not an allegation
    assert case["evidence"] == [
        {
            "id": "E1",
            "title": "会议纪要",
            "supports": ["collective_decision", "collective_decision_required"],
        }
    ]
    assert case["corrections"] == [{"what": "调整方案"}]
    assert "facts" not in case
    parse_case(case, CaseSource("t"))  # a valid case envelope


def test_an_empty_form_is_an_empty_case(wanzhou: Ruleset) -> None:
    assert to_case({}, wanzhou) == {}
    assert to_case({"csrf": ["x"], "as_of": ["2025-01-06"], "more": ["al"]}, wanzhou) == {}


def test_the_form_groups_facts_under_their_first_look(wanzhou: Ruleset) -> None:
    form = build_form(wanzhou, {})
    looks = [g.id for g in form.groups]
    assert looks[:6] == list(wanzhou.looks)
    seen = [f.id for g in form.groups for f in g.facts]
    assert len(seen) == len(set(seen))  # each fact once
    # computed and allegation facts are not asked among the facts
    assert "allegations_struck" not in seen and "allegation_finding" not in seen
    assert "cadre_consents_to_clearing" in {f.id for f in form.groups[-1].facts}
    by_id = {f.id: (g.id, f) for g in form.groups for f in g.facts}
    # intent informs motive_attitude and nature_degree: shown under the first
    assert by_id["intent"][0] == "motive_attitude"
    intent = by_id["intent"][1]
    assert intent.control == "radio" and intent.empty
    assert [c.label for c in intent.choices] == ["过失", "故意"]
    assert intent.presumptions == ("过失（案件材料未载明当事人系故意，按过失认定）",)
    assert by_id["work_area"][1].control == "checkbox"
    loss = by_id["loss_yuan"][1]
    assert (loss.control, loss.unit, loss.bounds) == ("number", "元", "不小于 0元")
    assert by_id["loss_recovered_ratio"][1].bounds == "不小于 0，不大于 1"
    assert by_id["motive"][1].presumptions == ()  # no presumption: must be stated
    assert len(form.allegations) == len(form.evidence) == len(form.corrections) == 1
    more = build_form(wanzhou, {}, {"al": 2})
    assert len(more.allegations) == 3
    assert [c.value for c in form.claims][:1] == [wanzhou.rules_of("situation")[0].id]


def test_a_filled_form_shows_what_was_submitted(wanzhou: Ruleset) -> None:
    values: Values = {"f.motive": ["不明"], "f.concealment": ["false"], "u.loss_yuan": ["~"]}
    form = build_form(wanzhou, values)
    by_id = {f.id: f for g in form.groups for f in g.facts}
    assert by_id["motive"].unknown and by_id["motive"].unknown_token == "不明"
    assert not by_id["motive"].empty
    assert [c.checked for c in by_id["concealment"].choices] == [False, True]
    assert by_id["loss_yuan"].unknown and by_id["loss_yuan"].unknown_token == "~"
    assert by_id["collusion"].empty


def test_ordered_keeps_the_loaded_order_then_the_form_order() -> None:
    assert ordered(["a", "b", "c"], "c,a") == ["c", "a", "b"]
    assert ordered(["a", "b"], "") == ["a", "b"]
    assert ordered(["a", "a"], "x,a") == ["a"]


@pytest.mark.parametrize("path", ALL_EXAMPLES, ids=lambda p: p.name)
def test_every_example_round_trips_through_the_form(engine: rongcuo.Engine, path: Path) -> None:
    case, _ = engine.load_case(path)
    rid = ruleset_of(path)
    rs = engine.ruleset(rid, case.conduct_until or case.incident_date)
    values = from_case(case.model_dump(mode="json"), rs)
    back = parse_case(to_case(values, rs), CaseSource("form"))
    assert back.content_hash() == case.content_hash()
    # and the form shows it: every stated fact is filled, none left as 未填
    form = build_form(rs, values)
    empty = {f.id for g in form.groups for f in g.facts if f.empty}
    assert not empty & set(case.facts)


def test_a_case_with_every_new_field_round_trips(engine: rongcuo.Engine, wanzhou: Ruleset) -> None:
    """cadre.id, the sanctions (one mapping or a list), the accountability body and the
    managing department are form fields (not the hidden kept field) and come back the same."""
    sanctions: list[dict[str, Any]] = [
        {"kind": "party_probation", "decided_on": "2024-01-31", "months": 24},
        {"kind": "removed_from_office", "decided_on": "2024-02-29"},
    ]
    case: dict[str, Any] = {
        **{k: v[0] for k, v in HEAD.items()},
        "cadre": {"name": "王某", "id": "cadre-7"},
        "sanction": sanctions,
        "accountability_body": {"kind": "organisation_department", "name": "中共某县委组织部"},
        "managing_department": "中共某市委组织部",
        "allegations": [
            {
                "id": "A1",
                "summary": "反映的问题",
                "finding": "untrue",
                "reporter": {"name": "李某"},
            },
            {"id": "A2", "summary": "另一问题", "finding": "untrue", "reporter": {"signed": False}},
        ],
    }
    model = parse_case(case, CaseSource("t"))
    values = from_case(model.model_dump(mode="json"), wanzhou)
    assert "kept" not in values
    assert values["cadre.id"] == ["cadre-7"] and values["sa.0.months"] == ["24"]
    assert values["body.kind"] == ["organisation_department"]
    assert values["managing_department"] == ["中共某市委组织部"]
    assert values["al.0.reporter_name"] == ["李某"] and "al.1.reporter_name" not in values
    back = parse_case(to_case(values, wanzhou), CaseSource("form"))
    assert back.content_hash() == model.content_hash()
    form = build_form(wanzhou, values)
    assert [r["kind"] for r in form.sanctions] == ["party_probation", "removed_from_office", ""]
    assert any(c.value == "party_probation" for c in form.sanction_kinds)
    # one mapping, as a case file may write a single sanction, reads the same
    single = from_case({**case, "sanction": sanctions[1]}, wanzhou)
    assert single["sa.0.kind"] == ["removed_from_office"] and "sa.1.kind" not in single


def test_a_sanction_row_left_half_filled_goes_to_the_case_check(wanzhou: Ruleset) -> None:
    got = to_case({**HEAD, "sa.0.kind": ["gov_warning"], "sa.0.months": ["x"]}, wanzhou)
    assert got["sanction"] == [{"kind": "gov_warning", "months": "x"}]
    assert to_case({**HEAD, "sa.0.kind": [""], "sa.0.decided_on": [""]}, wanzhou) == {
        "id": "T-1",
        "title": "测试案件",
        "incident_date": "2024-03-18",
    }
    assert to_case({**HEAD, "body.name": ["某委"]}, wanzhou)["accountability_body"] == {
        "name": "某委"
    }
