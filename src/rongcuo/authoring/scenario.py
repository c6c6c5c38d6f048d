"""Acceptance scenarios in Chinese Gherkin: the step library policy staff write with.

A scenario states facts (假如 …), evaluates (当 按 "wanzhou" 规则集认定) and checks the decision
(那么 …). Every step phrase lives in :data:`STEPS`, one table that serves three readers: the
``rongcuo test`` runner (:mod:`.testrun`), pytest-bdd (``features/test_features.py``
registers one catch-all step per keyword that dispatches here) and the docs (``rongcuo test
--steps`` prints the table). A step that matches no phrase fails with the closest phrases, not a
bare "step not found".

Facts, rules, looks and outcomes are named by id or by their Chinese label, so
``动机为 "出于公心"`` and ``事实 "motive" 为 "public"`` say the same thing. Names are resolved when
the case is evaluated, against the ruleset that evaluates it; an unknown name fails with a
did-you-mean.

A scenario's case reads as a case file does (catalogue §6): a fact it does not mention is read as
the ruleset presumes (or unknown, if it must be stated); a fact it states as not yet established
(``恶意串通尚未查明``, ``动机为 "不明"``) is unknown and blocks the presumption; ``案件材料未载明
恶意串通`` takes back a fact an earlier step (a background) stated, so it is presumed again.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from rongcuo.decision.model import (
    AllegationClearing,
    Decision,
    MissingFact,
    PresumedFact,
    RuleResult,
    ValueEffect,
)
from rongcuo.errors import did_you_mean
from rongcuo.ruleset.model import ALLEGATION_FACTS, FactDecl, FactValue, Named, Ruleset

StepKind = Literal["given", "when", "then"]

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
_TRUE = {"是", "true", "True", "成立", "有"}
_FALSE = {"否", "false", "False", "不成立", "无"}
_STATUS = {"成立": "true", "满足": "true", "不成立": "false", "不满足": "false", "不明": "unknown"}
_SHOWN = {"true": "成立", "false": "不成立", "unknown": "不明"}
_FINDINGS = {"有利": "favourable", "不利": "unfavourable", "中性": "neutral", "事实不清": "unknown"}
_SIDES = {
    "属可容的一侧": "tolerable",
    "可容": "tolerable",
    "属不容的一侧": "intolerable",
    "不容": "intolerable",
    "不涉及": "not_applicable",
    "事实不清": "unknown",
}
_KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "look": "六看认定规则",
    "outcome": "认定顺序规则",
    "strike": "查否排除规则",
    "clearing": "澄清正名规则",
    "clearing_method": "澄清方式规则",
    "reporter_handling": "对举报人的处理规则",
}
#: The kinds of the clearing rules, evaluated once for each allegation (catalogue §10).
CLEARING_KINDS = ("strike", "clearing", "clearing_method", "reporter_handling")
#: The case fact the clearing waits on: the cadre's consent.
CONSENT = "cadre_consents_to_clearing"


class StepFailed(AssertionError):
    """A step whose check does not hold, or that names something the ruleset does not have."""


class StepNotFound(LookupError):
    """No phrase of the step library matches a step; the message lists the closest phrases."""


@dataclass
class ScenarioState:
    """What a scenario builds up: the case (with facts by name), then the decision.

    The runner gives ``resolve`` (ruleset id, incident date → the ruleset in force) and
    ``evaluate`` (case dict, ruleset id → Decision).
    """

    resolve: Callable[[str, dt.date], Ruleset]
    evaluate: Callable[[dict[str, Any], str], Decision]
    incident_date: str = "2024-05-01"
    facts: dict[str, Any] = field(default_factory=dict)  # name (id or label) → raw value
    claims: list[str] = field(default_factory=list)
    #: the allegations the case lists, by id: their fields as the steps wrote them
    allegations: dict[str, dict[str, Any]] = field(default_factory=dict)
    decision: Decision | None = None
    ruleset: Ruleset | None = None

    def require_decision(self) -> tuple[Decision, Ruleset]:
        if self.decision is None or self.ruleset is None:
            raise StepFailed('还没有认定：先写一步「当 按 "<规则集>" 规则集认定」')
        return self.decision, self.ruleset


@dataclass(frozen=True)
class Step:
    """A step phrase: its keyword, its pattern, an example, and what it does."""

    kind: StepKind
    pattern: re.Pattern[str]
    example: str
    doc: str
    run: Callable[..., None]


STEPS: list[Step] = []


def _step(kind: StepKind, regex: str, example: str, doc: str) -> Callable[[Any], Any]:
    def register(func: Callable[..., None]) -> Callable[..., None]:
        STEPS.append(Step(kind, re.compile(f"^{regex}$"), example, doc, func))
        return func

    return register


Q = r'"(?P<{}>[^"]*)"'  # a quoted argument


def _q(name: str) -> str:
    return Q.format(name)


# --- resolving names ---------------------------------------------------------------------


def _pick(name: str, table: Mapping[str, Any], labels: Mapping[str, str], what: str) -> str:
    """The id ``name`` means in ``table``: an id, a label, or a label cut at its first （ or ，
    (``予以容错免责``, ``不予容错``), or a look without its leading 看."""
    if name in table:
        return name
    for key, label in labels.items():
        short = (label.split("（")[0], label.split("，")[0], label.removeprefix("看"))
        if name == label or name in short:
            return key
    choices = [*table, *labels.values()]
    raise StepFailed(f"没有名为「{name}」的{what}。{did_you_mean(name, choices)}".rstrip())


def fact_id(rs: Ruleset, name: str) -> str:
    """A fact named by id or label (a leading 案件/当事人 is optional)."""
    labels = {f.id: f.label for f in rs.facts.values()}
    for candidate in (name, name.removeprefix("案件"), name.removeprefix("当事人")):
        try:
            return _pick(candidate, rs.facts, labels, "事实")
        except StepFailed:
            continue
    return _pick(name, rs.facts, labels, "事实")


def fact_value(decl: FactDecl, raw: str) -> FactValue:
    """A value as a scenario writes it: an enum's label or id, 是/否, a number, a date, text."""
    if decl.type == "enum":
        values = dict(decl.values)
        return _pick(raw, values, values, f"「{decl.label}」的取值")
    if decl.type == "bool":
        if raw in _TRUE or raw in _FALSE:
            return raw in _TRUE
        raise StepFailed(f"「{decl.label}」是是非题，应写 是 或 否，实际是「{raw}」")
    if decl.type == "number":
        try:
            number = float(raw.replace(",", "").removesuffix(decl.unit) if decl.unit else raw)
        except ValueError:
            raise StepFailed(f"「{decl.label}」应是数字，实际是「{raw}」") from None
        return int(number) if number.is_integer() else number
    if decl.type == "date":
        try:
            return dt.date.fromisoformat(raw)
        except ValueError:
            raise StepFailed(f"「{decl.label}」应是日期（YYYY-MM-DD），实际是「{raw}」") from None
    return raw


