"""The Gherkin step library and ``rongcuo test``: results in Chinese, did-you-mean, coverage."""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo.authoring.scenario import (
    COVERED_KINDS,
    STEPS,
    ScenarioState,
    StepFailed,
    StepNotFound,
    run_step,
)
from rongcuo.authoring.testrun import parse_feature, render_report, run_scenarios
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
    when: {fact: work_area, contains: reform_pilot}
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
        "领域决定是否符合情形（例子第 12 行）",
        "领域决定是否符合情形（例子第 13 行）",
    ]
    assert all(s.passed for s in report.scenarios)
    (cov,) = report.coverage
    rs = rongcuo.Engine([local.parent], backend="reference").ruleset("local", dt.date(2024, 5, 1))
    kinds = COVERED_KINDS  # situations, exclusions, preconditions, looks, order and clearing
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
    from rongcuo.authoring.scenario import step_table

    docs = (Path(__file__).resolve().parent.parent / "docs" / "scenario.md").read_text("utf-8")
    assert step_table() in docs, "docs/scenario.md: paste the output of `rongcuo test --steps`"


@pytest.mark.parametrize("rid", ["national", "wanzhou", "mianyang"])
def test_bundled_rulesets_ship_passing_scenarios_with_90_percent_coverage(rid: str) -> None:
    from rongcuo.authoring.testrun import scenario_files

    with rongcuo.Engine(backend="reference") as engine:
        folder = engine.library.folder(rid)
        report = run_scenarios(engine, rid, scenario_files(folder))
    assert report.scenarios and not report.failed, render_report(report)
    (cov,) = report.coverage
    assert cov.percent >= 90, render_report(report)


# --- the case a scenario builds is read as a case file is (catalogue §6) ------------------

#: a short investigator's file: what the inquiry established, nothing to rule exclusions out
INVESTIGATOR = (
    "一个新案件",
    '事项所属领域为 "其他"',
    '动机为 "出于公心"',
    '依规应当集体研究为 "是"',
    '经集体研究决策为 "是"',
    '不可抗力或难以预见因素为 "是"',
    '直接经济损失为 "0"',
)


def scenario(
    engine: rongcuo.Engine,
    givens: tuple[str, ...],
    ruleset: str = "national",
    cases: list[dict[str, object]] | None = None,
) -> ScenarioState:
    """Run the given steps and evaluate, keeping the case dicts the steps built."""

    def evaluate(case: dict[str, object], rid: str) -> rongcuo.Decision:
        if cases is not None:
            cases.append(case)
        return engine.evaluate(case, ruleset=rid)

    state = ScenarioState(resolve=engine.ruleset, evaluate=evaluate)
    for text in givens:
        run_step("given", text, state)
    run_step("when", f'按 "{ruleset}" 规则集认定', state)
    return state


def test_a_short_investigators_file_is_decided_on_its_presumptions(
    reference: rongcuo.Engine,
) -> None:
    state = scenario(reference, INVESTIGATOR)
    d = state.decision
    assert d is not None
    assert (d.outcome, d.missing_facts) == ("tolerate", [])
    presumed = {p.id: p for p in d.presumed}
    assert presumed["collusion"].value is False and presumed["collusion"].changes_outcome
    assert "motive" not in presumed and "work_area" not in presumed


@pytest.mark.parametrize(
    "phrase",
    [
        "恶意串通尚未查明",
        "恶意串通未查明",
        "恶意串通不明",
        '恶意串通为 "不明"',
        '恶意串通为 "unknown"',
        '事实 "collusion" 尚未查明',
        '事实 "collusion" 未查明',
        '事实 "collusion" 为 "不明"',
    ],
)
def test_a_fact_stated_unknown_blocks_its_presumption(
    reference: rongcuo.Engine, phrase: str
) -> None:
    cases: list[dict[str, object]] = []
    d = scenario(reference, (*INVESTIGATOR, phrase), cases=cases).decision
    assert d is not None
    facts = cases[0]["facts"]
    assert isinstance(facts, dict) and facts["collusion"] == "unknown"
    assert d.outcome == "insufficient_facts"
    assert [(m.id, m.settles, m.stated_unknown) for m in d.missing_facts] == [
        ("collusion", True, True)
    ]
    assert "collusion" not in {p.id for p in d.presumed}


