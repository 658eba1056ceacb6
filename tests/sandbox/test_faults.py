"""Faults through every door: the header, magic prompts, scripts, chaos and arming."""

from __future__ import annotations

import time

import httpx
import pytest

from mock_server.core.errors import InvalidParameter
from mock_server.core.fault_plan import Chaos, FaultPlan, WebhookFaults
from mock_server.core.faults import FaultItem, parse_faults, prompt_faults
from mock_server.core.jobs import JobFault
from tests.sandbox.helpers import advance, auth, status, submit, submit_id

pytestmark = pytest.mark.anyio

# a 4 s clip with the default clock progression: queued 3 s, then running 10 s


def test_fault_words_parse_with_progress_and_values() -> None:
    assert parse_faults("moderation@30, media-missing=20 http-503") == [
        FaultItem("moderation", 30),
        FaultItem("media-missing", value=20.0),
        FaultItem("http-503"),
    ]
    assert prompt_faults("a cat [sora-mock:stuck] on a [SORA-MOCK:timeout@10]") == [
        FaultItem("stuck"),
        FaultItem("timeout", 10),
    ]
    assert prompt_faults("no tags here") == []


@pytest.mark.parametrize("bad", ["explode", "http-404", "moderation@150", "latency=abc"])
def test_unknown_fault_words_are_rejected_with_the_list_of_known_ones(bad: str) -> None:
    with pytest.raises(InvalidParameter) as err:
        parse_faults(bad)
    assert err.value.field == "fault"


async def test_fault_header_answers_429_in_runcomfy_shape(client: httpx.AsyncClient) -> None:
    r = await submit(client, headers={"X-Sora-Mock-Fault": "http-429"})
    assert r.status_code == 429
    assert r.json()["error_code"] == 429001
    assert r.headers["Retry-After"] == "1"


