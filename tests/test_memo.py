"""Memos: every bundled template, every format, for an example of every outcome; deadlines on the
official calendar; located template errors; atomic, byte-identical output."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.cli import main
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.render import BUNDLED

from .conftest import EXAMPLES, ROOT, expected_outcome, ruleset_of
from .pdf_support import PDF_MARKS, PDF_MISSING, PDF_REQUIRED, needs_pdf

TITLES = {
    "tolerate": "容错免责认定意见（建议）",
    "mitigate": "从轻减轻问责意见（建议）",
    "not_tolerate": "不予容错告知",
    "insufficient_facts": "补充调查通知",
    "refer": "提请集体研究",
}
LOOKS = ["看动机态度", "看客观条件", "看程序方法", "看性质程度", "看后果影响", "看挽回损失"]
# The first example of each outcome from each local ruleset (wz- first).
SAMPLES = {
    outcome: [
        next(p for p in EXAMPLES if p.name.startswith(prefix) and expected_outcome(p) == outcome)
        for prefix in ("wz-", "my-")
    ]
    for outcome in TITLES
}
AS_OF = dt.date(2025, 9, 26)  # a Friday before National Day 2025, with make-up workdays around it


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return re.sub(r"\s+", "", text)


def text_of(memo: rongcuo.Memo) -> str:
    if memo.format == "docx":
        return docx_text(memo.data)
    if memo.format == "pdf":
        return pdf_text(memo.data)
    if memo.format == "html":
        return html.unescape(memo.data.decode())
    return memo.data.decode()


def assert_memo_content(memo: rongcuo.Memo, squeeze: bool = False) -> None:
    """What every memo must say, whatever its format: title, outcome, six looks, clauses, footer."""
    d = memo.decision
    text = text_of(memo)

    def has(s: str) -> bool:
        return (re.sub(r"\s+", "", s) if squeeze else s) in text

    assert has(TITLES[d.outcome]), d.outcome
    assert has(memo.context.outcome_label) or d.outcome == "insufficient_facts"
    for look in LOOKS:
        assert has(look), look
    for s in d.situations_matched():
        assert has(s.label)
        assert s.citation is not None and has(s.citation.text), s.id
    for e in d.exclusions_hit():
        assert e.citation is not None and has(e.citation.text), e.id
    for m in d.missing_facts:
        assert has(m.label), m.id
    assert has(d.ruleset.content_hash)
    assert has(d.case.content_hash)
    assert has(memo.template.sha256[:16])
    assert "{{" not in text and "{%" not in text


@pytest.mark.parametrize("outcome", list(TITLES))
@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
def test_every_bundled_memo_renders_with_its_findings(
    engine: rongcuo.Engine, outcome: str, fmt: rongcuo.Format
) -> None:
    for path in SAMPLES[outcome]:
        memo = engine.memo(path, ruleset=ruleset_of(path), as_of=AS_OF, format=fmt)
        assert memo.decision.outcome == outcome
        assert memo.template.name == f"rongcuo/{outcome}.{'docx' if fmt == 'docx' else 'j2'}"
        assert_memo_content(memo)


@needs_pdf
@pytest.mark.parametrize("outcome", list(TITLES))
def test_every_bundled_memo_prints_to_pdf_with_cjk_fonts(
    engine: rongcuo.Engine, outcome: str
) -> None:
    path = SAMPLES[outcome][0]
    memo = engine.memo(path, ruleset=ruleset_of(path), as_of=AS_OF, format="pdf")
    assert memo.data.startswith(b"%PDF-")
    assert_memo_content(memo, squeeze=True)
    from pypdf import PdfReader

    pages: list[Any] = list(PdfReader(io.BytesIO(memo.data)).pages)
    fonts = {
        str(font["/BaseFont"]) for page in pages for font in page["/Resources"]["/Font"].values()
    }
    assert any("CJK" in f for f in fonts), f"no CJK font embedded: {fonts}"


def test_pdf_prerequisites_are_present_where_ci_requires_them() -> None:
    # Where RONGCUO_REQUIRE_PDF=1 (.ci/run), a missing Pango or CJK font fails here by name,
    # besides failing every PDF test, instead of skipping them.
    if not PDF_REQUIRED:
        pytest.skip("RONGCUO_REQUIRE_PDF is not set: PDF tests skip where PDF cannot be made")
    assert PDF_MISSING == ""


def test_each_look_paragraph_gives_finding_facts_and_clause(engine: rongcuo.Engine) -> None:
    path = SAMPLES["tolerate"][0]
    text = engine.memo(path, ruleset="wanzhou", as_of=AS_OF).data.decode()
    for look in engine.memo(path, ruleset="wanzhou", as_of=AS_OF).context.looks:
        line = next(x for x in text.splitlines() if f"）{look.label}：" in x)
        assert f"**{look.finding_label}**" in line
        if look.known:
            assert look.known in line
        for rule in look.rules:
            assert rule.source is not None
            assert f"规则 `{rule.id}`" in line and rule.source.cite in line


def test_not_tolerate_notice_names_the_exclusion(engine: rongcuo.Engine) -> None:
    path = next(p for p in SAMPLES["not_tolerate"] if "private-gain" in p.name)
    text = engine.memo(path, ruleset="wanzhou", as_of=AS_OF).data.decode()
    reasons = text.split("## 二、不予容错的理由")[1].split("## 三、")[0]
    assert "为本人或他人谋取私利、不正当利益" in reasons
    assert "规则 `private_gain`" in reasons


def test_insufficient_facts_notice_says_which_value_changes_the_outcome(
    engine: rongcuo.Engine,
) -> None:
    path = next(p for p in SAMPLES["insufficient_facts"] if "motive-unknown" in p.name)
    memo = engine.memo(path, ruleset="wanzhou", as_of=AS_OF)
    text = memo.data.decode()
    section = text.split("## 二、尚需查明的事实")[1].split("## 三、")[0]
    assert "### （一）动机（查明即可作出认定）" in section
    assert "需查明：当事人作为是出于公心，还是为本人或他人谋取利益？" in section
    assert "涉及六看：看动机态度。" in section
    assert "- 若为「谋取私利」→ 不予容错，依规依纪问责" in section
    assert "规则 `public_motive`" in section
    # only the investigation's deadline: the other steps wait for the facts
    assert [d.id for d in memo.context.deadlines] == ["investigate"]


def test_deadlines_count_working_days_across_national_day_with_make_up_days(
    engine: rongcuo.Engine,
) -> None:
    # 2025-09-26 (Fri) + 5 working days: 9/28 (Sun, 调休 workday), 9/29, 9/30, then the holiday
    # 10/1–10/8, then 10/9, 10/10. The notice, served on 10/10 at the latest, opens 15 working
    # days for an appeal: 10/11 (Sat, 调休 workday) … 10/30.
    memo = engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", as_of=AS_OF)
    by_id = {d.id: d for d in memo.context.deadlines}
    assert list(by_id) == ["decide", "notify", "file", "appeal", "appeal_review"]
    assert by_id["decide"].deadline == ""
    assert by_id["notify"].deadline == "2025年10月10日"
    assert by_id["notify"].start_note == "案件材料未载明，按本意见日期推算"
    assert by_id["file"].deadline == "2025年10月10日"  # filed with the notice
    assert by_id["appeal"].start_date == "2025年10月10日"
    assert by_id["appeal"].deadline == "2025年10月30日"
    # an appeal is the cadre's right: its review is not dated as if one had been made
    review = by_id["appeal_review"]
    assert (review.deadline, review.start_date) == ("", "")
    assert (review.limit, review.start_note) == ("15个工作日", "仅在提出申诉时适用")
    assert "截止日期为**2025年10月10日**" in memo.data.decode()


def test_recorded_procedure_dates_are_used_and_extension_is_shown(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    src = next(p for p in SAMPLES["insufficient_facts"] if p.name.startswith("my-"))
    case = tmp_path / src.name
    case.write_text(
        src.read_text(encoding="utf-8") + "procedure:\n  accepted: 2025-01-20\n", encoding="utf-8"
    )
    memo = engine.memo(case, ruleset="mianyang", as_of=dt.date(2025, 1, 22))
    (step,) = memo.context.deadlines
    # Spring Festival 2025: 1/28–2/4 off, 1/26 (Sun) and 2/8 (Sat) make-up workdays. From 1/20:
    # 1/21–1/24 (4), 1/26 (5), 1/27 (6), 2/5–2/8 (10), 2/10–2/14 (15). Extended by 15 more
    # working days: 2/17–2/21, 2/24–2/28, 3/3–3/7.
    assert (step.start_date, step.start_note) == ("2025年1月20日", "")
    assert step.deadline == "2025年2月14日"
    assert step.extended_deadline == "2025年3月7日"


def test_calendar_counts_make_up_workdays_and_refuses_years_it_does_not_cover() -> None:
    cal = OfficialCalendar()
    assert cal.is_working_day(dt.date(2025, 9, 28))  # a Sunday made a workday
    assert not cal.is_working_day(dt.date(2025, 10, 6))
    assert cal.add_working_days(dt.date(2025, 9, 26), 0) == dt.date(2025, 9, 26)
    last = dt.date(cal.last_year, 12, 31)
    with pytest.raises(rongcuo.CalendarError) as err:
        cal.add_working_days(last - dt.timedelta(days=3), 10)
    (d,) = err.value.diagnostics
    assert d.code == "RC406"
    assert f"只覆盖 {cal.first_year}–{cal.last_year} 年" in d.message_zh
    assert f"needs the {cal.last_year + 1} holiday schedule" in d.message_en


def test_a_memo_past_the_calendar_fails_clearly(engine: rongcuo.Engine) -> None:
    late = dt.date(OfficialCalendar().last_year, 12, 28)
    with pytest.raises(rongcuo.CalendarError) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", as_of=late)
    assert err.value.diagnostics[0].location.file.endswith(SAMPLES["tolerate"][0].name)


def test_corrections_from_the_case_or_blanks_to_fill(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    src = SAMPLES["tolerate"][0]
    blank = engine.memo(src, ruleset="wanzhou", as_of=AS_OF).data.decode()
    assert "案件材料未载明纠错措施" in blank
    assert "| 1 | ＿＿＿＿＿＿ | ＿＿＿＿＿＿ | ＿＿＿＿年＿＿月＿＿日 |" in blank
    case = tmp_path / src.name
    case.write_text(
        src.read_text(encoding="utf-8")
        + "corrections:\n  - {what: 修订积分兑换规则, who: 街道办事处, due: 2025-10-31}\n"
        + "  - {what: 开展回访}\n",
        encoding="utf-8",
    )
    text = engine.memo(case, ruleset="wanzhou", as_of=AS_OF).data.decode()
    assert "| 1 | 修订积分兑换规则 | 街道办事处 | 2025年10月31日 |" in text
    assert "| 2 | 开展回访 | ＿＿＿＿＿＿ | ＿＿＿＿年＿＿月＿＿日 |" in text
    assert "案件材料未载明纠错措施" not in text


def test_effects_after_tolerance_include_the_local_term(engine: rongcuo.Engine) -> None:
    memo = engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", as_of=AS_OF)
    assert [e.id for e in memo.context.effects] == [
        "equal_treatment",
        "correction_still_required",
        "unit_target_assessment_unaffected",
    ]
    mianyang = next(p for p in SAMPLES["tolerate"] if p.name.startswith("my-"))
    ids = [e.id for e in engine.memo(mianyang, ruleset="mianyang", as_of=AS_OF).context.effects]
    assert "unit_target_assessment_unaffected" not in ids


def test_slots_and_provenance(engine: rongcuo.Engine) -> None:
    refer = next(p for p in SAMPLES["refer"] if p.name.startswith("wz-"))
    memo = engine.memo(
        refer,
        ruleset="wanzhou",
        as_of=AS_OF,
        doc_number="万组容〔2025〕7号",
        issuer="中共重庆市万州区委组织部",
    )
    text = memo.data.decode()
    assert "**万组容〔2025〕7号**" in text
    assert "中共重庆市万州区委组织部（盖章）  \n2025年9月26日" in text
    footer = text.split("生成信息：")[1]
    for part in (
        "规则集 wanzhou",
        "版本 2018",
        memo.decision.ruleset.content_hash,
        "认定日期 2025-09-26",
        "模板 rongcuo/refer.j2 版本 2026.4",
        "chinese-calendar",
    ):
        assert part in footer, part


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_same_inputs_give_the_same_bytes(fmt: rongcuo.Format) -> None:
    path = SAMPLES["mitigate"][0]
    outputs = set()
    for _ in range(2):
        with rongcuo.Engine(backend="reference") as e:
            outputs.add(e.memo(path, ruleset=ruleset_of(path), as_of=AS_OF, format=fmt).data)
    assert len(outputs) == 1


def test_html_escapes_case_text(engine: rongcuo.Engine, tmp_path: Path) -> None:
    case = tmp_path / "x.yaml"
    case.write_text(
        SAMPLES["tolerate"][0]
        .read_text(encoding="utf-8")
        .replace("narrative: ", "narrative: <script>alert(1)</script>", 1),
        encoding="utf-8",
    )
    html = engine.memo(case, ruleset="wanzhou", as_of=AS_OF, format="html").data.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# --- templates of one's own --------------------------------------------------------------


def test_a_copied_template_overrides_the_bundled_one(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    result = CliRunner().invoke(main, ["templates", "--copy", str(tmp_path / "mine")])
    assert result.exit_code == 0, result.output
    mine = tmp_path / "mine" / "tolerate.j2"
    mine.write_text(
        mine.read_text(encoding="utf-8")
        .replace("version: 2026.4", "version: wz-3")
        .replace("六、认定建议", "六、本部门意见"),
        encoding="utf-8",
    )
    memo = engine.memo(
        SAMPLES["tolerate"][0], ruleset="wanzhou", as_of=AS_OF, template_dirs=[tmp_path / "mine"]
    )
    text = memo.data.decode()
    assert "## 六、本部门意见" in text and "六、认定建议" not in text
    assert "模板 tolerate.j2 版本 wz-3" in text
    # the other outcomes still find their templates (in the copy, or bundled)
    refer = next(p for p in SAMPLES["refer"] if p.name.startswith("wz-"))
    other = engine.memo(refer, ruleset="wanzhou", as_of=AS_OF, template_dirs=[tmp_path / "mine"])
    assert other.template.name == "refer.j2"


def write_template(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mine.j2"
    path.write_text(body, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("body", "code", "line", "words"),
    [
        ("标题\n{{ memo.case.title }}\n{{ memo.case.nickname }}\n", "RC402", 3, "nickname"),
        ("标题\n{% for x in memo.looks %}\n{{ x.label }}\n", "RC401", 3, "endfor"),
        ("{{ memo.kind }}\n\n{{ memo.__class__.__mro__ }}\n", "RC403", 3, "__class__"),
        ("{% include '_nothing.j2' %}\n", "RC404", 1, "_nothing.j2"),
    ],
    ids=["undefined", "syntax", "sandbox", "missing-include"],
)
def test_template_errors_are_located(
    engine: rongcuo.Engine, tmp_path: Path, body: str, code: str, line: int, words: str
) -> None:
    template = write_template(tmp_path, body)
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", template=template)
    (d,) = err.value.diagnostics
    assert (d.code, d.location.file, d.location.line) == (code, str(template), line)
    assert words in d.message_zh + d.message_en + d.hint


def test_an_error_in_an_imported_part_points_into_the_part(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    shutil.copy(BUNDLED / "_sections.j2", folder / "_sections.j2")
    part = folder / "_sections.j2"
    lines = part.read_text(encoding="utf-8").splitlines()
    at = next(i for i, x in enumerate(lines) if "案件编号：{{ memo.case.id }}" in x)
    lines[at] = lines[at].replace("memo.case.id", "memo.case.number")
    part.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", template_dirs=[folder])
    (d,) = err.value.diagnostics
    assert (d.code, d.location.file, d.location.line) == ("RC402", str(part), at + 1)


def test_a_failed_render_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    out = tmp_path / "memo.md"
    out.write_text("previous memo\n", encoding="utf-8")
    bad = write_template(tmp_path, "{{ memo.nope }}\n")
    result = CliRunner().invoke(
        main,
        [
            *("memo", str(SAMPLES["tolerate"][0]), "--ruleset", "wanzhou", "--as-of", "2025-09-26"),
            *("--template", str(bad), "-o", str(out), "--backend", "reference"),
        ],
    )
    assert result.exit_code == 1
    assert f"{bad}:1:0: error RC402" in result.output
    assert out.read_text(encoding="utf-8") == "previous memo\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.md", "mine.j2"]


def test_wrong_template_kind_and_missing_folder(engine: rongcuo.Engine, tmp_path: Path) -> None:
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(
            SAMPLES["tolerate"][0], ruleset="wanzhou", format="docx", template=BUNDLED / "refer.j2"
        )
    assert "format docx needs a *.docx template" in err.value.diagnostics[0].message_en
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", template_dirs=[tmp_path / "no"])
    assert err.value.diagnostics[0].code == "RC404"


def test_docx_template_errors_name_the_template_and_the_text_near(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_paragraph("当事人：{{ memo.case.nickname }}")
    path = tmp_path / "mine.docx"
    doc.save(str(path))
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", format="docx", template=path)
    (d,) = err.value.diagnostics
    assert (d.code, d.location.file) == ("RC402", str(path))
    assert "当事人：{{ memo.case.nickname }}" in d.hint


def test_missing_pdf_engine_is_a_clear_error(
    engine: rongcuo.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "weasyprint", None)  # import now raises ImportError
    with pytest.raises(rongcuo.PdfUnavailable) as err:
        engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", format="pdf")
    (d,) = err.value.diagnostics
    assert d.code == "RC405"
    assert "pip install 'rongcuo[pdf]'" in d.hint and "fonts-noto-cjk" in d.hint


# --- the command line --------------------------------------------------------------------


def test_cli_memo_prints_markdown_and_writes_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # without --as-of the memo is dated today, read once by the CLI: fixed here, so that the
    # test does not depend on the day it runs
    monkeypatch.setattr("rongcuo.cli.shared.today", lambda: dt.date(2025, 9, 26))
    case = str(SAMPLES["tolerate"][0])
    runner = CliRunner()
    shown = runner.invoke(
        main,
        ["memo", case, "--ruleset", "wanzhou", "--as-of", "2025-09-26", "--backend", "reference"],
    )
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("# 容错免责认定意见（建议）\n")
    out = tmp_path / "认定意见书.docx"
    written = runner.invoke(main, ["memo", case, "--ruleset", "wanzhou", "-o", str(out)])
    assert written.exit_code == 0, written.output
    assert out.read_bytes().startswith(b"PK")
    assert "未指定 --as-of，以今天（2025-09-26）为认定日期" in written.stderr
    binary = runner.invoke(main, ["memo", case, "--ruleset", "wanzhou", "--format", "docx"])
    assert binary.exit_code == 2
    assert "docx is not printed to the terminal" in binary.output


def test_cli_memo_renders_a_folder_and_reports_failures_without_stopping(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    for p in EXAMPLES:
        if p.name.startswith("wz-"):
            shutil.copy(p, cases / p.name)
    (cases / "zz-broken.yaml").write_text("id: X\ntitle: t\n", encoding="utf-8")
    out = tmp_path / "memos"
    result = CliRunner().invoke(
        main,
        [
            *("memo", str(cases), "--ruleset", "wanzhou", "-o", str(out), "--format", "html"),
            *("--backend", "reference", "--as-of", "2025-09-26"),
        ],
    )
    assert result.exit_code == 1
    assert "zz-broken.yaml" in result.stderr and "RC004" in result.stderr
    wz = [p for p in EXAMPLES if p.name.startswith("wz-")]
    assert len(list(out.glob("*.html"))) == len(wz)
    assert f"已生成 {len(wz)} 份" in result.stderr and "失败 1 份" in result.stderr
    assert "认定意见书 memos" in result.stderr  # the progress bar


def test_cli_lists_templates_and_prints_the_memo_schema() -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["templates"]).output.split()
    assert {f"{o}.j2" for o in TITLES} <= set(listed)
    assert {f"{o}.docx" for o in TITLES} <= set(listed)
    schema = runner.invoke(main, ["schema", "memo"])
    assert schema.exit_code == 0 and '"deadlines"' in schema.output


def test_bundled_word_templates_are_what_the_generator_writes(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    subprocess.run(
        [sys.executable, str(root / "tools" / "make_docx_templates.py"), str(tmp_path)], check=True
    )
    for outcome in TITLES:
        made = (tmp_path / f"{outcome}.docx").read_bytes()
        assert made == (BUNDLED / f"{outcome}.docx").read_bytes(), (
            f"{outcome}.docx differs from tools/make_docx_templates.py's output: run the script"
        )


def test_an_edited_template_is_used_by_the_same_engine(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    template = write_template(tmp_path, "第一稿 {{ memo.case.id }}\n")
    first = engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", template=template)
    template.write_text("第二稿 {{ memo.case.id }}\n", encoding="utf-8")
    second = engine.memo(SAMPLES["tolerate"][0], ruleset="wanzhou", template=template)
    assert first.data.decode().startswith("第一稿") and second.data.decode().startswith("第二稿")


# --- presumptions (catalogue §6) and missing facts in asking order --------------------------

INVESTIGATOR = ROOT / "examples" / "investigator"
#: a tolerate decision resting on presumptions, some of which would change it
PILOT = INVESTIGATOR / "wz-i01-business-startup-commitment-pilot-tolerate.yaml"
#: deception claimed but unstated (settles the case alone) in a case with more presumptions
CLAIMED = (
    INVESTIGATOR / "my-i08-grain-subsidy-false-acreage-deception-claim-unstated-insufficient.yaml"
)


def facts_section(memo: rongcuo.Memo) -> str:
    text = text_of(memo)
    if memo.format == "pdf":  # a page may break inside the paragraph: drop its number
        text = re.sub(r"—\d+—", "", text)
    start = text.index("一、基本情况")
    return text[start : text.index("二、", start)]


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_the_facts_section_says_in_one_paragraph_what_was_presumed(
    engine: rongcuo.Engine, fmt: rongcuo.Format
) -> None:
    memo = engine.memo(PILOT, ruleset="wanzhou", as_of=AS_OF, format=fmt)
    d = memo.decision
    assert d.outcome == "tolerate" and len(d.presumed) == 30
    paragraph = memo.context.presumed_paragraph
    squeeze = (lambda s: re.sub(r"\s+", "", s)) if fmt == "pdf" else (lambda s: s)
    section = facts_section(memo)
    assert squeeze("推定的事实：" + paragraph) in section
    assert paragraph.startswith("认定所依据的事实中，有三十项案件材料未载明，按规则集的推定认定。")
    # first the presumptions that would change the outcome, by the outcome they lead to, in the
    # ruleset's words; values named for a fact that is not yes/no
    not_tolerate = paragraph.split(
        "下列十五项推定如与实际情况不符，结论将为“不予容错，依规依纪问责”："
    )
    assert len(not_tolerate) == 2
    assert "案件材料未载明当事人系故意，按过失认定（如为「故意」）；" in not_tolerate[1]
    assert "事项所属领域为改革试点，按属改革、先行先试事项认定；" in not_tolerate[1]
    assert "案件材料未载明造成社会影响，按无社会影响认定（如为「恶劣」）" in not_tolerate[1]
    assert (
        "下列一项推定如与实际情况不符，结论将为“事实不清，需补充调查”："
        "案件材料未载明造成社会影响，按无社会影响认定（如为「较小」或「较大」）。" in paragraph
    )
    # then the rest by name and value only
    assert paragraph.endswith(
        "；事前已有风险提示或反对意见而未采纳：否；因坚持原则推进改革触及利益，引发投诉、"
        "测评偏低等：否。"
    )
    assert (
        "其余十五项推定即使与实际情况不符，认定结论也不改变：为推动发展、干事创业而作为：否；"
        in (paragraph)
    )
    # no rule or fact ids in the body text: they belong to the footer and the trace
    for p in d.presumed:
        assert p.id not in paragraph, p.id
    assert "规则" not in paragraph.replace("规则集", "")


def test_a_presumed_value_is_marked_wherever_a_memo_prints_it(engine: rongcuo.Engine) -> None:
    memo = engine.memo(PILOT, ruleset="wanzhou", as_of=AS_OF)
    text = memo.data.decode()
    assert (
        "相关事实：属改革、先行先试事项：是（推定）；事项所属领域：改革试点、放管服与营商环境。"
        in text
    )
    look = next(x for x in memo.context.looks if x.id == "motive_attitude")
    assert look.known.startswith("动机：出于公心；主观过错形态：过失（推定）；")
    # a stated value is never marked
    assert "出于公心（推定）" not in text and "经集体研究决策：是（推定）" not in text
    assert [x.id for x in memo.context.presumed] == [p.id for p in memo.decision.presumed]
    intent = next(x for x in memo.context.presumed if x.id == "intent")
    assert intent.effects == ["如为「故意」，结论将为“不予容错，依规依纪问责”"]
    dissent = next(x for x in memo.context.presumed if x.id == "dissent_recorded")
    assert (dissent.changes_outcome, dissent.effects) == (False, [])


def test_a_memo_with_nothing_presumed_has_no_such_paragraph(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    path = EXAMPLES[0].parent / "wz-18-resettlement-objection-overruled-tolerate.yaml"
    memo = engine.memo(path, ruleset="wanzhou", as_of=AS_OF)
    [presumed] = memo.decision.presumed
    assert not presumed.changes_outcome
    assert memo.context.presumed_paragraph == (
        "认定所依据的事实中，有一项案件材料未载明，按规则集的推定认定。这些推定即使与实际情况不符，"
        f"认定结论也不改变：{presumed.label}：{presumed.display}。"
    )
    # the same case with that fact stated: nothing is presumed, and the memo says nothing of it
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["facts"][presumed.id] = presumed.value
    stated = tmp_path / "stated.yaml"
    stated.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    memo = engine.memo(stated, ruleset="wanzhou", as_of=AS_OF)
    assert memo.decision.presumed == [] and memo.context.presumed_paragraph == ""
    assert "推定的事实：" not in memo.data.decode()


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_missing_facts_come_in_asking_order_with_how_much_each_matters(
    engine: rongcuo.Engine, fmt: rongcuo.Format
) -> None:
    path = EXAMPLES[0].parent / "my-05-forged-subsidy-claims-insufficient.yaml"
    memo = engine.memo(path, ruleset="mianyang", as_of=AS_OF, format=fmt)
    d = memo.decision
    assert [(m.id, m.changes_outcome, m.jointly, m.stated_unknown) for m in d.missing_facts] == [
        ("deceived_by_third_party", True, None, True),
        ("loss_recovered_ratio", False, True, True),
        ("loss_cause", False, True, False),
    ]
    assert [m.weight for m in memo.context.missing] == [
        "影响认定结论",
        "需与其他事实一并查明",
        "需与其他事实一并查明",
    ]
    squeeze = (lambda s: re.sub(r"\s+", "", s)) if fmt == "pdf" else (lambda s: s)
    text = text_of(memo)
    section = text[text.index(squeeze("二、尚需查明的事实")) : text.index(squeeze("三、目前可能"))]
    at = [
        section.index(squeeze(f"（{cn}）{m.label}（{m.weight}）"))
        for cn, m in zip("一二三", memo.context.missing, strict=True)
    ]
    assert at == sorted(at)
    stated = squeeze("案件材料载明此项尚未查明，不按推定认定。")
    assert section.count(stated) == 2
    # the stated-unknown note belongs to the first two facts, not to the third
    assert section.rindex(stated) < at[2]
    for m in d.missing_facts:
        assert squeeze(f"需查明：{m.question}") in section


def test_a_fact_that_settles_the_case_alone_is_asked_first(engine: rongcuo.Engine) -> None:
    memo = engine.memo(CLAIMED, ruleset="mianyang", as_of=AS_OF)
    [first] = memo.context.missing
    assert (first.id, first.settles, first.weight) == (
        "deceived_by_third_party",
        True,
        "查明即可作出认定",
    )
    text = memo.data.decode()
    assert f"### （一）{first.label}（查明即可作出认定）" in text
    assert "请调查组按本通知所列顺序补充查明以下事实后重新提交。" in text
