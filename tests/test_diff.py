"""``rongcuo diff``: counts, transitions and the "why" of each changed case, in three views."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.authoring.diff import CaseDiff, DiffReport, condition_text, diff, open_revision
from rongcuo.authoring.scenario import CLEARED as SCENARIO_CLEARED
from rongcuo.cli import main

from .conftest import ROOT, WriteRuleset

BASE = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
extends: national
documents:
  - {id: doc, title: 测试办法}
facts:
  - {id: local_flag, type: bool, label: 本地事实}
rules:
  - id: local_emergency
    kind: situation
    label: 应急处置
    when: {fact: emergency, eq: true}
    cite: {doc: doc, clause: 第一条, text: 应急处置中出现失误的}
  - id: local_pilot
    kind: situation
    label: 改革试点
    when: {fact: in_reform_or_pilot, eq: true}
    cite: {doc: doc, clause: 第二条, text: 改革试点中出现失误的}
"""

# The edit: the emergency situation now also needs the public interest; the pilot situation
# cites another clause; a local exclusion for large losses is added; the national look on
# serious consequences is replaced with a local amount; art. 19 obstruction is disabled; the
# local fact is gone.
HEAD = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
extends: national
disable: [art19_obstruction]
documents:
  - {id: doc, title: 测试办法}
rules:
  - id: local_emergency
    kind: situation
    label: 应急处置
    when:
      all:
        - {fact: emergency, eq: true}
        - {fact: public_interest_served, eq: true}
    cite: {doc: doc, clause: 第一条, text: 应急处置中为维护群众利益出现失误的}
  - id: local_pilot
    kind: situation
    label: 改革试点
    when: {fact: in_reform_or_pilot, eq: true}
    cite: {doc: doc, clause: 第三条, text: 改革试点中出现失误的}
  - id: local_big_loss
    kind: exclusion
    label: 造成五十万元以上损失
    when: {fact: loss_yuan, gt: 500000}
    cite: {doc: doc, clause: 第四条, text: 造成五十万元以上损失的，不予容错}
  - id: look_consequences_serious
    kind: look
    replaces: true
    look: consequences_impact
    finding: unfavourable
    label: 社会影响较大以上、有安全或生态后果，或直接经济损失达五十万元以上
    when:
      any:
        - {fact: social_impact, in: [significant, severe]}
        - {fact: safety_or_eco_incident, in: [general, major]}
        - {fact: loss_yuan, ge: 500000}
    cite: {doc: doc, clause: 第五条, text: 看后果影响}
