"""Helpers for the Runware tests: task builders, tiny images, and a live uvicorn server."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any

import uvicorn
from starlette.applications import Starlette

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


class _Server(uvicorn.Server):
    loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets=sockets)


class LiveServer:
    """The app on a free loopback port, in a thread; always stopped on exit.

    >>> with LiveServer(app) as server:
    ...     httpx.post(server.url + "/v1", ...)
    ...     server.call(emu.engine.fail(job_id, failure))   # runs in the server's loop
    """

    def __init__(self, app: Starlette) -> None:
        self.app = app
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self._server = _Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._sock],), daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/v1"

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:  # startup has no event to wait on
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(20)
        self._sock.close()

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """Run ``coro`` in the server's event loop and return its result."""
        assert self._server.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._server.loop).result(timeout)

    async def acall(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """:meth:`call` for async tests: awaits without blocking the test's loop."""
        assert self._server.loop is not None
        future = asyncio.run_coroutine_threadsafe(coro, self._server.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), timeout)


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
