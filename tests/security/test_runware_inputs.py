"""What a Runware task's inputs can and cannot reach: another job's clip named as a frame
image is refused unread (reading it would render a video nobody may download yet), and
a value the model's schema refuses is described in words, never printed back as Python."""

from __future__ import annotations

import httpx
import pytest

from mock_server.emulator import Emulator
from tests.security.test_input_caps import video_task as task
from tests.support import AUTH

pytestmark = pytest.mark.anyio
RC_T2V = "/v1/models/openai/sora-2/text-to-video"


async def test_a_queued_jobs_clip_named_as_a_frame_image_is_not_rendered(
    client: httpx.AsyncClient, emu: Emulator
) -> None:
    other = {"Authorization": "Bearer someone-else"}
    queued = await client.post(RC_T2V, json={"prompt": "not yours"}, headers=other)
    job = await emu.engine.find(queued.json()["request_id"])
    assert job is not None
    url = f"http://sora.test/media/{job.outputs[0].media_key}"
    frames = {"frameImages": [{"image": url, "frame": "first"}]}
    r = await client.post("/v1", json=[task(inputs=frames)], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert (error["code"], error["parameter"]) == ("invalidFrameImages", "inputs.frameImages")
    assert emu.media.stats.encodes == 0  # the queued job's clip was not rendered


async def test_a_value_the_schema_refuses_is_described_not_printed_back(
    client: httpx.AsyncClient,
) -> None:
    legacy = {"frameImages": [{"image": "data:image/png;base64,AAAA"}]}  # not the model's form
    r = await client.post("/v1", json=[task(width=1280, height=720, **legacy)], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["code"].startswith(("invalid", "unsupported")), error
    assert "{" not in error["message"] and "base64" not in error["message"], error
