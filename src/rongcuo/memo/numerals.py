"""Dates and numerals in the Chinese of official documents.

Takes a date or an integer. Gives :func:`cn_date` (2024年3月8日) and :func:`cn_numeral`
(一, 十, 二十一, 一百零五, 一万零一), which memos and templates number their items with.
"""

from __future__ import annotations

import datetime as dt


def cn_date(day: dt.date) -> str:
    """2024年3月8日 — the form official documents use (GB/T 9704: Arabic numerals, no padding)."""
    return f"{day.year}年{day.month}月{day.day}日"


_DIGITS = "零一二三四五六七八九"
_SMALL_UNITS = ("", "十", "百", "千")
_LARGE_UNITS = ("", "万", "亿", "万亿")


def cn_numeral(n: int) -> str:
    """The Chinese numeral memos number their items with: 1 → 一, 10 → 十, 21 → 二十一,
    105 → 一百零五, 110 → 一百一十, 10001 → 一万零一. Any count, not a fixed list: a newly
    opened case can have dozens of facts still to establish."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"cn_numeral needs an integer, got {type(n).__name__}")
    if n < 0:
        return "负" + cn_numeral(-n)
    if n == 0:
        return _DIGITS[0]
    groups: list[int] = []  # groups of four digits, lowest first: 1_2345_6789 → [6789, 2345, 1]
    while n:
        n, group = divmod(n, 10_000)
        groups.append(group)
    if len(groups) > len(_LARGE_UNITS):
        raise ValueError("cn_numeral counts below 10**16")
    out = ""
    zero = False  # a gap of zeros waiting to be read as one 零
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            zero = bool(out)
            continue
        if out and (zero or group < 1000):
            out += _DIGITS[0]
        out += _group(group) + _LARGE_UNITS[index]
        zero = False
    # 十 alone, not 一十, at the head: 十五, 十万; inside a number it is 一十 (一百一十).
    return out[1:] if out.startswith("一十") else out


def _group(n: int) -> str:
    """A number below 10,000 without its head rule: 1010 → 一千零一十, 7 → 七."""
    out = ""
    zero = False
    for power in (3, 2, 1, 0):
        digit = n // 10**power % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += _DIGITS[0]
            zero = False
        out += _DIGITS[digit] + _SMALL_UNITS[power]
    return out
