"""Serve the app with uvicorn, with limits that keep slow or greedy clients from
exhausting the server.

>>> server = uvicorn.Server(uvicorn_config(app, config))   # what ``sora-mock serve`` runs

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``), but with its
fast httptools parser it waits forever for a request that arrives slowly, and
buffers a request head of any size: a few hundred half-open connections
(slowloris) would pin memory and file descriptors indefinitely. The protocol built
by :func:`guarded_httptools` adds two limits:

* ``request_timeout``: a request must arrive whole (head and body) within that many
  seconds of its first byte, or of the connection opening; otherwise the server
  answers ``408`` (if nothing is being answered yet) and closes the connection;
* ``max_header_bytes``: a request head larger than that gets ``431`` and is closed
  (with the h11 parser, uvicorn's ``h11_max_incomplete_event_size`` does the same).

Everything else is uvicorn's: ``limit_concurrency`` (503 once open connections plus
requests in progress reach it), ``timeout_graceful_shutdown``, and ``ws_max_size``,
set to twice ``max_body_bytes`` so a message between the two gets the provider's own
413-style error and only a larger one is refused by the WebSocket layer (close 1009).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

from mock_server.config import Config

__all__ = ["guarded_httptools", "uvicorn_config"]


def _plain(status: int, reason: str, text: str) -> bytes:
    body = text.encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def guarded_httptools(request_timeout: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a per-request deadline and a head size limit."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    timeout_text = f"request not received within {request_timeout:g} s"
    header_text = f"request head larger than {max_header_bytes} bytes"

    # One sweep over the open connections every ``interval`` seconds rather than a timer
    # armed and cancelled for every request: per request this costs two float writes.
    interval = min(1.0, max(0.05, request_timeout / 4))
    watched: set[GuardedHttpToolsProtocol] = set()
    sweeping: list[asyncio.TimerHandle] = []

    def sweep(loop: asyncio.AbstractEventLoop) -> None:
        sweeping.clear()
        now = loop.time()
        for conn in list(watched):
            if 0 < conn.deadline <= now:
                conn.too_slow()
        if watched:
            sweeping.append(loop.call_later(interval, sweep, loop))

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        deadline = 0.0  # loop time by which the request in progress must be complete
        in_head = True
        head_bytes = 0

        def _arm(self) -> None:
            if request_timeout > 0:
                self.deadline = self.loop.time() + request_timeout

        def too_slow(self) -> None:
            self.deadline = 0.0
            if self.transport.is_closing():
                return
            if self.in_head and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(_plain(408, "Request Timeout", timeout_text))
            self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            if request_timeout > 0:
                self._arm()
                watched.add(self)
                if not sweeping:
                    sweeping.append(self.loop.call_later(interval, sweep, self.loop))

        def connection_lost(self, exc: Exception | None) -> None:
            watched.discard(self)
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            counting = self.in_head
            super().data_received(data)
            if counting and self.in_head and max_header_bytes > 0:
                self.head_bytes += len(data)
                if self.head_bytes > max_header_bytes and not self.transport.is_closing():
                    self.deadline = 0.0
                    self.transport.write(
                        _plain(431, "Request Header Fields Too Large", header_text)
                    )
                    self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.in_head, self.head_bytes = True, 0
            self._arm()

        def on_headers_complete(self) -> None:
            self.in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self.deadline = 0.0
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self.in_head, self.head_bytes = True, 0  # the next request's head

        def handle_websocket_upgrade(self) -> None:
            watched.discard(self)  # the WebSocket protocol has its own pings and size limit
            self.deadline = 0.0
            super().handle_websocket_upgrade()

    return GuardedHttpToolsProtocol


def uvicorn_config(app: Any, config: Config, **overrides: Any) -> uvicorn.Config:
    """The uvicorn settings for ``config``: one worker, uvloop when installed, limits on."""
    try:
        import httptools  # noqa: F401

        http: Any = guarded_httptools(config.request_timeout, config.max_header_bytes)
    except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
        http = "h11"
    body = config.max_body_bytes
    settings: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "log_level": config.log_level,
        "access_log": config.access_log,
        "http": http,
        "timeout_keep_alive": config.timeout_keep_alive,
        "limit_concurrency": config.limit_concurrency or None,
        "timeout_graceful_shutdown": config.timeout_graceful_shutdown,
        "h11_max_incomplete_event_size": config.max_header_bytes or None,
        "ws_max_size": 2 * body if body > 0 else 2**31,
    }
    settings.update(overrides)
    return uvicorn.Config(app, **settings)
