"""The comparison of one case: its two decisions, before and after the edit, as a CaseDiff.

Takes the base and head :class:`~rongcuo.Decision` of a case (either may be missing, when that
side failed), the two sides as :func:`side_of` reads them, and the rule edits between the two
rulesets. Gives :func:`case_diff`: the rules whose value changed or whose edited wording a memo
prints, the six looks, three distinctions and claimed situations that changed, the missing
facts that appeared, went or changed weight, the case's status (outcome changed, grounds
changed, unchanged, error) and its reasons ranked by :mod:`rongcuo.authoring.diff_rank`.
"""

from __future__ import annotations

from pathlib import Path

from rongcuo.authoring.diff_rank import error_reasons, rank_reasons, renamed_outcomes, rule_key
from rongcuo.authoring.diff_report import (
    CaseDiff,
    ErrorSide,
    FactRef,
    FindingDelta,
    Group,
    Problem,
    RuleDelta,
    RuleEdit,
    Side,
    Status,
    Truth,
)
from rongcuo.authoring.diff_scope import Scope
from rongcuo.authoring.diff_text import cite_text, quote_citation
from rongcuo.decision.model import Decision, MissingFact, TraceStep
from rongcuo.ruleset.model import Ruleset

_GROUP_OF_KIND: dict[str, Group] = {
    "situation": "situation",
    "exclusion": "exclusion",
    "precondition": "precondition",
    "mitigating": "ground",
    "aggravating": "ground",
    "look": "look",
    "distinction": "distinction",
    "outcome": "outcome",
    "strike": "clearing",
    "clearing": "clearing",
    "clearing_method": "clearing",
    "reporter_handling": "clearing",
}
#: The values with which a memo prints a rule of each kind (memo.build_context): situations,
#: exclusions, looks' and distinctions' rules when they hold or are open, every precondition,
#: a mitigating or aggravating ground when it holds. Decision-order rules are not findings.
_PRINTED: dict[str, frozenset[str]] = {
    "situation": frozenset({"true", "unknown"}),
    "exclusion": frozenset({"true", "unknown"}),
    "precondition": frozenset({"true", "false", "unknown"}),
    "mitigating": frozenset({"true"}),
    "aggravating": frozenset({"true"}),
    "look": frozenset({"true", "unknown"}),
    "distinction": frozenset({"true", "unknown"}),
    # the clearing documents print the methods and handlings that hold, and the clearing
    # status the clearing rules give (pending while one is unknown)
    "strike": frozenset({"true", "false", "unknown"}),
    "clearing": frozenset({"true", "false", "unknown"}),
    "clearing_method": frozenset({"true"}),
    "reporter_handling": frozenset({"true"}),
}
#: The edits of a rule that change how a memo prints it whatever its value: its name, its
#: clause, its kind and where it is filed. A condition edit changes the facts a memo cites for a
#: rule that holds, and for a precondition (printed met or not); an open rule's facts are what is
#: still to find, not a finding.
_PRINTED_ASPECTS = frozenset({"origin", "kind", "label", "citation", "classification"})
_CLAIM_ZH = {
    "established": "成立",
    "not_established": "不成立",
    "unknown": "事实不清",
    "referred_to_committee": "须提请集体研究",
    "absent": "未援引",
}


def side_of(d: Decision | None, rs: Ruleset | None, errors: list[Problem]) -> Side:
    """One side of a case as the report shows it: its decision and deciding rule, or, when it
    failed, its problems."""
    if d is None or rs is None:
        return Side(errors=errors)
    step = next((t for t in d.trace if t.rule == d.deciding_rule), None)
    return Side(
        outcome=d.outcome,
        outcome_label=d.outcome_label,
        deciding_rule=d.deciding_rule,
        deciding_label=step.label if step else "",
        deciding_citation=cite_text(step.citation) if step else "",
        reason=d.reason_zh,
        possible_outcomes=list(d.possible_outcomes),
        possible_labels=[
            rs.outcomes[o].label if o in rs.outcomes else o for o in d.possible_outcomes
        ],
        ruleset_version=d.ruleset.version,
        ruleset_hash=d.ruleset.content_hash,
    )


