"""Named ruleset parameters: declared with their clause, referred to as ``{param: id}`` in
comparisons and time limits, overridden along ``extends``; every mistake located (RC150–RC157),
and what passes check evaluates alike on both backends."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

import rongcuo
from rongcuo import Diagnostic
from rongcuo.ruleset.model import Compare, Ruleset

from .conftest import BACKENDS, LOCAL_HEAD, ROOT, WriteRuleset

CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
AS_OF = dt.date(2025, 9, 26)  # a Friday before National Day 2025 (as in test_memo)

#: ``local`` on top of wanzhou, whose situations give wz-01 its tolerance.
WANZHOU_HEAD = LOCAL_HEAD.replace("extends: national", "extends: wanzhou")

#: A threshold, and an exclusion comparing the loss with it (and, in a list, with it again).
THRESHOLD = """
parameters:
  - id: big_loss_yuan
    label: 较大损失标准
    type: number
    value: 500000
    cite: {doc: doc, clause: 第一条, text: 直接经济损失五十万元以上}
rules:
  - id: loss_over_threshold
    kind: exclusion
    label: 直接经济损失达到较大损失标准
    when: {fact: loss_yuan, ge: {param: big_loss_yuan}}
    cite: {doc: doc, clause: 第一条, text: 直接经济损失五十万元以上}
  - id: loss_at_threshold
    kind: aggravating
    label: 损失恰为标准或为零
    when: {fact: loss_yuan, in: [0, {param: big_loss_yuan}]}
    cite: {doc: doc, clause: 第一条, text: 直接经济损失五十万元以上}
"""

#: ``local2`` extends ``local`` and raises the threshold.
RAISED = """
id: local2
title: 测试规则集二
version: "1"
effective_from: 2020-01-01
extends: local
documents:
  - {id: doc2, title: 测试文件二}
parameters:
  - id: big_loss_yuan
    replaces: true
    label: 较大损失标准
    type: number
    value: 1000000
    cite: {doc: doc2, clause: 第二条, text: 直接经济损失一百万元以上}
"""


def check(tmp_path: Path, rid: str = "local") -> list[Diagnostic]:
    return rongcuo.check(rid, paths=[tmp_path / "rulesets"])


def found(diags: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in diags]


def case_with_loss(tmp_path: Path, loss: int) -> Path:
    path = tmp_path / "case.yaml"
    text = CASE.read_text(encoding="utf-8").replace("loss_yuan: 0", f"loss_yuan: {loss}")
    path.write_text(text, encoding="utf-8")
    return path


# --- values in place -----------------------------------------------------------------------


def test_bundled_time_limits_are_parameters_with_their_clauses() -> None:
    engine = rongcuo.Engine(backend="reference")
    for rid, doc in (("national", "policy_spec"), ("mianyang", "mianyang_measures")):
        rs = engine.ruleset(rid, dt.date(2024, 1, 1))
        limits = {
            s.id: (s.time_limit.working_days, s.time_limit.extendable_by)
            for s in rs.procedure
            if s.time_limit
        }
        assert limits == {
            "apply": (5, 0),
            "investigate": (15, 15),
            "notify": (5, 0),
            "file": (5, 0),  # filed with the notice
            "appeal": (15, 0),
            "appeal_review": (15, 0),
        }
        investigate = next(s for s in rs.procedure if s.id == "investigate")
        assert investigate.time_limit is not None
        assert investigate.time_limit.working_days_param == "investigate_days"
        assert investigate.time_limit.extendable_by_param == "investigate_extension_days"
        days = [p for p in rs.parameters.values() if p.type == "working_days"]
        assert {p.id: p.value for p in days} == {
            "apply_days": 5,
            "investigate_days": 15,
            "investigate_extension_days": 15,
            "notify_days": 5,
            "appeal_days": 15,
            "review_days": 15,
            "clearing_days": 15,
        }
        # the clearing and review deadlines are national's (catalogue §8, §10 give no local value)
        procedural = [p for p in days if p.id not in ("clearing_days", "review_days")]
        assert all(p.cite is not None and p.cite.doc == doc for p in procedural), rid
        assert rs.parameters["investigate_days"].display() == "15个工作日"
        # the rest are national's: the impact periods in months (catalogue §12;
        # tests/test_periods.py) and the return visits (§9, §13; tests/test_procedure_loop.py)
        impact = [p for p in rs.parameters.values() if p.id.startswith("impact_")]
        assert len(impact) == 11 and all(p.type == "months" for p in impact)
        visits = [p for p in rs.parameters.values() if "visit" in p.id]
        assert {p.id: (p.type, p.value) for p in visits} == {
            "return_visit_months": ("months", 3),
            "visits_first_count": ("number", 3),
            "visits_first_months": ("months", 3),
            "visits_second_count": ("number", 3),
            "visits_second_months": ("months", 12),
        }
        assert len(impact) + len(visits) + len(days) == len(rs.parameters), rid
        assert all(p.ruleset == "national" for p in impact + visits)
        assert rs.parameters["impact_party_serious_warning"].display() == "18个月"


def test_a_comparison_holds_the_value_and_keeps_the_name(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", WANZHOU_HEAD + THRESHOLD)
    assert check(tmp_path) == []
    rs = ruleset(tmp_path, "local")
    ge = rs.rules["loss_over_threshold"].when
    assert isinstance(ge, Compare)
    assert (ge.value, ge.param, type(ge.value)) == (500000, "big_loss_yuan", int)
    listed = rs.rules["loss_at_threshold"].when
    assert isinstance(listed, Compare)
    assert (listed.value, listed.param) == ((0, 500000), ("", "big_loss_yuan"))
    # the name is beside the value, not part of it: the condition equals one written as 500000
    assert ge == Compare("loss_yuan", "ge", 500000)


def ruleset(tmp_path: Path, rid: str) -> Ruleset:
    return rongcuo.Engine([tmp_path / "rulesets"], backend="reference").ruleset(
        rid, dt.date(2024, 3, 18)
    )


# --- overriding along extends ----------------------------------------------------------------


def test_an_override_changes_a_comparisons_outcome(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", WANZHOU_HEAD + THRESHOLD)
    write_ruleset("local2", "1", RAISED)
    assert check(tmp_path, "local2") == []
    case = case_with_loss(tmp_path, 600000)
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        low = engine.evaluate(case, ruleset="local", as_of=AS_OF)
        high = engine.evaluate(case, ruleset="local2", as_of=AS_OF)
    by_id = {r.id: r.value for r in low.exclusions}
    assert (by_id["loss_over_threshold"], low.outcome) == ("true", "not_tolerate")
    by_id = {r.id: r.value for r in high.exclusions}
    assert (by_id["loss_over_threshold"], high.outcome) == ("false", "tolerate")
    raised = ruleset(tmp_path, "local2").parameters["big_loss_yuan"]
    assert (raised.value, raised.ruleset, raised.cite and raised.cite.doc) == (
        1000000,
        "local2",
        "doc2",
    )


def test_an_override_changes_the_deadline_a_memo_computes(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset(
        "local",
        "1",
        WANZHOU_HEAD
        + """
