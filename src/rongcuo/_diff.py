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
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import tarfile
import tempfile
from collections import Counter
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ._api import Backend, Engine
from ._decision import CitationRef, Decision, OutcomeId, TraceStep
from ._errors import (
    Diagnostic,
    EngineError,
    InputError,
    Location,
    RongcuoError,
    RulesetNotFound,
    format_diagnostics,
)
from ._model import (
    AllOf,
    AnyOf,
    Claimed,
    Compare,
    Cond,
    KindRef,
    Known,
    Not,
    Rule,
    RuleRef,
    Ruleset,
)
from ._registry import Library

Status = Literal["unchanged", "grounds_changed", "outcome_changed", "error"]
Truth = Literal["true", "false", "unknown", "absent"]
Group = Literal[
    "deciding",
    "exclusion",
    "situation",
    "precondition",
    "ground",
    "look",
    "distinction",
    "outcome",
    "missing_fact",
    "claim",
]
ErrorSide = Literal["", "base", "head", "both"]

#: The order reasons are ranked in: the most decisive first.
GROUP_ORDER: tuple[Group, ...] = (
    "deciding",
    "exclusion",
    "situation",
    "precondition",
    "ground",
    "look",
    "distinction",
    "outcome",
    "missing_fact",
    "claim",
)
_GROUP_OF_KIND: dict[str, Group] = {
    "situation": "situation",
    "exclusion": "exclusion",
    "precondition": "precondition",
    "mitigating": "ground",
    "aggravating": "ground",
    "look": "look",
    "distinction": "distinction",
    "outcome": "outcome",
}
_KIND_ZH = {
    "situation": "容错情形",
    "exclusion": "不予容错情形",
    "precondition": "容错条件",
    "mitigating": "从轻减轻情形",
    "aggravating": "从重加重情形",
    "look": "六看规则",
    "distinction": "三个区分规则",
    "outcome": "认定顺序规则",
}
_TRUTH_ZH: dict[str, str] = {
    "true": "成立",
    "false": "不成立",
    "unknown": "不明",
    "absent": "无此规则",
}
_CLAIM_ZH = {
    "established": "成立",
    "not_established": "不成立",
    "unknown": "事实不清",
    "referred_to_committee": "须提请集体研究",
    "absent": "未援引",
}
#: What can differ between two definitions of a rule, and how the text report names it.
ASPECTS_ZH: dict[str, str] = {
    "added": "新增",
    "removed": "已删除或停用",
    "origin": "改由另一规则集定义（替换）",
    "kind": "种类",
    "label": "名称",
    "condition": "条件",
    "citation": "条款",
    "order": "认定顺序（步骤或结论）",
    "classification": "所属六看或区分",
    "pairs_with": "对应的不予容错情形",
    "referral": "提请认定",
    "note": "说明",
}
_STATUS_ZH = {
    "unchanged": "未变",
    "grounds_changed": "理由变化",
    "outcome_changed": "结论变化",
    "error": "出错",
}
_REASONS_SHOWN = 15  # reasons printed per case in the text view (JSON has them all)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Problem(_Model):
    """A located problem that stopped one side from deciding a case (a diagnostic, as data)."""

    code: str
    severity: str
    file: str
    line: int
    column: int
    path: str
    message_zh: str
    message_en: str
    hint: str
    text: str

    @classmethod
    def of(cls, d: Diagnostic) -> Problem:
        """The data of a :class:`Diagnostic`."""
        return cls(
            code=d.code,
            severity=d.severity,
            file=d.location.file,
            line=d.location.line,
            column=d.location.column,
            path=d.location.path_text(),
            message_zh=d.message_zh,
            message_en=d.message_en,
            hint=d.hint,
            text=d.format(),
        )


class Side(_Model):
    """One side's decision of a case (or the problems that prevented it)."""

    outcome: OutcomeId | None = None
    outcome_label: str = "出错"
    deciding_rule: str | None = None
    deciding_label: str = ""
    deciding_citation: str = ""
    reason: str = ""
    possible_outcomes: list[OutcomeId] = []
    possible_labels: list[str] = []
    ruleset_version: str = ""
    ruleset_hash: str = ""
    errors: list[Problem] = []


