"""A model added with a catalog file alone: requests in its own field names are read
through its schema and field map, priced by its rule and rendered as it says; the
unknown-field rule is RunComfy's documented one."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.media.probe import probe
from mock_server.providers.runcomfy import RunComfySettings
from tests.conftest import with_config
from tests.support import AUTH

pytestmark = pytest.mark.anyio

EXAMPLE = Path(__file__).parents[2] / "examples" / "catalog" / "happyhorse-1.1.json"
MODEL = "/v1/models/alibaba/happyhorse-1.1/text-to-video"
T2V = "/v1/models/openai/sora-2/text-to-video"


@pytest.fixture
def app(config, clock):
    return create_app(with_config(config, catalog=(str(EXAMPLE),)), clock=clock)


async def _finish(client: httpx.AsyncClient, clock, path: str, body: dict) -> dict:
    r = await client.post(path, json=body, headers=AUTH)
    assert r.status_code == 200, r.text
    clock.advance(600)
    rid = r.json()["request_id"]
    result = await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)
    assert result.json()["status"] == "succeeded", result.text
    return dict(result.json())


async def test_the_example_model_renders_what_its_own_fields_ask(client, clock, emu, tmp_path):
    body = {"prompt": "a horse on a beach", "ratio": "9:16", "duration": 6, "resolution": "720P"}
    result = await _finish(client, clock, MODEL, body)
    assert result["cost"] == pytest.approx(0.60)  # 6 s x 0.10 USD at 720P, from the file
    clip = tmp_path / "clip.mp4"
    clip.write_bytes((await client.get(result["output"]["video"])).content)
    info = probe(clip)
    assert (info.video.width, info.video.height) == (720, 1280)
    assert info.duration == pytest.approx(6, abs=0.05)
    assert info.audio is not None
    job = await emu.engine.store.get(result["request_id"])
    assert job.cost == Decimal("0.60") and job.audio is True


async def test_the_example_model_defaults_come_from_its_schema(client, clock, emu) -> None:
    result = await _finish(client, clock, MODEL, {"prompt": "a horse"})
    job = await emu.engine.store.get(result["request_id"])
    assert (job.width, job.height, job.seconds) == (1920, 1080, 5)  # 1080P, 16:9, 5 s
    assert job.cost == Decimal("0.75")


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"prompt": "x", "ratio": "4:3"}, "ratio", "enum"),
        ({"prompt": "x", "duration": 2}, "duration", "greater_than_equal"),
        ({"prompt": "x", "duration": 16}, "duration", "less_than_equal"),
        ({"prompt": "x", "duration": "six"}, "duration", "int_type"),
        ({"prompt": "x", "resolution": "4k"}, "resolution", "enum"),
        ({"prompt": "x" * 5001}, "prompt", "string_too_long"),
        ({"ratio": "1:1"}, "prompt", "missing"),
        ({"prompt": 5}, "prompt", "string_type"),
    ],
)
async def test_a_value_the_model_does_not_allow_is_422001(client, emu, body, loc, kind) -> None:
    r = await client.post(MODEL, json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert r.json()["error_code"] == 422001
    assert [(d["loc"], d["type"]) for d in detail] == [(["body", loc], kind)]
    assert await emu.engine.jobs() == []


async def test_unknown_fields_are_accepted_and_named_by_default(client) -> None:
    body = {"prompt": "x", "aspect_ratio": "9:16", "durée": 4}
    r = await client.post(MODEL, json=body, headers=AUTH)
    assert r.status_code == 200
    assert r.headers["x-sora-mock-ignored-fields"] == "aspect_ratio, dur\\u00e9e"


async def test_sora_names_the_fields_it_ignores(client) -> None:
    r = await client.post(T2V, json={"prompt": "x", "duration": 4}, headers=AUTH)
    assert r.status_code == 200 and r.headers["x-sora-mock-ignored-fields"] == "duration"
    r = await client.post(T2V, json={"prompt": "x", "seconds": 4}, headers=AUTH)
    assert "x-sora-mock-ignored-fields" not in r.headers


async def test_the_reject_rule_refuses_unknown_fields(config, clock) -> None:
    app = create_app(config.with_settings(RunComfySettings(unknown_fields="reject")), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        body = {"prompt": "x", "aspect_ratio": "9:16", "resolution": "1080p", "seconds": 4}
        r = await c.post(T2V, json=body, headers=AUTH)
    assert r.status_code == 422
    assert [(d["loc"], d["type"]) for d in r.json()["detail"]] == [
        (["body", "aspect_ratio"], "extra_forbidden"),
        (["body", "resolution"], "extra_forbidden"),
    ]
    assert await app.state.emulator.engine.jobs() == []


def test_an_unknown_rule_is_refused_at_start(config, clock) -> None:
    with pytest.raises(ValueError, match="runcomfy-unknown-fields"):
        create_app(config.with_settings(RunComfySettings(unknown_fields="maybe")), clock=clock)
