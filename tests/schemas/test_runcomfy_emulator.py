"""The emulator's RunComfy dialect sends exactly what the contracts describe, for
every model and every state, and accepts exactly the bodies the contracts accept."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import Contracts
from mock_server.core.catalog import Catalog
from mock_server.core.jobs import Failure

pytestmark = pytest.mark.anyio

CONTRACTS = Contracts.default()
CATALOG = Catalog.load()
AUTH = {"Authorization": "Bearer test-key"}
MODELS = CONTRACTS.models("runcomfy")
IMAGE = "https://example.com/frame.png"


def _body(model: str, **fields: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"prompt": "a red kite over the sea", **fields}
    offer = CATALOG.get("runcomfy", model)
    for role in ("first_frame", "last_frame"):  # the frames the model's schema requires
        if offer.required(role):
            body.setdefault(offer.fields[role], IMAGE)
    return body


async def _get(client: httpx.AsyncClient, url: str, schema: str, code: int = 200) -> Any:
    r = await client.get(url, headers=AUTH)
    assert r.status_code == code, r.text
    CONTRACTS.check(schema, r.json())
    return r.json()


@pytest.mark.parametrize("model", MODELS)
async def test_every_state_of_every_model_keeps_the_contracts(client, clock, model) -> None:
    r = await client.post(f"/v1/models/{model}", json=_body(model), headers=AUTH)
    assert r.status_code == 200, r.text
    CONTRACTS.check(CONTRACTS.runcomfy_submit(model), _body(model))
    CONTRACTS.check("runcomfy/submit-response", r.json())
    rid = r.json()["request_id"]
    status, result = f"/v1/requests/{rid}/status", f"/v1/requests/{rid}/result?include_cost=true"
    seen = [(await _get(client, status, "runcomfy/status-response"))["status"]]
    assert (await _get(client, result, "runcomfy/result-response"))["status"] == "in_queue"
    clock.advance(3.5)
    seen.append((await _get(client, status, "runcomfy/status-response"))["status"])
    assert (await _get(client, result, "runcomfy/result-response"))["status"] == "in_progress"
    r = await client.post(f"/v1/requests/{rid}/cancel", headers=AUTH)
    assert r.status_code == 202
    CONTRACTS.check("runcomfy/cancel-response", r.json())
    assert r.json()["outcome"] == "not_cancellable"
    clock.advance(60)
    seen.append((await _get(client, status, "runcomfy/status-response"))["status"])
    done = await _get(client, result, "runcomfy/result-response")
    assert seen == ["in_queue", "in_progress", "completed"]
    assert done["status"] == "succeeded" and done["output"]["video"].endswith(".mp4")
    assert done["cost"] > 0
    info = await _get(client, f"/v1/models/{model}", "runcomfy/model-info")
    assert info["model_id"] == model


async def test_cancelled_and_failed_requests_keep_the_contracts(client, emu) -> None:
    model = MODELS[0]
    ids = []
    for _ in range(2):
        r = await client.post(f"/v1/models/{model}", json=_body(model), headers=AUTH)
        ids.append(r.json()["request_id"])
    r = await client.post(f"/v1/requests/{ids[0]}/cancel", headers=AUTH)
    CONTRACTS.check("runcomfy/cancel-response", r.json())
    assert r.json() == {"request_id": ids[0], "status": "cancelled", "outcome": "cancelled"}
    await _get(client, f"/v1/requests/{ids[0]}/status", "runcomfy/status-response")
    await _get(client, f"/v1/requests/{ids[0]}/result", "runcomfy/result-response")
    await emu.engine.fail(ids[1], Failure("moderation", "the prompt was refused"))
    failed = await _get(client, f"/v1/requests/{ids[1]}/result", "runcomfy/result-response")
    assert failed["status"] == "failed" and failed["error"] == "the prompt was refused"
    status = await _get(client, f"/v1/requests/{ids[1]}/status", "runcomfy/status-response")
    assert status["status"] == "failed"


@pytest.mark.parametrize(
    ("method", "url", "headers", "body", "code"),
    [
        ("GET", "/v1/requests/nope/status", AUTH, None, 404),
        ("GET", "/v1/requests/nope/result", {}, None, 401),
        ("POST", "/v1/requests/nope/cancel", {"Authorization": "Basic x"}, None, 401),
        ("POST", "/v1/models/openai/sora-9", AUTH, {"prompt": "x"}, 400),
        ("POST", f"/v1/models/{MODELS[0]}", AUTH, {"prompt": ""}, 422),
        ("POST", f"/v1/models/{MODELS[0]}", AUTH, [1, 2], 422),
        (
            "GET",
            "/v1/requests/x/status",
            {"Authorization": "Bearer sora-mock-invalid-key"},
            None,
            401,
        ),
    ],
)
async def test_errors_keep_the_error_envelope(client, method, url, headers, body, code) -> None:
    r = await client.request(method, url, headers=headers, json=body)
    assert r.status_code == code
    CONTRACTS.check("runcomfy/error", r.json())


async def test_malformed_json_gets_the_error_envelope(client) -> None:
    r = await client.post(f"/v1/models/{MODELS[0]}", content=b"{oops", headers=AUTH)
    assert r.status_code == 422
    CONTRACTS.check("runcomfy/error", r.json())


_prompts = st.one_of(st.text(max_size=30), st.just(""), st.just("  "), st.just("x" * 4001))
_sizes = st.one_of(st.none(), st.sampled_from(["1280x720", "720x1280", "1792x1024", "1x1"]))
_seconds = st.one_of(st.none(), st.sampled_from([4, 8, 12, 5, 0, -4, 16]))


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(model=st.sampled_from(MODELS), prompt=_prompts, size=_sizes, seconds=_seconds)
async def test_emulator_accepts_exactly_what_the_contract_accepts(
    client, model, prompt, size, seconds
) -> None:
    body: dict[str, Any] = {"prompt": prompt}
    if size is not None:
        body["size"] = size
    if seconds is not None:
        body["seconds"] = seconds
    if "image" in model:
        body["input_reference"] = IMAGE
    contract_ok = not CONTRACTS.errors(CONTRACTS.runcomfy_submit(model), body)
    r = await client.post(f"/v1/models/{model}", json=body, headers=AUTH)
    assert (r.status_code == 200) == contract_ok, (body, r.json())
    CONTRACTS.check("runcomfy/submit-response" if contract_ok else "runcomfy/error", r.json())
