"""ffmpeg under control: no poll or result waits for it; a failed or timed-out encode
answers the clip's download in the provider's own shape; encodes queue behind a
bound instead of piling up."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
import pytest

from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.conftest import with_config
from tests.limits.fakes import failing_ffmpeg, hanging_ffmpeg, logging_ffmpeg, most_at_once
from tests.support import AUTH

pytestmark = pytest.mark.anyio
T2V = "/v1/models/openai/sora-2/text-to-video"


async def runcomfy_job(client: httpx.AsyncClient, clock: ManualClock) -> tuple[dict, dict]:
    submitted = await client.post(T2V, headers=AUTH, json={"prompt": "a kite", "seconds": 4})
    assert submitted.status_code == 200, submitted.text
    request_id = submitted.json()["request_id"]
    clock.advance(3600)
    status = await client.get(f"/v1/requests/{request_id}/status", headers=AUTH)
    result = await client.get(f"/v1/requests/{request_id}/result", headers=AUTH)
    assert status.status_code == 200 and result.status_code == 200
    return status.json(), result.json()


async def runware_job(client: httpx.AsyncClient, clock: ManualClock) -> dict:
    uid = "5d0c2f7e-6a61-4c39-9d3a-0c7d3c2b9a11"
    task = {
        "taskType": "videoInference",
        "taskUUID": uid,
        "model": "openai:3@1",
        "positivePrompt": "a kite",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    assert (await client.post("/v1", headers=AUTH, json=[task])).status_code == 200
    clock.advance(3600)
    response = await client.post(
        "/v1", headers=AUTH, json=[{"taskType": "getResponse", "taskUUID": uid}]
    )
    assert response.status_code == 200  # a failed generation is a result, not an HTTP error
    return response.json()


def clean(body: dict) -> None:
    """No trace of ffmpeg, its output or the machine in an answer."""
    text = json.dumps(body)
    for word in ("Traceback", "ffmpeg", "Conversion failed", "libx264", "/tmp", "exited"):
        assert word not in text, (word, text)


async def download(client: httpx.AsyncClient, url: str) -> httpx.Response:
    return await client.get(httpx.URL(url).path)


class TestFfmpegFails:
    """A job succeeds on the clock without waiting for ffmpeg; a clip that cannot be
    rendered answers its download with a 503 in the provider's shape, no OS detail."""

    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        return with_config(config, ffmpeg=str(failing_ffmpeg(tmp_path)))

    async def test_runcomfy_download_answers_503_in_runcomfys_shape(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        status, result = await runcomfy_job(client, clock)
        assert status["status"] == "completed" and result["status"] == "succeeded"
        got = await download(client, result["output"]["video"])
        assert got.status_code == 503
        body = got.json()
        assert body["error_code"] == 500001
        assert body["error_message"].startswith("The video could not be rendered")
        clean(body)

    async def test_runware_download_answers_503_in_runwares_shape(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        body = await runware_job(client, clock)
        (item,) = body["data"]
        assert item["status"] == "success"
        got = await download(client, item["videoURL"])
        assert got.status_code == 503
        (error,) = got.json()["errors"]
        assert error["code"] == "serviceUnavailable"
        clean(got.json())


class TestFfmpegHangs:
    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        return with_config(config, ffmpeg=str(hanging_ffmpeg(tmp_path)), encode_timeout=0.3)

    async def test_polls_answer_while_ffmpeg_hangs(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        status, result = await runcomfy_job(client, clock)
        assert status["status"] == "completed"
        got = await download(client, result["output"]["video"])
        assert got.status_code == 503  # after the encode timeout, not a hung request
        clean(got.json())

    async def test_runware_result_answers_while_ffmpeg_hangs(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        body = await runware_job(client, clock)
        (item,) = body["data"]
        assert item["status"] == "success"
        got = await download(client, item["videoURL"])
        assert got.status_code == 503
        assert got.json()["errors"][0]["code"] == "serviceUnavailable"


class TestBoundedEncodes:
    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        log = tmp_path / "encodes.log"
        return with_config(config, ffmpeg=str(logging_ffmpeg(tmp_path, log)), max_encodes=2)

    async def test_at_most_max_encodes_ffmpeg_processes_at_once(
        self, client: httpx.AsyncClient, clock: ManualClock, tmp_path: Path
    ) -> None:
        ids = []
        for i in range(8):
            body = {"prompt": f"kite {i}", "seconds": 4}
            ids.append((await client.post(T2V, headers=AUTH, json=body)).json()["request_id"])
        clock.advance(3600)
        statuses = await asyncio.gather(
            *(client.get(f"/v1/requests/{i}/status", headers=AUTH) for i in ids)
        )
        assert [s.json()["status"] for s in statuses] == ["completed"] * 8
        log = tmp_path / "encodes.log"
        assert not log.exists()  # succeeding renders nothing
        results = await asyncio.gather(
            *(client.get(f"/v1/requests/{i}/result", headers=AUTH) for i in ids)
        )
        downloads = await asyncio.gather(
            *(download(client, r.json()["output"]["video"]) for r in results)
        )
        assert [d.status_code for d in downloads] == [200] * 8
        assert len(log.read_text().splitlines()) == 2 * (8 + 1)  # 8 clips and one beep track
        assert most_at_once(log) == 2  # queued behind the bound, never 9 at once
