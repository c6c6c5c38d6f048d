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
