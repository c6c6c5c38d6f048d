"""从旧兼从轻 (catalogue §11): which version of a ruleset a case is decided under.

The conduct is judged under the effective ruleset in force when it happened — on
``conduct_until`` when the case gives it (conduct that continued past a new version's start is
judged under the new one), else on ``incident_date`` — unless the one in force on the date of
the assessment (``as_of``) treats it more lightly. Takes the case, the dates and two callables
(resolve a version for a day, decide the case under a version); gives the Decision that
applies::

    old day ─ resolve ─┐   same content hash ──▶ decide once: the Decision as it always was
    as_of   ─ resolve ─┘   different ──────────▶ decide under both; the lighter one applies,
                                                 with ``versions`` naming both and why

Lightness is ruleset data: each outcome declares its ``rank`` (lighter first); the ranks of
the version in force on ``as_of`` order the two outcomes. ``insufficient_facts`` under either
version gives ``insufficient_facts``. This module never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from rongcuo.case.file import Case, CaseSource
from rongcuo.decision.model import Decision, VersionChoice, VersionOutcome, VersionRole
from rongcuo.errors import CaseError, Diagnostic, Location, RulesetNotFound
from rongcuo.ruleset.model import Ruleset

#: Chinese names of the two versions in a reason.
_ROLE_ZH: dict[VersionRole, str] = {"incident": "行为时规则", "as_of": "认定时规则"}
_ROLE_EN: dict[VersionRole, str] = {
    "incident": "the rules in force at the time of the conduct",
    "as_of": "the rules in force on the date of the assessment",
}


def conduct_day(case: Case, source: CaseSource) -> dt.date:
    """The day whose version the conduct is judged under: ``conduct_until`` when the case gives
    it, else ``incident_date``. ``conduct_until`` before ``incident_date`` is RC216."""
    if case.conduct_until is None:
        return case.incident_date
    if case.conduct_until < case.incident_date:
        raise CaseError(
            [
                Diagnostic(
                    "RC216",
                    source.at(("conduct_until",)),
                    f"行为终了日期 conduct_until（{case.conduct_until}）早于失误发生日期"
                    f"（{case.incident_date}）",
                    f"conduct_until ({case.conduct_until}) is before the incident date "
                    f"({case.incident_date})",
                    "conduct_until 是持续的行为最后一天，不早于 incident_date；行为没有持续就删去它 "
                    "conduct_until is the last day of conduct that continued: not before "
                    "incident_date; remove it when the conduct did not continue",
                )
            ]
        )
    return case.conduct_until


def assessment_day(case: Case, source: CaseSource, as_of: dt.date | None) -> dt.date:
    """``as_of``, or the conduct's day when it is not given. An ``as_of`` before the incident
    date, or before ``conduct_until``, is RC209: nothing is assessed before it happened."""
    conduct = conduct_day(case, source)
    when = as_of or conduct
    if when < case.incident_date:
        raise _too_early(source, when, "失误发生日期", "the incident date", case.incident_date)
    if when < conduct:
        raise _too_early(source, when, "行为终了日期 conduct_until", "conduct_until", conduct)
    return when


def _too_early(source: CaseSource, when: dt.date, zh: str, en: str, day: dt.date) -> CaseError:
    return CaseError(
        [
            Diagnostic(
                "RC209",
                Location(source.name),
                f"as_of（{when}）早于{zh}（{day}）",
                f"as_of ({when}) is before {en} ({day})",
                "as_of 是作出认定的日期 as_of is the date of the assessment",
            )
        ]
    )


def decide_lighter(
    case: Case,
    source: CaseSource,
    as_of: dt.date,
    *,
    resolve: Callable[[dt.date], Ruleset],
    decide: Callable[[Ruleset], Decision],
) -> tuple[Decision, Ruleset]:
    """The Decision that applies to ``case`` assessed on ``as_of`` (see the module docstring),
    and the ruleset it was made under.

    ``resolve(day)`` is the effective ruleset in force on ``day`` (raising
    :class:`RulesetNotFound` when none is); ``decide(ruleset)`` decides the case under it. When
    no version is in force on ``as_of`` (the ruleset was repealed since), the conduct's version
    alone decides.
    """
    old_day = conduct_day(case, source)
    old = resolve(old_day)
    if as_of == old_day:
        return decide(old), old
    try:
        new = resolve(as_of)
    except RulesetNotFound:
        return decide(old), old
    if new.content_hash == old.content_hash:
        return decide(old), old
    before, after = decide(old), decide(new)
    role, zh, en = _choose(before, after, old, new)
    chosen, rs = (before, old) if role == "incident" else (after, new)
    choice = VersionChoice(
        considered=(
            _outcome_of("incident", old_day, old, before),
            _outcome_of("as_of", as_of, new, after),
        ),
        applied=role,
        reason_zh=zh,
        reason_en=en,
    )
    return chosen.model_copy(update={"versions": choice}), rs


def _outcome_of(role: VersionRole, day: dt.date, rs: Ruleset, d: Decision) -> VersionOutcome:
    return VersionOutcome(
        role=role,
        date=day.isoformat(),
        ruleset=rs.id,
        version=rs.version,
        content_hash=rs.content_hash,
        outcome=d.outcome,
    )


def _choose(
    before: Decision, after: Decision, old: Ruleset, new: Ruleset
) -> tuple[VersionRole, str, str]:
    """Which version applies, and why in Chinese and English."""
    old_zh = f"{_ROLE_ZH['incident']}（{old.version}版）"
    new_zh = f"{_ROLE_ZH['as_of']}（{new.version}版）"
    old_en = f"{_ROLE_EN['incident']} (version {old.version})"
    new_en = f"{_ROLE_EN['as_of']} (version {new.version})"
    if before.outcome == after.outcome:
        return (
            "incident",
            f"{old_zh}与{new_zh}结论均为“{before.outcome_label}”，适用{_ROLE_ZH['incident']}。",
            f"{old_en} and {new_en} both give {before.outcome}: {_ROLE_EN['incident']} apply.",
        )
    both_zh = f"{old_zh}结论为“{before.outcome_label}”，{new_zh}结论为“{after.outcome_label}”"
    both_en = f"{old_en} give {before.outcome}, {new_en} give {after.outcome}"
    role: VersionRole
    if "insufficient_facts" in (before.outcome, after.outcome):
        role = "incident" if before.outcome == "insufficient_facts" else "as_of"
        return (
            role,
            f"{both_zh}；任一版本下事实不清的，须先补充调查，适用{_ROLE_ZH[role]}。",
            f"{both_en}; where either version finds the facts insufficient they must be "
            f"established first: {_ROLE_EN[role]} apply.",
        )
    lighter = _lighter(before.outcome, after.outcome, new, old)
    if lighter is None:
        return (
            "incident",
            f"{both_zh}；规则集没有为这两个结论声明轻重（rank），无从比较，适用"
            f"{_ROLE_ZH['incident']}。",
            f"{both_en}; the ruleset ranks neither outcome against the other (rank), so "
            f"{_ROLE_EN['incident']} apply.",
        )
    return (
        lighter,
        f"{both_zh}，依从旧兼从轻原则适用{_ROLE_ZH[lighter]}。",
        f"{both_en}: the lighter applies (从旧兼从轻), so {_ROLE_EN[lighter]} apply.",
    )


def _lighter(
    old_outcome: str, new_outcome: str, ranks: Ruleset, fallback: Ruleset
) -> VersionRole | None:
    """The role whose outcome ranks lighter, by the ranks of ``ranks`` (the as_of version,
    whose view of lightness governs the assessment), else of ``fallback``; None when neither
    ranks both outcomes."""
    for rs in (ranks, fallback):
        a, b = rs.outcomes.get(old_outcome), rs.outcomes.get(new_outcome)
        if a is not None and b is not None and a.rank is not None and b.rank is not None:
            return "as_of" if b.rank < a.rank else "incident"
    return None


def check_ranks(rs: Ruleset, known: Collection[str]) -> list[Diagnostic]:
    """The checker's view of outcome ranks in an effective ruleset: two outcomes of one rank
    (RC218), and a ruleset that ranks some outcomes but leaves another unranked (RC219).
    ``insufficient_facts`` never has one (the loader reports it, RC217). A ruleset that ranks
    no outcome is valid: 从旧兼从轻 then applies the incident version (and says why). Outcomes
    not in ``known`` (the specification's) are left alone: the checker reports them already."""
    out: list[Diagnostic] = []
    ranked = [d for d in rs.outcomes.values() if d.rank is not None]
    if not ranked:
        return out
    seen: dict[int, str] = {}
    for decl in ranked:
        assert decl.rank is not None
        if decl.rank in seen:
            out.append(
                Diagnostic(
                    "RC218",
                    Location(
                        decl.src.file, decl.src.line, decl.src.column, (*decl.src.path, "rank")
                    ),
                    f"结论 {decl.id} 与 {seen[decl.rank]} 的 rank 都是 {decl.rank}：从旧兼从轻无法判断哪个更轻",
                    f"outcomes {decl.id} and {seen[decl.rank]} both have rank {decl.rank}: "
                    "从旧兼从轻 cannot tell which is lighter",
                    "每个结论用不同的 rank，越轻越小 give each outcome its own rank, lighter first",
                )
            )
        seen.setdefault(decl.rank, decl.id)
    for decl in rs.outcomes.values():
        if decl.rank is None and decl.id != "insufficient_facts" and decl.id in known:
            out.append(
                Diagnostic(
                    "RC219",
                    decl.src,
                    f"结论 {decl.id} 没有 rank，而其他结论有：从旧兼从轻无法比较它",
                    f"outcome {decl.id} has no rank while other outcomes have one: 从旧兼从轻 "
                    "cannot compare it",
                    "给它加上 rank（越轻越小），或所有结论都不写 rank "
                    "add a rank (lighter first), or give no outcome a rank",
                )
            )
    return out
