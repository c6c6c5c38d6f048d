"""The checks of an assessment ruleset (RC170–RC178), and the bundled reuse and warning
rulesets against the policy they encode, on generated inputs, on both backends."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rongcuo
from rongcuo.assessment import Assessor, parse_input
from rongcuo.case.envelope import CaseSource
from rongcuo.errors import Diagnostic
from rongcuo.procedure.periods import period_end
from rongcuo.ruleset.library import Library

from .conftest import requires_durable

TOY = """\
id: toy
kind: assessment
title: 玩具评估
version: "1"
effective_from: 2018-01-01
documents: [{id: d, title: 文件}]
facts:
  - {id: a, type: bool, label: 甲}
outcomes:
  - {id: good, label: 可以}
  - {id: bad, label: 不可以}
rules:
  - id: r1
    kind: outcome
    step: 1
    outcome: good
    label: 甲成立
    when: {established: {fact: a, eq: true}}
    cite: {doc: d, clause: 一, text: 甲}
  - id: r2
    kind: outcome
    step: 2
    outcome: bad
    label: 甲不成立
    when: {not: {established: {fact: a, eq: true}}}
    cite: {doc: d, clause: 二, text: 乙}
"""


def check(tmp_path: Path, text: str, **more: str) -> list[Diagnostic]:
    for rid, body in {"toy": text, **more}.items():
        folder = tmp_path / rid
        folder.mkdir(exist_ok=True)
        (folder / "1.yaml").write_text(body, encoding="utf-8")
    return Library([tmp_path]).check("toy")


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def codes(diags: list[Diagnostic]) -> list[tuple[str, int]]:
    return sorted((d.code, d.location.line) for d in diags if d.severity == "error")


def test_the_toy_checks_clean(tmp_path: Path) -> None:
    assert check(tmp_path, TOY) == []


def test_an_unknown_kind_is_rc178(tmp_path: Path) -> None:
    text = TOY.replace("kind: assessment", "kind: assesment")
    found = check(tmp_path, text)
    assert codes(found) == [("RC178", 2)]
    assert "assessment" in found[0].hint


def test_tolerance_parts_are_rc170(tmp_path: Path) -> None:
    text = TOY + "looks:\n  - {id: motive, label: 看动机}\n"
    assert codes(check(tmp_path, text)) == [("RC170", line_of(text, "看动机"))]


def test_a_rule_of_another_kind_is_rc171(tmp_path: Path) -> None:
    text = TOY + (
        "  - {id: s1, kind: situation, label: 情形, when: {fact: a, eq: true},"
        " cite: {doc: d, clause: 三, text: 丙}}\n"
    )
    assert codes(check(tmp_path, text)) == [("RC171", line_of(text, "id: s1"))]


def test_an_outcome_no_rule_decides_is_rc172(tmp_path: Path) -> None:
    text = TOY.replace(
        "  - {id: bad, label: 不可以}", "  - {id: bad, label: 不可以}\n  - {id: odd, label: 另外}"
    )
    assert codes(check(tmp_path, text)) == [("RC172", line_of(text, "id: odd"))]
    empty = TOY.replace("  - {id: good, label: 可以}\n  - {id: bad, label: 不可以}\n", "")
    empty = empty.replace("outcomes:\n", "outcomes: []\n")
    assert "RC172" in {c for c, _ in codes(check(tmp_path, empty))}


def test_a_rank_is_rc173(tmp_path: Path) -> None:
    text = TOY.replace("{id: good, label: 可以}", "{id: good, label: 可以, rank: 1}")
    found = [d for d in check(tmp_path, text) if d.severity == "error"]
    assert codes(found) == [("RC173", line_of(text, "rank: 1"))]
    assert found[0].location.path_text().endswith("rank")


def test_kinds_do_not_mix_across_extends_or_versions(tmp_path: Path) -> None:
    up = TOY.replace("effective_from: 2018-01-01", "effective_from: 2018-01-01\nextends: national")
    found = check(tmp_path, up)
    assert codes(found) == [("RC174", 1)] and found[0].location.path == ("extends",)
    tolerance = TOY.replace("kind: assessment\n", "").replace("id: toy", "id: tol")
    tol = tolerance.replace(
        "effective_from: 2018-01-01", "effective_from: 2018-01-01\nextends: toy"
    )
    (tmp_path / "tol").mkdir()
    (tmp_path / "tol" / "1.yaml").write_text(tol, encoding="utf-8")
    assert [d.code for d in Library([tmp_path]).check("tol")] == ["RC174"]
    later = tmp_path / "toy" / "2.yaml"
    later.write_text(
        TOY.replace("kind: assessment\n", "")
        .replace('version: "1"', 'version: "2"')
        .replace("2018-01-01", "2020-01-01"),
        encoding="utf-8",
    )
    (tmp_path / "toy" / "1.yaml").write_text(
        TOY.replace(
            "effective_from: 2018-01-01", "effective_from: 2018-01-01\neffective_until: 2019-12-31"
        ),
        encoding="utf-8",
    )
    mixed = Library([tmp_path])
    (rc174,) = [d for d in mixed.check("toy") if d.code == "RC174"]
    assert rc174.location.file.endswith("2.yaml") and rc174.location.path == ("kind",)
    assert "toy" in mixed.ids()  # listed where its error shows, as a broken folder is


def test_an_incomplete_order_is_an_error_rc175(tmp_path: Path) -> None:
    text = TOY.replace(
        "when: {not: {established: {fact: a, eq: true}}}",
        "when: {established: {fact: a, eq: false}}",
    )
    found = check(tmp_path, text)
    assert codes(found) == [("RC175", line_of(text, "id: r2"))]
    assert "a 未知" in found[0].message_zh or "事实 a 未知" in found[0].message_zh


def test_a_rule_that_can_be_unknown_is_rc176(tmp_path: Path) -> None:
    text = TOY.replace("when: {established: {fact: a, eq: true}}", "when: {fact: a, eq: true}")
    assert codes(check(tmp_path, text)) == [("RC176", line_of(text, "id: r1"))]


def test_a_computed_fact_declared_otherwise_is_rc177(tmp_path: Path) -> None:
    text = TOY.replace(
        "  - {id: a, type: bool, label: 甲}",
        "  - {id: a, type: bool, label: 甲}\n"
        "  - {id: last_level, type: enum, label: 级别, values: {none: 无, one: 一}}\n"
        "  - {id: impact_period_ended, type: bool, label: 期满, presume: true, presume_reason: 推定}",
    )
    assert codes(check(tmp_path, text)) == [
        ("RC177", line_of(text, "id: last_level")),
        ("RC177", line_of(text, "id: impact_period_ended")),
    ]


def test_the_bundled_rulesets_are_assessments_without_rc166() -> None:
    lib = Library()
    for rid in ("reuse", "warning"):
        assert lib.check(rid) == []
        assert lib.kind_of(rid) == "assessment"


# --- generated inputs: both backends, and the policy each ruleset encodes ------------------

DAY = dt.date(2025, 9, 1)
ANSWER = st.sampled_from([True, False, "unknown", None])  # None: not stated
QUESTIONS = (
    "matter_properly_handled",
    "situation_calmed",
    "reflected_deeply",
    "corrects_with_good_attitude",
)
MONTHS = {"party_warning": 12, "gov_warning": 6, "party_serious_warning": 18}


class Both:
    """The same assessment ruleset on the reference evaluator and on durable_rules."""

    def __init__(self, rid: str) -> None:
        self.ref = rongcuo.Engine(backend="reference")
        self.dur = rongcuo.Engine(backend="durable")
        rs = self.ref.ruleset(rid, DAY)
        self.periods = self.ref.ruleset("national", DAY)
        self.a = Assessor(rs)
        self.b = Assessor(
            self.dur.ruleset(rid, DAY), self.dur.evaluator(self.dur.ruleset(rid, DAY))
        )

    def outcome(self, data: dict[str, Any]) -> str:
        item = parse_input(data, CaseSource("<generated>"))
        x = self.a.assess(item, as_of=DAY, periods=self.periods)
        y = self.b.assess(item, as_of=DAY, periods=self.periods)
        assert (x.engine.name, y.engine.name) == ("reference", "durable_rules")
        ja, jb = json.loads(x.to_json()), json.loads(y.to_json())
        ja.pop("engine"), jb.pop("engine")
        assert ja == jb
        return x.outcome

    def close(self) -> None:
        self.ref.close()
        self.dur.close()


@pytest.fixture(scope="module")
def reuse() -> Iterator[Both]:
    both = Both("reuse")
    yield both
    both.close()


@pytest.fixture(scope="module")
def warning() -> Iterator[Both]:
    both = Both("warning")
    yield both
    both.close()


def stated(values: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


@requires_durable
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    answers=st.fixed_dictionaries({q: ANSWER for q in QUESTIONS}),
    post=st.sampled_from([True, False, None]),
    outstanding=st.sampled_from([True, False, None]),
    sanction=st.one_of(
        st.none(),
        st.tuples(
            st.sampled_from(sorted(MONTHS)), st.dates(dt.date(2023, 1, 1), dt.date(2025, 8, 31))
        ),
    ),
)
def test_reuse_follows_its_policy_on_both_backends(
    reuse: Both, answers: dict[str, object], post: object, outstanding: object, sanction: Any
) -> None:
    data: dict[str, Any] = {
        "id": "GEN",
        "facts": stated(
            {**answers, "former_post_resumable": post, "outstanding_performance": outstanding}
        ),
    }
    if sanction is not None:
        data["sanction"] = {"kind": sanction[0], "decided_on": sanction[1].isoformat()}
    ended = sanction is not None and period_end(sanction[1], MONTHS[sanction[0]]) < DAY
    if not ended or any(answers[q] is not True for q in QUESTIONS):
        expected = "postpone"  # unknown counts as unfavourable
    elif post is False:
        expected = "re_place"
    elif outstanding is True:
        expected = "promote"
    else:
        expected = "use_further"
    assert reuse.outcome(data) == expected


@requires_durable
@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    levels=st.lists(
        st.tuples(st.sampled_from([1, 2, 3]), st.dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31))),
        max_size=4,
    ),
    problem=ANSWER,
    corrected=ANSWER,
    little=ANSWER,
)
def test_the_warning_follows_its_ladder_on_both_backends(
    warning: Both,
    levels: list[tuple[int, dt.date]],
    problem: object,
    corrected: object,
    little: object,
) -> None:
    history = [
        {"cadre_id": "C", "level": n, "form": "谈话", "given_on": d.isoformat(), "by": "组织部"}
        for n, d in levels
    ]
    data = {
        "id": "GEN",
        "cadre": {"id": "C"},
        "history": history,
        "facts": stated(
            {"problem_found": problem, "corrected_since_last": corrected, "little_change": little}
        ),
    }
    given_by_then = [(d, n) for n, d in levels if d <= DAY]
    last = max(given_by_then)[1] if given_by_then else 0
    ground = corrected is False or little is True or problem is True  # established only
    if last >= 2 and ground:
        expected = "level_3_admonish"
    elif last == 1 and ground:
        expected = "level_2_letter"
    elif last == 0 and problem is True:
        expected = "level_1_talk"
    else:
        expected = "no_warning"
    assert warning.outcome(data) == expected
