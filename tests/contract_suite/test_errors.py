"""Fixed error cases of both providers: keys, unknown models and jobs, broken bodies.

None of these can create a job, so a live run sends them at no cost (a provider key is
still required). Generated invalid requests are in test_generated.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mock_server.core.catalog import ModelOffer
from tests.contract_suite.apis import RunComfyApi, RunwareApi, check, new_task_uuid
from tests.contract_suite.budget import LiveGate
from tests.contract_suite.target import Target

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
NO_SUCH_MODEL = {"runware": "openai:99@9", "runcomfy": "openai/sora-99/text-to-video"}


def refused_key(target: Target) -> str:
    """A key the target refuses: the emulator's documented invalid key, or a made-up one."""
    if target.emulator:
        return str(target.control("GET", "tenants")["invalid_key"])
    return "sk-sora-mock-contract-suite-not-a-key"


def runware_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    errors = response.json()["errors"]
    assert errors[0]["code"] == code, errors
    return dict(errors[0])


# -- RunComfy ------------------------------------------------------------------------


@pytest.mark.parametrize("header", [None, "Token abc", "Bearer"])
def test_runcomfy_without_a_usable_key_is_401(
    header: str | None, target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", what="a status read without a key (free)")
    headers = {"Authorization": header} if header is not None else None
    response = target.send(
        "runcomfy", "GET", f"/v1/requests/{UNKNOWN_ID}/status", key=None, headers=headers
    )
    assert response.status_code == 401, response.text
    assert check(runcomfy.contracts, "runcomfy/error", response)["error_code"] == 401001


def test_runcomfy_with_a_refused_key_is_401(
    target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", what="a status read with a wrong key (free)")
    response = target.send(
        "runcomfy", "GET", f"/v1/requests/{UNKNOWN_ID}/status", key=refused_key(target)
    )
    assert response.status_code == 401, response.text
    code = check(runcomfy.contracts, "runcomfy/error", response)["error_code"]
    assert code in (400004, 401001), code


def test_runcomfy_unknown_model_is_400001(
    target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", what="a submit to a model that does not exist (free)")
    response = runcomfy.submit(NO_SUCH_MODEL["runcomfy"], {"prompt": "a red kite"})
    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == 400001


@pytest.mark.parametrize("operation", ["status", "result"])
def test_runcomfy_unknown_request_is_404001(
    operation: str, target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", what=f"a {operation} read of an unknown request (free)")
    response = target.send("runcomfy", "GET", f"/v1/requests/{UNKNOWN_ID}/{operation}")
    assert response.status_code == 404, response.text
    assert check(runcomfy.contracts, "runcomfy/error", response)["error_code"] == 404001


def test_runcomfy_model_info_prices_match_the_catalog(
    runcomfy_offer: ModelOffer, target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", runcomfy_offer, what="a pricing read (free)")
    response = target.send("runcomfy", "GET", f"/v1/models/{runcomfy_offer.model_id}")
    info = check(runcomfy.contracts, "runcomfy/model-info", response)
    assert info["model_id"] == runcomfy_offer.model_id
    cheapest = min(runcomfy_offer.price_per_second.values())
    assert str(info["price_unit"]) == "second" and info["base_price_usd"] == float(cheapest)


# -- Runware -------------------------------------------------------------------------


def test_runware_without_a_key_is_401(target: Target, gate: LiveGate, runware: RunwareApi) -> None:
    gate.require("runware", what="a ping without a key (free)")
    response = runware.post([{"taskType": "ping", "ping": True}], key=None)
    runware_error(response, 401, "missingApiKey")


def test_runware_with_a_refused_key_is_401(
    target: Target, gate: LiveGate, runware: RunwareApi
) -> None:
    gate.require("runware", what="a ping with a wrong key (free)")
    response = runware.post([{"taskType": "ping", "ping": True}], key=refused_key(target))
    runware_error(response, 401, "invalidApiKey")


def test_runware_takes_the_key_as_an_authentication_task(
    target: Target, gate: LiveGate, runware: RunwareApi
) -> None:
    gate.require("runware", what="a ping authenticated in the body (free)")
    tasks = [
        {"taskType": "authentication", "apiKey": target.keys["runware"]},
        {"taskType": "ping", "ping": True},
    ]
    response = runware.post(tasks, key=None)
    assert response.status_code == 200, response.text
    assert {"taskType": "ping", "pong": True} in response.json()["data"]


def test_runware_unknown_model_is_invalid_model(
    target: Target, gate: LiveGate, runware: RunwareApi
) -> None:
    gate.require("runware", what="a submit to a model that does not exist (free)")
    task = {
        "taskType": "videoInference",
        "taskUUID": new_task_uuid(),
        "model": NO_SUCH_MODEL["runware"],
        "positivePrompt": "a red kite",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    error = runware_error(runware.post([task]), 400, "invalidModel")
    assert error.get("parameter") == "model", error


def test_runware_unknown_task_reads_as_nothing_or_not_found(
    target: Target, gate: LiveGate, runware: RunwareApi
) -> None:
    """What ``getResponse`` says about a taskUUID it never saw is undocumented: the
    emulator answers ``{"data": []}`` (or ``taskNotFound``, by flag); both are allowed."""
    gate.require("runware", what="a poll of an unknown task (free)")
    response = runware.poll(new_task_uuid())
    body = response.json()
    if response.status_code == 200:
        assert body == {"data": []}, body
    else:
        runware_error(response, 404, "taskNotFound")


def test_runware_get_is_refused_in_its_own_shape(
    target: Target, gate: LiveGate, runware: RunwareApi
) -> None:
    gate.require("runware", what="a GET of the task endpoint (free)")
    response = target.send("runware", "GET", "")
    assert 400 <= response.status_code < 500, response.text
    assert check(runware.contracts, "runware/response", response)["errors"]
