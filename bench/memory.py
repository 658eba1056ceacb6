"""Memory for N jobs in the store: ``python -m bench.memory 100000`` prints JSON.

Runs in its own process so nothing else shares the heap. Jobs go through
``Engine.submit`` as a dialect would send them (10 tenants, a clip each, the
default clock progression on a manual clock, so no job starts and nothing is
encoded): what is measured is the job record, its clip recipe, its ledger hold,
its schedule entries and the store's indexes. The figure is the growth of the
process's resident set (RSS) across the submits, after a garbage collection.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def fill(count: int, workdir: Path) -> dict[str, float]:
    from mock_server.core.catalog import Catalog
    from mock_server.core.clock import ManualClock
    from mock_server.core.engine import Engine
    from mock_server.core.ids import IdSource
    from mock_server.core.jobs import JobRequest
    from mock_server.media.library import MediaLibrary
    from mock_server.media.synth import Synthesizer

    engine = Engine(
        Catalog.load(), ManualClock(), IdSource(1), MediaLibrary(workdir, Synthesizer(workdir))
    )
    model = "openai/sora-2/text-to-video"
    await engine.submit(JobRequest("runcomfy", model, "warm", "warm up", 1280, 720, 8))
    gc.collect()
    before = rss_bytes()
    started = time.perf_counter()
    tenants = [f"t_{n:012x}" for n in range(10)]  # Accounts hands out one string per tenant
    for i in range(count):
        prompt = f"a cinematic shot of a red kite over the sea, take {i}"
        await engine.submit(JobRequest("runcomfy", model, tenants[i % 10], prompt, 1280, 720, 8))
    elapsed = time.perf_counter() - started
    gc.collect()
    grown = rss_bytes() - before
    assert len(engine.store) == count + 1
    return {
        "jobs": count,
        "rss_mb": grown / 2**20,
        "bytes_per_job": grown / count,
        "submit_us": elapsed / count * 1e6,
    }


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    workdir = Path(tempfile.mkdtemp(prefix="sora-mock-bench-mem-"))
    try:
        print(json.dumps(asyncio.run(fill(count, workdir))))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
