"""A minimal keep-alive HTTP/1.1 JSON client for load tests (loopback only).

httpx spends about a millisecond of CPU per request and slows down further when
hundreds of coroutines wait for its pool; this client reads one
``Content-Length`` body per request over a fixed set of sockets, so the load test
measures the server rather than its client.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any


class RawPool:
    """``size`` keep-alive connections to ``127.0.0.1:port``; requests queue for one."""

    def __init__(self, port: int, size: int = 32) -> None:
        self.port = port
        self._idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]
        self._idle = asyncio.Queue()
        for _ in range(size):
            self._idle.put_nowait(None)  # opened on first use
        self.requests = 0

    async def request(
        self, method: str, path: str, key: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """(status, decoded JSON body) for one request."""
        data = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
        if key is not None:
            head += f"Authorization: Bearer {key}\r\n"
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        conn = await self._idle.get()
        try:
            if conn is None:
                conn = await asyncio.open_connection("127.0.0.1", self.port)
            reader, writer = conn
            writer.write(head.encode() + data)
            raw_head = await reader.readuntil(b"\r\n\r\n")
            length, close = 0, False
            for line in raw_head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.lower() == b"content-length":
                    length = int(value)
                elif name.lower() == b"connection" and value.strip().lower() == b"close":
                    close = True
            payload = await reader.readexactly(length)
            self.requests += 1
            if close:
                writer.close()
                conn = None
            return int(raw_head[9:12]), json.loads(payload) if payload else None
        except BaseException:
            if conn is not None:
                conn[1].close()
            conn = None
            raise
        finally:
            self._idle.put_nowait(conn)

    async def aclose(self) -> None:
        while not self._idle.empty():
            conn = self._idle.get_nowait()
            if conn is not None:
                conn[1].close()
                await conn[1].wait_closed()
