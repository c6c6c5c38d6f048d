"""The service's typical-case library routes (典型案例库, catalogue §13): takes the library folder
of ``rongcuo serve --library DIR`` and a case as JSON; gives the library's cases most like it,
the library's index, one entry, and the booklet.

``POST /v1/rulesets/{id}/precedents?as_of&top`` decides the case (the body) as ``rongcuo
evaluate`` does and answers the hits byte for byte as ``rongcuo precedents --format json``
(``{"case", "hits": [{library_id, score, shared, outcome, outcome_label, title, final}]}``).
``GET /v1/library`` lists the entries (id, file key, title, outcome); ``GET
/v1/library/entries/{key}`` gives one entry's anonymised JSON (``key``: ``2024-01``); ``GET
/v1/library/booklet?format=docx|pdf`` the booklet 典型案例汇编 with a Chinese file name (RFC 6266).
Without a library configured every one of them is 404 RC917; an entry the index does not list
404 RC918; a library folder that has gone bad since the start 503 (the log says why, the
client never sees the server's paths). The library is read on each request: a rebuilt folder
is served without a restart.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from rongcuo.api import Engine
from rongcuo.case.contract import Case
from rongcuo.decision.model import Decision
from rongcuo.errors import RulesetNotFound
from rongcuo.precedents.booklet import render_booklet
from rongcuo.precedents.build import Index, LibraryError, load_entry, load_index
from rongcuo.precedents.entry import Decided, Entry, features, lessons
from rongcuo.precedents.search import Hit, search
from rongcuo.ruleset.model import Ruleset
from rongcuo.service.core import Service, ServiceDep, as_of_day, choice, library_call
from rongcuo.service.core import refused as refusal
from rongcuo.service.decide import (
    CONTENT_TYPES,
    PDF_LOCK,
    case_body,
    content_disposition,
    date_not_covered,
)
from rongcuo.service.errors import error_responses

T = TypeVar("T")
log = logging.getLogger("rongcuo.service")
#: The most hits one search answers.
MAX_TOP = 100
_KEY = re.compile(r"^\d{4}-\d{2,4}$")

#: What OpenAPI says the precedents route answers.
PRECEDENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the hits, best first (as `rongcuo precedents --format json`)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["case", "hits"],
                    "properties": {
                        "case": {"type": "string"},
                        "hits": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "library_id": {"type": "string"},
                                    "score": {"type": "number"},
                                    "shared": {
                                        "type": "object",
                                        "additionalProperties": {
                                            "type": "array",
                                            "items": {"type": "string"},
                                        },
                                    },
                                    "outcome": {"type": "string"},
                                    "outcome_label": {"type": "string"},
                                    "title": {"type": "string"},
                                    "final": {"type": "boolean"},
                                },
                            },
                        },
                    },
                }
            }
        },
    },
    **error_responses(400, 404, 408, 413, 422, 503),
}

#: The decided-case route (beside evaluate and memo).
router = APIRouter(prefix="/v1/rulesets", tags=["library"])
#: The library's own routes.
library_router = APIRouter(prefix="/v1/library", tags=["library"])


def library_index(svc: Service) -> Index:
    """The index of the service's library: 404 RC917 when none is configured, 503 when the
    folder cannot be read now (it was checked at the start)."""
    folder = svc.config.library
    if folder is None:
        raise refusal(
            404,
            "RC917",
            "本服务未配置典型案例库（rongcuo serve --library DIR）",
            "this service has no typical-case library (start it with --library DIR)",
            path=("library",),
        )
    return unreadable_as_503(lambda: load_index(folder))


def unreadable_as_503(work: Callable[[], T]) -> T:
    """``work()``, a library failure (RC753–RC756, located at a server path) answered 503 with
    its code, the details logged."""
    try:
        return work()
    except LibraryError as exc:
        log.error("library: %s", "; ".join(d.message_en for d in exc.diagnostics))
        code = exc.diagnostics[0].code if exc.diagnostics else "RC753"
        raise refusal(
            503, code, "典型案例库暂不可用", "the typical-case library is unavailable"
        ) from None


def entry_key(library_id: str) -> str:
    """The key of an entry in URLs: its year and number (典型案例 2024-01 → ``2024-01``)."""
    return library_id.rsplit(" ", 1)[-1]


def find_entry(svc: Service, key: str) -> Entry:
    """The entry ``key`` of the service's library (404 RC918 when the index lists none)."""
    index = library_index(svc)
    for row in index.entries:
        if _KEY.match(key) and entry_key(row.library_id) == key:
            return unreadable_as_503(functools.partial(load_entry, index, row))
    shown = key if len(key) <= 40 else key[:40] + "…"
    raise refusal(
        404,
        "RC918",
        f"典型案例库中没有条目 {shown!r}",
        f"the typical-case library has no entry {shown!r}",
        path=("library", shown),
    )


def similar(index: Index, case: Case, decision: Decision, rs: Ruleset, top: int) -> list[Hit]:
    """The ``top`` entries of ``index`` most like the decided ``case`` (its proposal as the
    outcome, as ``rongcuo precedents`` compares)."""
    decided = Decided(case, decision, None, rs, "<case>")
    return search(features(decided), index, top)