"""

# Every exclusion ruled out, every precondition met (the scenario library's baseline), and no
# situation of its own.
CLEARED: dict[str, Any] = {
    **SCENARIO_CLEARED,
    "risk_assessed": True,
    "reported_upward": True,
    "self_reported": True,
    "pursuing_development": True,
    "force_majeure": False,
    "higher_policy_changed": False,
    "market_change": False,
    "emergency": False,
    "public_interest_served": False,
    "in_reform_or_pilot": False,
    "no_precedent_or_unclear_rule": False,
    "loss_yuan": 0,
    "loss_recovered_ratio": 1,
}

CASES: dict[str, dict[str, Any]] = {
    # tolerate → mitigate: the emergency situation no longer holds, art. 18 decides
    "a-emergency": {"emergency": True},
    # mitigate both ways, on other grounds: order_mitigate → order_art18 (the cadre's own
    # loss, half recovered: stated, since a loss has no presumed cause and an external one
    # with remedy would tolerate)
    "b-emergency-partial": {
        "emergency": True,
        "loss_yuan": 100000,
        "loss_recovered_ratio": 0.5,
        "loss_cause": "self",
    },
    # tolerate both ways; only the pilot situation's clause changed: the memo cites another
    # clause for the situation it rests on, a change of grounds
    "c-pilot": {"in_reform_or_pilot": True},
    # tolerate → not_tolerate: the new exclusion
    "d-big-loss": {"in_reform_or_pilot": True, "loss_yuan": 600000},
    # the head no longer declares local_flag: an error on the head side only
    "e-flagged": {"in_reform_or_pilot": True, "local_flag": True},
}


def write_case(folder: Path, name: str, facts: dict[str, Any]) -> Path:
    data = {
        "id": name.upper(),
        "title": f"测试案件 {name}",
        "incident_date": "2024-05-01",
        "facts": {**CLEARED, **facts},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def setup(tmp_path: Path, write_ruleset: WriteRuleset) -> tuple[Path, Path, Path]:
    """(base rulesets folder, head rulesets folder, cases folder)."""
    write_ruleset("local", "1", BASE)
    base = tmp_path / "base"
    shutil.copytree(tmp_path / "rulesets", base / "rulesets")
    write_ruleset("local", "1", HEAD)
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, facts in CASES.items():
        write_case(cases, name, facts)
    (cases / "f-broken.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    (cases / "notes.txt").write_text("not a case", encoding="utf-8")
    return base / "rulesets", tmp_path / "rulesets", cases


@pytest.fixture
def report(setup: tuple[Path, Path, Path]) -> DiffReport:
    base, head, cases = setup
    return diff([base], [head], "local", cases, backend="reference")


def by_id(report: DiffReport) -> dict[str, CaseDiff]:
    return {c.case_id: c for c in report.cases}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


# --- the report as data ---------------------------------------------------------------------


def test_counts_and_transitions(report: DiffReport) -> None:
    assert report.summary() == "共 6 件，结论变化 2 件，理由变化 2 件，出错 2 件"
    assert report.counts.unchanged == 0
    assert [(t.before, t.after, t.count) for t in report.transitions] == [
        ("tolerate", "mitigate", 1),
        ("tolerate", "not_tolerate", 1),
    ]
    status = {c.case_id: c.status for c in report.cases}
    assert status == {
        "A-EMERGENCY": "outcome_changed",
        "B-EMERGENCY-PARTIAL": "grounds_changed",
        "C-PILOT": "grounds_changed",
        "D-BIG-LOSS": "outcome_changed",
        "E-FLAGGED": "error",
        "f-broken": "error",
    }
    assert report.any_change()


def test_why_a_situation_stopped_holding(report: DiffReport) -> None:
    case = by_id(report)["A-EMERGENCY"]
    assert (case.before.outcome, case.after.outcome) == ("tolerate", "mitigate")
    assert (case.before.deciding_rule, case.after.deciding_rule) == (
        "order_tolerate",
        "order_art18",
    )
    assert case.after.deciding_citation == "《中国共产党问责条例》第十八条"
    rules = {r.id: r for r in case.rules}
    emergency = rules["local_emergency"]
    assert (emergency.group, emergency.before, emergency.after) == ("situation", "true", "false")
    assert emergency.edits == ["condition", "citation"]
    assert emergency.citation == "《测试办法》第一条"
    # rules on one side only are part of the why
    assert (rules["art19_obstruction"].before, rules["art19_obstruction"].after) == (
        "false",
        "absent",
    )
    assert rules["art19_obstruction"].edits == ["removed"]
    assert (rules["local_big_loss"].before, rules["local_big_loss"].after) == ("absent", "false")
    assert rules["order_no_situation"].group == "outcome"
    # most decisive first: the deciding rule, then the situation whose condition was edited
    assert [r.group for r in case.reasons[:2]] == ["deciding", "situation"]
    assert case.reasons[0].text.startswith("认定规则：order_tolerate「")
    assert case.reasons[1].id == "local_emergency"
    assert "成立 → 不成立" in case.reasons[1].text and "条件" in case.reasons[1].text
    assert case.top_reason() == case.reasons[1].text
    assert case.looks == [] and case.distinctions == []  # the edit touches no look


def test_why_an_exclusion_was_added(report: DiffReport) -> None:
    case = by_id(report)["D-BIG-LOSS"]
    assert (case.before.outcome, case.after.outcome) == ("tolerate", "not_tolerate")
    assert case.after.deciding_rule == "order_exclusion"
    # the new exclusion, then the six looks (finding, then the rule behind it), then what
    # changed without deciding anything: a held situation's new clause, a rule gone while false
    assert [(r.group, r.id) for r in case.reasons] == [
        ("deciding", "order_exclusion"),
        ("exclusion", "local_big_loss"),
        ("look", "consequences_impact"),
        ("look", "look_consequences_serious"),
        ("situation", "local_pilot"),
        ("ground", "art19_obstruction"),
    ]
    assert "无此规则 → 成立〔新增〕" in case.reasons[1].text
    assert case.reasons[2].text == "六看「看后果影响」：有利 → 不利"
    assert [(f.id, f.before, f.after) for f in case.looks] == [
        ("consequences_impact", "favourable", "unfavourable")
    ]
    rules = {r.id: r for r in case.rules}
    assert (rules["local_big_loss"].before, rules["local_big_loss"].after) == ("absent", "true")
    serious = rules["look_consequences_serious"]
    assert (serious.before, serious.after) == ("false", "true")
    assert {"origin", "condition", "citation"} <= set(serious.edits)
    assert serious.citation_after == "《测试办法》第五条"
    pilot = rules["local_pilot"]
    assert (pilot.before, pilot.after, pilot.edits) == ("true", "true", ["citation"])
    assert (rules["order_exclusion"].before, rules["order_exclusion"].after) == ("false", "true")
    assert [r.id for r in case.rules][:2] == ["local_big_loss", "look_consequences_serious"]


def test_same_outcome_different_grounds(report: DiffReport) -> None:
    case = by_id(report)["B-EMERGENCY-PARTIAL"]
    assert case.before.outcome == case.after.outcome == "mitigate"
    assert (case.before.deciding_rule, case.after.deciding_rule) == (
        "order_mitigate",
        "order_art18",
    )
    assert case.before.reason != case.after.reason
    assert case.reasons[0].group == "deciding"
    assert case.reasons[1].id == "local_emergency"


def test_new_clause_of_a_held_situation_is_a_change_of_grounds(report: DiffReport) -> None:
    case = by_id(report)["C-PILOT"]
    assert case.before.outcome == case.after.outcome == "tolerate"
    assert case.before.deciding_rule == case.after.deciding_rule == "order_tolerate"
    assert case.status == "grounds_changed"
    pilot = next(r for r in case.rules if r.id == "local_pilot")
    assert (pilot.before, pilot.after, pilot.edits, pilot.in_memo) == (
        "true",
        "true",
        ["citation"],
        True,
    )
    assert [r.text for r in case.reasons if r.id == "local_pilot"] == [
        "容错情形 local_pilot「改革试点」：成立（未变）"
        "〔已修改：条款 《测试办法》第二条 → 《测试办法》第三条〕"
    ]
    assert (pilot.citation_before, pilot.citation_after) == (
        "《测试办法》第二条",
        "《测试办法》第三条",
    )
    assert "local_emergency" not in {r.id for r in case.rules}  # false on both sides


def test_errors_are_reported_per_case(report: DiffReport) -> None:
    flagged = by_id(report)["E-FLAGGED"]
    assert flagged.error_side == "head"
    assert flagged.before.outcome == "tolerate" and flagged.before.errors == []
    assert [p.code for p in flagged.after.errors] == ["RC202"]
    assert flagged.after.errors[0].file.endswith("e-flagged.yaml")
    assert flagged.after.errors[0].line > 0
    broken = by_id(report)["f-broken"]
    assert broken.error_side == "both"
    assert [p.code for p in broken.before.errors] == ["RC001"]


def test_rule_edits_of_the_version_pair(report: DiffReport) -> None:
    (pair,) = report.versions
    assert pair.cases == 4  # the cases decided on both sides
    edits = {e.id: e for e in pair.edits}
    assert set(edits) == {
        "local_emergency",
        "local_pilot",
        "local_big_loss",
        "look_consequences_serious",
        "art19_obstruction",
    }
    assert edits["look_consequences_serious"].defined_in_after == "local"
    assert edits["local_emergency"].aspects == ["condition", "citation"]
    assert edits["local_emergency"].condition_before == "emergency = true"
    assert edits["local_emergency"].condition_after == (
        "emergency = true 且 public_interest_served = true"
    )
    assert edits["local_big_loss"].change == "added"
    assert edits["art19_obstruction"].change == "removed"
    assert edits["art19_obstruction"].defined_in_before == "national"


def test_condition_text_covers_every_form(engine: rongcuo.Engine) -> None:
    rs = engine.ruleset("national", dt.date(2024, 5, 1))
    texts = {rid: condition_text(r.when) for rid, r in rs.rules.items()}
    assert texts["private_gain"] == "motive = private_gain 或 非（规则 public_motive）"
    assert texts["order_no_situation"] == "非（任一容错情形成立）"
    assert texts["order_tolerate"].startswith("全部容错条件成立 且 （loss_yuan = 0 或 ")
    assert texts["other_committee_recognised"].startswith("（无条件")


def test_same_ruleset_gives_no_change(setup: tuple[Path, Path, Path]) -> None:
    _, head, cases = setup
    same = diff([head], [head], "local", cases, backend="reference")
    assert same.summary() == "共 6 件，结论变化 0 件，理由变化 0 件，出错 2 件"
    assert all(c.rules == [] and c.reasons == [] for c in same.cases if c.status != "error")
    assert [pair.edits for pair in same.versions] == [[]]
    assert not same.any_change()  # the errors are on both sides


# --- the command line --------------------------------------------------------------------------


def test_cli_text(setup: tuple[Path, Path, Path]) -> None:
    base, head, cases = setup
    code, out, _ = run(
        "diff", "--base", str(base / "local"), "--head", str(head / "local"), str(cases)
    )
    assert code == 0
    assert "共 6 件，结论变化 2 件，理由变化 2 件，出错 2 件" in out
    assert "予以容错免责（不予或免予问责） → 从轻、减轻问责: 1" in out
    assert "  ~ 修改 容错情形 local_emergency「应急处置」：条件、条款" in out
    assert (
        "      条件：emergency = true\n         → emergency = true 且 public_interest_served = true"
        in out
    )
    assert (
        "《测试办法》第一条原文「应急处置中出现失误的」→「应急处置中为维护群众利益出现失误的」"
        in out
    )
    assert "  - 删除或停用 从重加重情形 art19_obstruction" in out
    assert "  + 新增 不予容错情形 local_big_loss" in out
    assert "【A-EMERGENCY】测试案件 a-emergency" in out
    assert "    1. 容错情形 local_emergency「应急处置」：成立 → 不成立" in out
    assert (
        "e-flagged.yaml" in out
        and "RC202" in out
        and "修改后出错（另一版本的结论：予以容错免责（不予或免予问责））" in out
    )
    code, _, _ = run(
        "diff",
        "--base",
        str(base / "local"),
        "--head",
        str(head / "local"),
        str(cases),
        "--fail-on-change",
        "--backend",
        "reference",
    )
    assert code == 1


def test_cli_json_is_stable(setup: tuple[Path, Path, Path]) -> None:
    base, head, cases = setup
    args = ["diff", "--base", str(base / "local"), "--head", str(head / "local"), str(cases)]
    code, first, _ = run(*args, "--format", "json", "--backend", "reference")
    second = run(*args, "--format", "json")[1]  # durable_rules: the same bytes
    assert code == 0
    assert first == second
    assert "应急处置" in first  # not \u-escaped
    data = json.loads(first)
    assert list(data) == sorted(data)
    assert data["counts"] == {
        "errors": 2,
        "grounds_changed": 2,
        "outcome_changed": 2,
        "total": 6,
        "unchanged": 0,
        "other_jurisdiction": 0,
        "jurisdiction_not_told": 0,
    }
    assert [c["case_id"] for c in data["cases"]][:2] == ["A-EMERGENCY", "B-EMERGENCY-PARTIAL"]
    assert data["cases"][0]["reasons"][1]["id"] == "local_emergency"


def test_cli_csv(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    base, head, cases = setup
    out_file = tmp_path / "diff.csv"
    code, out, err = run(
        "diff",
        "--base",
        str(base / "local"),
        "--head",
        str(head / "local"),
        str(cases),
        "--format",
        "csv",
        "-o",
        str(out_file),
        "--backend",
        "reference",
    )
    assert code == 0 and out == ""
    assert "结论变化 2 件" in err
    assert out_file.read_bytes().startswith(b"\xef\xbb\xbf")  # for Excel
    rows = list(csv.DictReader(io.StringIO(out_file.read_text(encoding="utf-8-sig"))))
    assert [(r["case_id"], r["status"], r["before"], r["after"]) for r in rows] == [
        ("A-EMERGENCY", "outcome_changed", "tolerate", "mitigate"),
        ("B-EMERGENCY-PARTIAL", "grounds_changed", "mitigate", "mitigate"),
        ("C-PILOT", "grounds_changed", "tolerate", "tolerate"),
        ("D-BIG-LOSS", "outcome_changed", "tolerate", "not_tolerate"),
        ("E-FLAGGED", "error", "tolerate", "error"),
        ("f-broken", "error", "error", "error"),
    ]
    a = rows[0]
    assert (a["deciding_rule_before"], a["deciding_rule_after"]) == (
        "order_tolerate",
        "order_art18",
    )
    assert a["top_reason"].startswith("容错情形 local_emergency「应急处置」：成立 → 不成立")
    assert a["changed_rules"].split(";")[:1] == ["local_emergency"]
    assert "art19_obstruction" in a["changed_rules"].split(";")
    assert rows[3]["top_reason"].startswith("不予容错情形 local_big_loss")
    assert {r["scope"] for r in rows} == {"unchecked"}  # the test ruleset names no jurisdiction


def test_cli_broken_head_exits_1_with_located_errors(setup: tuple[Path, Path, Path]) -> None:
    base, head, cases = setup
    text = (head / "local" / "1.yaml").read_text(encoding="utf-8")
    (head / "local" / "1.yaml").write_text(
        text.replace("public_interest_served", "public_intrest"), encoding="utf-8"
    )
    code, out, err = run(
        "diff", "--base", str(base / "local"), "--head", str(head / "local"), str(cases)
    )
    assert code == 1 and out == ""
    assert "修改后 head" in err
    assert "1.yaml:" in err and "RC102" in err and "'public_interest_served'" in err


def test_cli_usage_errors(setup: tuple[Path, Path, Path]) -> None:
    base, _, cases = setup
    code, _, err = run("diff", "--base", str(base / "local"), "--head", "wanzhou", str(cases))
    assert code == 2 and "'local' ≠ 'wanzhou'" in err
    code, _, _ = run("diff", "--base", str(base / "local"), str(cases))
    assert code == 2  # no --head and no @REV to take it from
    code, _, _ = run("diff", "--base", str(base / "local"), "--head", "x", "nope/")
    assert code == 2


def test_base_from_another_folder_by_any_name(setup: tuple[Path, Path, Path]) -> None:
    base, head, cases = setup
    renamed = base.parent / "old-local"
    shutil.copytree(base / "local", renamed)
    code, out, _ = run(
        "diff",
        "--base",
        f"{head / 'local'}@{renamed}",
        str(cases / "a-emergency.yaml"),
        "--backend",
        "reference",
    )
    assert code == 0
    assert "共 1 件，结论变化 1 件" in out


# --- the git form ---------------------------------------------------------------------------


def git(repo: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.org",
    }
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_revision_as_base(setup: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, _, cases = setup
    repo = tmp_path / "repo"
    folder = repo / "policy" / "rulesets" / "local"
    folder.mkdir(parents=True)
    git(repo, "init", "-q")
    ruleset = folder / "1.yaml"
    ruleset.write_text(BASE.replace("emergency, eq", "emergncy, eq").lstrip(), encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken")
    ruleset.write_text(BASE.lstrip(), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "base")
    ruleset.write_text(HEAD.lstrip(), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "head")
    ruleset.write_text(HEAD.replace("第四条", "第五条").lstrip(), encoding="utf-8")  # uncommitted

    common = [
        "--backend",
        "reference",
        str(cases / "a-emergency.yaml"),
        str(cases / "c-pilot.yaml"),
    ]
    code, out, _ = run("diff", "--base", f"{folder}@HEAD~1", "--head", str(folder), *common)
    assert code == 0
    assert f"基准（修改前）：{folder}@HEAD~1" in out
    assert "共 2 件，结论变化 1 件，理由变化 1 件，出错 0 件" in out
    assert (
        "  + 新增 不予容错情形 local_big_loss「造成五十万元以上损失」（《测试办法》第五条）" in out
    )

    # --head defaults to the working folder; HEAD is the committed head
    code, out, _ = run("diff", "--base", f"{folder}@HEAD", *common)
    assert code == 0
    assert "共 2 件，结论变化 0 件" in out
    assert "local_big_loss「造成五十万元以上损失」：条款" in out

    # a broken base is located in the revision, not in a temporary folder
    code, out, err = run("diff", "--base", f"{folder}@HEAD~2", *common)
    assert code == 1 and out == ""
    assert "HEAD~2:policy/rulesets/local/1.yaml:" in err and "RC102" in err
    assert "rongcuo-diff-" not in err

    code, _, err = run("diff", "--base", f"{folder}@no-such-rev", *common)
    assert code == 1 and "no-such-rev" in err


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_open_revision_exports_the_whole_tree(tmp_path: Path) -> None:
    from contextlib import ExitStack

    repo = tmp_path / "repo"
    (repo / "rulesets" / "local").mkdir(parents=True)
    (repo / "rulesets" / "other").mkdir()
    git(repo, "init", "-q")
    (repo / "rulesets" / "local" / "1.yaml").write_text(BASE.lstrip(), encoding="utf-8")
    (repo / "rulesets" / "other" / "1.yaml").write_text("id: other\n", encoding="utf-8")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    with ExitStack() as stack:
        source = open_revision(f"{repo / 'rulesets' / 'local'}@HEAD", stack)
        (exported,) = source.paths
        assert sorted(p.name for p in exported.iterdir()) == ["local", "other"]
        assert source.ruleset_id == "local"
        assert source.display(str(exported / "local" / "1.yaml")) == "HEAD:rulesets/local/1.yaml"
    assert not exported.exists()  # removed with the stack


# --- the bundled examples ------------------------------------------------------------------


def test_smoke_on_wanzhou_examples(tmp_path: Path) -> None:
    """An edit to a copy of the bundled wanzhou: every reported outcome matches a direct
    evaluation under each version, and every case whose outcome changed names the edited rule."""
    copy = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", copy, ignore=shutil.ignore_patterns("scenarios"))
    path = copy / "wanzhou" / "2018.yaml"
    text = path.read_text(encoding="utf-8")
    old = "        - {fact: emergency, eq: true}\n        - {fact: public_interest_served, eq: true}\n"
    assert old in text
    path.write_text(text.replace(old, old + "        - {fact: loss_yuan, eq: 0}\n"), "utf-8")
    files = sorted((ROOT / "examples").glob("wz-*.yaml"))
    report = diff([ROOT / "rulesets"], [copy], "wanzhou", files, backend="reference")
    assert report.counts.total == len(files) and report.counts.errors == 0
    (pair,) = report.versions
    assert [(e.id, e.aspects) for e in pair.edits] == [("emergency_ad_hoc_decision", ["condition"])]
    with (
        rongcuo.Engine([ROOT / "rulesets"], backend="reference") as before,
        rongcuo.Engine([copy], backend="reference") as after,
    ):
        for case, file in zip(report.cases, files, strict=True):
            b = before.evaluate(file, ruleset="wanzhou")
            a = after.evaluate(file, ruleset="wanzhou")
            assert (case.before.outcome, case.after.outcome) == (b.outcome, a.outcome)
            assert (case.before.deciding_rule, case.after.deciding_rule) == (
                b.deciding_rule,
                a.deciding_rule,
            )
            was = {s.id: s.value for s in b.situations}["emergency_ad_hoc_decision"]
            now = {s.id: s.value for s in a.situations}["emergency_ad_hoc_decision"]
            ids = {r.id for r in case.rules}
            assert ("emergency_ad_hoc_decision" in ids) == (was != now or "true" in (was, now))
            if case.status in ("outcome_changed", "grounds_changed"):
                assert "emergency_ad_hoc_decision" in ids


# --- item 17: a changed finding is a changed reason; a case of another jurisdiction is said so --


def _wanzhou_copy(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the bundled rulesets with one edit to wanzhou/2018.yaml."""
    copy = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", copy, ignore=shutil.ignore_patterns("scenarios"))
    path = copy / "wanzhou" / "2018.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return copy


