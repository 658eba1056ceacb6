"""Same seed + same requests = the same bytes: every answer and every video (emulators only).

In-process, two new emulators seeded alike answer one scenario byte for byte. Against
a running emulator the suite resets it with the seed twice (``POST /_emulator/reset``:
this forgets its jobs) and compares the two runs; its clock cannot be wound back, so
RFC 3339 timestamps, the only clock readings in the answers, are masked there.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx

from contracts import Contracts
from mock_server.core.catalog import Catalog
from tests.contract_suite.apis import RunComfyApi, RunwareApi
from tests.contract_suite.budget import cheapest
from tests.contract_suite.target import Target
from tests.contract_suite.test_lifecycle import runcomfy_body, runware_task

SEED = 7
TASK_UUID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
TIMING = {
    "kind": "clock",
    "queue_seconds": 10,
    "run_seconds": 20,
    "run_seconds_per_video_second": 0,
}
STAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")


def scenario(
    target: Target, catalog: Catalog, contracts: Contracts
) -> list[tuple[str, int, bytes]]:
    """Submit to both providers, read, let the jobs finish, read, download: every answer."""
    runware, runcomfy = RunwareApi(target, contracts), RunComfyApi(target, contracts)
    comfy_offer = catalog.for_provider("runcomfy")[0]
    ware_offer = catalog.for_provider("runware")[0]
    out: list[tuple[str, int, bytes]] = []

    def keep(label: str, response: httpx.Response) -> None:
        out.append((label, response.status_code, response.content))

    size, seconds, _ = cheapest(comfy_offer)
    with target.progression(**TIMING):
        submitted = runcomfy.submit(comfy_offer.model_id, runcomfy_body(comfy_offer, size, seconds))
        keep("runcomfy submit", submitted)
        size, seconds, _ = cheapest(ware_offer)
        task = {**runware_task(ware_offer, size, seconds), "taskUUID": TASK_UUID}
        keep("runware submit", runware.post([task]))
    job = submitted.json()["request_id"]
    for moment in ("queued", "finished"):
        keep(
            f"runcomfy status {moment}",
            target.send("runcomfy", "GET", f"/v1/requests/{job}/status"),
        )
        keep(f"runware poll {moment}", runware.poll(TASK_UUID))
        target.advance(40)
    keep("runcomfy result", target.send("runcomfy", "GET", f"/v1/requests/{job}/result"))
    keep("runcomfy video", target.fetch("runcomfy", runcomfy.video_urls(job)[0]))
    keep("runware video", target.fetch("runware", runware.video_urls(TASK_UUID)[0]))
    return out


Run = list[tuple[str, int, bytes]]


def runner(
    target: Target, fresh_target: Callable[[int], Target], catalog: Catalog, contracts: Contracts
) -> Callable[[int], Run]:
    """``run(seed)``: the scenario on an emulator that starts afresh from ``seed``."""

    def run(seed: int) -> Run:
        if target.kind == "inprocess":
            return scenario(fresh_target(seed), catalog, contracts)
        target.reset(seed)
        masked = scenario(target, catalog, contracts)
        return [(label, status, STAMP.sub(b"<time>", body)) for label, status, body in masked]

    return run


def test_the_same_seed_and_requests_give_the_same_bytes(
    target: Target,
    fresh_target: Callable[[int], Target],
    catalog: Catalog,
    contracts: Contracts,
    emulator_only: None,
) -> None:
    run = runner(target, fresh_target, catalog, contracts)
    first, second = run(SEED), run(SEED)
    assert [label for label, _, _ in first] == [label for label, _, _ in second]
    assert all(status in (200, 206) for _, status, _ in first), [s for _, s, _ in first]
    for (label, _, a), (_, _, b) in zip(first, second, strict=True):
        assert a == b, f"{label} differs:\n{a[:300]!r}\n{b[:300]!r}"
    assert first[-1][2][4:8] == b"ftyp"  # a real video was compared, not an error page


def test_another_seed_gives_other_ids_and_videos(
    target: Target,
    fresh_target: Callable[[int], Target],
    catalog: Catalog,
    contracts: Contracts,
    emulator_only: None,
) -> None:
    """The seed matters, so the test above cannot pass by ignoring it."""
    run = runner(target, fresh_target, catalog, contracts)
    one = {label: body for label, _, body in run(SEED)}
    two = {label: body for label, _, body in run(SEED + 1)}
    assert one["runcomfy submit"] != two["runcomfy submit"]
    assert one["runware video"] != two["runware video"]
