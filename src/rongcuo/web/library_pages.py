"""The typical-case library in the workspace (典型案例库, catalogue §13): takes the service's
library folder (``rongcuo serve --library DIR``); gives the page ``/library`` (the entries, with
the booklet 典型案例汇编 to download as DOCX or PDF), the page ``/library/{key}`` (one anonymised
entry: 案情, 认定结果, 依据条款, 六看, 启示) and, for the case workspace's live panel,
:func:`similar_cases` (相似典型案例: the three entries most like the case on the form, each with
what it shares). Without a library the pages are the service's 404 RC917 as a page, and the
panel shows no such section.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from rongcuo.case.contract import Case
from rongcuo.decision.model import Decision
from rongcuo.precedents.booklet import basis
from rongcuo.precedents.entry import lessons
from rongcuo.ruleset.model import Ruleset
from rongcuo.service.core import Refused, Service
from rongcuo.service.precedents import entry_key, find_entry, library_index, similar
from rongcuo.web.pages import Pages
from rongcuo.web.routing import add_page, pages_of

#: How many similar cases the panel shows.
PANEL_TOP = 3
#: The shared sets the panel names, in order, with their Chinese names.
SHOWN_SETS = (
    ("situations", "容错情形"),
    ("exclusions", "不予容错情形"),
    ("looks", "六看"),
    ("work_area", "事项领域"),
)


def register(pages: Pages) -> None:
    """Add the library's pages."""
    add_page(pages, "/library", library_page)
    add_page(pages, "/library/{key}", entry_page)


def similar_cases(
    svc: Service, case: Case | None, decision: Decision | None, rs: Ruleset
) -> dict[str, Any] | None:
    """The panel's 相似典型案例 for a decided case: ``{"hits": [...], "error": ""}``, each hit
    with its key, id, title, outcome, score and what it shares in words; ``None`` when the
    service has no library or the case is not decided."""
    if svc.config.library is None or case is None or decision is None:
        return None
    try:
        index = library_index(svc)
    except Refused:  # gone bad since the start: the panel says so, the case is still decided
        return {"hits": [], "error": "典型案例库暂不可用"}
    hits = []
    for h in similar(index, case, decision, rs, PANEL_TOP):
        shared = [
            {"name": name, "words": [index.labels.get(i, i) for i in h.shared.get(key, [])]}
            for key, name in SHOWN_SETS
            if h.shared.get(key)
        ]
        hits.append(
            {
                "key": entry_key(h.library_id),
                "library_id": h.library_id,
                "title": h.title,
                "outcome": h.outcome,
                "outcome_label": h.outcome_label,
                "final": h.final,
                "score": f"{h.score:.2f}",
                "shared": shared,
            }
        )
    return {"hits": hits, "error": ""}


def library_page(request: Request) -> HTMLResponse:
    """``GET /library``: the entries, and the booklet's downloads."""
    pages = pages_of(request)
    index = library_index(pages.svc)
    rows = [
        {
            "key": entry_key(r.library_id),
            "library_id": r.library_id,
            "title": r.title,
            "outcome": r.outcome,
            "outcome_label": r.outcome_label,
            "final": r.final,
        }
        for r in index.entries
    ]
    wording = lessons()
    return pages.render(
        request,
        "library/list.html",
        title="典型案例",
        booklet_title=str(wording["title"]),
        subtitle=str(wording.get("subtitle", "")),
        rows=rows,
    )


def entry_page(request: Request, key: str) -> HTMLResponse:
    """``GET /library/{key}``: one entry, anonymised."""
    pages = pages_of(request)
    entry = find_entry(pages.svc, key)
    return pages.render(
        request,
        "library/entry.html",
        title=entry.library_id,
        e=entry,
        basis=basis(entry),
    )
