"""The shared region sampling behind the checker's 'can never hold' and the missing facts."""

from __future__ import annotations

import datetime as dt

from rongcuo.engine.reference import OTHER_TEXT, compare, representative_values
from rongcuo.ruleset.model import FactDecl


def test_numbers_reach_every_region_even_below_zero() -> None:
    decl = FactDecl("x", "number", "x")
    values = representative_values(decl, [-10, 5])
    for op, ref in (("lt", -10), ("gt", -10), ("eq", -10), ("gt", 5), ("lt", 5), ("eq", 5)):
        assert any(compare(v, op, ref) for v in values), (op, ref, values)


def test_bounds_are_respected() -> None:
    decl = FactDecl("r", "number", "r", minimum=0, maximum=1)
    assert representative_values(decl, [0.5]) == [0, 0.25, 0.5, 0.75, 1]


def test_text_gets_a_value_equal_to_no_constant() -> None:
    decl = FactDecl("t", "text", "t")
    assert representative_values(decl, ["甲"]) == ["甲", OTHER_TEXT]


def test_dates_around_each_constant() -> None:
    decl = FactDecl("d", "date", "d")
    day = dt.date(2024, 3, 1)
    assert representative_values(decl, [day]) == [day - dt.timedelta(1), day, day + dt.timedelta(1)]