# legacy_problem_resolution now also needs a loss under 100,000 yuan: wz-03 (800,000 yuan lost)
# claimed it and no longer meets it, but another situation keeps its outcome mitigate.
LEGACY_OLD = "    when: {fact: legacy_problem, eq: true}\n"
LEGACY_NEW = (
    "    when:\n      all:\n        - {fact: legacy_problem, eq: true}\n"
    "        - {fact: loss_yuan, lt: 100000}\n"
)
LEGACY_REASON = (
    "容错情形 legacy_problem_resolution「破解历史遗留问题中大胆探索出现失误」：成立 → 不成立"
    "〔已修改：条件〕（《万州区容错纠错实施办法》第五条第（七）项）"
)


def test_claimed_situation_that_stops_holding_is_a_changed_reason(tmp_path: Path) -> None:
    copy = _wanzhou_copy(tmp_path, LEGACY_OLD, LEGACY_NEW)
    wz03 = ROOT / "examples" / "wz-03-legacy-partial-mitigate.yaml"
    report = diff([ROOT / "rulesets"], [copy], "wanzhou", [wz03], backend="reference")
    (case,) = report.cases
    assert (case.before.outcome, case.after.outcome) == ("mitigate", "mitigate")
    assert case.before.deciding_rule == case.after.deciding_rule == "order_mitigate"
    assert case.status == "grounds_changed"
    assert report.summary() == "共 1 件，结论变化 0 件，理由变化 1 件，出错 0 件"
    assert [(r.group, r.text) for r in case.reasons] == [
        ("situation", LEGACY_REASON),
        (
            "claim",
            "援引的情形 legacy_problem_resolution「破解历史遗留问题中大胆探索出现失误」：成立 → 不成立",
        ),
    ]
    (rule,) = case.rules
    assert (rule.id, rule.before, rule.after, rule.in_memo) == (
        "legacy_problem_resolution",
        "true",
        "false",
        True,
    )
    assert case.scope == "same" and case.unit == "万州区某镇"
    # the text view lists it among the changed grounds, with the reason
    text = report.to_text()
    assert "二、结论不变、理由变化的案件（1 件）\n【WZ-2024-031】" in text
    assert f"    1. {LEGACY_REASON}\n" in text
    # the JSON and CSV views carry the same reason
    data = json.loads(report.to_json())
    (jcase,) = data["cases"]
    assert jcase["status"] == "grounds_changed"
    assert jcase["reasons"][0] == {
        "group": "situation",
        "id": "legacy_problem_resolution",
        "text": LEGACY_REASON,
    }
    assert jcase["rules"][0]["in_memo"] is True
    assert jcase["claims"][0]["before"] == "established"
    (row,) = csv.DictReader(io.StringIO(report.to_csv()))
    assert (row["status"], row["top_reason"], row["changed_rules"], row["scope"]) == (
        "grounds_changed",
        LEGACY_REASON,
        "legacy_problem_resolution",
        "same",
    )


