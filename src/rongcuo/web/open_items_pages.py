"""The workspace's 待办事项 page: what is open across every case, overdue first.

Takes the service's case store (through :meth:`~rongcuo.service.core.Service.book`); gives
``GET /open-items`` — every body's step, correction item, return visit and prevention measure
not yet done on a day (:func:`rongcuo.procedure.loop.open_items`, as ``rongcuo case report``
and ``GET /v1/open-items`` give them).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from rongcuo.procedure.loop import KIND_LABELS, OpenItem, open_items
from rongcuo.web.pages import Pages
from rongcuo.web.procedure_pages import day_of, days_left, guarded
from rongcuo.web.routing import add_page, pages_of


def register(pages: Pages) -> None:
    """Add the 待办事项 page."""
    add_page(pages, "/open-items", open_items_page)


def open_items_page(request: Request, as_of: str | None = None) -> HTMLResponse:
    """``GET /open-items``: what is open across every case on ``as_of`` (待办事项), overdue
    first: the steps, correction items, return visits and prevention measures not done."""
    pages = pages_of(request)
    day = day_of(as_of)

    def work() -> list[OpenItem]:
        with pages.svc.book() as book:
            return open_items(book.all(day))

    items = guarded(work)
    return pages.render(
        request,
        "procedure/open_items.html",
        title="待办事项",
        items=[{"i": i, "kind": KIND_LABELS[i.kind], "left": days_left(i.due, day)} for i in items],
        late=sum(1 for i in items if i.overdue),
        day=day,
        as_of=as_of or "",
    )
