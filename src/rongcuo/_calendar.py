"""Working days on the official calendar of the State Council, make-up workdays (调休) included.

Time limits in the procedure are counted in working days. The day an event happens is not
counted; the first working day after it is day 1 (开始的当日不计入, as the Civil Code counts
periods). The holiday and make-up-workday tables come from the ``chinese-calendar`` package,
which covers the years the State Council has announced: past its last year a deadline cannot be
computed, and :class:`CalendarError` says so instead of guessing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib.metadata import version

import chinese_calendar

from ._errors import Diagnostic, InputError, Location


class CalendarError(InputError):
    """A deadline falls outside the years the official calendar covers."""


@dataclass(frozen=True)
class OfficialCalendar:
    """The official working-day calendar, as published by the State Council each year.

    >>> cal = OfficialCalendar()
    >>> cal.add_working_days(dt.date(2025, 9, 26), 5)  # across National Day, with 调休
    datetime.date(2025, 10, 10)
    """

    source: str = f"chinese-calendar {version('chinese-calendar')}"
    first_year: int = min(d.year for d in chinese_calendar.holidays)
    last_year: int = max(d.year for d in chinese_calendar.holidays)

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is in a year whose holidays have been published."""
        return self.first_year <= day.year <= self.last_year

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday that is not a public holiday, or a weekend day made a working day."""
        self._require(day, day)
        return bool(chinese_calendar.is_workday(day))

    def add_working_days(
        self, start: dt.date, days: int, *, where: Location | None = None
    ) -> dt.date:
        """The ``days``-th working day after ``start`` (``start`` itself is not counted)."""
        if days < 0:
            raise ValueError(f"days must be >= 0, not {days}")
        day, left = start, days
        while left:
            day += dt.timedelta(days=1)
            self._require(day, start, days, where)
            if chinese_calendar.is_workday(day):
                left -= 1
        return day

    def _require(
        self, day: dt.date, start: dt.date, days: int = 0, where: Location | None = None
    ) -> None:
        if self.covers(day):
            return
        span = f"{self.first_year}–{self.last_year}"
        raise CalendarError(
            [
                Diagnostic(
                    "RC406",
                    where or Location("<calendar>"),
                    f"工作日历只覆盖 {span} 年（{self.source}），无法计算自 {start} 起 {days} 个"
                    f"工作日的期限：需要 {day.year} 年的放假和调休安排",
                    f"the working-day calendar covers {span} only ({self.source}); a deadline "
                    f"{days} working days after {start} needs the {day.year} holiday schedule",
                    "国务院公布该年放假安排后升级 chinese-calendar（pip install -U chinese-calendar）"
                    "；或改用覆盖范围内的认定日期 --as-of "
                    "upgrade chinese-calendar once that year's schedule is published, "
                    "or use an --as-of date inside the covered years",
                )
            ]
        )
