"""The service's deciding routes: takes a case as JSON, gives its decision or one of its memos.

``POST /v1/rulesets/{id}/evaluate`` answers ``{"decision_id", "decision"}``, ``decision`` byte for
byte ``Engine.evaluate(…).to_json()`` and ``decision_id`` the record id (so it exists whether or
not the decision is stored; ``?record=true`` stores it when the service has a store, a write
that needs the token). ``POST /v1/rulesets/{id}/memo`` answers the memo's bytes with their
content type and a Chinese file name (RFC 6266 ``filename*``). The work runs in the thread
pool, so that a long memo does not hold up other requests; the engine lets evaluations take
turns (durable_rules is not thread-safe).
"""

from __future__ import annotations

import re
import threading
from typing import Any, get_args
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from rongcuo.api import CaseInput, Engine, Memo
from rongcuo.errors import RulesetNotFound
from rongcuo.memo.contract import DOCUMENT_TITLES, Document
from rongcuo.memo.render import Format
from rongcuo.records.model import record_id, ruleset_key
from rongcuo.schemas import json_schema
from rongcuo.service.core import (
    Refused,
    ServiceDep,
    as_of_day,
    choice,
    library_call,
    refused,
    zh_en,
)
from rongcuo.service.errors import error_responses, request_error

#: The content type of each memo format.
CONTENT_TYPES: dict[str, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_UNSAFE = re.compile(r"[^\w.\-（）()]+")
_ASCII_UNSAFE = re.compile(r"[^A-Za-z0-9.\-]+")
#: Serialises PDF memos (API and pages): WeasyPrint and fontconfig are not known to be safe
#: across threads.
PDF_LOCK = threading.Lock()


def case_body() -> dict[str, Any]:
    """The OpenAPI request body of a route that takes a case (the case JSON Schema)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": json_schema("case")}},
        }
    }


#: What OpenAPI says evaluate answers.
EVALUATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the decision (contract v1, docs/api.md) and its record id",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["decision_id", "decision"],
                    "properties": {
                        "decision_id": {"type": "string", "pattern": "^rc-[0-9a-f]{20}$"},
                        "decision": json_schema("decision"),
                    },
                }
            }
        },
    },
    201: {"description": "as 200, and the decision was stored (?record=true)"},
    **error_responses(400, 401, 404, 408, 413, 422, 503),
}
#: What OpenAPI says memo answers.
MEMO_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the memo's bytes; Content-Disposition names the file in Chinese",
        "content": {
            t.split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for t in CONTENT_TYPES.values()
        },
    },
    **error_responses(400, 404, 408, 413, 422),
}

#: The deciding routes.
router = APIRouter(prefix="/v1/rulesets", tags=["decisions"])


@router.post(
    "/{ruleset_id}/evaluate",
    response_class=Response,
    openapi_extra=case_body(),
    responses=EVALUATE_RESPONSES,
)
async def evaluate(
    ruleset_id: str,
    request: Request,
    svc: ServiceDep,
    as_of: str | None = None,
    backend: str | None = None,
    record: str = "false",
) -> Response:
    """Decide a case (the body, as JSON) under the ruleset; ``as_of`` is the day of the
    assessment (default: the day of the conduct)."""
    svc.known(ruleset_id)
    day = as_of_day(as_of)
    engine = svc.engine_for(backend)
    keep = choice("record", record, ("true", "false")) == "true"
    if keep:
        svc.authorize(request)
        with svc.store():
            pass  # 404 RC907 now, before the work, when there is no store
    data = await svc.json_object(request, ("案件", "case"))

    def work() -> tuple[str, Any, bool | None, str]:
        model, source = engine.load_case(data)
        try:
            decision = engine.evaluate(model, ruleset=ruleset_id, as_of=day, source=source)
        except RulesetNotFound as exc:  # the folder is there: no version covers the case
            raise date_not_covered(exc) from None
        stored = svc.record(decision, model)[1] if keep else None
        rid = record_id(model.content_hash(), ruleset_key(decision), decision.as_of)
        # written here, in the pool, not on the event loop, which serves the other sockets
        return rid, decision, stored, decision.to_json().rstrip("\n")

    rid, decision, stored, text = await run_in_threadpool(library_call, work)
    headers = {"X-Ruleset-Hash": decision.ruleset.content_hash, "X-Decision-Id": rid}
    if stored is not None:
        headers["Location"] = f"/v1/records/{rid}"
        headers["X-Record"] = "stored" if stored else "exists"
    return Response(
        f'{{"decision_id":"{rid}","decision":{text}}}',
        status_code=201 if stored else 200,
        media_type="application/json",
        headers=headers,
    )


@router.post(
    "/{ruleset_id}/memo",
    response_class=Response,
    openapi_extra=case_body(),
    responses=MEMO_RESPONSES,
)
async def memo(
    ruleset_id: str,
    request: Request,
    svc: ServiceDep,
    format: str = "md",
    document: str = "decision",
    as_of: str | None = None,
    backend: str | None = None,
    doc_number: str = "",
    issuer: str = "",
) -> Response:
    """One of the case's memos (``document``: the decision's own, or a clearing notice,
    referral letter or reporter notice) in ``format`` (md, html, docx, pdf)."""
    svc.known(ruleset_id)
    fmt = choice("format", format, get_args(Format))
    doc = choice("document", document, get_args(Document))
    day = as_of_day(as_of)
    engine = svc.engine_for(backend)
    for name, value in (("doc_number", doc_number), ("issuer", issuer)):
        if len(value) > 200:
            raise refused(
                400,
                "RC905",
                f"{name} 过长（至多 200 字）",
                f"{name} is too long (200 characters at most)",
                path=(name,),
            )
    data = await svc.json_object(request, ("案件", "case"))
    options: dict[str, Any] = {
        "ruleset": ruleset_id,
        "as_of": day,
        "format": fmt,
        "document": doc,
        "doc_number": doc_number,
        "issuer": issuer,
        "calendar": svc.calendar,
    }
    made = await run_in_threadpool(library_call, lambda: render(engine, data, options))
    d = made.decision
    rid = record_id(d.case.content_hash, ruleset_key(d), d.as_of)
    name = file_name(d.case.id, made.context.document_title, doc, fmt)
    return Response(
        made.data,
        media_type=CONTENT_TYPES[fmt],
        headers={
            "Content-Disposition": content_disposition(name, f"{d.case.id}-{doc}.{fmt}"),
            "X-Ruleset-Hash": d.ruleset.content_hash,
            "X-Decision-Id": rid,
        },
    )


def render(engine: Engine, case: CaseInput, options: dict[str, Any]) -> Memo:
    """``engine.memo(case, **options)``, a PDF one at a time (:data:`PDF_LOCK`); a case dated
    before every version is 422 at its date."""
    try:
        if options.get("format") == "pdf":
            with PDF_LOCK:
                return engine.memo(case, **options)
        return engine.memo(case, **options)
    except RulesetNotFound as exc:
        raise date_not_covered(exc) from None


def date_not_covered(exc: RulesetNotFound) -> Refused:
    """422 RC301 at the case's dates: the ruleset is served, but no version of it was in force
    on the day the case gives (the case's fault, not an unknown ruleset)."""
    zh, en = zh_en(str(exc))
    return Refused(422, [request_error("RC301", zh, en, where="<case>", path=("incident_date",))])


def file_name(case_id: str, title: str, document: str, fmt: str) -> str:
    """The memo's file name: the case id and the document's Chinese title, e.g.
    ``WZ-2024-01-容错免责认定意见.docx``; nothing in it can name a folder."""
    label = title + DOCUMENT_TITLES["decision"] if document == "decision" else title
    stem = _UNSAFE.sub("_", f"{case_id}-{label}").strip("._") or "memo"
    return f"{stem[:120]}.{fmt}"


def content_disposition(name: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` for old clients and the UTF-8 ``filename*``
    (RFC 6266, RFC 5987) that carries the Chinese name."""
    plain = _ASCII_UNSAFE.sub("_", fallback).strip("._") or "memo"
    return f"attachment; filename=\"{plain[:120]}\"; filename*=UTF-8''{quote(name, safe='')}"