@pytest.mark.parametrize("phrase", ["案件材料未载明恶意串通", '案件材料未载明事实 "collusion"'])
def test_a_fact_taken_back_is_presumed_again(reference: rongcuo.Engine, phrase: str) -> None:
    cases: list[dict[str, object]] = []
    d = scenario(reference, (*INVESTIGATOR, '恶意串通为 "是"', phrase), cases=cases).decision
    assert d is not None
    facts = cases[0]["facts"]
    assert isinstance(facts, dict) and "collusion" not in facts
    assert d.outcome == "tolerate"
    assert [p.value for p in d.presumed if p.id == "collusion"] == [False]
    # taking back a fact that must be stated leaves it unknown: motive is never presumed
    d = scenario(reference, (*INVESTIGATOR, "案件材料未载明动机")).decision
    assert d is not None and d.outcome == "insufficient_facts"
    assert [m.id for m in d.missing_facts] == ["motive"]


@pytest.mark.parametrize(
    "phrase",
    [
        '事项所属领域为 "改革试点"、"放管服与营商环境"',
        '事实 "work_area" 为 "reform_pilot"、"administrative_service"',
    ],
)
def test_a_multiple_work_area_takes_several_values(reference: rongcuo.Engine, phrase: str) -> None:
    cases: list[dict[str, object]] = []
    givens = (
        "一个新案件",
        '动机为 "出于公心"',
        '经集体研究决策为 "是"',
        '直接经济损失为 "0"',
        phrase,
    )
    d = scenario(reference, givens, "wanzhou", cases).decision
    assert d is not None
    facts = cases[0]["facts"]
    assert isinstance(facts, dict)
    assert facts["work_area"] == ["reform_pilot", "administrative_service"]
    assert d.outcome == "tolerate"
    held = {r.id for r in d.situations_matched()}
    assert {"pilot_reform_deviation", "service_reform_innovation"} <= held


def test_several_values_for_a_single_valued_fact_fail_the_step(reference: rongcuo.Engine) -> None:
    with pytest.raises(
        StepFailed, match="「动机」只能有一个取值，实际写了 2 个：出于公心、谋取私利"
    ):
        scenario(reference, ("一个新案件", '动机为 "出于公心"、"谋取私利"'))
    with pytest.raises(StepFailed, match="没有名为「改革」的「事项所属领域」的取值"):
        scenario(reference, ("一个新案件", '事项所属领域为 "改革"、"其他"'))


def test_presumption_steps_pass_on_what_was_presumed_and_say_why_they_fail(
    reference: rongcuo.Engine,
) -> None:
    state = scenario(reference, INVESTIGATOR)
    for text in (
        '推定 "恶意串通" 为 "否"',
        '推定 "collusion" 为 "false"',
        '推定 "恶意串通" 会改变结论',
        '推定 "损失成因" 为 "无损失"',
        '推定 "损失成因" 不会改变结论',
        '推定 "恶意串通" 如为 "是"，结论将为 "不予容错"',
        '推定说明包含 "案件材料未载明存在恶意串通，按不存在认定；"',
        '推定说明包含 "推定如与实际情况不符，结论将为不予容错"',  # 14 of them: named once
        '没有推定 "动机"',
        '没有推定 "主动报告"',  # presumed, but no rule the decision order read asks it
    ):
        run_step("then", text, state)
    failing = {
        '推定 "恶意串通" 为 "是"': "「恶意串通」推定为「否」，不是「是」。推定理由：案件材料未载明存在恶意串通",
        '推定 "恶意串通" 不会改变结论': "推定「恶意串通」为「否」会改变结论：为「是」时不予容错",
        '推定 "损失成因" 会改变结论': "推定「损失成因」为「无损失」不会改变结论",
        '推定 "恶意串通" 如为 "是"，结论将为 "予以容错免责"': "「恶意串通」如为「是」，结论将为「不予容错，依规依纪问责」",
        '推定 "恶意串通" 如为 "否"，结论将为 "予以容错免责"': "「恶意串通」没有试过取值「否」",
        '推定 "动机" 为 "出于公心"': "认定没有推定「动机」；推定的事实有：主观过错形态（过失）",
        '没有推定 "恶意串通"': "认定推定了「恶意串通」为「否」：案件材料未载明存在恶意串通，按不存在认定",
        '推定说明包含 "如存在，结论将为予以容错免责"': "推定说明是「案件材料未载明、按推定认定的事实",
    }
    for text, message in failing.items():
        with pytest.raises(StepFailed, match=re.escape(message)):
            run_step("then", text, state)


