"""Mounting the workspace on the service: takes the FastAPI app and the :class:`Service`, gives
the static files, the front page, signing in and out, and :class:`Pages`, which every page
module uses to render a template (with the officer's session and cross-site token) and to
answer an error as a page.

Page modules add their routes with ``register(pages)`` functions; ``mount`` calls each.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import jinja2
from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from rongcuo.api import __version__
from rongcuo.errors import Diagnostic, InputError, RulesetNotFound
from rongcuo.service.core import Refused, Service, refused
from rongcuo.web.session import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Sessions,
    csrf_ok,
    csrf_token,
    safe_next,
)

HERE = Path(__file__).parent
#: Paths that belong to the JSON API: their errors are JSON, every other path's a page.
API_PREFIXES = ("/v1/", "/healthz", "/openapi.json", "/docs", "/redoc")


def is_page(request: Request) -> bool:
    """Whether ``request`` is for a page (its errors are pages) rather than the JSON API: not
    an API path, and asked for by a browser (it accepts HTML) or by htmx."""
    if is_api(request):
        return False
    return "text/html" in request.headers.get("accept", "") or "hx-request" in request.headers


def is_api(request: Request) -> bool:
    """Whether ``request`` is for a path of the JSON API."""
    path = request.url.path
    return any(path == p.rstrip("/") or path.startswith(p) for p in API_PREFIXES)


class Pages:
    """What the page modules share: the app (to add routes to), the service, the sessions and
    the template environment."""

    def __init__(self, app: FastAPI, svc: Service) -> None:
        self.app = app
        self.svc = svc
        self.sessions = Sessions(svc.token)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(HERE / "templates"),
            autoescape=jinja2.select_autoescape(["html"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.globals["version"] = __version__

    def render(
        self, request: Request, name: str, status: int = 200, **context: Any
    ) -> HTMLResponse:
        """Template ``name`` as a page, with the officer's session and cross-site token."""
        context.setdefault("title", "")
        html = self.env.get_template(name).render(
            request=request,
            csrf=csrf_token(request),
            signed_in=self.sessions.signed_in(request),
            sign_in_needed=self.sessions.required,
            **context,
        )
        return HTMLResponse(html, status_code=status)

    def error(
        self, request: Request, status: int, diagnostics: Sequence[Diagnostic]
    ) -> HTMLResponse:
        """An error as a page: each problem in Chinese and English, with its hint; to htmx,
        the list of problems alone, for it to swap into the part of the page that asked."""
        if "hx-request" in request.headers:
            return self.render(
                request,
                "_diagnostics.html",
                status=status,
                status_code=status,
                diagnostics=list(diagnostics),
            )
        return self.render(
            request,
            "error.html",
            status=status,
            title="出错了",
            status_code=status,
            diagnostics=list(diagnostics),
        )

    def require_write(self, request: Request, csrf: str | None) -> None:
        """Refuse a write from a page unless the officer is signed in (when the service has a
        token: 401 RC906) and the form is this site's (403 RC910)."""
        if not self.sessions.signed_in(request):
            raise refused(
                401,
                "RC906",
                "请先登录（使用本服务的令牌）",
                "sign in first (with the service's token)",
            )
        if not csrf_ok(request, csrf):
            raise cross_site()


def cross_site() -> Refused:
    """403 RC910: a form that is not this site's, or stale."""
    return refused(
        403,
        "RC910",
        "表单不是来自本站，或已过期：请刷新页面后再提交",
        "the form is not this site's, or it is stale: reload the page and submit again",
    )


def set_csrf_cookie(request: Request, response: Response) -> None:
    """Set the browser's cross-site token cookie when this request made a new one."""
    made = getattr(request.state, "new_csrf", None)
    if made is not None:
        response.set_cookie(
            CSRF_COOKIE,
            made,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


def mount(app: FastAPI, svc: Service, modules: Sequence[Callable[[Pages], Any]] = ()) -> Pages:
    """Serve the workspace on ``app``: static files, the front page, sign-in, and the routes
    that each of ``modules`` registers."""
    pages = Pages(app, svc)
    app.state.pages = pages  # for route functions defined at module level
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def front(request: Request) -> HTMLResponse:
        engine = svc.engine
        rows = []
        for rid in engine.library.ids():
            try:
                files = engine.library.versions(rid).files
            except (InputError, RulesetNotFound):  # listed without versions, not served
                files = []
            rows.append({"id": rid, "versions": files})
        return pages.render(request, "index.html", title="规则集", rulesets=rows)

    @app.get("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin_form(request: Request, next: str = "/") -> HTMLResponse:
        return pages.render(
            request, "signin.html", title="登录", next=safe_next(next), failed=False
        )

    @app.post("/signin", response_class=HTMLResponse, include_in_schema=False)
    def signin(
        request: Request,
        token: str = Form(""),
        csrf: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        if not csrf_ok(request, csrf):
            raise cross_site()
        if not pages.sessions.token_matches(token):
            return pages.render(
                request, "signin.html", status=401, title="登录", next=safe_next(next), failed=True
            )
        response = RedirectResponse(safe_next(next), status_code=303)
        response.set_cookie(
            SESSION_COOKIE,
            pages.sessions.issue(),
            max_age=SESSION_SECONDS,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @app.post("/signout", include_in_schema=False)
    def signout(request: Request, csrf: str = Form("")) -> Response:
        if not csrf_ok(request, csrf):
            raise cross_site()
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(SESSION_COOKIE)
        return response

    for register in modules:
        register(pages)
    return pages


def refusal_page(pages: Pages, request: Request, exc: Refused) -> HTMLResponse:
    """A :class:`Refused` on a page route, as a page."""
    response = pages.error(request, exc.status, exc.diagnostics)
    for key, value in exc.headers.items():
        response.headers[key] = value
    return response
