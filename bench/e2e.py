"""End to end in one process: submit -> completed -> MP4 downloaded, next to ffmpeg alone.

The emulator runs in this process (httpx's ASGITransport, no socket) with zero emulated
latency (``progression=immediate``), so the only waits are the emulator's own work and
the encode. Each round does, for one clip duration:

* **fresh**: a RunComfy submit, a status poll (which finishes the job without waiting
  for ffmpeg), the result, and the download of the MP4 (which renders the clip);
* **ffmpeg alone**: the same encode (same size, duration and a label of the same
  length) through the same :class:`Synthesizer`, without the emulator around it;
* **cached**: the finished job again: status, result and download, all from memory;
* **download**: the cached MP4's ``GET /media/<key>`` alone.

Rounds interleave the four, so drift on a noisy machine hits them alike.
"""

from __future__ import annotations

import asyncio
import shutil
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.media.synth import ClipSpec, Synthesizer

MODEL_PATH = "/v1/models/openai/sora-2/text-to-video"
AUTH = {"Authorization": "Bearer sk-bench"}


@dataclass(slots=True)
class E2E:
    seconds: int
    fresh_ms: float
    ffmpeg_ms: float
    cached_ms: float
    download_ms: float
    clip_bytes: int

    @property
    def ratio(self) -> float:
        return self.fresh_ms / self.ffmpeg_ms


async def _job(client: httpx.AsyncClient, seconds: int, n: int) -> tuple[str, str, bytes]:
    body = {"prompt": f"bench clip {n}", "seconds": seconds, "size": "1280x720"}
    submitted = (await client.post(MODEL_PATH, headers=AUTH, json=body)).json()
    status = (await client.get(submitted["status_url"], headers=AUTH)).json()
    assert status["status"] == "completed", status
    result = (await client.get(submitted["result_url"], headers=AUTH)).json()
    video = await client.get(result["output"]["video"])
    assert video.status_code == 200 and video.content[4:8] == b"ftyp"
    return submitted["status_url"], result["output"]["video"], video.content


async def _cached(client: httpx.AsyncClient, status_url: str, video_url: str) -> None:
    status = (await client.get(status_url, headers=AUTH)).json()
    result = (await client.get(status_url.replace("/status", "/result"), headers=AUTH)).json()
    assert status["status"] == "completed"
    await client.get(result["output"]["video"])


async def _measure(durations: tuple[int, ...], rounds: int, workdir: Path) -> list[E2E]:
    app = create_app(Config(progression="immediate", media_dir=str(workdir / "media")))
    synth = app.state.emulator.media.synth
    out: list[E2E] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        n = 0
        for seconds in durations:
            await _job(client, seconds, n := n + 1)  # warm up: the beep track, first imports
            fresh, alone, cached, download = [], [], [], []
            size = 0
            for r in range(rounds):
                t0 = time.perf_counter()
                status_url, video_url, data = await _job(client, seconds, n := n + 1)
                fresh.append(time.perf_counter() - t0)
                size = len(data)

                label = (
                    f"job   00000000-0000-4000-8000-{r:012d}",
                    "model Sora 2 (openai/sora-2/text-to-video)",
                    f"seed  {1000 + r}",
                    f"size  1280x720  {seconds} s",
                )
                spec = ClipSpec(1280, 720, seconds, "mp4", label, 1000 + r)
                target = workdir / f"alone-{seconds}-{r}.mp4"
                t0 = time.perf_counter()
                await synth.render(spec, None, target)
                alone.append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                await _cached(client, status_url, video_url)
                cached.append(time.perf_counter() - t0)

                t0 = time.perf_counter()
                await client.get(video_url)
                download.append(time.perf_counter() - t0)
            out.append(
                E2E(
                    seconds,
                    statistics.median(fresh) * 1000,
                    statistics.median(alone) * 1000,
                    statistics.median(cached) * 1000,
                    statistics.median(download) * 1000,
                    size,
                )
            )
    await app.state.emulator.engine.drain()
    return out


async def _rates(rounds: int, workdir: Path) -> list[tuple[str, float]]:
    """Median ms to encode an 8 s 1920x1080 clip at each frame rate: repeated frames are
    spliced, not encoded, so the rate should barely show."""
    synth = Synthesizer(workdir)
    out = []
    for fps in (1, 24, 30, 60):
        spec = ClipSpec(1920, 1080, 8, "mp4", ("rate",), 1, fps=fps)
        await synth.render(spec, None, workdir / "warm.mp4")  # beep track, hold sequence
        times = []
        for r in range(rounds):
            t0 = time.perf_counter()
            await synth.render(
                ClipSpec(1920, 1080, 8, "mp4", (f"{r}",), r, fps=fps),
                None,
                workdir / f"rate-{fps}-{r}.mp4",
            )
            times.append(time.perf_counter() - t0)
        out.append((f"{fps} fps", statistics.median(times) * 1000))
    return out


def frame_rates(rounds: int = 5) -> list[tuple[str, float]]:
    workdir = Path(tempfile.mkdtemp(prefix="sora-mock-bench-"))
    try:
        return asyncio.run(_rates(rounds, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(durations: tuple[int, ...] = (4, 8, 12), rounds: int = 9) -> list[E2E]:
    workdir = Path(tempfile.mkdtemp(prefix="sora-mock-bench-"))
    try:
        return asyncio.run(_measure(durations, rounds, workdir))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    for row in run():
        print(row, f"ratio {row.ratio:.2f}")
