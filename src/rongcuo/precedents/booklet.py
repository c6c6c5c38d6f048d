"""The booklet 典型案例汇编: a library's entries as a document to issue (catalogue §13: 不定期印发).

Takes library entries (:func:`rongcuo.precedents.build.load_entries`) and the wording of
``data/booklet.yaml``; gives the booklet's bytes:

- **PDF**: ``templates/booklet.j2`` rendered to HTML by the memo stage's
  :class:`~rongcuo.memo.render.Renderer` (Jinja's sandbox with rongcuo's budgets,
  ``StrictUndefined``, autoescaped) and printed by WeasyPrint with its font check and
  confined resources (RC405, RC411, RC416 as for memos). A copy of the template in a folder of
  one's own, passed as ``template_dirs``, overrides the bundled one.
- **DOCX**: built with python-docx (:mod:`.booklet_docx`), the same sections in the same order.

Both: a cover with the title, 目录, then each case on a new page — 标题, 基本案情, 认定结果,
依据条款, 六看, 启示 — on A4 after GB/T 9704 (margins 37/26/35/28 mm, 仿宋/黑体-like CJK fonts,
page numbers ``— N —``). The same entries give the same HTML and DOCX bytes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from rongcuo.memo.render import Renderer
from rongcuo.precedents.entry import Entry, lessons

TEMPLATES = Path(__file__).parent / "templates"
BookletFormat = Literal["docx", "pdf", "html"]
#: The fixed date written into the DOCX properties: a booklet never reads the clock.
STAMP = dt.date(2026, 1, 1)


def booklet_context(entries: Sequence[Entry]) -> dict[str, Any]:
    """What the booklet templates are given: ``booklet`` (title, subtitle, issuer, count) and
    ``entries`` (each entry's JSON data)."""
    wording = lessons()
    return {
        "booklet": {
            "title": str(wording["title"]),
            "subtitle": str(wording.get("subtitle", "")),
            "issuer": str(wording.get("issuer", "")),
            "count": len(entries),
        },
        "entries": [{**e.model_dump(mode="json"), "basis": basis(e)} for e in entries],
    }


def basis(entry: Entry) -> str:
    """The 依据条款 line: 依据《document》number clause：“text”。 (empty without a rule)."""
    rule = entry.deciding_rule
    if rule is None:
        return ""
    title = rule["doc_title"]
    if title and not title.startswith("《"):
        title = f"《{title}》"
    text = rule["text"].strip()
    quote = f"：“{text}”" if text else ""
    end = "" if quote and text[-1] in "。；！？" else "。"
    return f"依据{title}{rule['doc_number']}{rule['clause']}{quote}{end}"


def render_booklet(
    entries: Sequence[Entry], fmt: BookletFormat, template_dirs: Sequence[Path | str] = ()
) -> bytes:
    """The booklet of ``entries`` as ``fmt`` bytes (PDF and HTML from ``booklet.j2``)."""
    context = booklet_context(entries)
    if fmt == "docx":
        from rongcuo.precedents.booklet_docx import docx_booklet

        return docx_booklet(context, STAMP)
    renderer = Renderer([*template_dirs, TEMPLATES])
    info = renderer.find("booklet", fmt)
    return renderer.render(info, fmt, context, STAMP)
