"""videoInference validation, frame images in every accepted form, and video-to-video."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest

from contracts import Contracts
from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from mock_server.providers.runware import RunwareSettings
from mock_server.providers.runware.wire import KNOWN_FIELDS
from tests.providers.runware.conftest import Api
from tests.providers.runware.helpers import data_uri, png, poll, video_task

pytestmark = pytest.mark.anyio

ERROR_KEYS = {"code", "message", "parameter", "documentation", "taskType", "taskUUID"}
IMAGE = png()


def uid() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize(
    ("fields", "code", "parameter", "allowed"),
    [
        ({"model": None}, "missingModel", "model", None),
        ({"model": "openai:9@9"}, "invalidModel", "model", None),
        ({"positivePrompt": None}, "missingPositivePrompt", "positivePrompt", None),
        ({"positivePrompt": 5}, "invalidPositivePrompt", "positivePrompt", None),
        ({"positivePrompt": "  "}, "invalidPositivePrompt", "positivePrompt", None),
        ({"positivePrompt": "x" * 4001}, "invalidPositivePrompt", "positivePrompt", [1, 4000]),
        ({"duration": "8"}, "invalidDuration", "duration", None),
        ({"duration": 8.5}, "unsupportedDuration", "duration", [4, 8, 12, 16, 20]),
        ({"duration": 10}, "unsupportedDuration", "duration", [4, 8, 12, 16, 20]),
        ({"width": None}, "missingDimensionParameters", ["width", "height"], None),
        (
            {"width": None, "height": None},
            "missingDimensionParameters",
            ["width", "height", "referenceImages"],
            None,
        ),
        (
            {"width": 1920, "height": 1080},
            "unsupportedDimensions",
            ["width", "height"],
            ["1280x720", "720x1280"],
        ),
        ({"width": "1280"}, "invalidWidth", "width", None),
        ({"height": -720}, "invalidHeight", "height", None),
        ({"numberResults": 5}, "invalidNumberResults", "numberResults", [1, 4]),
        ({"numberResults": 0}, "invalidNumberResults", "numberResults", [1, 4]),
        ({"numberResults": "2"}, "invalidNumberResults", "numberResults", None),
        ({"outputFormat": "GIF"}, "invalidOutputFormat", "outputFormat", ["MP4", "WEBM", "MOV"]),
        ({"outputType": "base64Data"}, "invalidOutputType", "outputType", ["URL"]),
        ({"outputQuality": 10}, "invalidOutputQuality", "outputQuality", [20, 99]),
        ({"includeCost": "yes"}, "invalidIncludeCost", "includeCost", None),
        ({"seed": -1}, "invalidSeed", "seed", None),
        ({"ttl": 30}, "invalidTTL", "ttl", None),
        (
            {"deliveryMethod": "stream"},
            "invalidDeliveryMethod",
            "deliveryMethod",
            ["async", "sync"],
        ),
        ({"webhookURL": "https://example.com/hook"}, "invalidWebhookURL", "webhookURL", None),
        ({"webhookURL": "ftp://127.0.0.1/x"}, "invalidWebhookURL", "webhookURL", None),
        ({"uploadEndpoint": "http://127.0.0.1/up"}, "unsupportedParameter", "uploadEndpoint", None),
        ({"CFGScale": 7}, "unsupportedParameter", "CFGScale", None),
        ({"positive_prompt": "typo"}, "unsupportedParameter", "positive_prompt", None),
        ({"inputs": "x"}, "invalidInputs", "inputs", None),
        (
            {
                "model": "openai:3@2",
                "inputs": {"videoId": "video_x"},
                "width": None,
                "height": None,
            },
            "unsupportedParameter",
            "inputs.videoId",
            None,
        ),
    ],
)
async def test_invalid_fields_are_rejected_before_any_job_exists(
    api: Api,
    emu: Emulator,
    fields: dict[str, Any],
    code: str,
    parameter: object,
    allowed: list[object] | None,
) -> None:
    task = uid()
    response = await api(video_task(task, **fields))
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert set(error) >= ERROR_KEYS, error
    assert (error["code"], error["parameter"]) == (code, parameter)
    assert (error["taskType"], error["taskUUID"]) == ("videoInference", task)
    assert error.get("allowedValues") == allowed
    assert await emu.engine.store.get(task) is None
    assert await emu.engine.ledger.spent() == 0


async def test_duration_is_optional_where_the_model_has_a_default(api: Api, emu: Emulator) -> None:
    """Runware's ComfyUI Sora workflow (useDuration=false) sends no duration."""
    task = uid()
    response = await api(video_task(task, duration=None))
    assert response.status_code == 200, response.text
    job = await emu.engine.store.get(task)
    offer = emu.catalog.get("runware", "openai:3@1")
    assert job is not None and job.seconds == offer.default_duration == 4