def case_diff(
    path: Path,
    b: Decision | None,
    h: Decision | None,
    before: Side,
    after: Side,
    edits: dict[str, RuleEdit],
    unit: str,
    scope: Scope,
) -> CaseDiff:
    """The comparison of one case file: ``b`` and ``h`` its decisions (``None`` on a side that
    failed), ``before`` and ``after`` those sides as :func:`side_of` reads them, ``edits`` the
    rule edits between the two rulesets, by rule id."""
    known = b or h
    case_id, title, day = (
        (known.case.id, known.case.title, known.case.incident_date)
        if known
        else (path.stem, "", "")
    )
    if b is None or h is None:
        side: ErrorSide = "both" if b is None and h is None else ("base" if b is None else "head")
        return CaseDiff(
            file=str(path),
            case_id=case_id,
            title=title,
            incident_date=day,
            unit=unit,
            scope=scope,
            status="error",
            error_side=side,
            before=before,
            after=after,
            rules=[],
            looks=[],
            distinctions=[],
            claims=[],
            missing_appeared=[],
            missing_resolved=[],
            missing_changed=[],
            reasons=error_reasons(before, after),
        )
    deltas = _rule_deltas(b, h, edits)
    rules = [r for _, r in sorted(enumerate(deltas), key=lambda ir: rule_key(ir[1], ir[0]))]
    looks, distinctions, claims = _finding_deltas(b, h)
    appeared, resolved, still = _missing_deltas(b, h)
    # What a memo says as findings: the claims, the situations and exclusions that hold or are
    # open, every precondition, the grounds that hold, the six looks and three distinctions (with
    # their rules that are not false), the facts still to find and what they would change.
    # Any change there is a change of grounds, even when outcome and deciding rule stay.
    said = any(r.in_memo for r in rules) or bool(
        looks or distinctions or claims or appeared or resolved or still
    )
    status = _status(b, h, before, after, said)
    reasons = rank_reasons(
        before, after, rules, looks, distinctions, claims, appeared, resolved, still
    )
    return CaseDiff(
        file=str(path),
        case_id=case_id,
        title=title,
        incident_date=day,
        unit=unit,
        scope=scope,
        status=status,
        error_side="",
        before=before,
        after=after,
        rules=rules,
        looks=looks,
        distinctions=distinctions,
        claims=claims,
        missing_appeared=appeared,
        missing_resolved=resolved,
        missing_changed=still,
        reasons=reasons,
    )


def _finding_deltas(
    b: Decision, h: Decision
) -> tuple[list[FindingDelta], list[FindingDelta], list[FindingDelta]]:
    """The six looks, the three distinctions and the claimed situations whose finding changed."""
    looks = _findings(
        {x.id: (x.label, x.finding, x.finding_label) for x in b.looks},
        {x.id: (x.label, x.finding, x.finding_label) for x in h.looks},
    )
    distinctions = _findings(
        {x.id: (x.label, x.side, x.side_label) for x in b.distinctions},
        {x.id: (x.label, x.side, x.side_label) for x in h.distinctions},
    )
    claims = _findings(
        {x.id: (x.label, x.status, _CLAIM_ZH[x.status]) for x in b.claimed_situations},
        {x.id: (x.label, x.status, _CLAIM_ZH[x.status]) for x in h.claimed_situations},
        absent=("absent", _CLAIM_ZH["absent"]),
    )
    return looks, distinctions, claims


def _missing_deltas(
    b: Decision, h: Decision
) -> tuple[list[FactRef], list[FactRef], list[FindingDelta]]:
    """The missing facts only the head lacks (appeared), only the base lacked (resolved), and
    those both lack whose weight changed."""
    b_missing = {m.id: m for m in b.missing_facts}
    h_missing = {m.id: m for m in h.missing_facts}
    appeared = [
        FactRef(id=m.id, label=m.label, changes_outcome=m.changes_outcome)
        for m in h.missing_facts
        if m.id not in b_missing
    ]
    resolved = [
        FactRef(id=m.id, label=m.label, changes_outcome=m.changes_outcome)
        for m in b.missing_facts
        if m.id not in h_missing
    ]
    still = _findings(
        {m.id: (m.label, *_missing_effect(m)) for m in b.missing_facts if m.id in h_missing},
        {m.id: (m.label, *_missing_effect(m)) for m in h.missing_facts if m.id in b_missing},
    )
    return appeared, resolved, still


def _status(b: Decision, h: Decision, before: Side, after: Side, said: bool) -> Status:
    """Outcome changed; else grounds changed when the deciding rule, the reason, what a memo
    says as findings (``said``) or an outcome's name changed; else unchanged."""
    if b.outcome != h.outcome:
        return "outcome_changed"
    if (
        b.deciding_rule != h.deciding_rule
        or b.reason_zh != h.reason_zh
        or said
        or bool(renamed_outcomes(before, after))
    ):
        return "grounds_changed"
    return "unchanged"


