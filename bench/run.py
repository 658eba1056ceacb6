#!/usr/bin/env python3
"""The sora-mock benchmark: one command, one table, every figure next to its baseline.

    python3 dev.py bench                 # or: .venv/bin/python -m bench
    python3 dev.py bench --quick --skip-suite --skip-prism

1. **End to end** (in this process): submit -> completed -> MP4 downloaded for 4, 8
   and 12 s clips at 1280x720 with zero emulated latency, fresh and cached, each next
   to the same ffmpeg encode run alone in the same process (:mod:`bench.e2e`).
2. **HTTP** (servers in subprocesses, one uvicorn worker each with uvloop + httptools
   and the access log off, as ``sora-mock serve`` runs): status polls and submits of
   both providers and cached MP4 downloads, next to a bare Starlette endpoint and to
   Stoplight Prism mocking the same paths from the emulator's own ``/openapi.json``
   (fetched with ``npx`` from the npm registry; the row says so when that fails),
   plus the load generator's own ceiling (:mod:`bench.loadgen`). Rows are measured in
   interleaved rounds and the median round is shown. Servers get CPU 0 and the load
   generator CPU 1 when the machine has two.
3. **Memory** for 100,000 jobs in the store (:mod:`bench.memory`).
4. **The test suite**, timed as a subprocess (``--skip-suite`` leaves it out).

Everything runs on loopback, every loop is bounded in count and time, and every
server is stopped at the end. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import e2e  # noqa: E402
from bench.loadgen import Result, free_port, get, measure, pin, post  # noqa: E402

PRISM = "@stoplight/prism-cli@5"
RC_MODEL = "/v1/models/openai/sora-2/text-to-video"
KEY = "sk-bench"
AUTH = {"Authorization": f"Bearer {KEY}"}


# -- servers ------------------------------------------------------------------------------
class Server:
    """A server in a child process on CPU 0, always stopped by :meth:`stop`."""

    def __init__(self, name: str, args: list[str], port: int, startup: float = 30) -> None:
        self.name, self.port = name, port
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: pin(0),
            start_new_session=True,  # npx starts node as a child: stop the whole group
        )
        deadline = time.monotonic() + startup
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.output()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} did not start within {startup:g} s") from None
                time.sleep(0.05)

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.log.close()


def start_prism(spec: Path) -> tuple[Server | None, str]:
    """Prism mocking ``spec``, or None and the reason it is not there."""
    npx = shutil.which("npx")
    if npx is None:
        return None, "npx not found (install Node.js and npm to compare with Prism)"
    port = free_port()
    args = [npx, "--yes", PRISM, "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error"]
    try:
        return Server("prism", [*args, str(spec)], port, startup=240), ""
    except RuntimeError as exc:
        return None, f"Prism did not start: {str(exc).strip().splitlines()[-1][:120]}"


# -- request bodies -----------------------------------------------------------------------
def runware_submit(uid: str) -> bytes:
    task = {
        "taskType": "videoInference",
        "taskUUID": uid,
        "model": "openai:3@1",
        "positivePrompt": "a cinematic nighttime market in a flooded tropical megacity",
        "width": 1280,
        "height": 720,
        "duration": 8,
        "deliveryMethod": "async",
        "includeCost": True,
    }
    return json.dumps([task]).encode()


def runware_poll(uid: str) -> bytes:
    return json.dumps([{"taskType": "getResponse", "taskUUID": uid}]).encode()


RC_SUBMIT = json.dumps(
    {"prompt": "a cinematic nighttime market in a flooded tropical megacity", "seconds": 8}
).encode()


@dataclass(slots=True)
class Row:
    name: str
    port: int
    make: Callable[[int, int], bytes]  # (port, i) -> raw request
    group: str
    base: str | None = None  # the row this one is compared with
    prism: str | None = None  # the Prism row doing the same


def http_rows(emu: int, bare: int, ceiling: int, prism: int | None, pools: dict) -> list[Row]:
    rc_ids, rw_ids, media = pools["runcomfy"], pools["runware"], pools["media"]
    rows = [
        Row("generator ceiling (canned)", ceiling, lambda p, i: get(p, "/x"), "base"),
        Row("bare Starlette GET", bare, lambda p, i: get(p, f"/v1/requests/{i}/status"), "base"),
        Row("bare Starlette POST", bare, lambda p, i: post(p, "/v1", runware_poll(str(i))), "base"),
        Row(
            "RunComfy status poll",
            emu,
            lambda p, i: get(p, f"/v1/requests/{rc_ids[i % len(rc_ids)]}/status"),
            "emulator",
            "bare Starlette GET",
            "Prism RunComfy status",
        ),
        Row(
            "Runware getResponse poll",
            emu,
            lambda p, i: post(p, "/v1", runware_poll(rw_ids[i % len(rw_ids)])),
            "emulator",
            "bare Starlette POST",
            "Prism Runware POST /v1",
        ),
        Row(
            "RunComfy submit",
            emu,
            lambda p, i: post(p, RC_MODEL, RC_SUBMIT),
            "emulator",
            "bare Starlette POST",
            "Prism RunComfy submit",
        ),
        Row(
            "Runware videoInference submit",
            emu,
            lambda p, i: post(p, "/v1", runware_submit(str(uuid.uuid4()))),
            "emulator",
            "bare Starlette POST",
            "Prism Runware POST /v1",
        ),
        Row(
            f"cached MP4 download ({media['bytes'] // 1024} kB)",
            emu,
            lambda p, i: get(p, media["path"]),
            "emulator",
        ),
    ]
    if prism is not None:
        rows += [
            Row(
                "Prism RunComfy status",
                prism,
                lambda p, i: get(p, f"/v1/requests/{rc_ids[i % len(rc_ids)]}/status"),
                "prism",
            ),
            Row(
                "Prism Runware POST /v1",
                prism,
                lambda p, i: post(p, "/v1", runware_poll(rw_ids[i % len(rw_ids)])),
                "prism",
            ),
            Row("Prism RunComfy submit", prism, lambda p, i: post(p, RC_MODEL, RC_SUBMIT), "prism"),
        ]
    return rows


def prepare(url: str, pool: int = 64) -> dict:
    """Jobs to poll (queued on the manual clock, so nothing is encoded while measuring)
    and one finished 8 s clip to download."""
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
        rc = [client.post(RC_MODEL, content=RC_SUBMIT).json()["request_id"] for _ in range(pool)]
        rw = []
        for _ in range(pool):
            uid = str(uuid.uuid4())
            client.post("/v1", content=runware_submit(uid)).raise_for_status()
            rw.append(uid)
        job = client.post(RC_MODEL, content=RC_SUBMIT).json()["request_id"]
        client.post(f"/_emulator/jobs/{job}/complete").raise_for_status()
        video = client.get(f"/v1/requests/{job}/result").json()["output"]["video"]
        path = "/media/" + video.rsplit("/media/", 1)[1]
        size = len(client.get(path).content)
        spec = client.get("/openapi.json").json()
    return {"runcomfy": rc, "runware": rw, "media": {"path": path, "bytes": size}, "spec": spec}


# -- the other sections -------------------------------------------------------------------
def memory(count: int) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.memory", str(count)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def suite() -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    elapsed = time.perf_counter() - started
    lines = [line for line in out.stdout.strip().splitlines() if line.strip()]
    return elapsed, (lines[-1].strip("= ") if lines else f"exit {out.returncode}")


def ffmpeg_version(exe: str) -> str:
    try:
        out = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30)
        return out.stdout.split("\n", 1)[0].split(" Copyright")[0]
    except OSError as exc:
        return f"unavailable ({exc})"


# -- the table ----------------------------------------------------------------------------
def aim(ok: bool) -> str:
    return "met" if ok else "MISSED"


def run_e2e(opts: argparse.Namespace) -> list[e2e.E2E]:
    rows = e2e.run(rounds=opts.e2e_rounds)
    print(f"End to end, RunComfy, 1280x720, progression=immediate, median of {opts.e2e_rounds}")
    print(
        f"{'clip':<6}{'fresh ms':>10}{'ffmpeg alone':>14}{'ratio':>7}"
        f"{'cached ms':>11}{'download ms':>13}{'size kB':>9}"
    )
    for r in rows:
        print(
            f"{r.seconds:>2} s  {r.fresh_ms:>10.1f}{r.ffmpeg_ms:>14.1f}{r.ratio:>6.2f}x"
            f"{r.cached_ms:>11.2f}{r.download_ms:>13.2f}{r.clip_bytes / 1024:>9.0f}"
        )
    print()
    return rows


def run_http(opts: argparse.Namespace) -> tuple[dict[str, Result], str]:
    servers: list[Server] = []
    prism_note = "skipped (--skip-prism)" if opts.skip_prism else ""
    results: dict[str, list[Result]] = {}
    cpus = os.cpu_count() or 1
    try:
        emu_port, bare_port, ceil_port = free_port(), free_port(), free_port()
        servers.append(
            Server(
                "sora-mock",
                [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(emu_port),
                 "--clock", "manual", "--log-level", "warning", "--no-access-log"],
                emu_port,
            )
        )  # fmt: skip
        for kind, port in (("bare", bare_port), ("ceiling", ceil_port)):
            args = [sys.executable, "-m", "bench.loadgen", kind, str(port)]
            servers.append(Server(kind, args, port))
        pools = prepare(f"http://127.0.0.1:{emu_port}")
        prism_port = None
        if not opts.skip_prism:
            spec = Path(tempfile.mkdtemp(prefix="sora-mock-bench-")) / "openapi.json"
            spec.write_text(json.dumps(pools["spec"]))
            prism, prism_note = start_prism(spec)
            if prism is not None:
                servers.append(prism)
                prism_port = prism.port
        rows = http_rows(emu_port, bare_port, ceil_port, prism_port, pools)
        pin(1)
        for row in rows:  # warm up: caches, pools and first imports
            measure(row.port, [row.make(row.port, i) for i in range(500)], opts.connections)
        for _ in range(opts.rounds):  # interleaved, so drift hits every row alike
            for row in rows:
                payloads = [row.make(row.port, i) for i in range(opts.requests)]
                results.setdefault(row.name, []).append(
                    measure(row.port, payloads, opts.connections)
                )
    finally:
        for server in reversed(servers):
            server.stop()
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, range(cpus))

    med = {name: Result.median(runs) for name, runs in results.items()}
    print(
        f"HTTP, one uvicorn worker (uvloop + httptools, access log off), {opts.connections} "
        f"keep-alive connections, {opts.requests} requests per row, median of {opts.rounds}"
    )
    print(
        f"{'row':<36}{'req/s':>9}{'p50 ms':>8}{'p99 ms':>8}{'vs bare':>9}{'vs Prism':>10}"
        f"{'errors':>8}"
    )
    for row in rows:
        r = med[row.name]
        vs_bare = f"{r.rps / med[row.base].rps:.0%}" if row.base else ""
        vs_prism = f"{r.rps / med[row.prism].rps:.1f}x" if row.prism and row.prism in med else ""
        print(
            f"{row.name:<36}{r.rps:>9,.0f}{r.p50_ms:>8.2f}{r.p99_ms:>8.2f}{vs_bare:>9}"
            f"{vs_prism:>10}{r.errors:>8}"
        )
    if prism_note:
        print(f"{'Prism (' + PRISM + ')':<36}  {prism_note}")
    print()
    return med, prism_note


def print_aims(
    rows_e2e: list[e2e.E2E], med: dict[str, Result], prism_note: str, mem: dict | None
) -> None:
    print("Aims")
    by_s = {r.seconds: r for r in rows_e2e}
    if 8 in by_s:
        r8 = by_s[8]
        print(f"  fresh 8 s clip <= 100 ms median: {r8.fresh_ms:.0f} ms, {aim(r8.fresh_ms <= 100)}")
        print(
            f"  fresh 8 s clip within 1.5x of ffmpeg alone: {r8.ratio:.2f}x, {aim(r8.ratio <= 1.5)}"
        )
    if rows_e2e:
        worst = max(r.download_ms for r in rows_e2e)
        print(f"  cached clip served in < 5 ms: {worst:.2f} ms, {aim(worst < 5)}")
    if med:
        media = next(v for k, v in med.items() if k.startswith("cached MP4"))
        print(f"  cached clips >= 5,000 downloads/s: {media.rps:,.0f}/s, {aim(media.rps >= 5000)}")
        polls = (
            ("RunComfy polls", "RunComfy status poll", "bare Starlette GET",
             "Prism RunComfy status"),
            ("Runware polls", "Runware getResponse poll", "bare Starlette POST",
             "Prism Runware POST /v1"),
        )  # fmt: skip
        for name, row, base, _ in polls:
            share = med[row].rps / med[base].rps
            print(f"  {name} >= 60% of the bare endpoint: {share:.0%}, {aim(share >= 0.6)}")
        for name, row, _, prism_row in polls:
            if prism_row in med:
                times = med[row].rps / med[prism_row].rps
                print(f"  {name} >= 2x Prism: {times:.1f}x, {aim(times >= 2)}")
            else:
                print(f"  {name} >= 2x Prism: not measured ({prism_note})")
    if mem is not None:
        print(f"  100,000 jobs < 200 MB: {mem['rss_mb']:.0f} MB, {aim(mem['rss_mb'] < 200)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10000, help="per HTTP row and round")
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds (median shown)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--e2e-rounds", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs for the memory figure")
    parser.add_argument("--quick", action="store_true", help="fewer requests and rounds")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    parser.add_argument("--skip-prism", action="store_true", help="do not start Prism")
    parser.add_argument(
        "--only", default="e2e,http,memory,suite", help="sections to run, comma separated"
    )
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.requests, opts.rounds, opts.e2e_rounds = 3000, 1, 5
    sections = set(opts.only.split(","))
    if opts.skip_suite:
        sections.discard("suite")

    from mock_server.media.synth import ffmpeg_exe

    cpus = os.cpu_count() or 1
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpus
    print(
        f"sora-mock bench, {time.strftime('%Y-%m-%d %H:%M')}: {cpus} cores ({usable} usable), "
        f"{platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    print(f"ffmpeg: {ffmpeg_version(ffmpeg_exe())}")
    print()

    rows_e2e = run_e2e(opts) if "e2e" in sections else []  # in this process, before pinning
    med, prism_note = run_http(opts) if "http" in sections else ({}, "")
    mem = None
    if "memory" in sections:
        mem = memory(opts.jobs)
        print(
            f"Memory: {mem['jobs']:,} jobs in the store: +{mem['rss_mb']:.0f} MB RSS "
            f"({mem['bytes_per_job']:,.0f} B per job; engine submit "
            f"{mem['submit_us']:.0f} us per job)"
        )
    if "suite" in sections:
        suite_s, suite_note = suite()
        print(f"Test suite: {suite_s:.1f} s wall ({suite_note})")
    else:
        print("Test suite: not timed (--skip-suite)")
    print()
    print_aims(rows_e2e, med, prism_note, mem)
    return 0


if __name__ == "__main__":
    sys.exit(main())
