"""The memo's impact period (catalogue §12) and who decides (§13): each sanction's end at month
ends and leap days, the latest governing, in Markdown, HTML, DOCX and PDF; nothing of it
without a sanction (or without a body); a period the ruleset cannot give printed with its
diagnostic, never raised."""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

import rongcuo
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.context import build_context
from rongcuo.memo.render import Renderer

from .conftest import EXAMPLES, ROOT, ruleset_of
from .pdf_support import needs_pdf

AS_OF = dt.date(2025, 9, 26)
BASE = ROOT / "examples" / "wz-03-legacy-partial-mitigate.yaml"
BODY = {"kind": "discipline_commission", "name": "中共万州区纪委监委"}
DEPT = "中共万州区委组织部"
#: Sanctions at month ends and leap days, with the ends counted by hand (national's months).
SANCTIONS: list[dict[str, Any]] = [
    # 12 months from a leap day: no 29 February 2025, so its last day
    {"kind": "party_warning", "decided_on": "2024-02-29"},
    # 6 months from 31 August: no 31 February, so 28 February
    {"kind": "gov_warning", "decided_on": "2024-08-31"},
    # probation 12 months from 31 January 2023 → 2024-01-30; restored 2024-01-31, +24 → 2026-01-30
    {"kind": "party_probation", "decided_on": "2023-01-31", "months": 12},
    # 12 months without a post → 2025-03-31; 24 without a higher one → 2026-03-31
    {"kind": "resign_ordered", "decided_on": "2024-04-01"},
]
ENDS = ["2025年2月28日", "2025年2月28日", "2026年1月30日", "2026年3月31日"]


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


