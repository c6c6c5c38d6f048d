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

This module is the run: :func:`diff` decides every case on both sides, compares and counts.
The comparison of one case lives in :mod:`rongcuo.authoring.diff_case`, the ranking of its
reasons in :mod:`rongcuo.authoring.diff_rank`, the report models in
:mod:`rongcuo.authoring.diff_report`, the rule edits between two rulesets in
:mod:`rongcuo.authoring.rule_edits`, the Chinese text in :mod:`rongcuo.authoring.diff_text`
and the preparation of the base in :mod:`rongcuo.authoring.revision`; the names other modules
import from here are re-exported.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rongcuo.api import Backend, Engine
from rongcuo.authoring.diff_case import case_diff, side_of
from rongcuo.authoring.diff_rank import GROUP_ORDER as GROUP_ORDER
from rongcuo.authoring.diff_report import CaseDiff as CaseDiff
from rongcuo.authoring.diff_report import Counts, Problem, RuleEdit, Transition, VersionPair
from rongcuo.authoring.diff_report import DiffReport as DiffReport
from rongcuo.authoring.diff_scope import case_scope
from rongcuo.authoring.diff_text import condition_text as condition_text
from rongcuo.authoring.revision import RevisionError as RevisionError
from rongcuo.authoring.revision import RulesetSource as RulesetSource
from rongcuo.authoring.revision import open_revision as open_revision
from rongcuo.authoring.rule_edits import rule_edits
from rongcuo.decision.model import Decision
from rongcuo.errors import Diagnostic, EngineError, InputError, Location, RulesetNotFound
from rongcuo.ruleset.model import Ruleset


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
            before, after = side_of(b, b_rs, b_err), side_of(h, h_rs, h_err)
            scope = case_scope(unit, where) if where is not None else "unchecked"
            diffs.append(case_diff(path, b, h, before, after, edits, unit or "", scope))
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
