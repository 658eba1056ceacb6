"""Cancel semantics, per RunComfy model: a queued request cancels, a started one does not.

``POST /v1/requests/{id}/cancel`` answers 202 whatever happens; ``outcome`` says
whether it worked. Cancelled is final (and free); a request too far along to cancel
runs on and is billed. Runware has no cancel operation (its task API and contract
have none), so these checks are RunComfy's alone.
"""

from __future__ import annotations

from decimal import Decimal

from mock_server.core.catalog import ModelOffer
from tests.contract_suite.apis import RunComfyApi, assert_moves_only_forward, follow
from tests.contract_suite.budget import LiveGate, cheapest
from tests.contract_suite.options import SuiteOptions
from tests.contract_suite.target import Target
from tests.contract_suite.test_lifecycle import (
    STEP,
    TIMING,
    follow_to_the_end,
    paid,
    runcomfy_body,
)


def test_cancelling_at_once_is_final_or_refused_consistently(
    runcomfy_offer: ModelOffer,
    target: Target,
    gate: LiveGate,
    runcomfy: RunComfyApi,
    suite_options: SuiteOptions,
) -> None:
    offer = runcomfy_offer
    size, seconds, cost = cheapest(offer)
    gate.require("runcomfy", offer, cost=cost, what="a job cancelled at once (billed if started)")
    with target.progression(**TIMING):
        job = runcomfy.submit_ok(offer.model_id, runcomfy_body(offer, size, seconds))
    response = runcomfy.cancel(job)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert answer["request_id"] == job
    if target.emulator:  # the suite holds time still: the job is surely still queued
        assert answer["outcome"] == "cancelled", answer
    if answer["outcome"] == "cancelled":
        assert answer["status"] == "cancelled", answer
        step = STEP if target.emulator else target.poll_seconds
        seen = follow(runcomfy, job, target, step=step, model=offer.model_id, after=3)
        assert {s.state for s in seen} == {"cancelled"}, [s.state for s in seen]
        result = runcomfy.result(job)
        assert result["status"] == "cancelled" and "output" not in result, result
        assert result["cost"] == 0, result
        again = runcomfy.cancel(job).json()
        assert (again["status"], again["outcome"]) == ("cancelled", "cancelled"), again
    else:
        assert answer["status"] in ("in_progress", "completed", "failed"), answer
        seen = follow_to_the_end(runcomfy, job, target, offer.model_id, suite_options.live_timeout)
        assert_moves_only_forward(seen)
        assert seen[-1].state in ("completed", "failed"), [s.state for s in seen]


def test_a_running_job_cannot_be_cancelled_and_is_billed(
    runcomfy_offer: ModelOffer, target: Target, runcomfy: RunComfyApi, emulator_only: None
) -> None:
    offer = runcomfy_offer
    size, seconds, _ = cheapest(offer)
    with target.progression(**TIMING):
        job = runcomfy.submit_ok(offer.model_id, runcomfy_body(offer, size, seconds))
    target.advance(TIMING["queue_seconds"] + STEP)
    assert runcomfy.status(job).state == "in_progress"
    answer = runcomfy.cancel(job).json()
    assert (answer["status"], answer["outcome"]) == ("in_progress", "not_cancellable"), answer
    seen = follow(runcomfy, job, target, step=STEP, model=offer.model_id)
    assert_moves_only_forward(seen)
    assert seen[-1].state == "completed", [s.state for s in seen]
    assert Decimal(str(runcomfy.result(job)["cost"])) == paid(offer, size, seconds)
    late = runcomfy.cancel(job).json()
    assert (late["status"], late["outcome"]) == ("completed", "not_cancellable"), late
    assert runcomfy.status(job).state == "completed"


def test_cancelling_an_unknown_request_is_404001(
    target: Target, gate: LiveGate, runcomfy: RunComfyApi
) -> None:
    gate.require("runcomfy", what="a cancel for a request that does not exist (free)")
    response = runcomfy.cancel("00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404, response.text
    assert response.json()["error_code"] == 404001
