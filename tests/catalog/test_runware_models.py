"""Every built-in current Runware model, asked the way its Runware page documents (its
own parameters): the clip has the documented size, duration, frame rate and sound, the
result the documented cost; a value the model does not allow is Runware's error."""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from mock_server.core.catalog import Catalog
from tests.catalog.clips import assert_clip
from tests.support import AUTH, data_uri, png

pytestmark = pytest.mark.anyio

RED = data_uri(png(32, 18, (255, 0, 0)))
BLUE = data_uri(png(32, 18, (0, 0, 255)))
BUILT_IN = [o.model_id for o in Catalog.load().for_provider("runware")]

# model -> (task fields, (width, height), seconds, fps, audio, USD)
CASES: dict[str, tuple[dict[str, Any], tuple[int, int], int, int, bool, str]] = {
    "google:3@3": (  # the 1080p 8 s example of the model page, with and without sound
        {
            "positivePrompt": "a lighthouse in a storm",
            "width": 1920,
            "height": 1080,
            "duration": 8,
            "providerSettings": {"google": {"generateAudio": True}},
        },
        (1920, 1080),
        8,
        24,
        True,
        "1.20",
    ),
    "google:3@2": (
        {"positivePrompt": "a paper boat", "resolution": "720p", "duration": 4},
        (1280, 720),
        4,
        24,
        False,
        "0.80",
    ),
    "klingai:kling-video@3-standard": (
        {"positivePrompt": "a fox", "width": 960, "height": 960, "duration": 5},
        (960, 960),
        5,
        24,
        True,
        "0.63",
    ),
    "bytedance:seedance@2.0": (
        {
            "positivePrompt": "a lantern",
            "resolution": "480p",
            "duration": 4,
            "settings": {"audio": False},
            "providerSettings": {"bytedance": {"cameraFixed": True}},
        },
        (864, 480),
        4,
        24,
        False,
        "0.20",
    ),
    "alibaba:wan@2.7": (
        {
            "positivePrompt": "a bridge at dusk",
            "width": 1088,
            "height": 832,
            "duration": 3,
            "inputs": {
                "frameImages": [{"image": RED, "frame": "first"}, {"image": BLUE, "frame": "last"}]
            },
        },
        (1088, 832),
        3,
        30,
        True,
        "0.30",
    ),
    "minimax:4@1": (  # the documented example: 1920x1080, 6 s, fps 25, promptOptimizer false
        {
            "positivePrompt": "a dancer",
            "width": 1920,
            "height": 1080,
            "duration": 6,
            "fps": 25,
            "providerSettings": {"minimax": {"promptOptimizer": False}},
        },
        (1920, 1080),
        6,
        25,
        False,
        "0.49",
    ),
    "runway:1@2": (  # the documented example: 1280x720, 8 s, seed 48281, cost 0.965
        {
            "positivePrompt": "a train at night",
            "width": 1280,
            "height": 720,
            "duration": 8,
            "seed": 48281,
            "providerSettings": {
                "runway": {"contentModeration": {"publicFigureThreshold": "auto"}}
            },
        },
        (1280, 720),
        8,
        24,
        False,
        "0.965",
    ),
    "lightricks:ltx@2.3": (
        {"positivePrompt": "waves", "width": 1920, "height": 1080, "duration": 6, "fps": 25},
        (1920, 1080),
        6,
        25,
        True,
        "0.48",
    ),
}