class RuleDelta(_Model):
    """A rule whose truth value for the case differs between the sides, or that was edited."""

    id: str
    kind: str
    group: Group
    label: str
    before: Truth
    after: Truth
    citation: str
    citation_before: str
    citation_after: str
    quote_before: str
    quote_after: str
    edits: list[str]


class FindingDelta(_Model):
    """A six-look finding, a distinction's side, or a claimed situation's status that changed."""

    id: str
    label: str
    before: str
    before_label: str
    after: str
    after_label: str


class FactRef(_Model):
    """A missing fact that appeared or disappeared."""

    id: str
    label: str
    changes_outcome: bool


class Reason(_Model):
    """One ranked line of the "why"."""

    group: Group
    id: str
    text: str


class CaseDiff(_Model):
    """What the edit does to one case."""

    file: str
    case_id: str
    title: str
    incident_date: str
    status: Status
    error_side: ErrorSide
    before: Side
    after: Side
    rules: list[RuleDelta]
    looks: list[FindingDelta]
    distinctions: list[FindingDelta]
    claims: list[FindingDelta]
    missing_appeared: list[FactRef]
    missing_resolved: list[FactRef]
    reasons: list[Reason]

    def top_reason(self) -> str:
        """The highest-ranked reason below the deciding rule (that one has its own columns)."""
        if self.status == "error":
            side = self.after if self.after.errors else self.before
            return side.errors[0].message_zh if side.errors else ""
        for r in self.reasons:
            if r.group != "deciding":
                return r.text
        return self.reasons[0].text if self.reasons else ""


class RuleEdit(_Model):
    """A rule added, removed or changed between the two effective rulesets."""

    id: str
    kind: str
    label: str
    change: Literal["added", "removed", "changed"]
    aspects: list[str]
    citation_before: str
    citation_after: str
    quote_before: str
    quote_after: str
    condition_before: str
    condition_after: str
    defined_in_before: str
    defined_in_after: str


class VersionPair(_Model):
    """The two effective rulesets some cases were decided with, and how their rules differ."""

    base_version: str
    head_version: str
    base_hash: str
    head_hash: str
    cases: int
    edits: list[RuleEdit]


class Transition(_Model):
    """How many cases went from one outcome to another."""

    before: str
    before_label: str
    after: str
    after_label: str
    count: int


class Counts(_Model):
    """How many cases fell in each status."""

    total: int
    outcome_changed: int
    grounds_changed: int
    unchanged: int
    errors: int


class DiffReport(_Model):
    """The result of :func:`diff`: per-case differences and the rule edits behind them."""

    ruleset: str
    base: str
    head: str
    as_of: str | None
    counts: Counts
    transitions: list[Transition]
    versions: list[VersionPair]
    cases: list[CaseDiff]

    def changed(self) -> list[CaseDiff]:
        """Cases whose outcome changed."""
        return [c for c in self.cases if c.status == "outcome_changed"]

    def any_change(self) -> bool:
        """Whether some outcome changed, or some case errors on one side only."""
        return any(
            c.status == "outcome_changed" or c.error_side in ("base", "head") for c in self.cases
        )

    def summary(self) -> str:
        """``共 44 件，结论变化 3 件，理由变化 2 件，出错 0 件``."""
        n = self.counts
        return (
            f"共 {n.total} 件，结论变化 {n.outcome_changed} 件，"
            f"理由变化 {n.grounds_changed} 件，出错 {n.errors} 件"
        )

    def to_json(self) -> str:
        """Canonical JSON: keys sorted, UTF-8 text kept; the same inputs give the same bytes."""
        data = self.model_dump(mode="json")
        return json.dumps(data, ensure_ascii=False, sort_keys=True, indent=2) + "\n"

    def to_csv(self) -> str:
        """One row per case whose outcome or grounds changed, or that errors."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for c in self.cases:
            if c.status == "unchanged":
                continue
            writer.writerow(
                [
                    c.case_id,
                    c.file,
                    c.status,
                    c.before.outcome or "error",
                    c.after.outcome or "error",
                    c.before.outcome_label,
                    c.after.outcome_label,
                    c.before.deciding_rule or "",
                    c.after.deciding_rule or "",
                    c.top_reason(),
                    ";".join(r.id for r in c.rules),
                ]
            )
        return out.getvalue()

    def to_text(self) -> str:
        """The report for policy staff, in Chinese."""
        return render_text(self)


CSV_COLUMNS = (
    "case_id",
    "file",
    "status",
    "before",
    "after",
    "before_label",
    "after_label",
    "deciding_rule_before",
    "deciding_rule_after",
    "top_reason",
    "changed_rules",
)


class RulesetLoadError(InputError):
    """One side's ruleset cannot be loaded; ``side`` is ``base`` or ``head``."""

    def __init__(self, side: str, label: str, diagnostics: Sequence[Diagnostic]) -> None:
        self.side = side
        self.label = label
        super().__init__(diagnostics)