def _legacy_unknown(tmp_path: Path, name: str) -> Path:
    """A copy of an example case stating legacy_problem unknown (the example leaves it out, and
    left out it is presumed from the work area, so the situation would not be open)."""
    source = ROOT / "examples" / name
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    assert "legacy_problem" not in data["facts"]
    data["facts"]["legacy_problem"] = "unknown"
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_open_situation_that_is_settled_is_a_changed_reason(tmp_path: Path) -> None:
    # wz-04 with whether it was a legacy problem stated as not yet known (left out, it would be
    # presumed from the work area): the situation was open (the not_tolerate memo names it
    # among those it could not decide); its 150,000 yuan loss now rules it out.
    copy = _wanzhou_copy(tmp_path, LEGACY_OLD, LEGACY_NEW)
    wz04 = _legacy_unknown(tmp_path, "wz-04-private-gain-not-tolerate.yaml")
    (case,) = diff([ROOT / "rulesets"], [copy], "wanzhou", [wz04], backend="reference").cases
    assert case.before.outcome == case.after.outcome == "not_tolerate"
    assert case.status == "grounds_changed"
    assert [r.text for r in case.reasons] == [
        "容错情形 legacy_problem_resolution「破解历史遗留问题中大胆探索出现失误」：不明 → 不成立"
        "〔已修改：条件〕（《万州区容错纠错实施办法》第五条第（七）项）"
    ]


