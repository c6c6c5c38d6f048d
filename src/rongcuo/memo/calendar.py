"""Working days on the official calendar of the State Council, make-up workdays (调休) included.

Time limits in the procedure are counted in working days. The day an event happens is not
counted; the first working day after it is day 1 (开始的当日不计入, as the Civil Code counts
periods). The holiday and make-up-workday tables come from the ``chinese-calendar`` package,
which covers the years the State Council has announced. A year the package does not cover yet can
be given in a *calendar supplement*, a YAML file policy staff type from the State Council's notice
(国务院办公厅关于XXXX年部分节假日安排的通知)::

    2027:
      notice: 国务院办公厅关于2027年部分节假日安排的通知（国办发明电〔…〕…号）
      holidays:
        - {from: 2027-01-01, to: 2027-01-03, name: 元旦}
      make_up_workdays: [2027-01-04]

In a supplemented year a day is a working day if and only if it is listed as a make-up workday, or
it is a Monday to Friday outside every holiday range. A year the package covers too must agree
with it day by day (RC409): a file written before the package was upgraded keeps working, and a
mistyped one is caught. Past the covered years a deadline cannot be computed, and
:class:`CalendarError` says so instead of guessing.

The values, outermost first::

    OfficialCalendar            what deadlines are counted on: the package and the supplements
    └── CalendarSupplement      one supplement file: its name, sha256 and years
        └── SupplementYear      one year: the notice, its holidays and make-up workdays
            └── HolidayRange    days off from one date to another, with the holiday's name
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar

from rongcuo.errors import Diagnostic, Location
from rongcuo.memo.calendar_file import (
    NOWHERE,
    PACKAGE,
    PACKAGE_FIRST,
    PACKAGE_LAST,
    CalendarError,
    CalendarSupplement,
    HolidayRange,
    SupplementYear,
    conflicts,
    read_supplement,
)

__all__ = [
    "CalendarError",
    "CalendarSupplement",
    "HolidayRange",
    "OfficialCalendar",
    "SupplementYear",
]


@dataclass(frozen=True)
class OfficialCalendar:
    """The official working-day calendar, as published by the State Council each year.

    By default the ``chinese-calendar`` package alone; ``supplements`` add the years it does not
    cover yet (see :meth:`with_supplements`). ``source`` names what the calendar counts on, as
    memos print it; ``first_year`` and ``last_year`` bound the unbroken run of covered years that
    holds the package's years.

    >>> cal = OfficialCalendar()
    >>> cal.add_working_days(dt.date(2025, 9, 26), 5)  # across National Day, with 调休
    datetime.date(2025, 10, 10)
    """

    supplements: tuple[CalendarSupplement, ...] = ()
    source: str = field(init=False)
    first_year: int = field(init=False)
    last_year: int = field(init=False)

    def __post_init__(self) -> None:
        diags = conflicts(self.supplements)
        if diags:
            raise CalendarError(diags)
        extra = {y.year for y in self._years()}
        first, last = PACKAGE_FIRST, PACKAGE_LAST
        while first - 1 in extra:
            first -= 1
        while last + 1 in extra:
            last += 1
        source = PACKAGE
        if self.supplements:
            source += "，补充日历 " + "、".join(s.label for s in self.supplements)
        object.__setattr__(self, "source", source)
        object.__setattr__(self, "first_year", first)
        object.__setattr__(self, "last_year", last)

    @classmethod
    def with_supplements(cls, *paths: Path | str) -> OfficialCalendar:
        """The calendar with the years the supplement files at ``paths`` give.

        Every file is read and checked before anything is raised: :class:`CalendarError` lists
        every problem in all of them (RC000–RC005 for the shape, RC407–RC410 for the schedule).
        """
        read: list[CalendarSupplement] = []
        diags: list[Diagnostic] = []
        for path in paths:
            supplement, found = read_supplement(Path(path))
            diags += found
            if supplement is not None:
                read.append(supplement)
        diags += conflicts(read)
        if diags:
            raise CalendarError(diags)
        return cls(tuple(read))

    def covers(self, day: dt.date) -> bool:
        """Whether ``day`` is in a year whose holidays have been published (or supplemented)."""
        return PACKAGE_FIRST <= day.year <= PACKAGE_LAST or self._year(day.year) is not None

    def is_working_day(self, day: dt.date) -> bool:
        """A weekday that is not a public holiday, or a weekend day made a working day."""
        self._require(day, day)
        return self._working(day)

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
            if self._working(day):
                left -= 1
        return day

    def _working(self, day: dt.date) -> bool:
        # A year both sources give agrees day by day (checked on construction): the package answers.
        if PACKAGE_FIRST <= day.year <= PACKAGE_LAST:
            return bool(chinese_calendar.is_workday(day))
        year = self._year(day.year)
        assert year is not None  # _require has been called
        return year.is_working_day(day)

    def _years(self) -> Iterable[SupplementYear]:
        return (y for s in self.supplements for y in s.years)

    def _year(self, year: int) -> SupplementYear | None:
        return next((y for y in self._years() if y.year == year), None)

    def _span(self) -> str:
        years = sorted(
            set(range(PACKAGE_FIRST, PACKAGE_LAST + 1)) | {y.year for y in self._years()}
        )
        runs: list[list[int]] = []
        for y in years:
            if runs and runs[-1][1] == y - 1:
                runs[-1][1] = y
            else:
                runs.append([y, y])
        return "、".join(f"{a}–{b}" if a != b else str(a) for a, b in runs)

    def _require(
        self, day: dt.date, start: dt.date, days: int = 0, where: Location | None = None
    ) -> None:
        if self.covers(day):
            return
        span = self._span()
        raise CalendarError(
            [
                Diagnostic(
                    "RC406",
                    where or NOWHERE,
                    f"工作日历只覆盖 {span} 年（{self.source}），无法计算自 {start} 起 {days} 个"
                    f"工作日的期限：需要 {day.year} 年的放假和调休安排",
                    f"the working-day calendar covers {span} only ({self.source}); a deadline "
                    f"{days} working days after {start} needs the {day.year} holiday schedule",
                    f"国务院公布 {day.year} 年放假安排后，照通知写一个补充日历文件，用 --calendar 文件 "
                    "指定（见 docs/memo.md）；或在 chinese-calendar 收录该年后升级"
                    "（pip install -U chinese-calendar）；或改用覆盖范围内的认定日期 --as-of / "
                    f"once the State Council publishes the {day.year} schedule, type it into a "
                    "calendar supplement and pass it with --calendar FILE (see docs/memo.md); or "
                    "upgrade chinese-calendar once it ships that year; or use an --as-of date "
                    "inside the covered years",
                )
            ]
        )