class RevisionError(RongcuoError):
    """A git revision or folder given for a side cannot be used (git failed, no such folder)."""


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
    backend: Backend = "durable",
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
        for path in files:
            b, b_rs, b_err = _decide(base, path, ruleset_id, as_of)
            h, h_rs, h_err = _decide(head, path, ruleset_id, as_of)
            edits: dict[str, RuleEdit] = {}
            if b_rs is not None and h_rs is not None:
                key = (b_rs.content_hash, h_rs.content_hash)
                if key not in pairs:
                    pairs[key] = (b_rs, h_rs, rule_edits(b_rs, h_rs))
                pair_cases[key] += 1
                edits = {e.id: e for e in pairs[key][2]}
            before, after = _side(b, b_rs, b_err), _side(h, h_rs, h_err)
            diffs.append(_case_diff(path, b, h, before, after, edits))
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


def _counts(diffs: list[CaseDiff]) -> Counts:
    n = Counter(c.status for c in diffs)
    return Counts(
        total=len(diffs),
        outcome_changed=n["outcome_changed"],
        grounds_changed=n["grounds_changed"],
        unchanged=n["unchanged"],
        errors=n["error"],
    )


def _transitions(diffs: list[CaseDiff]) -> list[Transition]:
    moves: Counter[tuple[str, str, str, str]] = Counter()
    for c in diffs:
        if c.status == "outcome_changed":
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
            reasons=_error_reasons(before, after),
        )
    deltas = _rule_deltas(b, h, edits)
    rules = [r for _, r in sorted(enumerate(deltas), key=lambda ir: _rule_key(ir[1], ir[0]))]
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
    if b.outcome != h.outcome:
        status: Status = "outcome_changed"
    elif b.deciding_rule != h.deciding_rule or b.reason_zh != h.reason_zh:
        status = "grounds_changed"
    else:
        status = "unchanged"
    reasons = _rank(before, after, rules, looks, distinctions, claims, appeared, resolved)
    return CaseDiff(
        file=str(path),
        case_id=case_id,
        title=title,
        incident_date=day,
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
        reasons=reasons,
    )


def _rule_deltas(b: Decision, h: Decision, edits: dict[str, RuleEdit]) -> list[RuleDelta]:
    """Rules whose value differs (a rule on one side only is ``absent`` on the other), and
    edited rules that hold on either side (their wording is part of the grounds)."""
    bt = {t.rule: t for t in b.trace}
    ht = {t.rule: t for t in h.trace}
    ids = list(dict.fromkeys([*ht, *bt]))
    out = []
    for rid in ids:
        before: Truth = bt[rid].value if rid in bt else "absent"
        after: Truth = ht[rid].value if rid in ht else "absent"
        edit = edits.get(rid)
        if before == after and not (edit and "true" in (before, after)):
            continue
        step: TraceStep = ht.get(rid) or bt[rid]
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
                quote_before=_quote(bt[rid].citation) if rid in bt else "",
                quote_after=_quote(ht[rid].citation) if rid in ht else "",
                edits=list(edit.aspects) if edit else [],
            )
        )
    return out


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


