"""The service's case routes (``/v1/cases…``): a case through its procedure, over the store
``rongcuo serve --store`` names, through the same :class:`~rongcuo.procedure.book.CaseBook` the
CLI and the workspace use, so that all three agree (answers are
:func:`~rongcuo.procedure.views.view_json` and :func:`~rongcuo.procedure.views.row_json`).

Takes a case id and a JSON body; gives ``GET /v1/cases`` (every case's row: status, next
deadline, what is overdue), ``POST /v1/cases`` (open one: 201 and its ``Location``),
``GET /v1/cases/{id}`` (the case on a day, ``ETag: "<version>"``), the changes ``POST
/v1/cases/{id}/events``, ``/decide``, ``/extend``, ``/case``, ``/corrections``, ``/visits``,
``/measures`` (and ``…/{item}/done``), ``/warnings``, ``/notes``, and ``GET …/log`` and
``…/verify``. Every change is a write (the bearer token, when the service has one), names who
makes it (``actor`` in the body or the ``X-Actor`` header: 422 RC913 without) and may name the
version it was made from (``expected_version`` or ``If-Match: "<version>"``: 409 RC710 when the
case has moved on, and nothing is written). The time of a change is the service's clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from rongcuo.errors import RulesetNotFound
from rongcuo.procedure import changes as c
from rongcuo.procedure.book import CaseBook
from rongcuo.procedure.loop import open_items
from rongcuo.procedure.views import item_json, row_json, view_json
from rongcuo.service.core import (
    Service,
    ServiceDep,
    as_of_day,
    choice,
    library_call,
    now,
    refused,
)
from rongcuo.service.decide import date_not_covered
from rongcuo.service.errors import diagnostic_json, error_responses

#: The case routes.
router = APIRouter(prefix="/v1/cases", tags=["cases"])
#: What is open across every case (the report of ``rongcuo case report``).
items_router = APIRouter(prefix="/v1/open-items", tags=["cases"])
#: Who makes a change and the version it is made from: in every change's body.
WRITE_FIELDS: dict[str, Any] = {
    "actor": {"type": "string", "minLength": 1, "description": "经办人 (or the X-Actor header)"},
    "expected_version": {
        "type": "integer",
        "minimum": 1,
        "description": 'the case version the change is made from (or If-Match: "<version>")',
    },
}
#: The events ``/events`` records: every dated step but ``accepted`` (``POST /v1/cases``) and
#: ``decided`` (``/decide``, which records the proposal beside the decision).
DECIDE_FIELDS = ("on", "body", "outcome", "reason", "consulted")


class Decide(BaseModel):
    """``/decide``: 研究认定 on ``on`` by ``body`` (default: the case file's accountability
    body); ``outcome`` and ``reason`` when the body departs from the proposal."""

    on: dt.date
    body: str | None = None
    outcome: str | None = None
    reason: str = ""
    consulted: str = ""

    model_config = {"extra": "forbid"}


def body_of(model: type[BaseModel], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """OpenAPI's request body of a change: the payload's JSON Schema with ``actor`` and
    ``expected_version`` (``drop``: fields the path gives)."""
    schema = model.model_json_schema()
    for name in drop:
        schema["properties"].pop(name, None)
    schema["required"] = [f for f in schema.get("required", []) if f not in drop]
    schema["properties"].update(WRITE_FIELDS)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


#: What OpenAPI says a change answers.
CHANGE_RESPONSES = {
    200: {"description": "the case after the change, as GET /v1/cases/{id} gives it"},
    **error_responses(400, 401, 404, 413, 422, 503),
    409: {"description": "the case has moved on since expected_version (RC710), or is open"},
}


def actor_of(request: Request, data: dict[str, Any]) -> str:
    """Who makes the change: the body's ``actor``, else the ``X-Actor`` header (UTF-8, or
    URL-encoded UTF-8); 422 RC913 at ``actor`` when neither names anyone."""
    given = data.pop("actor", None)
    if given is None:
        raw = request.headers.get("x-actor", "")
        with contextlib.suppress(UnicodeError):
            raw = raw.encode("latin-1").decode("utf-8")
        given = unquote(raw)
    if not isinstance(given, str) or not given.strip() or len(given) > 100:
        raise refused(
            422,
            "RC913",
            "须写明经办人（actor 字段或 X-Actor 请求头，至多 100 字）",
            "a change names who makes it (the actor field or the X-Actor header, 100 chars at most)",
            path=("actor",),
        )
    return given.strip()


def version_of(request: Request, data: dict[str, Any]) -> int | None:
    """The version the change is made from: ``expected_version`` in the body, else the
    ``If-Match`` header (``"3"``, ``W/"3"`` or ``3``); none: the change is not checked
    against one. 422 RC914 when it is not a positive whole number."""
    given: Any = data.pop("expected_version", None)
    where: tuple[str, ...] = ("expected_version",)
    if given is None and "if-match" in request.headers:
        given = request.headers["if-match"].strip().removeprefix("W/").strip('"')
        where = ("If-Match",)
        if given.isdigit():
            given = int(given)
    if given is None:
        return None
    if isinstance(given, bool) or not isinstance(given, int) or given < 1:
        raise refused(
            422,
            "RC914",
            f"{where[0]} 应为案件的版本号（正整数），收到 {str(given)[:40]!r}",
            f"{where[0]} must be the case's version (a positive whole number), "
            f"got {str(given)[:40]!r}",
            path=where,
        )
    return given


def writable(svc: Service) -> None:
    """Refuse a change before its body is read when there is no store (404 RC907) or it
    cannot be written (503)."""

    def check() -> None:
        with svc.store() as store:
            store.check_writable()

    library_call(check)


def answer(view: dict[str, Any], status: int = 200, **headers: str) -> JSONResponse:
    """A case as JSON, with its version as the ETag."""
    return JSONResponse(
        view, status_code=status, headers={"ETag": f'"{view["version"]}"', **headers}
    )


def today() -> dt.date:
    """The service's day (its clock, UTC)."""
    return dt.date.fromisoformat(now()[:10])


