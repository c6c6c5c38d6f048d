"""Then: the steps that check a scenario's decision.

Takes the decision and the ruleset that made it (:meth:`ScenarioState.require_decision`) and a
phrase under 那么: the outcome and the possible ones, the six looks, the three distinctions, a
rule's status, the missing facts and what finding them would settle, the presumptions, the
citations and the reason. Gives :data:`CHECK_STEPS`; a check that does not hold raises
:class:`~rongcuo.authoring.scenario_steps.StepFailed` saying what the decision found instead.
"""

from __future__ import annotations

from collections.abc import Iterable

from rongcuo.authoring.scenario_names import (
    SHOWN,
    STATUS,
    fact_id,
    fact_value,
    outcome_id,
    pick,
    rule_id,
)
from rongcuo.authoring.scenario_steps import (
    ScenarioState,
    Step,
    StepFailed,
    quoted,
    step_registry,
)
from rongcuo.decision.model import Decision, MissingFact, PresumedFact, RuleResult, ValueEffect
from rongcuo.ruleset.model import Ruleset

_FINDINGS = {"有利": "favourable", "不利": "unfavourable", "中性": "neutral", "事实不清": "unknown"}
_SIDES = {
    "属可容的一侧": "tolerable",
    "可容": "tolerable",
    "属不容的一侧": "intolerable",
    "不容": "intolerable",
    "不涉及": "not_applicable",
    "事实不清": "unknown",
}

#: The then phrases on the decision, in the order they are written.
CHECK_STEPS: list[Step] = []
_step = step_registry(CHECK_STEPS)


def _value_of(decision: Decision, rid: str) -> str:
    for step in decision.trace:
        if step.rule == rid:
            return step.value
    raise StepFailed(f"规则 {rid} 没有出现在认定过程中")


# --- then --------------------------------------------------------------------------------


@_step(
    "then",
    f"结论为 {quoted('outcome')}",
    '结论为 "予以容错免责"',
    "认定结论（id、全称，或括号前的部分）",
)
def _outcome(state: ScenarioState, outcome: str) -> None:
    d, rs = state.require_decision()
    want = outcome_id(rs, outcome)
    if d.outcome != want:
        raise StepFailed(
            f"结论是「{d.outcome_label}」，不是「{rs.outcomes[want].label}」。理由：{d.reason_zh}"
        )


@_step(
    "then",
    f"可能的结论包括 {quoted('outcome')}",
    '可能的结论包括 "不予容错"',
    "事实不清时，某个结论仍有可能",
)
def _possible(state: ScenarioState, outcome: str) -> None:
    d, rs = state.require_decision()
    want = outcome_id(rs, outcome)
    if want not in d.possible_outcomes:
        raise StepFailed(f"可能的结论是 {d.possible_outcomes}，不包括 {want}")


@_step(
    "then",
    f"六看中 {quoted('look')} 为 {quoted('finding')}",
    '六看中 "看程序方法" 为 "不利"',
    "六看之一的结论：有利、不利、中性、事实不清",
)
def _look(state: ScenarioState, look: str, finding: str) -> None:
    d, rs = state.require_decision()
    lid = pick(look, rs.looks, {k: v.label for k, v in rs.looks.items()}, "六看")
    want = _FINDINGS.get(finding, finding)
    got = next(x for x in d.looks if x.id == lid)
    if got.finding != want:
        raise StepFailed(f"「{got.label}」为「{got.finding_label}」，不是「{finding}」")


@_step(
    "then",
    f"三个区分开来中 {quoted('name')} 为 {quoted('side')}",
    '三个区分开来中 "d1_inexperience_vs_knowing" 为 "可容"',
    "三个区分开来之一落在哪一侧：可容、不容、不涉及、事实不清",
)
def _distinction(state: ScenarioState, name: str, side: str) -> None:
    d, rs = state.require_decision()
    did = pick(name, rs.distinctions, {k: v.label for k, v in rs.distinctions.items()}, "区分")
    got = next(x for x in d.distinctions if x.id == did)
    if got.side != _SIDES.get(side, side):
        raise StepFailed(f"「{got.label}」为「{got.side_label}」，不是「{side}」")


def _rule_status(
    state: ScenarioState, name: str, status: str, kinds: tuple[str, ...], what: str
) -> None:
    d, rs = state.require_decision()
    rid = rule_id(rs, name, kinds, what)
    got = _value_of(d, rid)
    if got != STATUS[status]:
        raise StepFailed(f"{what}「{rs.rules[rid].label}」{SHOWN[got]}，不是{status}")


