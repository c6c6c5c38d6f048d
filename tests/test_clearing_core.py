"""Clearing names (澄清正名, catalogue §10 and §7 step 0): the allegations of a case file, the
clearing rules evaluated once for each allegation, outcome ``cleared``, and the errors of case
files and rulesets that use them."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.api import durable_installed
from rongcuo.authoring.diff import diff
from rongcuo.cli import main
from rongcuo.engine.durable.rails import INTERNAL_MARK

from .conftest import (
    BACKENDS,
    EXAMPLES,
    LOCAL_HEAD,
    ROOT,
    WriteRuleset,
    expected_outcome,
    requires_durable,
    ruleset_of,
)

AS_OF = dt.date(2025, 6, 1)


@pytest.fixture(params=BACKENDS)
def both(request: pytest.FixtureRequest) -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend=request.param) as e:
        yield e


@pytest.fixture(scope="module")
def ref() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


def allegation(finding: str, aid: str = "A1", **fields: Any) -> dict[str, Any]:
    return {"id": aid, "summary": f"反映的问题 {aid}", "finding": finding, **fields}


def case(*allegations: dict[str, Any], consent: bool | None = True, **facts: Any) -> dict[str, Any]:
    """A case file of only allegations, with the cadre's consent unless ``consent`` is None."""
    stated: dict[str, Any] = dict(facts)
    if consent is not None:
        stated["cadre_consents_to_clearing"] = consent
    data: dict[str, Any] = {
        "id": "CL-1",
        "title": "举报问题核查",
        "incident_date": "2025-03-10",
        "facts": stated,
    }
    if allegations:
        data["allegations"] = list(allegations)
    return data


def decide(
    engine: rongcuo.Engine, data: dict[str, Any], ruleset: str = "national"
) -> rongcuo.Decision:
    return engine.evaluate(data, ruleset=ruleset, as_of=AS_OF)


def clearing_of(d: rongcuo.Decision) -> list[Any]:
    """The allegations of ``d``'s clearing section (which a case with allegations has)."""
    assert d.clearing is not None
    return list(d.clearing.allegations)


def ids(items: Any) -> list[str]:
    return [x.id for x in items]


# --- cleared --------------------------------------------------------------------------------


def test_one_fabricated_allegation_with_consent_is_cleared(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("fabricated")))
    assert d.outcome == "cleared"
    assert d.deciding_rule == "order_cleared"
    assert d.outcome_label == "举报失实，不予问责，予以澄清正名"
    assert d.clearing is not None and d.clearing.all_struck == "true"
    (a,) = d.clearing.allegations
    assert (a.id, a.finding, a.finding_label) == ("A1", "fabricated", "诬告陷害")
    assert a.struck == "true"
    assert a.clearing == "clear" and a.pending == []
    # kind and spread presumed (catalogue §10), and listed as presumed for the allegation
    assert a.kind is not None and a.kind.id == "fa_other"
    assert a.spread == "unit" and a.spread_label == "本单位"
    assert {"allegation_kind", "allegation_spread"} <= set(ids(a.presumed))
    assert ids(a.methods) == ["cl_written", "cl_meeting"]
    assert [m.label for m in a.methods] == ["书面澄清", "会议澄清"]
    assert ids(a.reporter.handlings) == ["referred"]
    assert "谁核实谁澄清" in a.by
    assert a.deadline is not None
    assert (a.deadline.working_days, a.deadline.param) == (15, "clearing_days")
    assert a.deadline.starts_on is None


def test_a_stated_kind_and_conclusion_date_are_carried(both: rongcuo.Engine) -> None:
    item = allegation("fabricated", kind="fa_unmet_improper_demand", concluded_on="2025-05-20")
    (a,) = clearing_of(decide(both, case(item)))
    assert a.kind is not None and a.kind.id == "fa_unmet_improper_demand"
    assert a.kind.label == "不正当诉求未满足而诬告"
    assert "allegation_kind" not in ids(a.presumed)
    assert a.deadline is not None and a.deadline.starts_on == "2025-05-20"


