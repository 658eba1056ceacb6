"""Bad input never crashes: random bodies for every control endpoint and random fault
words for the provider endpoints never produce a 5xx the client did not ask for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.sandbox.helpers import T2V, auth

ENDPOINTS = [
    ("POST", "/_emulator/clock/advance"),
    ("POST", "/_emulator/clock/set"),
    ("POST", "/_emulator/clock/speed"),
    ("PUT", "/_emulator/progression"),
    ("POST", "/_emulator/seed"),
    ("POST", "/_emulator/jobs/nope/fail"),
    ("POST", "/_emulator/faults/script"),
    ("PUT", "/_emulator/faults/chaos"),
    ("POST", "/_emulator/faults/arm"),
    ("PUT", "/_emulator/faults/webhooks"),
    ("POST", "/_emulator/balances"),
    ("PUT", "/_emulator/settings"),
]
KEYS = [
    "seconds", "time", "speed", "kind", "model", "queue_seconds", "run_polls", "seed",
    "message", "code", "operation", "steps", "fault", "times", "count", "provider",
    "error_rate", "error_statuses", "latency_seconds", "operations", "duplicates",
    "delay_seconds", "key", "tenant", "balance", "max_active_per_key", "reject_retired",
]  # fmt: skip
scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
bodies = st.dictionaries(st.sampled_from(KEYS), values, max_size=4) | values


class SyncClient:
    """An in-process client on a private event loop: Hypothesis calls tests synchronously,
    and app exceptions propagate (ASGITransport re-raises them), so a crash fails loudly."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        transport = httpx.ASGITransport(app=app)
        self.client = httpx.AsyncClient(transport=transport, base_url="http://sora.test")

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return self.loop.run_until_complete(self.client.request(method, path, **kw))

    def post(self, path: str, **kw: Any) -> httpx.Response:
        return self.request("POST", path, **kw)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


@pytest.fixture(scope="module")
def client(tmp_path_factory) -> Iterator[SyncClient]:  # type: ignore[no-untyped-def]
    media = tmp_path_factory.mktemp("media")
    app = create_app(Config(clock="manual", media_dir=str(media)), clock=ManualClock())
    c = SyncClient(app)
    yield c
    c.close()


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(endpoint=st.sampled_from(ENDPOINTS), body=bodies)
def test_control_endpoints_answer_4xx_or_2xx(client: SyncClient, endpoint, body) -> None:  # type: ignore[no-untyped-def]
    method, path = endpoint
    # NaN and Infinity are sent as such: Python's json module on the server accepts them
    r = client.request(method, path, content=json.dumps(body))
    assert r.status_code < 500, (method, path, body, r.text)
    assert isinstance(r.json(), dict)
    client.post("/_emulator/reset")


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(words=st.text(alphabet="abcdehilmnoprstuwy0123456789-@=., ", max_size=30))
def test_fault_words_never_crash_a_provider(client: SyncClient, words: str) -> None:  # type: ignore[no-untyped-def]
    if "drop" in words or "latency" in words:
        return  # these act on the socket and the wall clock, tested elsewhere
    r = client.post(
        f"/v1/models/{T2V}",
        json={"prompt": f"a fox [sora-mock:{words}]"},
        headers=auth(**{"X-Sora-Mock-Fault": words}),
    )
    assert r.status_code < 500 or "http-5" in words, (words, r.text)
    client.post("/_emulator/reset")
