"""Steps for assessment rulesets (reuse, catalogue §12; the three-level warning, §13).

Takes the phrases a scenario writes for an assessment: the sanctions (假如 受到 "党内警告"，于
"2024-01-10" 作出), the warning history (假如 曾于 "2025-03-01" 受到 "一级" 预警), the facts (the
case steps' own phrases), the day and ruleset (当 于 "2025-09-01" 按 "reuse" 规则集评估), and
the checks on the Assessment (那么 评估结论为 "暂缓使用" …). Gives :data:`ASSESS_STEPS`.
"""

from __future__ import annotations

import datetime as dt

from rongcuo.authoring.scenario_case import stated_facts
from rongcuo.authoring.scenario_names import fact_id, pick
from rongcuo.authoring.scenario_steps import (
    ScenarioState,
    Step,
    StepFailed,
    quoted,
    step_registry,
)
from rongcuo.case.contract import SANCTION_KINDS

ASSESS_STEPS: list[Step] = []
_step = step_registry(ASSESS_STEPS)

#: How a scenario names a warning level; the form written in the history for each.
_LEVELS = {"一级": 1, "二级": 2, "三级": 3, "1": 1, "2": 2, "3": 3}
_FORMS = {1: "面对面谈话", 2: "书面提醒函询", 3: "诫勉预警"}
_CADRE = "SCENARIO-CADRE"


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise StepFailed(f"日期应写成 YYYY-MM-DD，实际是「{text}」") from None


@_step(
    "given",
    f"受到 {quoted('kind')}，于 {quoted('date')} 作出",
    '受到 "党内严重警告"，于 "2023-05-10" 作出',
    "干部所受处分或组织处理（种类用 id 或中文名称，如 党内警告、记过、诫勉），可写多项",
)
def _sanction(state: ScenarioState, kind: str, date: str) -> None:
    kid = pick(kind, SANCTION_KINDS, SANCTION_KINDS, "处分种类")
    state.sanctions.append({"kind": kid, "decided_on": _day(date).isoformat()})


@_step(
    "given",
    f"曾于 {quoted('date')} 受到 {quoted('level')} 预警",
    '曾于 "2025-03-01" 受到 "一级" 预警',
    "该干部的一项预警记录（一级、二级、三级），按日期计入预警历史",
)
def _warned(state: ScenarioState, date: str, level: str) -> None:
    n = _LEVELS.get(level.strip().removesuffix("预警"))
    if n is None:
        raise StepFailed(f"预警级别应为 一级、二级 或 三级，实际是「{level}」")
    state.history.append(
        {
            "cadre_id": _CADRE,
            "level": n,
            "form": _FORMS[n],
            "given_on": _day(date).isoformat(),
            "by": "组织部门",
        }
    )


@_step(
    "when",
    f"于 {quoted('date')} 按 {quoted('ruleset')} 规则集评估",
    '于 "2025-09-01" 按 "reuse" 规则集评估',
    "在该日期用评估规则集（该日有效的版本）评估；影响期按 national 的参数计算",
)
def _assess(state: ScenarioState, date: str, ruleset: str) -> None:
    if state.assess is None:  # pragma: no cover - the runner always gives it
        raise StepFailed("此运行环境不能评估")
    day = _day(date)
    rs = state.resolve(ruleset, day)
    if rs.kind != "assessment":
        raise StepFailed(f'{ruleset} 是容错认定规则集：写「当 按 "{ruleset}" 规则集认定」')
    item = {
        "id": "SCENARIO",
        "cadre": {"id": _CADRE},
        "sanction": state.sanctions,
        "facts": {
            k: v.isoformat() if isinstance(v, dt.date) else v
            for k, v in stated_facts(state, rs).items()
        },
        "history": state.history,
    }
    state.assessment = state.assess(item, ruleset, day)
    state.ruleset = rs


