"""The service's ruleset routes (reads, open to all): takes the :class:`Service`, gives
``GET /v1/rulesets`` (every ruleset, its versions, effective dates and content hashes),
``GET /v1/rulesets/{id}`` (the newest version: facts with types, allowed values, Chinese labels,
questions and presumptions; rules with their clauses) and ``GET /v1/rulesets/{id}/schema/case``.
A version's description and case schema are built once and kept as bytes by content hash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from rongcuo.errors import InputError, RulesetNotFound
from rongcuo.ruleset.model import Ruleset
from rongcuo.service.core import Refused, Service, ServiceDep, not_found

#: The ruleset routes.
router = APIRouter(prefix="/v1/rulesets", tags=["rulesets"])


@router.get("")
def rulesets(svc: ServiceDep) -> dict[str, Any]:
    """Every ruleset served, with its versions, effective dates and content hashes."""
    engine = svc.engine
    out = []
    for rid in engine.library.ids():
        versions = [
            {
                "version": f.version,
                "title": f.title,
                "effective_from": f.effective_from.isoformat(),
                "effective_until": f.effective_until.isoformat() if f.effective_until else None,
                "content_hash": engine.ruleset(rid, f.effective_from).content_hash,
            }
            for f in engine.library.versions(rid).files
        ]
        out.append({"id": rid, "versions": versions})
    return {"rulesets": out}


@router.get("/{ruleset_id}", response_class=Response)
def ruleset(ruleset_id: str, svc: ServiceDep) -> Response:
    """The newest version of a ruleset: its facts and its rules with their clauses."""
    day, rs = newest(svc, ruleset_id)
    body = svc.cached(("ruleset", rs.content_hash), lambda: describe(svc, rs, day))
    return Response(body, media_type="application/json")


@router.get("/{ruleset_id}/schema/case", response_class=Response)
def case_schema(ruleset_id: str, svc: ServiceDep) -> Response:
    """The ruleset's case JSON Schema (as ``rongcuo schema case --ruleset ID``)."""
    day, rs = newest(svc, ruleset_id)
    body = svc.cached(("schema", rs.content_hash), lambda: svc.engine.case_schema(rs.id, day))
    return Response(body, media_type="application/json")


def newest(svc: Service, ruleset_id: str) -> tuple[dt.date, Ruleset]:
    """The first day of the newest version of ``ruleset_id`` and that version (404 for an
    unknown id, 422 for a folder whose versions do not check)."""
    svc.known(ruleset_id)
    try:
        day = svc.engine.newest_day(ruleset_id)
        return day, svc.engine.ruleset(ruleset_id, day)
    except (InputError, RulesetNotFound) as exc:
        raise unservable(exc) from None


def describe(svc: Service, rs: Ruleset, day: dt.date) -> dict[str, Any]:
    """A version as ``GET /v1/rulesets/{id}`` gives it."""
    schema = svc.engine.case_schema(rs.id, day)
    return {
        "id": rs.id,
        "title": rs.title,
        "version": rs.version,
        "effective_from": rs.effective_from.isoformat(),
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


def unservable(exc: InputError | RulesetNotFound) -> Refused:
    """A ruleset folder that holds no usable version: its check errors (422), or none (404)."""
    if isinstance(exc, InputError):
        return Refused(422, exc.diagnostics)
    return not_found(exc)
