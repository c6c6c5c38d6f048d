"""The service's ASGI application: takes a :class:`Config`, gives a FastAPI app.

Endpoints (the paths are the contract): ``GET /healthz``; ``GET /v1/rulesets`` (every ruleset,
its versions, effective dates and content hashes); ``GET /v1/rulesets/{id}`` (metadata, facts,
rules with citations); ``GET /v1/rulesets/{id}/schema/case``; ``POST /v1/rulesets/{id}/evaluate``
(a case as JSON → ``{"decision_id", "decision"}``, ``decision`` byte for byte
``Engine.evaluate(…).to_json()``). Every response names the rongcuo version
(``X-Rongcuo-Version``), an evaluation also the ruleset's hash (``X-Ruleset-Hash``).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from rongcuo.api import Engine, __version__
from rongcuo.errors import InputError, RulesetNotFound
from rongcuo.records.model import record_id, ruleset_key
from rongcuo.service.errors import error_response, request_error

_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
log = logging.getLogger("rongcuo.service")


@dataclass(frozen=True)
class Config:
    """What a service serves: extra ruleset folders, the backend, and the request body limit."""

    rulesets: tuple[Path, ...] = ()
    backend: str | None = None
    max_body: int = 1_000_000
    extra: dict[str, Any] = field(default_factory=dict)


def create_app(config: Config) -> FastAPI:
    """The application serving ``config``; one Engine, shared by the request threads."""
    engine = Engine(config.rulesets, backend=config.backend)  # type: ignore[arg-type]
    app = FastAPI(title="rongcuo", version=__version__)

    @app.middleware("http")
    async def frame(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        rid = uuid.uuid4().hex[:16]
        request.state.request_id = rid
        start = time.perf_counter()
        size = request.headers.get("content-length")
        if size is not None and (not size.isdigit() or int(size) > config.max_body):
            response: Response = error_response(
                413,
                [request_error("RC901", "请求体过大", f"the body exceeds {config.max_body} bytes")],
                rid,
            )
        else:
            try:
                response = await call_next(request)
            except Exception:  # a bug: logged with its traceback, answered as JSON
                log.exception("request %s failed", rid)
                response = error_response(
                    500, [request_error("internal", "内部错误", "internal error")], rid
                )
        response.headers["X-Rongcuo-Version"] = __version__
        response.headers["X-Request-Id"] = rid
        log.info(
            json.dumps(
                {
                    "id": rid,
                    "route": request.url.path,
                    "status": response.status_code,
                    "ms": round((time.perf_counter() - start) * 1000, 2),
                    "ruleset_hash": response.headers.get("X-Ruleset-Hash", ""),
                }
            )
        )
        return response

    def known(ruleset_id: str, request: Request) -> JSONResponse | None:
        """``None`` when ``ruleset_id`` names a ruleset folder here, else the 404 to answer
        (in words of its own: the library's names the folders searched, which a client must
        not see)."""
        if _ID.match(ruleset_id):
            try:
                engine.library.folder(ruleset_id)
                return None
            except RulesetNotFound:
                pass
        diag = request_error(
            "RC301",
            f"没有规则集 {ruleset_id!r}",
            f"no ruleset {ruleset_id!r}",
            path=("ruleset",),
        )
        return error_response(404, [diag], request.state.request_id)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # unknown paths (a ruleset id with a slash in it among them), wrong methods: JSON too
        code = "RC301" if exc.status_code == 404 else f"HTTP{exc.status_code}"
        diag = request_error(code, f"请求无法处理：{exc.detail}", f"cannot serve: {exc.detail}")
        rid = getattr(request.state, "request_id", "")
        return error_response(exc.status_code, [diag], rid)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/v1/rulesets")
    def rulesets() -> dict[str, Any]:
        out = []
        for rid in engine.library.ids():
            versions = []
            for f in engine.library.versions(rid).files:
                versions.append(
                    {
                        "version": f.version,
                        "title": f.title,
                        "effective_from": f.effective_from.isoformat(),
                        "effective_until": f.effective_until.isoformat()
                        if f.effective_until
                        else None,
                        "content_hash": engine.ruleset(rid, f.effective_from).content_hash,
                    }
                )
            out.append({"id": rid, "versions": versions})
        return {"rulesets": out}

    @app.get("/v1/rulesets/{ruleset_id}", response_model=None)
    def ruleset(ruleset_id: str, request: Request) -> Any:
        if (missing := known(ruleset_id, request)) is not None:
            return missing
        try:
            day = engine.newest_day(ruleset_id)
            schema = engine.case_schema(ruleset_id, day)
            rs = engine.ruleset(ruleset_id, day)
        except (InputError, RulesetNotFound) as exc:
            return _unservable(exc, request.state.request_id)
        return {
            "id": rs.id,
            "title": rs.title,
            "version": rs.version,
            "content_hash": rs.content_hash,
            "facts": schema["properties"]["facts"]["properties"],
            "rules": [
                {
                    "id": r.id,
                    "kind": r.kind,
                    "label": r.label,
                    "citation": None
                    if r.cite is None
                    else {"doc": r.cite.doc, "clause": r.cite.clause, "text": r.cite.text},
                }
                for r in rs.rules.values()
            ],
        }

    @app.get("/v1/rulesets/{ruleset_id}/schema/case", response_model=None)
    def case_schema(ruleset_id: str, request: Request) -> Any:
        if (missing := known(ruleset_id, request)) is not None:
            return missing
        try:
            return engine.case_schema(ruleset_id)
        except (InputError, RulesetNotFound) as exc:
            return _unservable(exc, request.state.request_id)

    @app.post("/v1/rulesets/{ruleset_id}/evaluate", response_model=None)
    async def evaluate(ruleset_id: str, request: Request, as_of: str | None = None) -> Any:
        rid = request.state.request_id
        if (missing := known(ruleset_id, request)) is not None:
            return missing
        body = await request.body()
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            diag = request_error("RC902", "请求体不是 JSON", "the body is not JSON")
            return error_response(400, [diag], rid)
        if not isinstance(data, dict):
            diag = request_error(
                "RC201", "案件应是一个 JSON 对象", "the case must be a JSON object"
            )
            return error_response(422, [diag], rid)
        day = None
        if as_of is not None:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                diag = request_error(
                    "RC903", "as_of 应为日期", "as_of must be a date (YYYY-MM-DD)", path=("as_of",)
                )
                return error_response(400, [diag], rid)
        try:
            model, source = engine.load_case(data)
            decision = engine.evaluate(model, ruleset=ruleset_id, as_of=day, source=source)
        except InputError as exc:
            return error_response(422, exc.diagnostics, rid)
        except RulesetNotFound as exc:
            return error_response(404, [request_error("RC301", str(exc), str(exc))], rid)
        decision_id = record_id(model.content_hash(), ruleset_key(decision), decision.as_of)
        text = decision.to_json().rstrip("\n")
        payload = f'{{"decision_id":"{decision_id}","decision":{text}}}'
        return Response(
            payload,
            media_type="application/json",
            headers={"X-Ruleset-Hash": decision.ruleset.content_hash},
        )

    return app


def _unservable(exc: InputError | RulesetNotFound, request_id: str) -> JSONResponse:
    """A ruleset folder that holds no usable version: its check errors (422), or none (404)."""
    if isinstance(exc, InputError):
        return error_response(422, exc.diagnostics, request_id)
    return error_response(404, [request_error("RC301", str(exc), str(exc))], request_id)


#: The environment variable that hands a :class:`Config` to each worker process (JSON).
CONFIG_ENV = "RONGCUO_SERVICE_CONFIG"


def app_from_env() -> FastAPI:
    """The application for a worker process started by uvicorn (``--workers N``): the config
    comes as JSON in ``RONGCUO_SERVICE_CONFIG`` (``rongcuo serve`` sets it)."""
    import os

    if not log.handlers:  # the access log: one JSON line a request, on stderr
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
    raw = json.loads(os.environ.get(CONFIG_ENV, "{}"))
    return create_app(
        Config(
            rulesets=tuple(Path(p) for p in raw.get("rulesets", ())),
            backend=raw.get("backend"),
            max_body=int(raw.get("max_body", 1_000_000)),
        )
    )
