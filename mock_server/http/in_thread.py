"""Serve an app with uvicorn in a background thread, on a free loopback port: what
``start_sora_mock`` and the test suite use to talk to a real server.

>>> with serve_in_thread(create_app(config), config) as server:
...     httpx.get(server.url + "/_emulator/health")
...     server.call(emulator.engine.drain())      # a coroutine, run in the server's loop

The socket is bound before the server starts, so no other process can take the port
in between; the block is entered only once uvicorn has started (lifespan done), and
on exit the server is stopped and its thread joined.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Coroutine, Iterator
from typing import Any

import uvicorn

from mock_server.config import Config
from mock_server.http.runner import uvicorn_config

__all__ = ["ServerThread", "serve_in_thread"]


class _Server(uvicorn.Server):
    """uvicorn's server, remembering the event loop it runs in."""

    loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket] | None = None) -> None:
        self.loop = asyncio.get_running_loop()
        await super().serve(sockets=sockets)


class ServerThread:
    """A server running in a thread: its ``url`` (``http://127.0.0.1:PORT``) and a way
    to run coroutines in its event loop (emulator state belongs to that loop)."""

    def __init__(self, server: _Server, port: int) -> None:
        self._server = server
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> Any:
        assert self._server.loop is not None  # set before ``started``
        return asyncio.run_coroutine_threadsafe(coro, self._server.loop)

    def call(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """Run ``coro`` in the server's loop and return its result (blocking)."""
        return self._submit(coro).result(timeout)

    async def acall(self, coro: Coroutine[Any, Any, Any], timeout: float = 10) -> Any:
        """:meth:`call` from async code: awaits without blocking the caller's loop."""
        return await asyncio.wait_for(asyncio.wrap_future(self._submit(coro)), timeout)


def _wait_started(server: _Server, thread: threading.Thread, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not server.started:  # uvicorn has no event to wait on
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the server in the thread did not start")
        time.sleep(0.005)  # waiting for start-up, not for emulated time


@contextlib.contextmanager
def serve_in_thread(
    app: Any, config: Config | None = None, *, timeout: float = 30.0, **overrides: Any
) -> Iterator[ServerThread]:
    """Serve ``app`` on 127.0.0.1 until the block ends. With ``config`` the server gets
    that configuration's limits (as ``sora-mock serve``); ``overrides`` are uvicorn
    settings (quiet by default). ``timeout`` bounds start-up and shutdown."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    settings: dict[str, Any] = {"log_level": "warning", "lifespan": "on", **overrides}
    if config is not None:
        server = _Server(uvicorn_config(app, config, **settings))
    else:
        server = _Server(uvicorn.Config(app, **settings))
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="sora-mock-server", daemon=True
    )
    thread.start()
    try:
        _wait_started(server, thread, timeout)
        yield ServerThread(server, sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout)
        sock.close()
