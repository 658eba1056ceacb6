"""One client code base: each operation is a flow of effects (send, sleep, stream) that
the blocking and the async transport run the same way, so both clients expose the same
methods and make the same requests, retries and sleeps."""

from __future__ import annotations

import inspect
import random
from types import FunctionType

import httpx
import pytest
import respx

from client import (
    AsyncRunComfyClient,
    AsyncRunwareClient,
    NotFound,
    RunComfyClient,
    RunwareClient,
    State,
    TransportError,
)
from client._flow import Send, Sleep, operation
from tests.client.conftest import QUEUED, RID, STATUS

PAIRS = [(RunComfyClient, AsyncRunComfyClient), (RunwareClient, AsyncRunwareClient)]


def _methods(client: object) -> dict[str, inspect.Signature]:
    """A client's methods (operations and plain methods) by name, with their signatures."""
    return {
        name: inspect.signature(getattr(client, name))
        for name, member in inspect.getmembers(type(client))
        if not name.startswith("_") and isinstance(member, operation | FunctionType)
    }


@pytest.mark.parametrize(("sync", "async_"), PAIRS)
def test_both_clients_have_the_same_methods_with_the_same_parameters(sync, async_) -> None:
    blocking, awaitable = sync("k"), async_("k")
    methods = _methods(blocking)
    assert methods.pop("close") == _methods(awaitable).pop("aclose")
    assert {"submit", "status", "result", "wait", "generate", "download"} <= set(methods)
    assert methods == {n: s for n, s in _methods(awaitable).items() if n != "aclose"}
    for name in methods:
        assert inspect.iscoroutinefunction(getattr(awaitable, name)), name
        assert not inspect.iscoroutinefunction(getattr(blocking, name)), name
    blocking.close()


def test_an_operation_keeps_its_name_and_documentation() -> None:
    status = RunComfyClient("k").status
    assert status.__name__ == "status" and "job_id" in inspect.signature(status).parameters
    assert "finished video" in (RunwareClient("k").result.__doc__ or "")


def test_a_flow_runs_without_any_io() -> None:
    """Driven by hand: the flow asks for a request, gets a refused connection thrown at
    it, asks for a sleep, asks again, and parses the answer it is given."""
    client = RunComfyClient("k", rng=random.Random(1))
    flow = client._status_flow(RID)
    first = next(flow)
    assert isinstance(first, Send) and first.request["url"] == STATUS
    assert first.request["headers"]["Authorization"] == "Bearer k"
    pause = flow.throw(httpx.ConnectError("refused"))
    assert isinstance(pause, Sleep) and pause.seconds > 0
    assert flow.send(None) == first
    with pytest.raises(StopIteration) as done:
        flow.send(httpx.Response(200, json=QUEUED))
    status = done.value.value
    assert (status.state, status.queue_position) == (State.QUEUED, 2)


def _scripted() -> list[httpx.Response | Exception]:
    return [
        httpx.Response(502),
        httpx.ConnectError("reset"),
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(200, json=QUEUED),
    ]


@respx.mock
def test_the_blocking_client_retries_and_sleeps() -> None:
    respx.get(STATUS).mock(side_effect=_scripted())
    slept: list[float] = []
    with RunComfyClient("k", sleep=slept.append, rng=random.Random(3)) as rc:
        status = rc.status(RID)
    assert status.queue_position == 2 and len(slept) == 3 and slept[2] >= 3


@pytest.mark.anyio
@respx.mock
async def test_the_async_client_makes_the_same_requests_and_sleeps() -> None:
    route = respx.get(STATUS).mock(side_effect=_scripted())
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async with AsyncRunComfyClient("k", sleep=sleep, rng=random.Random(3)) as rc:
        status = await rc.status(RID)
    assert route.call_count == 4
    expected: list[float] = []
    with respx.mock:
        respx.get(STATUS).mock(side_effect=_scripted())
        with RunComfyClient("k", sleep=expected.append, rng=random.Random(3)) as blocking:
            assert blocking.status(RID) == status
    assert slept == expected and len(slept) == 3


@pytest.mark.anyio
@respx.mock
async def test_async_download_streams_restarts_and_gives_up_like_the_blocking_one(
    tmp_path,
) -> None:
    payload = bytes(range(256)) * 700
    url = "https://cdn.example.com/clip.mp4"
    respx.get(url).mock(
        side_effect=[httpx.ConnectError("reset"), httpx.Response(200, content=payload)]
    )
    respx.get("https://cdn.example.com/gone.mp4").mock(
        return_value=httpx.Response(404, text="gone")
    )
    respx.get("https://cdn.example.com/down.mp4").mock(side_effect=httpx.ConnectError("refused"))
    seen: list[int] = []

    async def sleep(seconds: float) -> None:
        pass

    async with AsyncRunComfyClient("k", sleep=sleep) as rc:
        path = await rc.download(url, tmp_path / "clip.mp4", lambda got, _: seen.append(got))
        assert path.read_bytes() == payload and seen[-1] == len(payload)
        with pytest.raises(NotFound, match="gone"):
            await rc.download("https://cdn.example.com/gone.mp4", tmp_path / "gone.mp4")
        with pytest.raises(TransportError):
            await rc.download("https://cdn.example.com/down.mp4", tmp_path / "down.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


@respx.mock
def test_requests_name_the_client_and_its_installed_version() -> None:
    from importlib.metadata import version

    route = respx.get(STATUS).mock(return_value=httpx.Response(200, json=QUEUED))
    with RunComfyClient("k") as rc:
        rc.status(RID)
    assert (
        route.calls.last.request.headers["User-Agent"] == f"sora-mock-client/{version('sora-mock')}"
    )
