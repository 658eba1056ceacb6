"""When the emulator is made to send a wrong shape, the client notices and names the
offending field: strict raises, lenient warns and carries on, off stays quiet."""

from __future__ import annotations

import warnings

import httpx
import pytest

from client import AsyncRunComfyClient, ContractViolation, ContractWarning
from tests.client.conftest import Tamper

pytestmark = pytest.mark.anyio

MODEL = "openai/sora-2/text-to-video"


def _client(app, clock, validation: str = "strict") -> AsyncRunComfyClient:
    async def sleep(seconds: float) -> None:
        clock.advance(seconds)

    transport = httpx.ASGITransport(app=app)
    return AsyncRunComfyClient(
        "k",
        "http://sora.test",
        transport=transport,
        sleep=sleep,
        clock=clock.now,
        validation=validation,
    )


def _drop_queue_position(doc: dict) -> None:
    doc.pop("queue_position", None)


@pytest.mark.parametrize(
    ("suffix", "mutate", "path"),
    [
        ("/status", _drop_queue_position, "$.queue_position"),
        ("/status", lambda d: d.update(status="queued"), "$.status"),
        ("/result", lambda d: d.get("output", {}).update(video="/media/x.mp4"), "$.output.video"),
        ("/result", lambda d: d.pop("request_id"), "$.request_id"),
    ],
)
async def test_strict_mode_names_the_broken_field(app, clock, suffix, mutate, path) -> None:
    async with _client(Tamper(app, suffix, mutate), clock) as rc:
        job = await rc.submit(MODEL, "a kite")
        with pytest.raises(ContractViolation) as caught:
            await rc.wait(job.id)
    error = caught.value
    assert error.direction == "response" and error.schema.startswith("runcomfy/")
    assert path in [p for p, _ in error.violations]
    assert error.path in str(error)
    await app.state.emulator.engine.drain()


async def test_a_broken_submit_answer_is_caught(app, clock) -> None:
    tampered = Tamper(app, "/text-to-video", lambda d: d.pop("cancel_url"))
    async with _client(tampered, clock) as rc:
        with pytest.raises(ContractViolation) as caught:
            await rc.submit(MODEL, "a kite")
    assert (caught.value.path, caught.value.schema) == ("$.cancel_url", "runcomfy/submit-response")


async def test_lenient_mode_warns_and_still_delivers_the_video(app, clock) -> None:
    async with _client(Tamper(app, "/status", _drop_queue_position), clock, "lenient") as rc:
        job = await rc.submit(MODEL, "a kite")
        with pytest.warns(ContractWarning) as caught:
            video = await rc.wait(job.id)
    assert video.url.endswith(".mp4")
    assert any("$.queue_position" in str(w.message) for w in caught)
    await app.state.emulator.engine.drain()


async def test_off_mode_is_silent(app, clock) -> None:
    async with _client(Tamper(app, "/status", _drop_queue_position), clock, "off") as rc:
        job = await rc.submit(MODEL, "a kite")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            video = await rc.wait(job.id)
    assert video.url.endswith(".mp4")
    await app.state.emulator.engine.drain()


async def test_the_untampered_emulator_passes_strict_mode(app, clock) -> None:
    async with _client(app, clock) as rc:
        job = await rc.submit(MODEL, "a kite")
        assert (await rc.wait(job.id)).url.endswith(".mp4")
    await app.state.emulator.engine.drain()
