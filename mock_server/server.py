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

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        _deadline: asyncio.TimerHandle | None = None
        _in_head = True
        _head_bytes = 0

        def _arm(self) -> None:
            self._disarm()
            if request_timeout > 0:
                self._deadline = self.loop.call_later(request_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None

        def _too_slow(self) -> None:
            self._deadline = None
            if self.transport.is_closing():
                return
            if self._in_head and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(_plain(408, "Request Timeout", timeout_text))
            self.transport.close()

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            counting = self._in_head
            super().data_received(data)
            if counting and self._in_head and max_header_bytes > 0:
                self._head_bytes += len(data)
                if self._head_bytes > max_header_bytes and not self.transport.is_closing():
                    self._disarm()
                    self.transport.write(
                        _plain(431, "Request Header Fields Too Large", header_text)
                    )
                    self.transport.close()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self._in_head, self._head_bytes = True, 0
            self._arm()

        def on_headers_complete(self) -> None:
            self._in_head = False
            super().on_headers_complete()

        def on_message_complete(self) -> None:
            self._disarm()
            super().on_message_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._in_head, self._head_bytes = True, 0  # the next request's head

        def handle_websocket_upgrade(self) -> None:
            self._disarm()  # the WebSocket protocol has its own pings and size limit
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
