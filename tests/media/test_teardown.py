"""A loop torn down while ffmpeg runs: the render is cancelled, its process killed, and
the loop closes at once (it used to be able to hang in ``_cancel_all_tasks``).

Each case runs in a child Python with a time limit, so a regression fails the test
instead of hanging the suite.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.limits.fakes import alive, hanging_ffmpeg

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent(
    """
    import asyncio, sys, time
    from pathlib import Path
    import anyio
    from mock_server.media.library import MediaLibrary
    from mock_server.media.synth import ClipSpec, Synthesizer

    workdir, exe, log, runner = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]), sys.argv[4]

    async def main():
        media = MediaLibrary(workdir, Synthesizer(workdir, exe=exe, timeout=60))
        key = media.register(ClipSpec(1280, 720, 4, "mp4", ("teardown",), 1))
        asyncio.ensure_future(media.ensure(key))  # never awaited, never drained
        while not (log.exists() and log.read_text()):
            await asyncio.sleep(0.01)  # until ffmpeg (the stand-in) runs

    if runner == "anyio":
        anyio.run(main, backend="asyncio")
    else:
        asyncio.run(main())
    print("closed")
    """
)


@pytest.mark.parametrize("runner", ["asyncio", "anyio"])
def test_loop_closes_promptly_mid_render_and_kills_ffmpeg(tmp_path: Path, runner: str) -> None:
    log = tmp_path / "ffmpeg.log"
    exe = hanging_ffmpeg(tmp_path, log)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "media"), str(exe), str(log), runner],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,  # a hang fails here; the stand-in itself would run 60 s
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "closed"
    pid = int(log.read_text().split()[1])
    assert not alive(pid)
