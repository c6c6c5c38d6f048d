"""Memos against hostile templates and bare machines (issue 12, items 1, 8, 9 and 14).

- a PDF without a font for Chinese is RC411, never a PDF of boxes (tested with an empty
  fontconfig, in a subprocess, as fontconfig reads its configuration once a process);
- numbering counts past twenty: a newly opened case with 35 facts missing gets its notice in
  every format;
- PDF printing reads only the template's folders: no file elsewhere, no URL (RC416);
- templates have budgets (time RC413, size RC414, depth RC415), a failing expression is located
  (RC412), an include cannot leave the template folders (RC416), and a broken .docx is RC401.
"""

from __future__ import annotations

import datetime as dt
import http.server
import io
import re
import subprocess
import sys
import threading
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

import rongcuo
from rongcuo.cli import main
from rongcuo.memo.context import cn_numeral
from rongcuo.memo.render import BUNDLED

from .pdf_support import PDF_MARKS, needs_pdf, needs_weasyprint
from .test_memo import docx_text, pdf_text

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "examples" / "wz-01-pilot-tolerate.yaml"
AS_OF = dt.date(2025, 9, 26)
#: A case as it is opened: nothing established yet, so every fact the ruleset reads is missing.
FRESH_CASE = "id: WZ-2025-900\ntitle: 新开案件\nincident_date: '2025-09-01'\nfacts: {}\n"


def fresh_case_all_unknown(engine: rongcuo.Engine) -> str:
    """A newly opened case whose file states every fact as not yet known: no presumption
    applies, so every fact a rule reads is still to establish."""
    facts = engine.ruleset("wanzhou", dt.date(2025, 9, 1)).facts
    # the case's own facts: those of each allegation, and the computed one, are not written here
    lines = "".join(
        f"  {fid}: unknown\n" for fid, f in facts.items() if not (f.scope or f.computed)
    )
    return FRESH_CASE.replace("facts: {}\n", "facts:\n" + lines)


CLI = [sys.executable, "-c", "from rongcuo.cli import main; main()"]


@pytest.fixture
def engine() -> Iterator[rongcuo.Engine]:
    # A fresh engine per test: its renderer reads the RONGCUO_RENDER_* budget when it is made.
    with rongcuo.Engine(backend="reference") as e:
        yield e


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def memo_error(
    engine: rongcuo.Engine, template: Path, fmt: rongcuo.Format = "md"
) -> rongcuo.Diagnostic:
    with pytest.raises(rongcuo.InputError) as err:
        engine.memo(CASE, ruleset="wanzhou", as_of=AS_OF, format=fmt, template=template)
    (d,) = err.value.diagnostics
    return d


# --- item 8: numbering past twenty ----------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (35, "三十五"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1010, "一千零一十"),
        (10001, "一万零一"),
        (12345, "一万二千三百四十五"),
        (100000, "十万"),
        (105000000, "一亿零五百万"),
    ],
)
def test_cn_numeral_counts_without_a_fixed_list(n: int, text: str) -> None:
    assert cn_numeral(n) == text


@pytest.mark.parametrize("fmt", ["md", "html", "docx", pytest.param("pdf", marks=PDF_MARKS)])
def test_a_fresh_case_with_35_missing_facts_gets_its_notice(
    engine: rongcuo.Engine, tmp_path: Path, fmt: rongcuo.Format
) -> None:
    case = write(tmp_path / "fresh.yaml", fresh_case_all_unknown(engine))
    memo = engine.memo(case, ruleset="wanzhou", as_of=AS_OF, format=fmt)
    assert memo.decision.outcome == "insufficient_facts"
    missing = memo.context.missing
    assert len(missing) >= 30
    assert all(m.stated_unknown for m in missing)
    if fmt == "docx":
        text = docx_text(memo.data)
    elif fmt == "pdf":
        text = pdf_text(memo.data)
    else:
        text = memo.data.decode()
    squeeze = (lambda s: re.sub(r"\s+", "", s)) if fmt == "pdf" else (lambda s: s)
    # every missing fact under its own number, in order: （一） … （二十一） … （三十五）
    at = 0
    for i, m in enumerate(missing, 1):
        heading = squeeze(f"（{cn_numeral(i)}）{m.label}")
        found = text.find(heading, at)
        assert found >= 0, heading
        at = found
    assert squeeze("（二十一）") in text and squeeze(f"（{cn_numeral(len(missing))}）") in text