# --- ranking the reasons ------------------------------------------------------------------


def _deciding_text(side: Side) -> str:
    if side.deciding_rule:
        cite = f"，{side.deciding_citation}" if side.deciding_citation else ""
        return f"{side.deciding_rule}「{side.deciding_label}」（{side.outcome_label}{cite}）"
    if side.outcome == "insufficient_facts":
        return "无（事实不清，可能的结论：" + "、".join(side.possible_labels) + "）"
    return f"无（{side.outcome_label}）"


def rule_reason(r: RuleDelta) -> str:
    """A rule's change as one Chinese line."""
    mark = (
        f"{_TRUTH_ZH[r.before]} → {_TRUTH_ZH[r.after]}"
        if r.before != r.after
        else f"{_TRUTH_ZH[r.after]}（未变）"
    )
    text = f"{_KIND_ZH.get(r.kind, r.kind)} {r.id}「{r.label}」：{mark}"
    if {"added", "removed"} & set(r.edits):
        text += f"〔{ASPECTS_ZH[r.edits[0]]}〕"
    elif r.edits:
        parts = [ASPECTS_ZH.get(a, a) for a in r.edits if a != "citation"]
        if "citation" in r.edits:
            parts.append(
                citation_change(r.citation_before, r.citation_after, r.quote_before, r.quote_after)
            )
        text += "〔已修改：" + "；".join(parts) + "〕"
    if r.citation and "citation" not in r.edits:
        text += f"（{r.citation}）"
    return text


def citation_change(before: str, after: str, quote_before: str, quote_after: str) -> str:
    """``条款 《办法》第一条 → 《办法》第二条``, or the quoted text when only it changed."""
    if before != after:
        return f"条款 {before or '无'} → {after or '无'}"
    return f"{before}原文「{quote_before}」→「{quote_after}」"


def _rank(
    before: Side,
    after: Side,
    rules: list[RuleDelta],
    looks: list[FindingDelta],
    distinctions: list[FindingDelta],
    claims: list[FindingDelta],
    appeared: list[FactRef],
    resolved: list[FactRef],
) -> list[Reason]:
    reasons: list[Reason] = []
    deciding = {before.deciding_rule, after.deciding_rule} - {None}
    cite_changed = any(r.id in deciding and "citation" in r.edits for r in rules)
    if before.deciding_rule != after.deciding_rule or before.outcome != after.outcome:
        text = f"认定规则：{_deciding_text(before)} → {_deciding_text(after)}"
        reasons.append(Reason(group="deciding", id=after.deciding_rule or "", text=text))
    elif cite_changed and after.deciding_rule:
        text = (
            f"认定规则 {after.deciding_rule} 的条款：{before.deciding_citation} → "
            f"{after.deciding_citation}"
        )
        reasons.append(Reason(group="deciding", id=after.deciding_rule, text=text))
    # Key: (quiet, group, findings before rules, causes first, position); see _rule_key.
    keyed: list[tuple[tuple[int, int, int, int, int], Reason]] = []
    for i, r in enumerate(rules):
        if r.kind == "outcome" and r.id in deciding:
            continue
        keyed.append((_rule_key(r, i), Reason(group=r.group, id=r.id, text=rule_reason(r))))
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
        key = (0, missing, 0, 0 if m.changes_outcome else 1, i)
        keyed.append((key, Reason(group="missing_fact", id=m.id, text=text)))
    for i, m in enumerate(resolved):
        text = f"不再待查的事实 {m.id}「{m.label}」"
        keyed.append(((0, missing, 0, 2, i), Reason(group="missing_fact", id=m.id, text=text)))
    for i, c in enumerate(claims):
        text = f"援引的情形 {c.id}「{c.label}」：{c.before_label} → {c.after_label}"
        key = (0, GROUP_ORDER.index("claim"), 0, 0, i)
        keyed.append((key, Reason(group="claim", id=c.id, text=text)))
    reasons += [reason for _, reason in sorted(keyed, key=lambda kv: kv[0])]
    return reasons


