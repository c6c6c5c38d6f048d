"""The decision order's completeness (RC166) and the walk of an incomplete order: a case with an
open step and every other step ruled out may still fall through to ``refer``."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

import rongcuo
import rongcuo.ruleset.check_order
from rongcuo import Diagnostic
from rongcuo.decision.walk import walk_outcomes
from rongcuo.engine.reference import Program, ReferenceEvaluator
from rongcuo.ruleset.check_order import order_completeness
from rongcuo.ruleset.model import Ruleset

from .conftest import LOCAL_HEAD, WriteRuleset

OUTCOMES = "\n".join(
    f"  - {{id: {o}, label: {o}}}"
    for o in ("tolerate", "mitigate", "not_tolerate", "insufficient_facts", "refer")
)


def solo(rules: str, facts: str = "") -> str:
    """A ruleset of its own (nothing inherited): bool facts a and b, and ``rules``."""
    head = textwrap.dedent(
        """\
        id: solo
        title: 顺序测试规则集
        version: "1"
        effective_from: 2020-01-01
        documents:
          - {id: doc, title: 测试文件}
        facts:
          - {id: a, type: bool, label: 事实甲}
          - {id: b, type: bool, label: 事实乙}
        """
    )
    return head + facts + "rules:\n" + textwrap.dedent(rules) + "outcomes:\n" + OUTCOMES + "\n"


def step(rid: str, number: int, outcome: str, when: str) -> str:
    return (
        f"  - {{id: {rid}, kind: outcome, step: {number}, outcome: {outcome}, label: {rid},\n"
        f"     when: {when}, cite: {{doc: doc, clause: 一, text: 一}}}}\n"
    )


#: step 1 tolerates a, step 2 does not tolerate b: a and b both false fall through
INCOMPLETE = step("s_a", 1, "tolerate", "{fact: a, eq: true}") + step(
    "s_b", 2, "not_tolerate", "{fact: b, eq: true}"
)


def rc166(diags: list[Diagnostic]) -> list[Diagnostic]:
    return [d for d in diags if d.code == "RC166"]


def effective(tmp_path: Path, rid: str = "solo") -> Ruleset:
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        (rs,) = engine.library.effective_rulesets(rid)
    return rs


def evaluate(tmp_path: Path, facts: dict[str, object]) -> rongcuo.Decision:
    case = {"id": "O-1", "title": "顺序", "incident_date": "2024-05-01", "facts": facts}
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        return engine.evaluate(case, ruleset="solo")


# --- the check ----------------------------------------------------------------------------


def test_bundled_orders_are_complete() -> None:
    with rongcuo.Engine((), backend="reference") as engine:
        for rid in ("national", "wanzhou", "mianyang"):
            assert rc166(engine.check(rid)) == [], rid
            for rs in engine.library.effective_rulesets(rid):
                found = order_completeness(rs)
                assert (found.decided, found.gap) == (True, None), rid
                assert Program.build(rs.part(clearing=False)).complete, rid


def test_incomplete_order_names_the_falling_through_combination(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    path = write_ruleset("solo", "1", solo(INCOMPLETE))
    (d,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert d.severity == "warning"
    assert d.message_en == (
        "the decision order is incomplete: when a is false, b is false, no step decides and "
        "the case is referred (refer)"
    )
    assert d.message_zh == (
        "认定顺序不完整：当 a 为 false、b 为 false 时，没有一步作出认定，案件将提交集体研究（refer）"
    )
    assert "national" in d.hint
    # located at the last step's rule, where a final step would go
    lines = path.read_text(encoding="utf-8").splitlines()
    assert d.location.file.endswith("solo/1.yaml")
    assert lines[d.location.line - 1].lstrip().startswith("- {id: s_b,")
    assert d.location.path == ("rules", 1)


def test_a_final_step_makes_the_order_complete(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    final = step("s_rest", 3, "mitigate", "{fact: a, eq: false}")
    write_ruleset("solo", "1", solo(INCOMPLETE + final))
    assert rongcuo.check("solo", paths=[tmp_path / "rulesets"]) == []


def test_the_combination_does_not_depend_on_declaration_order(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    first = write_ruleset("solo", "1", solo(INCOMPLETE))
    (d1,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    reordered = step("s_b", 2, "not_tolerate", "{fact: b, eq: true}") + step(
        "s_a", 1, "tolerate", "{fact: a, eq: true}"
    )
    first.write_text(solo(reordered), encoding="utf-8")
    (d2,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert d2.message_en == d1.message_en
    # still at the last step's rule, s_b, now declared first
    assert (d1.location.path, d2.location.path) == (("rules", 1), ("rules", 0))


def test_comparisons_on_one_fact_are_sampled(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    number = "  - {id: n, type: number, label: 数}\n"
    gap = step("big", 1, "not_tolerate", "{fact: n, gt: 5}") + step(
        "small", 2, "tolerate", "{fact: n, lt: 3}"
    )
    write_ruleset("solo", "1", solo(gap, facts=number))
    (d,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert "when n is 3, no step decides" in d.message_en  # neither above 5 nor below 3
    covered = step("big", 1, "not_tolerate", "{fact: n, gt: 5}") + step(
        "small", 2, "tolerate", "{fact: n, le: 5}"
    )
    write_ruleset("solo", "1", solo(covered, facts=number))
    assert rongcuo.check("solo", paths=[tmp_path / "rulesets"]) == []


SITUATIONS = """\
  - {id: sit_one, kind: situation, label: 情形一, when: {fact: a, eq: true},
     cite: {doc: doc, clause: 一, text: 一}}
