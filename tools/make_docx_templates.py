"""Write the bundled Word memo templates (``src/rongcuo/memo/templates/<outcome>.docx``).

The ``.docx`` templates rongcuo ships (one per outcome, and the three clearing documents) are produced by this script; do not edit them by hand
in the repository, change this script and run it again::

    python tools/make_docx_templates.py [OUTPUT_DIR]

They are docxtpl templates laid out after GB/T 9704-2012 (党政机关公文格式): A4, margins
37/35/28/26 mm, title 二号方正小标宋简体, body 三号仿宋 at a fixed 28.9 pt line, level-1 headings
三号黑体, level-2 headings 三号楷体, page numbers 四号宋体 “— N —” on the outer side. Their
wording mirrors the Markdown/HTML templates (``_sections.j2`` and ``<outcome>.j2``): the same
headings, the same sentences, and the same citation after every finding.

Policy staff who want a different layout need not touch Python: copy a bundled ``.docx`` into a
folder of their own, edit it directly in Word, WPS or LibreOffice (keep each ``{{ … }}`` and
``{% … %}`` tag intact, and ``{%p … %}`` / ``{%tr … %}`` tags in paragraphs or table rows of
their own), and pass that folder with ``--template-dir``. The styles the templates use are named
(正文 is Normal, 标题 1/2 are the headings, 文号, 落款, 生成信息, 依据引文, 表格文字 …), so a
change to a style changes every paragraph that uses it.

The output is deterministic: fixed document properties (``cp:version`` 2026.1, created and
modified 2026-01-01) and fixed zip timestamps, so running the script twice gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

VERSION = "2026.4"
STAMP = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
OUT = Path(__file__).resolve().parent.parent / "src" / "rongcuo" / "memo" / "templates"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)

# --- typography (GB/T 9704-2012) ------------------------------------------------------------
# Sizes in half-points (w:sz), lengths in twentieths of a point (twips).
LATIN = "Times New Roman"
BODY_FONT = "仿宋"  # 三号仿宋
TITLE_FONT = "方正小标宋简体"  # 二号方正小标宋简体
H1_FONT = "黑体"  # 一级标题 三号黑体
H2_FONT = "楷体"  # 二级标题 三号楷体
PAGE_FONT = "宋体"  # 页码 四号半角宋体
LINE = 578  # fixed line spacing 28.9 pt: 22 lines on the 225 mm type area
INDENT = 640  # two characters of 三号 (16 pt)

# Items are numbered with rongcuo's cn_numeral filter (一 … 二十一 …), which counts without limit.


def _fonts(east_asia: str, latin: str = LATIN) -> str:
    return (
        f'<w:rFonts w:ascii="{latin}" w:hAnsi="{latin}" w:eastAsia="{east_asia}" '
        f'w:cs="{latin}" w:hint="eastAsia"/>'
    )


def _size(half_points: int) -> str:
    return f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'


_NO_INDENT = '<w:ind w:firstLineChars="0" w:firstLine="0"/>'
_FIRST_LINE = f'<w:ind w:firstLineChars="200" w:firstLine="{INDENT}"/>'
_NOT_BOLD = '<w:b w:val="0"/><w:bCs w:val="0"/>'


@dataclass(frozen=True)
class StyleDef:
    """A style written into styles.xml; pPr/rPr children must be in schema order."""

    id: str
    name: str
    kind: str = "paragraph"
    based_on: str = "Normal"
    next: str = ""
    ppr: str = ""
    rpr: str = ""
    ui_priority: int = 0

    def xml(self) -> str:
        parts = [f'<w:name w:val="{self.name}"/>']
        if self.based_on:
            parts.append(f'<w:basedOn w:val="{self.based_on}"/>')
        if self.next:
            parts.append(f'<w:next w:val="{self.next}"/>')
        if self.ui_priority:
            parts.append(f'<w:uiPriority w:val="{self.ui_priority}"/>')
        parts.append("<w:qFormat/>")
        if self.ppr:
            parts.append(f"<w:pPr>{self.ppr}</w:pPr>")
        if self.rpr:
            parts.append(f"<w:rPr>{self.rpr}</w:rPr>")
        default = ' w:default="1"' if self.id == "Normal" else ""
        return (
            f'<w:style {nsdecls("w")} w:type="{self.kind}"{default} w:styleId="{self.id}">'
            + "".join(parts)
            + "</w:style>"
        )


STYLES = [
    # 正文: 三号仿宋, fixed 28.9 pt lines, first line indented two characters, justified.
    StyleDef(
        "Normal",
        "Normal",
        based_on="",
        ppr=f'<w:spacing w:before="0" w:after="0" w:line="{LINE}" w:lineRule="exact"/>'
        f'{_FIRST_LINE}<w:jc w:val="both"/>',
        rpr=_fonts(BODY_FONT) + '<w:kern w:val="2"/>' + _size(32),
    ),
    # 标题: 二号方正小标宋简体, centred.
    StyleDef(
        "Title",
        "Title",
        next="DocNumber",
        ui_priority=10,
        ppr='<w:keepNext/><w:spacing w:before="0" w:after="0" w:line="660" w:lineRule="exact"/>'
        f'{_NO_INDENT}<w:jc w:val="center"/><w:outlineLvl w:val="9"/>',
        rpr=_fonts(TITLE_FONT) + "<w:b/><w:bCs/>" + _size(44),
    ),
    # 文号: centred under the title, one blank line before the body.
    StyleDef(
        "DocNumber",
        "文号",
        next="Normal",
        ppr=f'<w:keepNext/><w:spacing w:before="0" w:after="{LINE}" w:line="{LINE}" '
        f'w:lineRule="exact"/>{_NO_INDENT}<w:jc w:val="center"/>',
    ),
    # 一级标题 一、… 三号黑体, not bold.
    StyleDef(
        "Heading1",
        "heading 1",
        next="Normal",
        ui_priority=9,
        ppr='<w:keepNext/><w:outlineLvl w:val="0"/>',
        rpr=_fonts(H1_FONT) + _NOT_BOLD + _size(32),
    ),
    # 二级标题 （一）… 三号楷体, not bold.
    StyleDef(
        "Heading2",
        "heading 2",
        next="Normal",
        ui_priority=9,
        ppr='<w:keepNext/><w:outlineLvl w:val="1"/>',
        rpr=_fonts(H2_FONT) + _NOT_BOLD + _size(32),
    ),
    # 依据引文: the citation after each finding, 四号楷体.
    StyleDef(
        "Citation", "依据引文", kind="character", based_on="", rpr=_fonts(H2_FONT) + _size(28)
    ),
    # 称呼: the addressee line (主送), flush with the left margin.
    StyleDef("Salutation", "称呼", next="Normal", ppr=_NO_INDENT),
    # 落款: 认定机关（盖章） and the date, right-aligned, four characters from the margin.
    StyleDef(
        "SignatureBlock",
        "落款",
        ppr='<w:keepNext/><w:keepLines/><w:ind w:rightChars="400" w:right="1280" '
        'w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="right"/>',
    ),
    # 生成信息: the provenance line at the end, 9 pt, under a rule.
    StyleDef(
        "Provenance",
        "生成信息",
        ppr='<w:keepLines/><w:pBdr><w:top w:val="single" w:sz="6" w:space="4" w:color="auto"/>'
        f'</w:pBdr><w:spacing w:before="{LINE}" w:after="0" w:line="260" w:lineRule="exact"/>'
        f'{_NO_INDENT}<w:jc w:val="left"/>',
        rpr='<w:color w:val="333333"/>' + _size(18),
    ),
    # 表格文字 / 表头文字: 四号仿宋 in the corrections table; the header row in 黑体.
    StyleDef(
        "TableText",
        "表格文字",
        ppr=f'<w:spacing w:before="40" w:after="40" w:line="400" w:lineRule="exact"/>{_NO_INDENT}'
        '<w:jc w:val="left"/>',
        rpr=_size(28),
    ),
    StyleDef(
        "TableHeader",
        "表头文字",
        based_on="TableText",
        ppr='<w:keepNext/><w:jc w:val="center"/>',
        rpr=_fonts(H1_FONT) + _NOT_BOLD,
    ),
    # 页码: 四号宋体, “— 1 —”.
    StyleDef(
        "PageNumber",
        "页码",
        ppr=f'<w:spacing w:before="0" w:after="0" w:line="240" w:lineRule="auto"/>{_NO_INDENT}',
        rpr=_fonts(PAGE_FONT, PAGE_FONT) + _size(28),
    ),
]


# --- template text --------------------------------------------------------------------------


@dataclass(frozen=True)
class Strong:
    """Bold text in a paragraph (p.strong in the .j2 templates)."""

    text: str


@dataclass(frozen=True)
class Cite:
    """The citation run after a finding (p.source in the .j2 templates), in 依据引文."""

    text: str


Part = str | Strong | Cite


def source(var: str, guard: str = "") -> Cite:
    """``（依据：《文件》条款“条文”；规则 id）`` for the Source ``var`` (null-safe, like p.source)."""
    text = (
        "{% if @ %}（依据：{{ @.cite }}“{{ @.quote }}”；规则 {{ @.rule }}）"
        "{% else %}（本项无条款依据）{% endif %}"
    ).replace("@", var)
    if guard:
        text = "{% if " + guard + " %}" + text + "{% endif %}"
    return Cite(text)


def unknown(var: str) -> str:
    return "{% if " + var + '.value == "unknown" %}（尚不能确定）{% endif %}'


def then(text: str) -> str:
    """``；`` between the items of an inline loop and ``。`` after the last."""
    return text + '{{ "；" if not loop.last else "。" }}'


class Memo:
    """A docxtpl template being written: paragraphs, tags and the corrections table."""

    def __init__(self, title: str, kind: str, *, heading: bool = True) -> None:
        self.title = title
        self.doc: Any = Document()
        self._page_setup()
        self._styles()
        self._footers()
        self._properties(kind)
        body = self.doc.element.body
        for p in list(body.iterchildren(qn("w:p"))):
            body.remove(p)
        if heading:  # else the document writes its own (one per notice: reporter)
            self.para(title, style="Title")
            self.para("{{ memo.doc_number }}", style="DocNumber")

    # -- the page --

    def _page_setup(self) -> None:
        section = self.doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
        section.header_distance = Mm(15)
        # The page number's dash sits about 7 mm below the type area (GB/T 9704 7.5).
        section.footer_distance = Mm(22)

    def _styles(self) -> None:
        styles = self.doc.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        defaults.getparent().replace(
            defaults,
            parse_xml(
                f"<w:docDefaults {nsdecls('w')}><w:rPrDefault><w:rPr>{_fonts(BODY_FONT)}"
                f"{_size(32)}"
                '<w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>'
                '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
                "</w:pPr></w:pPrDefault></w:docDefaults>"
            ),
        )
        for style in STYLES:
            old = styles.find(f"{qn('w:style')}[@{qn('w:styleId')}='{style.id}']")
            new = parse_xml(style.xml())
            if old is None:
                styles.append(new)
            else:
                styles.replace(old, new)
        settings = self.doc.settings.element
        lang = settings.find(qn("w:themeFontLang"))
        if lang is not None:
            lang.set(qn("w:eastAsia"), "zh-CN")

    def _footers(self) -> None:
        """``— N —`` in 四号宋体: odd pages on the right, even pages on the left, one
        character in from the margin (GB/T 9704 7.5)."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        section = self.doc.sections[0]
        for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self.doc.styles["页码"]
            ppr = p._p.get_or_add_pPr()
            ppr.append(parse_xml(f'<w:ind {nsdecls("w")} w:{side}Chars="100" w:{side}="280"/>'))
            ppr.append(parse_xml(f'<w:jc {nsdecls("w")} w:val="{side}"/>'))
            p.add_run("— ")
            for kind, text in (("begin", ""), ("", " PAGE "), ("separate", ""), ("", "1")):
                r = p.add_run()
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
            p.add_run(" —")

    def _properties(self, kind: str) -> None:
        props = self.doc.core_properties
        props.title = self.title
        props.subject = kind
        props.version = VERSION
        props.author = props.last_modified_by = "rongcuo"
        props.comments = (
            "容错纠错认定文书模板（docxtpl），由 tools/make_docx_templates.py 生成；"
            "可复制后在 Word/WPS/LibreOffice 中直接修改，保留模板标签。"
        )
        props.keywords = "rongcuo; docxtpl; GB/T 9704-2012"
        props.category = "rongcuo memo template"
        props.language = "zh-CN"
        props.created = props.modified = STAMP
        props.revision = 1

    # -- content --

    def tag(self, tag: str) -> None:
        """A paragraph holding one docxtpl paragraph tag (``{%p … %}``); docxtpl drops it."""
        self.doc.add_paragraph(tag)

    def para(self, *parts: Part, style: str | None = None) -> Any:
        """A paragraph; each part is one run, so no Jinja tag is ever split between runs."""
        p = self.doc.add_paragraph(style=self._style(style) if style else None)
        for part in parts:
            if isinstance(part, Strong):
                p.add_run(part.text, style=self._style("Strong"))
            elif isinstance(part, Cite):
                p.add_run(part.text, style=self._style("Citation"))
            else:
                p.add_run(part)
        return p

    def _style(self, style_id: str) -> Any:
        return next(s for s in self.doc.styles if s.style_id == style_id)

    def heading(self, text: str) -> None:
        self.para(text, style="Heading1")

    def subheading(self, text: str) -> None:
        self.para(text, style="Heading2")

    def table(self, headers: list[str], widths_mm: list[int], loop: str, cells: list[str]) -> None:
        """A bordered table: a header row, then one row per item of ``loop`` (``{%tr for %}``)."""
        t = self.doc.add_table(rows=4, cols=len(headers))
        t.style = self._style("TableGrid")
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        tblpr = t._tbl.tblPr
        width = sum(widths_mm)
        borders = "".join(
            f'<w:{edge} w:val="single" w:sz="6" w:space="0" w:color="000000"/>'
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        for tag, xml in (
            ("w:tblW", f'<w:tblW {nsdecls("w")} w:w="{int(Mm(width).twips)}" w:type="dxa"/>'),
            ("w:tblBorders", f"<w:tblBorders {nsdecls('w')}>{borders}</w:tblBorders>"),
            ("w:tblLayout", f'<w:tblLayout {nsdecls("w")} w:type="fixed"/>'),
        ):
            old = tblpr.find(qn(tag))
            if old is not None:
                tblpr.remove(old)
            _insert_tblpr(tblpr, parse_xml(xml))
        for col, w in zip(t.columns, widths_mm, strict=True):
            col.width = Mm(w)
        header, start, body, end = t.rows
        header._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))
        for row in t.rows:
            row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))
            for cell, w in zip(row.cells, widths_mm, strict=True):
                cell.width = Mm(w)
        for cell, text in zip(header.cells, headers, strict=True):
            _cell_text(cell, text, self._style("TableHeader"))
        _cell_text(start.cells[0], "{%tr for " + loop + " %}", self._style("TableText"))
        _cell_text(end.cells[0], "{%tr endfor %}", self._style("TableText"))
        for i, (cell, text) in enumerate(zip(body.cells, cells, strict=True)):
            p = _cell_text(cell, text, self._style("TableText"))
            if i == 0:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER  # the row number

    def save(self, path: Path) -> None:
        # python-docx's stock package carries a thumbnail of its own sample page: drop it.
        rels = self.doc.part.package.rels
        for rid in [k for k, rel in rels.items() if rel.reltype.endswith("/thumbnail")]:
            del rels[rid]
        buf = io.BytesIO()
        self.doc.save(buf)
        path.write_bytes(_normalise_zip(buf.getvalue()))


