"""Text views of a Decision: a summary (``evaluate``) and the trace by the six looks (``explain``).

Both read the Decision only; neither decides anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from rongcuo.decision.missing import missing_weight
from rongcuo.decision.model import CitationRef, Decision, FactUse, RuleResult, TraceStep

_MARK = {"true": "成立", "false": "不成立", "unknown": "不明"}


def _cite(c: CitationRef | None) -> str:
    if c is None:
        return "（未引用条款）"
    title = c.doc_title if c.doc_title.startswith("《") else f"《{c.doc_title}》"
    return f"{title}{c.clause}"


def _facts(uses: Iterable[FactUse]) -> str:
    return "；".join(f"{u.label}：{u.display}{'（推定）' if u.presumed else ''}" for u in uses)


def _presumptions(d: Decision, indent: str = "  ") -> list[str]:
    """The presumptions the decision rests on: the summary paragraph, then each presumed fact
    whose other value would change the outcome, with its reason and what it would become."""
    if not d.presumed:
        return []
    out = [f"{indent}{d.presumed_summary_zh}"] if d.presumed_summary_zh else []
    changers = [p for p in d.presumed if p.changes_outcome]
    if changers:
        out.append(f"{indent}推定如不成立将改变结论的事实 {len(changers)} 项：")
    for p in changers:
        out.append(f"{indent}  {p.label}（{p.id}）：{p.display}（推定）")
        out.append(f"{indent}    理由：{p.reason}")
        for e in p.effects:
            if e.outcome != d.outcome:
                out.append(f"{indent}    若为 {e.display} → {e.outcome_label}")
    return out


def _missing(d: Decision, indent: str = "  ") -> list[str]:
    """The missing facts in the order to ask them, each with how much it matters, whether the
    file states it as not yet known, its question and (when it changes the outcome alone) what
    each value would lead to."""
    out = []
    for n, m in enumerate(d.missing_facts, 1):
        marks = [missing_weight(m)]
        if m.stated_unknown:
            marks.append("案件材料载明尚未查明")
        out.append(f"{indent}{n}. {m.label}（{m.id}）— {'；'.join(marks)}")
        if m.question:
            out.append(f"{indent}   问：{m.question}")
        if m.changes_outcome:
            for e in m.effects:
                out.append(f"{indent}   若为 {e.display} → {e.outcome_label}")
    return out


def _rule_line(r: RuleResult | TraceStep, indent: str = "  ") -> list[str]:
    lines = [
        f"{indent}[{_MARK[r.value]}] {r.label}（{r.rule if isinstance(r, TraceStep) else r.id}）"
    ]
    lines.append(f"{indent}    依据：{_cite(r.citation)}")
    if r.facts:
        lines.append(f"{indent}    事实：{_facts(r.facts)}")
    return lines


def _clearing(d: Decision, indent: str = "  ") -> list[str]:
    """The clearing section (澄清正名): each allegation, its finding, and what follows."""
    section = d.clearing
    if section is None:
        return []
    out = []
    for a in section.allegations:
        struck = {"true": "查否", "false": "未查否", "unknown": "尚未查清"}[a.struck]
        out.append(f"{indent}{a.id}　{a.summary}：{a.finding_label}（{struck}）")
        sub = indent + "    "
        if a.kind is not None:
            out.append(f"{sub}诬告陷害的种类：{a.kind.label}（{a.kind.definition}）")
        out.append(f"{sub}澄清正名：{a.clearing_label}")
        if a.methods:
            out.append(
                f"{sub}澄清方式：{'、'.join(m.label for m in a.methods)}；范围：{a.spread_label}"
            )
        if a.clearing != "not_cleared" and a.by:
            out.append(f"{sub}澄清主体：{a.by}")
        if a.deadline is not None:
            start = a.deadline.starts_on or a.deadline.starts
            out.append(f"{sub}期限：自{start}起 {a.deadline.working_days} 个工作日内")
        if a.reporter.handlings:
            out.append(f"{sub}对举报人：{'；'.join(h.label for h in a.reporter.handlings)}")
        for p in a.presumed:
            out.append(f"{sub}推定：{p.label}按「{p.display}」认定（{p.reason}）")
    return out


def render_summary(d: Decision) -> str:
    """The Decision as a terminal summary, in Chinese."""
    out = [
        f"案件 {d.case.id}《{d.case.title}》　发生日期 {d.case.incident_date}　认定日期 {d.as_of}",
        f"规则集 {d.ruleset.id} 版本 {d.ruleset.version}（{d.ruleset.content_hash[:19]}…）"
        f"　引擎 {d.engine.name} {d.engine.version}",
        "",
        f"认定结论（建议）：{d.outcome_label}［{d.outcome}］",
        f"理由：{d.reason_zh}",
    ]
    if d.versions is not None:  # 从旧兼从轻: two versions were compared
        out.append(f"适用版本（从旧兼从轻）：{d.versions.reason_zh}")
    if d.outcome == "insufficient_facts":
        out.append("可能的结论：" + "、".join(d.possible_outcomes))
    if d.clearing is not None:
        out += ["", "举报问题与澄清正名：", *_clearing(d)]
    if d.presumed:
        out += ["", "推定（案件材料未载明，按规则集的推定认定）：", *_presumptions(d)]
    if d.outcome == "cleared":
        # no mistake remains to assess: the looks and distinctions of a conduct that did not
        # happen would only mislead (they stay in the data)
        out += ["", "举报问题均经核查予以否定，不涉及对失误的认定（六看、三个区分开来从略）。"]
        out += ["", d.proposal_note]
        return "\n".join(out) + "\n"
    sections: list[tuple[str, list[RuleResult]]] = [
        ("容错情形", [s for s in d.situations if s.value == "true"]),
        ("不予容错情形", [e for e in d.exclusions if e.value != "false"]),
        ("容错条件", d.preconditions),
        ("从轻减轻、从重加重情形", [g for g in d.grounds if g.value != "false"]),
    ]
    for title, rows in sections:
        out += ["", f"{title}："]
        if not rows:
            out.append("  （无）")
        for r in rows:
            out += _rule_line(r)
        if title == "容错情形":
            open_ = [s.label for s in d.situations if s.value == "unknown"]
            if open_:
                out.append(f"  尚不能确定是否符合的情形 {len(open_)} 项：" + "；".join(open_))
    out += ["", "六看："]
    for look in d.looks:
        out.append(f"  {look.label}：{look.finding_label}")
        for r in look.rules:
            if r.value == "true":
                out.append(f"    · {r.label}（{_cite(r.citation)}）")
        unknown = [f.label for f in look.facts if f.value is None]
        if look.finding == "unknown" and unknown:
            out.append(f"    · 尚未查清：{'、'.join(unknown)}")
    out += ["", "三个区分开来："]
    for dist in d.distinctions:
        out.append(f"  {dist.label}：{dist.side_label}")
    if d.claimed_situations:
        out += ["", "申请援引的情形（经核查）："]
        status = {
            "established": "成立",
            "not_established": "不成立",
            "unknown": "事实不清",
            "referred_to_committee": "须提请党委（党组）研究认定",
        }
        for c in d.claimed_situations:
            out.append(f"  {c.label}（{c.id}）：{status[c.status]}")
    if d.missing_facts:
        out += ["", "缺失的事实（按应查明的顺序）：", *_missing(d)]
    out += ["", d.proposal_note]
    return "\n".join(out) + "\n"


def render_explain(d: Decision) -> str:
    """The reasoning trace grouped by the six looks, then the decision order, in Chinese."""
    out = [
        f"认定过程：案件 {d.case.id}《{d.case.title}》，规则集 {d.ruleset.id} {d.ruleset.version}",
        f"结论（建议）：{d.outcome_label}",
        "",
    ]
    look_of_fact: dict[str, list[str]] = {}
    for look in d.looks:
        for f in look.facts:
            look_of_fact.setdefault(f.id, []).append(look.id)
    placed: set[int] = set()
    for look in d.looks:
        out.append(f"【{look.label}】结论：{look.finding_label}")
        known = [f for f in look.facts if f.value is not None]
        unknown = [f for f in look.facts if f.value is None]
        if known:
            out.append(f"  已查明：{_facts(known)}")
        if unknown:
            out.append(f"  未查明：{'、'.join(f.label for f in unknown)}")
        steps = [s for s in d.trace if any(look.id in look_of_fact.get(f.id, []) for f in s.facts)]
        for s in steps:
            placed.add(s.seq)
            out += _rule_line(s)
        out.append("")
    rest = [s for s in d.trace if s.seq not in placed]
    if rest:
        out.append("【由其他规则推出的认定】")
        for s in rest:
            out += _rule_line(s)
            if s.reads_rules:
                out.append(f"      依据规则：{'、'.join(s.reads_rules)}")
        out.append("")
    if d.clearing is not None:
        out += ["【举报问题与澄清正名】", *_clearing(d), ""]
        for a in d.clearing.allegations:
            out.append(f"  {a.id} 适用的澄清正名规则：")
            for r in a.rules:
                out += _rule_line(r, "    ")
        out.append("")
    if d.presumed:
        out += ["【推定】", *_presumptions(d), ""]
    if d.missing_facts:
        out += ["【尚需查明的事实】（按应查明的顺序）", *_missing(d), ""]
    out.append("【认定顺序】")
    for w in d.walk:
        out.append(
            f"  第 {w.step} 步 [{_MARK[w.value]}] {w.label} → {w.outcome}（{_cite(w.citation)}）"
        )
    out += ["", f"理由：{d.reason_zh}", d.proposal_note]
    return "\n".join(out) + "\n"
