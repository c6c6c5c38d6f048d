"""Numbers go to the engine as ranks: takes a ruleset's number constants, gives each value
the small integer durable compares in its place.

durable's C parser reads a number written with an exponent but no decimal point (``1e-05``,
which is how Python's json writes 0.00001, and durable's own registration writes a rule's
constants so) as an integer followed by garbage, and the process crashes (exit 139). So no
number reaches the engine as written: each number fact's constants, sorted and without repeats,
are ``c_0 < c_1 < …``; the constant ``c_j`` is written ``2j + 1``, and a fact's value ``v`` is
written ``2j + 1`` when it equals ``c_j`` and ``2i`` when it lies below ``c_i`` and above every
smaller constant (``2n`` past them all) — see :func:`number_rank`. Every comparison of a value
with a constant (``eq`` … ``ge``, ``in``) has the same result on the ranks as on the numbers, and
the ranks are worked out by Python's own comparisons, which the reference evaluator uses; the
engine sees only small integers, whatever the magnitude or form of the number (1e-300, 1e+16,
-0.0 equal to 0). Dates go as day numbers, which are small integers already.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from typing import Any

from rongcuo.engine.durable.rails import Expr
from rongcuo.ruleset.model import Compare, Ruleset, walk

NumberPoints = tuple[int | float, ...]


def number_points(rs: Ruleset) -> dict[str, NumberPoints]:
    """Each number fact's constants, sorted, equal ones once (1, 1.0, -0.0 and 0 are equal)."""
    found: dict[str, set[int | float]] = {}
    for rule in rs.rules.values():
        for node in walk(rule.when) if rule.when is not None else ():
            decl = rs.facts.get(node.fact) if isinstance(node, Compare) else None
            if decl is None or decl.type != "number":
                continue
            assert isinstance(node, Compare)
            values = node.value if isinstance(node.value, tuple) else (node.value,)
            found.setdefault(node.fact, set()).update(
                v for v in values if isinstance(v, int | float) and not isinstance(v, bool)
            )
    return {f: tuple(sorted(vs)) for f, vs in found.items()}


def number_rank(points: NumberPoints, value: int | float) -> int:
    """A number as the engine sees it: ``2j + 1`` when it equals the constant ``points[j]``,
    else ``2i`` where ``points[i]`` is the first constant above it (``2 * len(points)`` when
    none is). Order and equality against every constant are those of the numbers."""
    i = bisect_left(points, value)
    return 2 * i + 1 if i < len(points) and points[i] == value else 2 * i


def ranked(expr: Expr, points: Mapping[str, NumberPoints]) -> Expr:
    """A gate expression with each number constant replaced by its rank (``points`` is keyed
    by attribute); ``$ex`` / ``$nex`` markers, rule values and claims are left alone."""
    ((key, value),) = expr.items()
    if key in ("$and", "$or"):
        return {key: [ranked(e, points) for e in value]}
    if key in ("$ex", "$nex"):
        return expr
    if key.startswith("$"):  # {"$lt": {attr: constant}}
        ((attr, constant),) = value.items()
        return {key: {attr: _rank_of(attr, constant, points)}}
    return {key: _rank_of(key, value, points)}


def _rank_of(attr: str, constant: Any, points: Mapping[str, NumberPoints]) -> Any:
    found = points.get(attr)
    if found is None or isinstance(constant, bool) or not isinstance(constant, int | float):
        return constant
    return number_rank(found, constant)
