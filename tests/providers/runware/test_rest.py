"""POST /v1: batches, authentication, the error envelope and HTTP statuses."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from decimal import Decimal

import httpx
import pytest

from mock_server.core.catalog import ModelOffer
from mock_server.core.errors import DomainError, RateLimited, ServiceFault
from mock_server.core.jobs import JobFault
from mock_server.emulator import Emulator, NoPolicies
from mock_server.providers.runware import RunwareSettings
from tests.providers.runware.conftest import Api
from tests.providers.runware.helpers import AUTH, KEY, poll, video_task

pytestmark = pytest.mark.anyio


def uid() -> str:
    return str(uuid.uuid4())


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["errors"], body
    error = body["errors"][0]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"]
    return error


async def test_batch_of_tasks_is_answered_task_by_task(api: Api) -> None:
    a, b = uid(), uid()
    response = await api(video_task(a), {"taskType": "ping", "ping": True}, video_task(b))
    assert response.status_code == 200
    assert response.json() == {
        "data": [
            {"taskType": "videoInference", "taskUUID": a},
            {"taskType": "ping", "pong": True},
            {"taskType": "videoInference", "taskUUID": b},
        ]
    }


async def test_errors_sit_next_to_successes_on_200(api: Api) -> None:
    good, bad = uid(), uid()
    response = await api(video_task(good), video_task(bad, duration=7))
    assert response.status_code == 200
    body = response.json()
    assert body["data"] == [{"taskType": "videoInference", "taskUUID": good}]
    assert [e["taskUUID"] for e in body["errors"]] == [bad]
    assert body["errors"][0]["code"] == "unsupportedDuration"


async def test_an_empty_errors_key_is_never_sent(api: Api) -> None:
    task = uid()
    for response in (await api(video_task(task)), await api(poll(task)), await api(poll(uid()))):
        assert response.status_code == 200
        assert "errors" not in response.json()


async def test_authentication_task_first_in_the_array(api: Api) -> None:
    auth = {"taskType": "authentication", "apiKey": KEY}
    task = uid()
    response = await api(auth, video_task(task), headers={})
    assert response.json() == {"data": [{"taskType": "videoInference", "taskUUID": task}]}
    # the same key by header sees the same task: one tenant per key
    polled = await api(poll(task))
    assert polled.json()["data"][0]["status"] == "processing"


@pytest.mark.parametrize(
    ("headers", "tasks", "code"),
    [
        ({}, [video_task("00000000-0000-4000-8000-000000000001")], "missingApiKey"),
        (
            {"Authorization": "Bearer sora-mock-invalid-key"},
            [poll(str(uuid.uuid4()))],
            "invalidApiKey",
        ),
        ({"Authorization": "Basic abc"}, [poll(str(uuid.uuid4()))], "invalidApiKey"),
        ({}, [{"taskType": "authentication", "apiKey": "sora-mock-invalid-key"}], "invalidApiKey"),
        ({}, [{"taskType": "authentication"}], "missingApiKey"),
    ],
)
async def test_bad_or_missing_keys_get_401(
    api: Api, headers: dict[str, str], tasks: list[object], code: str
) -> None:
    error = assert_error(await api(*tasks, headers=headers), 401, code)
    assert error["taskType"] == "authentication"
    assert error["parameter"] == "apiKey"


async def test_rest_authentication_item_is_configurable(emu: Emulator, api: Api) -> None:
    emu.config = emu.config.with_settings(RunwareSettings(rest_auth_item=True))
    response = await api({"taskType": "authentication", "apiKey": KEY}, headers={})
    item = response.json()["data"][0]
    assert item["taskType"] == "authentication"
    uuid.UUID(item["connectionSessionUUID"])


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "invalidRequestBody"),
        (b"{not json", "invalidRequestBody"),
        (b"\xff\xfe", "invalidRequestBody"),
        (b"{}", "invalidRequestBody"),
        (b"[]", "invalidRequestBody"),
        (b'"videoInference"', "invalidRequestBody"),
        (b"[1, 2]", "invalidRequestBody"),
        (b'[{"taskUUID": "x"}]', "missingTaskType"),
        (b'[{"taskType": 5}]', "invalidTaskType"),
        (b'[{"taskType": "teleport"}]', "invalidTaskType"),
        (b'[{"taskType": "imageInference"}]', "unsupportedTaskType"),
        (b'[{"taskType": "getResponse"}]', "missingTaskUUID"),
        (b'[{"taskType": "getResponse", "taskUUID": 12}]', "invalidTaskUUID"),
        (b'[{"taskType": "videoInference", "taskUUID": "nope"}]', "invalidTaskUUID"),
    ],
)
async def test_malformed_requests_get_runware_errors_not_500(
    client: httpx.AsyncClient, body: bytes, code: str
) -> None:
    response = await client.post("/v1", content=body, headers=AUTH)
    assert_error(response, 400, code)
    assert response.headers["content-type"] == "application/json"


async def test_other_methods_answer_in_runware_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/v1"), 405, "methodNotAllowed")


async def test_reused_task_uuid_is_a_conflict(api: Api) -> None:
    task = uid()
    assert (await api(video_task(task))).status_code == 200
    error = assert_error(await api(video_task(task)), 400, "conflictTaskUUID")
    assert error["taskUUID"] == task
    assert error["taskType"] == "videoInference"


@pytest.mark.parametrize("mode", ["empty", "error"])
async def test_unknown_task_reply_is_configurable(emu: Emulator, api: Api, mode: str) -> None:
    emu.config = emu.config.with_settings(RunwareSettings(unknown_task=mode))
    response = await api(poll(uid()))
    if mode == "empty":
        assert response.status_code == 200
        assert response.json() == {"data": []}
    else:
        assert_error(response, 404, "taskNotFound")


async def test_another_tenants_task_is_unknown(api: Api) -> None:
    task = uid()
    await api(video_task(task))
    other = await api(poll(task), headers={"Authorization": "Bearer someone-else"})
    assert other.json() == {"data": []}
    mine = await api(poll(task))
    assert mine.json()["data"][0]["status"] == "processing"


async def test_insufficient_credits_is_402_and_nothing_is_charged(emu: Emulator, api: Api) -> None:
    emu.engine.ledger.default_balance = Decimal("1.00")
    error = assert_error(await api(video_task(uid(), duration=12)), 402, "insufficientCredits")
    assert error["taskType"] == "videoInference"
    assert await emu.engine.ledger.spent() == 0
    assert (await api(video_task(uid(), duration=8))).status_code == 200


async def test_too_many_jobs_in_flight_is_429(emu: Emulator, api: Api) -> None:
    emu.engine.settings.max_active_per_tenant = 3
    for _ in range(3):
        assert (await api(video_task(uid(), model="openai:3@1", duration=4))).status_code == 200
    assert_error(await api(video_task(uid(), duration=4)), 429, "rateLimitExceeded")


class ScriptedPolicies(NoPolicies):
    """Raise a chosen error for one operation; add lifecycle headers for every model."""

    def __init__(self, operation: str, error: DomainError) -> None:
        self.operation, self.error = operation, error
        self.seen: list[str] = []

    async def before(self, provider: str, operation: str, headers: Mapping[str, str]) -> None:
        self.seen.append(operation)
        if operation == self.operation:
            raise self.error

    def job_fault(self, provider: str, prompt: str, headers: Mapping[str, str]) -> JobFault | None:
        return None

    def model_headers(self, offer: ModelOffer) -> dict[str, str]:
        return {"Deprecation": "@1774310400"}


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (RateLimited("slow down", retry_after=3), 429, "rateLimitExceeded"),
        (ServiceFault(403, "this key may not do that"), 403, "forbidden"),
        (ServiceFault(503, "maintenance"), 503, "serviceUnavailable"),
        (ServiceFault(500, "boom"), 500, "internalServerError"),
    ],
)
async def test_policies_run_first_and_their_errors_get_runware_codes(
    emu: Emulator, api: Api, error: DomainError, status: int, code: str
) -> None:
    policies = ScriptedPolicies("runware.videoInference", error)
    emu.policies = policies
    response = await api(video_task(uid()))
    assert_error(response, status, code)
    if isinstance(error, RateLimited):
        assert response.headers["retry-after"] == "3"
    assert policies.seen == ["runware.videoInference"]
    assert (await api(poll(uid()))).status_code == 200  # other operations unaffected
    assert policies.seen[-1] == "runware.getResponse"


async def test_model_headers_ride_on_responses_about_a_model(emu: Emulator, api: Api) -> None:
    emu.policies = ScriptedPolicies("none", ServiceFault(500, "unused"))
    task = uid()
    assert (await api(video_task(task))).headers["deprecation"] == "@1774310400"
    assert (await api(poll(task))).headers["deprecation"] == "@1774310400"


async def test_retired_model_code_is_configurable(emu: Emulator, api: Api, clock) -> None:
    emu.engine.settings.reject_retired = True
    clock.set(1_790_208_000.0)  # 2026-09-24T00:00:00Z
    error = assert_error(await api(video_task(uid())), 400, "modelDisabled")
    assert error["parameter"] == "model"
    emu.config = emu.config.with_settings(RunwareSettings(retired_code="modelUnavailable"))
    assert_error(await api(video_task(uid())), 400, "modelUnavailable")
