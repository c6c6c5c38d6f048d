"""Views of a case's procedure record: JSON for other systems, Chinese text for officers.

Takes :class:`~rongcuo.procedure.book.CaseView` (one case on a day) and lists of them; gives
:func:`view_json` (the JSON the CLI's ``--format json`` and the service answer), :func:`row_json`
(a list row), :func:`view_text`, :func:`list_text` and :func:`log_text` (the audit trail). They
only read the view: the same view gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from rongcuo.case.contract import SANCTION_KINDS
from rongcuo.procedure.book import CaseView
from rongcuo.procedure.deadlines import StepDue
from rongcuo.procedure.events import Event
from rongcuo.procedure.loop import OpenItem
from rongcuo.procedure.state import Item
from rongcuo.records.model import OUTCOME_LABELS
from rongcuo.ruleset.model import ANCHORS

OPENED_BY = {"application": "依申请启动", "own_motion": "问责机关主动启动"}
LEVELS_ZH = {1: "一级预警", 2: "二级预警", 3: "三级预警"}


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def step_json(s: StepDue) -> dict[str, Any]:
    """One step's deadline and state."""
    return {
        "id": s.id,
        "label": s.label,
        "by": s.by,
        "state": s.state,
        "state_label": s.state_label,
        "starts": s.starts,
        "start": _day(s.start),
        "working_days": s.limit_days or None,
        "due": _day(s.due),
        "extendable_by": s.extendable_by or None,
        "extended_due": _day(s.extended_due),
        "extension_reason": s.extension_reason or None,
        "done_on": _day(s.done_on),
        "late": s.late,
        "error": {"code": s.error_code, "message": s.error} if s.error else None,
    }


def _item(i: Item, as_of: dt.date) -> dict[str, Any]:
    overdue = i.done_on is None and i.due is not None and as_of > i.due
    return {
        "id": i.id,
        "what": i.what,
        "who": i.who or None,
        "cause": i.cause or None,
        "due": _day(i.due),
        "done_on": _day(i.done_on),
        "done_by": i.done_by or None,
        "note": i.note or None,
        "state": "done" if i.done_on else "overdue" if overdue else "open",
    }


def view_json(v: CaseView) -> dict[str, Any]:
    """The whole case on its day."""
    s = v.state
    decided = s.details.get("decided")
    return {
        "id": s.id,
        "title": s.title,
        "ruleset": {"id": v.ruleset.id, "version": v.ruleset.version},
        "cadre_id": s.cadre_id,
        "opened_by": s.opened_by,
        "as_of": v.as_of.isoformat(),
        "status": v.status,
        "status_label": v.status_label,
        "version": s.version,
        "head_hash": s.head,
        "events": {k: s.dates[k].isoformat() for k in ANCHORS if k in s.dates},
        "decision": None
        if decided is None
        else {
            "on": decided.on.isoformat(),
            "body": decided.body,
            "outcome": decided.outcome,
            "outcome_label": OUTCOME_LABELS.get(decided.outcome or "", ""),
            "proposal": decided.proposal,
            "reason": decided.reason or None,
            "consulted": decided.consulted or None,
        },
        "filed_with": s.details["filed"].filed_with if "filed" in s.details else None,
        "steps": [step_json(x) for x in v.steps],
        "corrections": [_item(i, v.as_of) for i in s.corrections.values()],
        "visits": [_item(i, v.as_of) for i in s.visits.values()],
        "measures": [_item(i, v.as_of) for i in s.measures.values()],
        "warnings": [w.model_dump(mode="json") for w in s.warnings],
        "warning_history": [e.model_dump(mode="json") for e in v.history],
        "impact_period": None
        if v.impact is None
        else {"end": v.impact.end.isoformat(), "governing": v.impact.governing.sanction.kind},
        "impact_period_error": v.impact_error or None,
    }


def row_json(v: CaseView) -> dict[str, Any]:
    """A case as one row of a list."""
    nxt = v.next_due
    return {
        "id": v.state.id,
        "title": v.state.title,
        "ruleset": v.ruleset.id,
        "status": v.status,
        "status_label": v.status_label,
        "version": v.state.version,
        "next_step": None if nxt is None else nxt.id,
        "next_due": None if nxt is None else _day(nxt.effective_due),
        "overdue": [x.id for x in v.overdue],
    }


def item_json(i: OpenItem) -> dict[str, Any]:
    """One open item of the report (``case report``, ``/v1/open-items``)."""
    return {
        "case_id": i.case_id,
        "kind": i.kind,
        "id": i.id,
        "what": i.what,
        "who": i.who or None,
        "due": _day(i.due),
        "overdue": i.overdue,
    }


