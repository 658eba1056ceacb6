"""Request body limit: a pure-ASGI middleware that answers 413 in the provider's shape.

>>> app = BodyLimitMiddleware(inner, 20 * 1024 * 1024, [("/v1/models/", runcomfy_413)])

A declared ``Content-Length`` over the limit is refused before a byte of the body is
read; a chunked body is counted as it arrives and refused once it passes the limit.
Requests within the limit pass straight through (one header scan), so the hot path
pays almost nothing. The 413 carries ``Connection: close``: the unread rest of an
oversized body is not worth reading.

Each dialect supplies the renderer for its paths (``too_large(limit, size)`` returning
an ASGI response); the first matching prefix wins, ``exact`` paths before prefixes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["BodyLimitMiddleware", "Renderer"]

# (limit in bytes, size seen so far or declared; None when unknown) -> ASGI app
Renderer = Callable[[int, int | None], Any]


class BodyLimitMiddleware:
    """Refuse request bodies over ``max_bytes`` (0 or less: no limit)."""

    def __init__(
        self,
        app: Any,
        max_bytes: int,
        renderers: Sequence[tuple[str, Renderer]],
        fallback: Renderer,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exact = {p: r for p, r in renderers if not p.endswith("/")}
        self.prefixes = tuple((p, r) for p, r in renderers if p.endswith("/"))
        self.fallback = fallback

    def renderer(self, path: str) -> Renderer:
        found = self.exact.get(path)
        if found is not None:
            return found
        for prefix, render in self.prefixes:
            if path.startswith(prefix):
                return render
        return self.fallback

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or self.max_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
            elif name == b"transfer-encoding":
                chunked = True
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send, declared)
            return
        if declared is not None or not chunked:
            await self.app(scope, receive, send)
            return
        # A chunked body: read it here, within the limit, then replay it to the app.
        messages: list[Any] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await self._refuse(scope, receive, send, size)
                return
            if not message.get("more_body", False):
                break

        async def replay() -> Any:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Any, receive: Any, send: Any, size: int | None) -> None:
        response = self.renderer(scope.get("path", ""))(self.max_bytes, size)
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
