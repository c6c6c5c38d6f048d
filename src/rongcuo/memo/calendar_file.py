"""Calendar supplement files: the holidays and make-up workdays of years ``chinese-calendar``
does not cover yet, as policy staff type them from the State Council's notice (the format and
its rules: ``_calendar.py`` and ``docs/memo.md``).

Reading one checks its shape (RC000–RC005) and its schedule (RC407, RC408); across files and
against the package, a year given twice (RC410) and a year that disagrees with chinese-calendar
day by day (RC409). Every problem is reported at once, each at its line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import chinese_calendar

from rongcuo.errors import Diagnostic, InputError, Location
from rongcuo.ruleset.document import load_document
from rongcuo.ruleset.reader import Reader, describe

PACKAGE = f"chinese-calendar {version('chinese-calendar')}"
PACKAGE_FIRST = min(d.year for d in chinese_calendar.holidays)
PACKAGE_LAST = max(d.year for d in chinese_calendar.holidays)
NOWHERE = Location("<calendar>")
_WEEKDAY_ZH = "一二三四五六日"
_WEEKDAY_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_YEAR_RE = re.compile(r"^[0-9]{4}$")
_YEAR_KEYS = ("notice", "holidays", "make_up_workdays")


class CalendarError(InputError):
    """A deadline falls outside the years the calendar covers, or a calendar supplement is wrong."""


@dataclass(frozen=True)
class HolidayRange:
    """Days off (放假) from ``start`` to ``end``, both included, as one item of the notice gives them.

    Weekend days inside the range are days off like the rest; the make-up workdays are listed
    apart, in :attr:`SupplementYear.make_up_workdays`.
    """

    start: dt.date
    end: dt.date
    name: str
    where: Location = field(default=NOWHERE, compare=False, repr=False)

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class SupplementYear:
    """One year's holidays and make-up workdays, from the State Council's notice named in
    ``notice``."""

    year: int
    notice: str
    holidays: tuple[HolidayRange, ...]
    make_up_workdays: tuple[dt.date, ...]
    where: Location = field(default=NOWHERE, compare=False, repr=False)
    make_up_where: tuple[Location, ...] = field(default=(), compare=False, repr=False)

    def is_working_day(self, day: dt.date) -> bool:
        """A make-up workday, or a Monday to Friday outside every holiday range."""
        if day.year != self.year:
            raise ValueError(f"{day} is not in {self.year}")
        if day in self.make_up_workdays:
            return True
        return day.weekday() < 5 and not any(day in h for h in self.holidays)

    def holiday_on(self, day: dt.date) -> HolidayRange | None:
        """The holiday range ``day`` falls in, if any."""
        return next((h for h in self.holidays if day in h), None)


@dataclass(frozen=True)
class CalendarSupplement:
    """A calendar supplement file: the years it gives and the SHA-256 of its bytes.

    ``name`` is the file as it was given (diagnostics point into it); memos name it by
    :attr:`label`, which holds the file's base name and hash only, so a memo does not depend on
    the folder the file was read from.
    """

    name: str
    sha256: str
    years: tuple[SupplementYear, ...]

    @classmethod
    def load(cls, path: Path | str) -> CalendarSupplement:
        """Read and check one supplement file, including its agreement with chinese-calendar.

        Raises :class:`CalendarError` listing every problem in the file, each located at its line.
        """
        supplement, diags = read_supplement(Path(path))
        found = [supplement] if supplement is not None else []
        diags += conflicts(found)
        if diags or supplement is None:
            raise CalendarError(diags)
        return supplement

    @property
    def label(self) -> str:
        """The file's base name, its years and the first 12 hex digits of its sha256."""
        years = "、".join(str(y.year) for y in self.years)
        return f"{Path(self.name).name}（{years} 年，sha256 {self.sha256[:12]}）"


# --- reading a supplement file -------------------------------------------------------------


def read_supplement(path: Path) -> tuple[CalendarSupplement | None, list[Diagnostic]]:
    """One file: the supplement with the years that are right, and every problem found."""
    loaded, diags = load_document(path)
    if loaded is None:
        return None, diags
    r = Reader(loaded.positions)
    r.diags.extend(diags)
    years = _parse(r, loaded.data)
    digest = hashlib.sha256(loaded.raw).hexdigest()
    return CalendarSupplement(loaded.positions.file, digest, tuple(years)), r.diags


def _parse(r: Reader, data: Any) -> list[SupplementYear]:
    if data is None or data == {}:
        r.report(
            "RC004",
            (),
            "补充日历中没有任何年份",
            "the calendar supplement gives no year",
            "每一年写作 write each year as `2027:`，其下写 with notice, holidays, make_up_workdays",
        )
        return []
    if not isinstance(data, dict):
        r.wrong_type((), "mapping", data, "每一年写作 write each year as `2027:`")
        return []
    out: list[SupplementYear] = []
    keys: dict[int, Any] = {}
    for key, value in data.items():
        year = _year_key(r, key)
        if year is None:
            continue
        if year in keys:  # 2027 and "2027": YAML sees two keys, the calendar one year
            _twice(r.diags, year, r.loc((key,), key=True), r.loc((keys[year],), key=True))
            continue
        keys[year] = key
        parsed = _parse_year(r, year, key, value)
        if parsed is not None:
            out.append(parsed)
    return out


