"""``rongcuo diff``: what an edit to a ruleset does to past decisions, and why.

Every case is evaluated under two versions of one ruleset, the *base* (before the edit) and the
*head* (after it). :func:`diff` compares the two :class:`~rongcuo.Decision` objects of each case
and the two effective rulesets, and returns a :class:`DiffReport`: how many outcomes changed,
and for every changed case the reasons, most decisive first — the deciding rule, then the
exclusions, situations, preconditions, grounds, six looks, three distinctions, the rest of the
decision order, the missing facts and the claimed situations. Each reason names a rule and the
clause it encodes, and says whether the rule itself was edited.

The report is plain data (pydantic models) with three views: :meth:`DiffReport.to_text`
(Chinese, for policy staff), :meth:`DiffReport.to_json` (stable: the same inputs give the same
bytes) and :meth:`DiffReport.to_csv` (one row per changed case).

:func:`open_revision` prepares the base from a git revision (``rulesets/wanzhou@HEAD~1``) or
another folder (``rulesets/wanzhou@/path/to/old``).

This module is the comparison: :func:`diff`, the deltas of one case and the ranking of its
reasons. The report models live in :mod:`rongcuo.authoring.diff_report`, the rule edits
between two rulesets in :mod:`rongcuo.authoring.rule_edits`, the Chinese text in
:mod:`rongcuo.authoring.diff_text` and the preparation of the base in
:mod:`rongcuo.authoring.revision`; the names other modules import from here are re-exported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rongcuo.api import Backend, Engine
from rongcuo.authoring.diff_rank import GROUP_ORDER as GROUP_ORDER
from rongcuo.authoring.diff_rank import error_reasons, rank_reasons, renamed_outcomes, rule_key
from rongcuo.authoring.diff_report import CaseDiff as CaseDiff
from rongcuo.authoring.diff_report import (
    Counts,
    ErrorSide,
    FactRef,
    FindingDelta,
    Group,
    Problem,
    RuleDelta,
    RuleEdit,
    Side,
    Status,
    Transition,
    Truth,
    VersionPair,
)
from rongcuo.authoring.diff_report import DiffReport as DiffReport
from rongcuo.authoring.diff_scope import Scope, case_scope
from rongcuo.authoring.diff_text import cite_text, quote_citation
from rongcuo.authoring.diff_text import condition_text as condition_text
from rongcuo.authoring.revision import RevisionError as RevisionError
from rongcuo.authoring.revision import RulesetSource as RulesetSource
from rongcuo.authoring.revision import open_revision as open_revision
from rongcuo.authoring.rule_edits import rule_edits
from rongcuo.decision.model import Decision, MissingFact, TraceStep
from rongcuo.errors import Diagnostic, EngineError, InputError, Location, RulesetNotFound
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


class RulesetLoadError(InputError):
    """One side's ruleset cannot be loaded; ``side`` is ``base`` or ``head``."""

    def __init__(self, side: str, label: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.side = side
        self.label = label
        super().__init__(diagnostics)


# --- the diff --------------------------------------------------------------------------------


def case_files(cases: Path | str | Sequence[Path | str]) -> list[Path]:
    """Case files from a file, a folder (its ``*.yaml``, ``*.yml``, ``*.json``) or a list of both."""
    items = [cases] if isinstance(cases, str | Path) else list(cases)
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out += sorted(
                f for f in p.iterdir() if f.suffix in (".yaml", ".yml", ".json") and f.is_file()
            )
        else:
            out.append(p)
    return out


def diff(
    base_paths: Sequence[Path | str],
    head_paths: Sequence[Path | str],
    ruleset_id: str,
    cases: Path | str | Sequence[Path | str],
    as_of: dt.date | None = None,
    backend: Backend | None = None,
    *,
    base_label: str = "base",
    head_label: str = "head",
) -> DiffReport:
    """Evaluate every case under two versions of ruleset ``ruleset_id`` and compare.

    ``base_paths`` and ``head_paths`` are the folders each side's rulesets are looked up in
    (as ``Engine(paths=...)``; the bundled rulesets come after them). ``cases`` is a case file,
    a folder of them, or a list of both. Each case is decided on both sides with the same
    ``as_of`` (default: its incident date). A case that fails on a side is reported with its
    located problems; the run goes on. Raises :class:`RulesetLoadError` when a side's ruleset
    has errors or cannot be found. The labels name the sides in the report.
    """
    files = case_files(cases)
    with (
        Engine(base_paths, backend=backend) as base,
        Engine(head_paths, backend=backend) as head,
    ):
        _check_side(base, ruleset_id, "base", base_label)
        _check_side(head, ruleset_id, "head", head_label)
        pairs: dict[tuple[str, str], tuple[Ruleset, Ruleset, list[RuleEdit]]] = {}
        pair_cases: Counter[tuple[str, str]] = Counter()
        diffs: list[CaseDiff] = []
        places: dict[str, None] = {}  # the jurisdictions met, in order
        for path in files:
            b, b_rs, b_err = _decide(base, path, ruleset_id, as_of)
            h, h_rs, h_err = _decide(head, path, ruleset_id, as_of)
            unit, where = _unit_and_jurisdiction(head, path, ruleset_id, b or h, h_rs or b_rs)
            if where is not None:
                places[where] = None
            edits: dict[str, RuleEdit] = {}
            if b_rs is not None and h_rs is not None:
                key = (b_rs.content_hash, h_rs.content_hash)
                if key not in pairs:
                    pairs[key] = (b_rs, h_rs, rule_edits(b_rs, h_rs))
                pair_cases[key] += 1
                edits = {e.id: e for e in pairs[key][2]}
            before, after = _side(b, b_rs, b_err), _side(h, h_rs, h_err)
            scope = case_scope(unit, where) if where is not None else "unchecked"
            diffs.append(_case_diff(path, b, h, before, after, edits, unit or "", scope))
    versions = [
        VersionPair(
            base_version=b_rs.version,
            head_version=h_rs.version,
            base_hash=b_rs.content_hash,
            head_hash=h_rs.content_hash,
            cases=pair_cases[key],
            edits=found,
        )
        for key, (b_rs, h_rs, found) in pairs.items()
    ]
    return DiffReport(
        ruleset=ruleset_id,
        jurisdiction="、".join(p for p in places if p),
        base=base_label,
        head=head_label,
        as_of=as_of.isoformat() if as_of else None,
        counts=_counts(diffs),
        transitions=_transitions(diffs),
        versions=versions,
        cases=diffs,
    )


def _check_side(engine: Engine, rid: str, side: str, label: str) -> None:
    try:
        diags = engine.check(rid)
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        raise RulesetLoadError(
            side, label, [Diagnostic("RC301", Location(label), zh, en or zh)]
        ) from None
    errors = [d for d in diags if d.severity == "error"]
    if errors:
        raise RulesetLoadError(side, label, errors)


def _decide(
    engine: Engine, path: Path, rid: str, as_of: dt.date | None
) -> tuple[Decision | None, Ruleset | None, list[Problem]]:
    try:
        decision = engine.evaluate(path, ruleset=rid, as_of=as_of)
        ruleset = engine.ruleset(rid, dt.date.fromisoformat(decision.case.incident_date))
    except InputError as exc:
        return None, None, [Problem.of(d) for d in exc.diagnostics]
    except RulesetNotFound as exc:
        zh, _, en = str(exc).partition(" / ")
        diag = Diagnostic("RC301", Location(str(path)), zh, en or zh)
        return None, None, [Problem.of(diag).model_copy(update={"text": f"error RC301: {exc}"})]
    except EngineError as exc:
        text = f"引擎错误 engine error: {exc}"
        diag = Diagnostic("engine", Location(str(path)), f"引擎错误：{exc}", f"engine error: {exc}")
        return None, None, [Problem.of(diag).model_copy(update={"text": text})]
    return decision, ruleset, []


def _unit_and_jurisdiction(
    head: Engine, path: Path, rid: str, decided: Decision | None, rs: Ruleset | None
) -> tuple[str | None, str | None]:
    """The cadre's unit the case gives, and the jurisdiction of the ruleset it falls under
    (``None`` when neither side could load the ruleset for it)."""
    if decided is not None:
        unit = (decided.case.cadre or {}).get("unit")
        return unit, rs.jurisdiction if rs is not None else None
    try:
        case, _ = head.load_case(path)
    except InputError:
        return None, None  # the file is no case: it says nothing, and it errors anyway
    unit = case.cadre.unit if case.cadre else None
    try:
        return unit, head.ruleset(rid, case.incident_date).jurisdiction
    except (InputError, RulesetNotFound):
        return unit, None


def _counts(diffs: list[CaseDiff]) -> Counts:
    counted = [c for c in diffs if c.scope != "other"]
    n = Counter(c.status for c in counted)
    return Counts(
        total=len(diffs),
        outcome_changed=n["outcome_changed"],
        grounds_changed=n["grounds_changed"],
        unchanged=n["unchanged"],
        errors=n["error"],
        other_jurisdiction=len(diffs) - len(counted),
        jurisdiction_not_told=sum(c.scope == "not_told" for c in counted),
    )


def _transitions(diffs: list[CaseDiff]) -> list[Transition]:
    moves: Counter[tuple[str, str, str, str]] = Counter()
    for c in diffs:
        if c.status == "outcome_changed" and c.scope != "other":
            assert c.before.outcome is not None and c.after.outcome is not None
            moves[
                (c.before.outcome, c.before.outcome_label, c.after.outcome, c.after.outcome_label)
            ] += 1
    return [
        Transition(before=b, before_label=bl, after=a, after_label=al, count=n)
        for (b, bl, a, al), n in sorted(moves.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


# --- one case --------------------------------------------------------------------------------


def _side(d: Decision | None, rs: Ruleset | None, errors: list[Problem]) -> Side:
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


def _case_diff(
    path: Path,
    b: Decision | None,
    h: Decision | None,
    before: Side,
    after: Side,
    edits: dict[str, RuleEdit],
    unit: str,
    scope: Scope,
) -> CaseDiff:
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
    # What a memo says as findings: the claims, the situations and exclusions that hold or are
    # open, every precondition, the grounds that hold, the six looks and three distinctions (with
    # their rules that are not false), the facts still to find and what they would change.
    # Any change there is a change of grounds, even when outcome and deciding rule stay.
    said = any(r.in_memo for r in rules) or bool(
        looks or distinctions or claims or appeared or resolved or still
    )
    if b.outcome != h.outcome:
        status: Status = "outcome_changed"
    elif (
        b.deciding_rule != h.deciding_rule
        or b.reason_zh != h.reason_zh
        or said
        or bool(renamed_outcomes(before, after))
    ):
        status = "grounds_changed"
    else:
        status = "unchanged"
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
