"""The clearing steps of the scenario library (catalogue §10): allegations given, the clearing
section checked, and coverage counting a clearing rule that held for one allegation."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pytest

import rongcuo
from rongcuo.authoring.scenario import CLEARING_KINDS, ScenarioState, StepFailed, run_step
from rongcuo.authoring.testrun import run_scenarios

from .conftest import BACKENDS


def scenario(
    engine: rongcuo.Engine,
    givens: Iterable[str],
    ruleset: str = "national",
    cases: list[dict[str, object]] | None = None,
) -> ScenarioState:
    def evaluate(case: dict[str, object], rid: str) -> rongcuo.Decision:
        if cases is not None:
            cases.append(case)
        return engine.evaluate(case, ruleset=rid)

    state = ScenarioState(resolve=engine.ruleset, evaluate=evaluate)
    run_step("given", "一个新案件", state)
    for text in givens:
        run_step("given", text, state)
    run_step("when", f'按 "{ruleset}" 规则集认定', state)
    return state


FORGED = (
    '举报问题 "A1" "收受好处费" 经核查为 "诬告陷害"',
    '举报问题 "A1" 的诬告陷害种类为 "不正当诉求未满足而诬告"',
    '举报问题 "A1" 的扩散范围为 "网络"',
    '举报问题 "A1" 为实名举报',
    '举报问题 "A1" 的核查结论于 "2025-05-20" 作出',
    "本人同意澄清正名",
)


def test_allegation_steps_write_the_case_files_allegations(reference: rongcuo.Engine) -> None:
    cases: list[dict[str, object]] = []
    scenario(
        reference,
        (*FORGED, '举报问题 "A2" 经核查为 "误告"', '举报问题 "A2" 已向举报人反馈核查结果'),
        cases=cases,
    )
    (case,) = cases
    assert case["facts"] == {"cadre_consents_to_clearing": True}
    assert case["allegations"] == [
        {
            "id": "A1",
            "summary": "收受好处费",
            "finding": "fabricated",
            "kind": "fa_unmet_improper_demand",
            "spread": "online",
            "reporter": {"signed": True},
            "concluded_on": "2025-05-20",
        },
        {"id": "A2", "summary": "A2", "finding": "mistaken", "reporter": {"informed": True}},
    ]


@pytest.mark.parametrize(
    ("written", "finding"),
    [
        ("失实", "untrue"),
        ("查无实据", "untrue"),
        ("失实、查无实据", "untrue"),
        ("错告", "mistaken"),
        ("误告", "mistaken"),
        ("诬告陷害", "fabricated"),
        ("部分属实", "partly_substantiated"),
        ("属实", "substantiated"),
        ("尚未查清", "unknown"),
        ("unknown", "unknown"),
        ("fabricated", "fabricated"),
    ],
)
def test_findings_are_written_as_investigators_say_them(
    reference: rongcuo.Engine, written: str, finding: str
) -> None:
    cases: list[dict[str, object]] = []
    scenario(reference, [f'举报问题 "A1" 经核查为 "{written}"'], cases=cases)
    allegations = cases[0]["allegations"]
    assert isinstance(allegations, list) and allegations[0]["finding"] == finding


@pytest.mark.parametrize("backend", BACKENDS)
def test_clearing_checks_pass_on_what_the_decision_says(backend: str) -> None:
    with rongcuo.Engine(backend=backend) as engine:  # type: ignore[arg-type]
        state = scenario(engine, FORGED)
    for text in (
        '结论为 "举报失实，不予问责，予以澄清正名"',
        "所涉举报问题均经核查予以否定",
        '举报问题 "A1" 从问责事项中排除',
        '举报问题 "A1" 予以澄清正名',
        '举报问题 "A1" 的诬告陷害种类认定为 "fa_unmet_improper_demand"',
        '澄清方式包括 "发布澄清公告"',
        '举报问题 "A1" 的澄清方式包括 "cl_written"',
        '举报问题 "A1" 的澄清方式包括 "发函说明"',  # words only one label contains
        '举报问题 "A1" 的澄清方式不包括 "会议澄清"',
        '对举报人 "移送有关机关依规依纪依法查处"',
        '举报问题 "A1" 对举报人 "referred"',
        '举报问题 "A1" 对举报人的处理不包括 "feedback"',
        '举报问题 "A1" 的澄清期限为 "15" 个工作日',
        '澄清规则 "method_public_notice" 对举报问题 "A1" 成立',
        '澄清规则 "在本单位范围内传播的，在本单位以会议方式澄清" 对举报问题 "A1" 不成立',
    ):
        run_step("then", text, state)
    failing = {
        '举报问题 "A1" 不予澄清': "举报问题「A1」予以澄清正名，不是不予澄清",
        '举报问题 "A1" 不从问责事项中排除': "举报问题「A1」从问责事项中排除（核查结论：诬告陷害）",
        '举报问题 "A1" 的澄清方式包括 "会议澄清"': "澄清方式不包括「会议澄清」；澄清方式有：书面澄清",
        '对举报人 "予以了结"': "对举报人的处理不包括「予以了结」；对举报人的处理有：移送有关机关",
        '举报问题 "A1" 的诬告陷害种类认定为 "其他诬告陷害情形"': "种类为「不正当诉求未满足而诬告」",
        '举报问题 "A9" 予以澄清正名': "认定中没有举报问题「A9」；列出的举报问题有：A1",
        '举报问题 "A1" 的澄清方式包括 "公告栏"': "没有名为「公告栏」的澄清方式",
        '举报问题 "A1" 的澄清期限为 "10" 个工作日': "澄清期限为 15 个工作日",
        "所涉举报问题并非均经核查予以否定": "所涉举报问题是否均予否定：成立，不是「并非均」",
    }
    for text, message in failing.items():
        with pytest.raises(StepFailed, match=re.escape(message)):
            run_step("then", text, state)


def test_consent_unstated_is_pending_and_declined_is_not_cleared(
    reference: rongcuo.Engine,
) -> None:
    pending = scenario(reference, ['举报问题 "A1" 经核查为 "失实"'])
    run_step("then", '举报问题 "A1" 待征求本人意见', pending)
    run_step("then", '举报问题 "A1" 待查明后澄清', pending)
    run_step("then", '举报问题 "A1" 的澄清尚待查明 "本人同意澄清正名"', pending)
    run_step("then", '结论为 "cleared"', pending)
    declined = scenario(reference, ['举报问题 "A1" 经核查为 "失实"', "本人不同意澄清正名"])
    run_step("then", '举报问题 "A1" 不予澄清', declined)
    with pytest.raises(StepFailed, match="不是待征求本人意见"):
        run_step("then", '举报问题 "A1" 待征求本人意见', declined)


def test_an_open_finding_is_pending_on_the_finding_not_the_consent(
    reference: rongcuo.Engine,
) -> None:
    state = scenario(
        reference,
        ['举报问题 "A1" 经核查为 "诬告陷害"', '举报问题 "A2" 尚未查清', "本人同意澄清正名"],
    )
    run_step("then", '结论为 "事实不清"', state)
    run_step("then", "所涉举报问题是否均经核查予以否定", state)
    run_step("then", '举报问题 "A2" 是否排除尚待查明', state)
    run_step("then", '举报问题 "A2" 对举报人不作处理', state)
    with pytest.raises(StepFailed, match="不是待征求本人意见"):
        run_step("then", '举报问题 "A2" 待征求本人意见', state)


def test_an_allegation_field_before_its_finding_fails_with_the_step_to_write() -> None:
    state = ScenarioState(resolve=lambda *_: None, evaluate=lambda *_: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(
        StepFailed, match=re.escape('先写一步「假如 举报问题 "A1" "<摘要>" 经核查为')
    ):
        run_step("given", '举报问题 "A1" 的扩散范围为 "网络"', state)


def test_coverage_counts_a_clearing_rule_that_held_for_one_allegation(
    reference: rongcuo.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "c.feature"
    path.write_text(
        textwrap.dedent(
            """\
            # language: zh-CN
            功能: 澄清
              场景: 网上诬告
                假如 一个新案件
                并且 举报问题 "A1" 经核查为 "诬告陷害"
                并且 举报问题 "A1" 的扩散范围为 "网络"
                并且 本人同意澄清正名
                当 按 "national" 规则集认定
                那么 结论为 "cleared"
            """
        ),
        encoding="utf-8",
    )
    report = run_scenarios(reference, "national", [path])
    assert not report.failed
    (cov,) = report.coverage
    uncovered = {u.id for u in cov.uncovered}
    held = {"strike_not_substantiated", "clear_untrue_part", "clear_with_consent"}
    held |= {"method_written", "method_public_notice", "reporter_fabricated_referred"}
    held |= {"order_cleared"}
    assert not held & uncovered
    assert {"method_unit_meeting", "reporter_mistaken_educated"} <= uncovered
    for kind in CLEARING_KINDS:
        assert kind in cov.by_kind
