"""The RunComfy client against a real uvicorn server on a loopback port: the sync and
the async client, every model, through queue, render, result and download."""

from __future__ import annotations

import pytest

from client import AsyncRunComfyClient, Backoff, NotFound, RunComfyClient, State
from contracts import Contracts
from mock_server.core.catalog import Catalog
from mock_server.media.probe import probe
from tests.client.conftest import png

ALL = Catalog.load().for_provider("runcomfy")
# the models the client's size and duration arguments describe ("WxH" size, "seconds");
# tests/catalog/test_runcomfy_models.py drives the others with their own field names
OFFERS = [o for o in ALL if o.fields.get("size") == "size"]
FAST = Backoff(initial=0.05, factor=1.5, cap=0.25, jitter=0.1)


def _image(offer) -> str | None:
    if offer.image_input != "required":
        return None
    import base64

    return "data:image/png;base64," + base64.b64encode(png()).decode()


def _check_clip(path, size: str, seconds: int) -> None:
    info = probe(path)
    width, height = (int(v) for v in size.split("x"))
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", width, height)
    assert info.audio is not None and info.audio.codec == "aac"


def test_contract_models_are_the_served_models() -> None:
    assert [o.model_id for o in ALL] == Contracts.default().models("runcomfy")


@pytest.mark.parametrize("offer", OFFERS, ids=lambda o: o.model_id)
def test_sync_client_over_a_socket(live_url, tmp_path, offer) -> None:
    size, seconds = offer.size_list[0], offer.durations[0]
    with RunComfyClient("any-key", live_url, poll=FAST) as rc:
        job = rc.submit(offer.model_id, "a kite", duration=seconds, size=size, image=_image(offer))
        assert job.status_url == f"{live_url}/v1/requests/{job.id}/status"
        seen: list[State] = []
        video = rc.wait(job.id, timeout=30, on_status=lambda s: seen.append(s.state))
        assert seen[-1] is State.SUCCEEDED and len(seen) >= 2
        assert video.url.startswith(live_url)
        assert video.cost == pytest.approx(float(offer.cost(size, seconds)))
        path = rc.download(video.url, tmp_path / "clip.mp4")
        assert not (tmp_path / "clip.mp4.part").exists()
        with pytest.raises(NotFound):
            rc.cancel("no-such-request")
    _check_clip(path, size, seconds)


@pytest.mark.anyio
@pytest.mark.parametrize("offer", OFFERS, ids=lambda o: o.model_id)
async def test_async_client_over_a_socket(live_url, tmp_path, offer) -> None:
    size, seconds = offer.size_list[-1], offer.durations[0]
    async with AsyncRunComfyClient("any-key", live_url, poll=FAST) as rc:
        job = await rc.submit(
            offer.model_id, "a kite", duration=seconds, size=size, image=_image(offer)
        )
        video = await rc.wait(job.id, timeout=30)
        path = await rc.download(video.url, tmp_path / "clip.mp4")
    _check_clip(path, size, seconds)
