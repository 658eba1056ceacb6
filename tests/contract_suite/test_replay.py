"""Recorded exchanges replay as fixtures: every answer goes through the contract checks.

The recordings in ``fixtures/recordings/`` (and any given with ``--sora-replay FILE``)
are checked offline, whatever the target: no answer may break its contract. The other
tests show the checks find what they are for, on doctored copies of a recording.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from contracts import Contracts
from tests.contract_suite.drift import check_exchange
from tests.contract_suite.recording import load_recording

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = sorted((ROOT / "fixtures" / "recordings").glob("*.json"))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "recording" in metafunc.fixturenames:
        given = [Path(p) for p in metafunc.config.getoption("--sora-replay")]
        files = [*COMMITTED, *given]
        metafunc.parametrize("recording", files, ids=[f.name for f in files])


def test_a_recording_meets_the_contracts(recording: Path, contracts: Contracts) -> None:
    exchanges = load_recording(recording)
    assert exchanges, f"{recording} holds no exchanges"
    operations = {e["operation"] for e in exchanges}
    assert operations & {"runware.tasks", "runcomfy.submit"}, operations
    broken = [
        (i, f) for i, e in enumerate(exchanges) for f in check_exchange(contracts, e)
        if f["kind"] == "violation"
    ]  # fmt: skip
    assert broken == [], broken


def _first(exchanges: list[dict[str, Any]], operation: str, key: str = "") -> dict[str, Any]:
    """A copy of the first 200 answer to ``operation`` (whose body has ``key``, if given)."""
    for exchange in exchanges:
        body = exchange["response"].get("json", {})
        ok = exchange["operation"] == operation and exchange["response"]["status"] == 200
        if ok and (not key or key in body):
            return copy.deepcopy(exchange)
    raise LookupError(operation)


@pytest.fixture
def exchanges() -> list[dict[str, Any]]:
    assert COMMITTED, "fixtures/recordings/ holds no recording"
    return load_recording(COMMITTED[0])


def kinds(contracts: Contracts, exchange: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f["kind"], f["path"]) for f in check_exchange(contracts, exchange)]


def test_a_broken_answer_is_a_violation(
    exchanges: list[dict[str, Any]], contracts: Contracts
) -> None:
    status = _first(exchanges, "runcomfy.status")
    assert kinds(contracts, status) == []
    status["response"]["json"]["status"] = "done"
    assert ("violation", "$.status") in kinds(contracts, status)
    poll = _first(exchanges, "runware.tasks")
    poll["response"]["json"] = {"data": [{"taskType": "videoInference", "status": "queued"}]}
    assert any(k == "violation" for k, _ in kinds(contracts, poll))
    poll["response"].pop("json")
    assert kinds(contracts, poll) == [("violation", "$")]  # not JSON at all


def test_a_field_no_contract_names_is_reported(
    exchanges: list[dict[str, Any]], contracts: Contracts
) -> None:
    status = _first(exchanges, "runcomfy.status")
    status["response"]["json"]["eta_seconds"] = 12
    assert kinds(contracts, status) == [("unknown-field", "$.eta_seconds")]
    result = _first(exchanges, "runcomfy.result", key="output")
    result["response"]["json"]["output"]["thumbnail"] = "https://example.com/t.png"
    assert ("unknown-field", "$.output.thumbnail") in kinds(contracts, result)


def test_refusals_of_valid_and_acceptance_of_invalid_requests_are_drift(
    exchanges: list[dict[str, Any]], contracts: Contracts
) -> None:
    submit = _first(exchanges, "runcomfy.submit")
    assert kinds(contracts, submit) == []
    refused = copy.deepcopy(submit)
    refused["response"]["status"] = 422
    refused["response"]["json"] = {"error_code": 422001, "error_message": "no", "detail": None}
    assert kinds(contracts, refused) == [("refused-valid", "$")]
    accepted = copy.deepcopy(submit)
    accepted["request"]["json"]["seconds"] = 5
    assert kinds(contracts, accepted) == [("accepted-invalid", "$")]


def test_a_file_that_is_no_recording_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"exchanges": []}))
    with pytest.raises(ValueError, match="not a sora-mock recording"):
        load_recording(path)
