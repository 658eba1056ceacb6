"""uvicorn's httptools protocol with a per-request deadline and a request head size
limit (see :mod:`mock_server.http.runner` for what each limit answers).

Imported only where httptools is installed: :func:`runner.guarded_httptools` builds
one subclass per configuration, carrying its :class:`Guard`.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["URL_MAX", "Guard", "GuardedHttpToolsProtocol", "Refused", "json_answer"]

URL_MAX = 65_535  # httptools cannot parse a longer URL (16-bit offsets)


def json_answer(
    status: int, reason: str, error: str, message: str, retry_after: int | None = None
) -> bytes:
    """A complete HTTP/1.1 answer in the emulator's own error shape, then close."""
    body = json.dumps({"error": error, "message": message}).encode()
    wait = f"retry-after: {retry_after}\r\n" if retry_after is not None else ""
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n{wait}"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


class Guard:
    """The limits of one configuration, their answers, and the connections it watches.

    One sweep over the open connections every ``interval`` seconds rather than a timer
    armed and cancelled for every request: per request this costs two float writes.
    """

    def __init__(self, request_timeout: float, max_header_bytes: int) -> None:
        self.request_timeout = request_timeout
        self.timeout_answer = json_answer(
            408,
            "Request Timeout",
            "request_timeout",
            f"request not received within {request_timeout:g} s",
        )
        self.head_answer = json_answer(
            431,
            "Request Header Fields Too Large",
            "request_head_too_large",
            f"request head larger than {max_header_bytes} bytes",
        )
        self.url_answer = json_answer(
            414, "URI Too Long", "uri_too_long", f"URL longer than {URL_MAX} bytes"
        )
        self.bad_answer = json_answer(400, "Bad Request", "bad_request", "invalid HTTP request")
        self.busy_answer = json_answer(
            503,
            "Service Unavailable",
            "busy",
            "the emulator is at its concurrency limit (--limit-concurrency); retry shortly",
            retry_after=1,
        )
        self.head_limit = max_header_bytes if max_header_bytes > 0 else float("inf")
        self.interval = min(1.0, max(0.05, request_timeout / 4))
        self.watched: set[GuardedHttpToolsProtocol] = set()
        self.sweeping: list[asyncio.TimerHandle] = []

    def watch(self, conn: GuardedHttpToolsProtocol, loop: asyncio.AbstractEventLoop) -> None:
        self.watched.add(conn)
        if not self.sweeping:
            self.sweeping.append(loop.call_later(self.interval, self.sweep, loop))

    def sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        self.sweeping.clear()
        now = loop.time()
        for conn in list(self.watched):
            if 0 < conn.deadline <= now:
                conn.too_slow()
        if self.watched:
            self.sweeping.append(loop.call_later(self.interval, self.sweep, loop))


class Refused(Exception):
    """Raised from a parser callback: stops parsing this connection at once; the
    connection's ``refusal`` is the answer."""


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    guard: ClassVar[Guard]
    deadline = 0.0  # loop time by which the request in progress must be complete
    in_head = True
    head_bytes = 0  # bytes received while a head is incomplete (any number of writes)
    parsed_bytes = 0  # the head's URL and headers as parsed (one write or many)
    refusal = b""  # the answer for a head refused inside the parser

    def _arm(self) -> None:
        if self.guard.request_timeout > 0:
            self.deadline = self.loop.time() + self.guard.request_timeout

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
            self.transport.write(self.guard.timeout_answer)
        self.transport.close()

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        if self.guard.request_timeout > 0:
            self._arm()
            self.guard.watch(self, self.loop)

    def connection_lost(self, exc: Exception | None) -> None:
        self.guard.watched.discard(self)
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        counting = self.in_head
        super().data_received(data)
        if counting and self.in_head:
            self.head_bytes += len(data)
            if self.head_bytes > self.guard.head_limit:
                self._refuse(self.guard.head_answer)

    def send_400_response(self, msg: str) -> None:
        """The parser stopped: a head we refused, or a request that is not HTTP."""
        self._refuse(self.refusal or self.guard.bad_answer)

    def _count(self, size: int) -> None:
        self.parsed_bytes += size
        if self.parsed_bytes > self.guard.head_limit:
            self.refusal = self.guard.head_answer
            raise Refused

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)
        if len(self.url) > URL_MAX:
            self.refusal = self.guard.url_answer
            raise Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.in_head, self.head_bytes, self.parsed_bytes = True, 0, 0
        self._arm()

    def on_headers_complete(self) -> None:
        self.in_head = False
        limit = self.limit_concurrency
        if (
            limit is not None
            and (len(self.connections) >= limit or len(self.tasks) >= limit)
            and not self.parser.should_upgrade()
        ):  # uvicorn's own check, answered in JSON rather than its plain text
            self.refusal = self.guard.busy_answer
            raise Refused
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self.deadline = 0.0
        super().on_message_complete()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self.in_head, self.head_bytes = True, 0  # the next request's head

    def handle_websocket_upgrade(self) -> None:
        self.guard.watched.discard(self)  # the WebSocket protocol has its own pings and limit
        self.deadline = 0.0
        super().handle_websocket_upgrade()
