"""The documents of clearing names (澄清正名, catalogue §10): the cleared memo, the clearing
notice, the referral letter and the reporter notices, in every format; the deadline on the
official calendar; the RC418 error for a document that does not apply; the clearing paragraph
of the other decision memos."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import rongcuo
from rongcuo.cli import main
from rongcuo.memo.calendar import OfficialCalendar
from rongcuo.memo.context import DocumentNotApplicable
from rongcuo.memo.render import BUNDLED

from .conftest import ROOT
from .pdf_support import PDF_MARKS

# /tmp/i14/c1.yaml: a fabricated, signed report spread online; the cadre consents.
FABRICATED = """\
id: WZ-2025-C01
title: 伪造转账截图举报村支书收受好处费
incident_date: 2025-03-10
cadre: {name: 张某, position: 村党支部书记, unit: 某镇某村}
narrative: 村民李某要求额外征地补偿未获支持后，网上发帖并提交转账截图举报张某收受好处费。经核查截图系伪造。
facts:
  cadre_consents_to_clearing: true
allegations:
  - id: A1
    summary: 收受征地补偿户好处费2万元
    finding: fabricated
    kind: fa_unmet_improper_demand
    reporter: {signed: true}
    spread: online
    concluded_on: 2025-05-20
"""
# Two signed reports found mistaken and untrue: each reporter is told the result.
MISTAKEN = """\
id: T-MIS-01
title: 误将正常发放的救灾物资认作私分举报
incident_date: 2025-07-01
cadre: {name: 王某, position: 社区党委书记, unit: 某街道某社区}
narrative: 居民看到社区向受灾户转运物资，误以为私分，实名举报。经核查物资按名册发放。
facts:
  cadre_consents_to_clearing: true
allegations:
  - id: B1
    summary: 私分救灾物资
    finding: mistaken
    reporter: {signed: true, informed: false}
    spread: unit
    concluded_on: 2025-09-26
  - id: B2
    summary: 虚报受灾户名单
    finding: untrue
    reporter: {signed: true, informed: false}
    spread: locality
    concluded_on: 2025-09-26
"""
# An anonymous report found untrue; the cadre's consent and the conclusion date unstated.
UNSTATED = """\
id: T-UNS-01
title: 网传镇长违规收礼经核查失实
incident_date: 2025-04-01
cadre: {name: 赵某, position: 镇长, unit: 某镇人民政府}
allegations:
  - id: C1
    summary: 春节期间收受礼金
    finding: untrue
    reporter: {signed: false}
    spread: online
"""
CASES = {"fabricated": FABRICATED, "mistaken": MISTAKEN, "unstated": UNSTATED}
APPLIES = {
    "fabricated": ("decision", "clearing", "referral"),
    "mistaken": ("decision", "clearing", "reporter"),
    "unstated": ("decision", "clearing"),
}
TITLES = {
    "decision": "澄清正名认定意见（建议）",
    "clearing": "澄清正名通知书",
    "referral": "诬告陷害问题移送函",
    "reporter": "举报人核查结果告知书",
}
IDS = {"fabricated": ["A1"], "mistaken": ["B1", "B2"], "unstated": ["C1"]}
AS_OF = dt.date(2025, 10, 9)
FORMATS = ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)]


@pytest.fixture(scope="module")
def engine() -> Iterator[rongcuo.Engine]:
    with rongcuo.Engine(backend="reference") as e:
        yield e


@pytest.fixture
def cases(tmp_path: Path) -> dict[str, Path]:
    out = {}
    for name, text in CASES.items():
        out[name] = tmp_path / f"{name}.yaml"
        out[name].write_text(text, encoding="utf-8")
    return out


def docx_text(data: bytes) -> str:
    from docx import Document

    return "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)


def text_of(memo: rongcuo.Memo) -> str:
    """The memo's text; PDF with its whitespace removed (lines break anywhere)."""
    if memo.format == "docx":
        return docx_text(memo.data)
    if memo.format == "pdf":
        from pypdf import PdfReader

        pages = PdfReader(io.BytesIO(memo.data)).pages
        return re.sub(r"\s+", "", "".join(page.extract_text() for page in pages))
    text = memo.data.decode()
    if memo.format == "html":  # the body's text (the head repeats the title)
        return html.unescape(re.sub(r"<[^>]+>", "", text.split("<body>", 1)[1]))
    return text


