"""A cadre's warning history (问责三级预警, catalogue §13) and the facts computed from it.

Takes the warning entries of one cadre (the lead's case store will keep them keyed by
``cadre.id``; here they are a plain list) and the day of the assessment; gives the facts the
warning ruleset reads: ``last_level`` (``none``, ``level_1`` … ``level_3``). A pure function:
no store, no clock. Whether the cadre corrected after a warning, or changed little, is a finding
of the assessing body, not something the history can tell: the input states it as a fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rongcuo.case.contract import Day
from rongcuo.procedure.periods import period_end

#: A warning level and the fact value it gives (``last_level``).
LEVELS: dict[int, str] = {1: "level_1", 2: "level_2", 3: "level_3"}


class WarningEntry(BaseModel):
    """One warning given to a cadre: who, which level, in what form, when, by whom."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cadre_id: str = Field(min_length=1, description="干部的稳定标识 cadre.id")
    level: Literal[1, 2, 3] = Field(
        description="预警级别 1 面对面谈话 · 2 书面提醒函询 · 3 诫勉预警或组织调整"
    )
    form: str = Field(min_length=1, description="预警方式，如 面对面谈话、书面函询")
    # not ``on``: YAML reads an unquoted ``on`` key as true
    given_on: Day = Field(description="预警日期 (ISO date)")
    by: str = Field(min_length=1, description="作出预警的机关或负责人")
    note: str = Field(default="", description="备注")


@dataclass(frozen=True)
class HistoryFacts:
    """What a history gives: the last level in force and the entry it comes from."""

    last_level: str  # none | level_1 | level_2 | level_3
    last: WarningEntry | None
    counted: int  # entries on or before the day (and not lapsed)
    lapsed: int  # entries before the lapse day (``reset_months``)


def history_facts(
    entries: Sequence[WarningEntry], as_of: dt.date, reset_months: int | None = None
) -> HistoryFacts:
    """The warning facts on ``as_of``: the level of the latest entry on or before that day
    (of several on that day, the highest); ``none`` without one. Entries after ``as_of`` are
    not yet given. With ``reset_months`` (the ruleset's ``warning_reset_months``), an entry
    whose period of that many months from its day ended before ``as_of`` has lapsed; without
    it the history never lapses."""
    given = [e for e in entries if e.given_on <= as_of]
    live = [
        e for e in given if reset_months is None or period_end(e.given_on, reset_months) >= as_of
    ]
    if not live:
        return HistoryFacts("none", None, 0, len(given))
    last = max(live, key=lambda e: (e.given_on, e.level))  # max keeps the first of equal keys
    return HistoryFacts(LEVELS[last.level], last, len(live), len(given) - len(live))
