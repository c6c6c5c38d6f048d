"""Impact periods (catalogue §12): calendar-month arithmetic at month ends and leap days, each
kind's period read from the ruleset's ``months`` parameters (a local value changes the end),
the latest of several sanctions governing, probation chaining, and the case contract's
``sanction`` / ``cadre.id`` (an unknown kind refused, located; every example's hash unchanged)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing
from pathlib import Path
from typing import Any

import pytest

import rongcuo
from rongcuo.case.contract import SANCTION_KINDS, Case, Sanction, SanctionKind
from rongcuo.case.envelope import CaseSource, load_case, parse_case
from rongcuo.errors import CaseError, RulesetError
from rongcuo.procedure.periods import (
    NO_POST_PARAMETERS,
    PERIOD_PARAMETERS,
    impact_period,
    period_end,
)
from rongcuo.ruleset.model import Ruleset

from .conftest import LOCAL_HEAD, ROOT, WriteRuleset

D = dt.date
ON = D(2025, 1, 6)


@pytest.fixture(scope="module")
def national() -> Ruleset:
    with rongcuo.Engine(backend="reference") as engine:
        return engine.ruleset("national", ON)


def sanction(kind: SanctionKind, on: dt.date, months: int | None = None) -> Sanction:
    return Sanction(kind=kind, decided_on=on, months=months)


# --- period_end ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (D(2024, 3, 1), 18, D(2025, 8, 31)),  # catalogue §12's own example
        (D(2024, 1, 31), 1, D(2024, 2, 29)),  # no 31 February: the month's last day (leap year)
        (D(2023, 1, 31), 1, D(2023, 2, 28)),  # … and in a common year
        (D(2024, 1, 30), 1, D(2024, 2, 29)),
        (D(2023, 1, 29), 1, D(2023, 2, 28)),  # no 29 February in 2023
        (D(2024, 1, 29), 1, D(2024, 2, 28)),  # 29 February 2024 exists: the day before it
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # a leap day, a year on
        (D(2024, 2, 29), 48, D(2028, 2, 28)),  # four years on, the 29th exists again
        (D(2024, 3, 1), 12, D(2025, 2, 28)),
        (D(2024, 3, 1), 24, D(2026, 2, 28)),
        (D(2023, 3, 1), 12, D(2024, 2, 29)),  # ending in a leap February
        (D(2024, 7, 15), 6, D(2025, 1, 14)),  # across a year end
        (D(2024, 8, 31), 6, D(2025, 2, 28)),
        (D(2024, 12, 31), 12, D(2025, 12, 30)),
        (D(2024, 5, 31), 1, D(2024, 6, 30)),  # June has no 31st
        (D(2024, 6, 1), 1, D(2024, 6, 30)),
        (D(2024, 6, 10), 0, D(2024, 6, 9)),  # an empty period ends the day before it starts
    ],
)
def test_period_end(start: dt.date, months: int, end: dt.date) -> None:
    assert period_end(start, months) == end


def test_a_negative_period_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        period_end(D(2024, 1, 1), -1)


# --- each kind, from the national parameters ------------------------------------------------


def test_every_kind_reads_a_months_parameter_that_national_declares(national: Ruleset) -> None:
    assert set(PERIOD_PARAMETERS) == set(SANCTION_KINDS)
    assert typing.get_args(SanctionKind) == tuple(SANCTION_KINDS)
    for param in {*PERIOD_PARAMETERS.values(), *NO_POST_PARAMETERS.values()}:
        p = national.parameters[param]
        assert p.type == "months"
        assert p.cite is not None and p.cite.doc in national.documents
        assert p.label and not p.label.isascii()
    assert len({*PERIOD_PARAMETERS.values(), *NO_POST_PARAMETERS.values()}) == 11


@pytest.mark.parametrize(
    ("kind", "months", "end"),
    [
        ("party_warning", 12, D(2025, 2, 28)),
        ("party_serious_warning", 18, D(2025, 8, 31)),
        ("party_removal_from_post", 24, D(2026, 2, 28)),
        ("gov_warning", 6, D(2024, 8, 31)),
        ("gov_demerit", 12, D(2025, 2, 28)),
        ("gov_major_demerit", 18, D(2025, 8, 31)),
        ("gov_demotion", 24, D(2026, 2, 28)),
        ("gov_dismissal", 24, D(2026, 2, 28)),
        ("admonishment", 6, D(2024, 8, 31)),
    ],
)
def test_each_kind_has_its_period(
    national: Ruleset, kind: SanctionKind, months: int, end: dt.date
) -> None:
    found = impact_period([sanction(kind, D(2024, 3, 1))], national)
    assert found is not None
    assert (found.end, found.governing.months, found.governing.start) == (
        end,
        months,
        D(2024, 3, 1),
    )
    assert found.governing.parameter == PERIOD_PARAMETERS[kind]
    assert found.governing.no_post_end is None and found.governing.probation_end is None


@pytest.mark.parametrize("kind", ["resign_ordered", "removed_from_office"])
def test_resignation_gives_the_24_month_end_and_the_12_month_no_post_end(
    national: Ruleset, kind: SanctionKind
) -> None:
    found = impact_period([sanction(kind, D(2024, 1, 31))], national)
    assert found is not None
    assert found.end == D(2026, 1, 30)  # 24 months: no higher post
    assert found.governing.months == 24
    assert found.governing.no_post_end == D(2025, 1, 30)  # 12 months: no post at all
    assert found.governing.no_post_parameter == "impact_resign_no_post"


@pytest.mark.parametrize(
    ("decided", "probation", "probation_end", "end"),
    [
        # 12 months' probation to 2025-02-28; rights restored 2025-03-01; 24 months from it
        (D(2024, 3, 1), 12, D(2025, 2, 28), D(2027, 2, 28)),
        # 24 months' probation from a leap day: to 2026-02-28; restored 2026-03-01
        (D(2024, 2, 29), 24, D(2026, 2, 28), D(2028, 2, 29)),
        (D(2024, 7, 15), 12, D(2025, 7, 14), D(2027, 7, 14)),
    ],
)
def test_probation_chains_the_probation_then_the_period_after_it(
    national: Ruleset, decided: dt.date, probation: int, probation_end: dt.date, end: dt.date
) -> None:
    found = impact_period([sanction("party_probation", decided, probation)], national)
    assert found is not None
    period = found.governing
    assert period.probation_end == probation_end
    assert period.start == probation_end + dt.timedelta(days=1)
    assert (period.months, period.parameter) == (24, "impact_party_probation_after")
    assert found.end == end


def test_the_latest_end_governs(national: Ruleset) -> None:
    given = [
        sanction("gov_major_demerit", D(2024, 3, 1)),  # 18 → 2025-08-31
        sanction("admonishment", D(2025, 6, 1)),  # 6 → 2025-11-30: the latest
        sanction("party_warning", D(2024, 6, 1)),  # 12 → 2025-05-31
    ]
    found = impact_period(given, national)
    assert found is not None
    assert found.end == D(2025, 11, 30)
    assert found.governing.sanction == given[1]
    assert [p.end for p in found.periods] == [D(2025, 8, 31), D(2025, 11, 30), D(2025, 5, 31)]
    assert [p.sanction for p in found.periods] == given


def test_of_equal_ends_the_first_governs(national: Ruleset) -> None:
    given = [sanction("gov_demerit", D(2024, 3, 1)), sanction("party_warning", D(2024, 3, 1))]
    found = impact_period(given, national)
    assert found is not None and found.governing.sanction == given[0]


def test_no_sanction_no_period(national: Ruleset) -> None:
    assert impact_period([], national) is None


# --- policy is data: the parameters come from the ruleset passed in --------------------------

LONGER_WARNING = (
    LOCAL_HEAD
    + """