def case(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(BASE.read_text(encoding="utf-8"))
    data.update(extra)
    return data


def text(memo: rongcuo.Memo) -> str:
    if memo.format == "docx":
        from docx import Document

        return "\n".join(p.text for p in Document(io.BytesIO(memo.data)).paragraphs)
    if memo.format == "pdf":
        from pypdf import PdfReader

        pages = PdfReader(io.BytesIO(memo.data)).pages
        return "".join("".join(p.extract_text().split()) for p in pages)
    return html.unescape(memo.data.decode())


def test_each_end_and_the_governing_one(engine: rongcuo.Engine) -> None:
    memo = engine.memo(case(sanction=SANCTIONS), ruleset="wanzhou", as_of=AS_OF)
    impact = memo.context.impact_period
    assert impact is not None and impact.error == ""
    assert [s.end for s in impact.sanctions] == ENDS
    assert [s.governing for s in impact.sanctions] == [False, False, False, True]
    assert (impact.end, impact.end_iso) == ("2026年3月31日", "2026-03-31")
    assert impact.governing == "责令辞职、引咎辞职（2024年4月1日作出）"
    probation = impact.sanctions[2]
    assert probation.start == "2024年1月31日"
    assert probation.probation == "留党察看期12个月（2023年1月31日至2024年1月30日）"
    resign = impact.sanctions[3]
    assert (resign.no_post_end_iso, resign.end_iso) == ("2025-03-31", "2026-03-31")
    assert resign.source is not None and resign.source.rule == "impact_resign_no_higher"
    assert resign.no_post_source is not None
    assert resign.no_post_source.rule == "impact_resign_no_post"
    md = text(memo)
    section = md[md.index("### 处分影响期") :]
    for line, end in zip(impact.sanctions, ENDS, strict=True):
        assert line.text in section and end in line.text
        assert line.source is not None and f"规则 `{line.source.rule}`" in section
    assert "2024年2月29日作出" in section
    assert "至2026年3月31日届满" in section


def test_one_sanction_says_just_its_end(engine: rongcuo.Engine) -> None:
    one = [{"kind": "gov_demerit", "decided_on": "2024-01-31"}]
    memo = engine.memo(case(sanction=one), ruleset="wanzhou", as_of=AS_OF)
    assert memo.context.impact_period is not None
    assert memo.context.impact_period.text == "影响期至2025年1月30日届满。"
    assert "记过，2024年1月31日作出：记过的影响期12个月，自2024年1月31日至2025年1月30日。" in (
        text(memo)
    )


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_every_format_prints_the_ends_and_who_decides(
    engine: rongcuo.Engine, fmt: rongcuo.Format
) -> None:
    data = case(sanction=SANCTIONS, accountability_body=BODY, managing_department=DEPT)
    memo = engine.memo(data, ruleset="wanzhou", as_of=AS_OF, format=fmt)
    got = text(memo)
    assert "处分影响期" in got
    for end in ENDS:
        assert end in got
    assert "至2026年3月31日届满" in got
    assert "本案由问责机关中共万州区纪委监委作出认定" in got  # kind is in the name: not repeated
    assert f"认定结果报{DEPT}备案" in got
    assert "中共万州区纪委监委（盖章）" in got  # the body signs when no issuer is given
    assert "{{" not in got and "{%" not in got


@needs_pdf
def test_the_pdf_prints_them_too(engine: rongcuo.Engine) -> None:
    data = case(sanction=SANCTIONS, accountability_body=BODY, managing_department=DEPT)
    got = text(engine.memo(data, ruleset="wanzhou", as_of=AS_OF, format="pdf"))
    assert "处分影响期" in got and "至2026年3月31日届满" in got
    assert f"认定结果报{DEPT}备案" in got


def test_the_body_kind_is_named_when_the_name_does_not_say_it(engine: rongcuo.Engine) -> None:
    body = {"kind": "organisation_department", "name": "中共某县委"}
    memo = engine.memo(case(accountability_body=body), ruleset="wanzhou", as_of=AS_OF)
    got = text(memo)
    assert "本案由问责机关中共某县委（组织部门）作出认定。" in got
    assert "备案" not in got.split("本案由问责机关")[1].split("\n")[0]  # no department given
    assert memo.context.deciding_body is not None
    assert memo.context.deciding_body.kind_label == "组织部门"
    # an explicit issuer still signs
    signed = engine.memo(
        case(accountability_body=body), ruleset="wanzhou", as_of=AS_OF, issuer="某县委"
    )
    assert "某县委（盖章）" in text(signed) and "中共某县委（盖章）" not in text(signed)


def test_a_department_alone_is_filed_with(engine: rongcuo.Engine) -> None:
    memo = engine.memo(case(managing_department=DEPT), ruleset="wanzhou", as_of=AS_OF)
    got = text(memo)
    assert f"认定结果报{DEPT}备案。" in got
    assert "本案由问责机关" not in got
    assert memo.context.filed_with == DEPT and memo.context.deciding_body is None


@pytest.mark.parametrize("path", EXAMPLES[::4], ids=lambda p: p.stem)
def test_nothing_of_it_without_a_sanction_or_a_body(engine: rongcuo.Engine, path: Path) -> None:
    for fmt in ("md", "docx"):
        memo = engine.memo(path, ruleset=ruleset_of(path), as_of=AS_OF, format=fmt)
        assert memo.context.impact_period is None and memo.context.deciding_body is None
        assert memo.context.filed_with == ""
        got = text(memo)
        assert "影响期届满" not in got and "处分影响期" not in got
        assert "本案由问责机关" not in got and "＿＿＿＿＿＿（盖章）" in got


def test_a_period_the_ruleset_cannot_give_is_shown_not_raised(engine: rongcuo.Engine) -> None:
    data = case(sanction=SANCTIONS[:2])
    decision = engine.evaluate(data, ruleset="wanzhou", as_of=AS_OF)
    model, _ = engine.load_case(data)
    rs = engine.ruleset("wanzhou", AS_OF)
    params = {k: v for k, v in rs.parameters.items() if k != "impact_gov_warning"}
    broken = dataclasses.replace(rs, parameters=params)
    renderer = Renderer()
    info = renderer.find("mitigate", "md")
    context = build_context(
        decision, model, broken, calendar=OfficialCalendar(), template=info.footer()
    )
    impact = context.impact_period
    assert impact is not None
    assert impact.end == "" and "impact_gov_warning" in impact.error and "RC158" in impact.error
    first, second = impact.sanctions
    assert first.end == "2025年2月28日" and first.error == ""
    assert second.end == "" and "RC158" in second.error
    data_in = {
        "memo": context.model_dump(mode="json"),
        "decision": decision.model_dump(mode="json"),
        "case": model.model_dump(mode="json"),
    }
    md = renderer.render(info, "md", data_in, AS_OF).decode()
    assert "政务警告，2024年8月31日作出：影响期无法计算。" in md
    assert "影响期无法计算：规则集" in md and "impact_gov_warning" in md
    assert "2025年2月28日" in md  # the period that can be computed is still printed
    assert "届满。**" not in md  # no governing end is claimed
