"""The official Runware SDKs, unmodified, against a real server on a loopback port.

Both SDKs install into the import package ``runware``, so each lives in its own
``pip install --target`` directory (``python3 dev.py test`` creates them) and runs
in a subprocess with ``PYTHONPATH`` pointing there. Each run submits a text-to-video
job, an image-to-video job and a job the test's policies make fail; the three
runs go in parallel against one server. Only the SDKs' documented environment
variables shorten their timers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.jobs import Failure, Job, JobFault
from mock_server.core.store import Store
from mock_server.emulator import Emulator, NoPolicies
from mock_server.media.probe import MediaInfo, probe
from tests.providers.runware.helpers import LiveServer, png

ROOT = Path(__file__).resolve().parents[3]
SDKS = ROOT / ".venv" / "sdks"
SCRIPTS = Path(__file__).resolve().parent / "sdk"
FAIL_PROMPT = "sdk-test: please fail with a content policy error"


class FailOnMagicPrompt(NoPolicies):
    """Test-only policies: the magic prompt fails at once with a moderation failure."""

    def job_fault(self, provider: str, prompt: str, headers: Mapping[str, str]) -> JobFault | None:
        if prompt == FAIL_PROMPT:
            return JobFault(fail_at_progress=0, failure=Failure("moderation", "blocked"))
        return None


@dataclass
class Live:
    server: LiveServer
    emu: Emulator
    runs: dict[str, dict[str, Any]]


def _env(sdk: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(
        PYTHONPATH=str(SDKS / sdk),
        NO_PROXY="127.0.0.1,localhost",
        RUNWARE_VIDEO_POLLING_DELAY="100",  # runware 0.5: ms between polls
        RUNWARE_VIDEO_INITIAL_TIMEOUT="5000",  # runware 0.5: ms to wait for an ack/poll
    )
    return env


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    for sdk in ("runware-0.5", "runware-sdk-1"):
        if not (SDKS / sdk / "runware").is_dir():
            pytest.fail(f"{SDKS / sdk} is missing: run the tests with `python3 dev.py test`")
    tmp = tmp_path_factory.mktemp("sdk")
    image = tmp / "frame.png"
    image.write_bytes(png(640, 360, (20, 120, 220)))
    config = Config(progression="immediate", media_dir=str(tmp / "media"))
    app = create_app(config)
    emu: Emulator = app.state.emulator
    emu.policies = FailOnMagicPrompt()
    with LiveServer(app) as server:
        commands = {
            "runware-0.5/websocket": (
                "runware-0.5",
                ["runware05_ws.py", server.ws_url, str(image), FAIL_PROMPT],
            ),
            "runware-sdk-1/rest": (
                "runware-sdk-1",
                ["runware_sdk1.py", "rest", f"{server.url}/v1", str(image), FAIL_PROMPT],
            ),
            "runware-sdk-1/websocket": (
                "runware-sdk-1",
                ["runware_sdk1.py", "websocket", server.ws_url, str(image), FAIL_PROMPT],
            ),
        }
        procs = {
            name: subprocess.Popen(
                [sys.executable, str(SCRIPTS / args[0]), *args[1:]],
                env=_env(sdk),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for name, (sdk, args) in commands.items()
        }
        runs: dict[str, dict[str, Any]] = {}
        for name, proc in procs.items():
            try:
                out, err = proc.communicate(timeout=90)
            finally:
                proc.kill()
            assert proc.returncode == 0, f"{name} failed:\n{err[-4000:]}"
            runs[name] = json.loads(out.strip().splitlines()[-1])
        yield Live(server, emu, runs)


def media(live: Live, url: str, tmp_path: Path) -> MediaInfo:
    assert url.startswith(live.server.url + "/media/")
    response = httpx.get(url, timeout=30)
    assert response.status_code == 200
    path = tmp_path / url.rsplit("/", 1)[-1]
    path.write_bytes(response.content)
    return probe(path)


def _stored(live: Live, job_id: str) -> Job | None:
    store = live.emu.engine.store
    assert isinstance(store, Store)  # the server in its thread keeps jobs in memory
    return store.peek(job_id)


def check_clip(info: MediaInfo, size: tuple[int, int]) -> None:
    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", *size)
    assert info.audio is not None and info.audio.codec == "aac"


def test_runware_05_over_websocket(live: Live, tmp_path: Path) -> None:
    run = live.runs["runware-0.5/websocket"]
    text, image, failure = run["text"], run["image"], run["failure"]
    assert (text["ack"], text["type"], text["status"]) == (
        "IAsyncTaskResponse",
        "IVideo",
        "success",
    )
    assert text["cost"] == 0.4
    assert text["videoId"].startswith("video_")
    check_clip(media(live, text["videoURL"], tmp_path), (1280, 720))

    assert image["status"] == "success"
    job = _stored(live, image["taskUUID"])
    assert job is not None and job.image_key is not None  # the local file arrived as a data URI
    check_clip(media(live, image["videoURL"], tmp_path), (1280, 720))  # the default size

    assert failure["raised"] == "RunwareAPIError"
    assert failure["code"] == "providerContentPolicyViolation"
    assert failure["data"]["status"] == "error"


@pytest.mark.parametrize("transport", ["rest", "websocket"])
def test_runware_sdk_1(live: Live, tmp_path: Path, transport: str) -> None:
    run = live.runs[f"runware-sdk-1/{transport}"]
    text, image, failure = run["text"], run["image"], run["failure"]
    assert text["count"] == 1
    item = text["item"]
    assert (item["status"], item["cost"]) == ("success", 0.4)  # Sora 2, 720p, 4 s
    assert item["outputs"]["videoId"].startswith("video_")
    check_clip(media(live, item["videoURL"], tmp_path), (1280, 720))

    assert image["item"]["cost"] == 1.2  # Sora 2 Pro, 720p, 4 s
    job = _stored(live, image["item"]["taskUUID"])
    assert job is not None and job.image_key is not None and job.model_id == "openai:3@2"
    check_clip(media(live, image["item"]["videoURL"], tmp_path), (720, 1280))

    assert (failure["raised"], failure["code"]) == ("RunwareError", "safety")
    assert failure["task_uuid"]
    assert "content policy" in failure["message"]