def rule_id(rs: Ruleset, name: str, kinds: Iterable[str], what: str) -> str:
    table = {r.id: r for r in rs.rules.values() if r.kind in set(kinds)}
    return _pick(name, table, {k: r.label for k, r in table.items()}, what)


def outcome_id(rs: Ruleset, name: str) -> str:
    return _pick(name, rs.outcomes, {k: o.label for k, o in rs.outcomes.items()}, "结论")


def _value_of(decision: Decision, rid: str) -> str:
    for step in decision.trace:
        if step.rule == rid:
            return step.value
    raise StepFailed(f"规则 {rid} 没有出现在认定过程中")


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


@_step(
    "given",
    f"失误发生日期为 {_q('date')}",
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
    f"事实 {_q('name')} 为 {_q('value')}",
    '事实 "motive" 为 "public"',
    "写一项事实：事实可用 id 或中文名称，取值可用 id 或中文（是/否、数字、日期）",
)
@_step(
    "given",
    f'(?P<name>[^"\\s]+?)\\s*为 {_q("value")}',
    '动机为 "出于公心"',
    "写一项事实，直接以事实的中文名称开头（可省略开头的“案件”“当事人”）",
)
def _fact(state: ScenarioState, name: str, value: str) -> None:
    state.facts[name] = _UNKNOWN if value.strip() in _UNKNOWN_VALUES else value


