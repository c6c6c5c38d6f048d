"""What a memo says of the facts it read as presumed (catalogue §6.7).

Takes a decision's presumed facts and its outcome. Gives one line per presumed fact
(:func:`presumed_line`: its value, the ruleset's reason, and what another value would lead to)
and the paragraph of a memo's facts section that names them (:func:`presumed_paragraph`).
"""

from __future__ import annotations

from collections.abc import Iterable

from rongcuo.decision.model import PresumedFact
from rongcuo.memo.contract import PresumedLine
from rongcuo.memo.numerals import cn_numeral


def _other_values(p: PresumedFact, outcome: str) -> dict[str, list[str]]:
    """The other values of a presumed fact that change the outcome, by the outcome (label)
    each leads to, in the order the decision tried them."""
    by_outcome: dict[str, list[str]] = {}
    for e in p.effects:
        if e.outcome != outcome:
            by_outcome.setdefault(e.outcome_label, []).append(e.display)
    return by_outcome


def _count(n: int) -> str:
    """A count before a measure word: 两项, not 二项 (十二项, 二十项 as written)."""
    return "两" if n == 2 else cn_numeral(n)


def _values(p: PresumedFact, displays: list[str]) -> str:
    """「较小」或「较大」; nothing for a yes/no fact, whose one other value is the opposite of
    what its reason says was presumed."""
    if isinstance(p.value, bool):
        return ""
    return "或".join(f"「{d}」" for d in displays)


def presumed_line(p: PresumedFact, outcome: str) -> PresumedLine:
    """A presumed fact as a memo lists it, with the outcomes its other values would lead to."""
    effects = []
    for label, displays in _other_values(p, outcome).items():
        values = _values(p, displays)
        effects.append(f"{'如为' + values if values else '如与此相反'}，结论将为“{label}”")
    return PresumedLine(
        id=p.id,
        label=p.label,
        display=p.display,
        reason=p.reason,
        changes_outcome=p.changes_outcome,
        effects=effects,
    )


def presumed_paragraph(presumed: Iterable[PresumedFact], outcome: str) -> str:
    """The presumptions a decision rests on, as one paragraph of a memo's facts section.

    First, by the outcome they would lead to, the presumptions whose reversal would change the
    outcome, each in the ruleset's words (its reason) and, for a fact that is not yes/no, the
    values that would; then the others, by name and presumed value. No rule ids: the paragraph
    is for the deciding body; ids and hashes are in the provenance footer and the trace.
    """
    rows = list(presumed)
    if not rows:
        return ""
    groups: dict[str, list[str]] = {}  # outcome label -> the reasons that would lead to it
    changers: set[str] = set()
    for p in rows:
        for label, displays in _other_values(p, outcome).items():
            values = _values(p, displays)
            reason = p.reason.rstrip("。；")
            groups.setdefault(label, []).append(f"{reason}（如为{values}）" if values else reason)
            changers.add(p.id)
    others = [p for p in rows if p.id not in changers]
    text = f"认定所依据的事实中，有{_count(len(rows))}项案件材料未载明，按规则集的推定认定。"
    for label, reasons in groups.items():
        text += (
            f"下列{_count(len(reasons))}项推定如与实际情况不符，结论将为“{label}”："
            + "；".join(reasons)
            + "。"
        )
    if others:
        listed = "；".join(f"{p.label}：{p.display}" for p in others)
        lead = f"其余{_count(len(others))}项推定" if changers else "这些推定"
        text += f"{lead}即使与实际情况不符，认定结论也不改变：{listed}。"
    return text
