"""Generated requests, per catalog model: valid ones are accepted, invalid ones refused.

A valid request (any size, duration, prompt length, unicode, optional fields) gets an
answer that meets its contract, and so does the first status read of its job (the
job is then discarded so it never renders). An invalid one gets the provider's error
envelope with the right status and code, naming the field at fault; never a 5xx.
Generated requests are not sent to a live API: each could be billed.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from contracts import Contracts
from mock_server.core.catalog import ModelOffer
from tests.contract_suite.apis import RunComfyApi, RunwareApi, check
from tests.contract_suite.mutations import Invalid, runcomfy_invalid, runware_invalid
from tests.contract_suite.strategies import runcomfy_bodies, runware_tasks
from tests.contract_suite.target import Target


@given(data=st.data())
def test_valid_runware_tasks_are_accepted(
    data: st.DataObject,
    runware_offer: ModelOffer,
    runware: RunwareApi,
    target: Target,
    emulator_only: None,
) -> None:
    task = data.draw(runware_tasks(runware_offer), label="task")
    assert runware.contracts.errors("runware/request", [task]) == []
    job = runware.submit_ok(task)
    seen = runware.status(job)
    assert (seen.state, seen.progress) == ("processing", 0), seen.body
    target.discard(job)


@given(data=st.data())
def test_valid_runcomfy_bodies_are_accepted(
    data: st.DataObject,
    runcomfy_offer: ModelOffer,
    runcomfy: RunComfyApi,
    target: Target,
    emulator_only: None,
) -> None:
    body = data.draw(runcomfy_bodies(runcomfy_offer), label="body")
    ref = runcomfy.contracts.runcomfy_submit(runcomfy_offer.model_id)
    assert runcomfy.contracts.errors(ref, body) == []
    job = runcomfy.submit_ok(runcomfy_offer.model_id, body)
    seen = runcomfy.status(job)
    assert seen.state == "in_queue" and isinstance(seen.queue_position, int), seen.body
    target.discard(job)


def _breaks_contract(contracts: Contracts, ref: str, invalid: Invalid) -> None:
    """The generator's own check: what it calls invalid, the contract refuses."""
    if invalid.raw is None:
        assert contracts.errors(ref, invalid.body), f"{invalid.what}: the contract accepts it"
        return
    try:
        sent = json.loads(invalid.raw)
    except (ValueError, UnicodeDecodeError):
        return  # not JSON at all
    if invalid.content_type == "application/json":
        assert contracts.errors(ref, sent), f"{invalid.what}: the contract accepts it"


@given(data=st.data())
def test_invalid_runware_requests_get_the_error_envelope(
    data: st.DataObject,
    runware_offer: ModelOffer,
    runware: RunwareApi,
    emulator_only: None,
) -> None:
    invalid = data.draw(runware_invalid(runware_offer, runware.contracts), label="invalid")
    _breaks_contract(runware.contracts, "runware/request", invalid)
    if invalid.raw is None:
        response = runware.post(invalid.body)
    else:
        response = runware.raw(invalid.raw, invalid.content_type)
    assert response.status_code == invalid.status, (invalid.what, response.text)
    body = response.json()
    error = body["errors"][0]
    assert error["code"] in invalid.codes, (invalid.what, error)
    assert body.get("data", []) == [], body
    if invalid.field is not None:
        named = error.get("parameter")
        named = named if isinstance(named, list) else [named]
        assert invalid.field in named, (invalid.what, error)


@given(data=st.data())
def test_invalid_runcomfy_requests_get_the_error_envelope(
    data: st.DataObject,
    runcomfy_offer: ModelOffer,
    runcomfy: RunComfyApi,
    target: Target,
    emulator_only: None,
) -> None:
    invalid = data.draw(runcomfy_invalid(runcomfy_offer), label="invalid")
    ref = runcomfy.contracts.runcomfy_submit(runcomfy_offer.model_id)
    _breaks_contract(runcomfy.contracts, ref, invalid)
    path = f"/v1/models/{runcomfy_offer.model_id}"
    if invalid.raw is None:
        response = target.send("runcomfy", "POST", path, json=invalid.body)
    else:
        headers = {"Content-Type": invalid.content_type}
        response = target.send("runcomfy", "POST", path, content=invalid.raw, headers=headers)
    assert response.status_code == invalid.status, (invalid.what, response.text)
    envelope = check(runcomfy.contracts, "runcomfy/error", response)
    assert envelope["error_code"] in invalid.codes, (invalid.what, envelope)
    where = ["body", invalid.field] if invalid.field else ["body"]
    assert envelope["detail"], envelope
    assert all(item["loc"] == where for item in envelope["detail"]), (invalid.what, envelope)