async def test_fault_header_answers_any_5xx(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1/requests/x/status", headers=auth(**{"X-Sora-Mock-Fault": "http-503"}))
    assert r.status_code == 503
    assert r.json()["error_code"] == 500001


async def test_misspelt_fault_header_is_a_validation_error_not_a_crash(
    client: httpx.AsyncClient,
) -> None:
    r = await submit(client, headers={"X-Sora-Mock-Fault": "http-2000"})
    assert r.status_code == 422
    assert "unknown sora-mock fault" in r.text


async def test_latency_header_delays_the_answer(client: httpx.AsyncClient) -> None:
    started = time.perf_counter()
    r = await submit(client, headers={"X-Sora-Mock-Fault": "latency=0.2"})
    assert r.status_code == 200
    assert time.perf_counter() - started >= 0.2


async def test_drop_in_process_surfaces_as_a_connection_reset(client: httpx.AsyncClient) -> None:
    with pytest.raises(ConnectionResetError):
        await submit(client, headers={"X-Sora-Mock-Fault": "drop"})


async def test_script_fails_the_next_two_submits_then_passes(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/_emulator/faults/script",
        json={"operation": "runcomfy.submit", "steps": ["http-429", "http-500"]},
    )
    assert r.status_code == 201
    assert [(await submit(client)).status_code for _ in range(3)] == [429, 500, 200]
    # other operations were never affected
    assert (await client.get("/_emulator/faults")).json()["scripts"] == []


async def test_script_with_fault_and_times(client: httpx.AsyncClient) -> None:
    await client.post(
        "/_emulator/faults/script",
        json={"operation": "runcomfy.*", "fault": "http-502", "times": 2},
    )
    codes = [(await submit(client)).status_code for _ in range(3)]
    assert codes == [502, 502, 200]


async def test_chaos_is_seeded_and_repeatable(client: httpx.AsyncClient) -> None:
    async def run() -> list[int]:
        r = await client.put(
            "/_emulator/faults/chaos",
            json={"error_rate": 0.5, "error_statuses": [500, 503], "seed": 11},
        )
        assert r.status_code == 200, r.text
        return [
            (await client.get("/v1/requests/nope/status", headers=auth())).status_code
            for _ in range(20)
        ]

    first, second = await run(), await run()
    assert first == second
    assert {500, 503, 404} <= set(first)


def test_chaos_flag_syntax() -> None:
    chaos = Chaos.parse("error=0.1,drop=0.01,latency=0.2,latency_seconds=0.1-0.3,fail=0.05", 3)
    assert (chaos.error_rate, chaos.drop_rate, chaos.job_failure_rate) == (0.1, 0.01, 0.05)
    assert chaos.latency_seconds == (0.1, 0.3)
    with pytest.raises(ValueError):
        Chaos.parse("error=2")
    with pytest.raises(ValueError):
        Chaos.parse("nonsense")


async def test_bad_chaos_settings_are_400(client: httpx.AsyncClient) -> None:
    for body in ({"error_rate": 3}, {"bogus": 1}, {"error_statuses": "x"}, {"seed": "x"}):
        r = await client.put("/_emulator/faults/chaos", json=body)
        assert r.status_code == 400, body


async def test_magic_prompt_moderation_fails_at_its_progress(client: httpx.AsyncClient) -> None:
    job_id = await submit_id(client, "a beach [sora-mock:moderation@50]")
    await advance(client, 3 + 4)  # 40 % of the 10 s run
    assert (await status(client, job_id))["status"] == "in_progress"
    await advance(client, 2)  # 60 %
    body = await status(client, job_id)
    assert body["status"] == "failed"
    assert "moderation" in body["error"]
    job = (await client.get(f"/_emulator/jobs/{job_id}")).json()
    assert job["failure"]["kind"] == "moderation"
    assert job["finished_at"] == "2026-01-01T00:00:08.000Z"  # exactly at 50 %


async def test_fault_header_timeout_and_stuck(client: httpx.AsyncClient) -> None:
    timeout_id = await submit_id(client, headers={"X-Sora-Mock-Fault": "timeout@10"})
    stuck_id = await submit_id(client, "a stuck job [sora-mock:stuck]")
    await advance(client, 600)
    timed_out = (await client.get(f"/_emulator/jobs/{timeout_id}")).json()
    assert timed_out["state"] == "failed"
    assert timed_out["failure"]["kind"] == "timeout"
    assert (await status(client, stuck_id))["status"] == "in_queue"


async def test_request_fault_in_a_prompt_answers_at_submit(client: httpx.AsyncClient) -> None:
    r = await submit(client, "anything [sora-mock:http-429]")
    assert r.status_code == 429
    r = await submit(client, "anything [sora-mock:credits]")
    assert r.status_code == 402
    r = await submit(client, "anything [sora-mock:typo]")
    assert r.status_code == 422


async def test_armed_faults_hit_the_next_jobs_only(client: httpx.AsyncClient) -> None:
    r = await client.post("/_emulator/faults/arm", json={"fault": "fail@0", "count": 1})
    assert r.status_code == 201
    failing, fine = await submit_id(client), await submit_id(client)
    await advance(client, 3)
    assert (await status(client, failing))["status"] == "failed"
    assert (await status(client, fine))["status"] == "in_progress"
    assert (
        await client.post("/_emulator/faults/arm", json={"fault": "http-429"})
    ).status_code == 400
    assert (
        await client.post("/_emulator/faults/arm", json={"fault": "stuck", "count": 0})
    ).status_code == 400


async def test_fault_can_be_planted_in_a_running_job(client: httpx.AsyncClient) -> None:
    job_id = await submit_id(client)
    await advance(client, 3 + 5)  # 50 %
    r = await client.post(f"/_emulator/jobs/{job_id}/fault", json={"fault": "timeout@40"})
    assert r.status_code == 200
    assert r.json()["state"] == "failed"


async def test_media_missing_answers_404_until_its_time(client: httpx.AsyncClient) -> None:
    job_id = await submit_id(client, "a clip [sora-mock:media-missing=30]")
    await advance(client, 13)
    body = await status(client, job_id)
    assert body["status"] == "succeeded"
    url = body["output"]["video"]
    assert (await client.get(url)).status_code == 404
    await advance(client, 29)
    assert (await client.get(url)).status_code == 404
    await advance(client, 1)
    r = await client.get(url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"


def test_webhook_fault_schedule_contract() -> None:
    faults = WebhookFaults(seed=5)
    assert faults.schedule() == [0.0]
    faults.update(duplicates=2, delay_seconds=4)
    assert faults.schedule() == [4.0, 4.0, 4.0]
    faults.update(duplicates=0, delay_seconds=0, disorder_seconds=10)
    first = faults.schedule()
    assert len(first) == 1 and 0 <= first[0] <= 10
    again = WebhookFaults(seed=5, disorder_seconds=10)
    assert again.schedule() == first  # seeded: same seed, same delays
    with pytest.raises(ValueError):
        faults.update(bogus=1)


async def test_webhook_faults_per_job_from_a_magic_prompt(client, emu) -> None:  # type: ignore[no-untyped-def]
    job_id = await submit_id(client, "x [sora-mock:webhook-duplicate=2,webhook-late=7]")
    job = await emu.engine.store.get(job_id)
    assert emu.policies.webhook_delays(job) == [7.0, 7.0, 7.0]
    r = await client.put("/_emulator/faults/webhooks", json={"duplicates": 1})
    assert r.json()["webhooks"]["duplicates"] == 1
    assert emu.policies.webhook_delays() == [0.0, 0.0]


def test_plan_merges_armed_and_declared_faults() -> None:
    plan = FaultPlan(seed=1)
    plan.arm("stuck", count=1, provider="runware")
    assert plan.job_fault("runcomfy") is None
    fault = plan.job_fault("runware", JobFault(media_missing_seconds=5))
    assert fault is not None and fault.stuck_in_queue and fault.media_missing_seconds == 5
    assert plan.job_fault("runware") is None