def test_the_known_fields_are_the_contracts_properties() -> None:
    schema = Contracts.default().schema("runware/video-inference-task")
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == KNOWN_FIELDS


async def test_unknown_fields_can_be_ignored_instead(api: Api, emu: Emulator) -> None:
    emu.config = emu.config.with_settings(RunwareSettings(unknown_fields="ignore"))
    task = uid()
    response = await api(video_task(task, CFGScale=7))
    assert response.status_code == 200, response.text
    assert await emu.engine.store.get(task) is not None


@pytest.mark.parametrize("value", ["", "not-a-uuid", "29ac7910-ce46-402c-b27b"])
async def test_a_malformed_task_uuid_is_not_echoed(api: Api, value: str) -> None:
    response = await api(video_task(value))
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert error["code"] == "invalidTaskUUID" and "taskUUID" not in error, error
    assert Contracts.default().errors("runware/response", response.json()) == []


@pytest.mark.parametrize("name", ["\x85", "a b", "Ünïcode#?"])
async def test_any_unknown_field_name_gives_a_valid_documentation_url(api: Api, name: str) -> None:
    response = await api(video_task(uid(), **{name: 1}))
    (error,) = response.json()["errors"]
    assert (error["code"], error["parameter"]) == ("unsupportedParameter", name)
    assert Contracts.default().errors("runware/response", response.json()) == []


async def test_the_longest_prompt_is_accepted(api: Api) -> None:
    assert (await api(video_task(uid(), positivePrompt="x" * 4000))).status_code == 200


@pytest.mark.parametrize(
    "fields",
    [
        {"inputs": {"frameImages": [{"image": data_uri(IMAGE), "frame": "first"}]}},
        {"inputs": {"frameImages": [{"image": base64.b64encode(IMAGE).decode()}]}},
        {"inputs": {"frameImages": [data_uri(IMAGE)]}},
        {"frameImages": [{"inputImage": data_uri(IMAGE), "frame": "first"}]},
        {"frameImages": [data_uri(IMAGE)]},
        {"frameImages": [{"inputImage": data_uri(IMAGE), "frame": 0}]},
    ],
    ids=["nested", "nested-base64", "nested-bare", "legacy", "legacy-bare", "legacy-frame-0"],
)
async def test_frame_images_in_every_form_become_the_opening_frame(
    api: Api, emu: Emulator, fields: dict[str, Any]
) -> None:
    task = uid()
    response = await api(video_task(task, width=None, height=None, **fields))
    assert response.status_code == 200, response.text
    job = await emu.engine.store.get(task)
    assert job is not None
    assert job.image_key is not None and job.image_key.endswith(".png")
    assert (job.width, job.height) == (1280, 720)  # the catalog's first size is the default


async def test_the_emulators_own_image_url_is_read_from_the_library(
    api: Api, emu: Emulator
) -> None:
    key = emu.media.put_image(png(64, 64, (1, 2, 3)))
    task = uid()
    frames = {"frameImages": [{"image": f"http://sora.test/media/{key}"}]}
    await api(video_task(task, inputs=frames))
    job = await emu.engine.store.get(task)
    assert job is not None and job.image_key == key


@pytest.mark.parametrize(
    "ref",
    [
        "https://assets.runware.ai/assets/inputs/79b3290f-376d-4375-97bb-5bc63c5ac27b.jpg",
        "c64351d5-4c59-42f7-95e1-eace013eddab",
    ],
)
async def test_other_urls_and_image_uuids_are_named_not_fetched(
    api: Api, emu: Emulator, ref: str
) -> None:
    task = uid()
    response = await api(video_task(task, frameImages=[ref]))
    assert response.status_code == 200
    job = await emu.engine.store.get(task)
    assert job is not None
    assert job.image_key is None
    assert job.meta["image_ref"] == ref
    assert any(ref[:40] in line for line in emu.media.spec(job.outputs[0].media_key).label)


