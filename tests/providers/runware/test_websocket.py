"""The WebSocket API on /v1 against a real uvicorn server (manual clock, loopback only)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets.asyncio.client import ClientConnection

from mock_server.core.clock import ManualClock
from mock_server.core.jobs import Failure
from mock_server.core.store import Store
from mock_server.emulator import Emulator
from mock_server.providers.runware import RunwareSettings
from tests.providers.runware.helpers import KEY, LiveServer, poll, video_task

pytestmark = pytest.mark.anyio

AUTH = {"taskType": "authentication", "apiKey": KEY}
PING = {"taskType": "ping", "ping": True}
PONG = {"data": [{"taskType": "ping", "pong": True}]}


@pytest.fixture
def server(app: Starlette) -> Iterator[LiveServer]:
    with LiveServer(app) as live:
        yield live


async def send(ws: ClientConnection, *tasks: Any) -> None:
    await ws.send(json.dumps(list(tasks)))


async def recv(ws: ClientConnection) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), 10))


async def ask(ws: ClientConnection, *tasks: Any) -> dict[str, Any]:
    await send(ws, *tasks)
    return await recv(ws)


async def login(ws: ClientConnection, **extra: str) -> str:
    reply = await ask(ws, {**AUTH, **extra})
    (item,) = reply["data"]
    assert item["taskType"] == "authentication"
    return str(item["connectionSessionUUID"])


def _has_job(emu: Emulator, task: str) -> bool:
    """Whether the server's in-memory store holds the task (read across threads)."""
    store = emu.engine.store
    assert isinstance(store, Store)
    return task in store


async def until(condition: Callable[[], bool], timeout: float = 10) -> None:
    """Poll a condition on the server's state (it lives in another thread)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.005)


async def test_authentication_comes_first_and_ping_always_works(server: LiveServer) -> None:
    async with websockets.connect(server.ws_url) as ws:
        assert await ask(ws, PING) == PONG
        task = str(uuid.uuid4())
        (error,) = (await ask(ws, video_task(task)))["errors"]
        assert (error["code"], error["taskUUID"]) == ("missingApiKey", task)
        (error,) = (await ask(ws, {**AUTH, "apiKey": "sora-mock-invalid-key"}))["errors"]
        assert (error["code"], error["taskType"]) == ("invalidApiKey", "authentication")
        uuid.UUID(await login(ws))
        assert await ask(ws, PING) == PONG


async def test_async_task_acknowledged_once_then_polled(
    server: LiveServer, clock: ManualClock, emu: Emulator
) -> None:
    task = str(uuid.uuid4())
    async with websockets.connect(server.ws_url) as ws:
        await login(ws)
        ack = await ask(ws, video_task(task, numberResults=2))
        assert ack == {"data": [{"taskType": "videoInference", "taskUUID": task}]}
        assert await ask(ws, PING) == PONG  # exactly one acknowledgement frame came
        processing = (await ask(ws, poll(task)))["data"]
        assert [p["status"] for p in processing] == ["processing"]
        clock.advance(60)
        done = await ask(ws, poll(task))
        assert [i["status"] for i in done["data"]] == ["success", "success"]
        job = await emu.engine.store.get(task)
        assert job is not None
        assert [i["videoUUID"] for i in done["data"]] == [o.uuid for o in job.outputs]
        assert done["data"][0]["videoURL"].startswith(server.url + "/media/")


async def test_bad_messages_and_failures_do_not_end_the_connection(
    server: LiveServer, emu: Emulator
) -> None:
    async with websockets.connect(server.ws_url) as ws:
        await login(ws)
        await ws.send("not json")
        assert (await recv(ws))["errors"][0]["code"] == "invalidRequestBody"
        await ws.send(b'{"taskType": "ping"}')
        assert (await recv(ws))["errors"][0]["code"] == "invalidRequestBody"
        await ws.send(b'[{"taskType": "ping", "ping": true, "x": "\xff"}]')  # not UTF-8
        assert (await recv(ws))["errors"][0]["code"] == "invalidRequestBody"  # as REST says
        assert (await ask(ws, {"taskType": "nope"}))["errors"][0]["code"] == "invalidTaskType"
        task = str(uuid.uuid4())
        await ask(ws, video_task(task))
        await server.acall(emu.engine.fail(task, Failure("moderation", "blocked")))
        (error,) = (await ask(ws, poll(task)))["errors"]
        assert (error["code"], error["taskUUID"]) == ("providerContentPolicyViolation", task)
        assert await ask(ws, PING) == PONG


async def test_a_sync_task_answers_in_one_frame_when_ready(
    server: LiveServer, clock: ManualClock, emu: Emulator
) -> None:
    task = str(uuid.uuid4())
    async with websockets.connect(server.ws_url) as ws:
        await login(ws)
        await send(ws, video_task(task, deliveryMethod="sync", numberResults=2))
        await until(lambda: _has_job(emu, task))
        assert await ask(ws, PING) == PONG  # held: the connection still serves other tasks
        clock.advance(60)
        done = await recv(ws)
        assert [(i["taskUUID"], i["status"]) for i in done["data"]] == [(task, "success")] * 2


async def test_a_resumed_session_replays_what_it_missed(
    server: LiveServer, clock: ManualClock, emu: Emulator, app: Starlette
) -> None:
    sessions = app.state.mounts["runware"].api.sessions
    task = str(uuid.uuid4())
    async with websockets.connect(server.ws_url) as ws:
        sid = await login(ws)
        await send(ws, video_task(task, deliveryMethod="sync"))  # held: no frame yet
        await until(lambda: _has_job(emu, task))
    await until(lambda: sessions.get(sid).socket is None)
    clock.advance(60)
    await until(lambda: len(sessions.get(sid).backlog) == 1)  # finished while away

    async with websockets.connect(server.ws_url) as ws:
        assert await login(ws, connectionSessionUUID=sid) == sid
        (item,) = (await recv(ws))["data"]
        assert (item["taskUUID"], item["status"]) == (task, "success")
        assert await ask(ws, PING) == PONG


async def test_an_expired_session_starts_afresh(
    server: LiveServer, clock: ManualClock, emu: Emulator, app: Starlette
) -> None:
    sessions = app.state.mounts["runware"].api.sessions
    async with websockets.connect(server.ws_url) as ws:
        sid = await login(ws)
    await until(lambda: sessions.get(sid).socket is None)
    clock.advance(emu.config.settings(RunwareSettings).ws_resume + 1)
    async with websockets.connect(server.ws_url) as ws:
        fresh = await login(ws, connectionSessionUUID=sid)
    assert fresh != sid


async def test_an_idle_connection_is_closed_on_the_engine_clock(
    server: LiveServer, clock: ManualClock
) -> None:
    async with websockets.connect(server.ws_url) as ws:
        await login(ws)
        clock.advance(100)
        assert await ask(ws, PING) == PONG  # a message restarts the idle timer
        clock.advance(100)
        assert await ask(ws, PING) == PONG
        clock.advance(120)
        with pytest.raises(websockets.ConnectionClosedOK):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code == 1000
