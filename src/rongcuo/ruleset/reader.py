"""A small, located reader over loaded YAML data, shared by the ruleset and case parsers.

It checks shapes (mapping, list, text, number, date), reports unknown keys with a did-you-mean,
and collects every problem instead of stopping at the first.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from rongcuo.errors import Diagnostic, DocPath, Location, Severity, did_you_mean
from rongcuo.ruleset.document import Positions

ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")

_TYPE_NAMES = {
    "mapping": ("映射（键: 值）", "a mapping (key: value)"),
    "list": ("列表（- 项）", "a list (- item)"),
    "text": ("文字", "text"),
    "number": ("数字", "a number"),
    "integer": ("整数", "an integer"),
    "bool": ("true 或 false", "true or false"),
    "date": ("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
}


NumberFault = Literal["not_finite", "inexact"]


def number_fault(value: int | float) -> NumberFault | None:
    """Why ``value`` cannot be a number of a ruleset or a case, or ``None`` when it can.

    ``not_finite``: NaN or an infinity (YAML's ``.nan``, ``.inf``, and ``1.0e+400``, which it
    reads as infinity): NaN is neither above nor below any bound, so it would slip past every
    ``min`` / ``max``, and neither the language nor a decision record has a place for either.

    ``inexact``: an integer that no double holds exactly: past 2**53 only some integers are
    doubles (10**16 is, 2**53 + 1 is not), and past about 1.8e308 none is. The checker's and
    the what-if search's sample values are doubles, and so are the numbers most readers of a
    decision's JSON see; such an integer would be sampled, or read back, as another number
    (``gt: 10**400`` was an internal error of ``check``). Every finite float is a double.
    """
    if isinstance(value, float):
        return None if math.isfinite(value) else "not_finite"
    try:
        return None if int(float(value)) == value else "inexact"
    except OverflowError:
        return "inexact"


#: The hint for an integer that no double holds (``inexact``).
INEXACT_HINT = (
    "2^53（9007199254740992）以内的整数都可以；更大的只能用双精度浮点数恰好能表示的，"
    "可少写几位有效数字，或写成小数如 1.0e+20 "
    "integers up to 2^53 (9007199254740992) are fine; a larger one only if a double holds it "
    "exactly: use fewer significant digits, or write it as a decimal such as 1.0e+20"
)


def describe(value: Any) -> tuple[str, str]:
    """Name the type of a found value, in Chinese and English."""
    if value is None:
        return "空值", "nothing (null)"
    if isinstance(value, bool):
        return f"布尔值 {value}", f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"数字 {_digits(value)}", f"the number {_digits(value)}"
    if isinstance(value, str):
        return f"文字 {value!r}", f"the text {value!r}"
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
        return f"带时刻的日期 {text}", f"the date and time {text}"
    if isinstance(value, dt.date):
        return f"日期 {value.isoformat()}", f"the date {value.isoformat()}"
    if isinstance(value, dict):
        return "映射", "a mapping"
    if isinstance(value, list):
        return "列表", "a list"
    return type(value).__name__, type(value).__name__


class Reader:
    """Collects located diagnostics while reading one document."""

    def __init__(self, positions: Positions) -> None:
        self.pos = positions
        self.diags: list[Diagnostic] = []

    @property
    def file(self) -> str:
        return self.pos.file

    def loc(self, path: DocPath, *, key: bool = False) -> Location:
        return self.pos.at(path, key=key)

    def report(
        self,
        code: str,
        path: DocPath,
        zh: str,
        en: str,
        hint: str = "",
        *,
        key: bool = False,
        severity: Severity = "error",
    ) -> None:
        self.diags.append(Diagnostic(code, self.loc(path, key=key), zh, en, hint, severity))

    def wrong_type(self, path: DocPath, expected: str, found: Any, hint: str = "") -> None:
        ezh, een = _TYPE_NAMES[expected]
        fzh, fen = describe(found)
        self.report(
            "RC005",
            path,
            f"{path_name(path)} 应为{ezh}，实际是{fzh}",
            f"{path_name(path)} must be {een} (got {fen})",
            hint,
        )

    def mapping(
        self,
        value: Any,
        path: DocPath,
        required: Iterable[str],
        optional: Iterable[str] = (),
        *,
        own_empty_check: Iterable[str] = (),
    ) -> dict[str, Any] | None:
        """Check ``value`` is a mapping with the required keys, none of them empty (null or blank
        text; RC004), and no unknown ones. Keys in ``own_empty_check`` are required keys whose
        caller reports an empty value itself, with a more telling message."""
        if not isinstance(value, dict):
            self.wrong_type(path, "mapping", value)
            return None
        req = list(required)
        allowed = set(req) | set(optional)
        for key in value:
            if key not in allowed:
                self.report(
                    "RC003",
                    (*path, key),
                    f"未知的键 {key!r}",
                    f"unknown key {key!r}",
                    did_you_mean(str(key), allowed),
                    key=True,
                )
        for key in req:
            if key not in value:
                self.report(
                    "RC004",
                    path,
                    f"缺少必填的键 {key!r}",
                    f"missing required key {key!r}",
                    f"在此处加上 add `{key}: …` here",
                )
            elif key in own_empty_check:
                continue
            elif value[key] is None or (isinstance(value[key], str) and not value[key].strip()):
                # `label:` with nothing after it is YAML's null: present, but as good as missing.
                self.report(
                    "RC004",
                    (*path, key),
                    f"必填的键 {key!r} 没有填写内容",
                    f"required key {key!r} is empty",
                    f"在冒号后写上内容 write its value after the colon: `{key}: …`",
                )
        return value

    def list_of(self, value: Any, path: DocPath) -> list[Any]:
        """``value`` as a list (``None`` counts as empty); reports anything else."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.wrong_type(path, "list", value)
            return []
        return value

    def text(self, m: Mapping[str, Any], key: str, path: DocPath, default: str = "") -> str:
        if key not in m or m[key] is None:
            return default
        value = m[key]
        if isinstance(value, str):
            return value.strip()
        hint = ""
        if isinstance(value, float):
            hint = (
                f'加引号 quote it: {key}: "…"（数字会丢掉末尾的 0 / a number drops trailing '
                f"zeros: {value}）"
            )
        elif isinstance(value, int | dt.date) and not isinstance(value, bool):
            hint = f'加引号 quote it: {key}: "{value}"'
        self.wrong_type((*path, key), "text", value, hint)
        return default

    def ident(self, m: Mapping[str, Any], key: str, path: DocPath) -> str:
        value = self.text(m, key, path)
        if value and not ID_RE.match(value):
            self.report(
                "RC006",
                (*path, key),
                f"标识 {value!r} 格式不对：只能用小写英文字母、数字和下划线，以字母开头",
                f"id {value!r} is malformed: use lower-case letters, digits and '_', "
                "starting with a letter",
                "例如 e.g. pilot_reform_deviation",
            )
        return value

    def boolean(self, m: Mapping[str, Any], key: str, path: DocPath, default: bool) -> bool:
        if key not in m:
            return default
        value = m[key]
        if isinstance(value, bool):
            return value
        self.wrong_type((*path, key), "bool", value)
        return default

    def integer(self, m: Mapping[str, Any], key: str, path: DocPath) -> int | None:
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if isinstance(value, int) and not isinstance(value, bool):
            return value if self.usable_number(value, (*path, key)) else None
        self.wrong_type((*path, key), "integer", value)
        return None

    def number(self, m: Mapping[str, Any], key: str, path: DocPath) -> float | None:
        if key not in m or m[key] is None:
            return None
        value = m[key]
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value if self.usable_number(value, (*path, key)) else None
        self.wrong_type((*path, key), "number", value)
        return None

    def usable_number(self, value: int | float, path: DocPath) -> bool:
        """Whether a number read from the document may stand in a ruleset; reports RC124 (not
        finite) or RC125 (an integer no double holds) when not."""
        fault = number_fault(value)
        if fault == "not_finite":
            self.report(
                "RC124",
                path,
                f"{path_name(path)} 必须是有限的数，实际是 {value}",
                f"{path_name(path)} must be a finite number (got {value})",
                "NaN 与无穷大不是数值；1.0e+400 超出双精度浮点数的范围，读作无穷大 "
                "NaN and infinity are not values; 1.0e+400 is past a double's range and reads "
                "as infinity",
            )
        elif fault == "inexact":
            self.report(
                "RC125",
                path,
                f"{path_name(path)} 的整数 {_digits(value)} 不能被双精度浮点数精确表示",
                f"{path_name(path)}: the integer {_digits(value)} is not exactly a double",
                INEXACT_HINT,
            )
        return fault is None

    def date(self, m: Mapping[str, Any], key: str, path: DocPath) -> dt.date | None:
        if key not in m or m[key] is None:
            return None
        return self.as_date(m[key], (*path, key))

    def as_date(self, value: Any, path: DocPath) -> dt.date | None:
        """``value`` as a day: a YAML date or ``YYYY-MM-DD`` text. A date with a time of day
        (``2024-01-01 10:00``) is an error, not cut to its day: rules and cases take days only."""
        day, with_time = parse_day(value)
        if day is not None:
            return day
        self.wrong_type(path, "date", value, date_hint(value) if with_time else DATE_HINT)
        return None

    def text_list(self, m: Mapping[str, Any], key: str, path: DocPath) -> list[tuple[str, DocPath]]:
        out: list[tuple[str, DocPath]] = []
        for i, item in enumerate(self.list_of(m.get(key), (*path, key))):
            p = (*path, key, i)
            if isinstance(item, str):
                out.append((item.strip(), p))
            else:
                self.wrong_type(p, "text", item)
        return out


