"""Given and when: the steps that write a scenario's case and evaluate it.

Takes the phrases a scenario writes under 假如 (facts, claims, allegations, the incident date,
the cadre's consent) and under 当 (the ruleset). Gives :data:`CASE_STEPS`, and on evaluation a
case dict read as a case file is (catalogue §6): a fact the scenario does not mention is
presumed, one stated as not yet established is ``unknown``; names are resolved against the
ruleset in force on the incident date.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from rongcuo.authoring.scenario_names import CONSENT, fact_id, fact_value, rule_id
from rongcuo.authoring.scenario_steps import (
    ScenarioState,
    Step,
    StepFailed,
    quoted,
    step_registry,
)
from rongcuo.ruleset.model import ALLEGATION_FACTS, FactDecl, FactValue, Ruleset

#: Facts that rule out every exclusion of the bundled rulesets and satisfy their preconditions,
#: so a scenario states only the facts its behaviour depends on.
CLEARED: dict[str, Any] = {
    "political_discipline_breach": False,
    "motive": "public",
    "intent": "negligence",
    "knew_it_was_prohibited": False,
    "explicitly_prohibited": False,
    "concealment": False,
    "collusion": False,
    "collective_decision_required": True,
    "collective_decision": True,
    "repeat_of_same_error": False,
    "obstructed_investigation": False,
    "cooperated": True,
    "safety_or_eco_incident": "none",
    "social_impact": "minor",
    "dereliction": False,
    "executed_illegal_order": False,
    "dissent_recorded": False,
    "objected_to_superior_decision": False,
    "remedial_action": True,
}

_UNKNOWN = object()  # a fact stated as not yet established (未查明, 不明): blocks its presumption
_LEFT_OUT = object()  # a fact the file does not mention: read as the ruleset presumes
#: how a value says "not yet established", as a case file does (``unknown``, ``不明``)
_UNKNOWN_VALUES = frozenset({"unknown", "不明", "未查明", "尚未查明"})

#: The given and when phrases, in the order they are written.
CASE_STEPS: list[Step] = []
_step = step_registry(CASE_STEPS)


# --- given -------------------------------------------------------------------------------


@_step(
    "given",
    "一个各项不予容错情形均已排除的案件",
    "一个各项不予容错情形均已排除的案件",
    "从一个逐项写明排除了全部不予容错情形、满足全部容错条件的案件开始（写明而非推定："
    "其中写明的如实说明、配合调查可据以认定问责条例第十八条的从轻情形），只写与场景有关的事实",
)
def _cleared(state: ScenarioState) -> None:
    state.facts = {**CLEARED, **state.facts}


@_step(
    "given",
    "一个新案件",
    "一个新案件",
    "从一个什么都没写的案件开始，像调查人员那样只写查明的事实：没写的事实按规则集的推定认定，"
    "须查明的事实（领域、动机、集体决策、损失等）为未查明",
)
def _fresh(state: ScenarioState) -> None:
    state.facts = {}
    state.allegations = {}
    state.sanctions = []
    state.history = []


@_step(
    "given",
    f"失误发生日期为 {quoted('date')}",
    '失误发生日期为 "2023-06-01"',
    "失误发生日期（决定适用哪个版本的规则集）；不写时为 2024-05-01",
)
def _date(state: ScenarioState, date: str) -> None:
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        raise StepFailed(f"日期应写成 YYYY-MM-DD，实际是「{date}」") from None
    state.incident_date = date


@_step(
    "given",
    f"事实 {quoted('name')} 为 {quoted('value')}",
    '事实 "motive" 为 "public"',
    "写一项事实：事实可用 id 或中文名称，取值可用 id 或中文（是/否、数字、日期）",
)
@_step(
    "given",
    f'(?P<name>[^"\\s]+?)\\s*为 {quoted("value")}',
    '动机为 "出于公心"',
    "写一项事实，直接以事实的中文名称开头（可省略开头的“案件”“当事人”）",
)
def _fact(state: ScenarioState, name: str, value: str) -> None:
    state.facts[name] = _UNKNOWN if value.strip() in _UNKNOWN_VALUES else value


_VALUES = '(?P<values>"[^"]*"(?:、"[^"]*")+)'  # two or more quoted values joined by 、


@_step(
    "given",
    f"事实 {quoted('name')} 为 {_VALUES}",
    '事实 "work_area" 为 "reform_pilot"、"administrative_service"',
    "同上，事实用 id 或中文名称，取值用 id 或中文",
)
@_step(
    "given",
    f'(?P<name>[^"\\s]+?)\\s*为 {_VALUES}',
    '事项所属领域为 "改革试点"、"放管服与营商环境"',
    "写一项可有多个取值的事实（事项所属领域）的全部取值，用顿号分隔：如告知承诺试点既属改革试点，"
    "又属放管服与营商环境",
)
def _facts(state: ScenarioState, name: str, values: str) -> None:
    state.facts[name] = re.findall(r'"([^"]*)"', values)


@_step(
    "given",
    f"事实 {quoted('name')} (?:尚)?(?:未查明|不明)",
    '事实 "collusion" 尚未查明',
    "同上，事实用 id 或中文名称",
)
@_step(
    "given",
    '(?P<name>[^"\\s]+?)\\s*(?:尚)?(?:未查明|不明)',
    "恶意串通尚未查明",
    "案件材料写明该事实尚未查明（不明）：它是未查明的事实，不按推定认定；"
    '也可写 `恶意串通未查明`、`恶意串通不明`、`恶意串通为 "不明"`',
)
def _unknown(state: ScenarioState, name: str) -> None:
    state.facts[name] = _UNKNOWN


@_step(
    "given",
    f"案件材料未载明事实 {quoted('name')}",
    '案件材料未载明事实 "collusion"',
    "同上，事实用 id 或中文名称",
)
@_step(
    "given",
    '案件材料未载明(?P<name>[^"\\s]+)',
    "案件材料未载明在集体决策中明确提出反对或保留意见",
    "案件材料不提该事实（撤回背景或前面步骤写的事实）：按规则集的推定认定，没有推定的为未查明",
)
def _left_out(state: ScenarioState, name: str) -> None:
    state.facts[name] = _LEFT_OUT


@_step(
    "given",
    f"申请援引容错情形 {quoted('name')}",
    '申请援引容错情形 "other_committee_recognised"',
    "申请人援引的容错情形（id 或名称）",
)
def _claim(state: ScenarioState, name: str) -> None:
    state.claims.append(name)


# --- allegations: what the inquiry found of each report (catalogue §10) -------------------

#: How a scenario says an allegation's finding is not yet made.
_OPEN_FINDINGS = frozenset({"尚未查清", "未查清", *_UNKNOWN_VALUES})


def _allegation(state: ScenarioState, aid: str) -> dict[str, Any]:
    try:
        return state.allegations[aid]
    except KeyError:
        raise StepFailed(
            f'还没有举报问题「{aid}」：先写一步「假如 举报问题 "{aid}" "<摘要>" 经核查为 "<结论>"」'
        ) from None


@_step(
    "given",
    f"举报问题 {quoted('aid')}(?: {quoted('summary')})? 经核查为 {quoted('finding')}",
    '举报问题 "A1" "收受好处费" 经核查为 "诬告陷害"',
    "案件列出的一项举报问题（编号、摘要可省略）及其核查结论：属实、部分属实、失实（查无实据）、"
    "错告（误告）、诬告陷害，或尚未查清",
)
def _allegation_found(state: ScenarioState, aid: str, summary: str | None, finding: str) -> None:
    entry = state.allegations.setdefault(aid, {"id": aid})
    entry["summary"] = summary or entry.get("summary") or aid
    entry["finding"] = _UNKNOWN if finding.strip() in _OPEN_FINDINGS else finding


@_step(
    "given",
    f"举报问题 {quoted('aid')}(?: {quoted('summary')})? (?:尚未查清|核查结论尚未作出)",
    '举报问题 "A2" "违规审批低保" 尚未查清',
    '案件列出的一项举报问题尚未查清（核查结论为 "尚未查清"）',
)
def _allegation_open(state: ScenarioState, aid: str, summary: str | None) -> None:
    _allegation_found(state, aid, summary, "尚未查清")


@_step(
    "given",
    f"举报问题 {quoted('aid')} 的诬告陷害种类为 {quoted('kind')}",
    '举报问题 "A1" 的诬告陷害种类为 "不正当诉求未满足而诬告"',
    "经认定为诬告陷害的举报问题属于哪一种（id 或名称）；不写时按其他诬告陷害情形",
)
def _allegation_kind(state: ScenarioState, aid: str, kind: str) -> None:
    _allegation(state, aid)["kind"] = kind


@_step(
    "given",
    f"举报问题 {quoted('aid')} 的扩散范围为 {quoted('spread')}",
    '举报问题 "A1" 的扩散范围为 "网络"',
    "举报问题传播到多大范围：本单位、镇村社区、网络、社会面；不写时按本单位",
)
def _allegation_spread(state: ScenarioState, aid: str, spread: str) -> None:
    _allegation(state, aid)["spread"] = spread


@_step(
    "given",
    f"举报问题 {quoted('aid')} 为(?P<signed>实名|匿名)举报",
    '举报问题 "A1" 为实名举报',
    "该举报是实名还是匿名；不写时按匿名",
)
def _allegation_signed(state: ScenarioState, aid: str, signed: str) -> None:
    _allegation(state, aid)["reporter.signed"] = signed == "实名"


@_step(
    "given",
    f"举报问题 {quoted('aid')} (?P<informed>已|尚未)向举报人反馈核查结果",
    '举报问题 "A1" 已向举报人反馈核查结果',
    "是否已向举报人反馈核查结果；不写时按尚未反馈",
)
def _allegation_informed(state: ScenarioState, aid: str, informed: str) -> None:
    _allegation(state, aid)["reporter.informed"] = informed == "已"


@_step(
    "given",
    f"举报问题 {quoted('aid')} 的核查结论于 {quoted('date')} 作出",
    '举报问题 "A1" 的核查结论于 "2025-05-20" 作出',
    "核查结论作出的日期：澄清正名的期限自这一天起算",
)
def _allegation_concluded(state: ScenarioState, aid: str, date: str) -> None:
    entry = _allegation(state, aid)
    try:
        entry["concluded_on"] = dt.date.fromisoformat(date).isoformat()
    except ValueError:
        raise StepFailed(f"日期应写成 YYYY-MM-DD，实际是「{date}」") from None


@_step(
    "given",
    "本人(?P<consent>同意|不同意)澄清正名",
    "本人同意澄清正名",
    "当事人同意（不同意）予以澄清正名；不写时澄清正名待征求本人意见，结论不变",
)
def _consent(state: ScenarioState, consent: str) -> None:
    state.facts[CONSENT] = consent == "同意"


# --- when --------------------------------------------------------------------------------


@_step(
    "when",
    f"按 {quoted('ruleset')} 规则集认定",
    '按 "wanzhou" 规则集认定',
    "用该规则集（在失误发生日期有效的版本）认定",
)
def _evaluate(state: ScenarioState, ruleset: str) -> None:
    rs = state.resolve(ruleset, dt.date.fromisoformat(state.incident_date))
    if rs.kind == "assessment":
        raise StepFailed(
            f'{ruleset} 是评估规则集：写「当 于 "<评估日期>" 按 "{ruleset}" 规则集评估」'
        )
    facts = stated_facts(state, rs)
    claims = [rule_id(rs, c, ("situation",), "容错情形") for c in state.claims]
    case = _case(state, facts, claims)
    if state.allegations:
        case["allegations"] = [_allegation_entry(rs, a) for a in state.allegations.values()]
    state.decision = state.evaluate(case, ruleset)
    state.ruleset = rs


def stated_facts(state: ScenarioState, rs: Ruleset) -> dict[str, Any]:
    """The facts the scenario wrote, by id, as a case file states them (names and values
    resolved against ``rs``; a fact stated as not yet established is ``"unknown"``)."""
    facts: dict[str, Any] = {}
    for name, raw in state.facts.items():
        fid = fact_id(rs, name)
        if raw is _LEFT_OUT:
            facts.pop(fid, None)
        elif raw is _UNKNOWN:
            facts[fid] = "unknown"  # as a case file states it: blocks the presumption
        elif isinstance(raw, list):
            facts[fid] = _values_of(rs.facts[fid], raw)
        else:
            facts[fid] = raw if not isinstance(raw, str) else fact_value(rs.facts[fid], raw)
    return facts


def _allegation_entry(rs: Ruleset, written: dict[str, Any]) -> dict[str, Any]:
    """An allegation as a case file lists it, its values resolved against ``rs`` (an id, a
    label, or a part of a label such as ``失实`` or ``误告``)."""
    entry: dict[str, Any] = {"id": written["id"], "summary": written["summary"]}
    reporter: dict[str, Any] = {}
    for name, fid in ALLEGATION_FACTS.items():
        if name not in written:
            continue
        raw = written[name]
        if raw is _UNKNOWN:
            value: Any = "unknown"
        elif isinstance(raw, str):
            value = _allegation_value(rs, fid, raw)
        else:
            value = raw
        if name.startswith("reporter."):
            reporter[name.removeprefix("reporter.")] = value
        else:
            entry[name] = value
    if "finding" not in entry:
        raise StepFailed(f"举报问题「{written['id']}」没有写核查结论")
    if reporter:
        entry["reporter"] = reporter
    if "concluded_on" in written:
        entry["concluded_on"] = written["concluded_on"]
    return entry


def _allegation_value(rs: Ruleset, fid: str, raw: str) -> FactValue:
    decl = rs.facts.get(fid)
    if decl is None:
        raise StepFailed(f"规则集 {rs.id} 没有澄清正名规则（没有事实 {fid}），不能列出举报问题")
    for key, label in decl.values:
        if raw in re.split("[、，（）]", label):
            return key
    return fact_value(decl, raw)


def _values_of(decl: FactDecl, raws: list[str]) -> list[FactValue]:
    """The values of a fact written as several quoted values: only a ``multiple`` enum has more
    than one."""
    if not decl.multiple:
        raise StepFailed(
            f"「{decl.label}」只能有一个取值，实际写了 {len(raws)} 个：{'、'.join(raws)}"
        )
    return [fact_value(decl, raw) for raw in raws]


def _case(state: ScenarioState, facts: dict[str, Any], claims: list[str]) -> dict[str, Any]:
    return {
        "id": "SCENARIO",
        "title": "验收场景",
        "incident_date": state.incident_date,
        "claimed_situations": claims,
        "facts": {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in facts.items()},
    }


# --- then --------------------------------------------------------------------------------
