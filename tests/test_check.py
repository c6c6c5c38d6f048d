"""The checker: every error at once, each with a stable code, file:line:column, path, and hint."""

from __future__ import annotations

from pathlib import Path

import rongcuo
from rongcuo import Diagnostic

from .conftest import WriteRuleset

HEAD = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
extends: national
documents:
  - {id: doc, title: 测试文件}
"""


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
