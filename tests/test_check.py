"""The checker: every error at once, each with a stable code, file:line:column, path, and hint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo import Diagnostic
from rongcuo.cli import main
from rongcuo.errors import MAX_DIAGNOSTICS, format_diagnostics
from rongcuo.ruleset.graph import RuleGraph
from rongcuo.ruleset.load import MAX_CONDITION_DEPTH

from .conftest import BACKENDS, LOCAL_HEAD, WriteRuleset

HEAD = LOCAL_HEAD


def check(tmp_path: Path, rid: str = "local") -> list[Diagnostic]:
    return rongcuo.check(rid, paths=[tmp_path / "rulesets"])


def codes(diags: list[Diagnostic]) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in diags]


def test_bundled_rulesets_are_clean() -> None:
    for rid in ("national", "wanzhou", "mianyang"):
        assert rongcuo.check(rid) == [], rid


def test_yaml_syntax_error_is_located(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", HEAD + "rules:\n  - id: a\n    label: [unclosed\n")
    (d,) = check(tmp_path)
    assert d.code == "RC001"
    assert d.location.file.endswith("local/1.yaml")
    assert d.location.line >= 10
    assert d.message_en.startswith("YAML syntax error")


def test_duplicate_key_is_rejected_not_overwritten(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + "title: 又一个标题\n")
    (d,) = check(tmp_path)
    assert (d.code, d.location.line, d.location.column) == ("RC002", 8, 1)
    assert d.message_en == "duplicate key 'title' (first at line 2)"


def test_every_error_reported_at_once_sorted_by_line(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: s1
    kind: situation
    label: 情形一
    when: {fact: motiv, eq: public}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: s2
    kind: situation
    label: 情形二
    when: {fact: motive, eq: publik}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: s3
    kind: situation
    label: 情形三
    when: {fact: emergency, eq: "yes"}
    cite: {doc: dok, clause: 第三条, text: 原文}
""",
    )
    diags = check(tmp_path)
    assert codes(diags) == [("RC102", 13), ("RC105", 18), ("RC104", 23), ("RC110", 24)]
    undeclared, enum_value, mismatch, document = diags
    assert undeclared.message_zh == "事实 'motiv' 未声明"
    assert undeclared.hint == "是否想写 did you mean: 'motive'?"
    assert undeclared.location.path == ("rules", 0, "when")
    assert enum_value.message_en == "'publik' is not a declared value of fact motive"
    assert "'public'" in enum_value.hint
    assert mismatch.message_en == (
        "fact emergency (bool) cannot be compared with 'yes': expected true or false"
    )
    assert document.hint == "是否想写 did you mean: 'doc'?"


def test_unknown_key_gets_did_you_mean(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: s1
    kind: situation
    lable: 情形一
    when: {fact: emergency, eq: true}
""",
    )
    diags = check(tmp_path)
    assert [d.code for d in diags] == ["RC004", "RC003"]
    missing, unknown = diags
    assert unknown.message_en == "unknown key 'lable'"
    assert unknown.hint == "是否想写 did you mean: 'label'?"
    assert (unknown.location.line, unknown.location.column) == (12, 5)
    assert missing.message_en == "missing required key 'label'"


def test_wrong_types_and_bad_ids(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        """
id: local
title: 测试
version: 2.10
effective_from: not a date
rules:
  - id: Bad-Id
    kind: situaton
    label: x
    when: {fact: emergency, eq: true}
""",
    )
    diags = check(tmp_path)
    got = {(d.code, d.location.path) for d in diags}
    assert ("RC005", ("version",)) in got
    assert ("RC005", ("effective_from",)) in got
    assert ("RC111", ("rules", 0, "kind")) in got
    version = next(d for d in diags if d.location.path == ("version",))
    assert version.hint == (
        '加引号 quote it: version: "…"（数字会丢掉末尾的 0 / a number drops trailing zeros: 2.1）'
    )


def test_unknown_rule_reference_and_replace_rules(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
disable: [no_such_rule]
rules:
  - id: s1
    kind: situation
    label: 情形
    when: {rule: due_diligenc}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: private_gain
    kind: exclusion
    label: 重复定义而未声明替换
    when: {fact: motive, eq: private_gain}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: brand_new
    kind: exclusion
    replaces: true
    label: 声明替换但无可替换
    when: {fact: collusion, eq: true}
    cite: {doc: doc, clause: 第三条, text: 原文}
""",
    )
    diags = check(tmp_path)
    assert [d.code for d in diags] == ["RC113", "RC112", "RC112"]
    assert diags[0].message_en == "disable names 'no_such_rule', which is not an inherited rule"
    assert "replaces: true" in diags[1].hint
    # merge errors stop the run before semantic checks: fix these first
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: s1
    kind: situation
    label: 情形
    when: {rule: due_diligenc}
    cite: {doc: doc, clause: 第一条, text: 原文}
