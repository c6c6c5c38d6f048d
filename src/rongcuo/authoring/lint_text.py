"""How ``rongcuo lint`` shows fact values in its messages.

A value as text (:func:`show_value`), an example case as a one-line YAML ``facts`` mapping
(:func:`yaml_flow`), the values of a number or date fact a gap pattern allows as ranges
between the constants the ruleset compares it with (:func:`describe_range`), and the sets of a
multiple enum fact it allows as what they contain (:func:`describe_sets`).
"""

from __future__ import annotations

import bisect
import datetime as dt
import json
from collections.abc import Mapping

from rongcuo.ruleset.model import FactValue


def show_value(value: FactValue) -> str:
    if isinstance(value, frozenset):  # a multiple enum fact: as a case file writes it
        return "[" + ", ".join(sorted(value)) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def yaml_flow(facts: Mapping[str, FactValue]) -> str:
    """A one-line YAML mapping (text values quoted as JSON, which YAML reads)."""
    parts = []
    for key, value in facts.items():
        text = show_value(value)
        if isinstance(value, str) and not value.isidentifier():
            text = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}: {text}")
    return "{" + ", ".join(parts) + "}"


def describe_range(
    var: str, values: list[FactValue], consts: list[FactValue], allowed: frozenset[int]
) -> str:
    """Allowed values of a number or date fact as ranges between the ruleset's constants."""
    cuts = sorted({_order(c): c for c in consts}.items())
    keys = [k for k, _ in cuts]

    def region(value: FactValue) -> int:  # 2k+1: the k-th constant; 2k: between k-1 and k
        k = bisect.bisect_left(keys, _order(value))
        return 2 * k + 1 if k < len(keys) and keys[k] == _order(value) else 2 * k

    def const(r: int) -> str:
        return show_value(cuts[r][1])

    present = sorted({region(v) for v in values})
    chosen = {region(values[i]) for i in allowed}
    runs: list[list[int]] = []
    previous = False
    for r in present:
        if r in chosen:
            if previous:
                runs[-1][1] = r
            else:
                runs.append([r, r])
        previous = r in chosen
    texts = []
    for lo, hi in runs:
        lower = (
            ""
            if lo == present[0]
            else (f"[{const(lo // 2)}" if lo % 2 else f"({const(lo // 2 - 1)}")
        )
        upper = (
            "" if hi == present[-1] else (f"{const(hi // 2)}]" if hi % 2 else f"{const(hi // 2)})")
        )
        if lower and upper:
            single = lo == hi and lo % 2
            texts.append(f"= {const(lo // 2)}" if single else f"∈ {lower}, {upper}")
        elif lower:
            texts.append(("≥ " if lower[0] == "[" else "> ") + lower[1:])
        elif upper:
            texts.append(("≤ " if upper[-1] == "]" else "< ") + upper[:-1])
    if len(texts) == 1:
        return f"{var} {texts[0]}"
    return f"{var}: " + " 或 or ".join(texts)


def _order(value: FactValue) -> float:
    if isinstance(value, dt.date):
        return float(value.toordinal())
    assert not isinstance(value, frozenset)  # order tests are on numbers and dates only
    return float(value)


def describe_sets(
    var: str, keys: list[str], values: list[FactValue], allowed: frozenset[int]
) -> str | None:
    """The sets of a multiple enum fact a pattern allows, as the keys they all contain and those
    none contains, when that says exactly which of ``values`` are allowed; else ``None``."""
    sets = [v for v in values if isinstance(v, frozenset)]
    inside = [sets[i] for i in sorted(allowed)]
    has = [k for k in keys if all(k in v for v in inside)]
    lacks = [k for k in keys if not any(k in v for v in inside)]
    if not has and not lacks:
        return None
    exact = {i for i, v in enumerate(sets) if set(has) <= v and not v & set(lacks)}
    if exact != set(allowed):
        return None
    parts = []
    if has:
        parts.append(f"{var} 含 contains {', '.join(has)}")
    if lacks:
        parts.append(f"{var} 不含 contains none of {', '.join(lacks)}")
    return " 且 and ".join(parts)