@pytest.mark.parametrize(
    ("spread", "methods", "labels"),
    [
        ("unit", ["cl_written", "cl_meeting"], ["书面澄清", "会议澄清"]),
        (
            "locality",
            ["cl_written", "cl_bulletin", "cl_letter_to_unit"],
            ["书面澄清", "通报澄清", "向所在单位党委（党组）主要负责人发函说明"],
        ),
        (
            "online",
            ["cl_written", "cl_letter_to_unit", "cl_public_notice"],
            ["书面澄清", "向所在单位党委（党组）主要负责人发函说明", "发布澄清公告"],
        ),
        (
            "public",
            ["cl_written", "cl_letter_to_unit", "cl_public_notice"],
            ["书面澄清", "向所在单位党委（党组）主要负责人发函说明", "发布澄清公告"],
        ),
    ],
)
def test_methods_follow_the_spread(
    both: rongcuo.Engine, spread: str, methods: list[str], labels: list[str]
) -> None:
    (a,) = clearing_of(decide(both, case(allegation("untrue", spread=spread))))
    assert sorted(ids(a.methods)) == sorted(methods)
    assert sorted(m.label for m in a.methods) == sorted(labels)
    assert "allegation_spread" not in ids(a.presumed)


@pytest.mark.parametrize(
    ("finding", "signed", "informed", "handlings", "feedback_method"),
    [
        ("fabricated", None, None, ["referred"], False),
        ("fabricated", True, False, ["referred"], False),
        ("mistaken", None, None, ["educated"], False),
        ("mistaken", True, False, ["educated", "feedback"], True),
        ("untrue", None, None, ["closed"], False),
        ("untrue", True, None, ["closed", "feedback"], True),
        ("untrue", True, True, ["closed"], False),  # already told: no second feedback
        ("untrue", False, None, ["closed"], False),
    ],
)
def test_what_becomes_of_the_reporter(
    both: rongcuo.Engine,
    finding: str,
    signed: bool | None,
    informed: bool | None,
    handlings: list[str],
    feedback_method: bool,
) -> None:
    reporter = {k: v for k, v in (("signed", signed), ("informed", informed)) if v is not None}
    item = allegation(finding)
    if reporter:
        item["reporter"] = reporter
    d = decide(both, case(item))
    assert d.outcome == "cleared"
    (a,) = clearing_of(d)
    assert sorted(ids(a.reporter.handlings)) == sorted(handlings)
    assert a.reporter.signed is bool(signed) and a.reporter.informed is bool(informed)
    # a signed reporter is told the result, except of a report found fabricated
    assert ("cl_feedback_to_reporter" in ids(a.methods)) is feedback_method


def test_a_bare_fabricated_allegation_lists_no_presumed_conduct(both: rongcuo.Engine) -> None:
    """Presumptions reached only through ``established`` are not listed: the cadre's conduct
    was never examined, because the allegation about it was fabricated (a deliberate choice)."""
    d = decide(both, case(allegation("fabricated")))
    assert d.outcome == "cleared"
    assert d.presumed == []
    assert d.missing_facts == []


# --- consent ---------------------------------------------------------------------------------


def test_unstated_consent_leaves_the_clearing_pending(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("untrue"), consent=None))
    assert d.outcome == "cleared" and d.deciding_rule == "order_cleared"
    (a,) = clearing_of(d)
    assert a.struck == "true"
    assert a.clearing == "pending"
    assert ids(a.pending) == ["cadre_consents_to_clearing"]
    assert "cadre_consents_to_clearing" not in ids(d.missing_facts)


def test_refused_consent_is_not_cleared_but_the_outcome_is(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("untrue"), consent=False))
    assert d.outcome == "cleared"
    (a,) = clearing_of(d)
    assert a.struck == "true"
    assert a.clearing == "not_cleared"
    assert a.methods == [] and a.pending == []
    assert ids(a.reporter.handlings) == ["closed"]


# --- struck and not struck --------------------------------------------------------------------


def test_partly_substantiated_is_not_struck_but_its_untrue_part_is_cleared(
    both: rongcuo.Engine,
) -> None:
    d = decide(both, case(allegation("partly_substantiated")))
    assert d.outcome != "cleared" and d.deciding_rule != "order_cleared"
    assert d.clearing is not None and d.clearing.all_struck == "false"
    (a,) = d.clearing.allegations
    assert a.struck == "false"
    assert a.clearing == "clear"
    assert "cl_written" in ids(a.methods)
    assert a.kind is None


