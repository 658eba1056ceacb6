"""ffmpeg under control: failures and timeouts become the provider's own job failure,
and encodes queue behind a bound instead of piling up."""

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


class TestFfmpegFails:
    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        return with_config(config, ffmpeg=str(failing_ffmpeg(tmp_path)))

    async def test_runcomfy_job_fails_with_ffmpegs_reason(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        status, result = await runcomfy_job(client, clock)
        assert status["status"] == "failed"
        assert result["status"] == "failed"
        assert result["error"].startswith("video synthesis failed: ffmpeg exited 1")
        assert "Conversion failed!" in result["error"]
        assert "Traceback" not in json.dumps(result)

    async def test_runware_job_fails_with_inference_error(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        body = await runware_job(client, clock)
        (error,) = body["errors"]
        assert error["code"] == "inferenceError"
        assert "ffmpeg exited 1" in error["message"]
        assert error["taskType"] == "videoInference"


class TestFfmpegHangs:
    @pytest.fixture
    def config(self, config: Config, tmp_path: Path) -> Config:
        return with_config(config, ffmpeg=str(hanging_ffmpeg(tmp_path)), encode_timeout=0.3)

    async def test_runcomfy_job_fails_after_the_encode_timeout(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        status, result = await runcomfy_job(client, clock)
        assert status["status"] == "failed"
        assert result["error"] == "video synthesis failed: ffmpeg timed out after 0.3 s"

    async def test_runware_job_fails_after_the_encode_timeout(
        self, client: httpx.AsyncClient, clock: ManualClock
    ) -> None:
        body = await runware_job(client, clock)
        (error,) = body["errors"]
        assert error["code"] == "inferenceError"
        assert "timed out after 0.3 s" in error["message"]


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
        assert len(log.read_text().splitlines()) == 2 * (8 + 1)  # 8 clips and one beep track
        assert most_at_once(log) == 2  # queued behind the bound, never 9 at once