def _rule_key(r: RuleDelta, position: int) -> tuple[int, int, int, int, int]:
    """Rank of a rule change: (quiet, group, 1, cause, position). A rule that appeared or
    disappeared without holding, or was edited without changing value, is quiet: it comes after
    everything that changed. Within a group, rules that were themselves edited (the causes) come
    before rules that changed through them."""
    changed = r.before != r.after
    quiet = not changed or {r.before, r.after} == {"false", "absent"}
    cause = 0 if changed and r.edits else 1
    return (int(quiet), GROUP_ORDER.index(r.group), 1, cause, position)


def _error_reasons(before: Side, after: Side) -> list[Reason]:
    out = []
    for name, side in (("基准版本", before), ("新版本", after)):
        out += [
            Reason(group="deciding", id=p.code, text=f"{name}下出错 {p.code}：{p.message_zh}")
            for p in side.errors
        ]
    return out


# --- rule definitions ------------------------------------------------------------------------


def cite_text(c: CitationRef | None) -> str:
    """``《万州区容错纠错实施办法》第五条第（一）项``, or empty without a citation."""
    if c is None:
        return ""
    title = c.doc_title if c.doc_title.startswith("《") else f"《{c.doc_title}》"
    return f"{title}{c.clause}"


def _quote(c: CitationRef | None) -> str:
    return c.text if c else ""


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


_OPS = {"eq": "=", "ne": "≠", "lt": "<", "le": "≤", "gt": ">", "ge": "≥", "in": "∈", "not_in": "∉"}


def _value_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, tuple):
        return "{" + ", ".join(_value_text(v) for v in value) + "}"
    return str(value)


def condition_text(cond: Cond | None) -> str:
    """A rule's condition on one line: ``in_reform_or_pilot = true 且 work_area = reform_pilot``."""
    if cond is None:
        return "（无条件：由党委（党组）认定）"
    return _cond(cond, top=True)


def _cond(cond: Cond, top: bool = False) -> str:
    if isinstance(cond, AllOf | AnyOf):
        joiner = " 且 " if isinstance(cond, AllOf) else " 或 "
        text = joiner.join(_cond(c) for c in cond.items)
        return text if top or len(cond.items) == 1 else f"（{text}）"
    if isinstance(cond, Not):
        inner = _cond(cond.item)
        return f"非{inner}" if inner.startswith("（") else f"非（{inner}）"
    if isinstance(cond, Compare):
        return f"{cond.fact} {_OPS[cond.op]} {_value_text(cond.value)}"
    if isinstance(cond, Known):
        return f"{cond.fact} {'已查明' if cond.known else '未查明'}"
    if isinstance(cond, RuleRef):
        return f"规则 {cond.rule}"
    if isinstance(cond, KindRef):
        what = _KIND_ZH.get(cond.kind, cond.kind)
        return f"任一{what}成立" if cond.quantifier == "any" else f"全部{what}成立"
    if isinstance(cond, Claimed):
        return f"援引 {cond.situation}"
    raise TypeError(f"unknown condition node {cond!r}")  # pragma: no cover


# --- the text view ----------------------------------------------------------------------------


def _indent(text: str, prefix: str) -> list[str]:
    return [prefix + line for line in text.splitlines()]


