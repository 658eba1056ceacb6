"""Runware refuses what its contract forbids, in its own words, and neither renders nor
bills it (contracts/schemas/runware/video-inference-task.json).

These tasks used to be accepted, rendered and billed.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support import AUTH

pytestmark = pytest.mark.anyio

TASK_UUID = "6f1d9c1e-1b7a-4d5e-9c3b-2a1f0e9d8c7b"
FORBIDDEN: list[tuple[str, dict[str, Any]]] = [
    ("fps", {"fps": "abc"}),
    ("fps", {"fps": -5}),
    ("negativePrompt", {"negativePrompt": 123}),
    ("safety", {"safety": "x"}),
    ("safety", {"safety": {"mode": "bogus"}}),
    ("providerSettings", {"providerSettings": 5}),
    ("inputs", {"inputs": {"foo": 1}}),
    ("taskUUID", {"taskUUID": "00000000-0000-0000-0000-000000000000"}),  # nil
    ("taskUUID", {"taskUUID": "c232ab00-9414-11ec-b3c8-9e6bdeced846"}),  # version 1
    ("ttl", {"ttl": 10**400}),  # would overflow the expiry time
    ("ttl", {"ttl": 31_536_001}),
    ("seed", {"seed": 2**63 - 1, "numberResults": 2}),  # the second result's seed: 2**63
]


def task(**fields: Any) -> dict[str, Any]:
    return {
        "taskType": "videoInference",
        "taskUUID": TASK_UUID,
        "model": "openai:3@1",
        "positivePrompt": "a lighthouse at dusk",
        "width": 1280,
        "height": 720,
        "duration": 4,
        **fields,
    }


@pytest.mark.parametrize(("field", "fields"), FORBIDDEN, ids=[repr(f)[:60] for _, f in FORBIDDEN])
async def test_a_forbidden_value_is_refused_and_neither_rendered_nor_billed(
    client, field: str, fields: dict[str, Any]
) -> None:
    r = await client.post("/v1", json=[task(**fields)], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert error["parameter"].split(".")[0] == field, error
    assert error["code"].startswith("invalid") or error["code"] == "unsupportedParameter"
    assert (await client.get("/_emulator/jobs")).json()["jobs"] == []
    assert (await client.get("/_emulator/ledger")).json()["tenants"] == []


@pytest.mark.parametrize("fields", [{}, {"fps": 24}, {"safety": {"mode": "fast"}}])
async def test_what_the_contract_permits_is_accepted(client, fields: dict[str, Any]) -> None:
    r = await client.post("/v1", json=[task(**fields)], headers=AUTH)
    assert r.status_code == 200, r.text
    assert r.json()["data"][0]["taskUUID"] == TASK_UUID


@pytest.mark.parametrize(
    ("ping", "code", "parameter"),
    [
        ({"ping": True, "extra": 1}, "unsupportedParameter", "extra"),
        ({"ping": True, "taskUUID": TASK_UUID}, "unsupportedParameter", "taskUUID"),
        ({"ping": "yes"}, "invalidPing", "ping"),
        ({}, "missingPing", "ping"),
    ],
)
async def test_a_ping_task_beyond_its_contract_is_refused_in_runwares_words(
    client, ping: dict[str, Any], code: str, parameter: str
) -> None:
    r = await client.post("/v1", json=[{"taskType": "ping", **ping}], headers=AUTH)
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert (error["code"], error["parameter"], error["taskType"]) == (code, parameter, "ping")


async def test_a_ping_task_as_its_contract_says_is_answered(client) -> None:
    r = await client.post("/v1", json=[{"taskType": "ping", "ping": True}], headers=AUTH)
    assert r.json() == {"data": [{"taskType": "ping", "pong": True}]}


async def test_a_get_response_with_other_fields_is_refused(client) -> None:
    r = await client.post(
        "/v1", json=[{"taskType": "getResponse", "taskUUID": TASK_UUID, "extra": 1}], headers=AUTH
    )
    assert r.status_code == 400, r.text
    (error,) = r.json()["errors"]
    assert (error["code"], error["parameter"]) == ("unsupportedParameter", "extra")
