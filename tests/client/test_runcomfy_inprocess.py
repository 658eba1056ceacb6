"""The RunComfy client against the emulator in-process (ASGITransport), on the
emulator's manual clock: the client's injected sleep advances it, so a full queue
and render cycle takes milliseconds and every poll is deterministic."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from client import (
    AsyncRunComfyClient,
    Backoff,
    ContractViolation,
    InvalidRequest,
    JobCancelled,
    JobFailed,
    NotFound,
    NotReady,
    State,
    WaitTimeout,
)
from mock_server.core.jobs import Failure, Progression
from mock_server.media.probe import probe

pytestmark = pytest.mark.anyio

IMAGE = "https://example.com/first-frame.png"


@pytest.fixture
async def rc(app, clock):
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    async with AsyncRunComfyClient(
        "test-key",
        "http://sora.test",
        transport=httpx.ASGITransport(app=app),
        sleep=sleep,
        clock=clock.now,
        poll=Backoff(initial=1.0, factor=1.5, cap=10.0, jitter=0.1),
    ) as client:
        yield client
    await app.state.emulator.engine.drain()


def _offers(emu):
    return emu.catalog.for_provider("runcomfy")


@pytest.mark.parametrize("index", range(4))
async def test_every_model_produces_a_playable_clip(rc, emu, clock, tmp_path, index) -> None:
    offer = _offers(emu)[index]
    size = offer.size_list[-1]
    seconds = offer.durations[0]
    image = IMAGE if offer.image_input == "required" else None
    job = await rc.submit(offer.model_id, "a red kite", duration=seconds, size=size, image=image)
    seen = []
    started = clock.now()
    video = await rc.wait(job.id, on_status=seen.append)
    states = [s.state for s in seen]
    assert states[0] is State.QUEUED and seen[0].queue_position == 0
    assert State.RUNNING in states and states[-1] is State.SUCCEEDED
    assert clock.now() - started < 60
    assert video.cost == pytest.approx(float(offer.cost(size, seconds)))
    assert video.model == offer.model_id
    progress = []
    path = await rc.download(
        video.url, tmp_path / "clip.mp4", on_progress=lambda *a: progress.append(a)
    )
    assert progress[-1][0] == progress[-1][1] == path.stat().st_size
    info = probe(path)
    width, height = (int(v) for v in size.split("x"))
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", width, height)
    assert info.audio is not None and info.audio.codec == "aac"


async def test_cancel_while_queued_ends_the_wait(rc) -> None:
    job = await rc.submit("openai/sora-2/text-to-video", "a kite")
    outcome = await rc.cancel(job.id)
    assert outcome.cancelled and outcome.outcome == "cancelled"
    with pytest.raises(JobCancelled):
        await rc.wait(job.id)


async def test_cancel_while_running_is_not_cancellable(rc, clock) -> None:
    job = await rc.submit("openai/sora-2/text-to-video", "a kite")
    clock.advance(4)
    outcome = await rc.cancel(job.id)
    assert not outcome.cancelled and outcome.provider_status == "in_progress"


async def test_result_before_the_end_is_not_ready(rc) -> None:
    job = await rc.submit("openai/sora-2/text-to-video", "a kite")
    with pytest.raises(NotReady) as caught:
        await rc.result(job.id)
    assert caught.value.status.provider_status == "in_queue"


async def test_a_failed_job_raises_with_its_message(rc, emu) -> None:
    job = await rc.submit("openai/sora-2/text-to-video", "a kite")
    await emu.engine.fail(job.id, Failure("moderation", "the prompt was refused"))
    with pytest.raises(JobFailed) as caught:
        await rc.wait(job.id)
    assert caught.value.message == "the prompt was refused"


async def test_wait_gives_up_at_its_timeout_on_the_injected_clock(rc, emu, clock) -> None:
    emu.engine.set_progression(Progression(kind="manual"))
    job = await rc.submit("openai/sora-2/text-to-video", "a kite")
    started = clock.now()
    with pytest.raises(WaitTimeout) as caught:
        await rc.wait(job.id, timeout=120)
    assert clock.now() - started == pytest.approx(120)
    assert caught.value.status.state is State.QUEUED


async def test_unknown_request_is_not_found_with_the_provider_code(rc) -> None:
    with pytest.raises(NotFound) as caught:
        await rc.status("no-such-request")
    assert (caught.value.status, caught.value.code) == (404, 404001)


async def test_pro_1080p_cost_is_the_catalog_price(rc) -> None:
    job = await rc.submit("openai/sora-2/pro/text-to-video", "a kite", duration=8, size="1792x1024")
    video = await rc.wait(job.id)
    assert Decimal(str(video.cost)) == Decimal("4.00")


async def test_an_unknown_model_is_refused_locally_or_by_the_emulator(app, clock) -> None:
    transport = httpx.ASGITransport(app=app)
    async with AsyncRunComfyClient("k", "http://sora.test", transport=transport) as strict:
        with pytest.raises(ContractViolation) as local:
            await strict.submit("openai/sora-3/text-to-video", "a kite")
    assert (local.value.direction, local.value.path) == ("request", "model_id")
    lenient = AsyncRunComfyClient(
        "k", "http://sora.test", transport=transport, validation="lenient"
    )
    async with lenient:
        with pytest.raises(InvalidRequest) as remote:
            await lenient.submit("openai/sora-3/text-to-video", "a kite")
    assert (remote.value.status, remote.value.code) == (400, 400001)
