"""The library commands (exit codes, located errors), a build from a record store, and the
booklet in DOCX and PDF."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from rongcuo.api import Engine
from rongcuo.cli.precedents import library, precedents
from rongcuo.precedents.booklet import render_booklet
from rongcuo.precedents.build import load_entries
from rongcuo.records.model import Review
from rongcuo.records.store import SQLiteStore
from tests.pdf_support import needs_pdf

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
CASES = [
    "wz-01-pilot-tolerate.yaml",
    "wz-04-private-gain-not-tolerate.yaml",
    "wz-06-art18-mitigate.yaml",
]


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in CASES:
        shutil.copy(EXAMPLES / name, folder / name)
    return folder


def _build(cases: Path, out: Path, *extra: str) -> Result:
    args = ["build", "--cases", str(cases), "--ruleset", "wanzhou", "--out", str(out), *extra]
    return CliRunner().invoke(library, args)


def test_build_then_search_in_chinese_and_json(cases: Path, tmp_path: Path) -> None:
    out = tmp_path / "lib"
    res = _build(cases, out)
    assert res.exit_code == 0, res.output
    assert "3 件典型案例" in res.output
    case = str(EXAMPLES / "wz-06-art18-mitigate.yaml")
    args = [case, "--ruleset", "wanzhou", "--library", str(out), "--top", "2"]
    text = CliRunner().invoke(precedents, args)
    assert text.exit_code == 0, text.output
    assert "与案件 WZ-2024-044 相似的典型案例（2 件）" in text.output
    assert "相似度 1.00" in text.output and "共同六看：看后果影响：有利、" in text.output
    data = json.loads(CliRunner().invoke(precedents, [*args, "--format", "json"]).output)
    assert data["hits"][0]["score"] == 1.0
    assert data["hits"][0]["outcome"] == "mitigate"
    assert set(data["hits"][0]["shared"]) >= {"situations", "exclusions", "looks", "work_area"}


def test_errors_are_located_bilingual_exit_1(cases: Path, tmp_path: Path) -> None:
    case = str(EXAMPLES / "wz-01-pilot-tolerate.yaml")
    res = CliRunner().invoke(precedents, [case, "--ruleset", "wanzhou", "--library", str(tmp_path)])
    assert res.exit_code == 1
    assert f"{tmp_path}: error RC753" in res.output
    assert "不是案例库" in res.output and "is not a typical-case library" in res.output
    bad = tmp_path / "redact.txt"
    bad.write_text("万州区\n => 某区\n", encoding="utf-8")
    res = _build(cases, tmp_path / "lib", "--redact", str(bad))
    assert res.exit_code == 1
    assert f"{bad}:2:1: error RC752" in res.output
    res = _build(tmp_path / "none", tmp_path / "lib")
    assert res.exit_code == 1 and "RC755" in res.output
    (tmp_path / "lib2").mkdir()
    (tmp_path / "lib2" / "index.json").write_text(
        '{"format": "rongcuo.precedents/1", "weights": {"looks": -1}, "entries": []}'
    )
    res = CliRunner().invoke(
        precedents, [case, "--ruleset", "wanzhou", "--library", str(tmp_path / "lib2")]
    )
    assert res.exit_code == 1 and "RC756" in res.output


def test_usage_errors_exit_2(cases: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(library, ["build", "--out", str(tmp_path / "x")])
    assert res.exit_code == 2
    res = CliRunner().invoke(library, ["build", "--cases", str(cases), "--out", str(tmp_path)])
    assert res.exit_code == 2 and "--cases needs --ruleset" in res.output


def test_a_redact_file_removes_more_terms(cases: Path, tmp_path: Path) -> None:
    terms = tmp_path / "redact.txt"
    terms.write_text("# 地名\n万州区 => 某区\n区委 => 上级党委\n", encoding="utf-8")
    assert _build(cases, tmp_path / "lib", "--redact", str(terms)).exit_code == 0
    blob = b"".join(p.read_bytes() for p in (tmp_path / "lib").iterdir())
    assert "万州区".encode() not in blob and "区委".encode() not in blob


def test_build_from_a_store_takes_reviewed_records_with_the_final_outcome(tmp_path: Path) -> None:
    store_path = tmp_path / "records.sqlite3"
    with Engine(backend="reference") as engine, SQLiteStore(store_path) as store:
        ids = []
        for name in CASES[:2]:
            decision = engine.evaluate(EXAMPLES / name, ruleset="wanzhou")
            made = engine.record(
                decision, EXAMPLES / name, store=store, recorded_at="2025-01-01T09:00:00"
            )
            ids.append(made.id)
        store.add_review(
            Review(
                record_id=ids[0],
                final_outcome="mitigate",
                deciding_body="中共万州区委",
                decided_on=dt.date(2025, 3, 1),
                reason="经集体研究，综合考虑试点效果",
                reviewer="陈经办",
            )
        )
    out = tmp_path / "lib"
    res = CliRunner().invoke(library, ["build", "--store", str(store_path), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert f"未收入 1 条尚未登记最终决定的记录：{ids[1]}" in res.output
    [entry] = load_entries(out)
    assert (entry.library_id, entry.outcome, entry.proposed_outcome) == (
        "典型案例 2025-01",
        "mitigate",
        "tolerate",
    )
    assert entry.final and entry.deciding_body == "某区委"
    assert entry.points[-1] == "认定机关理由：经集体研究，综合考虑试点效果"
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    assert "陈经办".encode() not in blob and "张某".encode() not in blob


def test_booklet_docx_holds_every_entry(cases: Path, tmp_path: Path) -> None:
    from docx import Document

    _build(cases, tmp_path / "lib")
    out = tmp_path / "booklet.docx"
    res = CliRunner().invoke(
        library, ["booklet", str(tmp_path / "lib"), "--format", "docx", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    entries = load_entries(tmp_path / "lib")
    assert text.count("（一）基本案情") == 3 and "目　录" in text
    for e in entries:
        assert e.title in text and e.library_id in text
    assert render_booklet(entries, "docx") == out.read_bytes()  # deterministic


def test_booklet_html_is_the_sandboxed_template(cases: Path, tmp_path: Path) -> None:
    _build(cases, tmp_path / "lib")
    html = render_booklet(load_entries(tmp_path / "lib"), "html").decode()
    assert html.count('<section class="case"') == 3
    assert "<h3>（四）六看</h3>" in html and "target-counter" in html


@needs_pdf
def test_booklet_pdf_renders(cases: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    _build(cases, tmp_path / "lib")
    out = tmp_path / "booklet.pdf"
    res = CliRunner().invoke(
        library, ["booklet", str(tmp_path / "lib"), "--format", "pdf", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    reader = PdfReader(io.BytesIO(out.read_bytes()))
    assert len(reader.pages) >= 2 + 3  # cover, contents, a page or more per case
    assert "容错纠错典型案例汇编" in reader.pages[0].extract_text()


def test_the_basis_line_quotes_the_clause_once(cases: Path, tmp_path: Path) -> None:
    from rongcuo.precedents.booklet import basis

    _build(cases, tmp_path / "lib")
    lines = {e.outcome: basis(e) for e in load_entries(tmp_path / "lib")}
    assert lines["mitigate"] == (
        "依据《中国共产党问责条例》第十八条：“有下列情形之一的，可以从轻或者减轻问责”。"
    )
    assert lines["not_tolerate"].startswith("依据《容错纠错政策规格说明")
    assert not lines["not_tolerate"].endswith("。”。")
