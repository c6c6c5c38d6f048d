"""The service's assessment route: takes an assessment input as JSON (the cadre, the sanctions,
the facts, the warning history; docs/assessment.md), gives the Assessment.

``POST /v1/assess/{kind}?as_of&backend`` (``kind``: ``reuse``, the reuse assessment at the end
of the impact period, catalogue §12; ``warning``, the three-level warning, §13) answers
``Assessment.to_json()`` byte for byte as ``rongcuo assess KIND FILE --format json --as-of DAY``.
With ``rongcuo serve --store`` the warnings and sanctions the case store records for the
input's ``cadre.id`` are added first, as ``rongcuo assess --store`` adds them
(:func:`rongcuo.assessment.from_store.with_history`). ``as_of`` defaults to the service's today.
An input the assessment refuses is 422, each problem located by its path in the body.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from rongcuo.api import Engine
from rongcuo.assessment import Assessor, parse_input
from rongcuo.assessment.computed import DEFAULT_PERIODS
from rongcuo.assessment.from_store import with_history
from rongcuo.assessment.input import AssessmentInput
from rongcuo.case.envelope import CaseSource
from rongcuo.schemas import json_schema
from rongcuo.service.core import Service, ServiceDep, as_of_day, choice, library_call
from rongcuo.service.errors import error_responses

#: The assessments served: each is the id of its bundled assessment ruleset.
KINDS = ("reuse", "warning")
#: How the body is named in the diagnostics of an input the assessment refuses.
INPUT_SOURCE = "<input>"


def input_body() -> dict[str, Any]:
    """The OpenAPI request body: the assessment input's JSON Schema."""
    schema = AssessmentInput.model_json_schema()
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


#: What OpenAPI says the route answers.
ASSESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the Assessment (contract v1, schemas/assessment.schema.json)",
        "content": {"application/json": {"schema": json_schema("assessment")}},
    },
    **error_responses(400, 404, 408, 413, 422, 503),
}

#: The assessment route.
router = APIRouter(prefix="/v1/assess", tags=["assessments"])


@router.post(
    "/{kind}", response_class=Response, openapi_extra=input_body(), responses=ASSESS_RESPONSES
)
async def assess(
    kind: str,
    request: Request,
    svc: ServiceDep,
    as_of: str | None = None,
    backend: str | None = None,
) -> Response:
    """Assess the cadre the body describes for reuse or the next warning, on ``as_of``."""
    chosen = choice("kind", kind, KINDS)
    day = as_of_day(as_of) or today()
    engine = svc.engine_for(backend)
    data = await svc.json_object(request, ("评估材料", "assessment input"))
    text = await run_in_threadpool(
        library_call, lambda: assess_input(svc, engine, chosen, data, day)
    )
    return Response(text, media_type="application/json")


def assess_input(
    svc: Service,
    engine: Engine,
    kind: str,
    data: Any,
    day: dt.date,
    source: CaseSource | None = None,
) -> str:
    """The Assessment of ``data`` under the ruleset ``kind`` in force on ``day``, as JSON (in a
    worker thread; the input's problems raise, located in ``source``, by default ``<input>``)."""
    source = source or CaseSource(INPUT_SOURCE)
    item = parse_input(data, source)
    item = store_history(svc, item)
    rs = engine.ruleset(kind, day)
    periods = engine.ruleset(DEFAULT_PERIODS, day) if item.sanction else None
    found = Assessor(rs, engine.evaluator(rs)).assess(
        item, as_of=day, periods=periods, source=source
    )
    return found.to_json()


def store_history(svc: Service, item: AssessmentInput) -> AssessmentInput:
    """``item`` with the store's warnings and sanctions for its cadre (as it is without a
    store, or without a ``cadre.id``)."""
    if svc.config.store is None or not (item.cadre and item.cadre.id):
        return item
    with svc.book() as book:
        return with_history(item, book)


def today() -> dt.date:
    """The service's today, the default ``as_of`` (as ``rongcuo assess`` defaults to today)."""
    return dt.date.today()