_VALUES = '(?P<values>"[^"]*"(?:、"[^"]*")+)'  # two or more quoted values joined by 、


@_step(
    "given",
    f"事实 {_q('name')} 为 {_VALUES}",
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
    f"事实 {_q('name')} (?:尚)?(?:未查明|不明)",
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
    f"案件材料未载明事实 {_q('name')}",
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
    f"申请援引容错情形 {_q('name')}",
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
    f"举报问题 {_q('aid')}(?: {_q('summary')})? 经核查为 {_q('finding')}",
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
    f"举报问题 {_q('aid')}(?: {_q('summary')})? (?:尚未查清|核查结论尚未作出)",
    '举报问题 "A2" "违规审批低保" 尚未查清',
    '案件列出的一项举报问题尚未查清（核查结论为 "尚未查清"）',
)
def _allegation_open(state: ScenarioState, aid: str, summary: str | None) -> None:
    _allegation_found(state, aid, summary, "尚未查清")


@_step(
    "given",
    f"举报问题 {_q('aid')} 的诬告陷害种类为 {_q('kind')}",
    '举报问题 "A1" 的诬告陷害种类为 "不正当诉求未满足而诬告"',
    "经认定为诬告陷害的举报问题属于哪一种（id 或名称）；不写时按其他诬告陷害情形",
)
def _allegation_kind(state: ScenarioState, aid: str, kind: str) -> None:
    _allegation(state, aid)["kind"] = kind


@_step(
    "given",
    f"举报问题 {_q('aid')} 的扩散范围为 {_q('spread')}",
    '举报问题 "A1" 的扩散范围为 "网络"',
    "举报问题传播到多大范围：本单位、镇村社区、网络、社会面；不写时按本单位",
)
def _allegation_spread(state: ScenarioState, aid: str, spread: str) -> None:
    _allegation(state, aid)["spread"] = spread


@_step(
    "given",
    f"举报问题 {_q('aid')} 为(?P<signed>实名|匿名)举报",
    '举报问题 "A1" 为实名举报',
    "该举报是实名还是匿名；不写时按匿名",
)
def _allegation_signed(state: ScenarioState, aid: str, signed: str) -> None:
    _allegation(state, aid)["reporter.signed"] = signed == "实名"


@_step(
    "given",
    f"举报问题 {_q('aid')} (?P<informed>已|尚未)向举报人反馈核查结果",
    '举报问题 "A1" 已向举报人反馈核查结果',
    "是否已向举报人反馈核查结果；不写时按尚未反馈",
)
def _allegation_informed(state: ScenarioState, aid: str, informed: str) -> None:
    _allegation(state, aid)["reporter.informed"] = informed == "已"


@_step(
    "given",
    f"举报问题 {_q('aid')} 的核查结论于 {_q('date')} 作出",
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
    f"按 {_q('ruleset')} 规则集认定",
    '按 "wanzhou" 规则集认定',
    "用该规则集（在失误发生日期有效的版本）认定",
)
def _evaluate(state: ScenarioState, ruleset: str) -> None:
    rs = state.resolve(ruleset, dt.date.fromisoformat(state.incident_date))
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
    claims = [rule_id(rs, c, ("situation",), "容错情形") for c in state.claims]
    case = _case(state, facts, claims)
    if state.allegations:
        case["allegations"] = [_allegation_entry(rs, a) for a in state.allegations.values()]
    state.decision = state.evaluate(case, ruleset)
    state.ruleset = rs


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


