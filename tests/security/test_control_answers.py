"""The control API answers every request in one JSON error shape, bounded before any
allocation, in the emulator's own words.

These used to answer 500 (MemoryError, OverflowError), freeze the server for 19 s
while a 300-million-step list was built, or show Python's exception text
(``invalid literal for int()``, ``not enough values to unpack``).
"""

from __future__ import annotations

import json
import tracemalloc
from typing import Any

import pytest

from tests.fuzz.answers import exception_text

pytestmark = pytest.mark.anyio


def raw(body: Any) -> str:
    """JSON text for ``body``; the string "1e309" stands for that bare number (infinity
    once parsed), which json.dumps cannot write."""
    return json.dumps(body).replace('"1e309"', "1e309")


HOSTILE: list[tuple[str, str, Any]] = [
    ("POST", "/_emulator/faults/script", {"operation": "*", "fault": "http-429", "times": 10**12}),
    ("POST", "/_emulator/faults/script", {"operation": "*", "fault": "http-429", "times": 10**20}),
    ("POST", "/_emulator/faults/script", {"operation": "*", "fault": "http-429", "times": 1e12}),
    (
        "POST",
        "/_emulator/faults/script",
        {"operation": "*", "fault": "http-429", "times": 300_000_000},
    ),
    ("PUT", "/_emulator/faults/chaos", {"seed": "1e309"}),
    ("PUT", "/_emulator/faults/chaos", {"seed": 10**400}),
    ("PUT", "/_emulator/faults/chaos", {"error_statuses": ["1e309"]}),
    ("PUT", "/_emulator/faults/chaos", {"error_statuses": ["x"]}),
    ("PUT", "/_emulator/faults/chaos", {"error_statuses": [True]}),
    ("PUT", "/_emulator/faults/chaos", {"latency_seconds": [1]}),
    ("PUT", "/_emulator/faults/chaos", {"latency_seconds": [1, "x"]}),
    ("PUT", "/_emulator/faults/chaos", {"error_rate": "1e309"}),
    ("PUT", "/_emulator/faults/chaos", {"operations": 5}),
    ("POST", "/_emulator/faults/arm", {"fault": "moderation@30", "count": 10**30}),
    ("PUT", "/_emulator/faults/webhooks", {"duplicates": "1e309"}),
    ("POST", "/_emulator/reset", {"seed": 10**30}),
    ("POST", "/_emulator/seed", {"seed": -1}),
    ("POST", "/_emulator/clock/advance", {"seconds": 10**400}),
    ("POST", "/_emulator/clock/set", {"time": 10**400}),
    ("PUT", "/_emulator/progression", {"kind": "sideways"}),
    ("PUT", "/_emulator/progression", {"queue_seconds": 10**400}),
    ("PUT", "/_emulator/settings", {"max_active_per_key": 10**30}),
    ("POST", "/_emulator/balances", {"tenant": "t" * 5000, "balance": "1"}),
    ("POST", "/_emulator/jobs/nope/fail", {"message": "m" * 5000}),
]


@pytest.mark.parametrize(
    ("method", "path", "body"), HOSTILE, ids=[repr(b)[:60] for *_, b in HOSTILE]
)
async def test_a_hostile_value_gets_a_400_in_the_control_shape(
    client, method: str, path: str, body: Any
) -> None:
    tracemalloc.start()
    try:
        r = await client.request(method, path, content=raw(body))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == "application/json"
    answer = r.json()
    assert set(answer) == {"error", "message"} and answer["error"] == "bad_request"
    assert exception_text(answer["message"]) is None, answer
    assert peak < 16 * 1024 * 1024, f"{peak} bytes allocated for a refusal"


async def test_the_fault_plan_is_unchanged_after_refusals(client) -> None:
    before = (await client.get("/_emulator/faults")).json()
    for method, path, body in HOSTILE[:14]:
        await client.request(method, path, content=raw(body))
    assert (await client.get("/_emulator/faults")).json() == before


async def test_scripted_steps_are_bounded_overall(client) -> None:
    step = {"operation": "runcomfy.submit", "fault": "http-429", "times": 10_000}
    for _ in range(10):
        assert (await client.post("/_emulator/faults/script", json=step)).status_code == 201
    r = await client.post("/_emulator/faults/script", json=step)
    assert r.status_code == 400 and "at most 100000 scripted steps" in r.json()["message"]


async def test_valid_values_still_work(client) -> None:
    r = await client.put(
        "/_emulator/faults/chaos",
        json={
            "error_rate": 0.5,
            "error_statuses": [429, 503.0],
            "latency_seconds": [0, 1],
            "seed": 3,
        },
    )
    assert r.status_code == 200, r.text
    chaos = r.json()["chaos"]
    assert chaos["error_statuses"] == [429, 503] and chaos["seed"] == 3
    s = await client.post(
        "/_emulator/faults/script", json={"operation": "*", "fault": "http-429", "times": 3}
    )
    assert s.status_code == 201
    assert (await client.post("/_emulator/reset", json={"seed": 2**63 - 1})).status_code == 200
