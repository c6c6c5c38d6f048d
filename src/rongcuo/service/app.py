"""The service's ASGI application: takes a :class:`Config`, gives a FastAPI app.

Endpoints (the paths are the contract, docs/service.md): ``GET /healthz``; the ruleset reads
(service/rulesets.py); evaluate and memo (service/decide.py); the records, their reviews and
replays (service/records.py); cases through their procedure (service/cases.py); the
typical-case library (service/precedents.py) and assessments (service/assess.py). Every response
names the rongcuo version (``X-Rongcuo-Version``) and the request (``X-Request-Id``); every
error is JSON with located diagnostics (service/errors.py); one JSON line a request goes to the
access log.
"""

from __future__ import annotations

import json
import logging
import os
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rongcuo.api import __version__
from rongcuo.service import assess, cases, decide, precedents, records, rulesets
from rongcuo.service.core import Config, Refused, Service, too_large
from rongcuo.service.errors import error_response, request_error
from rongcuo.web import modules as web_modules
from rongcuo.web.pages import is_api, is_page, mount, refusal_page, set_csrf_cookie

__all__ = ["CONFIG_ENV", "Config", "app_from_env", "create_app"]

log = logging.getLogger("rongcuo.service")
#: What an HTTP error of the framework's own (no such path, a wrong method) says in Chinese.
_HTTP_ZH = {404: "没有这个页面或接口", 405: "该地址不接受这种请求方法"}
#: What a page may load and run: its own scripts and styles only (htmx, CodeMirror and the
#: page scripts are served from /static), no plugins, no framing, forms posted back here only.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
#: The headers a browser page on an allowed origin may read (when CORS is asked for).
EXPOSED = [
    "X-Rongcuo-Version",
    "X-Request-Id",
    "X-Ruleset-Hash",
    "X-Decision-Id",
    "X-Record",
    "Location",
    "Content-Disposition",
    "ETag",
]


def create_app(config: Config) -> FastAPI:
    """The application serving ``config``: one :class:`Service` (its engines shared by the
    request threads, evaluations taking turns), the API's routes, then the workspace's pages."""
    svc = Service(config)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        svc.close()

    app = FastAPI(
        title="rongcuo",
        version=__version__,
        lifespan=lifespan,
        description="容错纠错认定服务 The error-tolerance decision service (docs/service.md)",
    )
    app.state.service = svc
    app.middleware("http")(frame)
    if config.cors_origins:  # off unless asked for; outermost, so errors carry it too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(config.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization", "If-Match", "X-Actor"],
            expose_headers=EXPOSED,
        )
    app.add_exception_handler(Refused, on_refused)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, on_http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, on_bad_parameter)  # type: ignore[arg-type]
    app.add_api_route("/healthz", healthz, methods=["GET"], tags=["service"])
    app.include_router(rulesets.router)
    app.include_router(decide.router)
    app.include_router(records.router)
    app.include_router(cases.router)
    app.include_router(cases.items_router)
    app.include_router(precedents.router)
    app.include_router(precedents.library_router)
    app.include_router(assess.router)
    # the pages after the API, so that an API request is routed without trying them first
    mount(app, svc, web_modules.ROUTES)
    return app


def healthz() -> dict[str, str]:
    """``{"status": "ok"}`` while the service serves."""
    return {"status": "ok"}


def answer(request: Request, refusal: Refused) -> Response:
    """A refusal as the asker reads it: an error page to a browser (the problems alone to
    htmx), the JSON error body to everyone else."""
    if is_page(request):
        return refusal_page(request.app.state.pages, request, refusal)
    rid = getattr(request.state, "request_id", "")
    return error_response(refusal.status, refusal.diagnostics, rid, refusal.headers)


async def frame(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Every request: its id, the body-size check before the body is read, an internal failure
    logged and answered, the version and safety headers, one JSON line in the access log."""
    rid = uuid.uuid4().hex[:16]
    request.state.request_id = rid
    start = time.perf_counter()
    limit = request.app.state.service.config.max_body
    size = request.headers.get("content-length")
    if size is not None and (not size.isdigit() or int(size) > limit):
        response = answer(request, too_large(limit))
    else:
        try:
            response = await call_next(request)
        except Exception:  # a bug: logged with its traceback, answered as JSON or a page
            log.exception("request %s failed", rid)
            diag = request_error(
                "internal",
                f"内部错误（请求编号 {rid}），已记入日志",
                f"internal error (request {rid}), logged",
            )
            response = answer(request, Refused(500, [diag]))
    response.headers["X-Rongcuo-Version"] = __version__
    response.headers["X-Request-Id"] = rid
    response.headers["X-Content-Type-Options"] = "nosniff"
    if not is_api(request):
        set_csrf_cookie(request, response)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    line = {
        "id": rid,
        "method": request.method,
        "route": request.url.path,
        "status": response.status_code,
        "ms": round((time.perf_counter() - start) * 1000, 2),
        "ruleset_hash": response.headers.get("X-Ruleset-Hash", ""),
    }
    log.info(json.dumps(line))
    return response


async def on_refused(request: Request, exc: Refused) -> Response:
    """What a route refused."""
    return answer(request, exc)


async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
    """The framework's own errors (an unknown path, among them a ruleset id with a slash in
    it; a wrong method), answered like the service's."""
    code = "RC301" if exc.status_code == 404 else f"HTTP{exc.status_code}"
    zh = _HTTP_ZH.get(exc.status_code, f"请求无法处理（HTTP {exc.status_code}）")
    diag = request_error(code, zh, f"cannot serve: {exc.detail}")
    return answer(request, Refused(exc.status_code, [diag], dict(exc.headers or {})))


async def on_bad_parameter(request: Request, exc: RequestValidationError) -> Response:
    """A parameter the framework could not read as its type (400 RC905, located)."""
    diags = [
        request_error(
            "RC905",
            f"请求参数 {'.'.join(map(str, e['loc']))} 无效：{e['msg']}",
            f"request parameter {'.'.join(map(str, e['loc']))} is invalid: {e['msg']}",
            path=tuple(str(p) for p in e["loc"]),
        )
        for e in exc.errors()
    ]
    return answer(request, Refused(400, diags))


#: The environment variable that hands a :class:`Config` to each worker process (JSON).
CONFIG_ENV = "RONGCUO_SERVICE_CONFIG"


def app_from_env() -> FastAPI:
    """The application for a worker process started by uvicorn (``--workers N``): the config
    comes as JSON in ``RONGCUO_SERVICE_CONFIG`` (``rongcuo serve`` sets it)."""
    if not log.handlers:  # the access log: one JSON line a request, on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    return create_app(Config.from_json(os.environ.get(CONFIG_ENV, "{}")))