@_step(
    "then",
    f"结论为 {_q('outcome')}",
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
    f"可能的结论包括 {_q('outcome')}",
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
    f"六看中 {_q('look')} 为 {_q('finding')}",
    '六看中 "看程序方法" 为 "不利"',
    "六看之一的结论：有利、不利、中性、事实不清",
)
def _look(state: ScenarioState, look: str, finding: str) -> None:
    d, rs = state.require_decision()
    lid = _pick(look, rs.looks, {k: v.label for k, v in rs.looks.items()}, "六看")
    want = _FINDINGS.get(finding, finding)
    got = next(x for x in d.looks if x.id == lid)
    if got.finding != want:
        raise StepFailed(f"「{got.label}」为「{got.finding_label}」，不是「{finding}」")


@_step(
    "then",
    f"三个区分开来中 {_q('name')} 为 {_q('side')}",
    '三个区分开来中 "d1_inexperience_vs_knowing" 为 "可容"',
    "三个区分开来之一落在哪一侧：可容、不容、不涉及、事实不清",
)
def _distinction(state: ScenarioState, name: str, side: str) -> None:
    d, rs = state.require_decision()
    did = _pick(name, rs.distinctions, {k: v.label for k, v in rs.distinctions.items()}, "区分")
    got = next(x for x in d.distinctions if x.id == did)
    if got.side != _SIDES.get(side, side):
        raise StepFailed(f"「{got.label}」为「{got.side_label}」，不是「{side}」")


def _rule_status(
    state: ScenarioState, name: str, status: str, kinds: tuple[str, ...], what: str
) -> None:
    d, rs = state.require_decision()
    rid = rule_id(rs, name, kinds, what)
    got = _value_of(d, rid)
    if got != _STATUS[status]:
        raise StepFailed(f"{what}「{rs.rules[rid].label}」{_SHOWN[got]}，不是{status}")


@_step(
    "then",
    f"容错情形 {_q('name')} (?P<status>成立|不成立|不明)",
    '容错情形 "pilot_reform_deviation" 成立',
    "某一容错情形成立、不成立或不明",
)
def _situation(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("situation",), "容错情形")


@_step(
    "then",
    f"不予容错情形 {_q('name')} (?P<status>成立|不成立|不明)",
    '不予容错情形 "malicious_collusion" 成立',
    "某一不予容错情形成立、不成立或不明",
)
def _exclusion(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("exclusion",), "不予容错情形")


@_step(
    "then",
    f"容错条件 {_q('name')} (?P<status>满足|不满足|不明)",
    '容错条件 "due_process" 不满足',
    "某一容错条件满足、不满足或不明",
)
def _precondition(state: ScenarioState, name: str, status: str) -> None:
    _rule_status(state, name, status, ("precondition",), "容错条件")


@_step(
    "then",
    f"规则 {_q('name')} (?P<status>成立|不成立|不明)",
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
    f"需补充查明事实 {_q('name')}",
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
    f"不需补充查明事实 {_q('name')}",
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
    f"首先应查明 {_q('name')}",
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
    f"查明 {_q('name')} 即可定论",
    '查明 "collusion" 即可定论',
    "该缺失事实无论查明为何值，单独即可决定结论",
)
def _settles(state: ScenarioState, name: str) -> None:
    found, label = _missing_fact(state, name)
    if not found.settles:
        raise StepFailed(f"查明「{label}」还不能定论：{_effects(found.effects)}")


@_step(
    "then",
    f"需一并查明事实 {_q('name')}",
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
    f"推定 {_q('name')} 为 {_q('value')}",
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
    f"推定 {_q('name')} (?P<changes>会|不会)改变结论",
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
    f"推定 {_q('name')} 如为 {_q('value')}，结论将为 {_q('outcome')}",
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
    f"没有推定 {_q('name')}",
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
    f"推定说明包含 {_q('text')}",
    '推定说明包含 "如存在，结论将为予以容错免责"',
    "认定中说明所依赖推定的那一段（中文）包含这段文字",
)
def _presumed_summary(state: ScenarioState, text: str) -> None:
    d, _ = state.require_decision()
    if text not in d.presumed_summary_zh:
        raise StepFailed(f"推定说明是「{d.presumed_summary_zh or '（无）'}」，不含「{text}」")


