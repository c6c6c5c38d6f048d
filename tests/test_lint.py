"""``rongcuo lint``: RC501–RC508, each located at its rule, bilingual, deterministic."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo import Diagnostic
from rongcuo.authoring import lint as _lint
from rongcuo.authoring import lint_search as _lint_search
from rongcuo.cli import main
from rongcuo.ruleset.model import FactValue

from .conftest import LOCAL_HEAD, WriteRuleset

HEAD = LOCAL_HEAD

# A ruleset of its own (no national): two situations, one exclusion, a three-step order, no
# citations, and a fact no rule reads.
STANDALONE = """
id: local
title: 测试规则集
version: "1"
effective_from: 2020-01-01
documents:
  - {id: doc, title: 测试文件}
outcomes:
  - {id: tolerate, label: 予以容错}
  - {id: mitigate, label: 从轻减轻}
  - {id: not_tolerate, label: 不予容错}
  - {id: insufficient_facts, label: 事实不清}
  - {id: refer, label: 提请集体研究}
facts:
  - {id: area, type: enum, label: 领域, values: {pilot: 试点, project: 项目, other: 其他}}
  - {id: emergency, type: bool, label: 紧急}
  - {id: loss, type: number, min: 0, label: 损失}
  - {id: bribe, type: bool, label: 受贿}
  - {id: unused, type: bool, label: 无人读取}

rules:
  - id: pilot
    kind: situation
    label: 试点
    when: {fact: area, eq: pilot}
  - id: urgent
    kind: situation
    label: 紧急且损失小
    when:
      all:
        - {fact: emergency, eq: true}
        - {fact: loss, lt: 100}
  - id: bribery
    kind: exclusion
    label: 受贿
    when: {fact: bribe, eq: true}
  - id: order_exclusion
    kind: outcome
    step: 1
    outcome: not_tolerate
    label: 存在不予容错情形
    when: {any_rule: exclusion}
  - id: order_tolerate
    kind: outcome
    step: 2
    outcome: tolerate
    label: 符合容错情形
    when: {any_rule: situation}
  - id: order_none
    kind: outcome
    step: 3
    outcome: not_tolerate
    label: 不符合容错情形
    when:
      not: {any_rule: situation}
