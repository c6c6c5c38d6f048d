"""The service's record routes, over the store ``rongcuo serve --store`` names (docs/records.md):
takes a record id, gives ``GET /v1/records/{id}`` (the record and the deciding body's reviews),
``POST /v1/records/{id}/review`` (the deciding body's final decision and reason, kept apart from
the machine proposal; a write, which needs the token) and ``POST /v1/records/{id}/replay`` (the
record decided again and compared byte for byte).
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from rongcuo.errors import Diagnostic, Location
from rongcuo.records.model import Review, require
from rongcuo.records.replay import replay
from rongcuo.service.core import Refused, ServiceDep, library_call, refused
from rongcuo.service.errors import error_responses

_RECORD_ID = re.compile(r"^rc-[0-9a-f]{20}$")
#: What a review's body may hold; ``record_id`` comes from the path.
REVIEW_FIELDS = ("final_outcome", "deciding_body", "decided_on", "reason", "reviewer")


def review_schema() -> dict[str, Any]:
    """The JSON Schema of a review's body: a :class:`Review` without its ``record_id``."""
    schema = Review.model_json_schema()
    schema["properties"].pop("record_id")
    schema["required"] = [f for f in schema["required"] if f != "record_id"]
    schema["additionalProperties"] = False
    return schema


def parse_review(record_id: str, data: dict[str, Any]) -> Review:
    """The review in ``data`` for ``record_id``; 422 RC908 naming each field that is wrong."""
    extra = sorted(set(data) - set(REVIEW_FIELDS))
    problems = [
        Diagnostic(
            "RC908",
            Location("<review>", 0, 0, (key,)),
            f"认定结果中没有字段 {key!r}",
            f"a review has no field {key!r}",
            "字段 fields: " + ", ".join(REVIEW_FIELDS),
        )
        for key in extra
    ]
    if not problems:
        try:
            return Review(record_id=record_id, **data)
        except ValidationError as exc:
            for err in exc.errors():
                where = tuple(str(p) for p in err["loc"])
                problems.append(
                    Diagnostic(
                        "RC908",
                        Location("<review>", 0, 0, where),
                        f"认定结果字段 {'.'.join(where)} 无效：{err['msg']}",
                        f"review field {'.'.join(where)} is invalid: {err['msg']}",
                        "字段 fields: " + ", ".join(REVIEW_FIELDS),
                    )
                )
    raise Refused(422, problems)


#: The record routes.
router = APIRouter(prefix="/v1/records", tags=["records"])


def checked(record_id: str) -> str:
    """``record_id`` when it has a record id's form, else 404 RC701 (the store is not asked)."""
    if not _RECORD_ID.match(record_id):
        shown = record_id[:40]
        raise refused(
            404,
            "RC701",
            f"没有决定记录 {shown!r}（记录编号形如 rc- 加 20 位十六进制数）",
            f"no decision record {shown!r} (a record id is rc- and 20 hex digits)",
            path=("records",),
        )
    return record_id


@router.get("/{record_id}", responses=error_responses(404, 503))
def record(record_id: str, svc: ServiceDep) -> dict[str, Any]:
    """A record: its inputs, the machine proposal, then the deciding body's reviews."""
    wanted = checked(record_id)

    def work() -> dict[str, Any]:
        with svc.store() as store:
            found = require(store, wanted)
            reviews = store.reviews(found.id)
        return {
            "record": found.model_dump(mode="json"),
            "reviews": [r.model_dump(mode="json") for r in reviews],
        }

    return library_call(work)


@router.post(
    "/{record_id}/review",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": review_schema()}},
        }
    },
    responses=error_responses(400, 401, 404, 413, 422, 503),
)
async def review(record_id: str, request: Request, svc: ServiceDep) -> dict[str, Any]:
    """Record the deciding body's final decision on the record (the proposal is unchanged):
    ``{"final_outcome", "deciding_body", "decided_on", "reason", "reviewer"}``; a final outcome
    that departs from the proposal needs a reason (RC702)."""
    wanted = checked(record_id)
    svc.authorize(request)
    with svc.store():
        pass  # 404 RC907 before reading the body, when there is no store
    data = await svc.json_object(request, ("认定结果", "review"))
    made = parse_review(wanted, data)

    def work() -> dict[str, Any]:
        with svc.store() as store:
            store.check_writable()
            found = require(store, wanted)
            store.add_review(made)
        return {
            "review": made.model_dump(mode="json"),
            "proposed_outcome": found.outcome,
            "same_as_proposal": made.final_outcome == found.outcome,
        }

    return await run_in_threadpool(library_call, work)


@router.post("/{record_id}/replay", responses=error_responses(400, 404, 422, 503))
async def replay_record(
    record_id: str, svc: ServiceDep, backend: str | None = None
) -> dict[str, Any]:
    """Decide the record again (with the service's rulesets, on the backend that made it unless
    ``backend`` says otherwise) and say whether the Decision is byte-identical."""
    wanted = checked(record_id)

    def work() -> dict[str, Any]:
        with svc.store() as store:
            found = require(store, wanted)
        chosen = backend or ("reference" if found.engine == "reference" else "durable")
        return replay(found, svc.engine_for(chosen)).model_dump(mode="json")

    return await run_in_threadpool(library_call, work)
