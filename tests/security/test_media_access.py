"""Media exists for a client only once its job has succeeded.

A queued job's clip URL answered 200, and still did after the job was cancelled
(unbilled). Its URL is visible early (the control API lists it), so it is probed here.
"""

from __future__ import annotations

import pytest

from tests.support import AUTH

pytestmark = pytest.mark.anyio

T2V = "/v1/models/openai/sora-2/text-to-video"
NOT_FOUND = {"error": "not_found", "message": "no such media"}


async def submit(client, prompt: str) -> tuple[str, str]:
    r = await client.post(T2V, json={"prompt": prompt, "seconds": 4}, headers=AUTH)
    job = r.json()["request_id"]
    view = (await client.get(f"/_emulator/jobs/{job}")).json()
    return job, view["outputs"][0]["media_url"]


async def test_a_queued_then_cancelled_jobs_clip_is_not_served(client) -> None:
    job, url = await submit(client, "queued, then cancelled")
    for method in ("GET", "HEAD"):
        r = await client.request(method, url)
        assert r.status_code == 404
    assert (await client.get(url)).json() == NOT_FOUND
    assert (await client.post(f"/v1/requests/{job}/cancel", headers=AUTH)).status_code == 202
    r = await client.get(url)
    assert r.status_code == 404 and r.json() == NOT_FOUND


async def test_a_running_job_is_not_served_until_it_succeeds(client) -> None:
    job, url = await submit(client, "running")
    await client.post("/_emulator/clock/advance", json={"seconds": 5})
    status = (await client.get(f"/v1/requests/{job}/status", headers=AUTH)).json()["status"]
    assert status == "in_progress"
    assert (await client.get(url)).status_code == 404
    await client.post("/_emulator/clock/advance", json={"seconds": 60})
    r = await client.get(url)  # the clock made it a success: no poll needed first
    assert r.status_code == 200 and r.content[4:8] == b"ftyp"


async def test_a_failed_jobs_clip_is_not_served(client) -> None:
    job, url = await submit(client, "fails")
    failed = await client.post(f"/_emulator/jobs/{job}/fail", json={"kind": "provider"})
    assert failed.json()["state"] == "failed"
    assert (await client.get(url)).status_code == 404


async def test_after_a_reset_the_clip_is_gone_too(client) -> None:
    job, url = await submit(client, "reset")
    await client.post(f"/_emulator/jobs/{job}/complete")
    assert (await client.get(url)).status_code == 200
    await client.post("/_emulator/reset")
    assert (await client.get(url)).status_code == 404