def render_text(report: DiffReport) -> str:
    """The report in Chinese: summary, rule edits, outcome transitions, then the cases."""
    out = [
        f"规则集 {report.ruleset} 修改前后对比",
        f"基准（修改前）：{report.base}",
        f"新版（修改后）：{report.head}",
        f"认定日期：{report.as_of or '各案件的失误发生日期'}",
        "",
        report.summary(),
    ]
    for pair in report.versions:
        out += [
            "",
            f"规则改动（版本 {pair.base_version} → {pair.head_version}，{pair.cases} 件适用）：",
        ]
        if not pair.edits:
            out.append("  （无改动）")
        for e in pair.edits:
            out += _edit_lines(e)
    out += ["", "结论变化（修改前 → 修改后）："]
    if not report.transitions:
        out.append("  （无）")
    for t in report.transitions:
        out.append(f"  {t.before_label} → {t.after_label}: {t.count}")
    sections: list[tuple[str, Status]] = [
        ("一、结论变化的案件", "outcome_changed"),
        ("二、结论不变、理由变化的案件", "grounds_changed"),
        ("三、出错的案件", "error"),
    ]
    for heading, status in sections:
        chosen = [c for c in report.cases if c.status == status]
        out += ["", f"{heading}（{len(chosen)} 件）"]
        if not chosen:
            out.append("  （无）")
        for c in chosen:
            out += _case_lines(c)
    return "\n".join(out) + "\n"


def _edit_lines(e: RuleEdit) -> list[str]:
    kind = _KIND_ZH.get(e.kind, e.kind)
    if e.change == "added":
        lines = [f"  + 新增 {kind} {e.id}「{e.label}」（{e.citation_after or '未引用条款'}）"]
        lines.append(f"      条件：{e.condition_after}")
        return lines
    if e.change == "removed":
        return [f"  - 删除或停用 {kind} {e.id}「{e.label}」（{e.citation_before or '未引用条款'}）"]
    what = "、".join(ASPECTS_ZH.get(a, a) for a in e.aspects)
    lines = [f"  ~ 修改 {kind} {e.id}「{e.label}」：{what}"]
    if "condition" in e.aspects:
        lines.append(f"      条件：{e.condition_before}")
        lines.append(f"         → {e.condition_after}")
    if "citation" in e.aspects:
        change = citation_change(e.citation_before, e.citation_after, e.quote_before, e.quote_after)
        lines.append(f"      {change}")
    if "origin" in e.aspects:
        lines.append(f"      定义于：{e.defined_in_before} → {e.defined_in_after}")
    return lines


def _case_lines(c: CaseDiff) -> list[str]:
    title = f"{c.title}" if c.title else ""
    lines = [f"【{c.case_id}】{title}（{c.file}）"]
    if c.status == "error":
        where = {"base": "修改前出错", "head": "修改后出错", "both": "修改前后都出错"}[
            c.error_side or "both"
        ]
        other = c.after if c.error_side == "base" else c.before
        if c.error_side in ("base", "head"):
            where += f"（另一版本的结论：{other.outcome_label}）"
        lines.append(f"  {where}")
        for name, side in (("修改前", c.before), ("修改后", c.after)):
            if side.errors and not (c.error_side == "both" and name == "修改后" and _same(c)):
                lines.append(f"  {name}：")
                lines += _indent(
                    format_diagnostics([_diag(p) for p in side.errors]),
                    "    ",
                )
        return lines
    if c.status == "outcome_changed":
        lines.append(f"  结论：{c.before.outcome_label} → {c.after.outcome_label}")
    else:
        lines.append(f"  结论：{c.after.outcome_label}（不变）")
    lines.append(f"  认定规则：{_deciding_text(c.before)}")
    lines.append(f"        → {_deciding_text(c.after)}")
    shown = [r for r in c.reasons if r.group != "deciding"]
    if shown:
        lines.append("  原因（影响大的在前）：")
        for i, r in enumerate(shown[:_REASONS_SHOWN], start=1):
            lines.append(f"    {i}. {r.text}")
        if len(shown) > _REASONS_SHOWN:
            lines.append(f"    ……另有 {len(shown) - _REASONS_SHOWN} 项，见 --format json")
    return lines


def _same(c: CaseDiff) -> bool:
    return [p.text for p in c.before.errors] == [p.text for p in c.after.errors]


