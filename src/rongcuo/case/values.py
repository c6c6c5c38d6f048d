"""Check one value a case file states for a fact against the fact's declaration.

Takes the fact's type and declaration and the value as written; gives the value the engine
reads (a set of keys for a ``multiple`` enum fact, a day for a date) or what is wrong with it, as
``(zh, en, hint, code)`` for the caller to place in a located diagnostic.
"""

from __future__ import annotations

from typing import Any

from rongcuo.case.contract import RawFactValue
from rongcuo.errors import did_you_mean
from rongcuo.ruleset.model import FactValue
from rongcuo.ruleset.reader import DATE_HINT, INEXACT_HINT, date_hint, number_fault, parse_day


def _span(low: float | None, high: float | None) -> str:
    """The interval a number fact must lie in, as a message writes it: ``[0, +∞)``."""
    left = "(-∞" if low is None else f"[{low:g}"
    right = "+∞)" if high is None else f"{high:g}]"
    return f"{left}, {right}"


def coerce_value(
    ftype: str, value: RawFactValue, decl: Any
) -> tuple[FactValue | None, tuple[str, str, str, str] | None]:
    """The value of a fact of type ``ftype``, or what is wrong with it: (zh, en, hint, code)."""
    if isinstance(value, list) or decl.multiple:
        return _coerce_set(value, decl)
    if ftype == "bool":
        if isinstance(value, bool):
            return value, None
        return None, (
            "应为 true 或 false",
            "must be true or false",
            "不加引号 unquoted: true / false",
            "RC203",
        )
    if ftype == "number":
        if isinstance(value, int | float) and not isinstance(value, bool):
            # Checked on the value, whatever parsed it: YAML's .nan and .inf, and JSON's NaN
            # and Infinity alike. A NaN is neither below nor above a bound, so this comes first.
            fault = number_fault(value)
            if fault == "not_finite":
                return None, (
                    "应为有限的数",
                    "must be a finite number",
                    "NaN 与无穷大不是数值；不知道就写 null NaN and infinity are not values; "
                    "write null when unknown",
                    "RC210",
                )
            if fault == "inexact":
                return None, (
                    "的整数不能被双精度浮点数精确表示",
                    "is an integer that is not exactly a double",
                    INEXACT_HINT,
                    "RC211",
                )
            low, high = decl.minimum, decl.maximum
            if (low is not None and value < low) or (high is not None and value > high):
                span = _span(low, high)
                return None, (
                    f"应在 {span} 之内",
                    f"must lie within {span}",
                    f"单位 unit: {decl.unit}" if decl.unit else "",
                    "RC203",
                )
            return value, None
        return None, ("应为数字", "must be a number", "不加引号 unquoted, e.g. 120000", "RC203")
    if ftype == "enum":
        if isinstance(value, str) and value in decl.keys:
            return value, None
        return None, _not_a_value(value, decl, "应为以下之一", "must be one of")
    if ftype == "date":
        day, with_time = parse_day(value)
        if day is not None:
            return day, None
        hint = date_hint(value) if with_time else DATE_HINT
        return None, ("应为日期", "must be a date (YYYY-MM-DD)", hint, "RC203")
    if isinstance(value, str):
        return value, None
    return None, ("应为文字", "must be text", "", "RC203")


def _coerce_set(
    value: RawFactValue, decl: Any
) -> tuple[FactValue | None, tuple[str, str, str, str] | None]:
    """The value of an enum fact declared ``multiple``: one value or a list of them, as a set."""
    if not decl.multiple:
        return None, (
            "只能有一个值",
            "takes one value",
            "只有声明 multiple: true 的事实可以写多个值 only facts declared multiple: true "
            "take a list",
            "RC212",
        )
    items = value if isinstance(value, list) else [value]
    if not items:
        return None, (
            "至少要有一个值",
            "needs at least one value",
            "不知道就写 unknown write unknown when it is not established",
            "RC212",
        )
    for item in items:
        if not isinstance(item, str) or item not in decl.keys:
            return None, _not_a_value(item, decl, "的每一项应为以下之一", "must list values among")
    return frozenset(str(item) for item in items), None


def _not_a_value(value: object, decl: Any, zh: str, en: str) -> tuple[str, str, str, str]:
    """What is wrong with a value that is not one of an enum fact's: (zh, en, hint, code)."""
    allowed = dict(decl.values)
    options = ", ".join(f"{k}（{v}）" for k, v in decl.values)
    hint = did_you_mean(value, allowed) if isinstance(value, str) else ""
    code = "RC204" if isinstance(value, str) else "RC203"
    return f"{zh}：{options}", f"{en} {', '.join(allowed)}", hint, code