async def write(
    request: Request,
    svc: Service,
    case_id: str,
    act: Callable[[CaseBook, dict[str, Any], str, str, int | None], Any],
    *,
    backend: str | None = None,
) -> JSONResponse:
    """A change: the token, the store, the body, its actor and version, then ``act(book,
    data, actor, at, expected_version)`` in the thread pool; the case after it."""
    svc.authorize(request)
    writable(svc)
    data = await svc.json_object(request, ("请求体", "body"))
    actor = actor_of(request, data)
    expected = version_of(request, data)

    def work() -> dict[str, Any]:
        with svc.book(backend) as book:
            at = now()
            act(book, data, actor, at, expected)
            return view_json(book.view(case_id, dt.date.fromisoformat(at[:10])))

    return answer(await run_in_threadpool(library_call, work))


def recorder(
    case_id: str, action: str, **fixed: str
) -> Callable[[CaseBook, dict[str, Any], str, str, int | None], None]:
    """An ``act`` recording ``action`` on ``case_id`` with the body as its payload (``fixed``,
    from the path, added)."""

    def act(
        book: CaseBook, data: dict[str, Any], actor: str, at: str, expected: int | None
    ) -> None:
        book.change(
            case_id, action, {**data, **fixed}, actor=actor, at=at, expected_version=expected
        )

    return act


# --- reading ----------------------------------------------------------------------------------


@router.get("", responses=error_responses(400, 404, 503))
def cases(svc: ServiceDep, as_of: str | None = None, overdue: str = "false") -> list[Any]:
    """Every case on ``as_of`` (default: today), by id: its status, the next deadline and the
    steps past theirs; ``overdue=true``: only the cases with a step past its deadline."""
    day = as_of_day(as_of) or today()
    only = choice("overdue", overdue, ("true", "false")) == "true"

    def work() -> list[Any]:
        with svc.book() as book:
            views = book.all(day)
        return [row_json(v) for v in views if v.overdue or not only]

    return library_call(work)


@items_router.get("", responses=error_responses(400, 404, 503))
def open_items_route(svc: ServiceDep, as_of: str | None = None) -> list[Any]:
    """Every step, correction item, return visit and prevention measure not yet done across
    the cases on ``as_of`` (default: today), overdue first, then by due day."""
    day = as_of_day(as_of) or today()

    def work() -> list[Any]:
        with svc.book() as book:
            return [item_json(i) for i in open_items(book.all(day))]

    return library_call(work)