def test_missing_fact_steps_check_the_order_to_ask_in(reference: rongcuo.Engine) -> None:
    state = scenario(reference, (*INVESTIGATOR, "动机尚未查明", "恶意串通尚未查明"))
    for text in (
        '首先应查明 "动机"',
        '需补充查明事实 "恶意串通"',
        '不需补充查明事实 "主动报告"',
        '不需补充查明事实 "dissent_recorded"',
    ):
        run_step("then", text, state)
    failing = {
        '首先应查明 "恶意串通"': "首先应查明的不是「恶意串通」；缺失事实依次为：动机、恶意串通",
        '查明 "动机" 即可定论': "查明「动机」还不能定论：为「出于公心」时事实不清，需补充调查；"
        "为「谋取私利」时不予容错，依规依纪问责",
        '不需补充查明事实 "恶意串通"': "「恶意串通」是影响结论的缺失事实：为「是」时不予容错",
        '需一并查明事实 "恶意串通"': "「恶意串通」单独即可能改变结论",
        '需一并查明事实 "主动报告"': "「主动报告」不是缺失事实；缺失事实有：动机、恶意串通",
        '查明 "主动报告" 即可定论': "「主动报告」不是缺失事实",
    }
    for text, message in failing.items():
        with pytest.raises(StepFailed, match=re.escape(message)):
            run_step("then", text, state)
    run_step(
        "then", '查明 "恶意串通" 即可定论', scenario(reference, (*INVESTIGATOR, "恶意串通尚未查明"))
    )
    # a fact that matters only once another is known (my-05: whether the cadre was deceived,
    # and how much was recovered, are both still being verified)
    joint = scenario(
        reference,
        (
            "一个新案件",
            '事项所属领域为 "放管服与营商环境"',
            '动机为 "出于公心"',
            '依规应当集体研究为 "否"',
            '申请援引容错情形 "third_party_deception"',
            '直接经济损失为 "560000"',
            '及时采取补救措施为 "是"',
            '如实说明、配合调查为 "是"',
            "相对人或第三方隐瞒、提供虚假材料，本人已尽审核义务尚未查明",
            "已挽回损失的比例尚未查明",
        ),
        "mianyang",
    )
    run_step("then", '需一并查明事实 "已挽回损失的比例"', joint)
    run_step("then", '首先应查明 "deceived_by_third_party"', joint)
    with pytest.raises(
        StepFailed, match="「相对人或第三方隐瞒、提供虚假材料，本人已尽审核义务」单独即可能改变结论"
    ):
        run_step("then", '需一并查明事实 "deceived_by_third_party"', joint)
    message = "「已挽回损失的比例」不是影响结论的缺失事实；影响结论的有：相对人或第三方隐瞒、提供虚假材料，本人已尽审核义务"
    with pytest.raises(StepFailed, match=re.escape(message)):
        run_step("then", '需补充查明事实 "已挽回损失的比例"', joint)


def test_a_claimed_situations_own_facts_are_asked_not_presumed(reference: rongcuo.Engine) -> None:
    unstated = (*INVESTIGATOR, "案件材料未载明不可抗力或难以预见因素")
    claimed = scenario(
        reference, (*unstated, '申请援引容错情形 "force_majeure_after_due_diligence"')
    )
    run_step("then", '结论为 "事实不清"', claimed)
    run_step("then", '首先应查明 "不可抗力或难以预见因素"', claimed)
    run_step("then", '没有推定 "不可抗力或难以预见因素"', claimed)
    unclaimed = scenario(reference, unstated)
    run_step("then", '结论为 "不予容错"', unclaimed)
    run_step("then", '推定 "不可抗力或难以预见因素" 如为 "是"，结论将为 "予以容错免责"', unclaimed)


def test_the_bundled_scenarios_are_mostly_short_investigator_files() -> None:
    from rongcuo.authoring.testrun import scenario_files

    root = Path(__file__).resolve().parent.parent / "rulesets"
    short = full = 0
    for rid in ("national", "wanzhou", "mianyang"):
        for path in scenario_files(root / rid):
            for pickle in parse_feature(path)[0]:
                texts = [step["text"] for step in pickle["steps"]]
                short += "一个新案件" in texts
                full += "一个各项不予容错情形均已排除的案件" in texts
    # a good scenario shows how short an investigator's file can be: at least half are
    assert short >= full, (short, full)
