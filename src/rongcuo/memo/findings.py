"""Findings as a memo prints them: a rule, the case's facts it read, and the clause it encodes.

Takes a decision's rule results and trace steps (and, for a ruleset's own citations, the
ruleset). Gives the :class:`~rongcuo.memo.contract.Source` and
:class:`~rongcuo.memo.contract.Finding` every paragraph of a memo cites, and the facts a rule
read as one printed line.
"""

from __future__ import annotations

from collections.abc import Iterable

from rongcuo.decision.model import CitationRef, FactUse, RuleResult, TraceStep
from rongcuo.memo.contract import Finding, Source
from rongcuo.ruleset.model import Citation, Ruleset


def source_of(
    rule: str, c: CitationRef | Citation | None, rs: Ruleset | None = None
) -> Source | None:
    """The source of a finding: ``rule`` and the clause ``c`` (a ruleset's citation names its
    document by id, looked up in ``rs``); ``None`` without a clause."""
    if c is None:
        return None
    if isinstance(c, Citation):
        doc = rs.documents.get(c.doc) if rs else None
        title = doc.title if doc else c.doc
    else:
        title = c.doc_title
    title = title if title.startswith("《") else f"《{title}》"
    return Source(rule=rule, cite=f"{title}{c.clause}", quote=c.text)


def facts_text(uses: Iterable[FactUse]) -> str:
    """``事实：值；…``, a presumed value marked 「（推定）」 wherever it is printed."""
    return "；".join(f"{u.label}：{u.display}{'（推定）' if u.presumed else ''}" for u in uses)


def finding_of(r: RuleResult | TraceStep) -> Finding:
    """A rule's result (or trace step) as a finding, with its facts and its source."""
    rid = r.rule if isinstance(r, TraceStep) else r.id
    return Finding(
        id=rid,
        label=r.label,
        value=r.value,
        facts=facts_text(r.facts),
        source=source_of(rid, r.citation),
    )


def held(rules: Iterable[RuleResult], value: str = "true") -> list[Finding]:
    """The rules whose value is ``value`` (holds, by default), as findings."""
    return [finding_of(r) for r in rules if r.value == value]