"""

SUBSUMED = """
rules:
  - id: wide
    kind: situation
    label: 紧急
    when: {fact: emergency, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: narrow
    kind: situation
    label: 紧急且遗留
    when:
      all:
        - {fact: emergency, eq: true}
        - {fact: legacy_problem, eq: true}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: twin
    kind: situation
    label: 紧急（重复）
    when: {fact: emergency, eq: true}
    cite: {doc: doc, clause: 第三条, text: 原文}
  - id: pilot_ok
    kind: situation
    label: 试点且未禁止
    when:
      all:
        - {fact: in_reform_or_pilot, eq: true}
        - {fact: explicitly_prohibited, eq: false}
    cite: {doc: doc, clause: 第四条, text: 原文}
  - id: pilot_service
    kind: situation
    label: 放管服试点
    when:
      all:
        - {fact: in_reform_or_pilot, eq: true}
        - {fact: work_area, contains: administrative_service}
    cite: {doc: doc, clause: 第五条, text: 原文}
"""

SHADOWED = """
rules:
  - id: concealed_emergency
    kind: exclusion
    label: 紧急情况下隐瞒
    when:
      all:
        - {fact: emergency, eq: true}
        - {fact: concealment, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: concealed_or_colluded
    kind: exclusion
    label: 隐瞒或串通
    when:
      any:
        - {fact: concealment, eq: true}
        - {fact: collusion, eq: true}
    cite: {doc: doc, clause: 第二条, text: 原文}
"""

SAMPLED = " (found by sampling 4000 fact combinations, not exhaustively)"


def lint(tmp_path: Path, rid: str = "local") -> list[Diagnostic]:
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        return engine.lint(rid)


def local(diags: list[Diagnostic], code: str) -> list[Diagnostic]:
    """The findings of one code located in the test's own file."""
    return [d for d in diags if d.code == code and d.location.file.endswith("local/1.yaml")]


def national_line(rule_id: str) -> int:
    with rongcuo.Engine(backend="reference") as engine:
        return engine.ruleset("national", dt.date(2020, 1, 1)).rules[rule_id].src.line


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout


def test_rc501_subsumed_equivalent_and_covered_once_excluded(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + SUBSUMED)
    found = local(lint(tmp_path), "RC501")
    assert [(d.location.line, d.location.column, d.severity) for d in found] == [
        (15, 5, "warning"),
        (23, 5, "warning"),
        (36, 5, "warning"),
    ]
    narrow, twin, service = found
    assert narrow.location.path == ("rules", 1)
    assert narrow.message_zh == (
        "容错情形 narrow 被 wide、twin 覆盖：凡 narrow 成立时，wide 也成立，narrow 不增加新的容错情形"
    )
    assert narrow.message_en == (
        "situation narrow is subsumed by wide, twin: whenever narrow holds, wide holds too, "
        "so narrow adds nothing"
    )
    # equivalent situations: reported once, on the one declared later
    assert twin.message_en == (
        "situation twin is equivalent to wide: they hold under exactly the same facts, "
        "so twin is a duplicate"
    )
    # explicitly_prohibited: true makes pilot_ok fail, but it also triggers knowing_violation
    assert service.message_en == (
        "situation pilot_service is subsumed by pilot_ok once exclusions are counted: whenever "
        "pilot_service holds and no exclusion does, pilot_ok holds too; the cases where "
        "pilot_service holds without pilot_ok are all excluded (by knowing_violation)"
    )
    assert "disable" in service.hint


def test_rc502_situations_that_lead_nowhere(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset(
        "local",
        "1",
        HEAD
        + """
rules:
  - id: doomed
    kind: situation
    label: 隐瞒的遗留问题
    when:
      all:
        - {fact: legacy_problem, eq: true}
        - {fact: concealment, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: doomed_either
    kind: situation
    label: 隐瞒或串通的遗留问题
    when:
      all:
        - {fact: legacy_problem, eq: true}
        - any:
            - {fact: concealment, eq: true}
            - {fact: collusion, eq: true}
    cite: {doc: doc, clause: 第二条, text: 原文}
  - id: never
    kind: situation
    label: 尚未查明
    when: {fact: emergency, known: false}
    cite: {doc: doc, clause: 第三条, text: 原文}
  - id: fine
    kind: situation
    label: 遗留问题
    when: {fact: legacy_problem, eq: true}
    cite: {doc: doc, clause: 第四条, text: 原文}
""",
    )
    diags = lint(tmp_path)
    found = local(diags, "RC502")
    assert [d.location.line for d in found] == [10, 18, 28]
    doomed, either, never = found
    assert doomed.message_zh == (
        "容错情形 doomed 不可能导致容错或从轻：凡它成立时，不予容错情形 fraud_or_concealment 必然成立"
    )
    assert doomed.message_en == (
        "situation doomed can never lead to tolerance or mitigation: whenever it holds, "
        "the exclusion fraud_or_concealment holds too"
    )
    assert either.message_en == (
        "situation doomed_either can never lead to tolerance or mitigation: whenever it holds, "
        "one of the exclusions fraud_or_concealment, malicious_collusion holds too"
    )
    assert never.message_en == (
        "situation never holds under no combination of facts, so it can never lead to "
        "tolerance or mitigation"
    )
    # a situation that leads nowhere is not also reported as subsumed (doomed ⊆ fine)
    assert local(diags, "RC501") == []


def test_rc503_shadowed_exclusions(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", HEAD + SHADOWED)
    found = [d for d in lint(tmp_path) if d.code == "RC503"]
    lines = [(Path(d.location.file).parent.name, d.location.line) for d in found]
    assert lines == [
        ("local", 10),
        ("local", 18),
        ("national", national_line("fraud_or_concealment")),
        ("national", national_line("malicious_collusion")),
    ]
    emergency, either, fraud, collusion = found
    assert emergency.message_zh == (
        "不予容错情形 concealed_emergency 被 fraud_or_concealment、concealed_or_colluded 遮蔽："
        "凡 concealed_emergency 成立时，fraud_or_concealment 也成立，concealed_emergency "
        "本身从不改变认定结论"
    )
    assert either.message_en == (
        "exclusion concealed_or_colluded is shadowed by fraud_or_concealment, "
        "malicious_collusion: whenever concealed_or_colluded holds, at least one of them holds "
        "too, so concealed_or_colluded never changes an outcome on its own"
    )
    assert fraud.message_en.startswith(
        "exclusion fraud_or_concealment is shadowed by concealed_or_colluded:"
    )
    assert collusion.message_en.startswith(
        "exclusion malicious_collusion is shadowed by concealed_or_colluded:"
    )


def test_rc504_gaps_with_an_example_each(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ruleset("local", "1", STANDALONE)
    gaps = local(lint(tmp_path), "RC504")
    assert [(d.location.line, d.location.path) for d in gaps] == [(21, ("rules", 0))] * 2
    first, second = gaps
    assert first.message_zh == (
        "缺口 1/2：area ≠ pilot，loss ≥ 100，且没有任何不予容错情形成立时，没有任何容错情形适用，"
        "认定只能落到认定顺序的兜底步骤"
    )
    assert first.message_en == (
        "gap 1/2: when area ≠ pilot, loss ≥ 100 and no exclusion holds, no situation applies "
        "either, and only the fallback steps of the decision order decide"
    )
    assert first.hint.startswith("例 example: facts: {area: project, loss: 100, bribe: false}；")
    assert second.message_en.startswith("gap 2/2: when area ≠ pilot, emergency = false and")
    assert second.hint.startswith(
        "例 example: facts: {area: project, emergency: false, bribe: false}"
    )
    # at most MAX_GAPS, the widest first
    monkeypatch.setattr(_lint, "MAX_GAPS", 1)
    (only,) = local(lint(tmp_path), "RC504")
    assert only.message_en.startswith("gap 1/2: when area ≠ pilot, loss ≥ 100 and")


def test_rc504_no_gap_when_the_order_refers_the_rest(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    text = STANDALONE.replace(
        "outcome: not_tolerate\n    label: 不符合容错情形",
        "outcome: refer\n    label: 不符合容错情形",
    )
    assert text != STANDALONE
    write_ruleset("local", "1", text)
    assert local(lint(tmp_path), "RC504") == []


def test_rc505_unread_fact_and_rc506_uncited_rules(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", STANDALONE)
    diags = lint(tmp_path)
    (unread,) = local(diags, "RC505")
    assert (unread.location.line, unread.location.path) == (18, ("facts", 4))
    assert unread.message_zh == "事实 unused（无人读取）已声明，但没有任何规则读取它"
    assert unread.message_en == "fact unused is declared but no rule reads it"
    uncited = local(diags, "RC506")
    assert [d.location.line for d in uncited] == [21, 25, 32, 36, 42, 48]
    assert [d.message_en for d in uncited[1:4]] == [
        "situation rule urgent cites no clause (cite)",
        "exclusion rule bribery cites no clause (cite)",
        "outcome rule order_exclusion cites no clause (cite)",
    ]
    assert uncited[2].message_zh == "不予容错情形规则 bribery 没有引用条款（cite）"
    assert {d.severity for d in diags} == {"warning"}


def test_rc507_fact_without_a_question(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    path = write_ruleset(
        "local",
        "1",
        HEAD
        + """
facts:
  - {id: asked, type: bool, label: 有问题的事实, question: 是否问过？}
  - {id: silent, type: bool, label: 没有问题的事实}
  - {id: blank, type: enum, label: 问题为空白,
     values: {a: 甲, b: 乙}, question: "  "}
rules:
  - id: s1
    kind: situation
    label: 情形一
    when:
      all:
        - {fact: asked, eq: true}
        - {fact: silent, eq: true}
        - {fact: blank, eq: a}
    cite: {doc: doc, clause: 第一条, text: 原文}
""",
    )
    found = local(lint(tmp_path), "RC507")
    assert [(d.location.line, d.location.column, d.location.path) for d in found] == [
        (11, 5, ("facts", 1)),
        (12, 5, ("facts", 2)),
    ]
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[10].startswith("  - {id: silent,") and lines[11].startswith("  - {id: blank,")
    silent = found[0]
    assert silent.severity == "warning"
    assert silent.message_zh == (
        "事实 silent（没有问题的事实）没有 question：缺少这项事实时，无法告诉调查人员该问什么"
    )
    assert silent.message_en == (
        "fact silent has no question: when it is missing, the investigator is not told what "
        "to ask to establish it"
    )
    assert silent.hint.startswith("在声明中加上 add {id: silent, …, question: ……？}")
    # the inherited national facts all have one: nothing reported outside the local file
    assert [d for d in lint(tmp_path) if d.code == "RC507"] == found


def test_a_ruleset_with_check_errors_is_not_linted(
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
    when: {fact: emergncy, eq: true}
    cite: {doc: doc, clause: 第一条, text: 原文}
""",
    )
    assert [(d.code, d.severity) for d in lint(tmp_path)] == [("RC102", "error")]


def test_sampling_gives_the_same_findings_and_says_so(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ruleset("local", "1", HEAD + SHADOWED)
    exact = [d for d in lint(tmp_path) if d.code == "RC503"]
    monkeypatch.setattr(_lint_search, "MAX_ENUMERATION", 0)
    monkeypatch.setattr(_lint_search, "SEARCH_BUDGET", 0)
    sampled = [d for d in lint(tmp_path) if d.code == "RC503"]
    assert [d.location for d in sampled] == [d.location for d in exact]
    for a, b in zip(exact, sampled, strict=True):
        assert b.message_en == a.message_en + SAMPLED
        assert b.message_zh.endswith("（此结论由随机抽查 4000 个事实组合得出，未穷举）")


def test_gaps_by_sampling_and_partial_cover(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ruleset("local", "1", STANDALONE)
    with monkeypatch.context() as patch:
        patch.setattr(_lint_search, "COVER_LIMIT", 0)
        (partial,) = local(lint(tmp_path), "RC504")
    assert partial.message_en.startswith("gap 1/1+ (not all listed): when area ≠ pilot,")
    monkeypatch.setattr(_lint.Space, "cubes", lambda self, rid, want: None)
    gaps = local(lint(tmp_path), "RC504")
    assert gaps and all(d.message_en.endswith(SAMPLED) for d in gaps)
    assert gaps[0].message_en.startswith("gap 1/")
    assert "bribe: false" in gaps[0].hint


def test_symbolic_and_exhaustive_answers_agree(
    tmp_path: Path, write_ruleset: WriteRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ruleset("local", "1", HEAD + SUBSUMED)
    with rongcuo.Engine([tmp_path / "rulesets"], backend="reference") as engine:
        rs = engine.ruleset("local", dt.date(2020, 1, 1))
    space = _lint.Space(rs)
    groups = [rs.aggregated("situation"), rs.aggregated("exclusion")]
    goals = [{a.id: True, b.id: False} for g in groups for a in g for b in g if a is not b]
    goals += [{**goal, "knowing_violation": False} for goal in goals[:60]]
    monkeypatch.setattr(_lint_search, "MAX_ENUMERATION", 10**9)
    enumerated = [space.exists(goal).witness is None for goal in goals]
    monkeypatch.setattr(_lint_search, "MAX_ENUMERATION", 0)
    symbolic = [space.exists(goal).witness is None for goal in goals]
    assert enumerated == symbolic
    assert 0 < sum(symbolic) < len(goals)
    assert symbolic[goals.index({"pilot_service": True, "pilot_ok": False})] is False
    assert symbolic[
        goals.index({"pilot_service": True, "pilot_ok": False, "knowing_violation": False})
    ]


def test_bundled_rulesets_lint_without_errors() -> None:
    for rid in ("national", "wanzhou", "mianyang"):
        diags = rongcuo.Engine(backend="reference").lint(rid)
        assert diags, rid
        assert {d.severity for d in diags} == {"warning"}, rid
        assert {d.code for d in diags} <= {f"RC50{i}" for i in range(1, 9)}, rid
        # every fact the bundled rulesets declare says what to ask
        assert [d for d in diags if d.code == "RC507"] == [], rid


def test_lint_is_deterministic(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", HEAD + SUBSUMED)
    assert lint(tmp_path) == lint(tmp_path)
    first = run("lint", "wanzhou", "mianyang", "--format", "json")
    assert first == run("lint", "wanzhou", "mianyang", "--format", "json")


def test_cli_lint_exit_codes_and_formats(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    write_ruleset("local", "1", HEAD + SHADOWED)
    folder = str(tmp_path / "rulesets" / "local")
    code, out = run("lint", folder)
    assert code == 0
    assert "local/1.yaml:10:5: warning RC503 [rules[0]]" in out
    assert out.strip().endswith("warning(s)") and "0 error(s)" in out
    code, out = run("lint", folder, "--strict")
    assert code == 1
    code, out = run("lint", folder, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    # RC505: national's public_interest_served
    assert {r["code"] for r in rows} == {"RC503", "RC504", "RC505"}
    assert rows[0]["severity"] == "warning"
    (tmp_path / "rulesets" / "local" / "1.yaml").write_text(
        "id: local\ntitle: x\nversion: '1'\neffective_from: 2020-01-01\nextends: national\n"
        "rules:\n  - {id: s, kind: situation, label: s, when: {fact: emergncy, eq: true}}\n",
        encoding="utf-8",
    )
    code, out = run("lint", folder)
    assert code == 1
    assert "RC102" in out and "RC50" not in out


def test_every_version_is_linted(tmp_path: Path, write_ruleset: WriteRuleset) -> None:
    old = HEAD.replace(
        "effective_from: 2020-01-01", "effective_from: 2020-01-01\neffective_until: 2020-12-31"
    )
    write_ruleset("local", "1", old + SUBSUMED)
    new = HEAD.replace('version: "1"', 'version: "2"').replace("2020-01-01", "2021-01-01")
    write_ruleset("local", "2", new + SUBSUMED.split("  - id: twin")[0])
    found = [
        (Path(d.location.file).name, d.location.line) for d in lint(tmp_path) if d.code == "RC501"
    ]
    assert found == [("1.yaml", 16), ("1.yaml", 24), ("1.yaml", 37), ("2.yaml", 15)]


def test_ranges_of_numbers_and_dates_are_described_between_constants() -> None:
    numbers: list[FactValue] = [0, 50, 100, 550, 1000, 1500.5, 2001]  # for 0, 100, 1000
    consts: list[FactValue] = [0, 100, 1000]
    describe = _lint.describe_range
    assert describe("x", numbers, consts, frozenset({1, 2})) == "x ∈ (0, 100]"
    assert describe("x", numbers, consts, frozenset({2, 3})) == "x ∈ [100, 1000)"
    assert describe("x", numbers, consts, frozenset({2})) == "x = 100"
    assert describe("x", numbers, consts, frozenset({5, 6})) == "x > 1000"
    assert describe("x", numbers, consts, frozenset({0, 4, 5, 6})) == "x: ≤ 0 或 or ≥ 1000"
    day = dt.date(2020, 1, 1)
    days: list[FactValue] = [day - dt.timedelta(days=1), day, day + dt.timedelta(days=1)]
    assert describe("d", days, [day], frozenset({0, 1})) == "d ≤ 2020-01-01"
    assert describe("d", days, [day], frozenset({2})) == "d > 2020-01-01"


MULTIPLE = """
rules:
  - id: two_areas
    kind: situation
    label: 试点且放管服
    when:
      all:
        - {fact: work_area, contains: reform_pilot}
        - {fact: work_area, contains: administrative_service}
    cite: {doc: doc, clause: 第一条, text: 原文}
  - id: service
    kind: situation
    label: 放管服
    when: {fact: work_area, contains: administrative_service}
    cite: {doc: doc, clause: 第二条, text: 原文}
"""


def test_a_multiple_fact_is_a_set_and_is_shown_as_a_case_writes_it(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    write_ruleset("local", "1", HEAD + MULTIPLE)
    diags = lint(tmp_path)
    # both keys at once is a set work_area can hold: two_areas can hold (no RC502), inside service
    assert local(diags, "RC502") == []
    (subsumed,) = local(diags, "RC501")
    assert subsumed.message_en.startswith("situation two_areas is subsumed by service:")
    gaps = local(diags, "RC504")
    assert gaps and all("frozenset" not in d.message_en + d.hint for d in gaps)
    assert "when work_area 不含 contains none of administrative_service, " in gaps[0].message_en
    # the example is a case file's facts: work_area a YAML list, never an empty one (RC212)
    assert "facts: {work_area: [reform_pilot], " in gaps[0].hint
    assert not any("work_area: []" in d.hint for d in gaps)


def test_a_fact_read_only_by_a_presumption_is_read(
    tmp_path: Path, write_ruleset: WriteRuleset
) -> None:
    # emergency is presumed from unused: unused decides cases through it (as national's
    # work_area does through in_reform_or_pilot, emergency and legacy_problem)
    old = "  - {id: emergency, type: bool, label: 紧急}\n"
    new = (
        "  - {id: emergency, type: bool, label: 紧急,\n"
        "     presume: [{when: {fact: unused, eq: true}, value: true, reason: 按紧急认定}]}\n"
    )
    assert STANDALONE.count(old) == 1
    write_ruleset("local", "1", STANDALONE.replace(old, new))
    assert local(lint(tmp_path), "RC505") == []
    national = [d.message_en for d in rongcuo.Engine(backend="reference").lint("national")]
    assert "fact work_area is declared but no rule reads it" not in national