# --- item 1: no font for Chinese ---------------------------------------------------------------


@needs_weasyprint
def test_pdf_without_a_cjk_font_is_rc411_and_writes_nothing(tmp_path: Path) -> None:
    # fontconfig with no font folder at all: what a server without fonts-noto-cjk looks like to
    # Pango, only more so. The memo would be empty boxes; it must be a located error instead.
    conf = write(
        tmp_path / "fonts.conf",
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>\n",
    )
    out = tmp_path / "out" / "memo.pdf"
    out.parent.mkdir()
    env = {
        "FONTCONFIG_FILE": str(conf),
        "HOME": str(tmp_path),
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
    }
    done = subprocess.run(
        [
            *CLI,
            *("memo", str(CASE), "--ruleset", "wanzhou", "--as-of", "2025-09-26"),
            *("--backend", "reference", "--format", "pdf", "-o", str(out)),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert f"{BUNDLED / 'tolerate.j2'}: error RC411" in done.stderr
    assert "不能生成 PDF" in done.stderr and "empty boxes" in done.stderr
    assert "apt-get install fonts-noto-cjk" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(out.parent.iterdir()) == []


# --- item 9: PDF printing reads only the template's folders -------------------------------------

PAGE = "<html><body><p>容错纠错 {{{{ memo.case.id }}}}</p>{extra}</body></html>\n"


def pdf_template(folder: Path, extra: str) -> Path:
    return write(folder / "mine.j2", PAGE.format(extra=extra))


@needs_pdf
def test_pdf_refuses_an_attachment_outside_the_template_folder(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    template = pdf_template(
        tmp_path / "tpl", '<a rel="attachment" href="file:///etc/passwd">附件</a>'
    )
    d = memo_error(engine, template, "pdf")
    assert (d.code, d.location.file) == ("RC416", str(template))
    assert "file:///etc/passwd" in d.message_zh and "outside its template folders" in d.message_en


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@needs_pdf
def test_pdf_never_fetches_a_loopback_url(engine: rongcuo.Engine, tmp_path: Path) -> None:
    _Recorder.seen = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/seal.png"
        template = pdf_template(tmp_path / "tpl", f'<img src="{url}">')
        d = memo_error(engine, template, "pdf")
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()
    assert (d.code, d.location.file) == ("RC416", str(template))
    assert url in d.message_en
    assert _Recorder.seen == []


def png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 0, 0)).save(buf, "PNG")
    return buf.getvalue()


@needs_pdf
def test_pdf_refuses_a_relative_path_out_of_the_template_folder(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    (tmp_path / "secret.png").write_bytes(png())
    template = pdf_template(tmp_path / "tpl", '<img src="../secret.png">')
    d = memo_error(engine, template, "pdf")
    assert (d.code, d.location.file) == ("RC416", str(template))
    assert (tmp_path / "secret.png").as_uri() in d.message_en


@needs_pdf
def test_pdf_refuses_a_symlink_out_of_the_template_folder(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    (tmp_path / "secret.png").write_bytes(png())
    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "seal.png").symlink_to(tmp_path / "secret.png")
    template = pdf_template(tmp_path / "tpl", '<img src="seal.png">')
    assert memo_error(engine, template, "pdf").code == "RC416"


@needs_pdf
def test_pdf_prints_an_image_from_the_template_folder(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    from pypdf import PdfReader

    (tmp_path / "tpl").mkdir()
    (tmp_path / "tpl" / "seal.png").write_bytes(png())
    template = pdf_template(tmp_path / "tpl", '<img src="seal.png" style="width: 20mm">')
    memo = engine.memo(CASE, ruleset="wanzhou", as_of=AS_OF, format="pdf", template=template)
    (page,) = PdfReader(io.BytesIO(memo.data)).pages
    objects: dict[str, Any] = page["/Resources"]["/XObject"]  # type: ignore[index]
    images = [x for x in objects.values() if x["/Subtype"] == "/Image"]
    assert len(images) == 1 and (images[0]["/Width"], images[0]["/Height"]) == (8, 8)


# --- item 14: budgets and located errors -----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "line", "words"),
    [
        ("标题\n{{ memo.case.id }}\n{{ 1/0 }}\n", "RC412", 3, "ZeroDivisionError"),
        ("{{ memo.case.id }}\n{{ memo.case.id + 1 }}\n", "RC412", 2, "TypeError"),
        (
            "{% macro down(n) %}{{ down(n + 1) }}{% endmacro %}\n{{ down(0) }}\n",
            "RC415",
            1,
            "calls nest deeper than 50 (down)",
        ),
        ("\n{{ range(10**9) | list | length }}\n", "RC414", 2, "range() items"),
        ("\n\n{{ 'x' * 10**9 }}\n", "RC414", 3, "a repetition 1,000,000,000 items long"),
        ("{{ [0] * 10**9 }}\n", "RC414", 1, "a repetition"),
        ("{{ 10 ** (10 ** 8) }}\n", "RC414", 1, "an integer of about"),
        ("{{ '%999999999s' % 'x' }}\n", "RC414", 1, "format width 999,999,999"),
        ("{{ '{:>999999999}'.format('x') }}\n", "RC414", 1, "format width 999,999,999"),
        ("{{ 'x' | center(10**9) }}\n", "RC414", 1, "center"),
        ("{{ 'x'.ljust(10**9) }}\n", "RC414", 1, "width 1,000,000,000"),
        (
            "{% set ns = namespace(s='x') %}\n{% for i in range(60) %}\n"
            "{% set ns.s = ns.s ~ ns.s %}\n{% endfor %}\n{{ ns.s | length }}\n",
            "RC414",
            3,
            "a string of",
        ),
        (
            "{% for i in range(100000) %}\n{{ 'x' * 1000 }}\n{% endfor %}\n",
            "RC414",
            2,
            "the text produced",
        ),
        (
            "{% macro m() %}{% for i in range(100000) %}{{ 'y' * 1000 }}{% endfor %}"
            "{% endmacro %}\n\n{{ m() }}\n",
            "RC414",
            3,
            "a string of 100,000,000",
        ),
        ("{% include '/etc/passwd' %}\n", "RC416", 1, "/etc/passwd"),
        ("\n{% import '../x.j2' as x %}\n", "RC416", 2, "../x.j2"),
    ],
    ids=[
        "division-by-zero",
        "type-error",
        "recursion",
        "huge-range",
        "huge-string",
        "huge-list",
        "huge-power",
        "percent-width",
        "format-width",
        "center-filter",
        "ljust-method",
        "doubling",
        "long-output",
        "long-macro-output",
        "absolute-include",
        "parent-import",
    ],
)
def test_hostile_templates_are_located_errors(
    engine: rongcuo.Engine, tmp_path: Path, body: str, code: str, line: int, words: str
) -> None:
    template = write(tmp_path / "mine.j2", body)
    d = memo_error(engine, template)
    assert (d.code, d.location.file, d.location.line) == (code, str(template), line), d.format()
    assert words in d.message_zh + d.message_en, d.format()


def test_an_include_through_a_symlink_out_of_the_folder_is_refused(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    write(tmp_path / "outside" / "secret.j2", "机密\n")
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "_part.j2").symlink_to(tmp_path / "outside" / "secret.j2")
    template = write(folder / "tolerate.j2", "{{ memo.case.id }}\n{% include '_part.j2' %}\n")
    with pytest.raises(rongcuo.TemplateError) as err:
        engine.memo(CASE, ruleset="wanzhou", as_of=AS_OF, template_dirs=[folder])
    (d,) = err.value.diagnostics
    assert (d.code, d.location.file, d.location.line) == ("RC416", str(template), 2)


def test_nested_loops_stop_at_the_time_budget(tmp_path: Path) -> None:
    # Three loops of 100,000 would run for days. The subprocess timeout only guards the test.
    template = write(
        tmp_path / "mine.j2",
        "{{ memo.case.id }}\n{% for a in range(100000) %}{% for b in range(100000) %}\n"
        "{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}\n",
    )
    done = subprocess.run(
        [
            *(*CLI, "memo", str(CASE), "--ruleset", "wanzhou", "--as-of", "2025-09-26"),
            *("--backend", "reference", "--template", str(template)),
        ],
        env={"RONGCUO_RENDER_SECONDS": "1", "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 1, done.stderr
    assert f"{template}:3:0: error RC413" in done.stderr
    assert "time budget (1 s)" in done.stderr
    assert done.stdout == ""


def test_the_time_budget_also_stops_word_templates(
    engine: rongcuo.Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docx import Document

    monkeypatch.setenv("RONGCUO_RENDER_SECONDS", "0.5")
    doc = Document()
    doc.add_paragraph(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    )
    path = tmp_path / "mine.docx"
    doc.save(str(path))
    with rongcuo.Engine(backend="reference") as fresh:
        d = memo_error(fresh, path, "docx")
    assert (d.code, d.location.file) == ("RC413", str(path))


def test_a_bad_budget_setting_is_rc417(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RONGCUO_RENDER_CHARS", "lots")
    result = CliRunner().invoke(main, ["memo", str(CASE), "--ruleset", "wanzhou"])
    assert result.exit_code == 1
    assert "RONGCUO_RENDER_CHARS: error RC417" in result.stderr
    assert "must be a positive number, not 'lots'" in result.stderr


def test_a_raised_budget_lets_a_long_memo_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    template = write(tmp_path / "mine.j2", "{{ 'x' * 3000000 }}\n")
    with rongcuo.Engine(backend="reference") as e:
        assert memo_error(e, template).code == "RC414"
    monkeypatch.setenv("RONGCUO_RENDER_CHARS", "5000000")
    with rongcuo.Engine(backend="reference") as e:
        assert len(e.memo(CASE, ruleset="wanzhou", template=template).data) == 3000001


# --- item 14: broken Word templates --------------------------------------------------------------


def test_a_word_template_that_is_not_a_zip_is_rc401(tmp_path: Path) -> None:
    path = tmp_path / "mine.docx"
    path.write_text("这不是 Word 文件\n", encoding="utf-8")
    out = tmp_path / "memo.docx"
    result = CliRunner().invoke(
        main,
        [
            *("memo", str(CASE), "--ruleset", "wanzhou", "--as-of", "2025-09-26"),
            *("--template", str(path), "-o", str(out)),
        ],
    )
    assert result.exit_code == 1, result.output
    assert f"{path}: error RC401" in result.stderr
    assert "not a valid Word (.docx) file" in result.stderr
    assert not out.exists()


def test_a_word_template_with_broken_xml_is_rc401(engine: rongcuo.Engine, tmp_path: Path) -> None:
    path = tmp_path / "mine.docx"
    with zipfile.ZipFile(BUNDLED / "tolerate.docx") as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = data[: len(data) // 2]  # cut off mid-element
            dst.writestr(item, data)
    d = memo_error(engine, path, "docx")
    assert (d.code, d.location.file) == ("RC401", str(path))
    assert "not a valid Word (.docx) file" in d.message_en


def test_a_failing_expression_in_a_word_template_is_located(
    engine: rongcuo.Engine, tmp_path: Path
) -> None:
    from docx import Document

    doc = Document()
    doc.add_paragraph("第一段")
    doc.add_paragraph("金额：{{ 1/0 }}")
    path = tmp_path / "mine.docx"
    doc.save(str(path))
    d = memo_error(engine, path, "docx")
    assert (d.code, d.location.file) == ("RC412", str(path))
    assert "ZeroDivisionError" in d.message_en and "金额：{{ 1/0 }}" in d.hint
