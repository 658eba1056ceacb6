"""Webhooks: the provider-neutral dispatcher, and Runware's result envelopes through it."""

from __future__ import annotations

import json
import uuid

import pytest

from mock_server.core.clock import ManualClock, ScaledClock
from mock_server.core.jobs import Failure
from mock_server.emulator import Emulator
from mock_server.http.webhooks import WebhookDispatcher
from tests.providers.runware.conftest import Api
from tests.providers.runware.helpers import Receiver, poll, video_task
from tests.support import free_port

pytestmark = pytest.mark.anyio


def test_only_allowed_hosts_and_http_schemes() -> None:
    hooks = WebhookDispatcher(ManualClock(), allowed_hosts=("127.0.0.1", "localhost", "::1"))
    assert hooks.allowed("http://127.0.0.1:8080/hook?token=1")
    assert hooks.allowed("https://LOCALHOST/hook")
    assert hooks.allowed("http://[::1]:9000/")
    assert not hooks.allowed("https://example.com/hook")
    assert not hooks.allowed("ftp://127.0.0.1/hook")
    assert not hooks.allowed("not a url")
    assert not hooks.allowed("http://[::1/")
    assert WebhookDispatcher(ManualClock(), allowed_hosts=("*",)).allowed("https://example.com/")


async def test_retries_follow_the_engine_clock() -> None:
    clock = ManualClock()
    hooks = WebhookDispatcher(clock, backoff=2.0, max_attempts=5)
    start = clock.now()
    async with Receiver([500, 503, 200]) as target:
        delivery = hooks.submit(target.url, {"data": [1]}, source="test", ref="r1")
        await hooks.wait_for(lambda: delivery.state == "retrying")
        assert delivery.next_attempt_at == start + 2
        assert len(target.bodies) == 1  # nothing more until the clock moves
        clock.advance(2)
        await hooks.wait_for(lambda: len(delivery.attempts) == 2 and delivery.state == "retrying")
        assert delivery.next_attempt_at == start + 2 + 4
        clock.advance(4)
        await hooks.wait_for(lambda: delivery.done)
        assert await target.received(3) == [{"data": [1]}] * 3
    assert delivery.state == "delivered"
    assert [a.status for a in delivery.attempts] == [500, 503, 200]
    assert [a.at - start for a in delivery.attempts] == [0, 2, 6]
    assert target.paths[0] == "/hooks/runware?token=abc"
    await hooks.aclose()


async def test_retries_on_a_scaled_clock_as_the_server_builds_it() -> None:
    hooks = WebhookDispatcher(ScaledClock(1000.0), backoff=2.0)  # 2 emulated s = 2 ms
    async with Receiver([500, 200]) as target:
        delivery = hooks.submit(target.url, {"ok": True}, source="t", ref="r")
        await hooks.wait_for(lambda: delivery.done)
    assert [a.status for a in delivery.attempts] == [500, 200]
    await hooks.aclose()


async def test_gives_up_after_the_last_attempt_and_logs_why() -> None:
    clock = ManualClock()
    hooks = WebhookDispatcher(clock, backoff=1.0, max_attempts=2, timeout=2)
    delivery = hooks.submit(f"http://127.0.0.1:{free_port()}/", {"x": 1}, source="t", ref="r")
    await hooks.wait_for(lambda: delivery.state == "retrying")
    clock.advance(1)
    await hooks.wait_for(lambda: delivery.done)
    assert delivery.state == "failed"
    assert all(a.status is None and a.error for a in delivery.attempts)
    listing = hooks.snapshot()
    assert json.loads(json.dumps(listing))[0]["attempts"][1]["number"] == 2
    await hooks.aclose()


async def test_closing_cancels_a_waiting_retry() -> None:
    hooks = WebhookDispatcher(ManualClock(), backoff=10.0)
    async with Receiver([500]) as target:
        delivery = hooks.submit(target.url, {}, source="t", ref="r")
        await hooks.wait_for(lambda: delivery.state == "retrying")
        await hooks.aclose()
    assert delivery.state == "cancelled"


def test_a_disallowed_url_is_refused() -> None:
    hooks = WebhookDispatcher(ManualClock())
    with pytest.raises(ValueError):
        hooks.submit("https://example.com/", {}, source="t", ref="r")


async def test_each_finished_video_is_posted_in_the_result_envelope(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    task = str(uuid.uuid4())
    hooks = emu.webhooks
    async with Receiver() as target:
        ack = await api(video_task(task, webhookURL=target.url, numberResults=2, includeCost=True))
        assert ack.json() == {"data": [{"taskType": "videoInference", "taskUUID": task}]}
        clock.advance(60)
        assert await emu.engine.tick() == 1  # the scheduler's work, done by hand
        bodies = await target.received(2)
    polled = (await api(poll(task))).json()["data"]
    assert bodies == [{"data": [polled[0]]}, {"data": [polled[1]]}]
    assert bodies[0]["data"][0]["cost"] == 0.4
    logged = hooks.deliveries(source="runware", ref=task)
    await hooks.wait_for(lambda: all(d.done for d in logged))
    assert [d.state for d in logged] == ["delivered", "delivered"]
    assert logged[0].url == target.url


async def test_a_failed_generation_is_posted_as_errors(api: Api, emu: Emulator) -> None:
    task = str(uuid.uuid4())
    async with Receiver() as target:
        await api(video_task(task, webhookURL=target.url))
        await emu.engine.fail(task, Failure("timeout", "too slow"))
        (body,) = await target.received(1)
    (error,) = body["errors"]
    assert (error["code"], error["status"], error["taskUUID"]) == ("timeoutProvider", "error", task)
    assert "data" not in body


async def test_a_rejected_webhook_is_retried_for_runware_too(
    api: Api, emu: Emulator, clock: ManualClock
) -> None:
    task = str(uuid.uuid4())
    hooks = emu.webhooks
    async with Receiver([502]) as target:
        await api(video_task(task, webhookURL=target.url))
        clock.advance(60)
        await emu.engine.tick()
        (delivery,) = hooks.deliveries(ref=task)
        await hooks.wait_for(lambda: delivery.state == "retrying")
        clock.advance(emu.config.webhook_backoff)
        await hooks.wait_for(lambda: delivery.done)
        first, second = await target.received(2)
    assert first == second and first["data"][0]["status"] == "success"
    assert [a.status for a in delivery.attempts] == [502, 200]
