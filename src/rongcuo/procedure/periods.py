"""Impact periods (影响期, catalogue §12): how long a sanction bars a cadre's promotion.

A period of N calendar months starting on day D ends on the day before the same calendar day N
months later, or on that month's last day when it has no such day (:func:`period_end`). Each
kind's length is a ruleset parameter of type ``months`` (national declares them, with their
sources; a local ruleset may give one another value), never a constant here: this module only
knows which parameter each kind reads (:data:`PERIOD_PARAMETERS`). With several sanctions the
latest end governs (:func:`impact_period`).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from rongcuo.case.contract import PROBATION, SANCTION_KINDS, Sanction
from rongcuo.errors import Diagnostic, Location, RulesetError
from rongcuo.ruleset.model import Ruleset

#: Sanction kind → the ``months`` parameter giving its period (the one that bars promotion).
PERIOD_PARAMETERS: dict[str, str] = {
    "party_warning": "impact_party_warning",
    "party_serious_warning": "impact_party_serious_warning",
    "party_removal_from_post": "impact_party_removal_from_post",
    # the period after the probation: the probation itself is the case's ``months``
    "party_probation": "impact_party_probation_after",
    "gov_warning": "impact_gov_warning",
    "gov_demerit": "impact_gov_demerit",
    "gov_major_demerit": "impact_gov_major_demerit",
    "gov_demotion": "impact_gov_demotion_dismissal",
    "gov_dismissal": "impact_gov_demotion_dismissal",
    "admonishment": "impact_admonishment",
    "resign_ordered": "impact_resign_no_higher",
    "removed_from_office": "impact_resign_no_higher",
}
#: Kinds with a second, shorter period shown beside the impact period: 12 months without any
#: post before the 24 without a higher one (党政领导干部选拔任用工作条例).
NO_POST_PARAMETERS: dict[str, str] = {
    "resign_ordered": "impact_resign_no_post",
    "removed_from_office": "impact_resign_no_post",
}


def add_months(start: dt.date, months: int) -> dt.date:
    """The same calendar day ``months`` later, or that month's last day when it has none
    (2024-01-31 + 1 → 2024-02-29)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(start.day, last))


def period_end(start: dt.date, months: int) -> dt.date:
    """The last day of a period of ``months`` calendar months starting on ``start``.

    The day before the same calendar day ``months`` later (2024-03-01 + 18 → 2025-08-31); when
    that month has no such day, its last day (2024-01-31 + 1 → 2024-02-29, 2024-02-29 + 12 →
    2025-02-28). A period of 0 months ends the day before it starts (it is empty).
    """
    if months < 0:
        raise ValueError(f"a period cannot be negative ({months} months)")
    later = add_months(start, months)
    return later if later.day != start.day else later - dt.timedelta(days=1)


@dataclass(frozen=True)
class SanctionPeriod:
    """One sanction's period: ``months`` (read from ``parameter``) from ``start`` to ``end``,
    both counted. ``start`` is ``decided_on``, except for ``party_probation``, whose months
    start the day rights are restored: its bar runs from ``decided_on`` through the probation
    and then to ``end``."""

    sanction: Sanction
    start: dt.date
    end: dt.date
    months: int
    parameter: str
    #: ``party_probation``: the last day of the probation (the period runs from the day after)
    probation_end: dt.date | None = None
    #: ``resign_ordered`` / ``removed_from_office``: the end of the shorter period without a
    #: post (``end`` is the longer one, without a higher post), and its parameter
    no_post_end: dt.date | None = None
    no_post_parameter: str = ""


@dataclass(frozen=True)
class ImpactPeriod:
    """A cadre's impact period: the latest end of its sanctions' periods governs."""

    end: dt.date
    governing: SanctionPeriod
    #: every sanction's period, in the order the case gives them
    periods: tuple[SanctionPeriod, ...]


def impact_period(sanctions: Iterable[Sanction], ruleset: Ruleset) -> ImpactPeriod | None:
    """The impact period of ``sanctions`` under ``ruleset``'s parameters; ``None`` without any.

    Raises :class:`~rongcuo.errors.RulesetError` (RC158) when the ruleset lacks a period's
    parameter or declares it other than ``months``. Of equal ends the first sanction given
    governs.
    """
    periods = tuple(sanction_period(s, ruleset) for s in sanctions)
    if not periods:
        return None
    governing = max(periods, key=lambda p: p.end)  # max keeps the first of equal ends
    return ImpactPeriod(governing.end, governing, periods)


def sanction_period(sanction: Sanction, ruleset: Ruleset) -> SanctionPeriod:
    """One sanction's period under ``ruleset``'s parameters."""
    param = PERIOD_PARAMETERS[sanction.kind]
    months = _months(ruleset, param, sanction.kind)
    if sanction.kind == PROBATION:
        # Reading of §12 "the probation, then 24 months after rights are restored": the
        # probation (the case's ``months``) runs from ``decided_on``; rights are restored on
        # the day after it ends, and the parameter's months run from that day. The impact
        # period is the whole chain: 2024-03-01, 12 months' probation → restored 2025-03-01
        # → 24 months → ends 2027-02-28.
        probation_end = period_end(sanction.decided_on, sanction.months or 0)
        start = probation_end + dt.timedelta(days=1)
        return SanctionPeriod(
            sanction, start, period_end(start, months), months, param, probation_end
        )
    start = sanction.decided_on
    no_post = NO_POST_PARAMETERS.get(sanction.kind, "")
    return SanctionPeriod(
        sanction,
        start,
        period_end(start, months),
        months,
        param,
        no_post_end=period_end(start, _months(ruleset, no_post, sanction.kind))
        if no_post
        else None,
        no_post_parameter=no_post,
    )


def _months(ruleset: Ruleset, param: str, kind: str) -> int:
    """The value of the ``months`` parameter ``param`` (RC158 when it is missing or not
    months)."""
    p = ruleset.parameters.get(param)
    if p is not None and p.type == "months":
        return int(p.value)
    label = SANCTION_KINDS.get(kind, kind)
    have = "" if p is None else f"（它是 {p.type}）"
    have_en = "" if p is None else f" (it is {p.type})"
    raise RulesetError(
        [
            Diagnostic(
                "RC158",
                p.src if p is not None else Location(ruleset.id, 0, 0, ("parameters",)),
                f"规则集 {ruleset.id} 没有声明{label}（{kind}）影响期的月数参数 {param}{have}",
                f"ruleset {ruleset.id} declares no months parameter {param} for the impact "
                f"period of {kind}{have_en}",
                "继承 national，或声明 declare it: {id: " + param + ", type: months, …}",
            )
        ]
    )