def test_a_substantiated_allegation_beside_a_struck_one(both: rongcuo.Engine) -> None:
    d = decide(
        both,
        case(
            allegation("substantiated", "A1"),
            allegation("fabricated", "A2", spread="online"),
        ),
    )
    assert d.outcome != "cleared"
    assert d.clearing is not None and d.clearing.all_struck == "false"
    by_id = {a.id: a for a in d.clearing.allegations}
    assert (by_id["A1"].struck, by_id["A1"].clearing) == ("false", "not_cleared")
    assert by_id["A1"].methods == []
    # the decision still carries the clearing of the struck one
    assert (by_id["A2"].struck, by_id["A2"].clearing) == ("true", "clear")
    assert "cl_public_notice" in ids(by_id["A2"].methods)
    assert ids(by_id["A2"].reporter.handlings) == ["referred"]


def test_an_open_allegation_keeps_the_matter_insufficient(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("untrue", "A1"), allegation("unknown", "B2")))
    assert d.outcome == "insufficient_facts"
    missing = {m.id: m for m in d.missing_facts}
    assert "allegations_struck" in missing
    assert "B2" in missing["allegations_struck"].question
    assert "A1" not in missing["allegations_struck"].question
    by_id = {a.id: a for a in clearing_of(d)}
    assert by_id["B2"].struck == "unknown"
    assert "allegation_finding" in ids(by_id["B2"].pending)
    assert by_id["A1"].struck == "true"


def test_a_lone_open_allegation_asks_for_its_finding(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("unknown", "X7"), consent=None))
    assert d.outcome == "insufficient_facts"
    assert "cleared" in d.possible_outcomes
    missing = {m.id: m for m in d.missing_facts}
    assert "（尚未查清：X7）" in missing["allegations_struck"].question
    assert missing["allegations_struck"].stated_unknown is True
    assert d.clearing is not None and d.clearing.all_struck == "unknown"


def test_an_empty_allegations_list_is_no_allegation(both: rongcuo.Engine) -> None:
    data = case(consent=None, concealment=True)
    with_empty = {**data, "allegations": []}
    a, b = decide(both, data), decide(both, with_empty)
    assert a.to_json() == b.to_json()
    assert b.clearing is None and "clearing" not in json.loads(b.to_json())


def test_an_open_allegation_does_not_matter_when_the_facts_decide(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("unknown"), concealment=True))
    assert d.outcome == "not_tolerate"
    assert "allegations_struck" not in ids(d.missing_facts)


def test_an_established_exclusion_defeats_clearing(both: rongcuo.Engine) -> None:
    d = decide(both, case(allegation("untrue"), concealment=True))
    assert d.outcome == "not_tolerate" and d.deciding_rule == "order_exclusion"
    assert d.clearing is not None and d.clearing.all_struck == "true"


PILOT: dict[str, Any] = {
    "work_area": "reform_pilot",
    "motive": "public",
    "collective_decision_required": True,
    "collective_decision": True,
    "loss_yuan": 0,
    "remedial_action": True,
}


def test_an_established_situation_defeats_clearing(both: rongcuo.Engine) -> None:
    """A situation established by the stated facts is a mistake to tolerate: steps 1–6 decide."""
    d = decide(both, case(allegation("untrue"), **PILOT), ruleset="wanzhou")
    assert d.outcome == "tolerate"
    assert d.deciding_rule != "order_cleared"
    assert d.clearing is not None and d.clearing.all_struck == "true"


@pytest.mark.parametrize("path", EXAMPLES[::6], ids=lambda p: p.stem)
def test_a_case_without_allegations_decides_as_before(path: Path, ref: rongcuo.Engine) -> None:
    d = ref.evaluate(path, ruleset=ruleset_of(path))
    assert d.outcome == expected_outcome(path)
    assert d.clearing is None
    assert "clearing" not in json.loads(d.to_json())


# --- both backends, same bytes -----------------------------------------------------------------

SAME = {
    "cleared": case(allegation("fabricated", reporter={"signed": True}, spread="online")),
    "pending": case(allegation("mistaken", spread="locality"), consent=None),
    "refused": case(allegation("untrue"), consent=False),
    "partly": case(allegation("partly_substantiated")),
    "mixed": case(allegation("substantiated", "A1"), allegation("untrue", "A2")),
    "open": case(allegation("unknown", "A1"), allegation("fabricated", "A2")),
    "exclusion": case(allegation("unknown"), concealment=True),
}


