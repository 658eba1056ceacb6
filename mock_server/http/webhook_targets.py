"""Where a webhook may go: never back into the emulator itself.

>>> targets = WebhookTargets(("127.0.0.1", "localhost", "::1"))
>>> targets.note_listener("127.0.0.1", 8000)      # learnt from each request's socket
>>> targets.refusal("http://127.0.0.1:9000/hook") is None
True
>>> targets.refusal("http://0x7f.1:8000/_emulator/reset")
'the URL points at the emulator itself'

A tenant chooses the URL, so the rule is about addresses, not spellings. The URL is read
with the same parser that sends the request (httpx), and its host is turned into the
addresses a connection would reach: dotted, short (``127.1``), hexadecimal (``0x7f.1``),
octal and single-number (``2130706433``) IPv4 forms, bracketed IPv6 (``[::1]``),
IPv4-mapped IPv6 (``[::ffff:127.0.0.1]``) and names (``localhost`` and ``*.localhost``
at once; any other name through the resolver, before each delivery). Refused:

* anything but ``http``/``https``, a host outside ``allowed_hosts`` (``"*"``: any host),
  or a URL longer than ``max_url_chars``;
* the emulator's own listener: a loopback, unspecified (``0.0.0.0``, ``::``) or
  listening address on a port the emulator listens on;
* any path under ``/_emulator`` (after percent-decoding), on whatever host: no
  delivery ever reaches a control API, this emulator's or another's.

Loopback receivers on other ports stay allowed (tests run theirs there). Behind the
rule, the emulator's own listener refuses any request carrying its dispatcher's
delivery token (:class:`SelfCallGuard`), so even a name that resolves differently at
connect time than when checked cannot reach it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

import httpx

__all__ = ["DELIVERY_HEADER", "SelfCallGuard", "WebhookTargets", "addresses_of"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
DELIVERY_HEADER = "x-sora-mock-delivery"
SELF = "the URL points at the emulator itself"
CONTROL = "the URL points at a control API (/_emulator/)"


def _literal(host: str) -> IPAddress | None:
    """The address a literal host stands for, in any spelling a resolver accepts."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def addresses_of(host: str) -> list[IPAddress] | None:
    """The addresses of a literal or ``localhost`` host; None for a name to resolve."""
    host = host.lower().rstrip(".")
    address = _literal(host)
    if address is not None:
        return [address]
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return [ipaddress.IPv4Address("127.0.0.1"), ipaddress.IPv6Address("::1")]
    return None


class WebhookTargets:
    """The delivery rule above, with the listening sockets the emulator has seen."""

    def __init__(self, allowed_hosts: Iterable[str], *, max_url_chars: int = 2048) -> None:
        self.allowed_hosts = frozenset(h.strip().lower().strip("[]") for h in allowed_hosts)
        self.max_url_chars = max_url_chars
        self._listeners: set[tuple[IPAddress | None, int]] = set()

    def note_listener(self, host: str, port: int) -> None:
        """Record an address and port the emulator listens on (at most 64 are kept)."""
        if len(self._listeners) < 64:
            self._listeners.add((_literal(host), port))

    def _own(self, address: IPAddress, port: int) -> bool:
        ports = {p for _, p in self._listeners}
        if port not in ports:
            return False
        if address.is_loopback or address.is_unspecified:
            return True
        return (address, port) in self._listeners

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not receive a webhook (without resolving names); None if it may."""
        if len(url) > self.max_url_chars:
            return f"the URL is longer than {self.max_url_chars} characters"
        try:
            parsed = httpx.URL(url)
            port = parsed.port or (443 if parsed.scheme == "https" else 80)
        except (httpx.InvalidURL, ValueError, TypeError):
            return "not a valid URL"
        if not 0 < port < 65536:
            return "not a valid URL"
        host = parsed.host.lower()
        if parsed.scheme not in ("http", "https") or not host:
            return "only http and https URLs can receive webhooks"
        if "*" not in self.allowed_hosts and host not in self.allowed_hosts:
            return "the host is not allowed (--webhook-hosts)"
        path = parsed.raw_path.decode("ascii", "replace").split("?", 1)[0]
        for _ in range(3):  # %255F -> %5F -> _
            path = unquote(path)
        if "/_emulator" in path.lower().replace("\\", "/"):
            return CONTROL
        addresses = addresses_of(host)
        if addresses and any(self._own(a, port) for a in addresses):
            return SELF
        return None

    async def refusal_resolved(self, url: str) -> str | None:
        """:meth:`refusal`, then the addresses a name resolves to right now."""
        reason = self.refusal(url)
        if reason is not None:
            return reason
        parsed = httpx.URL(url)
        if addresses_of(parsed.host) is not None:
            return None
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(parsed.host, port)
        except OSError:
            return None  # the connection attempt fails and is logged as such
        for info in infos:
            address = _literal(str(info[4][0]))
            if address is not None and self._own(address, port):
                return SELF
        return None


class SelfCallGuard:
    """Pure-ASGI middleware: notes the listening socket of every connection and answers
    403 to a request carrying ``token`` in the delivery header (the emulator's own
    webhook dispatcher calling itself)."""

    def __init__(self, app: Any, targets: WebhookTargets, token: str) -> None:
        self.app, self.targets, self.token = app, targets, token.encode()
        self._seen: set[tuple[Any, Any]] = set()  # listening sockets already noted

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket"):
            server = scope.get("server")  # a real socket's (ip, port); in process, a name
            if server and tuple(server) not in self._seen and len(self._seen) < 64:
                self._seen.add(tuple(server))
                if server[1] is not None and _literal(str(server[0])) is not None:
                    self.targets.note_listener(str(server[0]), int(server[1]))
            if scope["type"] == "http" and any(
                name == DELIVERY_HEADER.encode() and value == self.token
                for name, value in scope["headers"]
            ):
                await _refuse(send, self.token)
                return
        await self.app(scope, receive, send)


async def _refuse(send: Any, token: bytes) -> None:
    body = b'{"error":"forbidden","message":"the emulator does not deliver webhooks to itself"}'
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    headers.append((DELIVERY_HEADER.encode(), token))  # the dispatcher stops retrying
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
