"""The Runware client against respx-mocked answers built from the documented
examples in fixtures/runware/seed_examples.json (the emulator's Runware dialect is
tested separately, in test_runware_emulator.py)."""

from __future__ import annotations

import copy
import json
import uuid
from typing import Any

import httpx
import pytest
import respx

from client import (
    AsyncRunwareClient,
    AuthenticationError,
    Backoff,
    ContractViolation,
    ContractWarning,
    InsufficientCredits,
    InvalidRequest,
    JobFailed,
    NotFound,
    RunwareClient,
    ServerError,
    State,
)
from tests.schemas.examples import seed

API = "https://api.runware.ai/v1"
DOC_UUID = "24cd5dff-cb81-4db5-8506-b72a9425f9d1"
SEED = seed("bioluminescent-monsoon-market-night.response")


def answer(name: str, task_uuid: str, status: int = 200, **headers: str) -> httpx.Response:
    """A documented answer, re-addressed to ``task_uuid``."""
    text = json.dumps(seed(name)).replace(DOC_UUID, task_uuid)
    return httpx.Response(
        status, content=text, headers={"content-type": "application/json", **headers}
    )


def success(task_uuid: str) -> httpx.Response:
    item = {**copy.deepcopy(SEED), "taskUUID": task_uuid, "status": "success"}
    return httpx.Response(200, json={"data": [item]})


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def rw(sleeps):
    with RunwareClient("rw-key", sleep=sleeps, poll=Backoff(1.0, 1.5, 10.0, 0.1)) as client:
        yield client


def _tasks(route: respx.Route) -> list[list[dict[str, Any]]]:
    return [json.loads(call.request.content) for call in route.calls]


@respx.mock
def test_submit_poll_and_finish_with_the_documented_answers(rw, sleeps) -> None:
    replies: list[Any] = []
    route = respx.post(API).mock(side_effect=lambda request: replies.pop(0))
    tid = str(uuid.uuid4())
    replies += [answer("submit.ack", tid), answer("poll.processing-with-progress", tid)]
    replies += [answer("poll.processing", tid), success(tid)]
    job = rw.submit("openai:3@1", "a market at night", duration=8, size="1280x720", task_uuid=tid)
    assert (job.id, job.resumed) == (tid, False)
    seen = []
    video = rw.wait(job.id, on_status=seen.append)
    assert [s.state for s in seen] == [State.RUNNING, State.RUNNING, State.SUCCEEDED]
    assert seen[0].progress == 42
    assert (video.url, video.video_uuid, video.seed) == (
        SEED["videoURL"],
        SEED["videoUUID"],
        SEED["seed"],
    )
    assert (video.cost, video.video_id) == (0.8, SEED["outputs"]["videoId"])
    sent = _tasks(route)
    assert sent[0] == [
        {
            "taskType": "videoInference",
            "taskUUID": tid,
            "model": "openai:3@1",
            "positivePrompt": "a market at night",
            "deliveryMethod": "async",
            "includeCost": True,
            "width": 1280,
            "height": 720,
            "duration": 8,
        },
    ]
    assert all(s == [{"taskType": "getResponse", "taskUUID": tid}] for s in sent[1:])
    assert route.calls[0].request.headers["authorization"] == "Bearer rw-key"
    assert len(sleeps) == 2 and all(0.9 <= s <= 1.65 for s in sleeps)


@pytest.mark.anyio
@respx.mock
async def test_async_client_with_a_first_frame(sleeps) -> None:
    replies: list[Any] = []
    route = respx.post(API).mock(side_effect=lambda request: replies.pop(0))

    async def nap(seconds: float) -> None:
        sleeps.append(seconds)

    async with AsyncRunwareClient("rw-key", sleep=nap) as rw:
        tid = str(uuid.uuid4())
        replies += [answer("submit.ack", tid), answer("poll.unknown-task", tid), success(tid)]
        job = await rw.submit(
            "openai:3@2", "desert", size="1920x1080", image="https://a/b.jpg", task_uuid=tid
        )
        video = await rw.wait(job.id)
    assert video.url == SEED["videoURL"]
    task = _tasks(route)[0][0]
    assert task["inputs"] == {"frameImages": [{"image": "https://a/b.jpg", "frame": "first"}]}


@respx.mock
def test_resubmits_with_the_same_task_uuid_and_takes_a_conflict_as_accepted(rw, sleeps) -> None:
    tid = str(uuid.uuid4())
    route = respx.post(API).mock(
        side_effect=[httpx.Response(503), answer("submit.conflict-task-uuid", tid, 400)]
    )
    job = rw.submit("openai:3@1", "x", duration=4, size="1280x720", task_uuid=tid)
    assert job.resumed and job.id == tid
    assert [t[0]["taskUUID"] for t in _tasks(route)] == [tid, tid]
    assert len(sleeps) == 1


@respx.mock
def test_a_dropped_connection_is_retried_with_the_same_task(rw) -> None:
    failures = [httpx.ConnectError("connection reset")]

    def reply(request: httpx.Request) -> httpx.Response:
        if failures:
            raise failures.pop()
        return answer("submit.ack", json.loads(request.content)[0]["taskUUID"])

    route = respx.post(API).mock(side_effect=reply)
    job = rw.submit("openai:3@1", "x", duration=4, size="720x1280")
    sent = _tasks(route)
    assert len(sent) == 2 and sent[0] == sent[1] and not job.resumed
    assert job.id == sent[0][0]["taskUUID"]


