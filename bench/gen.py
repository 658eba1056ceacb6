"""Load generators: ``wrk`` when installed, else several Python generator processes.

A :class:`Load` says what to send: one method, paths to rotate through, and a body, in
which ``{uuid}`` becomes a fresh UUID per request (Runware task ids must be unique).
Both generators return a :class:`bench.loadgen.Result` (req/s, p50, p99, errors) and
are bounded in time (``seconds``) as well as, for the Python one, in count.

* :class:`Wrk` renders the load as a wrk Lua script (requests pre-formatted, a
  ``done`` hook printing the figures as one JSON line) and runs ``wrk -t THREADS``;
  wrk is C with an epoll loop, several times faster than any Python client.
* :class:`Processes` runs :func:`bench.loadgen.drive_raw` in ``procs`` forked
  processes, each with its share of the connections, and merges their latencies.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import statistics
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from bench.loadgen import Result, drive_raw

__all__ = ["Generator", "Load", "Processes", "Wrk", "pick"]

HEADERS = {"Authorization": "Bearer sk-bench", "Content-Type": "application/json"}


@dataclass(slots=True)
class Load:
    method: str
    paths: list[str]
    body: str | None = None  # "{uuid}" is replaced per request
    headers: dict[str, str] | None = None

    def header_map(self) -> dict[str, str]:
        return {**HEADERS, **(self.headers or {})}

    def raw(self, port: int, i: int) -> bytes:
        path = self.paths[i % len(self.paths)]
        head = f"{self.method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in self.header_map().items())
        body = b""
        if self.body is not None:
            body = self.body.replace("{uuid}", str(uuid.uuid4())).encode()
            head += f"Content-Length: {len(body)}\r\n"
        return (head + "\r\n").encode() + body


class Generator:
    name = "generator"

    def run(self, port: int, load: Load, seconds: float, connections: int) -> Result:
        raise NotImplementedError


def _lua_str(text: str) -> str:
    return json.dumps(text)  # a JSON string literal is a valid Lua string literal here


def wrk_script(load: Load) -> str:
    pairs = (f"[{_lua_str(k)}] = {_lua_str(v)}" for k, v in load.header_map().items())
    headers = "{" + ", ".join(pairs) + "}"
    lines = [f"local headers = {headers}", "local n = 0", "local tid = 0", "local reqs = {}"]
    lines.append("local counter = 0")
    lines.append("function setup(thread) counter = counter + 1; thread:set('tid', counter) end")
    if load.body is not None and "{uuid}" in load.body:
        head, tail = load.body.split("{uuid}", 1)
        path = load.paths[0]
        nonce = uuid.uuid4().int & 0xFFFFFFFF
        lines += [
            f"local head, tail, path = {_lua_str(head)}, {_lua_str(tail)}, {_lua_str(path)}",
            "function init(args) tid = wrk.thread:get('tid') or 0 end",
            "function request()",
            "  n = n + 1",
            f"  local id = string.format('%08x-%04x-4000-8000-%012x', {nonce}, tid, n)",
            "  return wrk.format(" + _lua_str(load.method) + ", path, headers, head .. id .. tail)",
            "end",
        ]
    else:
        body = "nil" if load.body is None else _lua_str(load.body)
        lines += [
            "function init(args)",
            f"  for _, p in ipairs({{{', '.join(_lua_str(p) for p in load.paths)}}}) do",
            f"    reqs[#reqs + 1] = wrk.format({_lua_str(load.method)}, p, headers, {body})",
            "  end",
            "end",
            "function request() n = n + 1; return reqs[(n % #reqs) + 1] end",
        ]
    lines += [
        "function done(summary, latency, requests)",
        "  local e = summary.errors",
        '  io.write(string.format(\'WRKJSON {"requests": %d, "duration_us": %d, '
        '"errors": %d, "status_errors": %d, "p50_us": %d, "p99_us": %d}\\n\', '
        "summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, "
        "e.status, latency:percentile(50), latency:percentile(99)))",
        "end",
    ]
    return "\n".join(lines) + "\n"


class Wrk(Generator):
    """``wrk`` with ``threads`` threads (on CPU ``cpu`` when given)."""

    def __init__(self, exe: str, threads: int = 1) -> None:
        self.exe, self.threads = exe, threads
        self.name = f"wrk ({threads} thread{'s' if threads > 1 else ''})"

    def run(
        self,
        port: int,
        load: Load,
        seconds: float,
        connections: int,
        affinity: Callable[[], None] | None = None,
    ) -> Result:
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
            f.write(wrk_script(load))
        try:
            args = [
                self.exe, "-t", str(self.threads), "-c", str(connections),
                "-d", f"{max(1, round(seconds))}s", "--timeout", "10s", "-s", f.name,
                f"http://127.0.0.1:{port}",
            ]  # fmt: skip
            out = subprocess.run(
                args, capture_output=True, text=True, timeout=seconds + 60, preexec_fn=affinity
            )
        finally:
            os.unlink(f.name)
        line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no figures: {out.stdout[-500:]} {out.stderr[-500:]}")
        d = json.loads(line[8:])
        elapsed = d["duration_us"] / 1e6
        return Result(
            d["requests"] / elapsed,
            d["p50_us"] / 1000,
            d["p99_us"] / 1000,
            d["requests"],
            d["errors"] + d["status_errors"],
            0,
        )


def _child(args: tuple[int, Load, int, int, int, float]) -> tuple[list[float], int, float]:
    port, load, first, step, connections, seconds = args
    count = int(60_000 * seconds)  # more than the fastest row sends in ``seconds``
    payloads = (load.raw(port, i) for i in range(first, count, step))
    return drive_raw(port, payloads, connections, seconds)


class Processes(Generator):
    """``procs`` forked Python generators, each with ``connections / procs`` sockets."""

    def __init__(self, procs: int) -> None:
        self.procs = procs
        self.name = f"{procs} Python generator processes (no wrk)"

    def run(
        self,
        port: int,
        load: Load,
        seconds: float,
        connections: int,
        affinity: Callable[[], None] | None = None,
    ) -> Result:
        per = max(1, connections // self.procs)
        jobs = [(port, load, k, self.procs, per, seconds) for k in range(self.procs)]
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(self.procs, initializer=affinity) as pool:
            parts = pool.map(_child, jobs)
        latencies = sorted(x for lat, _, _ in parts for x in lat)
        errors = sum(e for _, e, _ in parts)
        elapsed = max(t for _, _, t in parts)
        cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
        return Result(
            len(latencies) / elapsed, cuts[49] * 1000, cuts[98] * 1000, len(latencies), errors, 0
        )


def pick(prefer_python: bool = False) -> Generator:
    exe = shutil.which("wrk")
    if exe and not prefer_python:
        return Wrk(exe)
    return Processes(max(2, (os.cpu_count() or 2)))
