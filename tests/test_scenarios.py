"""The Gherkin step library and ``rongcuo test``: results in Chinese, did-you-mean, coverage."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo._scenario import STEPS, ScenarioState, StepFailed, StepNotFound, run_step
from rongcuo._testrun import parse_feature, render_report, run_scenarios
from rongcuo.cli import main

from .conftest import WriteRuleset

LOCAL = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
extends: national
documents:
  - {id: doc, title: 《测试办法》}
rules:
  - id: pilot
    kind: situation
    label: 改革试点中的失误
    when: {fact: work_area, eq: reform_pilot}
    cite: {doc: doc, clause: 第一条, text: 改革试点中出现失误的}
  - id: emergency_call
    kind: situation
    label: 应急处置中临机决策
    when: {fact: emergency, eq: true}
    cite: {doc: doc, clause: 第二条, text: 应急处置中临机决策出现失误的}
"""


def feature(folder: Path, name: str, body: str) -> Path:
    scenarios = folder / "scenarios"
    scenarios.mkdir(parents=True, exist_ok=True)
    path = scenarios / name
    path.write_text("# language: zh-CN\n" + textwrap.dedent(body).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def local(write_ruleset: WriteRuleset) -> Path:
    return write_ruleset("local", "1", LOCAL).parent


def report_for(folder: Path) -> tuple[str, int]:
    result = CliRunner().invoke(main, ["test", str(folder), "--backend", "reference"])
    return result.output, result.exit_code


def test_passing_and_failing_scenarios_are_reported_in_chinese(local: Path) -> None:
    feature(
        local,
        "a.feature",
        """
        功能: 试点
          背景:
            假如 一个各项不予容错情形均已排除的案件
            并且 直接经济损失为 "0"
          场景: 改革试点中的失误予以容错
            假如 事项所属领域为 "改革试点"
            当 按 "local" 规则集认定
            那么 结论为 "予以容错免责"
            并且 容错情形 "改革试点中的失误" 成立
            并且 认定依据引用 "《测试办法》第一条"
          场景: 写错了期望
            假如 事项所属领域为 "改革试点"
            当 按 "local" 规则集认定
            那么 结论为 "不予容错"
            并且 容错情形 "pilot" 成立
        """,
    )
    output, code = report_for(local)
    assert code == 1
    assert "✓ 场景（第 6 行）：改革试点中的失误予以容错" in output
    assert "✗ 场景（第 12 行）：写错了期望" in output
    assert '第 15 行「结论为 "不予容错"」未通过：' in output
    assert "结论是「予以容错免责（不予或免予问责）」，不是「不予容错，依规依纪问责」" in output
    assert "共 2 个场景：1 个通过，1 个未通过" in output


def test_an_unknown_step_lists_the_closest_phrases(local: Path) -> None:
    feature(
        local,
        "a.feature",
        """
        功能: 拼写
          场景: 写错的步骤
            假如 一个各项不予容错情形均已排除的案件
            当 按 "local" 规则集认定
            那么 结论是 "予以容错免责"
        """,
    )
    output, code = report_for(local)
    assert code == 1
    assert '第 6 行「结论是 "予以容错免责"」未定义的步骤：' in output
    assert "最接近的写法 closest phrases:" in output
    assert '那么 结论为 "予以容错免责"' in output


def test_unknown_names_get_did_you_mean() -> None:
    with rongcuo.Engine(backend="reference") as engine:
        state = ScenarioState(
            resolve=engine.ruleset, evaluate=lambda c, r: engine.evaluate(c, ruleset=r)
        )
        run_step("given", "一个各项不予容错情形均已排除的案件", state)
        run_step("given", '动机为 "出于公心心"', state)
        with pytest.raises(StepFailed, match=r"没有名为「出于公心心」的「动机」的取值.*出于公心"):
            run_step("when", '按 "wanzhou" 规则集认定', state)
        state.facts.pop("动机")
        with pytest.raises(StepNotFound, match='假如 动机为 "出于公心"'):
            run_step("given", '动 机为 "出于公心"', state)


def test_labels_and_ids_say_the_same_thing() -> None:
    with rongcuo.Engine(backend="reference") as engine:
        decisions = []
        for given in ('动机为 "出于公心"', '事实 "motive" 为 "public"'):
            state = ScenarioState(
                resolve=engine.ruleset, evaluate=lambda c, r: engine.evaluate(c, ruleset=r)
            )
            for text in ("一个新案件", given, '案件事项所属领域为 "改革试点"', "恶意串通未查明"):
                run_step("given", text, state)
            run_step("when", '按 "wanzhou" 规则集认定', state)
            assert state.decision is not None
            decisions.append(state.decision.to_json())
        assert decisions[0] == decisions[1]
        assert '"motive"' in decisions[0] and '"work_area"' in decisions[0]


def test_outline_rows_run_as_scenarios_and_coverage_counts_rules_that_held(
    local: Path,
) -> None:
    path = feature(
        local,
        "b.feature",
        """
        功能: 大纲
          场景大纲: 领域决定是否符合情形
            假如 一个各项不予容错情形均已排除的案件
            并且 直接经济损失为 "0"
            并且 事项所属领域为 "<领域>"
            并且 突发事件、抢险救灾中临机决策为 "否"
            并且 事实 "force_majeure" 为 "否"
            当 按 "local" 规则集认定
            那么 结论为 "<结论>"

            例子:
              | 领域     | 结论           |
              | 改革试点 | 予以容错免责   |
              | 其他     | 从轻、减轻问责 |
        """,
    )
    with rongcuo.Engine([local.parent], backend="reference") as engine:
        report = run_scenarios(engine, "local", [path])
    assert [s.name for s in report.scenarios] == [
        "领域决定是否符合情形（例子第 14 行）",
        "领域决定是否符合情形（例子第 15 行）",
    ]
    assert all(s.passed for s in report.scenarios)
    (cov,) = report.coverage
    rs = rongcuo.Engine([local.parent], backend="reference").ruleset("local", dt.date(2024, 5, 1))
    kinds = ("situation", "exclusion", "precondition", "look")
    assert cov.total == sum(r.kind in kinds for r in rs.rules.values())
    uncovered = {u.id for u in cov.uncovered}
    assert "pilot" not in uncovered and "emergency_call" in uncovered
    assert cov.by_kind["situation"][0] == 1  # only `pilot` held
    assert cov.covered == cov.total - len(uncovered)
    text = render_report(report, min_coverage=90)
    assert f"规则覆盖率 local 1：{cov.percent:.1f}%（{cov.covered}/{cov.total}）" in text
    assert "容错情形 emergency_call「应急处置中临机决策」" in text
    assert "覆盖率低于要求的 90%" in text


def test_min_coverage_sets_the_exit_code_and_json_is_available(local: Path) -> None:
    feature(
        local,
        "a.feature",
        """
        功能: 一个
          场景: 试点
            假如 一个各项不予容错情形均已排除的案件
            并且 事项所属领域为 "改革试点"
            并且 直接经济损失为 "0"
            当 按 "local" 规则集认定
            那么 结论为 "予以容错免责"
        """,
    )
    runner = CliRunner()
    args = ["test", str(local), "--backend", "reference"]
    assert runner.invoke(main, args).exit_code == 0
    assert runner.invoke(main, [*args, "--min-coverage", "90"]).exit_code == 1
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert data["scenarios"][0]["passed"] is True
    assert 0 < data["coverage"][0]["percent"] < 90


def test_a_gherkin_syntax_error_is_located(local: Path) -> None:
    path = feature(local, "bad.feature", "功能: 坏\n  场景: x\n    假如 一个新案件\n功能: 又一个\n")
    with pytest.raises(rongcuo.InputError) as err:
        parse_feature(path)
    d = err.value.diagnostics[0]
    assert (d.code, d.location.file, d.location.line) == ("RC601", str(path), 5)
    output, code = report_for(local)
    assert code == 1 and "error RC601" in output


def test_every_step_example_matches_its_own_phrase() -> None:
    for step in STEPS:
        assert step.pattern.match(step.example), step.example


def test_the_docs_list_every_step() -> None:
    from rongcuo._scenario import step_table

    docs = (Path(__file__).resolve().parent.parent / "docs" / "scenario.md").read_text("utf-8")
    assert step_table() in docs, "docs/scenario.md: paste the output of `rongcuo test --steps`"


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_bundled_rulesets_ship_passing_scenarios_with_90_percent_coverage(rid: str) -> None:
    from rongcuo._testrun import scenario_files

    with rongcuo.Engine(backend="reference") as engine:
        folder = engine.library.folder(rid)
        report = run_scenarios(engine, rid, scenario_files(folder))
    assert report.scenarios and not report.failed, render_report(report)
    (cov,) = report.coverage
    assert cov.percent >= 90, render_report(report)
