"""The presumptions a Decision rests on (catalogue §6.7): takes the walk, the rule values and the
case's reading; gives each presumed fact the decision order read, tried alone with every other
value it could take (whether that changes the outcome, and to what), and the paragraph of plain
Chinese that sums them up.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from rongcuo.decision.missing import CaseFacts, MissingFacts, same_value
from rongcuo.decision.model import PresumedFact, ValueEffect, builder
from rongcuo.decision.walk import Walk, outcome_of
from rongcuo.engine.reference import Program, ReferenceEvaluator
from rongcuo.ruleset.graph import upstream_rules
from rongcuo.ruleset.model import FactDecl, json_value

# Records are built from data this module made itself: no need to validate them again.
_new_presumed_fact = builder(PresumedFact)
_new_value_effect = builder(ValueEffect)

#: presumptions leading to one outcome from which the summary names the outcome once, after them
_GROUP_FROM = 4


def presumed_facts(
    result: Walk,
    values: dict[str, bool],
    read: CaseFacts,
    *,
    program: Program,
    reference: ReferenceEvaluator,
    missing: MissingFacts,
    fact_ids: Mapping[str, tuple[str, ...]],
    outcome_label: Callable[[str], str],
) -> list[PresumedFact]:
    """Each presumed fact the decision order read, tried alone with each other value it
    could take (its candidates in ``missing``, on the ``reference`` evaluator): whether that
    changes the outcome, and to what (catalogue §6.7)."""
    reading = read.reading
    if not reading.presumed:
        return []
    rs = program.ruleset
    # What each rule reads outside ``established``: the presumptions a decision lists are those
    # of the facts these reach. What the facts establish rests on no presumption (one never
    # establishes an adverse finding, §6.3): step 0 reads exclusions and situations only so,
    # and a cleared cadre's memo does not list every adverse finding nobody made as a
    # presumption it rests on.
    walked = upstream_rules((r.id for r, _ in result.steps), rs.graph.plain_reads)
    read_facts = {f for rid in walked for f in fact_ids.get(rid, ())}
    out = []
    for fid, decl in rs.facts.items():
        index = reading.presumed.get(fid)
        if index is None or fid not in read_facts:
            continue
        value = reading.facts[fid]
        effects = []
        for other in missing.candidates_of(fid):
            if same_value(other, value) or read.violates({fid: other}):
                continue
            change, flags, changed = read.change({fid: other})
            after = reference.values_after(
                reading.facts, flags, values, change, missing.outcome_rules, changed
            )
            outcome = outcome_of(program, after)[0]
            effects.append(
                _new_value_effect(
                    value=json_value(other),
                    display=decl.display(other),
                    outcome=outcome,
                    outcome_label=outcome_label(outcome),
                )
            )
        out.append(
            _new_presumed_fact(
                id=fid,
                label=decl.label,
                value=json_value(value),
                display=decl.display(value),
                reason=decl.presume[index].reason,
                changes_outcome=any(e.outcome != result.outcome for e in effects),
                effects=effects,
            )
        )
    return out


def presumed_summary(
    presumed: list[PresumedFact], outcome: str, decls: Mapping[str, FactDecl]
) -> str:
    """One paragraph (catalogue §6.7): the facts presumed, grouped by the value they were
    presumed to have; then, by the outcome a reversal would lead to, the presumptions whose
    reversal would change it, each in the ruleset's words: "……，按未提出认定；如存在，结论
    将为……", or, when many lead to one outcome, their reasons and that outcome once."""
    if not presumed:
        return ""
    by_value: dict[str, list[str]] = {}
    for p in presumed:
        by_value.setdefault(p.display, []).append(f"「{p.label}」")
    listed = "；".join(f"{''.join(labels)}按「{v}」认定" for v, labels in by_value.items())
    text = f"案件材料未载明、按推定认定的事实{len(presumed)}项：{listed}"
    groups: dict[str, list[tuple[PresumedFact, list[ValueEffect]]]] = {}
    for p in presumed:
        changing = [e for e in p.effects if e.outcome != outcome]
        for label in dict.fromkeys(e.outcome_label for e in changing):
            groups.setdefault(label, []).append(
                (p, [e for e in changing if e.outcome_label == label])
            )
    if not groups:
        return text + "。以上推定即使不成立，结论也不变。"
    parts = []
    for label, items in groups.items():
        if len(items) < _GROUP_FROM:
            for p, effects in items:
                parts.append(
                    f"{p.reason.rstrip('。')}；{_if_instead(decls[p.id], effects)}，结论将为{label}"
                )
            continue
        reasons = []
        for p, effects in items:
            shown = "或".join(f"「{e.display}」" for e in effects)
            bool_fact = decls[p.id].type == "bool"
            reasons.append(p.reason.rstrip("。") + ("" if bool_fact else f"（如为{shown}）"))
        parts.append(
            f"{'；'.join(reasons)}——以上{len(items)}项推定如与实际情况不符，结论将为{label}"
        )
    return text + "。其中，" + "。".join(parts) + "。"


def _if_instead(decl: FactDecl, effects: list[ValueEffect]) -> str:
    """ "如存在" / "如与此相反" for a presumed bool, "如为「……」或「……」" for other values."""
    if decl.type == "bool" and isinstance(effects[0].value, bool):
        # a ground or finding presumed absent: "if it exists"; one presumed to hold (from what
        # is stated, or as cooperation is): "if it is otherwise"
        return "如存在" if effects[0].value else "如与此相反"
    return "如为" + "或".join(f"「{e.display}」" for e in effects)
