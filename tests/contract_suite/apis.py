"""The two providers' APIs as the suite drives them: raw HTTP, every answer contract-checked.

    api = RunComfyApi(target, contracts)
    job = api.submit_ok(model, {"prompt": "a red kite"})          # the request id
    seen = follow(api, job, target, step=30)                       # status reads to the end
    api.result(job)                                                # checked result body

A :class:`Seen` is one status read in the provider's own words plus its rank in the
life of a job (0 waiting, 1 running, 2 finished); Runware's ``processing`` covers both
waiting and running, so it ranks 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import httpx

from contracts import Contracts
from tests.contract_suite.target import Target

__all__ = ["RunComfyApi", "RunwareApi", "Seen", "check", "follow"]


def check(contracts: Contracts, ref: str, response: httpx.Response) -> Any:
    """The JSON body of ``response``, which must satisfy contract ``ref``."""
    try:
        body = response.json()
    except ValueError:
        url = response.request.url
        raise AssertionError(f"{url}: body is not JSON: {response.text[:200]}") from None
    violations = contracts.errors(ref, body)
    assert not violations, f"{ref} broken by {response.request.url}: " + "; ".join(
        map(str, violations)
    )
    return body


@dataclass(slots=True)
class Seen:
    """One status read of a job."""

    state: str
    rank: int
    progress: int | None = None
    queue_position: int | None = None
    body: Any = None

    @property
    def terminal(self) -> bool:
        return self.rank == 2


class RunComfyApi:
    provider = "runcomfy"
    RANKS: ClassVar[dict[str, int]] = {
        "in_queue": 0,
        "in_progress": 1,
        "completed": 2,
        "failed": 2,
        "cancelled": 2,
    }

    def __init__(self, target: Target, contracts: Contracts) -> None:
        self.target, self.contracts = target, contracts

    def submit(self, model: str, body: Any, **kwargs: Any) -> httpx.Response:
        """POST a submit; the answer must be the submit contract or the error envelope."""
        response = self.target.send(
            self.provider, "POST", f"/v1/models/{model}", json=body, **kwargs
        )
        ref = "runcomfy/submit-response" if response.status_code == 200 else "runcomfy/error"
        check(self.contracts, ref, response)
        return response

    def submit_ok(self, model: str, body: Any) -> str:
        response = self.submit(model, body)
        assert response.status_code == 200, response.text
        return str(response.json()["request_id"])

    def _get(self, path: str, ref: str, **kwargs: Any) -> tuple[httpx.Response, Any]:
        response = self.target.send(self.provider, "GET", path, **kwargs)
        ok = 200 <= response.status_code < 300
        return response, check(self.contracts, ref if ok else "runcomfy/error", response)

    def status(self, job: str, model: str = "") -> Seen:
        response, body = self._get(f"/v1/requests/{job}/status", "runcomfy/status-response")
        assert response.status_code == 200, response.text
        seen = Seen(
            body["status"], self.RANKS[body["status"]], None, body.get("queue_position"), body
        )
        self.target.recorder.observe(
            self.provider, job, model, seen.state, queue_position=seen.queue_position
        )
        return seen

    def result(self, job: str, include_cost: bool = True) -> dict[str, Any]:
        params = {"include_cost": "true"} if include_cost else None
        response, body = self._get(
            f"/v1/requests/{job}/result", "runcomfy/result-response", params=params
        )
        assert response.status_code == 200, response.text
        return dict(body)

    def cancel(self, job: str) -> httpx.Response:
        response = self.target.send(self.provider, "POST", f"/v1/requests/{job}/cancel")
        ok = 200 <= response.status_code < 300
        check(self.contracts, "runcomfy/cancel-response" if ok else "runcomfy/error", response)
        return response

    def video_urls(self, job: str) -> list[str]:
        output = self.result(job)["output"]
        return [output["video"]] if "video" in output else list(output["videos"])


class RunwareApi:
    provider = "runware"

    def __init__(self, target: Target, contracts: Contracts) -> None:
        self.target, self.contracts = target, contracts

    def post(self, tasks: Any, **kwargs: Any) -> httpx.Response:
        """POST tasks to /v1; every answer, error or not, is a Runware response envelope."""
        response = self.target.send(self.provider, "POST", "", json=tasks, **kwargs)
        check(self.contracts, "runware/response", response)
        return response

    def raw(self, content: bytes, content_type: str, **kwargs: Any) -> httpx.Response:
        headers = {"Content-Type": content_type}
        response = self.target.send(
            self.provider, "POST", "", content=content, headers=headers, **kwargs
        )
        check(self.contracts, "runware/response", response)
        return response

    def submit_ok(self, task: dict[str, Any]) -> str:
        response = self.post([task])
        assert response.status_code == 200, response.text
        (ack,) = response.json()["data"]
        assert ack == {"taskType": "videoInference", "taskUUID": task["taskUUID"]}, ack
        return str(task["taskUUID"])

    def poll(self, job: str) -> httpx.Response:
        return self.post([{"taskType": "getResponse", "taskUUID": job}])

    def status(self, job: str, model: str = "") -> Seen:
        response = self.poll(job)
        assert response.status_code == 200, response.text
        body = response.json()
        if body.get("errors"):
            (error,) = body["errors"]
            assert error.get("taskUUID") == job, error
            seen = Seen(f"error:{error['code']}", 2, body=body)
        else:
            items = body["data"]
            assert items and all(i["taskUUID"] == job for i in items), body
            statuses = {i["status"] for i in items}
            assert len(statuses) == 1, body
            status = statuses.pop()
            progress = items[0].get("progress") if status == "processing" else None
            seen = Seen(status, 0 if status == "processing" else 2, progress, None, body)
        self.target.recorder.observe(self.provider, job, model, seen.state, progress=seen.progress)
        return seen

    def video_urls(self, job: str) -> list[str]:
        items = self.poll(job).json()["data"]
        return [i["videoURL"] for i in items]


def new_task_uuid() -> str:
    return str(uuid.uuid4())


def follow(
    api: RunComfyApi | RunwareApi,
    job: str,
    target: Target,
    *,
    step: float,
    model: str = "",
    limit: int = 60,
    after: int = 2,
) -> list[Seen]:
    """Status reads until the job finishes (moving time by ``step`` between reads), then
    ``after`` more reads with time still moving on; fails after ``limit`` reads."""
    seen = [api.status(job, model)]
    while not seen[-1].terminal:
        assert len(seen) < limit, f"job {job} never finished: {[s.state for s in seen]}"
        target.advance(step)
        seen.append(api.status(job, model))
    for _ in range(after):
        target.advance(step)
        seen.append(api.status(job, model))
    return seen


def assert_moves_only_forward(seen: list[Seen]) -> None:
    """Ranks never go back, a finished job never changes, progress only grows and a
    queue position only shrinks."""
    for before, after in pairwise(seen):
        assert after.rank >= before.rank, [s.state for s in seen]
        if before.terminal:
            assert (after.state, after.body) == (before.state, before.body), [s.state for s in seen]
        if before.progress is not None and after.progress is not None:
            assert after.progress >= before.progress, [s.progress for s in seen]
        if before.queue_position is not None and after.queue_position is not None:
            assert after.queue_position <= before.queue_position, [s.queue_position for s in seen]
