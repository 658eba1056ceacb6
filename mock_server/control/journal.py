"""The request journal: a bounded record of every provider and media request.

:class:`JournalMiddleware` is pure ASGI and sits outside everything else (see
``app.py``), so it sees the server's own ``send`` and can also turn a
:class:`~mock_server.core.faults.DropConnection` into a closed socket::

    app = JournalMiddleware(inner_app, journal, accounts)
    journal.entries(limit=20)   # newest first

Control-plane and dashboard requests are not journalled: the dashboard polls every
second and would drown the requests an integrator wants to see.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from mock_server.core.accounts import Accounts
from mock_server.core.clock import Clock, iso8601
from mock_server.core.errors import DomainError
from mock_server.core.faults import DropConnection

__all__ = ["Journal", "JournalMiddleware", "note"]

Entry = dict[str, Any]
Sink = Callable[[Entry], None]
_current: contextvars.ContextVar[Entry | None] = contextvars.ContextVar(
    "sora_mock_journal_entry", default=None
)
QUIET_PREFIXES = ("/_emulator", "/favicon.ico")


def note(**fields: Any) -> None:
    """Attach fields (``provider``, ``operation``, ``tenant``) to the current request's
    journal entry; a no-op outside a request. Dialects whose key travels in the body
    (Runware's ``authentication`` task) may call ``note(tenant=tenant_id)``."""
    entry = _current.get()
    if entry is not None:
        entry.update({k: v for k, v in fields.items() if v is not None})


class Journal:
    """The newest ``size`` entries in memory, each also handed to ``sink`` (persistence)."""

    def __init__(
        self,
        size: int = 1000,
        sink: Sink | None = None,
        on_clear: Callable[[], None] | None = None,
    ) -> None:
        self._entries: deque[Entry] = deque(maxlen=max(1, size))
        self.sink = sink
        self.on_clear = on_clear

    def add(self, entry: Entry) -> None:
        self._entries.append(entry)
        if self.sink is not None:
            entry.setdefault("time", iso8601(entry["at"]))
            self.sink(entry)

    def load(self, entries: list[Entry]) -> None:
        """Restore entries (oldest first) without handing them to the sink again."""
        self._entries.extend(entries)

    def entries(
        self, limit: int = 100, provider: str | None = None, tenant: str | None = None
    ) -> list[Entry]:
        """Newest first, optionally only one provider's or one tenant's."""
        out: list[Entry] = []
        for entry in reversed(self._entries):
            if provider and entry.get("provider") != provider:
                continue
            if tenant and tenant not in (entry.get("tenant"), entry.get("tenant_label")):
                continue
            if "time" not in entry:  # formatted when read, not on every request
                entry["time"] = iso8601(entry["at"])
            out.append(entry)
            if len(out) >= limit:
                break
        return out

    def clear(self) -> None:
        self._entries.clear()
        if self.on_clear is not None:
            self.on_clear()

    def __len__(self) -> int:
        return len(self._entries)


class JournalMiddleware:
    """Records method, path, status, tenant, provider, emulated time and real duration."""

    def __init__(
        self,
        app: Any,
        journal: Journal,
        accounts: Accounts,
        clock: Clock,
        owner_of: Callable[[str], str | None] | None = None,
    ) -> None:
        """``owner_of(path)`` names the provider that serves a path (or None); the
        composition root supplies it, so the control plane knows no provider's URLs."""
        self.owner_of = owner_of or (lambda path: None)
        self.app = app
        self.journal = journal
        self.accounts = accounts
        self.clock = clock

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        entry: Entry = {
            "at": self.clock.now(),
            "method": scope.get("method", "WS"),
            "path": path,
            "status": None,
        }
        token = _current.set(entry)
        started = time.perf_counter()

        async def recording_send(message: Any) -> None:
            kind = message["type"]
            if kind == "http.response.start":
                entry["status"] = message["status"]
            elif kind == "websocket.accept":
                entry["status"] = 101
            elif kind == "websocket.close" and entry["status"] is None:
                entry["status"] = 403
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        except DropConnection:
            entry["status"] = 0
            entry["dropped"] = True
            await _abort(send, receive)
        finally:
            _current.reset(token)
            entry["duration_ms"] = round((time.perf_counter() - started) * 1000, 2)
            if not path.startswith(QUIET_PREFIXES) and path != "/":
                self._finish(entry, scope)

    def _finish(self, entry: Entry, scope: Any) -> None:
        if path_provider := self.owner_of(entry["path"]):
            entry.setdefault("provider", path_provider)
        if "tenant" not in entry:
            key = _bearer(scope)
            if key:
                with contextlib.suppress(DomainError):
                    entry["tenant"] = self.accounts.tenant_for(key)
        if "tenant" in entry:
            entry["tenant_label"] = self.accounts.label(entry["tenant"])
        self.journal.add(entry)


def _bearer(scope: Any) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" else None
    return None


async def _abort(send: Any, receive: Any) -> None:
    """Close the socket without a response.

    uvicorn's ``send`` is a bound method of its request cycle, which holds the
    transport; closing it and waiting for ``http.disconnect`` makes uvicorn skip its
    own 500 answer. Without a transport (httpx's in-process ASGITransport) there is no
    socket to close, so the client sees ``ConnectionResetError`` instead.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise ConnectionResetError("sora-mock dropped the connection")
    transport.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(2):
            while not str((await receive())["type"]).endswith("disconnect"):
                pass