def hits_json(case_id: str, hits: list[Hit]) -> str:
    """The hits as ``rongcuo precedents --format json`` prints them (same bytes)."""
    data = {"case": case_id, "hits": [h.to_dict() for h in hits]}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def decide_and_search(
    engine: Engine,
    data: dict[str, Any],
    ruleset_id: str,
    day: dt.date | None,
    index: Index,
    top: int,
) -> str:
    """The case ``data`` decided under ``ruleset_id`` and searched for (in a worker thread)."""
    model, source = engine.load_case(data)
    try:
        decision = engine.evaluate(model, ruleset=ruleset_id, as_of=day, source=source)
    except RulesetNotFound as exc:
        raise date_not_covered(exc) from None
    rs = engine.ruleset(decision.ruleset.id, dt.date.fromisoformat(decision.as_of))
    return hits_json(decision.case.id, similar(index, model, decision, rs, top))


@router.post(
    "/{ruleset_id}/precedents",
    response_class=Response,
    openapi_extra=case_body(),
    responses=PRECEDENT_RESPONSES,
)
async def precedents(
    ruleset_id: str,
    request: Request,
    svc: ServiceDep,
    as_of: str | None = None,
    top: int = 5,
) -> Response:
    """The typical cases most like the case (the body, as JSON) decided under the ruleset:
    what each shares with it and its outcome; ``top`` hits (1–100), best first."""
    svc.known(ruleset_id)
    day = as_of_day(as_of)
    if not 1 <= top <= MAX_TOP:
        raise refusal(
            400,
            "RC905",
            f"top 应为 1 至 {MAX_TOP} 之间的整数",
            f"top must be a whole number from 1 to {MAX_TOP}",
            path=("top",),
        )
    index = library_index(svc)
    data = await svc.json_object(request, ("案件", "case"))
    engine = svc.engine
    text = await run_in_threadpool(
        library_call, lambda: decide_and_search(engine, data, ruleset_id, day, index, top)
    )
    return Response(text, media_type="application/json")


@library_router.get("", responses=error_responses(404, 503))
def library(svc: ServiceDep) -> dict[str, Any]:
    """The library's entries, in library order: id, URL key, title, outcome and whether the
    outcome is the deciding body's (``final``) or the machine's proposal."""
    index = library_index(svc)
    return {
        "title": str(lessons()["title"]),
        "entries": [
            {
                "library_id": row.library_id,
                "key": entry_key(row.library_id),
                "title": row.title,
                "outcome": row.outcome,
                "outcome_label": row.outcome_label,
                "final": row.final,
            }
            for row in index.entries
        ],
    }


@library_router.get("/entries/{key}", response_class=Response, responses=error_responses(404))
def library_entry(key: str, svc: ServiceDep) -> Response:
    """One entry, anonymised, as the library keeps it (``key``: ``2024-01``)."""
    entry = find_entry(svc, key)
    body = json.dumps(entry.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
    return Response(body, media_type="application/json")


BOOKLET_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the booklet's bytes; Content-Disposition names the file in Chinese",
        "content": {
            CONTENT_TYPES[f].split(";")[0]: {"schema": {"type": "string", "format": "binary"}}
            for f in ("docx", "pdf")
        },
    },
    **error_responses(400, 404, 503),
}


@library_router.get("/booklet", response_class=Response, responses=BOOKLET_RESPONSES)
async def booklet(svc: ServiceDep, format: str = "docx") -> Response:
    """The library as the booklet 典型案例汇编 (``format``: docx or pdf)."""
    fmt = choice("format", format, ("docx", "pdf"))
    data = await run_in_threadpool(library_call, lambda: booklet_bytes(svc, fmt))
    title = str(lessons()["title"])
    return Response(
        data,
        media_type=CONTENT_TYPES[fmt],
        headers={"Content-Disposition": content_disposition(f"{title}.{fmt}", f"booklet.{fmt}")},
    )


#: Booklets made, by (format, digest of the library's files): a booklet takes seconds (a PDF of
#: 50 cases some 4 s) and the same files give the same bytes. The last few are kept.
_BOOKLETS: dict[tuple[str, str], bytes] = {}
_BOOKLETS_KEPT = 4
_BOOKLET_LOCK = threading.Lock()


def booklet_bytes(svc: Service, fmt: str) -> bytes:
    """The booklet of the service's library in ``fmt`` (a PDF one at a time, as memos), made
    once for the same library files."""
    index = library_index(svc)
    entries = unreadable_as_503(lambda: [load_entry(index, r) for r in index.entries])
    digest = hashlib.sha256()
    for e in entries:
        digest.update(e.model_dump_json().encode())
    key = (fmt, digest.hexdigest())
    with _BOOKLET_LOCK:
        found = _BOOKLETS.get(key)
    if found is not None:
        return found
    if fmt == "pdf":
        with PDF_LOCK:
            made = render_booklet(entries, "pdf")
    else:
        made = render_booklet(entries, "docx")
    with _BOOKLET_LOCK:
        while len(_BOOKLETS) >= _BOOKLETS_KEPT:
            _BOOKLETS.pop(next(iter(_BOOKLETS)))
        _BOOKLETS[key] = made
    return made
