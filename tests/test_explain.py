"""The text views (``rongcuo evaluate``'s summary and ``rongcuo explain``) say what the decision
presumed and which presumptions would change it, and list missing facts in the order to ask
them, each with how much it matters, whether the file states it unknown, and its question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.cli import main
from rongcuo.decision.explain import render_explain, render_summary

from .conftest import ROOT

EXAMPLES = ROOT / "examples"
PILOT = EXAMPLES / "investigator" / "wz-i01-business-startup-commitment-pilot-tolerate.yaml"
CONCEALMENT = (
    EXAMPLES
    / "investigator"
    / "wz-i16-hospital-road-fast-track-concealment-unknown-insufficient.yaml"
)
FORGED = EXAMPLES / "my-05-forged-subsidy-claims-insufficient.yaml"
AS_OF = dt.date(2026, 9, 1)


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


def section(text: str, title: str) -> list[str]:
    """The lines of one section of the summary: from its title to the next blank line."""
    lines = text.splitlines()
    start = lines.index(title)
    end = lines.index("", start)
    return lines[start + 1 : end]


def test_the_summary_gives_the_presumptions_and_what_each_would_change(
    engine: rongcuo.Engine,
) -> None:
    d = engine.evaluate(PILOT, ruleset="wanzhou", as_of=AS_OF)
    assert d.outcome == "tolerate"
    lines = section(render_summary(d), "推定（案件材料未载明，按规则集的推定认定）：")
    assert lines[0] == "  " + d.presumed_summary_zh
    changers = [p for p in d.presumed if p.changes_outcome]
    assert len(changers) == 15
    assert lines[1] == "  推定如不成立将改变结论的事实 15 项："
    at = lines.index("    主观过错形态（intent）：过失（推定）")
    assert lines[at + 1 : at + 3] == [
        "      理由：案件材料未载明当事人系故意，按过失认定",
        "      若为 故意 → 不予容错，依规依纪问责",
    ]
    # each other value that changes the outcome, and only those
    at = lines.index("    安全或生态后果（safety_or_eco_incident）：无（推定）")
    assert lines[at + 2 : at + 3] == ["      若为 重大 → 不予容错，依规依纪问责"]
    assert "      若为 一般 → 予以容错免责（不予或免予问责）" not in lines
    # a presumption that changes nothing is in the paragraph, not among those listed
    listed = [line for line in lines if line.startswith("    ") and not line.startswith("      ")]
    assert [line.split("（")[1].split("）")[0] for line in listed] == [p.id for p in changers]
    assert not any("dissent_recorded" in line for line in lines)


def test_a_presumed_value_is_marked_in_the_facts_a_rule_read(engine: rongcuo.Engine) -> None:
    d = engine.evaluate(PILOT, ruleset="wanzhou", as_of=AS_OF)
    text = render_summary(d)
    assert (
        "      事实：属改革、先行先试事项：是（推定）；事项所属领域：改革试点、放管服与营商环境"
        in text
    )
    assert "动机：出于公心（推定）" not in render_explain(d)
    assert "动机：出于公心；主观过错形态：过失（推定）；" in render_explain(d)


def test_missing_facts_in_asking_order_with_their_marks_and_questions(
    engine: rongcuo.Engine,
) -> None:
    d = engine.evaluate(FORGED, ruleset="mianyang", as_of=AS_OF)
    lines = section(render_summary(d), "缺失的事实（按应查明的顺序）：")
    q = {m.id: m.question for m in d.missing_facts}
    assert lines == [
        "  1. 相对人或第三方隐瞒、提供虚假材料，本人已尽审核义务（deceived_by_third_party）"
        "— 影响认定结论；案件材料载明尚未查明",
        f"     问：{q['deceived_by_third_party']}",
        "     若为 是 → 事实不清，需补充调查",
        "     若为 否 → 从轻、减轻问责",
        "  2. 已挽回损失的比例（loss_recovered_ratio）— 需与其他事实一并查明；案件材料载明尚未查明",
        f"     问：{q['loss_recovered_ratio']}",
        "  3. 损失成因（loss_cause）— 需与其他事实一并查明",
        f"     问：{q['loss_cause']}",
    ]


def test_explain_shows_the_presumptions_and_the_facts_to_ask_first(
    engine: rongcuo.Engine,
) -> None:
    d = engine.evaluate(CONCEALMENT, ruleset="wanzhou", as_of=AS_OF)
    lines = render_explain(d).splitlines()
    presumed = lines.index("【推定】")
    assert lines[presumed + 1] == "  " + d.presumed_summary_zh
    assert "    执行了明显违法违规的上级决定（executed_illegal_order）：否（推定）" in lines
    missing = lines.index("【尚需查明的事实】（按应查明的顺序）")
    assert missing > presumed and lines.index("【认定顺序】") > missing
    assert lines[missing + 1 : missing + 5] == [
        "  1. 弄虚作假、隐瞒（concealment）— 查明即可作出认定；案件材料载明尚未查明",
        "     问：当事人是否有弄虚作假或隐瞒情况的行为？",
        "     若为 是 → 不予容错，依规依纪问责",
        "     若为 否 → 予以容错免责（不予或免予问责）",
    ]


def test_nothing_presumed_means_no_presumption_section(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    path = EXAMPLES / "wz-18-resettlement-objection-overruled-tolerate.yaml"
    [presumed] = engine.evaluate(path, ruleset="wanzhou", as_of=AS_OF).presumed
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["facts"][presumed.id] = presumed.value
    stated = tmp_path / "stated.yaml"
    stated.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    d = engine.evaluate(stated, ruleset="wanzhou", as_of=AS_OF)
    assert d.presumed == [] and d.missing_facts == []
    assert "推定" not in render_summary(d)
    assert "【推定】" not in render_explain(d) and "【尚需查明的事实】" not in render_explain(d)


@pytest.mark.parametrize("command", ["evaluate", "explain"])
def test_the_commands_print_these_views(command: str) -> None:
    args = [command, str(CONCEALMENT), "--ruleset", "wanzhou", "--as-of", AS_OF.isoformat()]
    result = CliRunner().invoke(main, [*args, "--backend", "reference"])
    assert result.exit_code == 0, result.output
    assert (
        "1. 弄虚作假、隐瞒（concealment）— 查明即可作出认定；案件材料载明尚未查明" in result.stdout
    )
    assert "推定如不成立将改变结论的事实 13 项：" in result.stdout