def _year_key(r: Reader, key: Any) -> int | None:
    if isinstance(key, int) and not isinstance(key, bool) and 1000 <= key <= 9999:
        return key
    if isinstance(key, str) and _YEAR_RE.match(key):
        return int(key)
    zh, en = describe(key)
    r.report(
        "RC005",
        (key,),
        f"年份应为四位数字（如 2027），实际是{zh}",
        f"a year must be four digits (e.g. 2027), got {en}",
        "顶层的每个键是一个年份，其下写 notice、holidays、make_up_workdays "
        "each top-level key is a year holding notice, holidays, make_up_workdays",
        key=True,
    )
    return None


def _parse_year(r: Reader, year: int, key: Any, value: Any) -> SupplementYear | None:
    before = len(r.diags)
    path = (key,)
    m = r.mapping(value, path, _YEAR_KEYS, own_empty_check=("notice",))
    if m is None:
        return None
    notice = r.text(m, "notice", path)
    if "notice" in m and not notice and (m["notice"] is None or isinstance(m["notice"], str)):
        r.report(
            "RC005",
            (*path, "notice"),
            "`notice` 不能为空：写明放假安排所依据的国务院办公厅通知及文号",
            "`notice` must not be empty: cite the State Council notice the schedule comes from",
            f"例如 e.g. notice: 国务院办公厅关于{year}年部分节假日安排的通知（国办发明电〔…〕…号）",
        )
    holidays = _holidays(r, year, m, path)
    make_up, make_up_where = _make_up_days(r, year, m, path, holidays)
    if len(r.diags) > before:
        return None
    return SupplementYear(
        year,
        notice,
        tuple(holidays),
        tuple(make_up),
        r.loc(path, key=True),
        tuple(make_up_where),
    )


def _holidays(r: Reader, year: int, m: dict[str, Any], path: tuple[Any, ...]) -> list[HolidayRange]:
    raw = r.list_of(m.get("holidays"), (*path, "holidays"))
    if "holidays" in m and not raw and isinstance(m["holidays"], list | None):
        r.report(
            "RC004",
            (*path, "holidays"),
            f"{year} 年没有写放假安排：`holidays` 至少要有一项",
            f"no holidays given for {year}: `holidays` needs at least one item",
            "例如 e.g. - {from: " + f"{year}-01-01, to: {year}-01-01, name: 元旦" + "}",
        )
    out: list[HolidayRange] = []
    for i, item in enumerate(raw):
        p = (*path, "holidays", i)
        h = r.mapping(item, p, ("from", "name"), ("to",))
        if h is None:
            continue
        name = r.text(h, "name", p)
        if "name" in h and not name and (h["name"] is None or isinstance(h["name"], str)):
            r.report(
                "RC005",
                (*path, "holidays", i, "name"),
                "`name` 不能为空：写通知中的节日名称",
                "`name` must not be empty: write the holiday's name as the notice gives it",
                "例如 e.g. name: 春节",
            )
        start = _date(r, year, h, "from", p)
        end = _date(r, year, h, "to", p) if "to" in h else start
        if start is None or end is None:
            continue
        if end < start:
            r.report(
                "RC407",
                (*p, "to"),
                f"放假区间的结束日期 {end} 早于开始日期 {start}",
                f"the holiday range ends ({end}) before it starts ({start})",
                "检查 from 与 to 是否写反或写错 check whether from and to are swapped or mistyped",
            )
            continue
        here = HolidayRange(start, end, name, r.loc(p))
        other = next((o for o in out if o.start <= end and start <= o.end), None)
        if other is not None:
            shared = max(start, other.start)
            r.report(
                "RC408",
                p,
                f"放假安排“{name}”与第 {other.where.line} 行的“{other.name}”重叠（{shared}）",
                f"holiday {name!r} overlaps {other.name!r} at line {other.where.line} ({shared})",
                "合并为一项，或改正日期；通知把几个节日连休时写作一项，如“国庆节、中秋节” "
                "merge them into one item or fix the dates",
            )
            continue
        out.append(here)
    return out


