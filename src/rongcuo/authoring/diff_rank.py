"""The ranking of a case's reasons in ``rongcuo diff``, the most decisive first.

:func:`rank_reasons` turns the deltas of one case (:mod:`rongcuo.authoring.diff`) into the ordered
:class:`~rongcuo.authoring.diff_report.Reason` lines the report prints: the deciding rule, then the
exclusions, situations, preconditions, grounds, six looks, three distinctions, the rest of the
decision order, the missing facts and the claimed situations (the order ``Group`` lists them).
"""

from __future__ import annotations

from typing import get_args

from rongcuo.authoring.diff_report import FactRef, FindingDelta, Group, Reason, RuleDelta, Side
from rongcuo.authoring.diff_text import deciding_text, rule_reason

#: The order reasons are ranked in, the most decisive first: the order ``Group`` lists them.
GROUP_ORDER: tuple[Group, ...] = get_args(Group)


def rank_reasons(
    before: Side,
    after: Side,
    rules: list[RuleDelta],
    looks: list[FindingDelta],
    distinctions: list[FindingDelta],
    claims: list[FindingDelta],
    appeared: list[FactRef],
    resolved: list[FactRef],
    still: list[FindingDelta],
) -> list[Reason]:
    """The reasons of one case, the most decisive first (see the module docstring)."""
    reasons: list[Reason] = []
    deciding = {before.deciding_rule, after.deciding_rule} - {None}
    if before.deciding_rule != after.deciding_rule or before.outcome != after.outcome:
        text = f"认定规则：{deciding_text(before)} → {deciding_text(after)}"
        reasons.append(Reason(group="deciding", id=after.deciding_rule or "", text=text))
    else:
        # The same rule decides, but was itself edited (renamed, another clause): the memo's
        # reason reads differently, and this line says why.
        reasons += [
            Reason(group="deciding", id=r.id, text=rule_reason(r))
            for r in rules
            if r.id in deciding and r.edits
        ]
    # An outcome renamed in the ruleset (outcomes are no rules): the memo names it anew.
    for oid, was, now in renamed_outcomes(before, after):
        text = f"结论 {oid} 的名称：{was} → {now}"
        reasons.append(Reason(group="deciding", id=oid, text=text))
    # Key: (quiet, group, findings before rules, causes first, position); see _rule_key.
    keyed: list[tuple[tuple[int, int, int, int, int], Reason]] = []
    for i, r in enumerate(rules):
        if r.kind == "outcome" and r.id in deciding:
            continue
        keyed.append((rule_key(r, i), Reason(group=r.group, id=r.id, text=rule_reason(r))))
    findings: tuple[tuple[Group, str, list[FindingDelta]], ...] = (
        ("look", "六看", looks),
        ("distinction", "三个区分", distinctions),
    )
    for group, name, found in findings:
        for i, f in enumerate(found):
            text = f"{name}「{f.label}」：{f.before_label} → {f.after_label}"
            key = (0, GROUP_ORDER.index(group), 0, 0, i)
            keyed.append((key, Reason(group=group, id=f.id, text=text)))
    missing = GROUP_ORDER.index("missing_fact")
    for i, m in enumerate(appeared):
        flag = "，影响结论" if m.changes_outcome else ""
        text = f"新出现的待查事实 {m.id}「{m.label}」{flag}"
        key = (0, missing, 0, 0 if m.changes_outcome else 2, i)
        keyed.append((key, Reason(group="missing_fact", id=m.id, text=text)))
    for i, f in enumerate(still):
        text = f"待查事实 {f.id}「{f.label}」：{f.before_label} → {f.after_label}"
        keyed.append(((0, missing, 0, 1, i), Reason(group="missing_fact", id=f.id, text=text)))
    for i, m in enumerate(resolved):
        text = f"不再待查的事实 {m.id}「{m.label}」"
        keyed.append(((0, missing, 0, 3, i), Reason(group="missing_fact", id=m.id, text=text)))
    for i, c in enumerate(claims):
        text = f"援引的情形 {c.id}「{c.label}」：{c.before_label} → {c.after_label}"
        key = (0, GROUP_ORDER.index("claim"), 0, 0, i)
        keyed.append((key, Reason(group="claim", id=c.id, text=text)))
    reasons += [reason for _, reason in sorted(keyed, key=lambda kv: kv[0])]
    return reasons


def _outcome_names(side: Side) -> dict[str, str]:
    names: dict[str, str] = dict(zip(side.possible_outcomes, side.possible_labels, strict=False))
    if side.outcome is not None:
        names[side.outcome] = side.outcome_label
    return names


def renamed_outcomes(before: Side, after: Side) -> list[tuple[str, str, str]]:
    """The outcomes the case reaches or may reach on both sides that are named differently:
    (id, name before, name after)."""
    b_names, a_names = _outcome_names(before), _outcome_names(after)
    return [
        (oid, b_names[oid], name)
        for oid, name in a_names.items()
        if oid in b_names and b_names[oid] != name
    ]


def rule_key(r: RuleDelta, position: int) -> tuple[int, int, int, int, int]:
    """Rank of a rule change: (quiet, group, 1, cause, position). A rule that appeared or
    disappeared without holding, or was edited without changing value, is quiet: it comes after
    everything that changed. Within a group, rules that were themselves edited (the causes) come
    before rules that changed through them."""
    changed = r.before != r.after
    quiet = not changed or {r.before, r.after} == {"false", "absent"}
    cause = 0 if changed and r.edits else 1
    return (int(quiet), GROUP_ORDER.index(r.group), 1, cause, position)


def error_reasons(before: Side, after: Side) -> list[Reason]:
    out = []
    for name, side in (("基准版本", before), ("新版本", after)):
        out += [
            Reason(group="deciding", id=p.code, text=f"{name}下出错 {p.code}：{p.message_zh}")
            for p in side.errors
        ]
    return out
