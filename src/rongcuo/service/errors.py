"""Errors as the service answers them: takes a failure, gives a JSON response.

Every error body is ``{"errors": [{code, severity, location, path, message_zh, message_en,
hint}], "request_id": …}`` — the same diagnostics the CLI prints, located. Bad input is 400 (not
JSON) or 422 (a case or review the library refuses), an unknown ruleset or record 404, a body
past the limit 413; an internal failure is a 500 with code ``internal`` and the request id, and
the traceback goes to the log, never to the client.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi.responses import JSONResponse

from rongcuo.errors import Diagnostic, Location


def diagnostic_json(d: Diagnostic) -> dict[str, Any]:
    """One diagnostic as the service writes it."""
    where = d.location
    return {
        "code": d.code,
        "severity": d.severity,
        "location": {"file": where.file, "line": where.line, "column": where.column},
        "path": list(where.path),
        "message_zh": d.message_zh,
        "message_en": d.message_en,
        "hint": d.hint,
    }


def error_response(
    status: int,
    diagnostics: Iterable[Diagnostic],
    request_id: str,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """A JSON error response naming each diagnostic and the request (``headers`` added)."""
    body = {"errors": [diagnostic_json(d) for d in diagnostics], "request_id": request_id}
    return JSONResponse(
        body, status_code=status, headers={**(headers or {}), "X-Request-Id": request_id}
    )


def request_error(
    code: str, zh: str, en: str, *, where: str = "request", path: tuple[str | int, ...] = ()
) -> Diagnostic:
    """A diagnostic about the request itself (its body, a parameter, its path)."""
    return Diagnostic(code, Location(where, 0, 0, path), zh, en)


#: The JSON Schema of every error body, as OpenAPI shows it.
ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["errors", "request_id"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "location", "path", "message_zh", "message_en"],
                "properties": {
                    "code": {"type": "string", "examples": ["RC204"]},
                    "severity": {"enum": ["error", "warning"]},
                    "location": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string"},
                            "line": {"type": "integer"},
                            "column": {"type": "integer"},
                        },
                    },
                    "path": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "message_zh": {"type": "string"},
                    "message_en": {"type": "string"},
                    "hint": {"type": "string"},
                },
            },
        },
        "request_id": {"type": "string"},
    },
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` entries for the error statuses a route answers."""
    said = {
        400: "not JSON, or a bad parameter (RC902, RC903, RC905)",
        401: "a write without the token (RC906)",
        404: "unknown ruleset or record (RC301, RC701, RC907)",
        408: "the body did not arrive in time (RC904)",
        413: "the body is too large (RC901)",
        422: "a case or review the library refuses, located",
        503: "the record store is unavailable",
    }
    content = {"application/json": {"schema": ERROR_SCHEMA}}
    return {s: {"description": said[s], "content": content} for s in statuses}
