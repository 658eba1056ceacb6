"""Route tables: an API is a class with one method per operation, bound to paths by a
table of ``(method, path, operation)`` rows, as in the provider's API reference.

>>> routes = route_table(api, [("GET", "/things/{thing_id}", Api.get_thing)], wrap)

``wrap`` turns each bound operation into the endpoint Starlette calls: it is where a
provider renders any exception in its own error shape (:func:`rendering`), and where
the control API checks its token.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["Handler", "Operation", "origin", "rendering", "route_table"]

A = TypeVar("A")
Handler = Callable[[Request], Awaitable[Response]]
Operation = Callable[[A, Request], Awaitable[Response]]


def route_table(
    api: A,
    table: Sequence[tuple[str, str, Operation[A]]],
    wrap: Callable[[Handler], Handler],
) -> list[Route]:
    """One route per path (in first-seen order, so the hottest path can come first);
    each calls the operation its method names (``HEAD`` the ``GET`` one)."""
    by_path: dict[str, dict[str, Handler]] = {}
    for method, path, operation in table:
        by_path.setdefault(path, {})[method] = wrap(functools.partial(operation, api))
    return [Route(path, _by_method(ops), methods=list(ops)) for path, ops in by_path.items()]


def _by_method(ops: dict[str, Handler]) -> Handler:
    if len(ops) == 1:  # Starlette answers 405 before a route is called with another method
        return next(iter(ops.values()))

    async def endpoint(request: Request) -> Response:
        return await ops["GET" if request.method == "HEAD" else request.method](request)

    return endpoint


def rendering(render_error: Callable[[Exception], Response]) -> Callable[[Handler], Handler]:
    """A ``wrap`` under which any exception leaves as ``render_error(exc)``: never a 500
    page, never a stack trace."""

    def wrap(handler: Handler) -> Handler:
        async def endpoint(request: Request) -> Response:
            try:
                return await handler(request)
            except Exception as exc:
                return render_error(exc)

        return endpoint

    return wrap


def origin(request: Request) -> str:
    """``scheme://host[:port]`` of the request; cheaper than ``request.base_url``
    (every poll builds links with it)."""
    host = request.headers.get("host")
    if host is None:
        server: Any = request.scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.scope.get('scheme', 'http')}://{host}{request.scope.get('root_path', '')}"
