"""WebSocket sessions: a ``connectionSessionUUID`` outlives its socket.

A frame meant for a session whose socket is gone (or breaks while sending) is kept
in the session's backlog. Re-authenticating with the session's UUID within ``keep``
seconds (engine clock) reattaches it and replays the backlog, so a client that
reconnects need not resend its tasks; older frames and sessions are dropped.

>>> session = sessions.open(tenant)              # on authentication
>>> await sessions.send(session, {"data": [...]})  # sent, or kept for a resume
>>> sessions.detach(session, websocket)          # the socket closed
>>> sessions.resume(session.id, tenant)          # -> the same session, within keep
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.websockets import WebSocket

from mock_server.core.clock import Clock
from mock_server.core.ids import IdSource

__all__ = ["Session", "Sessions"]


@dataclass(slots=True, eq=False)
class Session:
    id: str
    tenant: str
    socket: WebSocket | None = None
    detached_at: float | None = None
    backlog: deque[tuple[float, str]] = field(default_factory=deque)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Sessions:
    """Every live or resumable session, by UUID."""

    def __init__(self, clock: Clock, ids: IdSource, keep: float = 120.0) -> None:
        self.clock = clock
        self.ids = ids
        self.keep = keep
        self._by_id: dict[str, Session] = {}

    def open(self, tenant: str) -> Session:
        self._purge()
        session = Session(self.ids.uuid4(), tenant)
        self._by_id[session.id] = session
        return session

    def resume(self, session_id: str, tenant: str) -> Session | None:
        """The session to reattach, if it exists for this tenant and has not expired."""
        self._purge()
        session = self._by_id.get(session_id)
        if session is None or session.tenant != tenant:
            return None
        return session

    def get(self, session_id: str) -> Session | None:
        """The session by UUID, expired or not (for inspection)."""
        return self._by_id.get(session_id)

    def attach(self, session: Session, socket: WebSocket) -> None:
        session.socket = socket
        session.detached_at = None

    def detach(self, session: Session, socket: WebSocket) -> None:
        """Forget ``socket`` if it is still the session's (a resume may have replaced it)."""
        if session.socket is socket:
            session.socket = None
            session.detached_at = self.clock.now()

    async def send(self, session: Session, frame: dict[str, Any]) -> None:
        """Send ``frame`` now, or keep it for a resume when the socket is gone."""
        text = json.dumps(frame, separators=(",", ":"))
        if not await self._send_text(session, text):
            session.backlog.append((self.clock.now(), text))

    async def replay(self, session: Session) -> int:
        """Send the backlog still within ``keep``; returns how many frames went out."""
        horizon = self.clock.now() - self.keep
        sent = 0
        while session.backlog:
            at, text = session.backlog[0]
            if at >= horizon and not await self._send_text(session, text):
                break
            session.backlog.popleft()
            sent += at >= horizon
        return sent

    async def _send_text(self, session: Session, text: str) -> bool:
        socket = session.socket
        if socket is None:
            return False
        try:
            async with session.lock:
                await socket.send_text(text)
        except Exception:  # closed under us: the frame waits for a resume
            self.detach(session, socket)
            return False
        return True

    def _purge(self) -> None:
        horizon = self.clock.now() - self.keep
        for sid, session in list(self._by_id.items()):
            if session.detached_at is not None and session.detached_at < horizon:
                del self._by_id[sid]

    def __len__(self) -> int:
        return len(self._by_id)