def test_open_situation_with_a_new_condition_still_open_is_unchanged(tmp_path: Path) -> None:
    # wz-01 with legacy_problem stated unknown: the situation stays open (no loss, so the new
    # condition holds); what is still to find is no finding of the memo.
    copy = _wanzhou_copy(tmp_path, LEGACY_OLD, LEGACY_NEW)
    wz01 = _legacy_unknown(tmp_path, "wz-01-pilot-tolerate.yaml")
    (case,) = diff([ROOT / "rulesets"], [copy], "wanzhou", [wz01], backend="reference").cases
    for folder in (ROOT / "rulesets", copy):
        with rongcuo.Engine([folder], backend="reference") as engine:
            decision = engine.evaluate(wz01, ruleset="wanzhou")
        (legacy,) = [s for s in decision.situations if s.id == "legacy_problem_resolution"]
        assert legacy.value == "unknown"
    assert (case.status, case.rules, case.reasons) == ("unchanged", [], [])


def test_cases_of_another_jurisdiction_are_listed_apart(tmp_path: Path) -> None:
    copy = _wanzhou_copy(tmp_path, LEGACY_OLD, LEGACY_NEW)
    report = diff([ROOT / "rulesets"], [copy], "wanzhou", ROOT / "examples", backend="reference")
    wz = len(list((ROOT / "examples").glob("wz-*.yaml")))
    my = sorted(p.name for p in (ROOT / "examples").glob("my-*.yaml"))
    assert report.jurisdiction == "重庆市万州区"
    others = report.other_jurisdiction()
    assert sorted(Path(c.file).name for c in others) == my
    assert all(c.unit.startswith("绵阳市") for c in others)
    n = report.counts
    assert (n.total, n.other_jurisdiction, n.jurisdiction_not_told) == (wz + len(my), len(my), 0)
    assert n.outcome_changed + n.grounds_changed + n.unchanged + n.errors == wz
    # my-09 claims the legacy situation too: its change is shown, but not counted
    my09 = next(c for c in others if c.case_id == "MY-2023-036")
    assert my09.status == "grounds_changed"
    assert n.grounds_changed == sum(c.status == "grounds_changed" for c in report.counted())
    assert report.summary() == (
        f"共 {wz + len(my)} 件，其中 {len(my)} 件不属重庆市万州区（另列，不计入）；"
        f"其余 {wz} 件，结论变化 0 件，理由变化 {n.grounds_changed} 件，出错 0 件"
    )
    text = report.to_text()
    two, _, four = text.partition("四、不属重庆市万州区的案件")
    assert "MY-" not in two
    assert four.startswith(f"（{len(my)} 件，不计入上述件数）")
    assert (
        '【MY-2024-003】某街道老旧小区改造"居民自治+专业物业"试点偏差'
        "（examples/my-01-pilot-community-renewal-tolerate.yaml）：未变；"
        "当事干部单位「绵阳市某区某街道办事处」"
    ) in four.replace(str(ROOT) + "/", "")
    assert f"    1. {LEGACY_REASON}" in four  # my-09's reason, in its own section
    data = json.loads(report.to_json())
    assert data["counts"]["other_jurisdiction"] == len(my)
    assert {c["scope"] for c in data["cases"] if c["case_id"].startswith("MY-")} == {"other"}