parameters:
  - id: notify_days
    replaces: true
    label: 书面告知认定结果的期限
    type: working_days
    value: 10
    cite: {doc: doc, clause: 第三条, text: 10个工作日内书面告知本人}
""",
    )
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        bundled = engine.memo(CASE, ruleset="wanzhou", as_of=AS_OF)
        local = engine.memo(CASE, ruleset="local", as_of=AS_OF)
    notify = {d.id: d for d in bundled.context.deadlines}["notify"]
    assert (notify.limit, notify.deadline) == ("5个工作日", "2025年10月10日")
    # national's procedure, inherited, counts with the local value: from Fri 26 September,
    # 9/28 (Sun, 调休 workday), 9/29, 9/30, the holiday 10/1–10/8, 10/9, 10/10, 10/11 (Sat,
    # 调休 workday), 10/13–10/16
    notify = {d.id: d for d in local.context.deadlines}["notify"]
    assert (notify.limit, notify.deadline) == ("10个工作日", "2025年10月16日")
    appeal = {d.id: d for d in local.context.deadlines}["appeal"]
    assert appeal.start_date == "2025年10月16日"


# --- both backends ---------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("loss", "holds"), [(499999.5, "false"), (500000, "true"), (600000, "true")]
)
def test_backends_agree_on_a_comparison_with_a_parameter(
    tmp_path: Path, write_ruleset: WriteRuleset, backend: str, loss: float, holds: str
) -> None:
    write_ruleset("local", "1", WANZHOU_HEAD + THRESHOLD)
    case = tmp_path / "case.yaml"
    case.write_text(
        CASE.read_text(encoding="utf-8").replace("loss_yuan: 0", f"loss_yuan: {loss}"),
        encoding="utf-8",
    )
    with (
        rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as reference,
        rongcuo.Engine([tmp_path / "rulesets"], backend=backend) as engine,  # type: ignore[arg-type]
    ):
        expected = reference.evaluate(case, ruleset="local", as_of=AS_OF)
        got = engine.evaluate(case, ruleset="local", as_of=AS_OF)
    assert {r.id: r.value for r in got.exclusions}["loss_over_threshold"] == holds
    at = {r.id: r.value for r in got.grounds}["loss_at_threshold"]
    assert at == ("true" if loss == 500000 else "false")
    assert got.outcome == expected.outcome == ("not_tolerate" if holds == "true" else "tolerate")
    assert got.model_dump(exclude={"engine"}) == expected.model_dump(exclude={"engine"})


# --- mistakes, each at its line ------------------------------------------------------------------


def lines_of(text: str) -> dict[str, int]:
    """Line numbers (1-based) of the lines marked ``# <- NAME`` in the written file."""
    out = {}
    for i, line in enumerate(textwrap.dedent(text).lstrip("\n").splitlines(), 1):
        if "# <- " in line:
            out[line.split("# <- ")[1].strip()] = i
    return out


