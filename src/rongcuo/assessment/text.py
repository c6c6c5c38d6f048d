"""An Assessment written out in Chinese, for the command line.

Takes an :class:`~rongcuo.assessment.model.Assessment`; gives its text: the outcome, the rule and
clause it rests on, the questions found unfavourable or unknown, what was computed and presumed,
and the order as walked. Reads the Assessment only.
"""

from __future__ import annotations

from rongcuo.assessment.model import Assessment

_STATUS = {"stated": "写明", "presumed": "推定", "computed": "计算", "unknown": "尚未查明"}
_VALUE = {"true": "成立", "false": "不成立", "unknown": "不明"}


def render_text(a: Assessment) -> str:
    """The assessment as plain Chinese text, one fact a line."""
    who = a.input.cadre_name or a.input.cadre_id or ""
    lines = [
        f"评估：{a.input.id}{'（' + who + '）' if who else ''}，评估日期 {a.as_of}",
        f"规则集：{a.ruleset.title}（{a.ruleset.id} {a.ruleset.version}）",
        f"评估结论：{a.outcome_label}（{a.outcome}）",
        f"理由：{a.deciding_rule.label}（第 {a.deciding_rule.step} 步，规则 {a.deciding_rule.id}）",
    ]
    cite = a.deciding_rule.citation
    if cite is not None:
        lines.append(f"依据：{cite.doc_title}　{cite.clause}：{cite.text}")
    if a.questions:
        lines.append("所依据的事项：")
        lines += [
            f"  - {q.label}：{q.display}"
            + ("" if q.status == "unknown" else f"（{_STATUS[q.status]}）")
            for q in a.questions
        ]
    if a.computed:
        lines.append("计算的事实：")
        lines += [f"  - {c.label}：{c.display}。{c.basis}" for c in a.computed]
    if a.presumed:
        lines.append("推定的事实：")
        lines += [f"  - {p.label}：{p.display}。{p.reason}" for p in a.presumed]
    if a.effects:
        lines.append("后续：")
        lines += [f"  - {e.text}" for e in a.effects]
    lines.append("评估顺序：")
    decided = a.deciding_rule.step
    lines += [
        f"  {s.step}. {s.label} → {_VALUE[s.value]}" + ("（未到达）" if s.step > decided else "")
        for s in a.trace
    ]
    return "\n".join(lines) + "\n"
