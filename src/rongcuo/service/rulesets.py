"""The service's ruleset routes (reads, open to all): takes the :class:`Service`, gives
``GET /v1/rulesets`` (every ruleset, its versions, effective dates and content hashes),
``GET /v1/rulesets/{id}`` (the newest version: facts with types, allowed values, Chinese labels,
questions and presumptions; rules with their clauses) and ``GET /v1/rulesets/{id}/schema/case``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from rongcuo.errors import InputError, RulesetNotFound
from rongcuo.ruleset.model import Ruleset
from rongcuo.service.core import Refused, Service, not_found


def router(svc: Service) -> APIRouter:
    """The ruleset routes of ``svc``."""
    api = APIRouter(prefix="/v1/rulesets", tags=["rulesets"])

    @api.get("")
    def rulesets() -> dict[str, Any]:
        """Every ruleset served, with its versions, effective dates and content hashes."""
        engine = svc.engine
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

    cache: dict[tuple[str, str], bytes] = {}  # (what, content hash) -> the answer's bytes
    lock = threading.Lock()

    def cached(what: str, rs: Ruleset, make: Callable[[], Any]) -> Response:
        key = (what, rs.content_hash)
        with lock:
            body = cache.get(key)
        if body is None:  # built once a ruleset version: a case schema takes milliseconds
            body = json.dumps(make(), ensure_ascii=False, separators=(",", ":")).encode()
            with lock:
                cache[key] = body
        return Response(body, media_type="application/json")

    def newest(ruleset_id: str) -> tuple[dt.date, Ruleset]:
        svc.known(ruleset_id)
        engine = svc.engine
        try:
            day = engine.newest_day(ruleset_id)
            return day, engine.ruleset(ruleset_id, day)
        except (InputError, RulesetNotFound) as exc:
            raise unservable(exc) from None

    @api.get("/{ruleset_id}", response_class=Response)
    def ruleset(ruleset_id: str) -> Response:
        """The newest version of a ruleset: its facts and its rules with their clauses."""
        day, rs = newest(ruleset_id)

        def make() -> dict[str, Any]:
            schema = svc.engine.case_schema(ruleset_id, day)
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

        return cached("ruleset", rs, make)

    @api.get("/{ruleset_id}/schema/case", response_class=Response)
    def case_schema(ruleset_id: str) -> Response:
        """The ruleset's case JSON Schema (as ``rongcuo schema case --ruleset ID``)."""
        day, rs = newest(ruleset_id)
        return cached("schema", rs, lambda: svc.engine.case_schema(ruleset_id, day))

    return api


def unservable(exc: InputError | RulesetNotFound) -> Refused:
    """A ruleset folder that holds no usable version: its check errors (422), or none (404)."""
    if isinstance(exc, InputError):
        return Refused(422, exc.diagnostics)
    return not_found(exc)
