"""Then, on clearing names: the steps that check what the decision says of each allegation.

Takes the decision's clearing block (catalogue §10) and a phrase under 那么: whether an
allegation is struck from the matters of accountability, whether and how the cadre's name is
cleared and by when, what is done about the reporter, and a clearing rule's status for one
allegation. Gives :data:`CLEARING_STEPS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rongcuo.authoring.scenario_names import (
    CLEARING_KINDS,
    CONSENT,
    SHOWN,
    STATUS,
    fact_id,
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
from rongcuo.decision.model import AllegationClearing
from rongcuo.ruleset.model import Named, Ruleset

#: The then phrases on clearing names, in the order they are written.
CLEARING_STEPS: list[Step] = []
_step = step_registry(CLEARING_STEPS)


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
    return pick(name, table, table, what)


_STRUCK = {"从问责事项中排除": "true", "不从问责事项中排除": "false", "是否排除尚待查明": "unknown"}


@_step(
    "then",
    f"举报问题 {quoted('aid')} (?P<struck>从问责事项中排除|不从问责事项中排除|是否排除尚待查明)",
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
        raise StepFailed(f"所涉举报问题是否均予否定：{SHOWN[got]}，不是「{which}」")


_CLEARING = {
    "予以澄清正名": "clear",
    "待查明后澄清": "pending",
    "待征求本人意见": "pending",
    "不予澄清": "not_cleared",
}


@_step(
    "then",
    f"举报问题 {quoted('aid')} (?P<status>予以澄清正名|待查明后澄清|待征求本人意见|不予澄清)",
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
    f"举报问题 {quoted('aid')} 的澄清尚待查明 {quoted('name')}",
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
    f"(?:举报问题 {quoted('aid')} 的)?澄清方式(?P<has>包括|不包括) {quoted('method')}",
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
    f"(?:举报问题 {quoted('aid')} )?对举报人(?P<neg>的处理不包括)? {quoted('handling')}",
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
    f"举报问题 {quoted('aid')} 对举报人不作处理",
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
    f"举报问题 {quoted('aid')} 的诬告陷害种类认定为 {quoted('kind')}",
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
    f"举报问题 {quoted('aid')} 的澄清期限为 {quoted('days')} 个工作日",
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
    f"澄清规则 {quoted('name')} 对举报问题 {quoted('aid')} (?P<status>成立|不成立|不明)",
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
    if got != STATUS[status]:
        raise StepFailed(
            f"澄清正名规则「{rs.rules[rid].label}」对举报问题「{aid}」{SHOWN[got]}，不是{status}"
        )