def test_other_jurisdiction_does_not_fail_on_change(tmp_path: Path) -> None:
    # An edit that changes only a Mianyang case's outcome leaves --fail-on-change at 0 under
    # wanzhou (that case is listed apart), and the summary says so.
    copy = _wanzhou_copy(tmp_path, LEGACY_OLD, LEGACY_NEW)
    my09 = ROOT / "examples" / "my-09-land-premium-back-payment-mitigate.yaml"
    code, out, _ = run(
        "diff",
        "--base",
        str(ROOT / "rulesets" / "wanzhou"),
        "--head",
        str(copy / "wanzhou"),
        str(my09),
        "--fail-on-change",
        "--backend",
        "reference",
    )
    assert code == 0
    assert "共 1 件，其中 1 件不属重庆市万州区（另列，不计入）；其余 0 件" in out


def test_case_without_a_place_is_judged_with_a_note(setup: tuple[Path, Path, Path]) -> None:
    base, head, cases = setup
    # the test ruleset names no jurisdiction: nothing to check, nothing said
    report = diff([base], [head], "local", cases, backend="reference")
    assert {c.scope for c in report.cases} == {"unchecked"}
    assert "未写明" not in report.to_text()
    # under wanzhou, a case whose unit is anonymised (某区…) does not say where it is
    case = yaml.safe_load((cases / "c-pilot.yaml").read_text(encoding="utf-8"))
    case["cadre"] = {"unit": "某区政务服务中心"}
    case["facts"].pop("local_flag", None)
    path = cases / "c-pilot.yaml"
    path.write_text(yaml.safe_dump(case, allow_unicode=True), encoding="utf-8")
    rulesets = ROOT / "rulesets"
    report = diff([rulesets], [rulesets], "wanzhou", [path], backend="reference")
    (c,) = report.cases
    assert (c.scope, report.counts.jurisdiction_not_told) == ("not_told", 1)
    assert report.summary().endswith("；1 件未写明是否属重庆市万州区")
    assert "  【C-PILOT】当事干部单位「某区政务服务中心」（" in report.to_text()


