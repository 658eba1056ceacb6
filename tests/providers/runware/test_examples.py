"""The four documented Sora 2 examples (fixtures/runware/) succeed, field for field.

The documented responses show ``cost`` although their requests do not set
``includeCost``: the examples were produced with cost reporting on, which the
emulator reproduces with ``RunwareSettings.cost_always``. Poll results also carry
``status`` (documented on the task-polling page, and required by both SDKs);
everything else matches the documented keys exactly.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from mock_server.providers.runware import RunwareSettings
from tests.providers.runware.conftest import Api
from tests.providers.runware.helpers import poll

pytestmark = pytest.mark.anyio

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "runware"
EXAMPLES = sorted(p.name.removesuffix(".request.json") for p in FIXTURES.glob("*.request.json"))
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def load(name: str, kind: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.{kind}.json").read_text())


@pytest.fixture
def config(config: Config) -> Config:
    return config.with_settings(RunwareSettings(cost_always=True))


def test_all_four_documented_examples_are_kept() -> None:
    assert len(EXAMPLES) == 4
    for name in EXAMPLES:
        assert load(name, "request")["taskUUID"] == load(name, "response")["taskUUID"]


@pytest.mark.parametrize("name", EXAMPLES)
async def test_documented_example_succeeds_with_the_documented_fields(
    api: Api, clock: ManualClock, tmp_path: Path, name: str
) -> None:
    request, documented = load(name, "request"), load(name, "response")
    ack = await api(request)
    assert ack.status_code == 200, ack.text
    assert ack.json() == {"data": [{"taskType": "videoInference", "taskUUID": request["taskUUID"]}]}
    clock.advance(60)
    response = await api(poll(request["taskUUID"]))
    assert response.status_code == 200
    assert set(response.json()) == {"data"}
    (item,) = response.json()["data"]

    assert set(item) == set(documented) | {"status"}
    assert list(item["outputs"]) == list(documented["outputs"])
    assert item["status"] == "success"
    assert item["taskType"] == documented["taskType"]
    assert item["taskUUID"] == documented["taskUUID"]
    assert item["cost"] == documented["cost"] == 0.8
    assert UUID.match(item["videoUUID"])
    assert item["videoURL"].startswith("http://sora.test/media/")
    assert item["videoURL"].endswith(".mp4")
    assert isinstance(item["seed"], int) and 0 < item["seed"] < 2**31
    assert re.fullmatch(r"video_[0-9a-f]{48}", item["outputs"]["videoId"])
    assert len(item["outputs"]["videoId"]) == len(documented["outputs"]["videoId"])

    info = await api.media(item["videoURL"], tmp_path)
    assert info.duration == pytest.approx(request["duration"], abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == (
        "h264",
        request["width"],
        request["height"],
    )
    assert info.audio is not None and info.audio.codec == "aac"


async def test_without_the_cost_option_cost_follows_include_cost(
    api: Api, clock: ManualClock, emu: Emulator
) -> None:
    emu.config = emu.config.with_settings(RunwareSettings(cost_always=False))
    request = load(EXAMPLES[0], "request")
    await api(request)
    clock.advance(60)
    (item,) = (await api(poll(request["taskUUID"]))).json()["data"]
    assert set(item) == set(load(EXAMPLES[0], "response")) - {"cost"} | {"status"}
