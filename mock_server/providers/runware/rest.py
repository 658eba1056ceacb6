"""``POST /v1``: a JSON array of tasks in, ``{"data": [...]}`` / ``{"errors": [...]}`` out.

Authentication is ``Authorization: Bearer <key>`` or an ``authentication`` task as
the first element. Each task is answered on its own: errors sit next to successes
on HTTP 200; a request whose tasks all failed takes the status of its first error
(400 validation, 401 key, 402 credits, 403, 404, 429). A failed *generation* is a
result, reported on 200. An empty ``errors`` key is never sent: runware-sdk raises
on the mere presence of the key. When ``errors`` is present, ``data`` comes along
(possibly empty), as Runware was seen to answer live.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.core.errors import AuthError
from mock_server.emulator import Emulator
from mock_server.http.routing import origin
from mock_server.providers.runware.errors import (
    DOCS_CONNECT,
    RunwareError,
    from_domain,
    payload_too_large,
)
from mock_server.providers.runware.fields import loads
from mock_server.providers.runware.tasks import Context, Reply, Tasks

__all__ = ["RestApi", "http_error", "render_error", "too_large"]


def render(replies: list[Reply]) -> Response:
    """One HTTP response for the replies of every task in the request."""
    data = [item for r in replies for item in r.data]
    errors = [item for r in replies for item in r.errors]
    headers: dict[str, str] = {}
    for r in replies:
        headers.update(r.headers)
    if not errors:
        return JSONResponse({"data": data}, headers=headers)
    failing = [r.status for r in replies if r.errors and r.status != 200]
    status = 200 if data or not failing else failing[0]
    return JSONResponse({"data": data, "errors": errors}, status_code=status, headers=headers)


def request_error(err: RunwareError, task_type: str | None = None) -> Response:
    """A whole-request failure (bad JSON, no key) in Runware's shape."""
    reply = Reply(errors=[err.item(task_type)], status=err.status)
    return render([reply])


def http_error(status: int, method: str, path: str) -> Response:
    """405 for a method a path does not take (``/v1`` takes POST, the schema registry
    GET), and 404 for a path of Runware's that does not exist."""
    if status == 405:  # Allow: the route's own methods (app.py), or POST for /v1
        message = (
            "The schema registry is read with GET."
            if path.startswith("/schemas/")
            else "Send tasks with POST (a JSON array), or open a WebSocket on this URL."
        )
        response = request_error(
            RunwareError("methodNotAllowed", message, documentation=DOCS_CONNECT)
        )
        response.headers["Allow"] = "POST"
        return response
    return request_error(
        RunwareError(
            "notFound", f"No such endpoint: {path}.", documentation=DOCS_CONNECT, status=404
        )
    )


def too_large(limit: int, size: int | None) -> Response:
    """413 for a body over the emulator's ``--max-body-bytes`` (REST), in Runware's shape."""
    return request_error(payload_too_large(limit, size))


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed", "Authorization must be 'Bearer <API key>'")
    return token.strip()


def render_error(exc: Exception) -> Response:
    """Any exception of an operation, in Runware's error envelope (never a stack trace)."""
    return request_error(from_domain(exc), "authentication" if isinstance(exc, AuthError) else None)


class RestApi:
    """``/v1`` over HTTP: one POST carrying a batch of tasks (:class:`Tasks` runs each
    by its type); any other method is refused in Runware's words."""

    def __init__(self, emu: Emulator, tasks: Tasks) -> None:
        self.emu, self.tasks = emu, tasks

    async def post_tasks(self, request: Request) -> Response:
        key = _bearer(request)
        tenant = self.emu.accounts.tenant_for(key) if key is not None else None
        raw = await request.body()
        try:
            body = loads(raw)
        except (ValueError, UnicodeDecodeError):
            return request_error(
                RunwareError(
                    "invalidRequestBody",
                    "The request body is not valid JSON.",
                    documentation=DOCS_CONNECT,
                )
            )
        if not isinstance(body, list) or not body:
            return request_error(
                RunwareError(
                    "invalidRequestBody",
                    "The request body must be a non-empty JSON array of task objects.",
                    documentation=DOCS_CONNECT,
                )
            )
        if tenant is None:
            first = body[0]
            if not (isinstance(first, dict) and first.get("taskType") == "authentication"):
                raise AuthError("missing", "no API key")
            task_key = first.get("apiKey")
            tenant = self.emu.accounts.tenant_for(task_key if isinstance(task_key, str) else None)
        ctx = Context(tenant, request.headers, self.emu.base(origin(request)))
        replies = [await self.tasks.run(task, i, ctx) for i, task in enumerate(body)]
        held = [r for r in replies if r.later is not None]
        if held:
            results = await asyncio.gather(*(r.later for r in held if r.later is not None))
            for reply, result in zip(held, results, strict=True):
                reply.absorb(result)
        return render(replies)

    async def method_not_allowed(self, request: Request) -> Response:
        return http_error(405, request.method, request.url.path)
