"""Retries only where they are safe, capped exponential backoff with jitter, and
downloads that restart on server errors."""

from __future__ import annotations

import random

import httpx
import pytest
import respx
from hypothesis import given, settings
from hypothesis import strategies as st

from client import (
    Backoff,
    NotFound,
    RateLimited,
    RetryPolicy,
    RunComfyClient,
    ServerError,
    State,
    TransportError,
    WaitTimeout,
)
from tests.client.conftest import API, QUEUED, RID, STATUS


class FakeTime:
    """An injectable sleep and clock: sleeping moves the clock, nothing waits."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


@pytest.fixture
def rc(fake):
    with RunComfyClient("k", sleep=fake.sleep, clock=fake.clock, rng=random.Random(7)) as client:
        yield client


@respx.mock
@pytest.mark.parametrize("failure", [httpx.Response(503), httpx.ConnectError("refused")])
def test_a_submit_is_never_resent(rc, fake, failure) -> None:
    route = respx.post(f"{API}/v1/models/openai/sora-2/text-to-video")
    route.side_effect = [failure, httpx.Response(200, json={})]
    with pytest.raises((ServerError, TransportError)):
        rc.submit("openai/sora-2/text-to-video", "a kite")
    assert route.call_count == 1 and fake.sleeps == []


@respx.mock
def test_status_is_retried_on_5xx_and_connection_errors(rc, fake) -> None:
    route = respx.get(STATUS).mock(
        side_effect=[
            httpx.Response(502),
            httpx.ConnectError("reset"),
            httpx.Response(200, json=QUEUED),
        ]
    )
    status = rc.status(RID)
    assert (status.state, status.queue_position, route.call_count) == (State.QUEUED, 2, 3)
    policy = RetryPolicy()
    assert len(fake.sleeps) == 2
    for attempt, slept in enumerate(fake.sleeps):
        nominal = min(policy.backoff.cap, policy.backoff.initial * policy.backoff.factor**attempt)
        assert nominal * 0.8 <= slept <= nominal * 1.2


@respx.mock
def test_retry_after_is_honoured_and_the_last_429_is_raised(rc, fake) -> None:
    limited = httpx.Response(
        429, headers={"Retry-After": "5"}, json={"error_code": 429001, "error_message": "slow down"}
    )
    respx.get(STATUS).mock(return_value=limited)
    with pytest.raises(RateLimited) as caught:
        rc.status(RID)
    assert caught.value.retry_after == 5 and caught.value.code == 429001
    assert len(fake.sleeps) == RetryPolicy().attempts - 1 and min(fake.sleeps) >= 5


@respx.mock
def test_a_cancel_is_retried_because_repeating_it_is_harmless(rc) -> None:
    body = {"request_id": RID, "status": "cancelled", "outcome": "cancelled"}
    route = respx.post(f"{API}/v1/requests/{RID}/cancel").mock(
        side_effect=[httpx.ConnectError("reset"), httpx.Response(202, json=body)]
    )
    assert rc.cancel(RID).cancelled and route.call_count == 2


@respx.mock
def test_http_200_with_an_error_code_is_an_error(rc) -> None:
    respx.get(STATUS).mock(
        return_value=httpx.Response(200, json={"error_code": 404001, "error_message": "gone"})
    )
    with pytest.raises(NotFound) as caught:
        rc.status(RID)
    assert (caught.value.status, caught.value.code, caught.value.message) == (404, 404001, "gone")


@respx.mock
def test_wait_stops_at_its_timeout_with_growing_capped_intervals(fake) -> None:
    respx.get(STATUS).mock(return_value=httpx.Response(200, json=QUEUED))
    poll = Backoff(initial=1.0, factor=2.0, cap=8.0, jitter=0.0)
    rc = RunComfyClient("k", sleep=fake.sleep, clock=fake.clock, poll=poll)
    with rc, pytest.raises(WaitTimeout) as caught:
        rc.wait(RID, timeout=40)
    assert fake.sleeps == [1, 2, 4, 8, 8, 8, 8, 1]
    assert fake.now == 40 and caught.value.status.queue_position == 2


@respx.mock
def test_download_restarts_after_a_server_error_and_reports_progress(rc, tmp_path, fake) -> None:
    payload = bytes(range(256)) * 1000
    url = "https://cdn.example.com/clip.mp4"
    route = respx.get(url).mock(
        side_effect=[httpx.Response(503), httpx.Response(200, content=payload)]
    )
    seen: list[tuple[int, int | None]] = []
    path = rc.download(
        url, tmp_path / "clip.mp4", on_progress=lambda got, total: seen.append((got, total))
    )
    assert path.read_bytes() == payload and route.call_count == 2
    assert seen[-1] == (len(payload), len(payload))
    assert [got for got, _ in seen] == sorted(got for got, _ in seen)
    assert "authorization" not in route.calls[-1].request.headers


@respx.mock
def test_download_of_a_missing_clip_fails_without_leaving_a_file(rc, tmp_path) -> None:
    respx.get("https://cdn.example.com/gone.mp4").mock(return_value=httpx.Response(404))
    with pytest.raises(NotFound):
        rc.download("https://cdn.example.com/gone.mp4", tmp_path / "gone.mp4")
    assert list(tmp_path.iterdir()) == []


@settings(max_examples=100)  # as before the fast default profile of the contract suite
@given(
    initial=st.floats(0, 5),
    factor=st.floats(1, 4),
    cap=st.floats(0, 30),
    jitter=st.floats(0, 1),
    attempt=st.integers(0, 10_000),
    seed=st.integers(0, 2**32),
)
def test_backoff_is_capped_non_negative_and_jittered_within_bounds(
    initial, factor, cap, jitter, attempt, seed
) -> None:
    backoff = Backoff(initial, factor, cap, jitter)
    delay = backoff.delay(attempt, random.Random(seed))
    nominal = min(cap, initial * factor ** min(attempt, 64))
    assert 0 <= delay <= cap
    assert nominal * (1 - jitter) - 1e-9 <= delay <= min(cap, nominal * (1 + jitter)) + 1e-9


def test_nonsense_policies_are_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(factor=0.5)
    with pytest.raises(ValueError):
        RetryPolicy(attempts=0)
    with pytest.raises(ValueError):
        RunComfyClient("k", validation="loose")
    with pytest.raises(ValueError):
        RunComfyClient("")
