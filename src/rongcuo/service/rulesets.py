"""The service's ruleset routes (reads, open to all): takes the :class:`Service`, gives
``GET /v1/rulesets`` (every ruleset, its versions, effective dates and content hashes),
``GET /v1/rulesets/{id}`` (the newest version: facts with types, allowed values, Chinese labels,
questions and presumptions; rules with their clauses) and ``GET /v1/rulesets/{id}/schema/case``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from rongcuo.errors import InputError, RulesetNotFound
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

    @api.get("/{ruleset_id}")
    def ruleset(ruleset_id: str) -> dict[str, Any]:
        """The newest version of a ruleset: its facts and its rules with their clauses."""
        svc.known(ruleset_id)
        engine = svc.engine
        try:
            day = engine.newest_day(ruleset_id)
            schema = engine.case_schema(ruleset_id, day)
            rs = engine.ruleset(ruleset_id, day)
        except (InputError, RulesetNotFound) as exc:
            raise unservable(exc) from None
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

    @api.get("/{ruleset_id}/schema/case")
    def case_schema(ruleset_id: str) -> dict[str, Any]:
        """The ruleset's case JSON Schema (as ``rongcuo schema case --ruleset ID``)."""
        svc.known(ruleset_id)
        try:
            return svc.engine.case_schema(ruleset_id)
        except (InputError, RulesetNotFound) as exc:
            raise unservable(exc) from None

    return api


def unservable(exc: InputError | RulesetNotFound) -> Refused:
    """A ruleset folder that holds no usable version: its check errors (422), or none (404)."""
    if isinstance(exc, InputError):
        return Refused(422, exc.diagnostics)
    return not_found(exc)
