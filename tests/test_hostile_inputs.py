"""Hostile and odd inputs found in review: each gets a clear answer, never a 500 or a hang."""

from __future__ import annotations

import math

import pytest

from mock_server.core.clock import LATEST, ManualClock, ScaledClock
from tests.support import AUTH

pytestmark = pytest.mark.anyio

T2V = "/v1/models/openai/sora-2/text-to-video"
DEEP = b"[" * 100_000 + b"]" * 100_000


async def test_deeply_nested_json_is_a_validation_error_on_runcomfy(client) -> None:
    r = await client.post(T2V, content=DEEP, headers=AUTH)
    assert r.status_code == 422 and r.json()["error_code"] == 422001


async def test_deeply_nested_json_is_a_runware_error(client) -> None:
    r = await client.post("/v1", content=DEEP, headers=AUTH)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"]


@pytest.mark.parametrize("seconds", ["²", "٤", "9" * 5000])
async def test_odd_digit_strings_for_seconds_are_rejected(client, seconds) -> None:
    r = await client.post(T2V, json={"prompt": "x", "seconds": seconds}, headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "seconds"]


async def test_lone_surrogate_prompts_are_rejected_by_both_dialects(client) -> None:
    body = b'{"prompt": "\\ud800"}'
    r = await client.post(T2V, content=body, headers=AUTH)
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "prompt"]
    task = (
        b'[{"taskType":"videoInference","taskUUID":"6f1d9c1e-1b7a-4d5e-9c3b-2a1f0e9d8c7b",'
        b'"model":"openai:3@1","positivePrompt":"\\ud800","width":1280,"height":720,"duration":4}]'
    )
    rw = await client.post("/v1", content=task, headers=AUTH)
    assert rw.status_code == 400 and rw.json()["errors"][0]["parameter"] == "positivePrompt"
    assert (await client.get("/_emulator/jobs")).status_code == 200


@pytest.mark.parametrize("bad", [math.nan, math.inf, -1.0])
def test_clocks_refuse_non_finite_or_backward_steps(bad: float) -> None:
    for clock in (ManualClock(), ScaledClock(0.0, start=0.0)):
        with pytest.raises(ValueError):
            clock.advance(bad)


def test_clocks_stop_before_the_year_9999_ends() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError):
        clock.advance(LATEST)
    assert math.isfinite(clock.now())


async def test_control_api_refuses_nan_time_and_the_emulator_keeps_working(client) -> None:
    r = await client.post(
        "/_emulator/clock/set",
        content=b'{"time": NaN}',
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 400
    ok = await client.post(T2V, json={"prompt": "still fine"}, headers=AUTH)
    assert ok.status_code == 200


async def test_huge_range_numbers_are_416_not_500(client, clock) -> None:
    rid = (await client.post(T2V, json={"prompt": "r"}, headers=AUTH)).json()["request_id"]
    clock.advance(60)
    url = (await client.get(f"/v1/requests/{rid}/result", headers=AUTH)).json()["output"]["video"]
    r = await client.get(url, headers={"Range": "bytes=" + "9" * 5000 + "-"})
    assert r.status_code == 200  # an unparseable range is ignored: the whole clip


async def test_runcomfy_cannot_see_or_cancel_runware_jobs(client) -> None:
    uid = "0b3f2a64-5c1d-4e8f-9a7b-6c5d4e3f2a1b"
    task = {
        "taskType": "videoInference",
        "taskUUID": uid,
        "model": "openai:3@1",
        "positivePrompt": "x",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    assert (await client.post("/v1", json=[task], headers=AUTH)).status_code == 200
    for op in ("status", "result"):
        r = await client.get(f"/v1/requests/{uid}/{op}", headers=AUTH)
        assert r.status_code == 404 and r.json()["error_code"] == 404001
    r = await client.post(f"/v1/requests/{uid}/cancel", headers=AUTH)
    assert r.status_code == 404


async def test_a_client_chosen_id_never_collides_with_a_generated_one(client, emu) -> None:
    from mock_server.core.ids import IdSource

    upcoming = IdSource(emu.config.seed).uuid4()  # the first id the engine would draw
    task = {
        "taskType": "videoInference",
        "taskUUID": upcoming,
        "model": "openai:3@1",
        "positivePrompt": "x",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    assert (await client.post("/v1", json=[task], headers=AUTH)).status_code == 200
    r = await client.post(T2V, json={"prompt": "y"}, headers=AUTH)
    assert r.json()["request_id"] != upcoming
    assert len(await emu.engine.jobs()) == 2


async def test_reset_during_a_render_charges_nothing(client, emu, clock) -> None:
    from mock_server.core.jobs import Progression

    emu.engine.set_progression(Progression.immediate())
    rid = (await client.post(T2V, json={"prompt": "x", "seconds": 12}, headers=AUTH)).json()[
        "request_id"
    ]
    import asyncio

    poll = asyncio.ensure_future(client.get(f"/v1/requests/{rid}/result", headers=AUTH))
    await asyncio.sleep(0)
    await emu.engine.reset()
    await poll
    await emu.engine.drain()
    assert await emu.engine.ledger.charges() == []
    assert await emu.engine.jobs() == []


def test_webhook_urls_with_impossible_ports_are_not_allowed(emu) -> None:
    hooks = emu.webhooks
    assert hooks.allowed("http://127.0.0.1:8080/hook")
    assert not hooks.allowed("http://127.0.0.1:99999/hook")