def test_each_mistake_is_located(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    text = (
        LOCAL_HEAD
        + """
parameters:
  - id: threshold
    label: 标准
    type: number
    value: 100
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: wait_months
    label: 影响期
    type: months
    value: 6
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: bad_days  # <- RC152-float
    label: 期限
    type: working_days
    value: 2.5  # <- value-float
  - id: bad_negative
    label: 期限
    type: months
    value: -1  # <- value-negative
  - id: bad_text
    label: 标准
    type: number
    value: "100"  # <- value-text
  - id: threshold  # <- RC153
    label: 重复
    type: number
    value: 1
  - id: investigate_days  # <- RC154
    label: 调查核实期限
    type: working_days
    value: 20
  - id: appeal_dayz  # <- RC155
    replaces: true
    label: 复核期限
    type: working_days
    value: 20
  - id: notify_days  # <- RC156
    replaces: true
    label: 告知期限
    type: number
    value: 5
  - id: uncited  # <- RC157
    label: 未引用
    type: number
    value: 3
  - id: miscited
    label: 引错文件
    type: number
    value: 3
    cite: {doc: nodoc, clause: 第一条, text: 原文}  # <- RC110
  - id: kind
    label: 类型错误
    type: weeks  # <- RC005
    value: 3
rules:
  - id: a1
    kind: aggravating
    label: 未声明的参数
    when: {fact: loss_yuan, ge: {param: treshold}}  # <- RC150
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: a2
    kind: aggravating
    label: 月数参数用于比较
    when: {fact: loss_yuan, ge: {param: wait_months}}  # <- RC151-months
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: a3
    kind: aggravating
    label: 数字参数与布尔事实比较
    when: {fact: emergency, in: [{param: threshold}]}  # <- RC151-bool
    cite: {doc: doc, clause: 第一条, text: 原文}
procedure:
  - id: investigate
    label: 调查核实
    time_limit:
      working_days: {param: threshold}  # <- RC151-days
      extendable_by: {param: investigate_extension_dayz}  # <- RC150-days
      from: accepted
"""
    )
    write_ruleset("local", "1", text)
    at = lines_of(text)
    # Shape (value types, the type name) is the first round; nothing else is reported then.
    assert found(check(tmp_path)) == [
        ("RC152", at["value-float"]),
        ("RC152", at["value-negative"]),
        ("RC152", at["value-text"]),
        ("RC005", at["RC005"]),
    ]
    d = check(tmp_path)[0]
    assert d.location.path == ("parameters", 2, "value")
    assert d.message_zh == "参数的类型是工作日数（working_days），值应为非负整数，实际是数字 2.5"
    assert d.message_en.startswith("the parameter is a count of working days (working_days)")

    # Without the shape errors, the merge round: ids, then references.
    fixed = (
        text.replace("2.5  # <- value-float", "2")
        .replace("-1  # <- value-negative", "1")
        .replace('"100"  # <- value-text', "100")
        .replace("weeks  # <- RC005", "number")
    )
    write_ruleset("local", "1", fixed)
    diags = check(tmp_path)
    assert found(diags) == [
        ("RC153", at["RC153"]),
        ("RC154", at["RC154"]),
        ("RC155", at["RC155"]),
        ("RC156", at["RC156"]),
        ("RC150", at["RC150"]),
        ("RC151", at["RC151-months"]),
        ("RC151", at["RC151-bool"]),
        ("RC151", at["RC151-days"]),
        ("RC150", at["RC150-days"]),
    ]
    by_line = {d.location.line: d for d in diags}
    assert "did you mean: 'threshold'" in by_line[at["RC150"]].hint
    assert by_line[at["RC150"]].location.path == ("rules", 0, "when", "ge", "param")
    assert "'investigate_extension_days'" in by_line[at["RC150-days"]].hint
    assert by_line[at["RC155"]].hint.startswith("是否想写 did you mean: 'appeal_days'")
    assert by_line[at["RC151-months"]].message_en == (
        "parameter wait_months is a count of months (months); a comparison takes a number (number)"
    )
    assert (
        by_line[at["RC151-bool"]].message_zh
        == "参数 threshold 是数字，不能与事实 emergency（bool）比较"
    )
    assert by_line[at["RC151-days"]].message_zh == (
        "参数 threshold 是数字（number），程序步骤 investigate 的期限需要工作日数（working_days）参数"
    )
    assert by_line[at["RC156"]].message_en.startswith(
        "parameter 'notify_days' is working_days where it is inherited from"
    )

    # And with the merge errors gone, the checker's round: citations.
    clean = fixed
    for name in ("RC153", "RC154", "RC155", "RC156"):
        clean = clean.replace(f"  # <- {name}", "")
    clean = (
        clean.replace("  - id: threshold\n    label: 重复\n    type: number\n    value: 1\n", "")
        .replace("id: investigate_days\n", "id: investigate_days\n    replaces: true\n")
        .replace("appeal_dayz", "appeal_days")
        .replace("type: number\n    value: 5\n", "type: working_days\n    value: 5\n")
        .replace("treshold", "threshold")
        .replace("{param: wait_months}", "{param: threshold}")
        .replace(
            "fact: emergency, in: [{param: threshold}]", "fact: loss_yuan, in: [{param: threshold}]"
        )
        .replace("working_days: {param: threshold}", "working_days: {param: investigate_days}")
        .replace("investigate_extension_dayz", "investigate_extension_days")
    )
    write_ruleset("local", "1", clean)
    diags = check(tmp_path)
    at = lines_of(clean)
    assert [(d.code, d.location.line) for d in diags if d.severity == "error"] == [
        ("RC110", at["RC110"])
    ]
    uncited = {d.message_en.split()[1]: d for d in diags if d.code == "RC157"}
    assert sorted(uncited) == [
        "appeal_days",
        "bad_days",
        "bad_negative",
        "bad_text",
        "investigate_days",
        "kind",
        "notify_days",
        "uncited",
    ]
    assert {d.severity for d in uncited.values()} == {"warning"}
    assert uncited["uncited"].location.line == at["RC157"]
    assert uncited["uncited"].message_zh == "参数 uncited 没有引用条款（cite）"


def test_a_reference_is_written_as_one_key(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    text = (
        LOCAL_HEAD
        + """
rules:
  - id: a1
    kind: aggravating
    label: 写法错误
    when: {fact: loss_yuan, ge: {param: Threshold, default: 3}}
    cite: {doc: doc, clause: 第一条, text: 原文}
"""
    )
    write_ruleset("local", "1", text)
    assert [d.code for d in check(tmp_path)] == ["RC006", "RC003"]


def test_a_base_rule_reads_the_value_its_extension_gives(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # A parameter that is never referred to is fine; one referred to from a base rule takes the
    # extending ruleset's value there too.
    write_ruleset("local", "1", WANZHOU_HEAD + THRESHOLD)
    write_ruleset("local2", "1", RAISED)
    rs = ruleset(tmp_path, "local2")
    ge = rs.rules["loss_over_threshold"].when
    assert isinstance(ge, Compare)
    assert (ge.value, ge.param, rs.rules["loss_over_threshold"].ruleset) == (
        1000000,
        "big_loss_yuan",
        "local",
    )
    # local's own effective ruleset keeps its own value: the files are shared, never changed
    ge = ruleset(tmp_path, "local").rules["loss_over_threshold"].when
    assert isinstance(ge, Compare) and ge.value == 500000


def test_a_presumption_may_refer_to_a_number_parameter(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = (
        LOCAL_HEAD
        + """
parameters:
  - {id: limit, label: 标准, type: number, value: 7, cite: {doc: doc, clause: 一, text: 原文}}
facts:
  - {id: score, type: number, label: 分数, question: 分数是多少？,
     presume: {param: limit}, presume_reason: 未载明的，按标准认定}
  - {id: score2, type: number, label: 分数二, question: 分数二是多少？,
     presume: [{when: {fact: score, ge: {param: limit}}, value: {param: limit}, reason: 按标准}]}
  - {id: flag, type: bool, label: 标志, question: 是否如此？,
     presume: {param: limit}, presume_reason: 按标准}  # <- RC151
"""
    )
    write_ruleset("local", "1", text)
    (d,) = check(tmp_path)
    assert (d.code, d.location.line) == ("RC151", lines_of(text)["RC151"])
    assert d.message_zh == "参数 limit 是数字，不能作为事实 flag（bool）的推定值"
    write_ruleset("local", "1", text.split("  - {id: flag")[0])
    assert check(tmp_path) == []
    rs = ruleset(tmp_path, "local")
    (first,) = rs.facts["score"].presume
    (second,) = rs.facts["score2"].presume
    assert (first.value, second.value) == (7, 7)
    assert isinstance(second.when, Compare)
    assert (second.when.value, second.when.param) == (7, "limit")
