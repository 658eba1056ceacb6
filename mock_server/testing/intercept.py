"""Route the providers' real hostnames into a running emulator with respx.

    with Interception("127.0.0.1", port):
        httpx.post("https://model-api.runcomfy.net/v1/models/openai/sora-2/text-to-video", ...)
        # answered by the emulator; any host not listed fails the test instead of leaking

Every httpx client, sync or async, created before or after, is covered (respx patches
httpcore). Requests to the provider hosts (and the hosts their media URLs use) are
forwarded over loopback to the emulator with their own ``Host`` header and
``X-Forwarded-Proto``, so the links the emulator writes (``status_url``, ``videoURL``,
``output.video``) name the intercepted host, e.g. ``https://api.runware.ai/media/…``,
and are themselves intercepted. Loopback addresses pass through untouched (the
emulator's own base URL, webhook receivers); every other host raises respx's
``AllMockedAssertionError``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable, Iterable
from typing import Any

import anyio.to_thread
import httpx
import respx

from mock_server.testing.loopback import LoopbackTransport

__all__ = ["LOOPBACK_HOSTS", "PROVIDER_HOSTS", "Interception"]

PROVIDER_HOSTS = (
    "api.runware.ai",  # Runware REST
    "ws-api.runware.ai",  # Runware WebSocket (not HTTP: listed so nothing leaks)
    "vm.runware.ai",  # Runware video URLs
    "im.runware.ai",  # Runware image URLs
    "model-api.runcomfy.net",  # RunComfy Model API
    "playgrounds-storage-public.runcomfy.net",  # RunComfy output URLs
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_IN_ASYNC = contextvars.ContextVar("sora_mock_in_async_client", default=False)


class _Router(respx.MockRouter):
    """Marks requests from async clients, so forwarding can leave their event loop free."""

    async def async_handler(self, request: httpx.Request) -> httpx.Response:
        token = _IN_ASYNC.set(True)
        try:
            return await super().async_handler(request)
        finally:
            _IN_ASYNC.reset(token)


class Interception:
    """A context manager: while it is open, provider hosts are answered by the emulator."""

    def __init__(self, host: str, port: int, extra_hosts: Iterable[str] = ()) -> None:
        self.hosts = tuple(dict.fromkeys([*PROVIDER_HOSTS, *extra_hosts]))
        self.transport = LoopbackTransport(host, port)
        self.router = _Router(assert_all_called=False, assert_all_mocked=True)
        for name in self.hosts:
            self.router.route(host=name).mock(side_effect=self._forward)
        self.router.route(host__in=LOOPBACK_HOSTS).pass_through()
        self.forwarded: list[httpx.Request] = []

    def _send(self, request: httpx.Request) -> httpx.Response:
        headers = httpx.Headers(request.headers)
        headers["X-Forwarded-Proto"] = request.url.scheme
        forward = httpx.Request(
            request.method, request.url, headers=headers, content=request.content
        )
        self.forwarded.append(request)
        response = self.transport.handle_request(forward)
        return httpx.Response(
            response.status_code, headers=response.headers, content=response.content
        )

    def _forward(self, request: httpx.Request) -> httpx.Response | Awaitable[httpx.Response]:
        if _IN_ASYNC.get():  # an async client: wait in a thread, not on its event loop
            return anyio.to_thread.run_sync(self._send, request)
        return self._send(request)

    def __enter__(self) -> Interception:
        self.router.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.router.__exit__(*exc)