@pytest.mark.parametrize(
    ("unit", "jurisdiction", "scope"),
    [
        ("万州区某镇", "重庆市万州区", "same"),
        ("重庆市万州区某镇", "重庆市万州区", "same"),
        ("重庆万州区某镇", "重庆市万州区", "same"),
        ("万州区经济开发区管委会", "重庆市万州区", "same"),
        ("绵阳市某区某街道办事处", "重庆市万州区", "other"),
        ("涪城区某街道", "重庆市万州区", "other"),  # no district lies inside a district
        ("重庆市渝北区某局", "重庆市万州区", "other"),
        ("重庆市某局", "重庆市万州区", "not_told"),  # the city, not the district
        ("涪城区某街道", "四川省绵阳市", "not_told"),  # may be one of the city's districts
        ("江油市某镇", "四川省绵阳市", "not_told"),  # a county-level city may be inside
        ("某区政务服务中心", "重庆市万州区", "not_told"),
        (None, "重庆市万州区", "not_told"),
        ("绵阳市某县", "全国", "same"),
        ("绵阳市某县", "", "unchecked"),
    ],
)
def test_case_scope_reads_the_cadre_unit(unit: str | None, jurisdiction: str, scope: str) -> None:
    from rongcuo.authoring.diff_scope import case_scope

    assert case_scope(unit, jurisdiction) == scope