@respx.mock
def test_429_waits_at_least_what_retry_after_says(rw, sleeps) -> None:
    tid = str(uuid.uuid4())
    limited = httpx.Response(
        429,
        json={"errors": [{"code": "rateLimitExceeded", "message": "slow"}]},
        headers={"Retry-After": "3"},
    )
    respx.post(API).mock(side_effect=[limited, answer("submit.ack", tid)])
    rw.submit("openai:3@1", "x", duration=4, size="1280x720", task_uuid=tid)
    assert sleeps and sleeps[0] >= 3


@pytest.mark.parametrize(
    ("name", "status", "error", "code", "parameter"),
    [
        ("ws-authentication.error", 401, AuthenticationError, "invalidApiKey", "apiKey"),
        ("submit.unsupported-duration", 400, InvalidRequest, "unsupportedDuration", "duration"),
        (
            "submit.missing-dimensions",
            200,
            InvalidRequest,
            "missingDimensionParameters",
            ["width", "height", "referenceImages"],
        ),
    ],
)
@respx.mock
def test_documented_errors_become_typed_exceptions(
    rw, name, status, error, code, parameter
) -> None:
    tid = str(uuid.uuid4())
    respx.post(API).mock(return_value=answer(name, tid, status))
    with pytest.raises(error) as caught:
        rw.submit("openai:3@1", "x", duration=4, size="1280x720", task_uuid=tid)
    assert (caught.value.code, caught.value.parameter) == (code, parameter)
    if code == "unsupportedDuration":
        assert caught.value.allowed == [6]


@respx.mock
def test_status_codes_without_a_body_still_map(rw, sleeps) -> None:
    respx.post(API).mock(
        side_effect=[
            httpx.Response(401),
            httpx.Response(
                402, json={"errors": [{"code": "insufficientCredits", "message": "top up"}]}
            ),
        ]
        + [httpx.Response(500)] * 4
    )
    with pytest.raises(AuthenticationError) as caught:
        rw.status(DOC_UUID)
    assert caught.value.code == "invalidApiKey"
    with pytest.raises(InsufficientCredits):
        rw.status(DOC_UUID)
    with pytest.raises(ServerError):
        rw.status(DOC_UUID)
    assert len(sleeps) == 3


@respx.mock
def test_a_failed_generation_raises_job_failed_with_the_code(rw) -> None:
    respx.post(API).mock(return_value=answer("poll.timeout-provider", DOC_UUID))
    with pytest.raises(JobFailed) as caught:
        rw.wait(DOC_UUID)
    assert caught.value.code == "timeoutProvider"
    assert "did not respond" in caught.value.message


@respx.mock
def test_unknown_tasks_are_pending_or_not_found(rw) -> None:
    missing = {
        "errors": [{"code": "taskNotFound", "message": "no such task", "taskUUID": DOC_UUID}]
    }
    respx.post(API).mock(
        side_effect=[answer("poll.unknown-task", DOC_UUID), httpx.Response(200, json=missing)]
    )
    assert rw.status(DOC_UUID).state is State.QUEUED
    with pytest.raises(NotFound):
        rw.status(DOC_UUID)


@pytest.mark.parametrize(
    ("broken", "path"),
    [
        (lambda item: item.update(taskType="getResponse"), "$.data[0].taskType"),
        (lambda item: item.pop("videoURL"), "$.data[0].videoURL"),
        (lambda item: item.update(status="done"), "$.data[0].status"),
    ],
)
@respx.mock
def test_a_broken_answer_is_a_contract_violation_naming_the_path(rw, broken, path) -> None:
    item = {**copy.deepcopy(SEED), "taskUUID": DOC_UUID, "status": "success"}
    broken(item)
    respx.post(API).mock(return_value=httpx.Response(200, json={"data": [item]}))
    with pytest.raises(ContractViolation) as caught:
        rw.status(DOC_UUID)
    assert (caught.value.direction, caught.value.path) == ("response", path)


@respx.mock
def test_an_empty_errors_list_and_a_non_json_body_are_violations(rw) -> None:
    respx.post(API).mock(
        side_effect=[
            httpx.Response(200, json={"data": [], "errors": []}),
            httpx.Response(200, text="<html>"),
        ]
    )
    with pytest.raises(ContractViolation) as caught:
        rw.status(DOC_UUID)
    assert caught.value.path == "$.errors"
    with pytest.raises(ContractViolation, match="not JSON"):
        rw.status(DOC_UUID)


@respx.mock
def test_lenient_mode_warns_and_carries_on() -> None:
    item = {**copy.deepcopy(SEED), "taskUUID": DOC_UUID, "status": "success", "cost": "0.8"}
    item |= {"seed": "1", "outputs": "video_1"}
    respx.post(API).mock(return_value=httpx.Response(200, json={"data": [item]}))
    with (
        RunwareClient("k", validation="lenient") as rw,
        pytest.warns(ContractWarning, match=r"\$\.data\[0\]\.cost"),
    ):
        video = rw.result(DOC_UUID)
    assert video.url == SEED["videoURL"]
    assert (video.cost, video.seed, video.video_id) == (None, None, None)


@respx.mock
def test_a_wrong_request_is_refused_before_it_is_sent(rw) -> None:
    route = respx.post(API)
    with pytest.raises(ContractViolation) as caught:
        rw.submit("openai:3@1", "x", duration=4, size="1280x1280")
    assert (caught.value.direction, caught.value.path) == ("request", "$[0].height")
    with pytest.raises(ContractViolation, match=r"\$\[0\]\.duration"):
        rw.submit("openai:3@1", "x", duration=5, size="1280x720")
    assert route.call_count == 0


def test_a_base_url_without_a_path_gets_v1() -> None:
    assert RunwareClient("k", "http://127.0.0.1:8000").base_url == "http://127.0.0.1:8000/v1"
    assert RunwareClient("k", "http://h/v1/").base_url == "http://h/v1"
    assert RunwareClient("k").base_url == API
