"""A small keep-alive HTTP/1.1 load generator, and the servers it is measured against.

* :func:`measure` sends a fixed list of raw requests over N keep-alive connections
  (asyncio streams on uvloop) and returns req/s, p50 and p99 latency. It is bounded
  twice: by the number of requests and by a deadline.
* ``python -m bench.loadgen ceiling PORT`` is the generator's own ceiling: an
  httptools parser on a bare uvloop protocol answering a canned response, i.e. the
  fastest server Python can be; a row measured against it says how much the client
  itself can drive.
* ``python -m bench.loadgen bare PORT`` is the baseline: Starlette under the same
  uvicorn settings as the emulator, with a GET and a POST route doing the least
  work their emulator counterparts do (answer JSON; parse a JSON array, answer JSON).
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Result", "drive_raw", "free_port", "get", "measure", "pin", "post"]


@dataclass(slots=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int
    bytes_per_response: int

    @classmethod
    def median(cls, runs: Sequence[Result]) -> Result:
        return sorted(runs, key=lambda r: r.rps)[len(runs) // 2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pin(cpu: int) -> None:
    """Keep this process (and its children) on one CPU, when the OS allows it."""
    if hasattr(os, "sched_setaffinity") and cpu < len(os.sched_getaffinity(0)):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[cpu]})


def get(port: int, path: str, key: str = "sk-bench") -> bytes:
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n\r\n"
    ).encode()


def post(port: int, path: str, body: bytes, key: str = "sk-bench") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


async def _drive(
    port: int, payloads: Iterable[bytes], connections: int, deadline: float
) -> tuple[list[float], int, int]:
    latencies: list[float] = []
    errors = 0
    size = 0
    todo = iter(payloads)

    async def worker() -> None:
        nonlocal errors, size
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for payload in todo:
                if time.perf_counter() > deadline:
                    return
                started = time.perf_counter()
                writer.write(payload)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                body = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                size = len(body)
                if int(head[9:12]) >= 400:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return latencies, errors, size


def drive_raw(
    port: int, payloads: Iterable[bytes], connections: int, max_seconds: float
) -> tuple[list[float], int, float]:
    """(latencies in seconds, errors, elapsed seconds): every payload, or until the deadline."""
    latencies, errors, _, elapsed = _run(port, payloads, connections, max_seconds)
    return latencies, errors, elapsed


def _run(
    port: int, payloads: Iterable[bytes], connections: int, max_seconds: float
) -> tuple[list[float], int, int, float]:
    try:  # the client needs headroom too: uvloop when it is there
        import uvloop

        factory = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = asyncio.new_event_loop
    started = time.perf_counter()
    with asyncio.Runner(loop_factory=factory) as runner:
        latencies, errors, size = runner.run(
            _drive(port, payloads, connections, started + max_seconds)
        )
    return latencies, errors, size, time.perf_counter() - started


def measure(
    port: int, payloads: Iterable[bytes], connections: int = 32, max_seconds: float = 30.0
) -> Result:
    """Send every payload (or stop at ``max_seconds``); figures from the answered ones."""
    latencies, errors, size, elapsed = _run(port, payloads, connections, max_seconds)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return Result(
        len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(latencies), errors, size
    )


# -- servers ------------------------------------------------------------------------------
def serve_ceiling(port: int) -> None:
    """A canned answer per parsed request: the fastest server the client can meet."""
    import httptools
    import uvloop

    body = b'{"request_id":"00000000-0000-4000-8000-000000000000","status":"in_queue"}'
    canned = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )

    class Canned(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.parser = httptools.HttpRequestParser(self)

        def data_received(self, data: bytes) -> None:
            self.parser.feed_data(data)

        def on_message_complete(self) -> None:
            self.transport.write(canned)  # type: ignore[attr-defined]

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Canned, "127.0.0.1", port)
        await server.serve_forever()

    uvloop.run(main())


def bare_app():  # type: ignore[no-untyped-def]
    """The baseline: Starlette with one GET and one POST JSON route, nothing else."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def status(request: Request) -> JSONResponse:
        rid = request.path_params["rid"]
        return JSONResponse({"request_id": rid, "status": "in_queue", "queue_position": 0})

    async def tasks(request: Request) -> JSONResponse:
        body = json.loads(await request.body())
        if isinstance(body, list):  # a Runware task array
            task = body[0]
            return JSONResponse(
                {"data": [{"taskType": task["taskType"], "taskUUID": task["taskUUID"]}]}
            )
        base = "http://127.0.0.1/v1/requests/00000000-0000-4000-8000-000000000000"
        return JSONResponse(
            {"request_id": "00000000-0000-4000-8000-000000000000", "status_url": f"{base}/status"}
        )

    return Starlette(
        routes=[
            Route("/v1/requests/{rid}/status", status),
            Route("/v1", tasks, methods=["POST"]),
            Route("/v1/models/{model:path}", tasks, methods=["POST"]),
        ]
    )


def serve_bare(port: int) -> None:
    import uvicorn

    uvicorn.run(
        bare_app(),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
    )


if __name__ == "__main__":
    kind, port_arg = sys.argv[1], int(sys.argv[2])
    {"ceiling": serve_ceiling, "bare": serve_bare}[kind](port_arg)