def _digits(value: int | float) -> str:
    """A number for a message; an integer of more than 24 digits by its magnitude, ``约 about
    10^400`` (``str`` of one past 4300 digits raises)."""
    if isinstance(value, int) and value.bit_length() > 80:
        sign = "-" if value < 0 else ""
        return f"约 about {sign}10^{value.bit_length() * math.log10(2):.0f}"
    return str(value)


DATE_HINT = "例如 e.g. 2024-03-18"
_DAY_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A day followed by a time, as YAML (2024-01-01 10:00:00, 2024-01-01T10:00:00Z) or a person
# (2024-01-01 10:00) writes it.
_DAY_TIME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})[Tt ]+\d{1,2}:\d{2}")


def parse_day(value: Any) -> tuple[dt.date | None, bool]:
    """``(day, False)`` for a date or ``YYYY-MM-DD`` text; ``(None, True)`` for a date with a
    time of day (a datetime, or text such as ``2024-01-01 10:00``); ``(None, False)`` else.

    Only the form the docs give is read: Python's ``date.fromisoformat`` also takes
    ``20240101`` and ``2024-W01-1``, which policy staff do not write and reviewers misread.
    """
    if isinstance(value, dt.datetime):
        return None, True
    if isinstance(value, dt.date):
        return value, False
    if isinstance(value, str):
        text = value.strip()
        if _DAY_RE.match(text):
            try:
                return dt.date.fromisoformat(text), False
            except ValueError:
                return None, False
        return None, bool(_DAY_TIME_RE.match(text))
    return None, False


def date_hint(value: Any) -> str:
    """How to write ``value``, a date with a time, as the day alone."""
    day = value.date().isoformat() if isinstance(value, dt.datetime) else str(value).strip()[:10]
    return f"只写日期，不写时刻 write the day only, without a time: {day}"


def path_name(path: DocPath) -> str:
    """The last meaningful key of a path, for messages."""
    for item in reversed(path):
        if isinstance(item, str):
            return f"`{item}`"
    return "该值 the value"