def _rule_deltas(b: Decision, h: Decision, edits: dict[str, RuleEdit]) -> list[RuleDelta]:
    """Rules whose value differs (a rule on one side only is ``absent`` on the other), and
    edited rules that hold on either side (their wording is part of the grounds) or that a memo
    prints differently (``in_memo``: an open situation renamed, a failed precondition's new
    condition)."""
    bt = {t.rule: t for t in b.trace} | _clearing_steps(b)
    ht = {t.rule: t for t in h.trace} | _clearing_steps(h)
    ids = list(dict.fromkeys([*ht, *bt]))
    out = []
    for rid in ids:
        before: Truth = bt[rid].value if rid in bt else "absent"
        after: Truth = ht[rid].value if rid in ht else "absent"
        edit = edits.get(rid.split(_ON)[0])
        step: TraceStep = ht.get(rid) or bt[rid]
        printed = _PRINTED.get(step.kind, frozenset())
        if before != after:
            said = before in printed or after in printed
        elif edit is None:
            continue
        else:
            cites_facts = before == "true" or step.kind == "precondition"
            said = before in printed and (
                bool(_PRINTED_ASPECTS.intersection(edit.aspects))
                or (cites_facts and _fact_ids(bt[rid]) != _fact_ids(ht[rid]))
            )
            if not said and before != "true":
                continue
        cb = cite_text(bt[rid].citation) if rid in bt else ""
        ca = cite_text(ht[rid].citation) if rid in ht else ""
        out.append(
            RuleDelta(
                id=rid,
                kind=step.kind,
                group=_GROUP_OF_KIND.get(step.kind, "outcome"),
                label=step.label,
                before=before,
                after=after,
                citation=ca or cb,
                citation_before=cb,
                citation_after=ca,
                quote_before=quote_citation(bt[rid].citation) if rid in bt else "",
                quote_after=quote_citation(ht[rid].citation) if rid in ht else "",
                edits=list(edit.aspects) if edit else [],
                in_memo=said,
            )
        )
    return out


_ON = "@"  # a clearing rule as evaluated on one allegation: ``method_public_notice@A1``


def _clearing_steps(d: Decision) -> dict[str, TraceStep]:
    """The clearing rules of each allegation as trace steps, keyed ``RULE@ALLEGATION``: what
    a clearing memo prints (methods, the reporter's handling) is what holds there."""
    if d.clearing is None:
        return {}
    return {
        f"{r.id}{_ON}{a.id}": TraceStep(
            seq=0,
            rule=r.id,
            kind=r.kind,
            label=f"{r.label}（举报问题 {a.id}）",
            value=r.value,
            citation=r.citation,
            facts=r.facts,
            reads_rules=(),
        )
        for a in d.clearing.allegations
        for r in a.rules
    }


def _fact_ids(step: TraceStep) -> tuple[str, ...]:
    return tuple(f.id for f in step.facts)


def _missing_effect(m: MissingFact) -> tuple[str, str]:
    """A missing fact's weight as (key, Chinese): whether finding it can change the outcome,
    and the outcomes it can lead to. The sample values tried (``若为「50000元」``) are left out:
    an edited threshold adds samples without changing what the fact can decide."""
    if not m.changes_outcome:
        return "no_change", "不影响结论"
    outcomes = sorted({(e.outcome, e.outcome_label) for e in m.effects})
    key = "changes:" + ",".join(o for o, _ in outcomes)
    zh = "、".join(label for _, label in outcomes)
    return key, f"影响结论（可能为：{zh}）" if zh else "影响结论"


def _findings(
    before: dict[str, tuple[str, str, str]],
    after: dict[str, tuple[str, str, str]],
    absent: tuple[str, str] = ("absent", "无"),
) -> list[FindingDelta]:
    out = []
    for fid in dict.fromkeys([*after, *before]):
        b_label, b_val, b_zh = before.get(fid, ("", *absent))
        a_label, a_val, a_zh = after.get(fid, ("", *absent))
        if b_val != a_val:
            out.append(
                FindingDelta(
                    id=fid,
                    label=a_label or b_label,
                    before=b_val,
                    before_label=b_zh,
                    after=a_val,
                    after_label=a_zh,
                )
            )
    return out