@pytest.mark.parametrize(
    ("fields", "code", "parameter"),
    [
        (
            {"inputs": {"frameImages": [{"image": data_uri(IMAGE), "frame": "last"}]}},
            "unsupportedParameter",
            "inputs.frameImages[0].frame",
        ),
        (
            {"inputs": {"frameImages": [data_uri(IMAGE), data_uri(IMAGE)]}},
            "unsupportedParameter",
            "inputs.frameImages[1]",
        ),
        (
            {"inputs": {"frameImages": ["%%% not base64"]}},
            "invalidFrameImages",
            "inputs.frameImages",
        ),
        (
            {"inputs": {"frameImages": [data_uri(b"GIF89a not really")]}},
            "invalidFrameImages",
            "inputs.frameImages",
        ),
        ({"frameImages": [{"inputImage": 7}]}, "invalidFrameImages", "frameImages[0].image"),
        ({"inputs": {"frameImages": "x"}}, "invalidFrameImages", "inputs.frameImages"),
        (
            {"inputs": {"frameImages": ["a"]}, "frameImages": ["b"]},
            "incompatibleParameters",
            ["inputs.frameImages", "frameImages"],
        ),
    ],
)
async def test_bad_frame_images(
    api: Api, fields: dict[str, Any], code: str, parameter: object
) -> None:
    response = await api(video_task(uid(), **fields))
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert (error["code"], error["parameter"]) == (code, parameter)


async def test_frames_with_width_and_height_are_accepted_unless_configured_strict(
    api: Api, emu: Emulator
) -> None:
    frames = {"inputs": {"frameImages": [{"image": data_uri(IMAGE), "frame": "first"}]}}
    assert (await api(video_task(uid(), **frames))).status_code == 200
    emu.config = emu.config.with_settings(RunwareSettings(frames_with_size=False))
    response = await api(video_task(uid(), **frames))
    assert response.json()["errors"][0]["code"] == "incompatibleParameters"


async def test_video_to_video_from_an_earlier_video(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    source = uid()
    await api(video_task(source, width=720, height=1280))
    clock.advance(60)
    video_id = (await api(poll(source))).json()["data"][0]["outputs"]["videoId"]

    remix = uid()
    inputs = {"inputs": {"videoId": video_id}, "width": None, "height": None}
    assert (await api(video_task(remix, **inputs))).status_code == 200
    job = await emu.engine.store.get(remix)
    assert job is not None
    assert job.video_ref == video_id
    assert (job.width, job.height) == (720, 1280)  # the source video's size

    clash = await api(video_task(uid(), inputs={"videoId": video_id}))
    assert clash.json()["errors"][0]["code"] == "incompatibleParameters"
    assert clash.json()["errors"][0]["parameter"] == ["inputs.videoId", "width", "height"]

    unknown = await api(video_task(uid(), **{**inputs, "inputs": {"videoId": "video_nope"}}))
    assert unknown.json()["errors"][0]["code"] == "invalidVideoId"

    stranger = await api(video_task(uid(), **inputs), headers={"Authorization": "Bearer other"})
    assert stranger.json()["errors"][0]["code"] == "invalidVideoId"


async def test_a_remix_needs_neither_size_nor_duration(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    """Runware's ComfyUI Sora remix workflow sends inputs.videoId, a prompt and no size or
    duration: the remix takes its source's size and length."""
    source = uid()
    await api(video_task(source, width=720, height=1280, duration=8))
    clock.advance(60)
    video_id = (await api(poll(source))).json()["data"][0]["outputs"]["videoId"]
    remix = uid()
    fields = {"inputs": {"videoId": video_id}, "width": None, "height": None, "duration": None}
    response = await api(video_task(remix, **fields))
    assert response.status_code == 200, response.text
    job = await emu.engine.store.get(remix)
    assert job is not None and (job.width, job.height, job.seconds) == (720, 1280, 8)
    clock.advance(120)
    (item,) = (await api(poll(remix))).json()["data"]
    assert item["status"] == "success" and item["videoURL"].endswith(f"/{item['videoUUID']}.mp4")