@_step(
    "then",
    f"评估结论为 {quoted('outcome')}",
    '评估结论为 "暂缓使用"',
    "评估结论（id 或中文名称）",
)
def _outcome(state: ScenarioState, outcome: str) -> None:
    a = state.require_assessment()
    if outcome not in (a.outcome, a.outcome_label):
        raise StepFailed(
            f"评估结论是「{a.outcome_label}」（{a.outcome}），不是「{outcome}」：{a.reason_zh}"
        )


@_step(
    "then",
    f"评估依据引用 {quoted('clause')}",
    '评估依据引用 "综合评估内容"',
    "作出结论的规则所引条款（条款名或原文的一部分）",
)
def _cites(state: ScenarioState, clause: str) -> None:
    a = state.require_assessment()
    cite = a.deciding_rule.citation
    if cite is None or (clause not in cite.clause and clause not in cite.text):
        shown = f"{cite.clause}：{cite.text}" if cite else "（没有引用）"
        raise StepFailed(f"作出结论的规则 {a.deciding_rule.id} 引用的是「{shown}」")


@_step(
    "then",
    f"评估所依据的事项(?P<neg>不)?包括 {quoted('name')}",
    '评估所依据的事项包括 "事态已平息"',
    "作出结论所依据的事项（暂缓使用时即不符合或尚未查明的事项），事实用 id 或中文名称；"
    "也可写「不包括」",
)
def _question(state: ScenarioState, neg: str | None, name: str) -> None:
    a = state.require_assessment()
    assert state.ruleset is not None
    fid = fact_id(state.ruleset, name)
    found = any(q.id == fid for q in a.questions)
    if found == bool(neg):
        listed = "、".join(q.label for q in a.questions) or "（无）"
        raise StepFailed(
            f"评估所依据的事项{'包括' if found else '不包括'}「{name}」；所依据的事项：{listed}"
        )


@_step(
    "then",
    f"评估事项 {quoted('name')} 为 {quoted('value')}",
    '评估事项 "本人已深刻反省" 为 "尚未查明"',
    "作出结论所依据的事项的认定（如 是、否、尚未查明，或枚举值的中文名称）",
)
def _question_value(state: ScenarioState, name: str, value: str) -> None:
    a = state.require_assessment()
    assert state.ruleset is not None
    fid = fact_id(state.ruleset, name)
    for q in a.questions:
        if q.id == fid:
            if value not in (q.display, str(q.value)):
                raise StepFailed(f"「{q.label}」为「{q.display}」，不是「{value}」")
            return
    raise StepFailed(f"「{name}」不是作出结论所依据的事项")


@_step(
    "then",
    f"评估推定 {quoted('name')} 为 {quoted('value')}",
    '评估推定 "可回原岗位或同类岗位使用" 为 "是"',
    "评估文件未载明、按规则集推定的事实及其推定值",
)
def _presumed(state: ScenarioState, name: str, value: str) -> None:
    a = state.require_assessment()
    assert state.ruleset is not None
    fid = fact_id(state.ruleset, name)
    for p in a.presumed:
        if p.id == fid:
            if value not in (p.display, str(p.value)):
                raise StepFailed(f"「{p.label}」推定为「{p.display}」，不是「{value}」")
            return
    listed = "、".join(p.label for p in a.presumed) or "（无）"
    raise StepFailed(f"「{name}」没有按推定认定；推定的事实：{listed}")


@_step(
    "then",
    f"评估计算 {quoted('what')} 依据 {quoted('text')}",
    '评估计算 "影响期已满" 依据 "至 2024-11-09 届满"',
    "评估程序计算的事实（影响期已满、最近一次预警级别）的计算依据包含这段文字",
)
def _computed(state: ScenarioState, what: str, text: str) -> None:
    a = state.require_assessment()
    assert state.ruleset is not None
    fid = fact_id(state.ruleset, what)
    for c in a.computed:
        if c.id == fid:
            if text not in c.basis and text != c.display:
                raise StepFailed(f"「{c.label}」为「{c.display}」，计算依据：{c.basis}")
            return
    raise StepFailed(f"「{what}」不是评估程序计算的事实")
