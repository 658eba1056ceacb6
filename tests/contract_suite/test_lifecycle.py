"""One job per catalog model, from submit to a playable video, on any target.

On an emulator the suite owns time (30 s queued, 60 s running, read every 15 s), so
every stage must be seen; live, the job is read every ``--live-poll-seconds`` and
only the order of what was seen is checked. Either way: states never go back, a
finished job never changes, progress only grows, a queue position only shrinks, every
answer meets its contract, and the cost is the catalog's price per second x seconds.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.model_input import body_for, interpret, read_input
from tests.contract_suite.apis import (
    RunComfyApi,
    RunwareApi,
    Seen,
    assert_moves_only_forward,
    follow,
    new_task_uuid,
)
from tests.contract_suite.budget import LiveGate, cheapest
from tests.contract_suite.options import SuiteOptions
from tests.contract_suite.strategies import IMAGE
from tests.contract_suite.target import Target

QUEUE, RUN, STEP = 30.0, 60.0, 15.0
TIMING = {"kind": "clock", "queue_seconds": QUEUE, "run_seconds": RUN,
          "run_seconds_per_video_second": 0}  # fmt: skip
PROMPT = "a paper lantern drifting over a night harbour, slow dolly shot"


def runcomfy_body(offer: ModelOffer, size: str, seconds: int) -> dict[str, Any]:
    """The model's own field names for this size and duration, sound off where it costs."""
    return body_for(offer, PROMPT, size, seconds, image=IMAGE, audio=False)


def runware_task(offer: ModelOffer, size: str, seconds: int, **extra: Any) -> dict[str, Any]:
    width, height = (int(v) for v in size.split("x"))
    return {
        "taskType": "videoInference",
        "taskUUID": new_task_uuid(),
        "model": offer.model_id,
        "positivePrompt": PROMPT,
        "width": width,
        "height": height,
        "duration": seconds,
        "includeCost": True,
        **extra,
    }


def submit(
    offer: ModelOffer, size: str, seconds: int, runware: RunwareApi, runcomfy: RunComfyApi
) -> tuple[RunwareApi | RunComfyApi, str]:
    if offer.provider == "runware":
        return runware, runware.submit_ok(runware_task(offer, size, seconds))
    return runcomfy, runcomfy.submit_ok(offer.model_id, runcomfy_body(offer, size, seconds))


def follow_to_the_end(
    api: RunwareApi | RunComfyApi, job: str, target: Target, model: str, timeout: float
) -> list[Seen]:
    if target.emulator:
        return follow(api, job, target, step=STEP, model=model)
    limit = int(timeout / max(target.poll_seconds, 0.01)) + 2
    return follow(api, job, target, step=target.poll_seconds, model=model, limit=limit)


def paid(offer: ModelOffer, size: str, seconds: int) -> Decimal:
    """What the catalog says the clip costs: the model's own price rule, with the sound
    the request produces (RunComfy bodies here turn a sound switch off; Runware tasks
    leave the model's default)."""
    if offer.provider == "runware":
        body = runware_task(offer, size, seconds)
    else:
        body = runcomfy_body(offer, size, seconds)
    read = read_input(offer, {k: v for k, v in body.items() if k in offer.properties})
    return offer.cost(size, seconds, audio=interpret(offer, read.values).audio)


def assert_playable(target: Target, provider: str, url: str) -> None:
    response = target.fetch(provider, url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.headers["content-type"].startswith("video/"), response.headers
    assert response.content[4:8] == b"ftyp", "not an MP4 file"


def test_a_job_runs_to_a_playable_video_and_then_never_changes(
    offer: ModelOffer,
    target: Target,
    gate: LiveGate,
    runware: RunwareApi,
    runcomfy: RunComfyApi,
    suite_options: SuiteOptions,
) -> None:
    size, seconds, cost = cheapest(offer)
    gate.require(offer.provider, offer, cost=cost, what=f"one {seconds} s {size} clip")
    with target.progression(**TIMING):
        api, job = submit(offer, size, seconds, runware, runcomfy)
    seen = follow_to_the_end(api, job, target, offer.model_id, suite_options.live_timeout)

    assert_moves_only_forward(seen)
    states = [s.state for s in seen]
    if offer.provider == "runcomfy":
        assert states[-1] == "completed", states
        if target.emulator:  # the suite owns time: every stage shows
            assert states[0] == "in_queue" and "in_progress" in states, states
        queued = [s.queue_position for s in seen if s.state == "in_queue"]
        assert all(isinstance(p, int) and p >= 0 for p in queued), queued
        result = runcomfy.result(job)
        assert result["status"] == "succeeded" and result["model_id"] == offer.model_id
        assert Decimal(str(result["cost"])) == paid(offer, size, seconds), result
    else:
        assert states[-1] == "success", states
        if target.emulator:
            running = [s.progress for s in seen if s.state == "processing"]
            assert running[0] == 0 and any(0 < p < 100 for p in running), running
        items = seen[-1].body["data"]
        assert len(items) == 1 and items[0]["cost"] is not None, items
        assert Decimal(str(items[0]["cost"])) == paid(offer, size, seconds), items
    (url,) = api.video_urls(job)
    assert_playable(target, offer.provider, url)


def test_a_failed_generation_is_reported_and_stays_failed(
    offer: ModelOffer,
    target: Target,
    runware: RunwareApi,
    runcomfy: RunComfyApi,
    emulator_only: None,
) -> None:
    """A job that fails while running (the emulator's ``fail@50`` fault) reports the
    provider's failure, is never billed, and never changes again."""
    size, seconds, _ = cheapest(offer)
    headers = {"X-Sora-Mock-Fault": "fail@50"}
    with target.progression(**TIMING):
        if offer.provider == "runware":
            task = runware_task(offer, size, seconds)
            assert runware.post([task], headers=headers).status_code == 200
            api: RunwareApi | RunComfyApi = runware
            job = task["taskUUID"]
        else:
            body = runcomfy_body(offer, size, seconds)
            response = runcomfy.submit(offer.model_id, body, headers=headers)
            assert response.status_code == 200, response.text
            api, job = runcomfy, response.json()["request_id"]
    seen = follow(api, job, target, step=STEP, model=offer.model_id)
    assert_moves_only_forward(seen)
    if offer.provider == "runcomfy":
        assert seen[-1].state == "failed", [s.state for s in seen]
        result = runcomfy.result(job)
        assert result["status"] == "failed" and "output" not in result, result
        assert result["cost"] == 0, result
    else:
        (error,) = seen[-1].body["errors"]
        assert error["code"] == "providerError" and error["status"] == "error", error
        assert seen[-1].body.get("data") == [], seen[-1].body
