"""Helpers for the Runware tests: task builders, tiny images, and a live uvicorn server."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.applications import Starlette

from mock_server.http.in_thread import serve_in_thread
from tests.support import data_uri, png  # noqa: F401 - re-exported for these tests

KEY = "sk-runware-test"
AUTH = {"Authorization": f"Bearer {KEY}"}


def video_task(uid: str, **fields: Any) -> dict[str, Any]:
    """A valid Sora 2 videoInference task; ``fields`` override or add (None removes)."""
    task: dict[str, Any] = {
        "taskType": "videoInference",
        "taskUUID": uid,
        "model": "openai:3@1",
        "positivePrompt": "a lighthouse at dusk, waves rolling in",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    task.update(fields)
    return {k: v for k, v in task.items() if v is not None}


def poll(uid: str) -> dict[str, Any]:
    return {"taskType": "getResponse", "taskUUID": uid}


class LiveServer:
    """The app served in a thread (:func:`mock_server.http.in_thread.serve_in_thread`),
    with Runware's WebSocket URL; always stopped on exit.

    >>> with LiveServer(app) as server:
    ...     httpx.post(server.url + "/v1", ...)
    ...     server.call(emu.engine.fail(job_id, failure))   # runs in the server's loop
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._serving = serve_in_thread(app, access_log=False)

    def __enter__(self) -> LiveServer:
        running = self._serving.__enter__()
        self.url, self.port = running.url, running.port
        self.call, self.acall = running.call, running.acall
        return self

    def __exit__(self, *exc: Any) -> None:
        self._serving.__exit__(*exc)

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"


class Receiver:
    """A loopback HTTP endpoint that records JSON POSTs and answers scripted statuses.

    >>> async with Receiver([500, 200]) as hook:      # first POST gets 500, then 200s
    ...     hook.url, await hook.received(2)
    """

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.bodies: list[Any] = []
        self.paths: list[str] = []
        self._arrived = asyncio.Event()
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/runware?token=abc"

    async def __aenter__(self) -> Receiver:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import json

        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = 0
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    if name.strip().lower() == "content-length":
                        length = int(value.strip())
                body = await reader.readexactly(length)
                self.paths.append(lines[0].split(" ")[1])
                self.bodies.append(json.loads(body))
                status = self.statuses.pop(0) if self.statuses else 200
                writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\n\r\n".encode("latin-1"))
                await writer.drain()
                self._arrived.set()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def received(self, count: int, timeout: float = 10) -> list[Any]:
        """Wait until ``count`` bodies arrived (real seconds); returns them."""

        async def loop() -> None:
            while len(self.bodies) < count:
                self._arrived.clear()
                await self._arrived.wait()

        await asyncio.wait_for(loop(), timeout)
        return self.bodies[:count]
