"""The control API: clock, progression, reset, seed, jobs, journal, webhooks, auth."""

from __future__ import annotations

import json

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock, ScaledClock
from tests.sandbox.helpers import KEY_A, KEY_B, T2V, advance, auth, status, submit_id

pytestmark = pytest.mark.anyio


async def test_clock_reads_advances_and_sets(client: httpx.AsyncClient) -> None:
    clock = (await client.get("/_emulator/clock")).json()
    assert clock == {
        "now": 1767225600.0,
        "iso": "2026-01-01T00:00:00.000Z",
        "kind": "manual",
        "speed": 0.0,
    }
    assert (await advance(client, 90))["iso"] == "2026-01-01T00:01:30.000Z"
    r = await client.post("/_emulator/clock/set", json={"time": "2026-01-01T01:00:00Z"})
    assert r.json()["iso"] == "2026-01-01T01:00:00.000Z"
    r = await client.post("/_emulator/clock/set", json={"time": 1767225600})
    assert r.status_code == 409  # backwards
    r = await client.post("/_emulator/clock/speed", json={"speed": 5})
    assert r.status_code == 409  # manual clock has no speed


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/_emulator/clock/advance", {"seconds": -1}),
        ("/_emulator/clock/advance", {"seconds": "ten"}),
        ("/_emulator/clock/advance", {}),
        ("/_emulator/clock/advance", [1, 2]),
        ("/_emulator/clock/set", {"time": "yesterday"}),
        ("/_emulator/clock/set", {"time": True}),
        ("/_emulator/progression", {"kind": "warp"}),
        ("/_emulator/progression", {"queue_seconds": -3}),
        ("/_emulator/progression", {"queue_seconds": "x"}),
        ("/_emulator/progression", {"queue_seconds": float("nan")}),
        ("/_emulator/progression", {"run_polls": 1.5}),
        ("/_emulator/faults/webhooks", {"delay_seconds": float("inf")}),
        ("/_emulator/clock/advance", {"seconds": float("nan")}),
        ("/_emulator/progression", {"model": "no/such/model"}),
        ("/_emulator/progression", {"bogus": 1}),
        ("/_emulator/seed", {"seed": "x"}),
        ("/_emulator/reset", {"seed": 1.5}),
        ("/_emulator/faults/script", {"operation": "runcomfy.submit", "steps": []}),
        ("/_emulator/faults/script", {"operation": "runcomfy.submit", "steps": ["moderation"]}),
        ("/_emulator/faults/script", {"steps": ["http-429"]}),
        ("/_emulator/faults/webhooks", {"duplicates": -1}),
        ("/_emulator/faults/webhooks", {"nope": 1}),
    ],
)
async def test_bad_control_input_is_a_clear_4xx(
    client: httpx.AsyncClient, path: str, body: object
) -> None:
    method = "PUT" if path.endswith(("progression", "webhooks")) else "POST"
    r = await client.request(method, path, content=json.dumps(body))
    assert 400 <= r.status_code < 500, r.text
    assert set(r.json()) == {"error", "message"}


async def test_garbage_bodies_never_crash(client: httpx.AsyncClient) -> None:
    for raw in (b"\xff\xfe", b"nul", b"[]", b'"text"', b"{" * 50):
        r = await client.post("/_emulator/clock/advance", content=raw)
        assert r.status_code == 400


async def test_progression_per_model_applies_to_new_jobs(client: httpx.AsyncClient) -> None:
    r = await client.put(
        "/_emulator/progression",
        json={
            "model": T2V,
            "kind": "clock",
            "queue_seconds": 0,
            "run_seconds": 1,
            "run_seconds_per_video_second": 0,
        },
    )
    assert r.json()["models"][T2V]["run_seconds"] == 1
    job_id = await submit_id(client)
    await advance(client, 1)
    assert (await status(client, job_id))["status"] == "succeeded"
    r = await client.put("/_emulator/progression", json={"kind": "manual"})
    assert r.json() == {"default": r.json()["default"], "models": {}}
    manual = await submit_id(client)
    await advance(client, 3600)
    assert (await status(client, manual))["status"] == "in_queue"


async def test_jobs_list_inspect_complete_and_fail(client: httpx.AsyncClient) -> None:
    first = await submit_id(client, "first")
    second = await submit_id(client, "second", key=KEY_B)
    jobs = (await client.get("/_emulator/jobs")).json()
    assert [j["id"] for j in jobs["jobs"]] == [second, first]
    assert jobs["jobs"][1]["queue_position"] == 0
    assert jobs["jobs"][0]["tenant_label"] == "sk-…0002"
    only_b = (await client.get("/_emulator/jobs", params={"tenant": "sk-…0002"})).json()
    assert [j["id"] for j in only_b["jobs"]] == [second]

    done = (await client.post(f"/_emulator/jobs/{first}/complete")).json()
    assert done["state"] == "succeeded"
    assert done["outputs"][0]["media_url"].startswith("/media/")
    r = await client.post(
        f"/_emulator/jobs/{second}/fail",
        json={"kind": "moderation", "message": "flagged", "code": "providerContentPolicyViolation"},
    )
    assert r.json()["failure"] == {
        "kind": "moderation",
        "message": "flagged",
        "code": "providerContentPolicyViolation",
    }
    body = await status(client, second, KEY_B)
    assert (body["status"], body["error"]) == ("failed", "flagged")

    assert (await client.post(f"/_emulator/jobs/{first}/fail", json={})).status_code == 409
    assert (await client.post(f"/_emulator/jobs/{second}/complete")).status_code == 409
    assert (
        await client.post(f"/_emulator/jobs/{first}/fail", json={"kind": "meteor"})
    ).status_code == 400
    assert (await client.get("/_emulator/jobs/nope")).status_code == 404
    assert (await client.post("/_emulator/jobs/nope/complete")).status_code == 404
    assert (await client.get("/_emulator/jobs", params={"state": "odd"})).status_code == 400
    failed = (await client.get("/_emulator/jobs", params={"state": "failed"})).json()
    assert [j["id"] for j in failed["jobs"]] == [second]


