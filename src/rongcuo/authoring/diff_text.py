"""The Chinese text of ``rongcuo diff``: the report for policy staff, and how its parts read.

:func:`render_text` is the text view (:meth:`DiffReport.to_text`): the summary, the rule edits,
the outcome transitions, then the changed cases with their reasons. The helpers below it word the
parts of a report — a rule's change as a reason line (:func:`rule_reason`), a deciding rule, a
citation (:func:`cite_text`, :func:`citation_change`) and a condition (:func:`condition_text`) —
and the comparison in :mod:`rongcuo.authoring.diff` uses them to fill in the report's text fields.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from rongcuo.authoring.diff_report import (
    CaseDiff,
    DiffReport,
    Problem,
    RuleDelta,
    RuleEdit,
    Side,
    Status,
)
from rongcuo.decision.model import CitationRef
from rongcuo.errors import Diagnostic, Location, format_diagnostics
from rongcuo.ruleset.model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    Established,
    KindRef,
    Known,
    Not,
    Presumed,
    RuleRef,
)

_KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "mitigating": "从轻减轻情形",
    "aggravating": "从重加重情形",
    "look": "六看规则",
    "distinction": "三个区分规则",
    "outcome": "认定顺序规则",
    "strike": "查否规则",
    "clearing": "澄清正名规则",
    "clearing_method": "澄清方式规则",
    "reporter_handling": "举报人处理规则",
}
_TRUTH_ZH: dict[str, str] = {
    "true": "成立",
    "false": "不成立",
    "unknown": "不明",
    "absent": "无此规则",
}
#: What can differ between two definitions of a rule, and how the text report names it.
ASPECTS_ZH: dict[str, str] = {
    "added": "新增",
    "removed": "已删除或停用",
    "origin": "改由另一规则集定义（替换）",
    "kind": "种类",
    "label": "名称",
    "condition": "条件",
    "citation": "条款",
    "order": "认定顺序（步骤或结论）",
    "classification": "所属六看或区分",
    "pairs_with": "对应的不予容错情形",
    "referral": "提请认定",
    "note": "说明",
}
_STATUS_ZH = {
    "unchanged": "未变",
    "grounds_changed": "理由变化",
    "outcome_changed": "结论变化",
    "error": "出错",
}
_REASONS_SHOWN = 15  # reasons printed per case in the text view (JSON has them all)


# --- reasons and citations -------------------------------------------------------------------


def deciding_text(side: Side) -> str:
    if side.deciding_rule:
        cite = f"，{side.deciding_citation}" if side.deciding_citation else ""
        return f"{side.deciding_rule}「{side.deciding_label}」（{side.outcome_label}{cite}）"
    if side.outcome == "insufficient_facts":
        return "无（事实不清，可能的结论：" + "、".join(side.possible_labels) + "）"
    return f"无（{side.outcome_label}）"


def rule_reason(r: RuleDelta) -> str:
    """A rule's change as one Chinese line."""
    mark = (
        f"{_TRUTH_ZH[r.before]} → {_TRUTH_ZH[r.after]}"
        if r.before != r.after
        else f"{_TRUTH_ZH[r.after]}（未变）"
    )
    text = f"{_KIND_ZH.get(r.kind, r.kind)} {r.id}「{r.label}」：{mark}"
    if {"added", "removed"} & set(r.edits):
        text += f"〔{ASPECTS_ZH[r.edits[0]]}〕"
    elif r.edits:
        parts = [ASPECTS_ZH.get(a, a) for a in r.edits if a != "citation"]
        if "citation" in r.edits:
            parts.append(
                citation_change(r.citation_before, r.citation_after, r.quote_before, r.quote_after)
            )
        text += "〔已修改：" + "；".join(parts) + "〕"
    if r.citation and "citation" not in r.edits:
        text += f"（{r.citation}）"
    return text


def citation_change(before: str, after: str, quote_before: str, quote_after: str) -> str:
    """``条款 《办法》第一条 → 《办法》第二条``, or the quoted text when only it changed."""
    if before != after:
        return f"条款 {before or '无'} → {after or '无'}"
    return f"{before}原文「{quote_before}」→「{quote_after}」"


def cite_text(c: CitationRef | None) -> str:
    """``《万州区容错纠错实施办法》第五条第（一）项``, or empty without a citation."""
    if c is None:
        return ""
    title = c.doc_title if c.doc_title.startswith("《") else f"《{c.doc_title}》"
    return f"{title}{c.clause}"