""",
    )
    checker = rongcuo.Engine([tmp_path / "rulesets"], backend="reference")
    (d,) = checker.check("local")
    assert d.code == "RC103"
    assert d.hint == "是否想写 did you mean: 'due_diligence'?"


def test_cycle_through_negation_names_the_rules(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: a_rule
    kind: situation
    label: 甲
    when: {not: {rule: b_rule}}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: b_rule
    kind: exclusion
    label: 乙
    when: {rule: a_rule}
    cite: {doc: doc, clause: 第二条, text: 原文}
""",
    )
    diags = [d for d in check(tmp_path) if d.code in ("RC107", "RC108")]
    assert len(diags) == 1
    assert diags[0].code == "RC107"
    assert "a_rule" in diags[0].message_en and "b_rule" in diags[0].message_en
    assert "cycle through negation" in diags[0].message_en


def test_positive_cycle_and_never_firing_rule(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: a_rule
    kind: look
    look: nature_degree
    finding: favourable
    label: 甲
    when: {rule: b_rule}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: b_rule
    kind: look
    look: nature_degree
    finding: favourable
    label: 乙
    when: {rule: a_rule}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: impossible
    kind: situation
    label: 丙
    when:
      all:
        - {fact: loss_yuan, gt: 100}
        - {fact: loss_yuan, lt: 50}
    cite: {doc: doc, clause: 第三条, text: 原文}
""",
    )
    diags = check(tmp_path)
    assert sorted(d.code for d in diags) == ["RC108", "RC109"]
    never = next(d for d in diags if d.code == "RC109")
    assert never.message_en == (
        "the condition of rule impossible contradicts itself: no case can ever satisfy it"
    )


def test_out_of_bounds_and_order_on_enum(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: s1
    kind: situation
    label: 甲
    when: {fact: loss_recovered_ratio, ge: 1.5}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: s2
    kind: situation
    label: 乙
    when: {fact: motive, lt: public}
""",
    )
    diags = check(tmp_path)
    assert [(d.code, d.severity) for d in diags] == [
        ("RC115", "error"),
        ("RC117", "warning"),
        ("RC104", "error"),
    ]


