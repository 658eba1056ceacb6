"""videoInference for Sora 2 / Sora 2 Pro: the async lifecycle, results and real media."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from pathlib import Path

import anyio
import pytest

from mock_server.core.clock import ManualClock
from mock_server.core.jobs import Failure, JobFault, Progression
from mock_server.emulator import Emulator, NoPolicies
from mock_server.providers.runware import RunwareSettings
from tests.providers.runware.conftest import Api
from tests.providers.runware.helpers import poll, video_task

pytestmark = pytest.mark.anyio

DONE = 60.0  # emulated seconds after which a 4-8 s clip is certainly finished


def uid() -> str:
    return str(uuid.uuid4())


async def test_async_lifecycle_ends_in_a_real_mp4(
    api: Api, emu: Emulator, clock: ManualClock, tmp_path: Path
) -> None:
    task = uid()
    ack = await api(video_task(task, includeCost=True, seed=42))
    assert ack.json() == {"data": [{"taskType": "videoInference", "taskUUID": task}]}

    queued = (await api(poll(task))).json()["data"]
    assert queued == [
        {"taskType": "videoInference", "taskUUID": task, "status": "processing", "progress": 0}
    ]
    clock.advance(3 + 5)  # queued 3 s, then half of the 8 + 0.5 x 4 s run
    running = (await api(poll(task))).json()["data"]
    assert running[0]["status"] == "processing"
    assert running[0]["progress"] == 50

    clock.advance(DONE)
    (item,) = (await api(poll(task))).json()["data"]
    job = await emu.engine.store.get(task)
    assert job is not None
    out = job.outputs[0]
    assert item == {
        "taskType": "videoInference",
        "taskUUID": task,
        "status": "success",
        "videoUUID": out.uuid,
        "videoURL": f"http://sora.test/media/{out.media_key.split('.')[0]}/{out.uuid}.mp4",
        "seed": 42,
        "cost": 0.4,
        "outputs": {"videoId": out.video_id},
    }
    assert re.fullmatch(r"video_[0-9a-f]{48}", out.video_id)
    assert int(out.video_id[6:14], 16) == int(job.created_at)  # starts with the Unix time
    assert item["videoURL"].endswith(f"/{item['videoUUID']}.mp4")
    info = await api.media(item["videoURL"], tmp_path)
    assert "mp4" in info.container
    assert info.duration == pytest.approx(4.0, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 1280, 720)
    assert info.audio is not None and info.audio.codec == "aac"
    assert info.moov_before_mdat is True


async def test_number_results_gives_one_video_each_and_cost_per_video(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    task = uid()
    await api(video_task(task, numberResults=3, includeCost=True, duration=8))
    processing = (await api(poll(task))).json()["data"]
    assert len(processing) == 1  # one processing item, whatever numberResults is
    clock.advance(DONE)
    items = (await api(poll(task))).json()["data"]
    assert len(items) == 3
    assert len({i["videoUUID"] for i in items}) == len({i["videoURL"] for i in items}) == 3
    assert [i["cost"] for i in items] == [0.8, 0.8, 0.8]
    assert items[1]["seed"] == items[0]["seed"] + 1
    assert await emu.engine.ledger.spent() == Decimal("2.40")


async def test_without_include_cost_there_is_no_cost(api: Api, clock: ManualClock) -> None:
    task = uid()
    await api(video_task(task))
    clock.advance(DONE)
    (item,) = (await api(poll(task))).json()["data"]
    assert "cost" not in item


@pytest.mark.parametrize(
    ("fmt", "container", "mime", "video", "audio"),
    [
        ("MP4", "mp4", "video/mp4", "h264", "aac"),
        ("MOV", "mov", "video/quicktime", "h264", "aac"),
        ("webm", "webm", "video/webm", "vp9", "opus"),
    ],
)
async def test_output_format_picks_the_container(
    api: Api,
    clock: ManualClock,
    tmp_path: Path,
    fmt: str,
    container: str,
    mime: str,
    video: str,
    audio: str,
) -> None:
    task = uid()
    await api(video_task(task, outputFormat=fmt, width=720, height=1280))
    clock.advance(DONE)
    (item,) = (await api(poll(task))).json()["data"]
    head = await api.client.head(item["videoURL"])
    assert head.headers["content-type"] == mime
    info = await api.media(item["videoURL"], tmp_path)
    assert container in info.container
    assert (info.video.codec, info.video.width, info.video.height) == (video, 720, 1280)
    assert info.audio is not None and info.audio.codec == audio


async def test_sora_2_pro_sizes_and_prices(api: Api, clock: ManualClock) -> None:
    full_hd, legacy, small = uid(), uid(), uid()
    common = {"model": "openai:3@2", "includeCost": True, "duration": 8}
    await api(
        video_task(full_hd, width=1920, height=1080, **common),
        video_task(legacy, width=1024, height=1792, **common),
        video_task(small, width=720, height=1280, **common),
    )
    clock.advance(DONE)
    response = await api(poll(full_hd), poll(legacy), poll(small))
    assert [i["cost"] for i in response.json()["data"]] == [4.0, 4.0, 2.4]


async def test_a_fractional_but_whole_duration_is_accepted(api: Api, emu: Emulator) -> None:
    task = uid()
    assert (await api(video_task(task, duration=8.0))).status_code == 200
    job = await emu.engine.store.get(task)
    assert job is not None and job.seconds == 8


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("moderation", "providerContentPolicyViolation"),
        ("timeout", "timeoutProvider"),
        ("provider", "providerError"),
        ("render", "inferenceError"),
        ("internal", "internalServerError"),
    ],
)
async def test_failed_generations_are_errors_on_200(
    api: Api, emu: Emulator, kind: str, code: str
) -> None:
    task = uid()
    await api(video_task(task))
    await emu.engine.fail(task, Failure(kind, "it went wrong"))
    response = await api(poll(task))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == []
    (error,) = body["errors"]
    assert error["code"] == code
    assert error["status"] == "error"
    assert error["taskUUID"] == task and error["taskType"] == "videoInference"
    assert error["documentation"].startswith("https://runware.ai/docs/")
    if kind == "timeout":
        assert error["message"].startswith("The external provider did not respond")


async def test_ttl_makes_the_video_url_expire(api: Api, clock: ManualClock) -> None:
    task = uid()
    await api(video_task(task, ttl=60))
    clock.advance(DONE)
    (item,) = (await api(poll(task))).json()["data"]
    assert (await api.client.head(item["videoURL"])).status_code == 200
    clock.advance(61)
    assert (await api.client.head(item["videoURL"])).status_code == 404


async def test_sync_delivery_holds_the_request_until_the_result(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    task = uid()
    responses = []

    async def submit() -> None:
        responses.append(await api(video_task(task, deliveryMethod="sync", includeCost=True)))

    async with anyio.create_task_group() as tg:
        tg.start_soon(submit)
        while await emu.engine.store.get(task) is None:
            await anyio.sleep(0)  # let the request reach the engine
        assert not responses
        clock.advance(DONE)
    (response,) = responses
    assert response.status_code == 200
    (item,) = response.json()["data"]
    assert item["status"] == "success" and item["taskUUID"] == task and item["cost"] == 0.4


async def test_sync_delivery_times_out_but_the_task_keeps_running(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    emu.config = emu.config.with_settings(RunwareSettings(sync_wait=0.05))
    task = uid()
    response = await api(video_task(task, deliveryMethod="sync"))
    assert response.status_code == 200
    (error,) = response.json()["errors"]
    assert (error["code"], error["taskUUID"]) == ("timeout", task)
    clock.advance(DONE)
    assert (await api(poll(task))).json()["data"][0]["status"] == "success"


async def test_sync_delivery_reports_a_failure(api: Api, emu: Emulator) -> None:
    class Failing(NoPolicies):
        def job_fault(self, provider: str, prompt: str, headers: object) -> JobFault | None:
            return JobFault(fail_at_progress=0, failure=Failure("moderation", "no"))

    emu.policies = Failing()
    emu.engine.set_progression(Progression.immediate())
    response = await api(video_task(uid(), deliveryMethod="sync"))
    assert response.status_code == 200
    assert response.json()["errors"][0]["code"] == "providerContentPolicyViolation"