def _make_up_days(
    r: Reader, year: int, m: dict[str, Any], path: tuple[Any, ...], holidays: Sequence[HolidayRange]
) -> tuple[list[dt.date], list[Location]]:
    days: list[dt.date] = []
    where: list[Location] = []
    for j, item in enumerate(r.list_of(m.get("make_up_workdays"), (*path, "make_up_workdays"))):
        p = (*path, "make_up_workdays", j)
        day = _in_year(r, year, r.as_date(item, p), p)
        if day is None:
            continue
        wd = day.weekday()
        if wd < 5:
            r.report(
                "RC408",
                p,
                f"调休上班日 {day}（星期{_WEEKDAY_ZH[wd]}）不是周六或周日",
                f"make-up workday {day} ({_WEEKDAY_EN[wd]}) is not a Saturday or Sunday",
                "调休上班日是通知中写明“上班”的周六、周日；周一至周五本来就是工作日 "
                "a make-up workday is a Saturday or Sunday the notice says is worked; "
                "Monday to Friday are working days anyway",
            )
            continue
        if day in days:
            first = where[days.index(day)].line
            r.report(
                "RC408",
                p,
                f"调休上班日 {day} 重复列出（首次在第 {first} 行）",
                f"make-up workday {day} is listed twice (first at line {first})",
                "删除重复的一项 remove the repeat",
            )
            continue
        holiday = next((h for h in holidays if day in h), None)
        if holiday is not None:
            r.report(
                "RC408",
                p,
                f"{day} 既列为调休上班日，又在第 {holiday.where.line} 行的放假安排“{holiday.name}”"
                f"（{holiday.start}–{holiday.end}）之内",
                f"{day} is listed as a make-up workday but falls in holiday {holiday.name!r} "
                f"({holiday.start}–{holiday.end}) at line {holiday.where.line}",
                "按通知改正放假区间或调休上班日 fix the range or the make-up day as the notice says",
            )
            continue
        days.append(day)
        where.append(r.loc(p))
    return days, where


def _date(
    r: Reader, year: int, m: dict[str, Any], key: str, path: tuple[Any, ...]
) -> dt.date | None:
    if key not in m:
        return None  # a missing required key is reported by Reader.mapping
    p = (*path, key)
    return _in_year(r, year, r.as_date(m[key], p), p)


def _in_year(r: Reader, year: int, day: dt.date | None, path: tuple[Any, ...]) -> dt.date | None:
    if day is None or day.year == year:
        return day
    r.report(
        "RC407",
        path,
        f"{day} 不在 {year} 年内，却写在 {year} 年之下",
        f"{day} is not in {year} but is listed under it",
        f"改正日期，或把它写在 {day.year} 年之下 fix the date, or list it under {day.year}",
    )
    return None


# --- checks across files and against the package ------------------------------------------


def conflicts(supplements: Sequence[CalendarSupplement]) -> list[Diagnostic]:
    """A year given twice (RC410), and a year that disagrees with chinese-calendar (RC409)."""
    diags: list[Diagnostic] = []
    seen: dict[int, SupplementYear] = {}
    for s in supplements:
        for y in s.years:
            first = seen.get(y.year)
            if first is not None:
                _twice(diags, y.year, y.where, first.where)
                continue
            seen[y.year] = y
            if PACKAGE_FIRST <= y.year <= PACKAGE_LAST:
                diags.extend(_disagreement(y))
    return diags


def _twice(diags: list[Diagnostic], year: int, where: Location, first: Location) -> None:
    diags.append(
        Diagnostic(
            "RC410",
            where,
            f"{year} 年的放假安排重复给出（首次在 {first}）",
            f"the {year} schedule is given twice (first at {first})",
            "每一年只写一次，删去其中一份 give each year once; remove one of them",
        )
    )


def _disagreement(y: SupplementYear) -> list[Diagnostic]:
    day = dt.date(y.year, 1, 1)
    differ: list[dt.date] = []
    while day.year == y.year:
        if y.is_working_day(day) != bool(chinese_calendar.is_workday(day)):
            differ.append(day)
        day += dt.timedelta(days=1)
    if not differ:
        return []
    first = differ[0]
    holiday = y.holiday_on(first)
    if holiday is not None:
        where = holiday.where
    elif first in y.make_up_workdays:
        where = y.make_up_where[y.make_up_workdays.index(first)]
    else:
        where = y.where
    ours = y.is_working_day(first)
    ours_zh, theirs_zh = ("工作日", "休息日") if ours else ("休息日", "工作日")
    ours_en, theirs_en = ("a working day", "a day off") if ours else ("a day off", "a working day")
    wd = first.weekday()
    more_zh = f"；全年共 {len(differ)} 天不一致" if len(differ) > 1 else ""
    more_en = f"; {len(differ)} days of the year disagree" if len(differ) > 1 else ""
    return [
        Diagnostic(
            "RC409",
            where,
            f"{y.year} 年的安排与 {PACKAGE} 不一致：{first}（星期{_WEEKDAY_ZH[wd]}）按本文件是"
            f"{ours_zh}，按 chinese-calendar 是{theirs_zh}{more_zh}",
            f"the {y.year} schedule disagrees with {PACKAGE}: {first} ({_WEEKDAY_EN[wd]}) is "
            f"{ours_en} in this file but {theirs_en} in chinese-calendar{more_en}",
            "按国务院通知核对本文件；chinese-calendar 已收录该年，也可以从文件中删去这一年 "
            "check the file against the State Council's notice; chinese-calendar covers this "
            "year already, so it may also be removed from the file",
        )
    ]