def _diag(p: Problem) -> Diagnostic:
    severity: Literal["error", "warning"] = "warning" if p.severity == "warning" else "error"
    return Diagnostic(
        p.code,
        Location(p.file, p.line, p.column),
        p.message_zh,
        p.message_en,
        p.hint,
        severity,
    )


# --- where the base comes from -------------------------------------------------------------


@dataclass(frozen=True)
class RulesetSource:
    """One side of a diff: the ruleset id, the folders to search, and how to name it.

    ``renames`` maps temporary folders (a git export) back to what the user wrote, for messages.
    """

    ruleset_id: str
    paths: tuple[Path, ...]
    label: str
    renames: tuple[tuple[str, str], ...] = ()

    def display(self, text: str) -> str:
        """``text`` with temporary folders replaced by the revision they hold."""
        for old, new in self.renames:
            text = text.replace(old, new)
        return text

    def display_diagnostic(self, d: Diagnostic) -> Diagnostic:
        """A diagnostic with its file and messages shown as :meth:`display` does."""
        return replace(
            d,
            location=replace(d.location, file=self.display(d.location.file)),
            message_zh=self.display(d.message_zh),
            message_en=self.display(d.message_en),
            hint=self.display(d.hint),
        )


def _git(args: list[str], cwd: Path) -> bytes:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise RevisionError("找不到 git 命令 / git is not installed") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise RevisionError(f"git {' '.join(args)}: {message}")
    return done.stdout


def ruleset_folder(spec: str) -> Path:
    """The folder of a ruleset given as a folder, a version file in it, or an id (looked up
    among the bundled rulesets). Raises :class:`RevisionError` when there is none."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        path = path.parent
    if path.is_dir():
        return path
    if os.sep in spec or spec.startswith("."):
        raise RevisionError(f"没有这个规则集文件夹 / no such ruleset folder: {spec}")
    try:
        return Library().folder(spec)
    except RulesetNotFound as exc:
        raise RevisionError(str(exc)) from None


def open_revision(spec: str, stack: ExitStack) -> RulesetSource:
    """A side given as ``RULESET@REV`` or ``RULESET@FOLDER``.

    ``RULESET`` is a folder (``rulesets/wanzhou``) or an id. With a git revision, the ruleset
    folder's parent (the whole ``rulesets/`` tree, so that ``extends`` resolves at that revision
    too) is exported with ``git archive`` into a temporary folder that ``stack`` removes. With a
    folder holding the ruleset's version files, that folder (under the id's name) and its parent
    are searched. Raises :class:`RevisionError`.
    """
    target, _, ref = spec.partition("@")
    if not target or not ref:
        raise RevisionError(f"应写作 RULESET@REV / expected RULESET@REV, got {spec!r}")
    folder = ruleset_folder(target).resolve()
    rid = folder.name
    other = Path(ref)
    if other.is_dir():
        other = other.resolve()
        if other.name == rid:
            return RulesetSource(rid, (other.parent,), spec)
        alias = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rongcuo-diff-")))
        (alias / rid).symlink_to(other, target_is_directory=True)
        return RulesetSource(rid, (alias, other.parent), spec)
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).decode().strip()).resolve()
    parent = folder.parent.relative_to(top) if folder.parent != top else Path()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top)
    except RevisionError:
        raise RevisionError(
            f"{top} 中没有 git 版本 {ref!r} / no revision {ref!r} in the repository {top}"
        ) from None
    pathspec = [] if parent == Path() else ["--", parent.as_posix()]
    data = _git(["archive", "--format=tar", ref, *pathspec], top)
    root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rongcuo-diff-")))
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(root, filter="data")
    exported = root / parent
    if not (exported / rid).is_dir():
        shown = (parent / rid).as_posix()
        raise RevisionError(f"{ref} 中没有规则集文件夹 {shown} / {shown} does not exist at {ref}")
    renames = tuple(dict.fromkeys([str(root) + os.sep, str(root.resolve()) + os.sep]))
    return RulesetSource(rid, (exported,), spec, tuple((old, f"{ref}:") for old in renames))
