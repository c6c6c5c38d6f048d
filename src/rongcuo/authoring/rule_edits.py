"""What differs between two versions of a ruleset, rule by rule: :func:`rule_edits`.

Each rule added, removed or changed between the base and the head effective rulesets becomes a
:class:`~rongcuo.authoring.diff_report.RuleEdit` naming the aspects that differ (its origin,
kind, label, condition, citation, place in the decision order, ...: the keys of
:data:`rongcuo.authoring.diff_text.ASPECTS_ZH`), with both definitions' citation and condition
as text (compact, and written out in plain Chinese).
:func:`rongcuo.authoring.diff.diff` computes them once per pair of effective rulesets.
"""

from __future__ import annotations

from typing import Literal

from rongcuo.authoring.diff_report import RuleEdit
from rongcuo.authoring.diff_text import condition_text
from rongcuo.ruleset.model import Rule, Ruleset
from rongcuo.ruleset.prose import condition_zh


def _rule_cite(rs: Ruleset, rule: Rule) -> tuple[str, str, str, str]:
    if rule.cite is None:
        return ("", "", "", "")
    doc = rs.documents.get(rule.cite.doc)
    title = doc.title if doc else rule.cite.doc
    return (title, doc.number if doc else "", rule.cite.clause, rule.cite.text)


def _cite_of(rs: Ruleset, rule: Rule) -> str:
    title, _, clause, _ = _rule_cite(rs, rule)
    if not title:
        return ""
    return (title if title.startswith("《") else f"《{title}》") + clause


def rule_edits(base: Ruleset, head: Ruleset) -> list[RuleEdit]:
    """Rules added, removed or changed from ``base`` to ``head`` (head's order, then removed)."""
    out = []
    for rid in dict.fromkeys([*head.rules, *base.rules]):
        b, h = base.rules.get(rid), head.rules.get(rid)
        if b is not None and h is not None:
            aspects = _aspects(base, b, head, h)
            if not aspects:
                continue
            change: Literal["added", "removed", "changed"] = "changed"
        else:
            change = "added" if b is None else "removed"
            aspects = [change]
        some = h or b
        assert some is not None
        out.append(
            RuleEdit(
                id=rid,
                kind=some.kind,
                label=some.label,
                change=change,
                aspects=aspects,
                citation_before=_cite_of(base, b) if b else "",
                citation_after=_cite_of(head, h) if h else "",
                quote_before=b.cite.text if b and b.cite else "",
                quote_after=h.cite.text if h and h.cite else "",
                condition_before=condition_text(b.when) if b else "",
                condition_after=condition_text(h.when) if h else "",
                defined_in_before=b.ruleset if b else "",
                defined_in_after=h.ruleset if h else "",
                condition_zh_before=condition_zh(b.when, base) if b else "",
                condition_zh_after=condition_zh(h.when, head) if h else "",
            )
        )
    return out


def _aspects(base: Ruleset, b: Rule, head: Ruleset, h: Rule) -> list[str]:
    checks = {
        "origin": b.ruleset != h.ruleset,
        "kind": b.kind != h.kind,
        "label": b.label != h.label,
        "condition": b.when != h.when,
        "citation": _rule_cite(base, b) != _rule_cite(head, h),
        "order": (b.step, b.outcome) != (h.step, h.outcome),
        "classification": (b.look, b.finding, b.distinction, b.side)
        != (h.look, h.finding, h.distinction, h.side),
        "pairs_with": b.pairs_with != h.pairs_with,
        "referral": b.referral != h.referral,
        "note": b.note != h.note,
    }
    return [name for name, differs in checks.items() if differs]