@requires_durable
@pytest.mark.parametrize("name", SAME)
def test_durable_and_reference_give_the_same_decision(name: str, ref: rongcuo.Engine) -> None:
    with rongcuo.Engine(backend="durable") as durable:
        a = json.loads(decide(durable, SAME[name]).to_json())
    b = json.loads(decide(ref, SAME[name]).to_json())
    # the same decision, but for the name and version of the engine that made it
    assert a.pop("engine")["name"] == "durable_rules"
    assert b.pop("engine")["name"] == "reference"
    assert a == b


@pytest.mark.parametrize("name", SAME)
def test_the_same_case_twice_gives_the_same_bytes(name: str, both: rongcuo.Engine) -> None:
    assert decide(both, SAME[name]).to_json() == decide(both, SAME[name]).to_json()


# --- case-file errors ----------------------------------------------------------------------------


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout + result.stderr


def write_case(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    head = "id: E-1\ntitle: 举报问题核查\nincident_date: 2025-03-10\n"
    path.write_text(head + textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


CASE_ERRORS = {
    "unknown-finding": (
        "allegations:\n  - {id: A1, summary: x, finding: fabricatd}\n",
        "RC204",
        5,
        "allegations[0].finding",
        "fabricated",
    ),
    "unknown-spread": (
        "allegations:\n  - {id: A1, summary: x, finding: untrue, spread: web}\n",
        "RC204",
        5,
        "allegations[0].spread",
        "online",
    ),
    "kind-not-fabricated": (
        "allegations:\n  - id: A1\n    summary: x\n    finding: untrue\n    kind: fa_other\n",
        "RC213",
        None,
        "allegations[0]",
        "诬告陷害的种类（kind）",
    ),
    "unknown-kind": (
        "allegations:\n  - {id: A1, summary: x, finding: fabricated, kind: fa_othr}\n",
        "RC204",
        5,
        "allegations[0].kind",
        "fa_other",
    ),
    "duplicate-id": (
        "allegations:\n  - {id: A1, summary: x, finding: untrue}\n"
        "  - {id: A1, summary: y, finding: mistaken}\n",
        "RC214",
        6,
        "allegations[1].id",
        "A1",
    ),
    "finding-under-facts": (
        "facts:\n  allegation_finding: untrue\n",
        "RC215",
        5,
        "facts.allegation_finding",
        "allegations",
    ),
    "struck-under-facts": (
        "facts:\n  allegations_struck: true\n",
        "RC215",
        5,
        "facts.allegations_struck",
        "allegations",
    ),
    "concluded-before-incident": (
        "allegations:\n  - {id: A1, summary: x, finding: untrue, concluded_on: 2020-01-02}\n",
        "RC220",
        5,
        "allegations[0].concluded_on",
        "核对两个日期",
    ),
    "reporter-unknown-key": (
        "allegations:\n  - {id: A1, summary: x, finding: untrue, reporter: {signed: true, named: true}}\n",
        "RC003",
        5,
        "allegations[0].reporter.named",
        "informed",
    ),
}


@pytest.mark.parametrize("name", CASE_ERRORS)
def test_case_file_errors_are_located_and_bilingual(tmp_path: Path, name: str) -> None:
    text, code, line, field, hint = CASE_ERRORS[name]
    path = write_case(tmp_path, text)
    exit_code, out = run("evaluate", str(path), "--ruleset", "national", "--backend", "reference")
    assert exit_code == 1
    assert "Traceback" not in out
    where = f"{path.name}:{line}:" if line is not None else f"{path.name}:"
    assert where in out and f"error {code} [" in out
    assert f"[{field}" in out
    assert hint in out
    assert "错误" in out and "error(s)" in out
    # one message in Chinese, one in English
    lines = out.splitlines()
    first = next(i for i, s in enumerate(lines) if f"error {code}" in s)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in lines[first + 1])
    assert lines[first + 2].isascii()


def test_the_api_raises_a_case_error_for_a_repeated_id(ref: rongcuo.Engine) -> None:
    data = case(allegation("untrue", "A1"), allegation("mistaken", "A1"))
    with pytest.raises(rongcuo.CaseError) as err:
        decide(ref, data)
    assert [d.code for d in err.value.diagnostics] == ["RC214"]


# A ruleset of its own, without national: no clearing rules.
STANDALONE = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
documents:
  - {id: doc, title: 测试文件}
outcomes:
  - {id: tolerate, label: 予以容错}
  - {id: mitigate, label: 从轻减轻}
  - {id: not_tolerate, label: 不予容错}
  - {id: insufficient_facts, label: 事实不清}
  - {id: refer, label: 提请集体研究}
facts:
  - {id: bribe, type: bool, label: 受贿}
  - {id: pilot, type: bool, label: 试点}
rules:
  - id: pilot_ok
    kind: situation
    label: 试点
    when: {fact: pilot, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: bribery
    kind: exclusion
    label: 受贿
    when: {fact: bribe, eq: true}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: order_exclusion
    kind: outcome
    step: 1
    outcome: not_tolerate
    label: 存在不予容错情形
    when: {any_rule: exclusion}
    cite: {doc: doc, clause: 第三条, text: 原文}
  - id: order_tolerate
    kind: outcome
    step: 2
    outcome: tolerate
    label: 符合容错情形
    when: {any_rule: situation}
    cite: {doc: doc, clause: 第三条, text: 原文}
  - id: order_none
    kind: outcome
    step: 3
    outcome: not_tolerate
    label: 不符合容错情形
    when:
      not: {any_rule: situation}
    cite: {doc: doc, clause: 第三条, text: 原文}
"""


def test_allegations_under_a_ruleset_without_clearing_rules(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", STANDALONE)
    assert [d.code for d in rongcuo.check("local", paths=[tmp_path / "rulesets"])] == []
    path = write_case(
        tmp_path,
        "facts: {bribe: false, pilot: true}\n"
        "allegations:\n  - {id: A1, summary: x, finding: untrue}\n",
    )
    folder = str(tmp_path / "rulesets" / "local")
    code, out = run("evaluate", str(path), "--ruleset", folder, "--backend", "reference")
    assert code == 1 and "Traceback" not in out
    assert f"{path.name}:5:" in out and "error RC215 [allegations]" in out
    assert "没有澄清正名规则" in out and "has no clearing rules" in out
    # without allegations the same ruleset decides
    path.write_text(path.read_text("utf-8").split("allegations:")[0], encoding="utf-8")
    code, out = run("evaluate", str(path), "--ruleset", folder, "--backend", "reference")
    assert code == 0


# --- ruleset check ----------------------------------------------------------------------------

RULE = """
rules:
  - id: {rid}
    kind: {kind}
{extra}    label: 测试规则
    when: {when}
    cite: {{doc: doc, clause: 第一条, text: 原文}}
"""


def rule(rid: str, kind: str, when: str, extra: str = "") -> str:
    return RULE.format(rid=rid, kind=kind, when=when, extra=extra)


def codes(tmp_path: Path, write_ruleset: WriteRuleset, text: str) -> list[tuple[str, int]]:
    write_ruleset("local", "1", text)
    diags = rongcuo.check("local", paths=[tmp_path / "rulesets"])
    for d in diags:
        assert d.message_zh and d.message_en
    return [(d.code, d.location.line) for d in diags if d.severity == "error"]


CHECK_ERRORS = {
    # a main rule reads an allegation fact
    "main-reads-allegation-fact": (
        rule("local_sit", "situation", "{fact: allegation_finding, eq: fabricated}"),
        "RC160",
    ),
    # a clearing rule reads the decision order's rule
    "clearing-reads-main-rule": (
        rule(
            "method_extra",
            "clearing_method",
            "{rule: force_majeure_after_due_diligence}",
            "    method: cl_face_to_face\n",
        ),
        "RC160",
    ),
    # a main rule reads a clearing rule
    "main-reads-clearing-rule": (
        rule("local_sit", "situation", "{rule: clear_untrue_part}"),
        "RC160",
    ),
    # a clearing rule reads the computed fact
    "clearing-reads-computed": (
        rule(
            "method_extra",
            "clearing_method",
            "{fact: allegations_struck, eq: true}",
            "    method: cl_face_to_face\n",
        ),
        "RC160",
    ),
    "method-not-declared": (
        rule(
            "method_extra",
            "clearing_method",
            "{rule: clear_untrue_part}",
            "    method: cl_face_to_fac\n",
        ),
        "RC161",
    ),
    "handling-not-declared": (
        rule(
            "handling_extra",
            "reporter_handling",
            "{fact: allegation_finding, eq: fabricated}",
            "    handling: punished\n",
        ),
        "RC161",
    ),
    "negative-step": (
        rule(
            "order_x",
            "outcome",
            "{fact: allegations_struck, eq: true}",
            "    step: -1\n    outcome: cleared\n",
        ),
        "RC115",
    ),
    "established-with-another-form": (
        rule(
            "order_x",
            "outcome",
            "{established: {any_rule: exclusion}, not: {any_rule: situation}}",
            "    step: 0\n    outcome: cleared\n",
        ),
        "RC005",
    ),
    "established-beside-a-comparison": (
        rule(
            "order_x",
            "outcome",
            "{not: {established: {any_rule: exclusion}, fact: emergency, eq: true}}",
            "    step: 0\n    outcome: cleared\n",
        ),
        "RC005",
    ),
}


@pytest.mark.parametrize("name", CHECK_ERRORS)
def test_ruleset_check_errors(tmp_path: Path, write_ruleset: WriteRuleset, name: str) -> None:
    text, code = CHECK_ERRORS[name]
    found = codes(tmp_path, write_ruleset, LOCAL_HEAD + text)
    assert code in [c for c, _ in found], found
    assert all(line > 0 for _, line in found)


def test_the_rc161_hint_suggests_the_declared_method(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = LOCAL_HEAD + CHECK_ERRORS["method-not-declared"][0]
    write_ruleset("local", "1", text)
    (d,) = rongcuo.check("local", paths=[tmp_path / "rulesets"])
    assert d.code == "RC161" and "cl_face_to_face" in d.hint


def test_a_local_ruleset_adds_a_kind_in_its_clearing_block(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    """Catalogue §10: each ruleset "adds its own" — a kind declared in clearing.kinds becomes a
    value of allegation_kind (no restated fact, no RC162)."""
    text = LOCAL_HEAD + "clearing:\n  kinds:\n    - {id: fa_local, label: 本地种类}\n"
    assert codes(tmp_path, write_ruleset, text) == []
    engine = rongcuo.Engine([tmp_path / "rulesets"], backend="reference")
    decl = engine.ruleset("local", dt.date(2025, 3, 10)).facts["allegation_kind"]
    assert ("fa_local", "本地种类") in decl.values


def test_step_0_and_established_are_accepted(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    when = (
        "\n      all:\n        - {fact: allegations_struck, eq: true}\n"
        "        - not: {established: {fact: emergency, eq: true}}"
    )
    text = LOCAL_HEAD + rule("order_x", "outcome", when, "    step: 0\n    outcome: cleared\n")
    assert codes(tmp_path, write_ruleset, text) == []


def test_a_clearing_rule_may_add_a_declared_method(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    extra = "    method: cl_face_to_face\n"
    text = LOCAL_HEAD + rule("method_extra", "clearing_method", "{rule: clear_untrue_part}", extra)
    assert codes(tmp_path, write_ruleset, text) == []
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as e:
        (a,) = clearing_of(decide(e, case(allegation("untrue")), "local"))
    assert "cl_face_to_face" in ids(a.methods)


def test_clearing_rules_without_their_facts_and_block_rc164(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    strike = rule("strike_x", "strike", "{fact: bribe, eq: false}").replace("rules:\n", "")
    found = codes(tmp_path, write_ruleset, STANDALONE + strike)
    assert [c for c, _ in found].count("RC164") == 2


FINDING_FACTS = """\
  - {id: allegation_finding, type: enum, scope: allegation, label: 核查结论,
     values: {substantiated: 属实, untrue: 失实, invented: 编造}}
  - {id: allegations_struck, type: bool, computed: allegations_struck, label: 均予否定}
"""
CLEARING_BLOCK = """\
clearing:
  methods:
    - {id: cl_written, label: 书面澄清}
  handlings:
    - {id: closed, label: 了结}
"""


def test_the_finding_values_are_the_contract_s_rc165(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = STANDALONE.replace("facts:\n", "facts:\n" + FINDING_FACTS, 1)
    text = text.replace("rules:\n", CLEARING_BLOCK + "rules:\n", 1)
    text += rule("strike_x", "strike", "{fact: allegation_finding, eq: untrue}").replace(
        "rules:\n", ""
    )
    found = codes(tmp_path, write_ruleset, text)
    assert [c for c, _ in found] == ["RC165"]


def test_an_inherited_finding_cannot_be_restated_with_other_values(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = LOCAL_HEAD + (
        "facts:\n  # 本地核查结论\n"
        "  - {id: allegation_finding, type: enum, scope: allegation, label: 核查结论,\n"
        "     replaces: true, values: {substantiated: 属实, untrue: 失实}}\n"
    )
    found = [c for c, _ in codes(tmp_path, write_ruleset, text)]
    assert found and set(found) <= {"RC144", "RC165"}


# --- lint and diff -----------------------------------------------------------------------------


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_lint_finds_the_allegation_facts_read(rid: str, ref: rongcuo.Engine) -> None:
    facts = {
        "allegation_finding",
        "allegation_kind",
        "allegation_spread",
        "reporter_signed",
        "reporter_informed",
        "allegations_struck",
        "cadre_consents_to_clearing",
    }
    unread = [d for d in ref.lint(rid) if d.code == "RC505"]
    assert not [d for d in unread if any(f in d.message_en for f in facts)]


def test_diff_reports_a_changed_clearing_rule(tmp_path: Path) -> None:
    copy = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", copy, ignore=shutil.ignore_patterns("scenarios"))
    path = copy / "national" / "2019.yaml"
    text = path.read_text(encoding="utf-8")
    old = "{fact: allegation_spread, in: [online, public]}]}"
    assert text.count(old) == 1
    path.write_text(text.replace(old, old.replace("[online, public]", "[public]")), "utf-8")
    data = case(allegation("fabricated", spread="online"))
    file = tmp_path / "cl-online.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    report = diff([ROOT / "rulesets"], [copy], "wanzhou", [file], backend="reference")
    assert report.counts.errors == 0
    (pair,) = report.versions
    assert [(e.id, e.aspects) for e in pair.edits] == [("method_public_notice", ["condition"])]
    (c,) = report.cases
    assert (c.before.outcome, c.after.outcome) == ("cleared", "cleared")
    assert c.status == "grounds_changed"
    assert [r.group for r in c.reasons] == ["clearing"]
    assert "method_public_notice@A1" in c.reasons[0].text
    assert "成立 → 不成立" in c.reasons[0].text
    assert [r.id for r in c.rules] == ["method_public_notice@A1"]


LIFTED = """
disable: [order_cleared]
rules:
  - id: order_cleared_local
    kind: outcome
    step: 0
    outcome: cleared
    label: 举报问题均经查否，且未认定应急处置或谋私
    when:
      all:
        - {fact: allegations_struck, eq: true}
        - not: {established: {any: [{fact: emergency, eq: true}, {rule: private_gain}]}}
        - not: {established: {any_rule: situation}}
    cite: {doc: doc, clause: 第一条, text: 原文}
"""


@pytest.mark.parametrize(
    ("facts", "outcome"),
    [
        ({"emergency": True}, "not_tolerate"),
        ({"emergency": False}, "cleared"),
        ({"emergency": "unknown"}, "cleared"),
        ({}, "cleared"),
        ({"motive": "private_gain"}, "not_tolerate"),
    ],
)
def test_established_over_a_condition_decides_alike_on_both_backends(
    tmp_path: Path, write_ruleset: WriteRuleset, facts: dict[str, Any], outcome: str
) -> None:
    """``established`` of more than one rule is lifted into an internal rule by the compiler;
    both backends read it the same way, and it never shows in the decision."""
    write_ruleset("local", "1", LOCAL_HEAD + LIFTED)
    data = case(allegation("untrue"), consent=None, **facts)
    decisions = []
    for backend in ["reference", *(["durable"] if durable_installed() else [])]:
        with rongcuo.Engine([tmp_path / "rulesets"], backend=backend) as e:
            d = decide(e, data, "local")
        assert d.outcome == outcome
        assert INTERNAL_MARK not in d.to_json()
        body = json.loads(d.to_json())
        body.pop("engine")
        decisions.append(body)
    assert all(b == decisions[0] for b in decisions)