def render(
    engine: rongcuo.Engine, path: Path, document: str, fmt: rongcuo.Format = "md"
) -> tuple[rongcuo.Memo, str]:
    memo = engine.memo(
        path,
        ruleset="wanzhou",
        as_of=AS_OF,
        format=fmt,
        document=document,  # type: ignore[arg-type]
    )
    return memo, text_of(memo)


def squeezed(fmt: str, text: str) -> str:
    return re.sub(r"\s+", "", text) if fmt == "pdf" else text


# --- every document, every format ----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(
    ("case", "document"), [(c, d) for c, docs in APPLIES.items() for d in docs]
)
def test_every_document_renders_in_every_format(
    engine: rongcuo.Engine, cases: dict[str, Path], case: str, document: str, fmt: str
) -> None:
    memo, text = render(engine, cases[case], document, fmt)  # type: ignore[arg-type]
    assert memo.decision.outcome == "cleared"
    assert TITLES[document] in text
    for aid in IDS[case]:
        assert aid in text
    name = "cleared" if document == "decision" else document
    assert memo.template.name == f"rongcuo/{name}.{'docx' if fmt == 'docx' else 'j2'}"
    assert squeezed(fmt, f"模板 {memo.template.name} 版本 2026.4") in text  # provenance footer
    assert squeezed(fmt, "生成信息：规则集 wanzhou") in text
    assert memo.context.document == document


# --- what each contains ----------------------------------------------------------------------


def test_the_clearing_deadline_counts_working_days_on_the_calendar() -> None:
    calendar = OfficialCalendar()
    # 2025-05-20 + 15 working days: the Dragon Boat holiday (5-31 to 6-2) is not counted
    assert calendar.add_working_days(dt.date(2025, 5, 20), 15) == dt.date(2025, 6, 11)
    # 2025-09-26 + 15: National Day (10-1 to 10-8) skipped, the make-up Sunday 9-28 and
    # Saturday 10-11 counted
    assert calendar.add_working_days(dt.date(2025, 9, 26), 15) == dt.date(2025, 10, 23)


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_the_clearing_notice_lists_finding_methods_scope_who_and_deadline(
    engine: rongcuo.Engine, cases: dict[str, Path], fmt: str
) -> None:
    memo, text = render(engine, cases["fabricated"], "clearing", fmt)  # type: ignore[arg-type]
    assert "张某同志、某镇某村：" in text
    assert "收受征地补偿户好处费2万元" in text and "诬告陷害" in text
    assert "不正当诉求未满足而诬告" in text  # the kind
    for method in (
        "书面通知",
        "当面告知",
        "向所在单位党委（党组）主要负责人发函说明",
        "发布澄清公告",
    ):
        assert method in text
    assert "问题传播范围为网络" in text  # the scope
    assert "谁核实谁澄清" in text  # who clears
    assert "自核查结论作出之日（2025年5月20日）起15个工作日内，即2025年6月11日前" in text
    assert "规则 method_public_notice" in text.replace("`", "")  # each with its clause
    assert "澄清正名·方式" in text
    line = memo.context.clearing.to_clear[0]  # type: ignore[union-attr]
    assert line.deadline is not None and line.deadline.deadline_iso == "2025-06-11"


def test_a_clearing_awaiting_consent_says_so_and_counts_from_the_conclusion(
    engine: rongcuo.Engine, cases: dict[str, Path]
) -> None:
    memo, text = render(engine, cases["unstated"], "clearing")
    assert memo.decision.outcome == "cleared"  # consent unstated: the outcome unchanged
    assert "尚待征求本人意见" in text
    assert "尚待查明的事实：本人同意澄清正名" in text  # the pending facts
    assert "自核查结论作出之日起15个工作日内" in text
    assert "即" not in text.split("澄清时限：")[1].split("。")[0]  # no date made up
    _, decision = render(engine, cases["unstated"], "decision")
    assert "C1尚待征求本人意见" in decision


