"""Every built-in RunComfy model, asked the way its page documents (its own field
names): the clip has the documented size, duration, frame rate and sound, the bill the
documented price; a value the model does not allow is RunComfy's 422."""

from __future__ import annotations

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
BUILT_IN = [o.model_id for o in Catalog.load().for_provider("runcomfy")]

# model -> (request body, (width, height), seconds, fps, audio, USD)
CASES: dict[str, tuple[dict[str, Any], tuple[int, int], int, int, bool, str]] = {
    "google-deepmind/veo-3-1/fast/text-to-video": (
        {
            "prompt": "Rainy alley chase",
            "aspect_ratio": "9:16",
            "duration": "6s",
            "resolution": "720p",
            "generate_audio": False,
        },
        (720, 1280),
        6,
        24,
        False,
        "0.60",
    ),
    "google-deepmind/veo-3-1/fast/first-last-frame-to-video": (
        {
            "prompt": "zebra",
            "first_frame_url": RED,
            "last_frame_url": BLUE,
            "duration": "4s",
            "resolution": "1080p",
        },
        (1920, 1080),
        4,
        24,
        True,
        "0.60",
    ),
    "google-deepmind/veo-3/image-to-video": (
        {"image": RED, "prompt": "the kite rises"},
        (1280, 720),
        8,
        24,
        True,
        "3.20",
    ),
    "kling/kling-3.0/standard/text-to-video": (
        {"prompt": "a fox", "aspect_ratio": "1:1", "duration": 5, "sound": False},
        (960, 960),
        5,
        24,
        False,
        "0.42",
    ),
    "kling/kling-3.0/standard/image-to-video": (
        {"prompt": "the fox runs", "start_image_url": RED, "duration": 4},
        (1280, 720),
        4,
        24,
        True,
        "0.504",
    ),
    "bytedance/seedance-2.0/pro": (
        {
            "prompt": "a lantern",
            "aspect_ratio": "9:16",
            "resolution": "480p",
            "duration": 4,
            "generate_audio": False,
        },
        (480, 864),
        4,
        24,
        False,
        "0.20",
    ),
    "bytedance/seedance-2.0/fast": ({"prompt": "a lantern"}, (1248, 704), 5, 24, True, "0.50"),
    "wan-ai/wan-2.7/text-to-video": (
        {"prompt": "a bridge", "aspect_ratio": "4:3", "resolution": "720p", "duration": 3},
        (1088, 832),
        3,
        30,
        True,
        "0.30",
    ),
    "wan-ai/wan-2.7/image-to-video": (
        {
            "prompt": "dusk",
            "image_url": RED,
            "end_image_url": BLUE,
            "duration": 2,
            "resolution": "720p",
        },
        (1280, 720),
        2,
        30,
        True,
        "0.20",
    ),
    "happyhorse/happyhorse-1.0/text-to-video": (
        {"prompt": "a horse", "aspect_ratio": "3:4", "resolution": "720P", "duration": 3},
        (832, 1088),
        3,
        30,
        True,
        "0.30",
    ),
    "happyhorse/happyhorse-1.0/image-to-video": (
        {"image_url": RED, "prompt": "it gallops", "resolution": "720P", "duration": 4},
        (1280, 720),
        4,
        30,
        True,
        "0.40",
    ),
}

# model -> (a body with one value the schema refuses, the field, pydantic's error type)
REFUSED: dict[str, tuple[dict[str, Any], str, str]] = {
    "google-deepmind/veo-3-1/fast/text-to-video": (
        {"prompt": "x", "duration": 8},  # "8s" is the documented form
        "duration",
        "enum",
    ),
    "google-deepmind/veo-3-1/fast/first-last-frame-to-video": (
        {"prompt": "x", "first_frame_url": RED},
        "last_frame_url",
        "missing",
    ),
    "google-deepmind/veo-3/image-to-video": (
        {"image": RED, "prompt": "x", "duration": "6s"},
        "duration",
        "enum",
    ),
    "kling/kling-3.0/standard/text-to-video": (
        {"prompt": "x", "duration": 16},
        "duration",
        "less_than_equal",
    ),
    "kling/kling-3.0/standard/image-to-video": (
        {"prompt": "x", "start_image_url": RED, "cfg_scale": 2},
        "cfg_scale",
        "less_than_equal",
    ),
    "bytedance/seedance-2.0/pro": ({"prompt": "x", "images": [RED] * 10}, "images", "too_long"),
    "bytedance/seedance-2.0/fast": ({"prompt": "x", "resolution": "1080p"}, "resolution", "enum"),
    "wan-ai/wan-2.7/text-to-video": ({"prompt": "x", "duration": 1}, "duration", "enum"),
    "wan-ai/wan-2.7/image-to-video": ({"prompt": "x"}, "image_url", "missing"),
    "happyhorse/happyhorse-1.0/text-to-video": (
        {"prompt": "x" * 2501},
        "prompt",
        "string_too_long",
    ),
    "happyhorse/happyhorse-1.0/image-to-video": (
        {"prompt": "x", "image_url": RED, "resolution": "720p"},
        "resolution",
        "enum",
    ),
}


def test_every_built_in_model_is_covered() -> None:
    sora = {m for m in BUILT_IN if m.startswith("openai/sora-2")}
    assert set(CASES) == set(REFUSED) == set(BUILT_IN) - sora


async def _finish(client: httpx.AsyncClient, clock, model: str, body: dict[str, Any]) -> dict:
    r = await client.post(f"/v1/models/{model}", json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    assert "x-sora-mock-ignored-fields" not in r.headers
    clock.advance(600)
    rid = r.json()["request_id"]
    result = await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)
    assert result.json()["status"] == "succeeded", result.text
    return dict(result.json())


@pytest.mark.parametrize("model", sorted(CASES))
async def test_documented_request_gives_the_documented_clip_and_cost(
    client, clock, emu, tmp_path: Path, model: str
) -> None:
    body, (w, h), seconds, fps, audio, usd = CASES[model]
    result = await _finish(client, clock, model, body)
    assert Decimal(str(result["cost"])) == Decimal(usd)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes((await client.get(result["output"]["video"])).content)
    assert_clip(clip, (w, h), fps, seconds, audio)


@pytest.mark.parametrize("model", sorted(REFUSED))
async def test_a_value_the_model_refuses_is_422001(client, emu, model: str) -> None:
    body, field, kind = REFUSED[model]
    r = await client.post(f"/v1/models/{model}", json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    assert r.json()["error_code"] == 422001
    assert [(d["loc"], d["type"]) for d in r.json()["detail"]] == [(["body", field], kind)]
    assert await emu.engine.jobs() == []


async def test_seedance_is_also_reached_by_its_older_id(client, clock) -> None:
    result = await _finish(client, clock, "bytedance/seedance-v2/pro", {"prompt": "a lantern"})
    assert result["model_id"] == "bytedance/seedance-2.0/pro"
