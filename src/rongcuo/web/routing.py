"""How a page module wires its routes: takes route functions defined at module level, gives
them to the app as page routes (HTML, left out of the API's schema), and gives a route function
the workspace's :class:`~rongcuo.web.pages.Pages` from its request (``app.state.pages``, set by
:func:`~rongcuo.web.pages.mount`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from fastapi import Request
from fastapi.responses import HTMLResponse

from rongcuo.web.pages import Pages


def pages_of(request: Request) -> Pages:
    """The workspace's :class:`Pages` that the request's app serves."""
    return cast(Pages, request.app.state.pages)


def add_page(pages: Pages, path: str, endpoint: Callable[..., Any], method: str = "GET") -> None:
    """Add ``endpoint`` to the app as the page route ``method path``."""
    pages.app.add_api_route(
        path,
        endpoint,
        methods=[method],
        response_class=HTMLResponse,
        include_in_schema=False,
    )