def test_the_referral_letter_names_the_kind_its_definition_and_clause(
    engine: rongcuo.Engine, cases: dict[str, Path]
) -> None:
    _, text = render(engine, cases["fabricated"], "referral")
    assert (
        "诬告陷害的种类：不正当诉求未满足而诬告，即因个人不正当诉求未得到满足，捏造事实诬告他人"
        in text
    )
    assert "澄清正名·诬告陷害的种类" in text  # the kind's clause
    assert "收受征地补偿户好处费2万元" in text and "核查结论：**诬告陷害**" in text
    assert "经核查截图系伪造" in text  # what the verification found
    assert "移送有关机关依规依纪依法查处" in text and "请依规依纪依法对诬告陷害者予以查处" in text
    assert "实名举报" in text


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_each_reporter_notice_speaks_of_its_own_allegation_only(
    engine: rongcuo.Engine, cases: dict[str, Path], fmt: str
) -> None:
    memo, text = render(engine, cases["mistaken"], "reporter", fmt)  # type: ignore[arg-type]
    title = TITLES["reporter"]
    notices = [n for n in text.split(title)[1:]]
    assert len(notices) == 2
    first, second = notices
    assert "私分救灾物资" in first and "虚报受灾户名单" not in first
    assert "虚报受灾户名单" in second and "私分救灾物资" not in second
    assert squeezed(fmt, "核查结果：") in first
    assert "错告、误告" in first and "失实、查无实据" in second
    assert "对举报人批评教育，不予追究" in first  # mistaken: educated
    if fmt == "docx":
        with zipfile.ZipFile(io.BytesIO(memo.data)) as z:
            xml = z.read("word/document.xml").decode()
        assert xml.count("<w:pageBreakBefore/>") == 1  # the second starts a page
    if fmt == "html":
        assert memo.data.decode().count('class="pagebreak"') == 1
    if fmt == "pdf":
        from pypdf import PdfReader

        pages = [p.extract_text() for p in PdfReader(io.BytesIO(memo.data)).pages]
        starts = [i for i, p in enumerate(pages) if title in re.sub(r"\s+", "", p)]
        assert len(starts) == 2 and starts[0] == 0 and starts[1] > 0


def test_a_fabricated_report_gets_no_reporter_notice(
    engine: rongcuo.Engine, cases: dict[str, Path]
) -> None:
    with pytest.raises(DocumentNotApplicable) as info:
        render(engine, cases["fabricated"], "reporter")
    (d,) = info.value.diagnostics
    assert d.code == "RC418"
    assert "WZ-2025-C01" in d.message_zh and "举报人核查结果告知书" in d.message_zh
    assert "WZ-2025-C01" in d.message_en and "reporter" in d.message_en


@pytest.mark.parametrize(
    ("case", "document"),
    [("mistaken", "referral"), ("unstated", "referral"), ("unstated", "reporter")],
)
def test_a_document_that_does_not_apply_is_rc418_at_the_cli(
    cases: dict[str, Path], tmp_path: Path, case: str, document: str
) -> None:
    out = tmp_path / "out.docx"
    result = CliRunner().invoke(
        main,
        [
            "memo", str(cases[case]), "--ruleset", "wanzhou", "--as-of", "2025-10-09",
            "--document", document, "-o", str(out), "--backend", "reference",
        ],
    )  # fmt: skip
    assert result.exit_code == 1, result.output
    assert "RC418" in result.output and TITLES[document] in result.output
    assert yaml.safe_load(CASES[case])["id"] in result.output
    assert not out.exists()  # never an empty memo


def test_a_case_without_allegations_has_no_clearing_documents(engine: rongcuo.Engine) -> None:
    path = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
    for document in ("clearing", "referral", "reporter"):
        with pytest.raises(DocumentNotApplicable):
            engine.memo(path, ruleset="wanzhou", as_of=AS_OF, document=document)  # type: ignore[arg-type]
    memo = engine.memo(path, ruleset="wanzhou", as_of=AS_OF)
    assert memo.context.clearing is None and "澄清正名：" not in memo.data.decode()


