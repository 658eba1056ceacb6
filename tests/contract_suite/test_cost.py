"""Cost = the model's own price rule (per second, per clip, sound by default), for every
price tier and duration the model allows.

Per model, one job for each (price tier, duration) pair, its size rotating through the
sizes of the tier; all are submitted, then time moves once, then each finished job's
reported cost is read: Runware's ``cost`` on every video item (``includeCost``), RunComfy's
``cost`` on ``/result?include_cost=true``. Emulators only: on a live target this would
buy a clip per pair (the lifecycle test checks the cost of one).
"""

from __future__ import annotations

from decimal import Decimal
from itertools import cycle

from mock_server.core.catalog import ModelOffer
from mock_server.core.model_input import read_input
from tests.contract_suite.apis import RunComfyApi, RunwareApi
from tests.contract_suite.target import Target
from tests.contract_suite.test_lifecycle import paid, runcomfy_body, runware_task

IMMEDIATE = {
    "kind": "clock",
    "queue_seconds": 0,
    "run_seconds": 1,
    "run_seconds_per_video_second": 0,
}


def plan(offer: ModelOffer) -> list[tuple[str, int]]:
    """(size, seconds) covering every price tier with every duration."""
    tiers: dict[str, list[str]] = {}
    for size, tier in offer.sizes.items():
        tiers.setdefault(tier, []).append(size)
    out = []
    for sizes in tiers.values():
        rotation = cycle(sizes)
        out += [(next(rotation), seconds) for seconds in offer.durations]
    return [(size, seconds) for size, seconds in out if allowed(offer, size, seconds)]


def allowed(offer: ModelOffer, size: str, seconds: int) -> bool:
    """Whether the model takes this pair (Hailuo 2.3: 10 s only at 768p)."""
    if offer.provider == "runware":
        body = runware_task(offer, size, seconds)
    else:
        body = runcomfy_body(offer, size, seconds)
    return not read_input(offer, {k: v for k, v in body.items() if k in offer.properties}).problems


def test_cost_is_price_per_second_times_seconds(
    offer: ModelOffer,
    target: Target,
    runware: RunwareApi,
    runcomfy: RunComfyApi,
    emulator_only: None,
) -> None:
    jobs: list[tuple[str, str, int, int]] = []
    with target.progression(**IMMEDIATE):
        for n, (size, seconds) in enumerate(plan(offer)):
            if offer.provider == "runware":
                results = 1 + n % 2  # the cost is per video, whatever numberResults is
                task = runware_task(offer, size, seconds, numberResults=results)
                jobs.append((runware.submit_ok(task), size, seconds, results))
            else:
                body = runcomfy_body(offer, size, seconds)
                jobs.append((runcomfy.submit_ok(offer.model_id, body), size, seconds, 1))
    target.advance(1)
    for job, size, seconds, results in jobs:
        expected = paid(offer, size, seconds)
        if offer.provider == "runware":
            seen = runware.status(job)
            assert seen.state == "success", seen.body
            costs = [Decimal(str(item["cost"])) for item in seen.body["data"]]
            assert costs == [expected] * results, (size, seconds, seen.body)
        else:
            result = runcomfy.result(job)
            assert result["status"] == "succeeded", result
            assert Decimal(str(result["cost"])) == expected, (size, seconds, result)
