"""The booklet 典型案例汇编 as a Word file, built with python-docx.

Takes the booklet context of :func:`rongcuo.precedents.booklet.booklet_context` and a fixed
date; gives the DOCX bytes. Layout after GB/T 9704-2012 as the memo templates
(tools/make_docx_templates.py): A4, margins 37/35/28/26 mm, body 三号仿宋 at a fixed 28.9 pt
line, titles 小标宋, headings 三号黑体, page numbers 四号宋体 ``— N —`` on the outer side. Fixed
document properties and zip timestamps: the same entries give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

BODY_FONT, TITLE_FONT, HEAD_FONT, KAI_FONT, PAGE_FONT = (
    "仿宋",
    "方正小标宋简体",
    "黑体",
    "楷体",
    "宋体",
)
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_NUMERALS = "零一二三四五六七八九"


def _cn(n: int) -> str:
    """1 → 一, 12 → 十二, 21 → 二十一 (the booklet numbers its cases so)."""
    if n < 10:
        return _NUMERALS[n]
    tens, ones = divmod(n, 10)
    if n < 100:
        return ("" if tens == 1 else _NUMERALS[tens]) + "十" + (_NUMERALS[ones] if ones else "")
    return str(n)


def _font(run: Any, east_asia: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.name = "Times New Roman"
    fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), east_asia)


class _Writer:
    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        normal = self.doc.styles["Normal"]
        normal.font.size = Pt(16)
        normal.font.name = "Times New Roman"
        normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
        fmt = normal.paragraph_format
        fmt.line_spacing = Pt(28.9)
        fmt.space_before = fmt.space_after = Pt(0)
        self._footers()

    def para(
        self,
        text: str,
        font: str = BODY_FONT,
        size: float = 16,
        *,
        indent: bool = True,
        align: Any = None,
        bold: bool = False,
    ) -> Any:
        p = self.doc.add_paragraph()
        if indent:
            p.paragraph_format.first_line_indent = Pt(size * 2)
        if align is not None:
            p.alignment = align
        _font(p.add_run(text), font, size, bold)
        return p

    def page_break(self) -> None:
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def _footers(self) -> None:
        """``— N —`` in 四号宋体: odd pages on the right, even pages on the left."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, align in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.alignment = align
            _font(p.add_run("— "), PAGE_FONT, 14)
            for kind, text in (("begin", ""), ("", " PAGE "), ("separate", ""), ("", "1")):
                r = p.add_run()
                _font(r, PAGE_FONT, 14)
                if kind:
                    fld = OxmlElement("w:fldChar")
                    fld.set(qn("w:fldCharType"), kind)
                    r._r.append(fld)
                elif text == " PAGE ":
                    instr = OxmlElement("w:instrText")
                    instr.set(qn("xml:space"), "preserve")
                    instr.text = text
                    r._r.append(instr)
                else:
                    r.text = text
            end = OxmlElement("w:fldChar")
            end.set(qn("w:fldCharType"), "end")
            p.add_run()._r.append(end)
            _font(p.add_run(" —"), PAGE_FONT, 14)

    def finish(self, day: dt.date) -> bytes:
        props = self.doc.core_properties
        stamp = dt.datetime(day.year, day.month, day.day)
        props.created = props.modified = props.last_printed = stamp
        props.revision = 1
        props.author = props.last_modified_by = "rongcuo"
        buf = io.BytesIO()
        self.doc.save(buf)
        return _normalise_zip(buf.getvalue())


def docx_booklet(context: dict[str, Any], day: dt.date) -> bytes:
    """The booklet as DOCX bytes: cover, 目录, then each case on a page of its own."""
    w = _Writer()
    book, entries = context["booklet"], context["entries"]
    center = WD_ALIGN_PARAGRAPH.CENTER
    for _ in range(5):
        w.para("", indent=False)
    w.para(book["title"], TITLE_FONT, 26, indent=False, align=center, bold=True)
    w.para(book["subtitle"], indent=False, align=center)
    w.para(f"共收录典型案例 {book['count']} 件", indent=False, align=center)
    if book["issuer"]:
        w.para(book["issuer"], indent=False, align=center)
    w.page_break()
    w.para("目　录", TITLE_FONT, 22, indent=False, align=center, bold=True)
    for n, e in enumerate(entries, 1):
        w.para(f"{_cn(n)}、{e['title']}（{e['outcome_label']}）", indent=False)
    for n, e in enumerate(entries, 1):
        w.page_break()
        _case(w, n, e)
    return w.finish(day)


def _result(e: dict[str, Any]) -> str:
    if not e["final"]:
        return f"{e['outcome_label']}。（系统建议，尚未登记认定机关最终决定。）"
    body = f"（{e['deciding_body']}）" if e["deciding_body"] else ""
    differs = "，与系统建议不同" if e["proposed_outcome"] != e["outcome"] else ""
    return f"{e['outcome_label']}。认定机关{body}于 {e['decided_on']} 作出最终决定{differs}。"


def _case(w: _Writer, n: int, e: dict[str, Any]) -> None:
    center = WD_ALIGN_PARAGRAPH.CENTER
    w.para(f"{_cn(n)}、{e['title']}", TITLE_FONT, 18, indent=False, align=center, bold=True)
    w.para(e["library_id"], KAI_FONT, 16, indent=False, align=center)
    w.para("（一）基本案情", HEAD_FONT)
    w.para(e["narrative"] or "（案件未载明基本情况）")
    w.para("（二）认定结果", HEAD_FONT)
    w.para(_result(e))
    for point in e["points"]:
        w.para(point)
    w.para("（三）依据条款", HEAD_FONT)
    w.para(e["basis"] or "（未载明决定规则）")
    if e["situations"]:
        w.para("所符合的容错情形：" + "；".join(s["label"] for s in e["situations"]) + "。")
    if e["exclusions"]:
        w.para("所触及的不予容错情形：" + "；".join(s["label"] for s in e["exclusions"]) + "。")
    areas = "、".join(a["label"] for a in e["work_area"]) or e["work_area_note"] or "未载明"
    w.para(f"事项所属领域：{areas}。")
    w.para("（四）六看", HEAD_FONT)
    table = w.doc.add_table(rows=1, cols=2)
    table.style = w.doc.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, ("六看", "研判"), strict=True):
        _font(cell.paragraphs[0].add_run(text), HEAD_FONT, 14)
    for look in e["looks"]:
        row = table.add_row().cells
        _font(row[0].paragraphs[0].add_run(look["label"]), BODY_FONT, 14)
        _font(row[1].paragraphs[0].add_run(look["finding_label"]), BODY_FONT, 14)
    w.para("（五）启示", HEAD_FONT)
    w.para(e["lesson"])


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed timestamps and attributes, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, _ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()
