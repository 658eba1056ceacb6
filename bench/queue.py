"""Costs that must not grow with the queue: ``python -m bench.queue [JOBS]``.

In one process, on a manual clock (so no job starts and nothing is encoded):

* **memory per job**: ``JOBS`` RunComfy submits through ``Engine.submit`` (10 tenants,
  a clip recipe each), measured with :mod:`tracemalloc` (every live Python allocation
  the submits leave behind: job, recipe, ledger hold, schedule entry, store indexes);
* **the newest queued job's poll**: ``GET /v1/requests/{id}/status`` through the ASGI
  app in process (no sockets, so the figure is the server's own work), for the job
  submitted last, with 10 jobs queued and with ``JOBS`` queued; its answer carries its
  queue position, which must be exact in both.

Prints the figures with the aims (within 2x; under 2 kB per job) marked met or
MISSED, then one JSON line for :mod:`bench.run`. Figures are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import gc
import json
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

MODEL = "openai/sora-2/text-to-video"
KEYS = [f"bench-key-{n}" for n in range(10)]
POLLS = 3000


def aim(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _app(workdir: Path) -> Any:
    from mock_server.app import create_app
    from mock_server.config import Config
    from mock_server.core.clock import ManualClock

    config = Config(clock="manual", media_dir=str(workdir), journal_size=10)
    return create_app(config, clock=ManualClock())


async def _fill(app: Any, count: int) -> tuple[str, str]:
    """``count`` queued jobs of 10 tenants (one API key each); returns the id of the
    last and its tenant's key."""
    from mock_server.core.jobs import JobRequest

    emu = app.state.emulator
    tenants = [emu.accounts.tenant_for(key) for key in KEYS]
    job_id = ""
    for i in range(count):
        prompt = f"a cinematic shot of a red kite over the sea, take {i}"
        req = JobRequest("runcomfy", MODEL, tenants[i % 10], prompt, 1280, 720, 8)
        job_id = (await emu.engine.submit(req)).id
    return job_id, KEYS[(count - 1) % 10]


async def _poll(app: Any, job: tuple[str, str], polls: int) -> tuple[float, int]:
    """Mean microseconds per status poll of the job, and its queue position."""
    import httpx

    job_id, key = job
    auth = {"Authorization": f"Bearer {key}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        path = f"/v1/requests/{job_id}/status"
        first = await client.get(path, headers=auth)
        if first.status_code != 200:
            raise RuntimeError(f"poll answered {first.status_code}: {first.text}")
        position = first.json().get("queue_position", -1)
        for _ in range(polls // 10):  # warm up
            await client.get(path, headers=auth)
        started = time.perf_counter()
        for _ in range(polls):
            await client.get(path, headers=auth)
        elapsed = time.perf_counter() - started
    return elapsed / polls * 1e6, int(position)


async def measure(count: int, workdir: Path) -> dict[str, float]:
    small = _app(workdir / "small")
    small_poll, small_pos = await _poll(small, await _fill(small, 10), POLLS)

    big = _app(workdir / "big")
    await _fill(big, 10)  # warm: first-use caches (costs, interned labels) are not per job
    gc.collect()
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    newest = await _fill(big, count)
    submit_us = (time.perf_counter() - started) / count * 1e6
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    big_poll, big_pos = await _poll(big, newest, POLLS)
    return {
        "jobs": count,
        "bytes_per_job": grown / count,
        "submit_us_traced": submit_us,
        "poll_us_10": small_poll,
        "poll_us_n": big_poll,
        "position_10": small_pos,
        "position_n": big_pos,
        "ratio": big_poll / small_poll,
    }


def report(m: dict[str, float]) -> None:
    n = int(m["jobs"])
    print(f"Queue costs, in process (ASGI, no sockets), {n:,} jobs queued on a manual clock")
    print(
        f"  newest queued poll: {m['poll_us_10']:.0f} us with 10 jobs "
        f"(position {m['position_10']:.0f}), {m['poll_us_n']:.0f} us with {n:,} "
        f"(position {m['position_n']:.0f}): {m['ratio']:.2f}x"
    )
    print(
        f"  memory: {m['bytes_per_job']:,.0f} B per job (tracemalloc; submit "
        f"{m['submit_us_traced']:.0f} us per job while traced)"
    )
    print("Aims")
    print(f"  newest queued poll at {n:,} jobs within 2x of 10 jobs: {aim(m['ratio'] <= 2)}")
    print(f"  memory per job < 2 kB: {m['bytes_per_job']:,.0f} B, {aim(m['bytes_per_job'] < 2048)}")


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    workdir = Path(tempfile.mkdtemp(prefix="sora-mock-bench-queue-"))
    try:
        figures = asyncio.run(measure(count, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(figures)
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