def quote_citation(c: CitationRef | None) -> str:
    return c.text if c else ""


# --- conditions ------------------------------------------------------------------------------


_OPS = {
    "eq": "=",
    "ne": "≠",
    "lt": "<",
    "le": "≤",
    "gt": ">",
    "ge": "≥",
    "in": "∈",
    "not_in": "∉",
    "contains": "∋",
}


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return "{" + ", ".join(_value_text(v) for v in value) + "}"
    return str(value)


def condition_text(cond: Cond | None) -> str:
    """A rule's condition on one line: ``in_reform_or_pilot = true 且 work_area = reform_pilot``."""
    if cond is None:
        return "（无条件：由党委（党组）认定）"
    return _cond(cond, top=True)


def _cond(cond: Cond, top: bool = False) -> str:
    if isinstance(cond, AllOf | AnyOf):
        joiner = " 且 " if isinstance(cond, AllOf) else " 或 "
        text = joiner.join(_cond(c) for c in cond.items)
        return text if top or len(cond.items) == 1 else f"（{text}）"
    if isinstance(cond, Not):
        inner = _cond(cond.item)
        return f"非{inner}" if inner.startswith("（") else f"非（{inner}）"
    if isinstance(cond, Compare):
        return f"{cond.fact} {_OPS[cond.op]} {_value_text(cond.value)}"
    if isinstance(cond, Known):
        return f"{cond.fact} {'已查明' if cond.known else '未查明'}"
    if isinstance(cond, Established):
        inner = _cond(cond.item)
        return f"已认定{inner}" if inner.startswith("（") else f"已认定（{inner}）"
    if isinstance(cond, RuleRef):
        return f"规则 {cond.rule}"
    if isinstance(cond, KindRef):
        what = _KIND_ZH.get(cond.kind, cond.kind)
        return f"任一{what}成立" if cond.quantifier == "any" else f"全部{what}成立"
    if isinstance(cond, Claimed):
        return f"援引 {cond.situation}"
    if isinstance(cond, Presumed):
        return f"{cond.fact} 系推定"
    raise TypeError(f"unknown condition node {cond!r}")  # pragma: no cover


# --- the text view ----------------------------------------------------------------------------


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()]


def render_text(report: DiffReport) -> str:
    """The report in Chinese: summary, rule edits, outcome transitions, then the cases."""
    out = [
        f"规则集 {report.ruleset} 修改前后对比",
        f"基准（修改前）：{report.base}",
        f"新版（修改后）：{report.head}",
        f"认定日期：{report.as_of or '各案件的失误发生日期'}",
        "",
        report.summary(),
    ]
    for pair in report.versions:
        out += [
            "",
            f"规则改动（版本 {pair.base_version} → {pair.head_version}，{pair.cases} 件适用）：",
        ]
        if not pair.edits:
            out.append("  （无改动）")
        for e in pair.edits:
            out += _edit_lines(e)
    out += ["", "结论变化（修改前 → 修改后）："]
    if not report.transitions:
        out.append("  （无）")
    for t in report.transitions:
        out.append(f"  {t.before_label} → {t.after_label}: {t.count}")
    sections: list[tuple[str, Status]] = [
        ("一、结论变化的案件", "outcome_changed"),
        ("二、结论不变、理由变化的案件", "grounds_changed"),
        ("三、出错的案件", "error"),
    ]
    counted = report.counted()
    for heading, status in sections:
        chosen = [c for c in counted if c.status == status]
        out += ["", f"{heading}（{len(chosen)} 件）"]
        if not chosen:
            out.append("  （无）")
        for c in chosen:
            out += _case_lines(c, report.jurisdiction)
    untold = [c for c in counted if c.scope == "not_told"]
    if untold:
        out += [
            "",
            f"未写明是否属{report.jurisdiction}的案件（{len(untold)} 件，已计入上述件数，"
            "请核对是否适用本规则集）：",
        ]
        out += [
            f"  【{c.case_id}】{_unit_text(c)}（{c.file}，{_STATUS_ZH[c.status]}）" for c in untold
        ]
    others = report.other_jurisdiction()
    if others:
        out += [
            "",
            f"四、不属{report.jurisdiction}的案件（{len(others)} 件，不计入上述件数）",
            "  当事干部单位不在本规则集的适用地区；下面是按本规则集认定的结果，仅供参考。",
        ]
        for c in others:
            # One line a case (the unit in it), then the details of those that changed.
            lines = _case_lines(c, report.jurisdiction)
            out.append(f"{lines[0]}：{_STATUS_ZH[c.status]}；{_unit_text(c)}")
            if c.status != "unchanged":
                out += lines[2:]
    return "\n".join(out) + "\n"


