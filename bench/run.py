#!/usr/bin/env python3
"""The sora-mock benchmark: one command, one table, every figure next to its baseline.

    python3 dev.py bench                 # or: .venv/bin/python -m bench
    python3 dev.py bench --quick --skip-suite --skip-node

1. **End to end** (in this process): submit -> completed -> MP4 downloaded for 4, 8
   and 12 s clips at 1280x720 with zero emulated latency, fresh and cached, each next
   to the same ffmpeg encode run alone in the same process (:mod:`bench.e2e`).
2. **HTTP** (:mod:`bench.table`): one table, one run: the load generator's own ceiling,
   bare Starlette (1 and N uvicorn workers), sora-mock in memory (1 worker) and on
   Redis (1 and N workers), aimock and Prism (installed from npm when Node.js is
   there), each row with req/s, p50, p99 and its ratio to bare Starlette with the same
   worker count; and the newest queued job's poll with 10 and with 100,000 jobs queued.
   Load comes from ``wrk`` when installed (``dev.py bench`` installs it with apt-get
   when it can), else from several Python generator processes (:mod:`bench.gen`).
3. **Memory** for 100,000 jobs in the store (:mod:`bench.memory`).
4. **Queue costs** in process (:mod:`bench.queue`): the newest queued job's poll with
   10 and with 100,000 jobs queued, and memory per job by :mod:`tracemalloc`.
5. **The test suite**, timed as a subprocess (``--skip-suite`` leaves it out).

Everything runs on loopback, every loop is bounded in count and time, and every
server is stopped at the end. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import e2e  # noqa: E402
from bench.gen import pick  # noqa: E402
from bench.report import aim, print_aims, print_table  # noqa: E402
from bench.table import run_table  # noqa: E402


# -- the other sections -------------------------------------------------------------------
def memory(count: int, module: str = "bench.memory") -> dict:
    out = subprocess.run(
        [sys.executable, "-m", module, str(count)],
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
    rates = e2e.frame_rates(rounds=max(1, opts.e2e_rounds // 2))
    print(
        "Encode, 8 s 1920x1080 with sound, by frame rate: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in rates)
    )
    print()
    return rows


def print_other_aims(rows_e2e: list[e2e.E2E], mem: dict | None, queue: dict | None) -> None:
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
    if mem is not None:
        per = mem["bytes_per_job"]
        print(f"  memory per job < 2 kB (RSS): {per:,.0f} B, {aim(per < 2048)}")
    if queue is not None:
        n, ratio, per = int(queue["jobs"]), queue["ratio"], queue["bytes_per_job"]
        print(
            f"  newest queued poll at {n:,} jobs within 2x of 10 jobs (in process): "
            f"{ratio:.2f}x, {aim(ratio <= 2)}"
        )
        print(f"  memory per job < 2 kB (tracemalloc): {per:,.0f} B, {aim(per < 2048)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3, help="per HTTP row and round")
    parser.add_argument("--rounds", type=int, default=3, help="HTTP rounds (median shown)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=max(2, os.cpu_count() or 2))
    parser.add_argument("--queue-jobs", type=int, default=100_000, help="for the queue rows")
    parser.add_argument("--e2e-rounds", type=int, default=9)
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs for the memory figure")
    parser.add_argument("--quick", action="store_true", help="shorter rows, one round")
    parser.add_argument("--python-generator", action="store_true", help="even if wrk is there")
    parser.add_argument("--skip-suite", action="store_true", help="do not time the test suite")
    parser.add_argument(
        "--skip-node", "--skip-prism", action="store_true", help="no aimock or Prism rows"
    )
    parser.add_argument(
        "--only", default="e2e,http,memory,queue,suite", help="sections to run, comma separated"
    )
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.seconds, opts.rounds, opts.e2e_rounds = 2, 1, 5
        opts.queue_jobs, opts.jobs = min(opts.queue_jobs, 20_000), min(opts.jobs, 20_000)
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
    table = None
    if "http" in sections:
        gen = pick(opts.python_generator)
        table = run_table(opts, gen)
        print_table(table, gen, opts)
    mem = None
    if "memory" in sections:
        mem = memory(opts.jobs)
        print(
            f"Memory: {mem['jobs']:,} jobs in the store: +{mem['rss_mb']:.0f} MB RSS "
            f"({mem['bytes_per_job']:,.0f} B per job; engine submit "
            f"{mem['submit_us']:.0f} us per job)"
        )
    queue = None
    if "queue" in sections:
        queue = memory(opts.jobs, "bench.queue")
        print(
            f"Queue: newest queued poll in process {queue['poll_us_10']:.0f} us with 10 jobs, "
            f"{queue['poll_us_n']:.0f} us with {int(queue['jobs']):,} ({queue['ratio']:.2f}x); "
            f"{queue['bytes_per_job']:,.0f} B per job (tracemalloc)"
        )
    if "suite" in sections:
        suite_s, suite_note = suite()
        print(f"Test suite: {suite_s:.1f} s wall ({suite_note})")
    else:
        print("Test suite: not timed (--skip-suite)")
    print()
    if table is not None:
        print_aims(table, opts)
    else:
        print("Aims")
    print_other_aims(rows_e2e, mem, queue)
    return 0


if __name__ == "__main__":
    sys.exit(main())
