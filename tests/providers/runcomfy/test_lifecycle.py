"""RunComfy queue lifecycle on a manual clock: states, queue positions, cancel, cost."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from tests.support import AUTH

pytestmark = pytest.mark.anyio

T2V = "/v1/models/openai/sora-2/text-to-video"
FIXTURES = Path(__file__).parents[3] / "fixtures" / "runcomfy"
# default progression: 3 s in the queue, then 8 s + 0.5 s per video second running
QUEUE_S = 3.0


async def submit(client: httpx.AsyncClient, body: dict, path: str = T2V, headers=AUTH) -> str:
    r = await client.post(path, json=body, headers=headers)
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


async def status(client: httpx.AsyncClient, rid: str) -> dict:
    r = await client.get(f"/v1/requests/{rid}/status", headers=AUTH)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_documented_request_is_accepted_with_absolute_links(client) -> None:
    seed = json.loads((FIXTURES / "seed_text_to_video.json").read_text())
    r = await client.post(seed["path"], json=seed["request"], headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert sorted(body) == sorted(seed["response_fields"])
    rid = body["request_id"]
    assert body["status_url"] == f"http://sora.test/v1/requests/{rid}/status"
    assert body["result_url"] == f"http://sora.test/v1/requests/{rid}/result"
    assert body["cancel_url"] == f"http://sora.test/v1/requests/{rid}/cancel"


async def test_links_follow_the_request_host(client) -> None:
    r = await client.post(T2V, json={"prompt": "x"}, headers={**AUTH, "host": "mock.example:9000"})
    assert r.json()["status_url"].startswith("http://mock.example:9000/v1/requests/")


async def test_job_moves_through_every_state(client, clock: ManualClock) -> None:
    rid = await submit(client, {"prompt": "a red fox", "size": "1280x720", "seconds": 4})
    s = await status(client, rid)
    assert (s["status"], s["queue_position"]) == ("in_queue", 0)
    assert s["result_url"].endswith(f"/v1/requests/{rid}/result")

    clock.advance(QUEUE_S)
    s = await status(client, rid)
    assert s["status"] == "in_progress" and "queue_position" not in s

    pending = (await client.get(f"/v1/requests/{rid}/result", headers=AUTH)).json()
    assert pending["status"] == "in_progress" and "output" not in pending

    clock.advance(8 + 0.5 * 4 - 0.01)
    assert (await status(client, rid))["status"] == "in_progress"
    clock.advance(0.01)
    assert (await status(client, rid))["status"] == "completed"

    result = (await client.get(f"/v1/requests/{rid}/result", headers=AUTH)).json()
    assert result["status"] == "succeeded"
    assert result["output"]["video"].startswith("http://sora.test/media/")
    assert result["created_at"] == "2026-01-01T00:00:00.000Z"
    assert result["finished_at"] == "2026-01-01T00:00:13.000Z"
    assert "cost" not in result


async def test_queue_positions_count_down_in_order(client, emu: Emulator, clock) -> None:
    emu.engine.settings.progression.queue_seconds = 10
    first = await submit(client, {"prompt": "one"})
    clock.advance(1)
    second = await submit(client, {"prompt": "two"})
    clock.advance(1)
    third = await submit(client, {"prompt": "three"})
    positions = [(await status(client, r))["queue_position"] for r in (first, second, third)]
    assert positions == [0, 1, 2]
    clock.advance(8)  # the first leaves the queue at t=10
    assert (await status(client, first))["status"] == "in_progress"
    assert (await status(client, second))["queue_position"] == 0
    assert (await status(client, third))["queue_position"] == 1


async def test_queue_is_per_model(client) -> None:
    await submit(client, {"prompt": "sora 2"})
    pro = await submit(client, {"prompt": "pro"}, path="/v1/models/openai/sora-2/pro/text-to-video")
    assert (await status(client, pro))["queue_position"] == 0


async def test_cancel_while_queued_stops_the_job_and_costs_nothing(client, emu, clock) -> None:
    rid = await submit(client, {"prompt": "cancel me", "seconds": 8})
    r = await client.post(f"/v1/requests/{rid}/cancel", headers=AUTH)
    assert r.status_code == 202
    assert r.json() == {"request_id": rid, "status": "cancelled", "outcome": "cancelled"}
    clock.advance(600)
    assert (await status(client, rid))["status"] == "cancelled"
    result = (await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)).json()
    assert result["status"] == "cancelled" and result["cost"] == 0.0 and "output" not in result
    assert await emu.engine.ledger.spent() == 0
    again = await client.post(f"/v1/requests/{rid}/cancel", headers=AUTH)
    assert again.status_code == 202 and again.json()["outcome"] == "cancelled"


async def test_cancel_while_running_is_a_no_op_and_the_job_is_billed(client, emu, clock) -> None:
    rid = await submit(client, {"prompt": "too late", "seconds": 8, "size": "1280x720"})
    clock.advance(QUEUE_S + 1)
    r = await client.post(f"/v1/requests/{rid}/cancel", headers=AUTH)
    assert r.status_code == 202
    assert r.json() == {"request_id": rid, "status": "in_progress", "outcome": "not_cancellable"}
    clock.advance(60)
    result = (await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)).json()
    assert result["status"] == "succeeded" and result["cost"] == 0.8
    assert str(await emu.engine.ledger.spent()) == "0.80"


async def test_cancel_after_completion_is_not_cancellable(client, clock) -> None:
    rid = await submit(client, {"prompt": "done"})
    clock.advance(60)
    assert (await status(client, rid))["status"] == "completed"
    r = await client.post(f"/v1/requests/{rid}/cancel", headers=AUTH)
    assert r.status_code == 202
    assert r.json() == {"request_id": rid, "status": "completed", "outcome": "not_cancellable"}


async def test_failed_job_reports_failed_with_an_error(client, emu, clock) -> None:
    from mock_server.core.jobs import Failure

    rid = await submit(client, {"prompt": "doomed"})
    clock.advance(QUEUE_S)
    await emu.engine.fail(rid, Failure("moderation", "the prompt was refused by moderation"))
    assert (await status(client, rid))["status"] == "failed"
    result = (await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)).json()
    assert result["status"] == "failed"
    assert result["error"] == "the prompt was refused by moderation"
    assert result["cost"] == 0.0 and "output" not in result
    clock.advance(600)
    assert (await status(client, rid))["status"] == "failed"  # terminal states never change


@pytest.mark.parametrize(
    ("model", "size", "seconds", "cost"),
    [
        ("openai/sora-2/text-to-video", "720x1280", 4, 0.4),
        ("openai/sora-2/text-to-video", "1280x720", 12, 1.2),
        ("openai/sora-2/pro/text-to-video", "1280x720", 8, 2.4),
        ("openai/sora-2/pro/text-to-video", "1792x1024", 8, 4.0),
        ("openai/sora-2/pro/text-to-video", "1024x1792", 12, 6.0),
    ],
)
async def test_cost_is_price_per_second_times_seconds(
    client, clock, model, size, seconds, cost
) -> None:
    rid = await submit(
        client, {"prompt": "p", "size": size, "seconds": seconds}, f"/v1/models/{model}"
    )
    clock.advance(120)
    result = (await client.get(f"/v1/requests/{rid}/result?include_cost=true", headers=AUTH)).json()
    assert result["status"] == "succeeded"
    assert result["cost"] == pytest.approx(cost)


async def test_model_info_reports_pricing(client) -> None:
    r = await client.get("/v1/models/openai/sora-2/pro/image-to-video", headers=AUTH)
    assert r.status_code == 200
    body = r.json()
    assert body["model_id"] == "openai/sora-2/pro/image-to-video"
    assert body["base_price_usd"] == 0.3 and body["price_unit"] == "second"
    assert "0.5" in body["pricing_note"] and "1792x1024" in body["pricing_note"]


async def test_poll_progression_moves_by_reads(client, emu) -> None:
    from mock_server.core.jobs import Progression

    emu.engine.set_progression(Progression(kind="polls", queue_polls=2, run_polls=2))
    rid = await submit(client, {"prompt": "polls"})
    seen = [(await status(client, rid))["status"] for _ in range(5)]
    assert seen == ["in_queue", "in_progress", "in_progress", "completed", "completed"]


async def test_manual_progression_waits_for_the_control_plane(client, emu, clock) -> None:
    from mock_server.core.jobs import Progression

    emu.engine.set_progression(Progression(kind="manual"))
    rid = await submit(client, {"prompt": "manual"})
    clock.advance(10_000)
    assert (await status(client, rid))["status"] == "in_queue"
    await emu.engine.complete(rid)
    assert (await status(client, rid))["status"] == "completed"
