"""Plumbing shared by the control endpoints: admin auth, JSON bodies, clear errors.

Every control error is ``{"error": "<word>", "message": "..."}`` with a 4xx status;
nothing a client sends can make a control endpoint answer 500. The readers below bound
every number, string and list before a handler uses it (so no request allocates or
loops in proportion to a number it sends), and a message shown to the client is always
the emulator's own wording: a built-in exception's text (``invalid literal for
int()``...) never leaves, whatever slipped through.
"""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.core.errors import DomainError, JobForbidden, JobNotFound
from mock_server.core.fault_plan import InvalidSetting
from mock_server.emulator import Emulator
from mock_server.http import jsonio

__all__ = ["ControlError", "body", "endpoint", "fail", "integer", "number", "text"]

# Built-in failures of a value a handler did not check: answered 400 in general words.
_UNCHECKED = (ValueError, TypeError, KeyError, ArithmeticError, MemoryError, RecursionError)
INT_MAX = 2**53  # the largest integer every JSON client reads exactly

log = logging.getLogger("sora_mock.control")
Handler = Callable[[Request], Awaitable[Response]]


class ControlError(Exception):
    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


def fail(message: str, status: int = 400, error: str = "bad_request") -> ControlError:
    return ControlError(status, error, message)


def _json_error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def authorized(emu: Emulator, request: Request) -> bool:
    """Loopback servers need no token; others need ``Authorization: Bearer <admin_token>``."""
    if emu.config.local_only:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    expected = emu.config.admin_token
    return (
        bool(expected)
        and scheme.lower() == "bearer"
        and secrets.compare_digest(token.strip().encode(), expected.encode())
    )


def endpoint(emu: Emulator) -> Callable[[Handler], Handler]:
    """Wrap a control handler: admin auth first, then errors rendered as clear JSON."""

    def wrap(fn: Handler) -> Handler:
        @functools.wraps(fn)
        async def wrapper(request: Request) -> Response:
            if not authorized(emu, request):
                return _json_error(
                    401, "unauthorized", "the control API needs 'Authorization: Bearer <token>'"
                )
            try:
                return await fn(request)
            except ControlError as exc:
                return _json_error(exc.status, exc.error, exc.message)
            except (JobNotFound, JobForbidden) as exc:
                return _json_error(404, "not_found", exc.message)
            except DomainError as exc:
                return _json_error(400, "bad_request", exc.message)
            except InvalidSetting as exc:
                return _json_error(400, "bad_request", str(exc))
            except _UNCHECKED as exc:  # the wording is Python's: log it, do not show it
                log.warning("control endpoint %s: %s", request.url.path, type(exc).__name__)
                return _json_error(400, "bad_request", "a value in the request cannot be used")
            except Exception:  # a bug: still answer JSON, and log it for us
                log.exception("control endpoint %s failed", request.url.path)
                return _json_error(500, "internal", "the control endpoint failed; see the log")

        return wrapper

    return wrap


async def body(request: Request) -> dict[str, Any]:
    """The JSON object body ({} when empty); anything else is a 400."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = jsonio.loads(raw)
    except ValueError:
        raise fail("the body must be JSON") from None
    if not isinstance(data, dict):
        raise fail("the body must be a JSON object")
    return data


def number(data: dict[str, Any], key: str, *, default: float | None = None) -> float:
    """A finite number field (``int`` or ``float``, not ``bool``)."""
    value = data.get(key, default)
    if value is None:
        raise fail(f"{key!r} is required")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise fail(f"{key!r} must be a number")
    if isinstance(value, int) and abs(value) > 10**300:
        raise fail(f"{key!r} is out of range")  # float() of it would overflow
    if value != value or value in (float("inf"), float("-inf")):
        raise fail(f"{key!r} must be finite")
    return float(value)


def integer(
    data: dict[str, Any],
    key: str,
    *,
    default: int | None = None,
    low: int = 0,
    high: int = INT_MAX,
) -> int:
    """An integer field within [low, high], checked before anything uses it."""
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise fail(f"{key!r} must be an integer")
    if not low <= value <= high:
        raise fail(f"{key!r} must be an integer from {low} to {high}")
    return value


def text(
    data: dict[str, Any], key: str, *, default: str | None = None, max_chars: int = 1000
) -> str:
    """A non-empty string field of at most ``max_chars`` characters."""
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise fail(f"{key!r} must be a non-empty string")
    if len(value) > max_chars:
        raise fail(f"{key!r} must be at most {max_chars} characters")
    return value
