"""The finding of a look and the side of a distinction: takes the rules of each rank (strongest
first) and the rule values of a case; gives the finding (favourable, unfavourable, neutral or
unknown) or side (intolerable, tolerable, not applicable or unknown), its wording, and the rules
that gave a look its finding.
"""

from __future__ import annotations

from rongcuo.ruleset.model import Rule

#: the ids of the rules of each rank, strongest first: ((rank, (rule id, ...)), ...)
Ranks = tuple[tuple[str, tuple[str, ...]], ...]

FINDING_LABELS = {
    "favourable": "有利",
    "unfavourable": "不利",
    "neutral": "中性",
    "unknown": "事实不清",
}
SIDE_LABELS = {
    "tolerable": "属可容的一侧",
    "intolerable": "属不容的一侧",
    "not_applicable": "不涉及",
    "unknown": "事实不清",
}


def look_ranks(rules: tuple[Rule, ...]) -> Ranks:
    """The ids of a look's rules by finding, unfavourable first."""
    return _ranks(rules, ("unfavourable", "favourable"))


def distinction_ranks(rules: tuple[Rule, ...]) -> Ranks:
    """The ids of a distinction's rules by side, intolerable first."""
    return _ranks(rules, ("intolerable", "tolerable"))


def look_finding(ranks: Ranks, values: dict[str, bool]) -> str:
    """A look's finding: its strongest rank a rule holds for, ``neutral`` when none can."""
    ranked = _ranked(ranks, values)
    return "unknown" if ranked is None else (ranked or "neutral")


def distinction_side(ranks: Ranks, values: dict[str, bool]) -> str:
    """A distinction's side: its strongest side a rule holds for, ``not_applicable`` when none
    can."""
    ranked = _ranked(ranks, values)
    return "unknown" if ranked is None else (ranked or "not_applicable")


def look_reasons(
    rules: tuple[Rule, ...], ranks: Ranks, finding: str, values: dict[str, bool]
) -> list[Rule]:
    """The rules that gave a look its finding: those of its finding that hold, or, while it is
    unknown, the rules still unknown that could decide it."""
    if finding == "unknown":
        rank = next(
            label
            for label, ids in ranks
            if any(values.get(rid) is None for rid in ids)
            and not any(values.get(rid) is True for rid in ids)
        )
        return [r for r in rules if r.finding == rank and values.get(r.id) is None]
    return [r for r in rules if r.finding == finding and values.get(r.id) is True]


def _ranked(ranks: Ranks, values: dict[str, bool]) -> str | None:
    """The first rank (strongest first) a rule holds for; ``None`` when an unknown rule
    could still outrank what holds."""
    for label, ids in ranks:
        if any(values.get(rid) is True for rid in ids):
            return label
        if any(values.get(rid) is None for rid in ids):
            return None
    return ""


def _ranks(rules: tuple[Rule, ...], order: tuple[str, ...]) -> Ranks:
    """The ids of ``rules`` of each rank, strongest first."""
    return tuple(
        (rank, tuple(r.id for r in rules if (r.finding or r.side) == rank)) for rank in order
    )