"""


def test_a_kind_agrees_with_its_own_rules(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    # sit_one is the only situation: "sit_one holds" or "no situation holds" covers every case
    order = step("by_rule", 1, "tolerate", "{rule: sit_one}") + step(
        "no_sit", 2, "not_tolerate", "{not: {any_rule: situation}}"
    )
    write_ruleset("solo", "1", solo(SITUATIONS + order))
    assert rongcuo.check("solo", paths=[tmp_path / "rulesets"]) == []
    # a second situation can hold while sit_one does not: then neither step decides
    second = """\
  - {id: sit_two, kind: situation, label: 情形二, when: {fact: b, eq: true},
     cite: {doc: doc, clause: 一, text: 一}}
"""
    write_ruleset("solo", "1", solo(SITUATIONS + second + order))
    (d,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert "when sit_one does not hold, some situation rule holds, no step" in d.message_en


def test_disabling_the_last_step_is_located_in_the_local_file(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", LOCAL_HEAD + "disable: [order_mitigate]\n")
    (d,) = rc166(rongcuo.check("local", paths=[tmp_path / "rulesets"]))
    assert d.location.file.endswith("local/1.yaml")
    assert (d.location.line, d.location.path) == (1, ("rules",))
    # a situation holds but not every precondition: step 6 does not tolerate, nothing follows
    assert "not every precondition rule holds" in d.message_en
    assert "some situation rule holds" in d.message_en


def test_an_order_too_large_to_search_is_said_so_and_counts_as_incomplete(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ruleset(
        "solo", "1", solo(INCOMPLETE + step("s_rest", 3, "mitigate", "{fact: a, eq: false}"))
    )
    monkeypatch.setattr(rongcuo.ruleset.check_order, "SEARCH_LIMIT", 1)
    (d,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert d.message_en.startswith("the decision order is too large to verify")
    assert not Program.build(effective(tmp_path)).complete


# --- the walk -------------------------------------------------------------------------------


def test_an_open_step_before_ruled_out_ones_keeps_refer_possible(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("solo", "1", solo(INCOMPLETE))
    program = Program.build(effective(tmp_path))
    assert not program.complete
    values = ReferenceEvaluator(program).rule_values({"b": False}, frozenset())
    walked = walk_outcomes(program, values)
    # a unknown: step 1 open, step 2 ruled out; a false would fall through to refer
    assert (walked.outcome, walked.possible) == ("insufficient_facts", ("tolerate", "refer"))
    d = evaluate(tmp_path, {"b": False})
    assert d.outcome == "insufficient_facts"
    assert sorted(d.possible_outcomes) == ["refer", "tolerate"]
    assert [m.id for m in d.missing_facts] == ["a"]
    # once a is known the walk decides as before
    assert evaluate(tmp_path, {"a": True, "b": False}).outcome == "tolerate"
    assert evaluate(tmp_path, {"a": False, "b": False}).outcome == "refer"


def test_a_complete_order_keeps_the_open_steps_outcomes_only(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # step 1 holds whatever a turns out to be, though it is unknown while a is: the order is
    # complete, and a case with a unknown and b false is tolerated as before
    either = "{any: [{fact: a, eq: true}, {fact: a, eq: false}]}"
    order = step("s_a", 1, "tolerate", either) + step(
        "s_b", 2, "not_tolerate", "{fact: b, eq: true}"
    )
    write_ruleset("solo", "1", solo(order))
    assert rongcuo.check("solo", paths=[tmp_path / "rulesets"]) == []
    program = Program.build(effective(tmp_path))
    assert program.complete
    values = ReferenceEvaluator(program).rule_values({"b": False}, frozenset())
    assert walk_outcomes(program, values).possible == ("tolerate",)
    assert evaluate(tmp_path, {"b": False}).outcome == "tolerate"


def test_a_complementary_pair_settles_an_order_of_many_independent_steps(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # 18 steps with three ways each to be ruled out, then z true / z false: searched as one,
    # 3**18 combinations reach the last pair; searched apart, the pair alone is complete
    facts = "".join(
        f"  - {{id: f{i}, type: bool, label: 甲{i}}}\n  - {{id: g{i}, type: number, label: 乙{i}}}\n"
        for i in range(18)
    )
    facts += "  - {id: z, type: bool, label: 丙}\n"
    many = "".join(
        step(
            f"s{i}",
            i + 1,
            "tolerate",
            f"{{all: [{{fact: f{i}, eq: true}}, {{fact: g{i}, gt: 3}}]}}",
        )
        for i in range(18)
    )
    pair = step("za", 50, "mitigate", "{fact: z, eq: true}") + step(
        "zb", 51, "not_tolerate", "{fact: z, eq: false}"
    )
    write_ruleset("solo", "1", solo(many + pair, facts=facts))
    assert rongcuo.check("solo", paths=[tmp_path / "rulesets"]) == []
    assert order_completeness(effective(tmp_path)).complete
    # without the pair's second step, each group falls through: one combination names them all
    write_ruleset("solo", "1", solo(many + pair.split("  - {id: zb")[0], facts=facts))
    (d,) = rc166(rongcuo.check("solo", paths=[tmp_path / "rulesets"]))
    assert d.message_en.startswith("the decision order is incomplete: when f0 is false, f1 is")
    assert "z is false" in d.message_en