@router.get("/{case_id}", responses=error_responses(400, 404, 503))
def case(case_id: str, svc: ServiceDep, as_of: str | None = None) -> JSONResponse:
    """The case on ``as_of`` (default: today): status, every step's deadline and state, the
    decision, the filing, the correction items, visits and measures; ``ETag`` its version."""
    day = as_of_day(as_of) or today()

    def work() -> dict[str, Any]:
        with svc.book() as book:
            return view_json(book.view(case_id, day))

    return answer(library_call(work))


@router.get("/{case_id}/log", responses=error_responses(404, 503))
def log(case_id: str, svc: ServiceDep) -> list[Any]:
    """The audit trail: every change, who made it, when, and its hash (chained)."""

    def work() -> list[Any]:
        with svc.book() as book:
            return [e.model_dump(mode="json") for e in book.state(case_id).events]

    return library_call(work)


@router.get("/{case_id}/verify", responses=error_responses(404, 503))
def verify(case_id: str, svc: ServiceDep) -> dict[str, Any]:
    """The hash chain recomputed: ``intact``, the head hash (to keep outside the store) and
    every break found (RC720)."""

    def work() -> dict[str, Any]:
        with svc.book() as book:
            head, problems = book.verify(case_id)
        return {
            "id": head.id,
            "version": head.version,
            "head_hash": head.head_hash,
            "intact": not problems,
            "problems": [diagnostic_json(d) for d in problems],
        }

    return library_call(work)


# --- changing ---------------------------------------------------------------------------------


@router.post(
    "",
    status_code=201,
    openapi_extra=body_of(c.Open),
    responses={**CHANGE_RESPONSES, 201: {"description": "opened; Location names the case"}},
)
async def open_case(request: Request, svc: ServiceDep) -> JSONResponse:
    """Open a case's procedure record: ``{case, ruleset, opened_by, on, applied_on?,
    inquiry_notified_on?, note?}`` (the case file as JSON; its id becomes the record's)."""
    svc.authorize(request)
    writable(svc)
    data = await svc.json_object(request, ("立案请求", "open request"))
    actor = actor_of(request, data)
    data.pop("expected_version", None)  # a case not yet open has no version
    if isinstance(data.get("ruleset"), str):
        svc.known(data["ruleset"])
    case_file = data.get("case")
    case_id = str(case_file.get("id", "")) if isinstance(case_file, dict) else ""

    def work() -> dict[str, Any]:
        with svc.book() as book:
            at = now()
            try:
                book.change(case_id, "open", data, actor=actor, at=at)
            except RulesetNotFound as exc:  # the ruleset is served: none was in force that day
                raise date_not_covered(exc) from None
            return view_json(book.view(case_id, dt.date.fromisoformat(at[:10])))

    view = await run_in_threadpool(library_call, work)
    return answer(view, 201, Location=f"/v1/cases/{view['id']}")


