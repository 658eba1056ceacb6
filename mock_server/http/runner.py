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
* ``max_header_bytes``: a request head larger than that gets ``431`` and is closed,
  whether it trickles in or arrives in one write with its body (the parser's own
  URL and header callbacks are counted); a URL too long for the parser (over 65,535
  bytes, possible only with a larger limit) gets ``414``. With the h11 parser,
  uvicorn's ``h11_max_incomplete_event_size`` does the same.

Every answer the protocol writes itself (408, 414, 431, and 400 for bytes that are
not HTTP) is JSON in the emulator's own shape, ``{"error": ..., "message": ...}``,
never uvicorn's plain text.

Everything else is uvicorn's: ``limit_concurrency`` (503 once open connections plus
requests in progress reach it), ``timeout_graceful_shutdown``, and ``ws_max_size``,
set to twice ``max_body_bytes`` so a message between the two gets the provider's own
413-style error and only a larger one is refused by the WebSocket layer (close 1009).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import uvicorn

from mock_server.config import Config

__all__ = ["guarded_httptools", "uvicorn_config"]


_URL_MAX = 65_535  # httptools cannot parse a longer URL (16-bit offsets)


def _json(status: int, reason: str, error: str, message: str) -> bytes:
    """A complete HTTP/1.1 answer in the emulator's own error shape, then close."""
    body = json.dumps({"error": error, "message": message}).encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def guarded_httptools(request_timeout: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a per-request deadline and a head size limit."""
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    timeout_answer = _json(
        408,
        "Request Timeout",
        "request_timeout",
        f"request not received within {request_timeout:g} s",
    )
    head_answer = _json(
        431,
        "Request Header Fields Too Large",
        "request_head_too_large",
        f"request head larger than {max_header_bytes} bytes",
    )
    url_answer = _json(414, "URI Too Long", "uri_too_long", f"URL longer than {_URL_MAX} bytes")
    head_limit = max_header_bytes if max_header_bytes > 0 else float("inf")

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

    class HeadTooLarge(Exception):
        """Raised from a parser callback: stops parsing this connection at once."""

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        deadline = 0.0  # loop time by which the request in progress must be complete
        in_head = True
        head_bytes = 0  # bytes received while a head is incomplete (any number of writes)
        parsed_bytes = 0  # the head's URL and headers as parsed (one write or many)
        refusal = b""  # the answer for a head refused inside the parser

        def _arm(self) -> None:
            if request_timeout > 0:
                self.deadline = self.loop.time() + request_timeout

        def _refuse(self, answer: bytes) -> None:
            self.deadline = 0.0
            if not self.transport.is_closing():
                self.transport.write(answer)
                self.transport.close()

        def too_slow(self) -> None:
            self.deadline = 0.0
            if self.transport.is_closing():
                return
            if self.in_head and (self.cycle is None or self.cycle.response_complete):
                self.transport.write(timeout_answer)
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
            if counting and self.in_head:
                self.head_bytes += len(data)
                if self.head_bytes > head_limit:
                    self._refuse(head_answer)

        def send_400_response(self, msg: str) -> None:
            """The parser stopped: a head we refused, or a request that is not HTTP."""
            if self.refusal:
                self._refuse(self.refusal)
            else:
                self._refuse(_json(400, "Bad Request", "bad_request", "invalid HTTP request"))

        def _count(self, size: int) -> None:
            self.parsed_bytes += size
            if self.parsed_bytes > head_limit:
                self.refusal = head_answer
                raise HeadTooLarge

        def on_url(self, url: bytes) -> None:
            self._count(len(url))
            super().on_url(url)
            if len(self.url) > _URL_MAX:
                self.refusal = url_answer
                raise HeadTooLarge

        def on_header(self, name: bytes, value: bytes) -> None:
            self._count(len(name) + len(value) + 4)
            super().on_header(name, value)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.in_head, self.head_bytes, self.parsed_bytes = True, 0, 0
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