def test_a_folder_skips_and_counts_the_cases_a_document_does_not_apply_to(
    cases: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        [
            "memo", str(cases["fabricated"].parent), "--ruleset", "wanzhou",
            "--as-of", "2025-10-09", "--document", "reporter", "-o", str(out),
            "--backend", "reference",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["T-MIS-01.md"]
    assert "已生成 1 份举报人核查结果告知书" in result.output
    assert "2 件不适用举报人核查结果告知书已跳过" in result.output
    assert "失败 0 份" in result.output


# --- the other decision memos mention the clearing ------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_a_tolerance_memo_with_a_struck_allegation_mentions_the_clearing(
    engine: rongcuo.Engine, tmp_path: Path, fmt: str
) -> None:
    data = yaml.safe_load((ROOT / "examples" / "wz-01-pilot-tolerate.yaml").read_text("utf-8"))
    data.setdefault("facts", {})["cadre_consents_to_clearing"] = True
    data["allegations"] = [
        {
            "id": "D1",
            "summary": "借试点之机为亲属企业谋利",
            "finding": "untrue",
            "spread": "unit",
            "concluded_on": "2025-05-20",
        }
    ]
    path = tmp_path / "tolerate.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    memo = engine.memo(path, ruleset="wanzhou", as_of=AS_OF, format=fmt)  # type: ignore[arg-type]
    text = text_of(memo)
    assert memo.decision.outcome == "tolerate"
    assert "容错免责认定意见（建议）" in text
    expected = (
        "澄清正名：经核查，下列问题线索失实、错告误告或诬告陷害，从问责事项中排除："
        "D1「借试点之机为亲属企业谋利」经核查系失实、查无实据。"
        "D1予以澄清正名，方式、范围和时限见澄清正名通知书。"
    )
    assert squeezed(fmt, expected) in text
    clearing = engine.memo(path, ruleset="wanzhou", as_of=AS_OF, document="clearing")
    assert "即2025年6月11日前" in clearing.data.decode()


# --- determinism, templates, schema ----------------------------------------------------------


@pytest.mark.parametrize("fmt", ["md", "html", "docx"])
@pytest.mark.parametrize("document", ["decision", "clearing", "referral", "reporter"])
def test_same_inputs_give_the_same_bytes(cases: dict[str, Path], fmt: str, document: str) -> None:
    path = cases["mistaken" if document == "reporter" else "fabricated"]
    outputs = set()
    for _ in range(2):
        with rongcuo.Engine(backend="reference") as e:
            outputs.add(render(e, path, document, fmt)[0].data)  # type: ignore[arg-type]
    assert len(outputs) == 1


def test_the_new_word_templates_are_what_the_generator_writes(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / "make_docx_templates.py"), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in ("cleared", "clearing", "referral", "reporter"):
        assert (tmp_path / f"{name}.docx").read_bytes() == (BUNDLED / f"{name}.docx").read_bytes()


def test_templates_and_schema_list_the_clearing_documents() -> None:
    runner = CliRunner()
    listed = runner.invoke(main, ["templates"]).output.split()
    for name in ("cleared", "clearing", "referral", "reporter"):
        assert f"{name}.j2" in listed and f"{name}.docx" in listed
    schema = runner.invoke(main, ["schema", "memo"]).output
    for field in ('"to_clear"', '"to_refer"', '"to_tell"', '"consent_pending"', '"document"'):
        assert field in schema
    help_text = runner.invoke(main, ["memo", "--help"]).output
    assert "--document" in help_text and "reporter" in help_text


def test_a_fabricated_report_of_no_named_kind_is_referred_as_the_presumed_kind(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    path = tmp_path / "nokind.yaml"
    path.write_text(FABRICATED.replace("    kind: fa_unmet_improper_demand\n", ""), "utf-8")
    for fmt in ("md", "docx"):
        _, text = render(engine, path, "referral", fmt)  # type: ignore[arg-type]
        assert "诬告陷害的种类：其他诬告陷害情形（核查未载明种类，按此认定）" in text
