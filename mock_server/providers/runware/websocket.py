"""The Runware WebSocket API on ``/v1`` (the same path as REST).

Every message is a JSON array of tasks; every answer is a ``{"data": [...]}`` or
``{"errors": [...]}`` frame, one per task, so each SDK can route it by taskUUID
(runware-sdk ignores the data of a frame that also holds errors).

* the first task must be ``authentication``; the answer carries a
  ``connectionSessionUUID``, and re-authenticating with it resumes the session
  (see :mod:`.sessions`);
* ``[{"taskType": "ping", "ping": true}]`` is answered
  ``{"data": [{"taskType": "ping", "pong": true}]}``;
* an async ``videoInference`` gets exactly one acknowledgement frame; a sync one
  gets its results in one frame when they are ready (or kept for a resume);
* the server closes a connection after ``ws_idle`` seconds (engine clock)
  without a message from the client.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from starlette.websockets import WebSocket

from mock_server.emulator import Emulator
from mock_server.providers.runware.errors import (
    DOCS_CONNECT,
    RunwareError,
    from_domain,
    payload_too_large,
)
from mock_server.providers.runware.fields import loads
from mock_server.providers.runware.sessions import Session, Sessions
from mock_server.providers.runware.tasks import PROVIDER, Context, Reply, Tasks

__all__ = ["WebSocketApi"]


class WebSocketApi:
    """The endpoint, plus the background deliveries of sync results it started."""

    def __init__(self, emu: Emulator, tasks: Tasks) -> None:
        self.emu = emu
        self.tasks = tasks
        self.sessions = Sessions(emu.clock, emu.engine.ids, tasks.settings.ws_resume)
        self._background: set[asyncio.Task[None]] = set()

    async def endpoint(self, websocket: WebSocket) -> None:
        await websocket.accept()
        await _Connection(self, websocket).serve()

    def spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        """Cancel sync results still being waited for (server shutdown)."""
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


class _Connection:
    def __init__(self, api: WebSocketApi, websocket: WebSocket) -> None:
        self.api = api
        self.ws = websocket
        self.emu = api.emu
        self.session: Session | None = None
        self.last_seen = self.emu.clock.now()
        http = str(websocket.base_url).replace("ws", "http", 1)
        self.base = self.emu.base(http)

    async def serve(self) -> None:
        watcher = asyncio.ensure_future(self._close_when_idle())
        try:
            while True:
                try:
                    message = await self.ws.receive()
                except (RuntimeError, OSError):
                    break
                if message["type"] == "websocket.disconnect":
                    break
                self.last_seen = self.emu.clock.now()
                text = message.get("text")
                raw = message.get("bytes") if text is None else None
                size = len(raw) if raw is not None else len(text or "")
                limit = self.emu.config.max_body_bytes
                if 0 < limit < size:  # text in characters: cheap, and never more than its bytes
                    await self._error(payload_too_large(limit, size))
                    continue
                if text is None:
                    try:
                        text = (raw or b"").decode("utf-8")
                    except UnicodeDecodeError:  # as REST answers the same bytes
                        await self._error(not_json())
                        continue
                await self._message(text)
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
            if self.session is not None:
                self.api.sessions.detach(self.session, self.ws)

    async def _close_when_idle(self) -> None:
        idle = self.api.tasks.settings.ws_idle
        while True:
            await self.emu.clock.wait_until(self.last_seen + idle)
            if self.emu.clock.now() >= self.last_seen + idle:
                with contextlib.suppress(Exception):
                    await self.ws.close(code=1000, reason="idle timeout")
                return

    # -- messages -----------------------------------------------------------------
    async def _message(self, text: str) -> None:
        try:
            body = loads(text)
        except ValueError:
            await self._error(not_json())
            return
        if not isinstance(body, list) or not body:
            await self._error(
                RunwareError(
                    "invalidRequestBody",
                    "Each message must be a non-empty JSON array of task objects.",
                    documentation=DOCS_CONNECT,
                )
            )
            return
        for index, task in enumerate(body):
            try:
                await self._task(task, index)
            except Exception as exc:  # never let one task end the connection
                await self._error(from_domain(exc))

    async def _task(self, task: Any, index: int) -> None:
        kind = task.get("taskType") if isinstance(task, dict) else None
        if kind == "authentication":
            await self._authenticate(task)
            return
        if self.session is None and kind != "ping":
            uid = task.get("taskUUID") if isinstance(task, dict) else None
            err = RunwareError(
                "missingApiKey",
                "Authenticate first: send an authentication task with your apiKey.",
                parameter="apiKey",
                documentation=DOCS_CONNECT,
            )
            await self._send({"errors": [err.item(kind if isinstance(kind, str) else None, uid)]})
            return
        tenant = self.session.tenant if self.session is not None else ""
        reply = await self.api.tasks.run(task, index, Context(tenant, self.ws.headers, self.base))
        if reply.later is not None:
            self.api.spawn(self._deliver_later(reply, self.session))
        else:
            await self._reply(reply, self.session)

    async def _authenticate(self, task: dict[str, Any]) -> None:
        try:
            await self.emu.policies.before(PROVIDER, f"{PROVIDER}.authentication", self.ws.headers)
            key = task.get("apiKey")
            tenant = self.emu.accounts.tenant_for(key if isinstance(key, str) else None)
        except Exception as exc:
            err = from_domain(exc)
            await self._send({"errors": [err.item("authentication")]})
            return
        sessions = self.api.sessions
        wanted = task.get("connectionSessionUUID")
        session = sessions.resume(wanted, tenant) if isinstance(wanted, str) else None
        session = session or sessions.open(tenant)
        if self.session is not None and self.session is not session:
            sessions.detach(self.session, self.ws)
        if session.socket is not None and session.socket is not self.ws:
            with contextlib.suppress(Exception):  # a resume takes the session over
                await session.socket.close(code=1000, reason="session resumed elsewhere")
        sessions.attach(session, self.ws)
        self.session = session
        item = {"taskType": "authentication", "connectionSessionUUID": session.id}
        await self._send({"data": [item]})
        await sessions.replay(session)

    async def _deliver_later(self, reply: Reply, session: Session | None) -> None:
        assert reply.later is not None
        reply.absorb(await reply.later)
        await self._reply(reply, session)

    async def _reply(self, reply: Reply, session: Session | None) -> None:
        if reply.errors:
            await self._send({"errors": reply.errors}, session)
        if reply.data or not reply.errors:
            await self._send({"data": reply.data}, session)

    async def _error(self, err: RunwareError) -> None:
        await self._send({"errors": [err.item()]})

    async def _send(self, frame: dict[str, Any], session: Session | None = None) -> None:
        """To the session (kept for a resume if its socket is gone), else straight out."""
        session = session or self.session
        if session is not None:
            await self.api.sessions.send(session, frame)
            return
        with contextlib.suppress(Exception):  # before authentication nothing is kept
            await self.ws.send_text(json.dumps(frame, separators=(",", ":")))


def not_json() -> RunwareError:
    """A message that is not JSON text (invalid UTF-8 included), as REST answers it."""
    return RunwareError(
        "invalidRequestBody", "The message is not valid JSON.", documentation=DOCS_CONNECT
    )