async def test_reset_and_seed_make_ids_repeat(client: httpx.AsyncClient) -> None:
    first = await submit_id(client)
    r = await client.post("/_emulator/reset")
    assert r.json() == {"reset": True, "seed": 0}
    assert (await client.get("/_emulator/jobs")).json()["total"] == 0
    assert await submit_id(client) == first
    r = await client.post("/_emulator/seed", json={"seed": 0})
    assert r.status_code == 409  # would replay ids of existing jobs
    await client.post("/_emulator/reset", json={"seed": 42})
    assert (await client.post("/_emulator/seed", json={"seed": 0})).status_code == 200
    assert await submit_id(client) == first


async def test_journal_records_provider_requests_only(client: httpx.AsyncClient) -> None:
    job_id = await submit_id(client)
    await client.get(f"/v1/requests/{job_id}/status", headers=auth(KEY_B))
    await client.get("/_emulator/jobs")
    entries = (await client.get("/_emulator/journal")).json()["entries"]
    assert [(e["method"], e["status"], e["provider"]) for e in entries] == [
        ("GET", 403, "runcomfy"),
        ("POST", 200, "runcomfy"),
    ]
    newest = entries[0]
    assert newest["operation"] == "runcomfy.request_status"
    assert newest["tenant_label"] == "sk-…0002"
    assert KEY_B not in str(entries)
    assert newest["time"] == "2026-01-01T00:00:00.000Z" and newest["duration_ms"] >= 0
    only = (await client.get("/_emulator/journal", params={"tenant": "sk-…0001"})).json()
    assert len(only["entries"]) == 1
    assert (await client.get("/_emulator/journal", params={"limit": "x"})).status_code == 400
    await client.delete("/_emulator/journal")
    assert (await client.get("/_emulator/journal")).json()["entries"] == []


async def test_webhook_log_is_shown_when_a_dialect_provides_one(
    client: httpx.AsyncClient, emu
) -> None:  # type: ignore[no-untyped-def]
    assert (await client.get("/_emulator/webhooks")).json() == {"deliveries": []}
    sent = emu.webhooks.submit("http://127.0.0.1:9/hook", {"n": 1}, source="test", ref="r1")
    await emu.webhooks.wait_for(lambda: len(sent.attempts) == 1)  # port 9: refused
    (listed,) = (await client.get("/_emulator/webhooks")).json()["deliveries"]
    assert (listed["id"], listed["url"], listed["body"]) == (sent.id, sent.url, {"n": 1})
    assert listed["state"] == "retrying" and listed["attempts"][0]["status"] is None
    await client.post("/_emulator/reset")
    assert (await client.get("/_emulator/webhooks")).json() == {"deliveries": []}


def test_beyond_loopback_without_a_token_refuses_to_start(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="admin-token"):
        create_app(Config(host="0.0.0.0", media_dir=str(tmp_path)))


async def test_beyond_loopback_the_control_api_needs_the_token(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = Config(host="0.0.0.0", admin_token="s3cret", clock="manual", media_dir=str(tmp_path))
    app = create_app(config, clock=ManualClock())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        assert (await c.get("/_emulator/clock")).status_code == 401
        bad = await c.get("/_emulator/clock", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401
        good = await c.get("/_emulator/clock", headers={"Authorization": "Bearer s3cret"})
        assert good.status_code == 200
        assert (await c.get("/")).status_code == 200  # the page itself is static
        assert (await c.get("/_emulator/health")).status_code == 200
        # provider endpoints keep using API keys, not the admin token
        r = await c.post(f"/v1/models/{T2V}", json={"prompt": "x"}, headers=auth(KEY_A))
        assert r.status_code == 200


async def test_scaled_clock_speed_can_change(tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = ScaledClock(initial_speed=1.0, start=1_767_225_600.0)
    app = create_app(Config(media_dir=str(tmp_path)), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        r = await c.post("/_emulator/clock/speed", json={"speed": 0})
        assert r.json()["speed"] == 0.0 and r.json()["kind"] == "scaled"
        frozen = r.json()["now"]
        r = await c.post("/_emulator/clock/advance", json={"seconds": 10})
        assert r.json()["now"] == frozen + 10
        assert (await c.post("/_emulator/clock/speed", json={"speed": -2})).status_code == 400


def test_the_control_areas_name_their_operations_apart() -> None:
    """ControlApi joins the areas by inheritance: a name two areas both defined would
    silently serve only one of them."""
    from mock_server.control.plane import ControlArea
    from mock_server.control.urls import ControlApi

    areas = [base for base in ControlApi.__mro__[1:] if issubclass(base, ControlArea)]
    areas = [a for a in areas if a is not ControlArea]
    assert len(areas) == 5
    seen: dict[str, str] = {}
    for area in areas:
        for name in vars(area):
            if not name.startswith("__"):
                assert name not in seen, f"{name} is in both {seen[name]} and {area.__name__}"
                seen[name] = area.__name__