# model -> (task fields that the model refuses, code, parameter)
REFUSED: dict[str, tuple[dict[str, Any], str, object]] = {
    "google:3@3": ({"duration": 5}, "unsupportedDuration", "duration"),
    "google:3@2": (
        {"resolution": "720p", "width": 1280, "height": 720},
        "unsupportedParameter",
        "width",
    ),
    "klingai:kling-video@3-standard": ({"duration": 16}, "unsupportedDuration", "duration"),
    "bytedance:seedance@2.0": (
        {"providerSettings": {"bytedance": {"nonsense": 1}}},
        "unsupportedParameter",
        "providerSettings.bytedance.nonsense",
    ),
    "alibaba:wan@2.7": (
        {"width": 1000, "height": 1000},
        "unsupportedDimensions",
        ["width", "height"],
    ),
    "minimax:4@1": (
        {"width": 1920, "height": 1080, "duration": 10},
        "unsupportedDuration",
        "duration",
    ),
    "runway:1@2": ({"fps": 24}, "unsupportedParameter", "fps"),
    "lightricks:ltx@2.3": ({"fps": 30}, "invalidFps", "fps"),
}


def test_every_current_model_is_covered() -> None:
    current = {m for m in BUILT_IN if not m.startswith("openai:")}
    assert len(current) >= 8
    assert set(CASES) == set(REFUSED) == current


def _task(model: str, fields: dict[str, Any]) -> dict[str, Any]:
    return {
        "taskType": "videoInference",
        "taskUUID": str(uuid.uuid4()),
        "model": model,
        "positivePrompt": "a test",
        "includeCost": True,
        **fields,
    }


async def _finish(client: httpx.AsyncClient, clock, task: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/v1", json=[task], headers=AUTH)
    assert r.status_code == 200, r.text
    clock.advance(3600)
    poll = [{"taskType": "getResponse", "taskUUID": task["taskUUID"]}]
    (item,) = (await client.post("/v1", json=poll, headers=AUTH)).json()["data"]
    assert item["status"] == "success", item
    return dict(item)


@pytest.mark.parametrize("model", sorted(CASES))
async def test_documented_request_gives_the_documented_clip_and_cost(
    client, clock, emu, tmp_path: Path, model: str
) -> None:
    fields, (w, h), seconds, fps, audio, usd = CASES[model]
    item = await _finish(client, clock, _task(model, fields))
    assert Decimal(str(item["cost"])) == Decimal(usd)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes((await client.get(item["videoURL"])).content)
    assert_clip(clip, (w, h), fps, seconds, audio)


@pytest.mark.parametrize("model", sorted(REFUSED))
async def test_a_value_the_model_refuses_is_runwares_error(client, emu, model: str) -> None:
    fields, code, parameter = REFUSED[model]
    base = {k: v for k, v in CASES[model][0].items() if k != "resolution"}
    task = _task(model, {**base, **fields})
    r = await client.post("/v1", json=[task], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert (error["code"], error["parameter"]) == (code, parameter), error
    assert (error["taskType"], error["taskUUID"]) == ("videoInference", task["taskUUID"])
    assert await emu.engine.jobs() == []
    assert await emu.engine.ledger.spent() == 0


async def test_wan_needs_a_prompt_or_frame_images(client) -> None:
    task = _task("alibaba:wan@2.7", {"width": 1280, "height": 720})
    del task["positivePrompt"]
    r = await client.post("/v1", json=[task], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert (error["code"], error["parameter"]) == ("missingPositivePrompt", "positivePrompt")


async def test_wan_takes_frame_images_instead_of_a_prompt(client, clock) -> None:
    task = _task("alibaba:wan@2.7", {"inputs": {"frameImages": [RED]}, "duration": 2})
    del task["positivePrompt"]
    item = await _finish(client, clock, task)
    assert Decimal(str(item["cost"])) == Decimal("0.20")  # 720p, 2 s


async def test_a_model_without_a_documented_size_default_needs_one(client) -> None:
    task = _task("runway:1@2", {"duration": 5})
    (error,) = (await client.post("/v1", json=[task], headers=AUTH)).json()["errors"]
    assert error["code"] == "missingDimensionParameters"


async def test_sound_follows_the_models_switch_and_its_default(client, clock) -> None:
    task = _task("google:3@3", {"resolution": "1080p", "duration": 4})
    item = await _finish(client, clock, task)
    assert Decimal(str(item["cost"])) == Decimal("0.40")  # no sound by default: 0.10 USD/s
