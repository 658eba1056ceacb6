"""RunComfy's error envelope: ``{"error_code": int, "error_message": str, "detail": ...}``.

Codes from RunComfy's Model API and Serverless docs; the HTTP status of each code is
not documented, so the mapping is a table (INFERRED, see the spec notes).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from starlette.responses import JSONResponse

from mock_server.core import errors as domain
from mock_server.providers.runcomfy.wire import FIELD_NAMES, InputError

__all__ = ["ERROR_CODES", "error_response", "http_error", "too_large", "validation_error"]

log = logging.getLogger("sora_mock.runcomfy")

# error_code -> (HTTP status, error_message)
ERROR_CODES: dict[int, tuple[int, str]] = {
    400001: (400, "Invalid resource identifier"),
    400002: (402, "Insufficient resources: account balance too low"),
    400004: (401, "User account error: invalid or expired token"),
    401001: (401, "Unauthorized: missing or malformed Authorization header"),
    403001: (403, "Permission denied"),
    404001: (404, "Resource not found"),
    405001: (405, "Method not allowed"),  # INFERRED: for a method a path does not serve
    413001: (413, "Request body too large"),  # INFERRED: the emulator's own size limit
    422001: (422, "Request validation failed"),
    429001: (429, "Too many requests"),
    500001: (500, "Internal server error"),
}


def envelope(
    code: int, message: str | None = None, detail: Any = None, status: int | None = None
) -> JSONResponse:
    http, default = ERROR_CODES[code]
    body = {"error_code": code, "error_message": message or default, "detail": detail}
    return JSONResponse(body, status_code=status or http)


def http_error(status: int, method: str, path: str) -> JSONResponse:
    """404 for a path RunComfy does not serve, 405 for a method a path does not take."""
    if status == 405:
        return envelope(405001, f"Method {method} is not allowed on {path}")
    return envelope(404001, f"No such endpoint: {path}")


def too_large(limit: int, size: int | None) -> JSONResponse:
    """413 for a request body over the emulator's ``--max-body-bytes``."""
    got = f"{size} bytes" if size is not None else "a body"
    return envelope(
        413001,
        f"Request body too large: {got} sent, at most {limit} bytes accepted",
        detail={"limit_bytes": limit, "received_bytes": size},
    )


def validation_error(detail: list[dict[str, Any]]) -> JSONResponse:
    return envelope(422001, detail=detail)


def _own(exc: Any) -> str:
    return str(exc.message)


# domain error -> (error_code, the message RunComfy writes for it)
_RENDERED: dict[type[Exception], tuple[int, Callable[[Any], str]]] = {
    domain.JobNotFound: (404001, lambda e: f"Request {e.job_id} not found"),
    domain.JobForbidden: (403001, lambda e: f"Request {e.job_id} belongs to another user"),
    domain.UnknownModel: (400001, lambda e: f"Unknown model_id: {e.model}"),
    domain.ModelRetired: (400001, _own),
    domain.InsufficientCredits: (400002, _own),
    domain.DuplicateJob: (422001, _own),
    domain.DomainError: (422001, _own),
}


def error_response(exc: Exception) -> JSONResponse:
    """Render any exception as RunComfy would; unexpected ones never leak a trace."""
    if isinstance(exc, InputError):
        return validation_error(exc.detail)
    if isinstance(exc, domain.AuthError):
        return envelope(401001 if exc.reason in ("missing", "malformed") else 400004)
    if isinstance(exc, domain.RateLimited):
        resp = envelope(429001, exc.message)
        if exc.retry_after is not None:
            resp.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
        return resp
    if isinstance(exc, domain.InvalidParameter):
        return validation_error([field_error(exc)])
    if isinstance(exc, domain.ServiceFault):
        return envelope(500001, exc.message, status=exc.status_hint)
    for kind in type(exc).__mro__:  # the most specific error the table names
        if kind in _RENDERED:
            code, message = _RENDERED[kind]
            return envelope(code, message(exc))
    log.exception("unexpected error", exc_info=exc)
    return envelope(500001)


def field_error(exc: domain.InvalidParameter) -> dict[str, Any]:
    """A pydantic-style ``detail`` item for a domain validation error."""
    name = FIELD_NAMES.get(exc.field, exc.field)
    item: dict[str, Any] = {"loc": ["body", name], "msg": exc.message, "type": exc.reason}
    if exc.allowed is not None:
        item["ctx"] = {"expected": exc.allowed}
    return item