parameters:
  - id: impact_party_warning
    replaces: true
    label: 党内警告的影响期
    type: months
    value: 15
    cite: {doc: doc, clause: 第一条, text: 受到警告处分十五个月内不得提拔}
"""
)


def test_a_local_value_changes_the_end(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", LONGER_WARNING)
    assert rongcuo.check("local", paths=[tmp_path / "rulesets"]) == []
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        local = engine.ruleset("local", ON)
        base = engine.ruleset("national", ON)
    given = [sanction("party_warning", D(2024, 3, 1))]
    here, there = impact_period(given, local), impact_period(given, base)
    assert here is not None and there is not None
    assert (here.end, here.governing.months) == (D(2025, 5, 31), 15)
    assert (there.end, there.governing.months) == (D(2025, 2, 28), 12)
    # the other kinds still read national's values through extends
    other = impact_period([sanction("gov_warning", D(2024, 3, 1))], local)
    assert other is not None and other.end == D(2024, 8, 31)


def test_a_ruleset_without_the_parameter_is_refused(national: Ruleset) -> None:
    params = dict(national.parameters)
    del params["impact_gov_warning"]
    params["impact_admonishment"] = dataclasses.replace(
        params["impact_admonishment"], type="working_days"
    )
    broken = dataclasses.replace(national, parameters=params)
    for kind, param in (
        ("gov_warning", "impact_gov_warning"),
        ("admonishment", "impact_admonishment"),
    ):
        with pytest.raises(RulesetError) as err:
            impact_period([sanction(kind, D(2024, 3, 1))], broken)
        (diag,) = err.value.diagnostics
        assert diag.code == "RC158"
        assert param in diag.message_zh and param in diag.message_en
    assert "working_days" in diag.message_en


# --- the case contract -----------------------------------------------------------------------

HEAD = "id: X-1\ntitle: 测试\nincident_date: 2024-01-05\n"


def case_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return path


def refused(tmp_path: Path, text: str) -> list[tuple[str, int, int, str, str]]:
    with pytest.raises(CaseError) as err:
        load_case(case_file(tmp_path, text))
    return [
        (d.code, d.location.line, d.location.column, d.message_zh, d.message_en)
        for d in err.value.diagnostics
    ]


def test_one_sanction_or_a_list(tmp_path: Path) -> None:
    one, _ = load_case(
        case_file(tmp_path, "sanction: {kind: party_warning, decided_on: 2024-03-01}\n")
    )
    assert one.sanction == [sanction("party_warning", D(2024, 3, 1))]
    many, _ = load_case(
        case_file(
            tmp_path,
            "cadre: {id: C-0042, name: 张三}\nsanction:\n"
            "  - {kind: party_probation, decided_on: 2024-03-01, months: 12}\n"
            "  - {kind: gov_demotion, decided_on: 2024-03-01}\n",
        )
    )
    assert [s.kind for s in many.sanction] == ["party_probation", "gov_demotion"]
    assert many.cadre is not None and many.cadre.id == "C-0042"
    data = many.model_dump(mode="json")
    assert data["sanction"][0] == {
        "kind": "party_probation",
        "decided_on": "2024-03-01",
        "months": 12,
    }
    assert data["sanction"][1] == {"kind": "gov_demotion", "decided_on": "2024-03-01"}
    assert data["cadre"]["id"] == "C-0042"
    # the JSON reads back as the same case
    assert Case.model_validate(data) == many


def test_absent_fields_stay_out_of_the_json(tmp_path: Path) -> None:
    case, _ = load_case(case_file(tmp_path, "cadre: {name: 张三}\n"))
    data = case.model_dump(mode="json")
    assert "sanction" not in data
    assert data["cadre"] == {"name": "张三", "position": None, "unit": None}


def test_an_unknown_kind_is_refused_located(tmp_path: Path) -> None:
    found = refused(tmp_path, "sanction:\n  kind: party_warnin\n  decided_on: 2024-03-01\n")
    assert len(found) == 1
    code, line, column, zh, en = found[0]
    assert (code, line, column) == ("RC221", 5, 9)
    assert "party_warnin" in zh and "党内警告" in zh
    assert "no sanction kind 'party_warnin'" in en
    # in a list, the item is located
    found = refused(
        tmp_path,
        "sanction:\n  - {kind: gov_warning, decided_on: 2024-03-01}\n"
        "  - {kind: demotion, decided_on: 2024-03-01}\n",
    )
    assert [(f[0], f[1]) for f in found] == [("RC221", 6)]
    assert "sanction.1.kind" in found[0][4]


def test_probation_needs_its_months_and_only_it(tmp_path: Path) -> None:
    found = refused(tmp_path, "sanction: {kind: party_probation, decided_on: 2024-03-01}\n")
    assert [(f[0], f[1]) for f in found] == [("RC222", 4)]
    assert "months" in found[0][3]
    found = refused(
        tmp_path, "sanction: [{kind: gov_warning, decided_on: 2024-03-01, months: 6}]\n"
    )
    assert [(f[0], f[1]) for f in found] == [("RC222", 4)]
    assert "gov_warning" in found[0][3]


def test_a_sanction_without_its_day_or_with_an_unknown_field(tmp_path: Path) -> None:
    found = refused(tmp_path, "sanction: {kind: gov_warning, on: 2024-03-01}\n")
    assert sorted(f[0] for f in found) == ["RC003", "RC004"]


def test_a_blank_cadre_id_is_refused() -> None:
    with pytest.raises(CaseError) as err:
        parse_case(
            {"id": "X", "title": "t", "incident_date": "2024-01-01", "cadre": {"id": " "}},
            CaseSource("case"),
        )
    assert [d.code for d in err.value.diagnostics] == ["RC005"]


HASHES = ROOT / "tests" / "data" / "case_hashes.json"


def test_every_example_keeps_its_content_hash() -> None:
    """The hashes were computed by the code before ``sanction`` and ``cadre.id`` existed (2c31da9)::

        git worktree add /tmp/i18-base 2c31da9
        cd /tmp/i18-base && PYTHONPATH=src /work/main/.venv/bin/python -c "import json, pathlib;
          from rongcuo.case.envelope import load_case; print(json.dumps({p.as_posix():
          load_case(p)[0].content_hash() for p in sorted(pathlib.Path('examples').rglob('*.yaml'))
          if p.parts[1] != 'calendar'}, indent=2, sort_keys=True))" \\
          > /work/main/tests/data/case_hashes.json
        git worktree remove /tmp/i18-base

    (the ``-c`` text on one line). A new example is added to the file with its hash."""
    expected: dict[str, Any] = json.loads(HASHES.read_text(encoding="utf-8"))
    files = sorted(
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "examples").rglob("*.yaml")
        if "calendar" not in p.relative_to(ROOT / "examples").parts[:1]
    )
    assert files == sorted(expected)
    assert len(files) == 99
    now = {f: load_case(ROOT / f)[0].content_hash() for f in files}
    assert now == expected