@_step(
    "then",
    f"认定依据引用 {_q('text')}",
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
    "then", f"认定理由包含 {_q('text')}", '认定理由包含 "第十七条"', "认定理由（中文）包含这段文字"
)
def _reason(state: ScenarioState, text: str) -> None:
    d, _ = state.require_decision()
    if text not in d.reason_zh:
        raise StepFailed(f"理由是「{d.reason_zh}」，不含「{text}」")


# --- clearing names: what the decision says of each allegation (catalogue §10) ------------


def _cleared_item(state: ScenarioState, aid: str) -> tuple[AllegationClearing, Ruleset]:
    d, rs = state.require_decision()
    items = d.clearing.allegations if d.clearing else []
    for item in items:
        if item.id == aid:
            return item, rs
    listed = "、".join(i.id for i in items) or "无"
    raise StepFailed(f"认定中没有举报问题「{aid}」；列出的举报问题有：{listed}")


def _named_id(named: Iterable[Named], name: str, what: str) -> str:
    """The id ``name`` means among a clearing block's entries: an id, a label, a part of a
    label (split at 、，（）), or words only one label contains (``发函说明``)."""
    table = {n.id: n.label for n in named}
    for key, label in table.items():
        if name in re.split("[、，（）]", label):
            return key
    within = [key for key, label in table.items() if name and name in label]
    if len(within) == 1 and name not in table:
        return within[0]
    return _pick(name, table, table, what)


_STRUCK = {"从问责事项中排除": "true", "不从问责事项中排除": "false", "是否排除尚待查明": "unknown"}


@_step(
    "then",
    f"举报问题 {_q('aid')} (?P<struck>从问责事项中排除|不从问责事项中排除|是否排除尚待查明)",
    '举报问题 "A1" 从问责事项中排除',
    "该举报问题经核查予以否定，从问责事项中排除（失实、错告误告、诬告陷害）；部分属实、属实的"
    "不排除；尚未查清的是否排除尚待查明",
)
def _struck(state: ScenarioState, aid: str, struck: str) -> None:
    item, _ = _cleared_item(state, aid)
    if item.struck != _STRUCK[struck]:
        shown = {v: k for k, v in _STRUCK.items()}[item.struck]
        raise StepFailed(
            f"举报问题「{aid}」{shown}（核查结论：{item.finding_label}），不是{struck}"
        )


@_step(
    "then",
    "所涉举报问题(?P<which>均|并非均|是否均)经核查予以否定",
    "所涉举报问题均经核查予以否定",
    "每一项举报问题都从问责事项中排除（均）、至少一项不排除（并非均），或尚待查明（是否均）",
)
def _all_struck(state: ScenarioState, which: str) -> None:
    d, _ = state.require_decision()
    want = {"均": "true", "并非均": "false", "是否均": "unknown"}[which]
    got = d.clearing.all_struck if d.clearing else "false"
    if got != want:
        raise StepFailed(f"所涉举报问题是否均予否定：{_SHOWN[got]}，不是「{which}」")


_CLEARING = {
    "予以澄清正名": "clear",
    "待查明后澄清": "pending",
    "待征求本人意见": "pending",
    "不予澄清": "not_cleared",
}


@_step(
    "then",
    f"举报问题 {_q('aid')} (?P<status>予以澄清正名|待查明后澄清|待征求本人意见|不予澄清)",
    '举报问题 "A1" 待征求本人意见',
    "该举报问题是否澄清正名：予以澄清正名；待查明后澄清（尚有事实待查明）；待征求本人意见"
    "（当事人是否同意尚未载明）；不予澄清（属实，或本人不同意）",
)
def _clearing_status(state: ScenarioState, aid: str, status: str) -> None:
    item, _ = _cleared_item(state, aid)
    ok = item.clearing == _CLEARING[status]
    if ok and status == "待征求本人意见":
        ok = CONSENT in {p.id for p in item.pending}
    if not ok:
        raise StepFailed(f"举报问题「{aid}」{item.clearing_label}，不是{status}")


