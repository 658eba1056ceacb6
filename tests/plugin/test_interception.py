"""Interception: the providers' real hostnames answered by a running emulator, offline.

Driven through ``start_sora_mock`` directly (what the plugin's fixtures use): sync and
async httpx clients, links that stay on intercepted hosts, faults that travel through,
unmocked hosts that fail, and an integrator's own respx routes alongside.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import anyio
import httpx
import pytest
import respx

from mock_server.testing import SoraMock, start_sora_mock

AUTH = {"Authorization": "Bearer sk-integrator"}
RUNCOMFY = "https://model-api.runcomfy.net"
RUNWARE = "https://api.runware.ai/v1"


@pytest.fixture
def mock() -> Iterator[SoraMock]:
    with start_sora_mock(progression="immediate") as running, running.intercept():
        yield running


def task(**extra: object) -> dict[str, object]:
    fields = {"model": "openai:3@1", "positivePrompt": "a kite", "width": 1280, "height": 720}
    return {"taskType": "videoInference", "taskUUID": str(uuid.uuid4()), **fields,
            "duration": 4, **extra}  # fmt: skip


def test_sync_code_reaches_the_emulator_and_links_stay_intercepted(mock: SoraMock) -> None:
    submitted = httpx.post(f"{RUNCOMFY}/v1/models/openai/sora-2/text-to-video",
                           json={"prompt": "a kite"}, headers=AUTH)  # fmt: skip
    assert submitted.status_code == 200, submitted.text
    links = submitted.json()
    assert links["status_url"].startswith(f"{RUNCOMFY}/v1/requests/")
    assert httpx.get(links["status_url"], headers=AUTH).json()["status"] == "completed"
    video = httpx.get(links["result_url"], headers=AUTH).json()["output"]["video"]
    assert video.startswith(f"{RUNCOMFY}/media/")
    clip = httpx.get(video)
    assert clip.status_code == 200 and clip.content[4:8] == b"ftyp"
    assert [e["operation"] for e in mock.journal(provider="runcomfy")][-1] == "runcomfy.submit"


@pytest.mark.anyio
async def test_async_code_reaches_the_emulator(mock: SoraMock) -> None:
    sent = task()
    async with httpx.AsyncClient(headers=AUTH) as client:
        assert (await client.post(RUNWARE, json=[sent])).status_code == 200
        polled = await client.post(
            RUNWARE, json=[{"taskType": "getResponse", "taskUUID": sent["taskUUID"]}]
        )
        (item,) = polled.json()["data"]
        assert item["status"] == "success" and item["videoURL"].startswith(
            "https://api.runware.ai/media/"
        )
        assert (await client.get(item["videoURL"])).content[4:8] == b"ftyp"


@pytest.mark.anyio
async def test_a_held_async_request_leaves_the_event_loop_free() -> None:
    """Runware's sync delivery holds the request until the job ends; the test's own
    loop must stay free meanwhile, to move the manual clock that ends it."""
    with start_sora_mock() as running, running.intercept():
        async with (
            httpx.AsyncClient(headers=AUTH, timeout=30) as client,
            anyio.create_task_group() as tg,
        ):
            answers: list[httpx.Response] = []

            async def held() -> None:
                answers.append(await client.post(RUNWARE, json=[task(deliveryMethod="sync")]))

            tg.start_soon(held)
            while not running.jobs():
                await anyio.sleep(0.01)
            await anyio.to_thread.run_sync(running.advance, 60)
        assert answers[0].json()["data"][0]["status"] == "success"


def test_faults_travel_through_interception(mock: SoraMock) -> None:
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.post(RUNWARE, json=[task()], headers={**AUTH, "X-Sora-Mock-Fault": "drop"})
    limited = httpx.post(RUNWARE, json=[task()], headers={**AUTH, "X-Sora-Mock-Fault": "http-429"})
    assert limited.status_code == 429 and limited.headers["retry-after"] == "1"


@pytest.mark.anyio
async def test_unmocked_hosts_fail_instead_of_leaking(mock: SoraMock) -> None:
    with pytest.raises(respx.models.AllMockedAssertionError):
        httpx.get("https://example.com/")
    async with httpx.AsyncClient() as client:
        with pytest.raises(respx.models.AllMockedAssertionError):
            await client.get("https://runware.ai.example.net/v1")
    assert httpx.get(f"{mock.base_url}/_emulator/health").status_code == 200  # loopback passes


def test_an_integrators_own_routes_work_alongside(mock: SoraMock) -> None:
    with respx.mock(assert_all_called=True) as own:
        own.get("https://hooks.example.org/ping").respond(200, json={"pong": True})
        assert httpx.get("https://hooks.example.org/ping").json() == {"pong": True}
        ping = httpx.post(RUNWARE, json=[{"taskType": "ping", "ping": True}], headers=AUTH)
        assert ping.json() == {"data": [{"taskType": "ping", "pong": True}]}
        before = mock.now()
        assert mock.advance(1) == before + 1  # the control API never meets anyone's respx