@_step(
    "then",
    f"容错情形 {quoted('name')} (?P<status>成立|不成立|不明)",
    '容错情形 "pilot_reform_deviation" 成立',
    "某一容错情形成立、不成立或不明",
)
def _situation(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("situation",), "容错情形")


@_step(
    "then",
    f"不予容错情形 {quoted('name')} (?P<status>成立|不成立|不明)",
    '不予容错情形 "malicious_collusion" 成立',
    "某一不予容错情形成立、不成立或不明",
)
def _exclusion(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("exclusion",), "不予容错情形")


@_step(
    "then",
    f"容错条件 {quoted('name')} (?P<status>满足|不满足|不明)",
    '容错条件 "due_process" 不满足',
    "某一容错条件满足、不满足或不明",
)
def _precondition(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("precondition",), "容错条件")


@_step(
    "then",
    f"规则 {quoted('name')} (?P<status>成立|不成立|不明)",
    '规则 "look_procedure_flawed" 成立',
    "任一规则（按 id 或名称）成立、不成立或不明",
)
def _any_rule(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(
        state,
        name,
        status,
        tuple({r.kind for r in state.require_decision()[1].rules.values()}),
        "规则",
    )


@_step(
    "then",
    f"需补充查明事实 {quoted('name')}",
    '需补充查明事实 "collusion"',
    "该事实未查明，且查明后可能改变结论",
)
def _missing(state: ScenarioState, name: str) -> None:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    found = {m.id: m for m in d.missing_facts}.get(fid)
    if found is None or not found.changes_outcome:
        wanted = [m.label for m in d.missing_facts if m.changes_outcome]
        raise StepFailed(
            f"「{rs.facts[fid].label}」不是影响结论的缺失事实；影响结论的有：{'、'.join(wanted) or '无'}"
        )


@_step(
    "then",
    f"不需补充查明事实 {quoted('name')}",
    '不需补充查明事实 "dissent_recorded"',
    "该事实不是影响结论的缺失事实（已写明，按推定认定，或查明与否都不改变结论）",
)
def _not_missing(state: ScenarioState, name: str) -> None:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    found = {m.id: m for m in d.missing_facts}.get(fid)
    if found is not None and found.changes_outcome:
        raise StepFailed(
            f"「{rs.facts[fid].label}」是影响结论的缺失事实：{_effects(found.effects)}"
        )


@_step(
    "then",
    f"首先应查明 {quoted('name')}",
    '首先应查明 "loss_cause"',
    "缺失事实按应当先问的顺序排列，第一项是这一事实（先列单独即可定论的，再列影响最大的）",
)
def _first_missing(state: ScenarioState, name: str) -> None:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    if not d.missing_facts or d.missing_facts[0].id != fid:
        order = "、".join(m.label for m in d.missing_facts) or "无"
        raise StepFailed(f"首先应查明的不是「{rs.facts[fid].label}」；缺失事实依次为：{order}")


@_step(
    "then",
    f"查明 {quoted('name')} 即可定论",
    '查明 "collusion" 即可定论',
    "该缺失事实无论查明为何值，单独即可决定结论",
)
def _settles(state: ScenarioState, name: str) -> None:
    found, label = _missing_fact(state, name)
    if not found.settles:
        raise StepFailed(f"查明「{label}」还不能定论：{_effects(found.effects)}")


@_step(
    "then",
    f"需一并查明事实 {quoted('name')}",
    '需一并查明事实 "reported_upward"',
    "该缺失事实单独不改变结论，与另一项缺失事实一并查明后才可能改变",
)
def _jointly(state: ScenarioState, name: str) -> None:
    found, label = _missing_fact(state, name)
    if found.jointly is not True:
        alone = "单独即可能改变结论" if found.changes_outcome else "与其他事实一并查明也不改变结论"
        raise StepFailed(f"「{label}」{alone}")


def _missing_fact(state: ScenarioState, name: str) -> tuple[MissingFact, str]:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    for m in d.missing_facts:
        if m.id == fid:
            return m, m.label
    listed = "、".join(m.label for m in d.missing_facts) or "无"
    raise StepFailed(f"「{rs.facts[fid].label}」不是缺失事实；缺失事实有：{listed}")


def _effects(effects: Iterable[ValueEffect]) -> str:
    return "；".join(f"为「{e.display}」时{e.outcome_label}" for e in effects) or "无"


# --- presumptions: what the decision took as presumed (catalogue §6.7) -------------------


def _presumed_fact(state: ScenarioState, name: str) -> tuple[PresumedFact, Ruleset]:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    for p in d.presumed:
        if p.id == fid:
            return p, rs
    listed = "、".join(f"{p.label}（{p.display}）" for p in d.presumed) or "无"
    raise StepFailed(f"认定没有推定「{rs.facts[fid].label}」；推定的事实有：{listed}")


@_step(
    "then",
    f"推定 {quoted('name')} 为 {quoted('value')}",
    '推定 "在集体决策中明确提出反对或保留意见" 为 "否"',
    "案件材料未载明该事实，认定按规则集的推定取此值，并在推定的事实中列明",
)
def _presumed_as(state: ScenarioState, name: str, value: str) -> None:
    p, rs = _presumed_fact(state, name)
    want = fact_value(rs.facts[p.id], value)
    if p.value != want:
        raise StepFailed(
            f"「{p.label}」推定为「{p.display}」，不是「{value}」。推定理由：{p.reason}"
        )


@_step(
    "then",
    f"推定 {quoted('name')} (?P<changes>会|不会)改变结论",
    '推定 "dissent_recorded" 会改变结论',
    "认定依赖的推定中，该事实单独取其他值时结论会（不会）改变",
)
def _presumed_changes(state: ScenarioState, name: str, changes: str) -> None:
    p, _ = _presumed_fact(state, name)
    if p.changes_outcome != (changes == "会"):
        raise StepFailed(
            f"推定「{p.label}」为「{p.display}」{'不会' if changes == '会' else '会'}改变结论："
            f"{_effects(p.effects)}"
        )


@_step(
    "then",
    f"推定 {quoted('name')} 如为 {quoted('value')}，结论将为 {quoted('outcome')}",
    '推定 "dissent_recorded" 如为 "是"，结论将为 "予以容错免责"',
    "该推定的事实单独取另一值时的结论（推定说明中的“如存在……，结论将为……”）",
)
def _presumed_effect(state: ScenarioState, name: str, value: str, outcome: str) -> None:
    p, rs = _presumed_fact(state, name)
    other = fact_value(rs.facts[p.id], value)
    want = outcome_id(rs, outcome)
    for e in p.effects:
        if e.value == other:
            if e.outcome != want:
                raise StepFailed(f"「{p.label}」如为「{e.display}」，结论将为「{e.outcome_label}」")
            return
    raise StepFailed(f"「{p.label}」没有试过取值「{value}」：{_effects(p.effects)}")


@_step(
    "then",
    f"没有推定 {quoted('name')}",
    '没有推定 "collusion"',
    "认定没有把该事实当作推定的事实（案件材料写明了它、写明尚未查明，或结论不取决于它）",
)
def _not_presumed(state: ScenarioState, name: str) -> None:
    d, rs = state.require_decision()
    fid = fact_id(rs, name)
    for p in d.presumed:
        if p.id == fid:
            raise StepFailed(f"认定推定了「{p.label}」为「{p.display}」：{p.reason}")


@_step(
    "then",
    f"推定说明包含 {quoted('text')}",
    '推定说明包含 "如存在，结论将为予以容错免责"',
    "认定中说明所依赖推定的那一段（中文）包含这段文字",
)
def _presumed_summary(state: ScenarioState, text: str) -> None:
    d, _ = state.require_decision()
    if text not in d.presumed_summary_zh:
        raise StepFailed(f"推定说明是「{d.presumed_summary_zh or '（无）'}」，不含「{text}」")


@_step(
    "then",
    f"认定依据引用 {quoted('text')}",
    '认定依据引用 "《万州区容错纠错实施办法》第五条"',
    "成立的容错情形、不予容错情形或决定结论的规则，引用了含此文字的文件和条款",
)
def _cites(state: ScenarioState, text: str) -> None:
    d, _ = state.require_decision()
    held: list[RuleResult] = [*d.situations_matched(), *d.exclusions_hit()]
    cited = [f"{r.citation.doc_title}{r.citation.clause}" for r in held if r.citation]
    cited += [
        f"{w.citation.doc_title}{w.citation.clause}"
        for w in d.walk
        if w.rule == d.deciding_rule and w.citation
    ]
    if not any(text in c for c in cited):
        raise StepFailed(f"没有引用「{text}」；引用的是：{'；'.join(cited) or '无'}")


@_step(
    "then",
    f"认定理由包含 {quoted('text')}",
    '认定理由包含 "第十七条"',
    "认定理由（中文）包含这段文字",
)
def _reason(state: ScenarioState, text: str) -> None:
    d, _ = state.require_decision()
    if text not in d.reason_zh:
        raise StepFailed(f"理由是「{d.reason_zh}」，不含「{text}」")


# --- clearing names: what the decision says of each allegation (catalogue §10) ------------
