"""The reason a Decision gives, in Chinese and in English: takes the walk of the decision order,
the missing facts, the rule values and the case's fact uses; gives one sentence or two saying
why — the rules of one step in conflict, the facts the outcome waits for, or the rule that
decided with the exclusions, situations or grounds behind it and the facts they rest on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rongcuo.decision.model import FactUse, MissingFact
from rongcuo.decision.walk import Walk
from rongcuo.engine.reference import Program
from rongcuo.ruleset.graph import upstream_rules
from rongcuo.ruleset.model import Rule

_NAMED_KIND_ZH = {
    "exclusion": "所存在的不予容错情形",
    "situation": "所符合的容错情形",
    "mitigating": "所具有的从轻、减轻情形",
}
_NAMED_KIND_EN = {
    "exclusion": "Exclusions established",
    "situation": "Situations established",
    "mitigating": "Mitigating grounds established",
}


def reason(
    result: Walk,
    missing: list[MissingFact],
    values: dict[str, bool],
    uses: dict[str, FactUse],
    lang: str,
    *,
    program: Program,
    situations: Sequence[Rule],
    fact_ids: Mapping[str, tuple[str, ...]],
    outcome_label: Callable[[str], str],
) -> str:
    """The reason of a decision in ``lang`` (``zh`` or ``en``); ``situations`` are the
    situations a decision lists, ``fact_ids`` the facts each rule reads."""
    zh = lang == "zh"
    if result.conflict and result.outcome == "refer":
        names = "、".join(r.id for r in result.conflict)
        return (
            f"同一步骤的规则（{names}）结论不同，规则集无法排序，提请党委（党组）集体研究认定。"
            if zh
            else f"Rules of one step ({names}) give different outcomes the ruleset cannot "
            "order: referred to the committee."
        )
    if result.outcome == "insufficient_facts":
        deciders = [m for m in missing if m.changes_outcome or m.jointly]
        names = "、".join(f"{m.label}（{m.id}）" for m in deciders) or "—"
        possible = "、".join(outcome_label(o) for o in result.possible)
        return (
            f"结论取决于尚未查清的事实：{names}。可能的结论：{possible}。"
            if zh
            else "The outcome depends on facts not yet established: "
            + ", ".join(m.id for m in deciders)
            + f". Possible outcomes: {', '.join(result.possible)}."
        )
    if result.deciding is None:
        return (
            "没有任何认定规则适用，提请党委（党组）集体研究认定。"
            if zh
            else "No rule of the decision order applies: referred to the committee."
        )
    rule = result.deciding
    named = _deciding_findings(rule, values, program, situations)
    if zh:
        cite = f"（{_cite_text(rule, program)}）" if rule.cite else ""
        if not named:
            return f"{rule.label}{cite}。"
        parts = []
        for r in named:
            facts = _basis_facts(r, values, uses, program, fact_ids)
            parts.append(f"{r.label}（{facts}）" if facts else r.label)
        what = _NAMED_KIND_ZH[named[0].kind]
        return f"{rule.label}{cite}。{what}：{'；'.join(parts)}。"
    cite = f" ({rule.cite.doc}, {rule.cite.clause})" if rule.cite else ""
    text = f"Decision-order rule {rule.id} (step {rule.step}) holds{cite}."
    if named:
        what = _NAMED_KIND_EN[named[0].kind]
        text += f" {what}: {', '.join(r.id for r in named)}."
    return text


def _deciding_findings(
    rule: Rule, values: dict[str, bool], program: Program, situations: Sequence[Rule]
) -> list[Rule]:
    """What decided, to name in the reason: the exclusions established behind a
    ``not_tolerate``, else the situations (or, with none, the grounds) behind it."""
    behind = upstream_rules((rule.id,), program.reads)
    held = [r for r in program.order if r.id in behind and values.get(r.id) is True]
    if rule.outcome == "not_tolerate":
        return [r for r in held if r.kind == "exclusion"]
    established = [r for r in situations if values.get(r.id) is True]
    return established or [r for r in held if r.kind == "mitigating"]


def _basis_facts(
    rule: Rule,
    values: dict[str, bool],
    uses: dict[str, FactUse],
    program: Program,
    fact_ids: Mapping[str, tuple[str, ...]],
) -> str:
    """The stated facts a rule rests on (directly or through the rules it reads), as
    ``label：value``; the presumed ones, marked, when it reads no stated fact."""
    behind = upstream_rules((rule.id,), program.reads)
    seen: dict[str, None] = {}
    for r in program.order:
        if r.id in behind:
            for fid in fact_ids[r.id]:
                seen.setdefault(fid, None)
    # What the file states is what established it; presumed values (a dissent presumed
    # absent beside a determined major loss) are named only when nothing stated is read.
    known = [uses[f] for f in seen if uses[f].value is not None]
    stated = [u for u in known if not u.presumed]
    return "，".join(
        f"{u.label}：{u.display}{'（推定）' if u.presumed else ''}" for u in stated or known
    )


def _cite_text(rule: Rule, program: Program) -> str:
    """The clause a rule cites, after its document's title in 《》."""
    assert rule.cite is not None
    doc = program.ruleset.documents.get(rule.cite.doc)
    title = doc.title if doc else rule.cite.doc
    if not title.startswith("《"):
        title = f"《{title}》"
    return f"{title}{rule.cite.clause}"