def test_unordered_outcomes_are_a_warning(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: clash
    kind: outcome
    step: 1
    outcome: tolerate
    label: 与第 1 步冲突
    when: {fact: emergency, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
""",
    )
    (d,) = check(tmp_path)
    assert (d.code, d.severity) == ("RC116", "warning")
    assert "cannot order" in d.message_en


def test_broken_extends_and_overlapping_versions(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD.replace("extends: national", "extends: nationl"))
    (d,) = check(tmp_path)
    assert d.code == "RC106"
    assert d.hint == "是否想写 did you mean: 'national'?"
    write_ruleset("local", "1", HEAD.replace("extends: national", "extends: national@1999"))
    (d,) = check(tmp_path)
    assert d.code == "RC106" and "national@1999" in d.message_en
    write_ruleset("local", "1", HEAD)
    write_ruleset(
        "local",
        "2",
        HEAD.replace('version: "1"', 'version: "2"').replace("2020-01-01", "2021-01-01"),
    )
    (d,) = check(tmp_path)
    assert d.code == "RC114"
    assert d.hint.startswith("把 effective_until 设为 2020-12-31")


def test_diagnostic_text_format(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", HEAD + "title: x\n")
    (d,) = check(tmp_path)
    text = d.format().splitlines()
    assert text[0].endswith("local/1.yaml:8:1: error RC002 [title]")
    assert text[1] == "  键 'title' 重复出现（首次在第 2 行）"
    assert text[2] == "  duplicate key 'title' (first at line 2)"
    assert text[3].startswith("  提示 hint: ")


def test_cycle_message_names_each_rule_once(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    rules = "".join(
        f"""
  - id: {a}
    kind: situation
    label: {a}
    when: {{not: {{rule: {b}}}}}
    cite: {{doc: doc, clause: 第一条, text: 原文}}"""
        for a, b in (("r1", "r2"), ("r2", "r1"))
    )
    write_ruleset("local", "1", HEAD + "rules:" + rules + "\n")
    (d,) = [d for d in check(tmp_path) if d.code == "RC107"]
    assert d.message_en == "rules form a cycle through negation (not): r1 → r2 → r1"


def test_only_the_specification_outcomes_may_be_declared(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + "outcomes:\n  - {id: pardon, label: 赦免}\n")
    (d,) = check(tmp_path)
    assert d.code == "RC111"
    assert d.message_en.startswith("outcome 'pardon' is not one of the specification's outcomes")


def test_procedure_events_and_effects_are_checked(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    step = """procedure:
  - id: notify
    label: 结果反馈
    time_limit: {working_days: 5, from: %s}
"""
    write_ruleset("local", "1", HEAD + step % "decidd")
    (d,) = check(tmp_path)
    assert (d.code, d.location.line) == ("RC111", 11)
    assert d.message_en.startswith("unknown time-limit event 'decidd'")
    assert "decided" in d.hint
    write_ruleset(
        "local",
        "1",
        HEAD
        + step % "decided"
        + """effects:
  - {id: fine, outcome: tolerate, text: 同等对待, cite: {doc: doc, clause: 一, text: 同等对待}}
  - {id: typo, outcome: tolerated, text: 同等对待}
  - {id: nodoc, outcome: mitigate, text: 影响期, cite: {doc: nodoc, clause: 二, text: 影响期}}
""",
    )
    diags = check(tmp_path)
    assert codes(diags) == [("RC111", 14), ("RC110", 15)]
    assert diags[0].message_en == "effect typo: outcome 'tolerated' is not declared"
    assert "tolerate" in diags[0].hint
    write_ruleset(
        "local", "1", HEAD + "effects:\n  - {id: equal_treatment, outcome: tolerate, text: 重写}\n"
    )
    (d,) = check(tmp_path)
    assert (d.code, d.location.line) == ("RC101", 9)


# --- hostile and odd rulesets (issue 12, item 15) --------------------------------------------


def test_empty_ruleset_folder_is_rc131_not_the_bundled_ruleset(tmp_path: Path) -> None:
    folder = tmp_path / "rulesets" / "wanzhou"
    folder.mkdir(parents=True)
    (d,) = check(tmp_path, "wanzhou")
    assert (d.code, d.location.file) == ("RC131", str(folder))
    assert d.message_en == "the ruleset folder wanzhou holds no version file (*.yaml)"
    for args in (["check", str(folder)], ["check", "--format", "json", str(folder)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        assert "RC131" in result.output
    case = Path(__file__).resolve().parent.parent / "examples" / "wz-01-pilot-tolerate.yaml"
    result = CliRunner().invoke(main, ["evaluate", str(case), "--ruleset", str(folder)])
    assert result.exit_code == 1 and "RC131" in result.output


def test_yml_version_file_is_rc130_naming_the_rename(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD)
    stray = tmp_path / "rulesets" / "local" / "2.yml"
    stray.write_text(HEAD.replace('version: "1"', 'version: "2"'), encoding="utf-8")
    (d,) = check(tmp_path)
    assert (d.code, d.location.file) == ("RC130", str(stray))
    assert d.message_en == "ruleset version files end in .yaml: 2.yml is not read"
    assert d.hint == "改名为 rename it to 2.yaml"
    with pytest.raises(rongcuo.RulesetError):  # evaluate does not skip it in silence either
        rongcuo.Engine([tmp_path / "rulesets"]).ruleset("local", dt.date(2024, 1, 1))


def test_warning_cap_never_hides_an_error(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    uncited = "".join(
        f"  - {{id: u{i}, kind: mitigating, label: x, when: {{fact: cooperated, eq: true}}}}\n"
        for i in range(60)
    )
    last = "  - {id: bad, kind: mitigating, label: x, when: {fact: nope, eq: true}}\n"
    write_ruleset("local", "1", HEAD + "rules:\n" + uncited + last)
    diags = check(tmp_path)
    assert [d.code for d in diags] == ["RC117"] * 61 + ["RC102"]
    text = format_diagnostics(diags)
    assert "error RC102" in text
    assert text.count("warning RC117") == MAX_DIAGNOSTICS - 1
    assert text.splitlines()[-2] == (
        "……另有 12 条未显示（0 个错误，12 个警告）/ 12 more not shown (0 error(s), 12 warning(s))"
    )
    assert text.splitlines()[-1] == "1 个错误，61 个警告 / 1 error(s), 61 warning(s)"
    result = CliRunner().invoke(main, ["check", str(tmp_path / "rulesets" / "local")])
    assert result.exit_code == 1 and "error RC102" in result.output


def test_warning_cap_counts_hidden_errors_when_errors_alone_pass_it() -> None:
    loc = rongcuo.Location("x.yaml", 1, 1)
    many = [rongcuo.Diagnostic("RC102", loc, "z", f"e{i}") for i in range(MAX_DIAGNOSTICS + 2)]
    text = format_diagnostics([*many, rongcuo.Diagnostic("RC117", loc, "z", "w", "", "warning")])
    assert text.count("error RC102") == MAX_DIAGNOSTICS and "warning" not in text.split("……")[0]
    assert "3 more not shown (2 error(s), 1 warning(s))" in text


def _nested(depth: int) -> str:
    cond = "{fact: cooperated, eq: true}"
    for i in range(depth - 1):
        cond = f"{{all: [{cond}]}}" if i % 2 else f"{{not: {cond}}}"
    return f"  - {{id: deep, kind: mitigating, label: x, when: {cond}, {CITE}}}\n"


CITE = "cite: {doc: doc, clause: 第一条, text: 原文}"


def test_condition_nested_past_the_cap_is_rc132(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + "rules:\n" + _nested(MAX_CONDITION_DEPTH + 1))
    (d,) = check(tmp_path)
    assert (d.code, d.location.line) == ("RC132", 9)
    assert d.location.path[:3] == ("rules", 0, "when")
    assert len(d.location.path) == 3 + MAX_CONDITION_DEPTH + (MAX_CONDITION_DEPTH // 2)
    assert d.message_en == "the condition nests more than 32 levels deep (all / any / not)"


def test_condition_nested_450_deep_is_located_not_a_recursion_error(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + "rules:\n" + _nested(450))
    (d,) = check(tmp_path)
    assert (d.code, d.location.line) == ("RC010", 9)
    write_ruleset("local", "1", HEAD + "rules:\n" + _nested(450).replace("{all: [", "{any: ["))
    assert [x.code for x in check(tmp_path)] == ["RC010"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_condition_at_the_depth_cap_checks_and_evaluates(
    tmp_path: Path, write_ruleset: WriteRuleset, backend: str
) -> None:
    write_ruleset("local", "1", HEAD + "rules:\n" + _nested(MAX_CONDITION_DEPTH))
    assert check(tmp_path) == []
    case = {"id": "D-1", "title": "t", "incident_date": "2024-03-18", "facts": {"cooperated": True}}
    with rongcuo.Engine([tmp_path / "rulesets"], backend=backend) as engine:  # type: ignore[arg-type]
        decision = engine.evaluate(case, ruleset="local")
    # 32 levels: 16 `not`s around the fact, so the rule holds as the fact does
    (deep,) = [g for g in decision.grounds if g.id == "deep"]
    assert deep.value == "true"


def test_check_works_out_the_rule_graph_once_not_once_a_rule(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # check was quadratic (70 s at 16,000 rules): each rule's width walked every rule again.
    # bench/check_scaling.py times it; this counts the graphs built (kinds' members among
    # them), which does not depend on the machine.
    rules = "".join(
        f"  - {{id: r{i}, kind: mitigating, label: x, when: {{fact: cooperated, eq: true}}, "
        f"{CITE}}}\n"
        for i in range(200)
    )
    write_ruleset("local", "1", HEAD + "rules:\n" + rules)
    walks = []
    build = RuleGraph.build
    monkeypatch.setattr(RuleGraph, "build", lambda rs: walks.append(1) or build(rs))
    assert check(tmp_path) == []
    assert len(walks) == 1


def test_ruleset_dates_with_a_time_are_rc005_not_cut_to_the_day(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = HEAD.replace("effective_from: 2020-01-01", "effective_from: 2020-01-01 10:00:00")
    text = text.replace('version: "1"', 'version: "1"\neffective_until: "2030-12-31T23:59"')
    write_ruleset("local", "1", text)
    diags = check(tmp_path)
    assert [(d.code, d.location.line, d.location.path) for d in diags] == [
        ("RC005", 4, ("effective_until",)),
        ("RC005", 5, ("effective_from",)),
    ]
    assert diags[1].message_en == (
        "`effective_from` must be a date (YYYY-MM-DD) (got the date and time 2020-01-01 10:00:00)"
    )
    assert diags[1].hint == "只写日期，不写时刻 write the day only, without a time: 2020-01-01"
    assert diags[0].hint.endswith("without a time: 2030-12-31")


def test_date_constant_with_a_time_is_rc005(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """facts:
  - {id: reported_on, type: date, label: 报告日期}
rules:
  - id: late
    kind: aggravating
    label: 报告迟
    when: {fact: reported_on, gt: 2024-01-01 08:00:00}
    cite: {doc: doc, clause: 第一条, text: 原文}
""",
    )
    (d,) = check(tmp_path)
    assert (d.code, d.location.line, d.location.path) == (
        "RC005",
        14,
        ("rules", 0, "when", "gt"),
    )
    assert d.hint.endswith("without a time: 2024-01-01")


@pytest.mark.parametrize(
    ("body", "where"),
    [
        (
            "rules:\n  - id: ''\n    kind: situation\n    label: 空 id\n    when: {fact: emergency, eq: true}\n",
            (9, 9, "id"),
        ),
        (
            "rules:\n  - id: a1\n    kind: situation\n    label:\n    when: {fact: emergency, eq: true}\n",
            (11, 11, "label"),
        ),
        ("facts:\n  - {id: f1, type: bool, label: '  '}\n", (9, 33, "label")),
    ],
    ids=["blank rule id", "null rule label", "blank fact label"],
)
def test_required_key_present_but_empty_is_rc004(
    tmp_path: Path, write_ruleset: WriteRuleset, body: str, where: tuple[int, int, str]
) -> None:
    write_ruleset("local", "1", HEAD + body)
    found = [d for d in check(tmp_path) if d.code == "RC004"]
    assert [(d.location.line, d.location.column, d.location.path[-1]) for d in found] == [where]
    assert found[0].message_en == f"required key {where[2]!r} is empty"
