"""The Runware client against the emulator's Runware dialect, in-process, in strict
mode, so every answer the dialect sends is checked against the contracts.

These tests skip while the emulator does not serve ``POST /v1`` (the dialect is built
separately); they run by themselves once it is wired into ``create_app``.
"""

from __future__ import annotations

import base64
import uuid

import httpx
import pytest

from client import (
    AsyncRunwareClient,
    AuthenticationError,
    InvalidRequest,
    JobFailed,
    State,
)
from contracts import Contracts
from mock_server.core.jobs import Failure
from mock_server.media.probe import probe
from tests.client.conftest import png

pytestmark = pytest.mark.anyio

CONTRACTS = Contracts.default()


async def _require_runware(client: httpx.AsyncClient) -> None:
    """The emulator must serve the Runware dialect: a missing route is a failure."""
    ping = await client.post("/v1", json=[{"taskType": "ping", "ping": True}])
    assert ping.status_code not in (404, 405), f"POST /v1 answered {ping.status_code}"


def _runware(app, clock, key: str = "test-key", validation: str = "strict"):
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    transport = httpx.ASGITransport(app=app)
    return AsyncRunwareClient(
        key,
        "http://sora.test",
        transport=transport,
        sleep=sleep,
        clock=clock.now,
        validation=validation,
    )


@pytest.fixture
async def rw(app, clock, client):
    await _require_runware(client)
    async with _runware(app, clock) as runware:
        yield runware


@pytest.mark.parametrize("model", CONTRACTS.models("runware"))
async def test_every_model_produces_a_playable_clip(rw, emu, tmp_path, model) -> None:
    offer = emu.catalog.get("runware", model)
    size, seconds = offer.size_list[0], offer.durations[0]
    job = await rw.submit(model, "a red kite", duration=seconds, size=size)
    seen = []
    video = await rw.wait(job.id, on_status=seen.append)
    assert seen[-1].state is State.SUCCEEDED
    sound = offer.audio_for(None)  # what the model produces by default
    assert video.cost == pytest.approx(float(offer.cost(size, seconds, audio=sound)))
    assert video.video_uuid and video.seed is not None
    assert (video.video_id or "").startswith("video_")
    info = probe(await rw.download(video.url, tmp_path / "clip.mp4"))
    width, height = (int(v) for v in size.split("x"))
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", width, height)
    assert (info.audio is not None) is sound
    assert info.audio is None or info.audio.codec == "aac"


async def test_a_first_frame_as_a_data_uri(rw) -> None:
    image = "data:image/png;base64," + base64.b64encode(png(128, 72)).decode()
    job = await rw.submit("openai:3@1", "the kite lands", duration=4, size="1280x720", image=image)
    assert (await rw.wait(job.id)).url.endswith(".mp4")


async def test_an_unsupported_duration_names_the_parameter_and_allowed_values(
    app, clock, client, emu
) -> None:
    await _require_runware(client)
    offer = emu.catalog.get("runware", "openai:3@1")
    # validation off: the client would refuse to send this; the emulator must refuse it too
    async with _runware(app, clock, validation="off") as rw:
        with pytest.raises(InvalidRequest) as caught:
            await rw.submit("openai:3@1", "x", duration=6, size="1280x720")
    CONTRACTS.check("runware/response", caught.value.body)
    assert caught.value.parameter == "duration"
    assert sorted(caught.value.allowed or []) == sorted(offer.durations)


async def test_the_invalid_key_is_refused(app, clock, client) -> None:
    await _require_runware(client)
    async with _runware(app, clock, key="sora-mock-invalid-key") as rw:
        with pytest.raises(AuthenticationError) as caught:
            await rw.submit("openai:3@1", "x", duration=4, size="1280x720")
    assert caught.value.code in ("invalidApiKey", "unauthorized")


async def test_an_unknown_task_reads_as_pending(rw) -> None:
    assert (await rw.status(str(uuid.uuid4()))).state is State.QUEUED


async def test_a_resubmitted_task_uuid_is_taken_as_accepted(rw) -> None:
    tid = str(uuid.uuid4())
    first = await rw.submit("openai:3@1", "x", duration=4, size="1280x720", task_uuid=tid)
    again = await rw.submit("openai:3@1", "x", duration=4, size="1280x720", task_uuid=tid)
    assert (first.resumed, again.resumed, again.id) == (False, True, tid)


async def test_a_failed_generation_arrives_in_errors(rw, emu) -> None:
    job = await rw.submit("openai:3@1", "x", duration=4, size="1280x720")
    await emu.engine.fail(job.id, Failure("timeout", "the provider timed out"))
    with pytest.raises(JobFailed) as caught:
        await rw.wait(job.id)
    assert caught.value.code