def test_missing_fact_that_decides_otherwise_is_a_changed_reason(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # Whether there was an emergency is still to find on both sides, but finding it now leads
    # to not_tolerate (the new exclusion) instead of tolerate.
    write_ruleset("local", "1", BASE)
    base = tmp_path / "base"
    shutil.copytree(tmp_path / "rulesets", base / "rulesets")
    head = BASE + (
        "  - id: local_emergency_loss\n    kind: exclusion\n    label: 应急处置中造成损失\n"
        "    when:\n      all:\n        - {fact: emergency, eq: true}\n"
        "        - {fact: loss_yuan, gt: 0}\n"
        "    cite: {doc: doc, clause: 第九条, text: 应急处置中造成损失的}\n"
    )
    write_ruleset("local", "1", head)
    # stated unknown: left out, emergency would be read from the (unstated) work area
    facts = {**CLEARED, "emergency": "unknown", "loss_yuan": 1000, "loss_recovered_ratio": 1}
    path = write_case(tmp_path, "g-open", facts)
    report = diff(
        [base / "rulesets"], [tmp_path / "rulesets"], "local", [path], backend="reference"
    )
    (case,) = report.cases
    assert case.before.outcome == case.after.outcome == "insufficient_facts"
    assert case.status == "grounds_changed"
    (still,) = case.missing_changed
    assert still.id == "emergency"
    assert (still.before, still.after) == (
        "changes:mitigate,tolerate",
        "changes:mitigate,not_tolerate",
    )
    assert any(r.group == "missing_fact" and r.id == "emergency" for r in case.reasons)


def test_renamed_deciding_rule_is_a_reason_line(tmp_path: Path) -> None:
    # The deciding rule keeps deciding but is renamed: the memo's reason changes, and the
    # report says why in the reasons (the CSV's top_reason, the text's 原因), not only in the
    # two 认定规则 lines.
    copy = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", copy, ignore=shutil.ignore_patterns("scenarios"))
    path = copy / "national" / "2019.yaml"
    text = path.read_text(encoding="utf-8")
    old = "label: 不符合任何容错情形\n"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "label: 不符合所列任何一项容错情形\n"), encoding="utf-8")
    wz05 = ROOT / "examples" / "wz-05-no-situation-not-tolerate.yaml"
    report = diff([ROOT / "rulesets"], [copy], "wanzhou", [wz05], backend="reference")
    (case,) = report.cases
    assert case.status == "grounds_changed"
    assert case.before.deciding_rule == case.after.deciding_rule == "order_no_situation"
    expected = (
        "认定顺序规则 order_no_situation「不符合所列任何一项容错情形」：成立（未变）〔已修改：名称〕"
        "（《容错纠错政策规格说明（各地实施办法共同条款汇编）》认定顺序第4步）"
    )
    assert [(r.group, r.text) for r in case.reasons] == [("deciding", expected)]
    assert case.top_reason() == expected
    assert f"    1. {expected}\n" in report.to_text()


def test_renamed_outcome_is_a_change_of_grounds(tmp_path: Path) -> None:
    # Every memo of that outcome names it with the new label; no rule was edited.
    copy = tmp_path / "rulesets"
    shutil.copytree(ROOT / "rulesets", copy, ignore=shutil.ignore_patterns("scenarios"))
    path = copy / "national" / "2019.yaml"
    text = path.read_text(encoding="utf-8")
    old = "    label: 从轻、减轻问责\n"
    assert text.count(old) == 1
    path.write_text(text.replace(old, "    label: 从轻或者减轻问责\n"), encoding="utf-8")
    wz03 = ROOT / "examples" / "wz-03-legacy-partial-mitigate.yaml"
    (case,) = diff([ROOT / "rulesets"], [copy], "wanzhou", [wz03], backend="reference").cases
    assert case.before.outcome == case.after.outcome == "mitigate"
    assert case.status == "grounds_changed"
    assert [(r.group, r.text) for r in case.reasons] == [
        ("deciding", "结论 mitigate 的名称：从轻、减轻问责 → 从轻或者减轻问责")
    ]