def _unit_text(c: CaseDiff) -> str:
    return f"当事干部单位「{c.unit}」" if c.unit else "未写明当事干部单位（cadre.unit）"


def _edit_lines(e: RuleEdit) -> list[str]:
    kind = _KIND_ZH.get(e.kind, e.kind)
    if e.change == "added":
        lines = [f"  + 新增 {kind} {e.id}「{e.label}」（{e.citation_after or '未引用条款'}）"]
        lines.append(f"      条件：{e.condition_after}")
        return lines
    if e.change == "removed":
        return [f"  - 删除或停用 {kind} {e.id}「{e.label}」（{e.citation_before or '未引用条款'}）"]
    what = "、".join(ASPECTS_ZH.get(a, a) for a in e.aspects)
    lines = [f"  ~ 修改 {kind} {e.id}「{e.label}」：{what}"]
    if "condition" in e.aspects:
        lines.append(f"      条件：{e.condition_before}")
        lines.append(f"         → {e.condition_after}")
    if "citation" in e.aspects:
        change = citation_change(e.citation_before, e.citation_after, e.quote_before, e.quote_after)
        lines.append(f"      {change}")
    if "origin" in e.aspects:
        lines.append(f"      定义于：{e.defined_in_before} → {e.defined_in_after}")
    return lines


def _case_lines(c: CaseDiff, jurisdiction: str) -> list[str]:
    title = f"{c.title}" if c.title else ""
    lines = [f"【{c.case_id}】{title}（{c.file}）"]
    if c.scope == "not_told":
        lines.append(f"  地区：{_unit_text(c)}，未写明是否属{jurisdiction}")
    elif c.scope == "other":
        lines.append(f"  地区：{_unit_text(c)}，不属{jurisdiction}")
    if c.status == "error":
        where = {"base": "修改前出错", "head": "修改后出错", "both": "修改前后都出错"}[
            c.error_side or "both"
        ]
        other = c.after if c.error_side == "base" else c.before
        if c.error_side in ("base", "head"):
            where += f"（另一版本的结论：{other.outcome_label}）"
        lines.append(f"  {where}")
        for name, side in (("修改前", c.before), ("修改后", c.after)):
            if side.errors and not (c.error_side == "both" and name == "修改后" and _same(c)):
                lines.append(f"  {name}：")
                lines += _indent(
                    format_diagnostics([_diag(p) for p in side.errors]),
                    "    ",
                )
        return lines
    if c.status == "outcome_changed":
        lines.append(f"  结论：{c.before.outcome_label} → {c.after.outcome_label}")
    else:
        lines.append(f"  结论：{c.after.outcome_label}（不变）")
    lines.append(f"  认定规则：{deciding_text(c.before)}")
    lines.append(f"        → {deciding_text(c.after)}")
    # The deciding rule's change of rule has its two lines above; an edit of the rule that
    # still decides is a reason line like the others.
    moved = (c.before.deciding_rule, c.before.outcome) != (c.after.deciding_rule, c.after.outcome)
    shown = [r for i, r in enumerate(c.reasons) if not (i == 0 and moved and r.group == "deciding")]
    if shown:
        lines.append("  原因（影响大的在前）：")
        for i, r in enumerate(shown[:_REASONS_SHOWN], start=1):
            lines.append(f"    {i}. {r.text}")
        if len(shown) > _REASONS_SHOWN:
            lines.append(f"    ……另有 {len(shown) - _REASONS_SHOWN} 项，见 --format json")
    return lines


def _same(c: CaseDiff) -> bool:
    return [p.text for p in c.before.errors] == [p.text for p in c.after.errors]


def _diag(p: Problem) -> Diagnostic:
    severity: Literal["error", "warning"] = "warning" if p.severity == "warning" else "error"
    return Diagnostic(
        p.code,
        Location(p.file, p.line, p.column),
        p.message_zh,
        p.message_en,
        p.hint,
        severity,
    )