def _step_line(x: StepDue) -> str:
    line = f"  {x.label}：{x.state_label}"
    if x.start:
        line += f"；自{x.starts}（{x.start}）起{x.limit_days}个工作日，期限 {x.due or '无法计算'}"
    if x.extended_due:
        line += f"，已延长至 {x.extended_due}（{x.extension_reason}）"
    if x.done_on:
        line += f"；{x.done_on} 完成" + ("（超过期限）" if x.late else "")
    if x.error:
        line += f"\n    {x.error_code}：{x.error}"
    return line


def view_text(v: CaseView) -> str:
    """The case in Chinese, as an officer reads it."""
    s = v.state
    out = [
        f"案件 {s.id}　{s.title}",
        f"规则集 {v.ruleset.id} {v.ruleset.version} 版 · {OPENED_BY.get(s.opened_by, s.opened_by)}"
        f" · 第 {s.version} 版记录 · 截至 {v.as_of}",
        f"状态：{v.status_label}",
        "",
        "程序与期限（工作日，按国家法定节假日和调休安排计算）：",
        *(_step_line(x) for x in v.steps),
    ]
    decided = s.details.get("decided")
    if decided is not None:
        label = OUTCOME_LABELS.get(decided.outcome or "", decided.outcome or "")
        out += ["", f"认定：{decided.on} 由{decided.body}认定为「{label}」"]
        if decided.proposal:
            out.append(f"  机器建议见决定记录 {decided.proposal}")
        if decided.reason:
            out.append(f"  与建议不同的理由：{decided.reason}")
    if "filed" in s.details:
        out.append(f"备案：{s.dates['filed']} 报{s.details['filed'].filed_with}备案")
    for title, items in (
        ("纠错事项", s.corrections),
        ("回访", s.visits),
        ("完善制度措施", s.measures),
    ):
        if items:
            out += ["", f"{title}："]
            for i in items.values():
                d = _item(i, v.as_of)
                state = {"done": f"已于 {i.done_on} 完成", "overdue": "已逾期", "open": "未完成"}
                who = f"（{i.who}）" if i.who else ""
                out.append(f"  [{i.id}] {i.what}{who} 期限 {i.due or '未定'}：{state[d['state']]}")
    if v.history:
        out += ["", f"问责预警记录（干部 {s.cadre_id}，各案件合计）："]
        out += [f"  {e.given_on} {LEVELS_ZH[e.level]}（{e.form}，{e.by}）" for e in v.history]
    if v.impact is not None:
        governing = SANCTION_KINDS[v.impact.governing.sanction.kind]
        out += ["", f"影响期：至 {v.impact.end} 止（以{governing}为准）"]
        for sp in v.impact.periods:
            name, on = SANCTION_KINDS[sp.sanction.kind], sp.sanction.decided_on
            out.append(f"  {name}（{on} 作出）：{sp.months} 个月，至 {sp.end} 止")
    if v.impact_error:
        out += ["", f"影响期无法计算：{v.impact_error}"]
    return "\n".join(out) + "\n"


def list_text(views: Sequence[CaseView]) -> str:
    """The cases as a table: status, the next deadline, what is overdue."""
    if not views:
        return "没有案件 no cases\n"
    out = []
    for v in views:
        nxt = v.next_due
        due = f"下一期限 {nxt.label} {nxt.effective_due}" if nxt else "无待办期限"
        late = f"；逾期：{'、'.join(x.label for x in v.overdue)}" if v.overdue else ""
        out.append(f"{v.state.id}\t{v.status_label}\t{due}{late}\t{v.state.title}")
    return "\n".join(out) + "\n"


ACTION_LABELS = {
    "open": "立案",
    "event": "登记",
    "extend": "延长期限",
    "case": "更新案件文件",
    "correction": "新增纠错事项",
    "correction_done": "纠错事项完成",
    "visit": "安排回访",
    "visit_done": "回访完成",
    "measure": "新增完善制度措施",
    "measure_done": "完善制度措施完成",
    "warning": "问责预警",
    "note": "备注",
}


def describe(e: Event) -> str:
    """What an event did, in Chinese: 登记调查核实完毕之日 2025-11-05, 延长期限 investigate …"""
    p = e.payload
    label = ACTION_LABELS.get(e.action, e.action)
    if e.action == "event":
        return f"{label}{ANCHORS.get(str(p.get('event')), p.get('event'))} {p.get('on', '')}"
    if e.action == "open":
        return f"{label}（{OPENED_BY.get(str(p.get('opened_by')), '')}，{p.get('on', '')}）"
    if e.action == "warning":
        return f"{label}：{LEVELS_ZH.get(int(p.get('level', 0)), '')}（{p.get('form', '')}）"
    what = p.get("step") or p.get("id") or ""
    return f"{label} {what}".strip()


def log_text(events: Sequence[Event]) -> str:
    """The audit trail: every change, who made it, when, what it did, and its hash."""
    out = []
    for e in events:
        out.append(f"{e.seq}\t{e.at}\t{e.actor}\t{describe(e)}\t{e.hash[:19]}…")
    return "\n".join(out) + "\n"