@_step(
    "then",
    f"举报问题 {_q('aid')} 的澄清尚待查明 {_q('name')}",
    '举报问题 "A2" 的澄清尚待查明 "核查结论"',
    "该举报问题的澄清正名尚待查明这一事实（id 或名称）",
)
def _clearing_pending(state: ScenarioState, aid: str, name: str) -> None:
    item, rs = _cleared_item(state, aid)
    fid = fact_id(rs, name)
    if fid not in {p.id for p in item.pending}:
        listed = "、".join(p.label for p in item.pending) or "无"
        raise StepFailed(
            f"举报问题「{aid}」的澄清不待查明「{rs.facts[fid].label}」；待查明：{listed}"
        )


@_step(
    "then",
    f"(?:举报问题 {_q('aid')} 的)?澄清方式(?P<has>包括|不包括) {_q('method')}",
    '举报问题 "A1" 的澄清方式包括 "发布澄清公告"',
    "该举报问题（不写编号时：任一举报问题）的澄清方式包括（不包括）这一方式（id 或名称）",
)
def _method(state: ScenarioState, aid: str | None, has: str, method: str) -> None:
    d, rs = state.require_decision()
    block = rs.clearing
    mid = _named_id(block.methods if block else (), method, "澄清方式")
    items = [_cleared_item(state, aid)[0]] if aid else d.clearing.allegations if d.clearing else []
    got = {m.id for i in items for m in i.methods}
    if (mid in got) != (has == "包括"):
        listed = "、".join(m.label for i in items for m in i.methods) or "无"
        raise StepFailed(
            f"澄清方式{'不' if has == '包括' else ''}包括「{method}」；澄清方式有：{listed}"
        )


@_step(
    "then",
    f"(?:举报问题 {_q('aid')} )?对举报人(?P<neg>的处理不包括)? {_q('handling')}",
    '对举报人 "移送有关机关依规依纪依法查处"',
    "对该举报问题（不写编号时：任一举报问题）的举报人如何处理（id 或名称）：移送查处、批评教育、"
    "予以了结、书面反馈；写「对举报人的处理不包括」时检查没有这一处理",
)
def _handling(state: ScenarioState, aid: str | None, neg: str | None, handling: str) -> None:
    d, rs = state.require_decision()
    block = rs.clearing
    hid = _named_id(block.handlings if block else (), handling, "对举报人的处理")
    items = [_cleared_item(state, aid)[0]] if aid else d.clearing.allegations if d.clearing else []
    got = {h.id for i in items for h in i.reporter.handlings}
    if (hid in got) == bool(neg):
        listed = "、".join(h.label for i in items for h in i.reporter.handlings) or "无"
        raise StepFailed(
            f"对举报人的处理{'包括' if neg else '不包括'}「{handling}」；对举报人的处理有：{listed}"
        )


@_step(
    "then",
    f"举报问题 {_q('aid')} 对举报人不作处理",
    '举报问题 "A1" 对举报人不作处理',
    "该举报问题没有对举报人的处理（属实的匿名举报，或尚未查清）",
)
def _no_handling(state: ScenarioState, aid: str) -> None:
    item, _ = _cleared_item(state, aid)
    if item.reporter.handlings:
        listed = "、".join(h.label for h in item.reporter.handlings)
        raise StepFailed(f"举报问题「{aid}」对举报人的处理有：{listed}")


@_step(
    "then",
    f"举报问题 {_q('aid')} 的诬告陷害种类认定为 {_q('kind')}",
    '举报问题 "A1" 的诬告陷害种类认定为 "其他诬告陷害情形"',
    "诬告陷害的种类（写明的，或未写明时推定的）",
)
def _kind_is(state: ScenarioState, aid: str, kind: str) -> None:
    item, rs = _cleared_item(state, aid)
    block = rs.clearing
    kid = _named_id(block.kinds if block else (), kind, "诬告陷害的种类")
    if item.kind is None or item.kind.id != kid:
        got = item.kind.label if item.kind else "无（不是诬告陷害）"
        raise StepFailed(f"举报问题「{aid}」的诬告陷害种类为「{got}」，不是「{kind}」")