@router.post("/{case_id}/events", openapi_extra=body_of(c.Dated), responses=CHANGE_RESPONSES)
async def record_event(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """A procedural event on a day: ``{event, on, note?, reason?, filed_with?, result?}`` —
    investigated, notice_received, filed (``filed_with`` defaults to the case file's
    managing_department), appealed, review_decided (``result``: upheld or changed)…; a
    decision is ``/decide``. ``reason`` corrects a date already recorded."""

    def act(book: CaseBook, data: dict[str, Any], actor: str, at: str, v: int | None) -> None:
        if data.get("event") == "decided":
            raise refused(
                422,
                "RC915",
                "研究认定请用 /v1/cases/{id}/decide 登记（同时记录机器建议）",
                "a decision is recorded with /v1/cases/{id}/decide (which records the proposal)",
                path=("event",),
            )
        if data.get("event") == "filed" and not data.get("filed_with"):
            department = book.state(case_id).case.get("managing_department")
            if department:
                data["filed_with"] = department
        book.change(case_id, "event", data, actor=actor, at=at, expected_version=v)

    return await write(request, svc, case_id, act)


@router.post(
    "/{case_id}/decide",
    openapi_extra=body_of(Decide),
    responses={**CHANGE_RESPONSES, **error_responses(400)},
)
async def decide(
    case_id: str, request: Request, svc: ServiceDep, backend: str | None = None
) -> JSONResponse:
    """研究认定: the case file decided as it stands on ``on`` (by the service's engine of
    ``backend``), the proposal kept as a decision record (``decision.proposal``, at
    ``/v1/records/{id}``) and the deciding body's final decision recorded beside it."""
    svc.engine_for(backend)  # 400 RC905 for an unknown backend, before the body

    def act(book: CaseBook, data: dict[str, Any], actor: str, at: str, v: int | None) -> None:
        extra = sorted(set(data) - set(DECIDE_FIELDS))
        if extra:
            raise refused(
                422,
                "RC916",
                f"研究认定没有字段 {extra[0]!r}（可有 {'、'.join(DECIDE_FIELDS)}）",
                f"a decision has no field {extra[0]!r} (fields: {', '.join(DECIDE_FIELDS)})",
                path=(extra[0],),
            )
        p = c.payload_of("event", {"event": "decided", **data}, f"<case {case_id}>")
        book.decide(
            case_id,
            on=p.on,
            body=p.body,
            outcome=p.outcome,
            reason=p.reason,
            consulted=p.consulted,
            actor=actor,
            at=at,
            expected_version=v,
        )

    return await write(request, svc, case_id, act, backend=backend)


@router.post("/{case_id}/extend", openapi_extra=body_of(c.Extend), responses=CHANGE_RESPONSES)
async def extend(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """A step's time limit extended (once, as the ruleset allows): ``{step, on, reason}``."""
    return await write(request, svc, case_id, recorder(case_id, "extend"))


@router.post("/{case_id}/case", openapi_extra=body_of(c.CaseFile), responses=CHANGE_RESPONSES)
async def case_file(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """A new version of the case file (facts established since opening): ``{case}``."""
    return await write(request, svc, case_id, recorder(case_id, "case"))


def _items(kind: str, action: str, model: type[BaseModel], label: str) -> None:
    """``POST /{case_id}/{kind}`` (a new item) and ``POST /{case_id}/{kind}/{item}/done``."""

    async def add(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
        return await write(request, svc, case_id, recorder(case_id, action))

    async def done(case_id: str, item: str, request: Request, svc: ServiceDep) -> JSONResponse:
        return await write(request, svc, case_id, recorder(case_id, f"{action}_done", id=item))

    add.__doc__ = f"{label}: a new one (its ``id`` names it in the case)."
    done.__doc__ = f"{label}: ``{{on, by?, note?}}``, the item done on a day."
    router.add_api_route(
        f"/{{case_id}}/{kind}",
        add,
        methods=["POST"],
        openapi_extra=body_of(model),
        responses=CHANGE_RESPONSES,
        name=f"add_{action}",
    )
    router.add_api_route(
        f"/{{case_id}}/{kind}/{{item}}/done",
        done,
        methods=["POST"],
        openapi_extra=body_of(c.Done, drop=("id",)),
        responses=CHANGE_RESPONSES,
        name=f"{action}_done",
    )


@router.post("/{case_id}/visits/plan", responses=CHANGE_RESPONSES)
async def plan_visits(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """回访 planned from the ruleset's parameters after the decision (those the case does not
    have yet): a body with ``actor`` (or ``X-Actor``) and ``expected_version`` at most."""

    def act(
        book: CaseBook, _data: dict[str, Any], actor: str, at: str, expected: int | None
    ) -> None:
        book.plan_visits(case_id, actor=actor, at=at, expected_version=expected)

    return await write(request, svc, case_id, act)


_items("corrections", "correction", c.Correction, "纠错事项 a correction item")
_items("visits", "visit", c.Visit, "回访 a return visit")
_items("measures", "measure", c.Measure, "完善制度措施 a prevention measure")


@router.post("/{case_id}/warnings", openapi_extra=body_of(c.Warning), responses=CHANGE_RESPONSES)
async def warning(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """A level of the three-level accountability warning given: ``{level, form, on, by?}``."""
    return await write(request, svc, case_id, recorder(case_id, "warning"))


@router.post("/{case_id}/notes", openapi_extra=body_of(c.Note), responses=CHANGE_RESPONSES)
async def note(case_id: str, request: Request, svc: ServiceDep) -> JSONResponse:
    """A remark on the file: ``{text}``."""
    return await write(request, svc, case_id, recorder(case_id, "note"))