def _cell_text(cell: Any, text: str, style: Any) -> Any:
    p = cell.paragraphs[0]
    p.style = style
    p.add_run(text)
    return p


_TBLPR_ORDER = [
    "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize",
    "tblStyleColBandSize", "tblW", "jc", "tblCellSpacing", "tblInd", "tblBorders", "shd",
    "tblLayout", "tblCellMar", "tblLook",
]  # fmt: skip


def _insert_tblpr(tblpr: Any, child: Any) -> None:
    """Insert ``child`` into ``w:tblPr`` in schema order (Word rejects misordered children)."""
    rank = _TBLPR_ORDER.index(child.tag.split("}")[1])
    for i, existing in enumerate(tblpr):
        name = existing.tag.split("}")[1]
        if name in _TBLPR_ORDER and _TBLPR_ORDER.index(name) > rank:
            tblpr.insert(i, child)
            return
    tblpr.append(child)


def _normalise_zip(data: bytes) -> bytes:
    """Fixed timestamps and attributes, so the same template gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, _ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


# --- shared sections (mirror _sections.j2) ---------------------------------------------------


def finding(m: Memo, var: str, lead: str) -> None:
    m.para(
        lead + "{{ " + var + ".label }}" + unknown(var) + "。{% if " + var + ".facts %}相关事实："
        "{{ " + var + ".facts }}。{% endif %}",
        source(var + ".source"),
    )


def findings(m: Memo, rows: str, none_text: str = "") -> None:
    m.tag("{%p for f in " + rows + " %}")
    finding(m, "f", "（{{ loop.index | cn_numeral }}）")
    if none_text:
        m.tag("{%p else %}")
        m.para(none_text)
    m.tag("{%p endfor %}")


def basic(m: Memo, title: str, clearing: bool = True) -> None:
    m.heading(title)
    m.para(
        "案件编号：{{ memo.case.id }}；案件名称：{{ memo.case.title }}；"
        "失误发生日期：{{ memo.case.incident_date }}。"
    )
    m.para(
        "当事人：{{ memo.case.cadre_name }}；单位：{{ memo.case.cadre_unit }}；"
        "职务：{{ memo.case.cadre_position }}。"
    )
    m.tag("{%p if memo.case.narrative %}")
    m.para("基本情况：{{ memo.case.narrative }}")
    m.tag("{%p endif %}")
    m.tag("{%p if memo.claims %}")
    m.para(
        "申请援引的容错情形：{% for c in memo.claims %}"
        + then("{{ c.label }}（{{ c.status_label }}）")
        + "{% endfor %}"
    )
    m.tag("{%p endif %}")
    m.tag("{%p if memo.case.evidence %}")
    m.para('已收集的证据材料：{{ memo.case.evidence | join("；") }}。')
    m.tag("{%p endif %}")
    m.tag("{%p if memo.presumed_paragraph %}")
    m.para("推定的事实：{{ memo.presumed_paragraph }}")
    m.tag("{%p endif %}")
    m.tag("{%p if memo.version_note %}")
    m.para("适用的规则版本：{{ memo.version_note }}")
    m.tag("{%p endif %}")
    if clearing:
        m.tag("{%p if memo.clearing and memo.clearing.paragraph %}")
        clearing_note(m)
        m.tag("{%p endif %}")


def clearing_note(m: Memo) -> None:
    m.para("澄清正名：{{ memo.clearing.paragraph }}")


def situations(m: Memo, title: str) -> None:
    m.heading(title)
    findings(m, "memo.situations", "经审查，本案不符合本规则集所列的任何容错情形。")


def conditions(m: Memo, title: str) -> None:
    m.heading(title)
    m.tag("{%p if memo.exclusions %}")
    m.para("经审查，存在以下不予容错情形：")
    findings(m, "memo.exclusions")
    m.tag("{%p else %}")
    m.para("经审查，不存在不予容错情形。")
    m.tag("{%p endif %}")
    m.para("容错条件逐项审查如下：")
    m.tag("{%p for f in memo.preconditions %}")
    m.para(
        "（{{ loop.index | cn_numeral }}）{{ f.label }}：",
        Strong(
            '{% if f.value == "true" %}满足{% elif f.value == "false" %}不满足'
            "{% else %}尚不能确定{% endif %}"
        ),
        "。{% if f.facts %}相关事实：{{ f.facts }}。{% endif %}",
        source("f.source"),
    )
    m.tag("{%p endfor %}")


def grounds(m: Memo, title: str) -> None:
    m.heading(title)
    findings(m, "memo.grounds", "未发现从轻、减轻或者从重、加重的情形。")


def looks(m: Memo, title: str) -> None:
    m.heading(title)
    m.tag("{%p for look in memo.looks %}")
    m.para(
        "（{{ loop.index | cn_numeral }}）{{ look.label }}：",
        Strong("{{ look.finding_label }}"),
        "。{% if look.known %}已查明：{{ look.known }}。{% endif %}"
        "{% if look.unknown %}尚未查明：{{ look.unknown }}。{% endif %}"
        "{% for r in look.rules %}{{ r.label }}" + unknown("r"),
        source("r.source"),
        then("") + "{% else %}本项没有成立的认定规则，按{{ look.finding_label }}处理。{% endfor %}",
    )
    m.tag("{%p endfor %}")


def distinctions(m: Memo, title: str) -> None:
    m.heading(title)
    m.tag("{%p for d in memo.distinctions %}")
    m.para(
        "（{{ loop.index | cn_numeral }}）{{ d.label }}：",
        Strong("{{ d.side_label }}"),
        "。{% for r in d.rules %}{{ r.label }}" + unknown("r"),
        source("r.source"),
        then("") + "{% endfor %}",
    )
    m.tag("{%p endfor %}")


def proposal(m: Memo) -> None:
    m.para("{{ memo.reason }}", source("memo.deciding.source", guard="memo.deciding"))


def corrections(m: Memo, title: str) -> None:
    m.heading(title)
    m.tag("{%p if not memo.corrections_given %}")
    m.para("案件材料未载明纠错措施。请明确纠正事项、责任人和完成时限后填入下表，并安排回访。")
    m.tag("{%p else %}")
    m.para("按照“谁的失误谁纠正”的要求，纠错措施如下，完成后组织回访：")
    m.tag("{%p endif %}")
    m.table(
        ["序号", "纠错事项", "责任人（单位）", "完成时限"],
        [14, 58, 40, 44],
        "c in memo.corrections",
        ["{{ loop.index }}", "{{ c.what }}", "{{ c.who }}", "{{ c.due }}"],
    )


def effects(m: Memo, title: str) -> None:
    m.tag("{%p if memo.effects %}")
    m.heading(title)
    m.tag("{%p for e in memo.effects %}")
    m.para("{{ loop.index }}. {{ e.text }}", source("e.source"))
    m.tag("{%p endfor %}")
    m.tag("{%p endif %}")


def deadlines(m: Memo, title: str) -> None:
    m.heading(title)
    m.tag("{%p for d in memo.deadlines %}")
    m.para(
        "{{ loop.index }}. {{ d.label }}。{{ d.description }}{% if d.deadline %}期限{{ d.limit }}，"
        "自{{ d.starts }}（{{ d.start_date }}{% if d.start_note %}，{{ d.start_note }}{% endif %}）"
        "起算，截止日期为",
        Strong("{{ d.deadline }}"),
        "{% if d.extended_deadline %}；经批准延长的，截止日期为{{ d.extended_deadline }}{% endif %}。"
        "{% elif d.limit %}期限{{ d.limit }}，自{{ d.starts }}起算（{{ d.start_note }}）。"
        "{% else %}不设固定期限。{% endif %}",
        source("d.source"),
    )
    m.tag("{%p else %}")
    m.para("本规则集未规定程序时限，请按本地实施办法执行。")
    m.tag("{%p endfor %}")
    m.para(_WORKING_DAYS)
    m.tag("{%p if memo.impact_period %}")
    impact_period(m)
    m.tag("{%p endif %}")


def impact_period(m: Memo) -> None:
    """处分影响期 (catalogue §12): only when the case records a sanction (_sections.j2)."""
    m.subheading("处分影响期")
    m.tag("{%p for l in memo.impact_period.sanctions %}")
    m.para(
        "（{{ loop.index | cn_numeral }}）{{ l.text }}{% if l.error %}{{ l.error }}。{% endif %}",
        source("l.no_post_source", "l.no_post_source"),
        source("l.source", "not l.error"),
    )
    m.tag("{%p endfor %}")
    m.tag("{%p if memo.impact_period.error %}")
    m.para("{{ memo.impact_period.text }}")
    m.tag("{%p else %}")
    m.para(Strong("{{ memo.impact_period.text }}"), _MONTHS)
    m.tag("{%p endif %}")


_MONTHS = (
    "影响期按月计算，起止之日均计入：届满之日为起算之日在对应月份同一日的前一日"
    "（该月没有同一日的，为该月最后一日）。"
)


def closing(m: Memo) -> None:
    m.tag("{%p if memo.deciding_body or memo.filed_with %}")
    m.para(
        "{% if memo.deciding_body %}按照“谁追责问责，谁负责容错”的要求，本案由问责机关"
        "{{ memo.deciding_body.name }}{% if memo.deciding_body.kind_label not in "
        "memo.deciding_body.name %}（{{ memo.deciding_body.kind_label }}）{% endif %}作出认定。"
        "{% endif %}{% if memo.filed_with %}认定结果报{{ memo.filed_with }}备案。{% endif %}"
    )
    m.tag("{%p endif %}")
    note = m.para("本意见为认定建议，须经党委（党组）集体研究决定，不代替集体决策。")
    # The signature never stands alone on a page (GB/T 9704 7.3.5.1): it takes the last
    # paragraph of the text with it.
    signoff(m, note)


def signoff(m: Memo, last: Any = None, seal: int = 20) -> None:
    """The signature and the provenance line (notices and letters: closing() without its note).

    ``last``, the text's last paragraph, is kept on the signature's page (GB/T 9704 7.3.5.1:
    the signature never stands alone); ``seal`` is the room left for the seal, in mm (a notice
    of one page uses less, so that it stays on one page)."""
    if last is not None:
        last.paragraph_format.keep_with_next = True
        last.paragraph_format.keep_together = True
    issuer = m.para("{{ memo.issuer }}（盖章）", style="SignatureBlock")
    issuer.paragraph_format.space_before = Mm(seal)  # room for the seal
    m.para("{{ memo.date }}", style="SignatureBlock")
    provenance = m.para(
        "生成信息：规则集 {{ memo.provenance.ruleset_id }}（{{ memo.provenance.ruleset_title }}）"
        "版本 {{ memo.provenance.ruleset_version }}，内容哈希 {{ memo.provenance.ruleset_hash }}；"
        "案件 {{ memo.provenance.case_id }}（{{ memo.provenance.case_hash }}）；"
        "认定日期 {{ memo.provenance.as_of }}；引擎 {{ memo.provenance.engine }}，"
        "rongcuo {{ memo.provenance.rongcuo_version }}；模板 {{ memo.provenance.template }} "
        "版本 {{ memo.provenance.template_version }}（{{ memo.provenance.template_hash }}）；"
        "工作日历 {{ memo.provenance.calendar }}。",
        style="Provenance",
    )
    if seal < 20:
        provenance.paragraph_format.space_before = Mm(4)


# --- clearing names (mirror the clearing macros of _sections.j2) ----------------------------


def allegation_finding(m: Memo, a: str, lead: str = "") -> None:
    m.para(
        lead + "反映的问题：{{ " + a + ".summary }}。核查结论：",
        Strong("{{ " + a + ".finding_label }}"),
        "。{% if " + a + ".strike %}{{ " + a + ".strike.label }}。",
        source(a + ".strike.source"),
        "{% endif %}",
    )
    m.tag("{%p if " + a + ".kind %}")
    m.para(
        "诬告陷害的种类：{{ " + a + ".kind.label }}{% if " + a + ".kind_presumed %}"
        "（核查未载明种类，按此认定）{% endif %}，即{{ " + a + ".kind.definition }}。",
        source(a + ".kind.source"),
    )
    m.tag("{%p endif %}")


def allegation_clearing(m: Memo, a: str) -> None:
    m.tag("{%p if " + a + '.clearing == "pending" %}')
    m.para(
        "澄清正名：",
        Strong("{{ " + a + ".clearing_label }}"),
        "。{% if " + a + ".consent_pending %}是否澄清须征得本人同意，目前",
        Strong("尚待征求本人意见"),
        "；{% endif %}尚待查明的事实：{{ "
        + a
        + ".pending }}。查明并征得本人同意后，按下列方式澄清。",
    )
    m.tag("{%p else %}")
    m.para("澄清正名：", Strong("{{ " + a + ".clearing_label }}"), "。")
    m.tag("{%p endif %}")
    m.para(
        "澄清方式：{% for x in " + a + ".methods %}{{ x.label }}",
        source("x.source"),
        then("") + "{% else %}由负责澄清的机关（部门）确定。{% endfor %}",
    )
    m.para("澄清范围：问题传播范围为{{ " + a + ".spread_label }}，在不小于其影响的范围内澄清。")
    m.para("负责澄清：{{ " + a + ".by }}。", source(a + ".by_source"))
    m.tag("{%p if " + a + ".deadline %}")
    m.para("澄清时限：{{ " + a + ".deadline.text }}。", source(a + ".deadline.source"))
    m.tag("{%p endif %}")


_WORKING_DAYS = (
    "以上期限按国务院公布的工作日计算（含调休上班日，不含法定节假日和休息日），起算当日不计入。"
)


# --- the memos (mirror <outcome>.j2)# --- the memos (mirror <outcome>.j2) ---------------------------------------------------------


def tolerate() -> Memo:
    m = Memo("容错免责认定意见（建议）", "tolerate")
    basic(m, "一、基本情况")
    situations(m, "二、符合的容错情形")
    conditions(m, "三、不予容错情形与容错条件")
    looks(m, "四、六看分析")
    distinctions(m, "五、三个区分开来")
    m.heading("六、认定建议")
    m.para(
        "综上，{{ memo.case.cadre_name }}同志在{{ memo.case.title }}中的失误，符合上述容错情形，"
        "不存在不予容错情形，容错条件均已满足。建议对{{ memo.case.cadre_name }}同志",
        Strong("{{ memo.outcome_label }}"),
        "。",
    )
    proposal(m)
    corrections(m, "七、纠错措施")
    effects(m, "八、容错后的影响")
    deadlines(m, "九、后续程序和时限")
    closing(m)
    return m


def mitigate() -> Memo:
    m = Memo("从轻减轻问责意见（建议）", "mitigate")
    basic(m, "一、基本情况")
    situations(m, "二、符合的容错情形")
    conditions(m, "三、不予容错情形与容错条件")
    grounds(m, "四、从轻、减轻情形")
    looks(m, "五、六看分析")
    distinctions(m, "六、三个区分开来")
    m.heading("七、认定建议")
    m.para(
        "综上，{{ memo.case.cadre_name }}同志在{{ memo.case.title }}中的失误，不存在不予容错情形，"
        "但尚不具备全部免责的条件。建议对{{ memo.case.cadre_name }}同志",
        Strong("{{ memo.outcome_label }}"),
        "，在确定问责方式时予以考虑。",
    )
    proposal(m)
    corrections(m, "八、纠错措施")
    effects(m, "九、认定后的影响")
    deadlines(m, "十、后续程序和时限")
    closing(m)
    return m


def not_tolerate() -> Memo:
    m = Memo("不予容错告知", "not_tolerate")
    m.para("{{ memo.case.cadre_name }}同志：", style="Salutation")
    m.para(
        "关于{{ memo.case.title }}（案件编号 {{ memo.case.id }}）的容错认定，经调查核实和审查，"
        "现将有关意见告知如下。"
    )
    basic(m, "一、基本情况")
    m.heading("二、不予容错的理由")
    m.tag("{%p if memo.exclusions %}")
    m.para("经审查，存在下列不予容错情形，任何一项成立即不予容错：")
    findings(m, "memo.exclusions")
    m.tag("{%p if memo.unmet_preconditions %}")
    m.para("下列容错条件未能满足：")
    findings(m, "memo.unmet_preconditions")
    m.tag("{%p endif %}")
    m.tag("{%p else %}")
    m.para("经审查，本案不符合本规则集所列的任何容错情形，也不具备从轻、减轻问责的情形。")
    m.tag("{%p if memo.open_situations %}")
    m.para(
        "以下容错情形因事实尚不清楚未能认定：{% for f in memo.open_situations %}"
        + then("{{ f.label }}")
        + "{% endfor %}"
    )
    m.tag("{%p endif %}")
    m.tag("{%p endif %}")
    proposal(m)
    m.tag("{%p if memo.exclusions and memo.situations %}")
    m.heading("三、经审查符合、但因不予容错情形而不适用的容错情形")
    findings(m, "memo.situations")
    m.tag("{%p else %}")
    m.heading("三、容错情形审查")
    findings(m, "memo.situations", "经审查，本案不符合本规则集所列的任何容错情形。")
    m.tag("{%p endif %}")
    looks(m, "四、六看分析")
    distinctions(m, "五、三个区分开来")
    m.heading("六、认定建议")
    m.para("综上，建议对{{ memo.case.cadre_name }}同志", Strong("{{ memo.outcome_label }}"), "。")
    corrections(m, "七、纠错措施")
    effects(m, "八、认定后的影响")
    deadlines(m, "九、权利告知与后续程序")
    m.para("对认定结果不服的，可在上述期限内向认定机关提出书面复核申请。")
    closing(m)
    return m


def insufficient_facts() -> Memo:
    m = Memo("补充调查通知", "insufficient_facts")
    m.para(
        "关于{{ memo.case.title }}（案件编号 {{ memo.case.id }}）的容错认定，现有材料尚不足以作出认定。"
        "请调查组按本通知所列顺序补充查明以下事实后重新提交。"
    )
    basic(m, "一、基本情况")
    m.heading("二、尚需查明的事实")
    m.tag("{%p for m in memo.missing %}")
    m.subheading("（{{ loop.index | cn_numeral }}）{{ m.label }}（{{ m.weight }}）")
    m.tag("{%p if m.question %}")
    m.para("需查明：{{ m.question }}")
    m.tag("{%p endif %}")
    m.tag("{%p if m.stated_unknown %}")
    m.para("案件材料载明此项尚未查明，不按推定认定。")
    m.tag("{%p endif %}")
    m.tag("{%p if m.looks %}")
    m.para("涉及六看：{{ m.looks }}。")
    m.tag("{%p endif %}")
    m.tag("{%p for r in m.rules %}")
    m.para("相关认定规则：{{ r.label }}", source("r.source"))
    m.tag("{%p endfor %}")
    m.tag("{%p if m.changes_outcome %}")
    m.tag("{%p for e in m.effects %}")
    m.para("{{ e }}")
    m.tag("{%p endfor %}")
    m.tag("{%p endif %}")
    m.tag("{%p endfor %}")
    m.heading("三、目前可能的认定结论")
    m.para(
        '在上述事实查明之前，本案可能的结论为：{{ memo.possible_outcomes | join("；") }}。'
        "{{ memo.reason }}"
    )
    m.heading("四、现有材料已认定的情况")
    m.para("已认定符合的容错情形：")
    findings(m, "memo.situations", "暂无。")
    m.tag("{%p if memo.exclusions %}")
    m.para("已认定的不予容错情形：")
    findings(m, "memo.exclusions")
    m.tag("{%p endif %}")
    looks(m, "五、六看分析（现有材料）")
    distinctions(m, "六、三个区分开来（现有材料）")
    deadlines(m, "七、补充调查时限")
    closing(m)
    return m


def refer() -> Memo:
    m = Memo("提请集体研究", "refer")
    m.para(
        "关于{{ memo.case.title }}（案件编号 {{ memo.case.id }}）的容错认定，"
        "按规定提请党委（党组）集体研究。"
    )
    basic(m, "一、基本情况")
    m.heading("二、提请研究的事项")
    proposal(m)
    m.tag('{%p for c in memo.claims if c.status == "referred_to_committee" %}')
    m.para("申请人援引“{{ c.label }}”，该情形须由党委（党组）集体研究认定。")
    m.tag("{%p endfor %}")
    situations(m, "三、已审查的容错情形")
    conditions(m, "四、不予容错情形与容错条件")
    looks(m, "五、六看分析")
    distinctions(m, "六、三个区分开来")
    m.heading("七、建议")
    m.para("建议", Strong("{{ memo.outcome_label }}"), "，并在研究时听取纪检监察机关意见。")
    deadlines(m, "八、后续程序和时限")
    closing(m)
    return m


def cleared() -> Memo:
    m = Memo("澄清正名认定意见（建议）", "cleared")
    basic(m, "一、基本情况", clearing=False)
    m.heading("二、问题线索核查情况")
    m.tag("{%p for a in memo.clearing.allegations %}")
    allegation_finding(m, "a", "（{{ loop.index | cn_numeral }}）{{ a.id }}。")
    m.tag("{%p endfor %}")
    m.heading("三、认定建议")
    m.para(
        "综上，反映{{ memo.case.cadre_name }}同志的问题经核查均失实、错告误告或诬告陷害，"
        "已从问责事项中排除，且未认定任何不予容错情形或容错情形。建议对{{ memo.case.cadre_name }}同志",
        Strong("{{ memo.outcome_label }}"),
        "。",
    )
    proposal(m)
    m.heading("四、澄清正名")
    clearing_note(m)
    m.tag("{%p for a in memo.clearing.to_clear %}")
    m.subheading("（{{ loop.index | cn_numeral }}）{{ a.id }}：{{ a.summary }}")
    allegation_clearing(m, "a")
    m.tag("{%p endfor %}")
    m.heading("五、对举报人的处理")
    m.tag("{%p for a in memo.clearing.allegations %}")
    m.para(
        "（{{ loop.index | cn_numeral }}）{{ a.id }}：{{ a.reporter }}。"
        "{% for h in a.handlings %}{{ h.label }}",
        source("h.source"),
        then("") + "{% else %}无需另行处理。{% endfor %}",
    )
    m.tag("{%p endfor %}")
    effects(m, "六、认定后的影响")
    deadlines(m, "七、后续程序和时限")
    closing(m)
    return m


def clearing() -> Memo:
    m = Memo("澄清正名通知书", "clearing")
    m.para("{{ memo.case.cadre_name }}同志、{{ memo.case.cadre_unit }}：", style="Salutation")
    m.para(
        "关于反映{{ memo.case.cadre_name }}同志（{{ memo.case.cadre_unit }}"
        "{{ memo.case.cadre_position }}）的问题（案件编号 {{ memo.case.id }}），经调查核实，"
        "现将澄清正名事项通知如下。"
    )
    m.tag("{%p for a in memo.clearing.to_clear %}")
    m.heading("{{ loop.index | cn_numeral }}、{{ a.id }}：{{ a.summary }}")
    allegation_finding(m, "a")
    allegation_clearing(m, "a")
    m.tag("{%p endfor %}")
    waiting = 'memo.clearing.to_clear | selectattr("clearing", "equalto", "pending") | list'
    m.tag("{%p if " + waiting + " %}")
    m.para(
        "上述{% for a in " + waiting + ' %}{{ a.id }}{{ "、" if not loop.last else "" }}'
        "{% endfor %}的澄清正名",
        Strong("尚待征求本人意见"),
        "或查明有关事实，在此之前不予澄清；本人同意后，按本通知所列方式、范围和时限办理。",
    )
    m.tag("{%p endif %}")
    signoff(m, m.para(_WORKING_DAYS), seal=12)
    return m


def referral() -> Memo:
    m = Memo("诬告陷害问题移送函", "referral")
    m.para("＿＿＿＿＿＿（受移送机关）：", style="Salutation")
    m.para(
        "我们在核查反映{{ memo.case.cadre_name }}同志（{{ memo.case.cadre_unit }}"
        "{{ memo.case.cadre_position }}）问题的过程中（案件编号 {{ memo.case.id }}），"
        "查明下列问题线索系诬告陷害。现将有关情况函告如下。"
    )
    m.tag("{%p if memo.case.narrative %}")
    m.para("基本情况：{{ memo.case.narrative }}")
    m.tag("{%p endif %}")
    m.tag("{%p for a in memo.clearing.to_refer %}")
    m.heading("{{ loop.index | cn_numeral }}、{{ a.id }}：{{ a.summary }}")
    m.para("举报方式：{{ a.reporter }}；传播范围：{{ a.spread_label }}。")
    allegation_finding(m, "a")
    m.tag("{%p if not a.kind %}")
    m.para("诬告陷害的种类：核查未载明。")
    m.tag("{%p endif %}")
    m.tag('{%p for h in a.handlings if h.id == "referred" %}')
    m.para("处理意见：{{ h.label }}。", source("h.source"))
    m.tag("{%p endfor %}")
    m.tag("{%p endfor %}")
    signoff(
        m,
        m.para(
            "请依规依纪依法对诬告陷害者予以查处，并将处理结果函告我们。有关核查材料可另行调阅。"
        ),
        seal=12,
    )
    return m


def reporter() -> Memo:
    """One notice per allegation, each on pages of its own (a page break between)."""
    m = Memo("举报人核查结果告知书", "reporter", heading=False)
    m.tag("{%p for a in memo.clearing.to_tell %}")
    # Each notice after the first starts a page: its title breaks the page before it (a page
    # break paragraph would give an empty page when the notice before fills its last page).
    m.tag("{%p if not loop.first %}")
    m.para("举报人核查结果告知书", style="Title").paragraph_format.page_break_before = True
    m.tag("{%p else %}")
    m.para("举报人核查结果告知书", style="Title")
    m.tag("{%p endif %}")
    m.para("{{ memo.doc_number }}", style="DocNumber")
    m.para("＿＿＿＿＿＿（举报人）：", style="Salutation")
    m.para(
        "你（单位）实名反映{{ memo.case.cadre_name }}同志“{{ a.summary }}”的问题（编号 {{ a.id }}），"
        '我们已调查核实完毕。现将核查结果告知如下。{% for h in a.handlings if h.id == "feedback" %}',
        source("h.source"),
        "{% endfor %}",
    )
    m.para("核查结果：", Strong("{{ a.finding_label }}"), "。")
    m.tag('{%p for h in a.handlings if h.id != "feedback" %}')
    m.para("对举报人的处理：{{ h.label }}。", source("h.source"))
    m.tag("{%p endfor %}")
    signoff(m, m.para("感谢你对监督工作的支持。"), seal=12)
    m.tag("{%p endfor %}")
    return m


MEMOS: dict[str, Callable[[], Memo]] = {
    "tolerate": tolerate,
    "mitigate": mitigate,
    "not_tolerate": not_tolerate,
    "insufficient_facts": insufficient_facts,
    "refer": refer,
    "cleared": cleared,
    "clearing": clearing,
    "referral": referral,
    "reporter": reporter,
}


def main(argv: list[str]) -> int:
    out = Path(argv[0]) if argv else OUT
    out.mkdir(parents=True, exist_ok=True)
    for kind, build in MEMOS.items():
        path = out / f"{kind}.docx"
        build().save(path)
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