@_step(
    "then",
    f"举报问题 {_q('aid')} 的澄清期限为 {_q('days')} 个工作日",
    '举报问题 "A1" 的澄清期限为 "15" 个工作日',
    "澄清正名的期限（规则集参数，自核查结论作出之日起算的工作日数）",
)
def _deadline(state: ScenarioState, aid: str, days: str) -> None:
    item, _ = _cleared_item(state, aid)
    got = item.deadline.working_days if item.deadline else None
    if str(got) != days.strip():
        raise StepFailed(
            f"举报问题「{aid}」的澄清期限为 {got if got is not None else '无'} 个工作日"
        )


@_step(
    "then",
    f"澄清规则 {_q('name')} 对举报问题 {_q('aid')} (?P<status>成立|不成立|不明)",
    '澄清规则 "method_public_notice" 对举报问题 "A1" 成立',
    "某一澄清正名规则（排除、澄清、澄清方式、对举报人的处理，按 id 或名称）对该举报问题成立、"
    "不成立或不明",
)
def _clearing_rule(state: ScenarioState, name: str, aid: str, status: str) -> None:
    item, rs = _cleared_item(state, aid)
    rid = rule_id(rs, name, CLEARING_KINDS, "澄清正名规则")
    got = next((r.value for r in item.rules if r.id == rid), None)
    if got is None:
        raise StepFailed(f"规则 {rid} 没有对举报问题「{aid}」认定")
    if got != _STATUS[status]:
        raise StepFailed(
            f"澄清正名规则「{rs.rules[rid].label}」对举报问题「{aid}」{_SHOWN[got]}，不是{status}"
        )


# --- dispatch ----------------------------------------------------------------------------


def run_step(kind: StepKind, text: str, state: ScenarioState) -> None:
    """Run the library step that matches ``text``; :class:`StepNotFound` lists close phrases."""
    for step in STEPS:
        if step.kind == kind and (m := step.pattern.match(text.strip())):
            step.run(state, **m.groupdict())
            return
    raise StepNotFound(_not_found(kind, text))


def _not_found(kind: StepKind, text: str) -> str:
    keyword = {"given": "假如", "when": "当", "then": "那么"}[kind]
    same = [s.example for s in STEPS if s.kind == kind]
    close = difflib.get_close_matches(text, same, n=3, cutoff=0.0)
    others = [
        s.example
        for s in STEPS
        if s.kind != kind and difflib.SequenceMatcher(None, text, s.example).ratio() > 0.6
    ]
    lines = [
        f"没有与「{keyword} {text}」匹配的步骤 no step matches '{text}'",
        "最接近的写法 closest phrases:",
    ]
    lines += [f"    {keyword} {c}" for c in close]
    if others:
        lines.append(
            "（这些是其他关键词下的步骤 under another keyword：" + "；".join(others) + "）"
        )
    lines.append("全部步骤见 all steps: rongcuo test --steps，或 docs/scenario.md")
    return "\n".join(lines)


def step_table() -> str:
    """The step library as a Markdown table (for ``rongcuo test --steps`` and the docs)."""
    keyword = {"given": "假如", "when": "当", "then": "那么"}
    rows = ["| 关键词 | 写法示例 | 含义 |", "|---|---|---|"]
    rows += [f"| {keyword[s.kind]} | `{s.example}` | {s.doc} |" for s in STEPS]
    return "\n".join(rows) + "\n"


#: The rule kinds coverage counts: a clearing rule counts when it held for some allegation.
COVERED_KINDS = tuple(_KIND_ZH)


def kind_label(kind: str) -> str:
    return _KIND_ZH.get(kind, kind)
