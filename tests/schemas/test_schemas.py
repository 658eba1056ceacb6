"""Every schema is well formed, every documented example satisfies its contract, and
every schema rejects at least one representative wrong document."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from contracts import ContractError, Contracts
from tests.schemas.examples import WRONG, documented, seed

CONTRACTS = Contracts.default()
_META = {"$schema", "$id", "title", "description", "$defs"}


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize("name", CONTRACTS.names)
def test_schema_is_valid_2020_12_and_every_ref_resolves(name: str) -> None:
    doc = CONTRACTS.schema(name)
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    resolver = CONTRACTS.registry.resolver(base_uri=doc["$id"])
    for ref in _refs(doc):
        assert resolver.lookup(ref).contents is not None, ref


@pytest.mark.parametrize("entry", documented(), ids=lambda e: f"{e['file']}:{e['name']}")
def test_documented_example_satisfies_its_contract(entry: dict[str, Any]) -> None:
    assert CONTRACTS.errors(entry["schema"], entry["document"]) == []


def test_fixtures_hold_the_seeds_verbatim() -> None:
    names = {e["name"] for e in documented()}
    assert len([n for n in names if n.endswith(".request") and "-" in n]) >= 4
    monsoon = seed("bioluminescent-monsoon-market-night.response")
    assert monsoon["videoUUID"] == "df343c44-b6a2-4218-ac27-ec0e497f2b15"
    assert monsoon["cost"] == 0.8 and monsoon["outputs"]["videoId"].startswith("video_")
    tokyo = seed("text-to-video.request")
    assert tokyo == {"prompt": tokyo["prompt"]} and tokyo["prompt"].startswith("Tokyo night")


def test_seed_items_also_pass_inside_their_envelopes() -> None:
    for entry in documented():
        if entry["schema"] == "runware/success-item":
            CONTRACTS.check("runware/response", {"data": [entry["document"]]})
            webhook = {"data": [{**entry["document"], "status": "success"}]}
            CONTRACTS.check("runware/webhook", webhook)
        if entry["schema"] == "runware/video-inference-task":
            CONTRACTS.check("runware/request", [entry["document"]])


def test_every_schema_has_a_wrong_document() -> None:
    """A schema that is only a library of $defs is covered through each definition."""
    covered = set(WRONG)
    for name in CONTRACTS.names:
        doc = CONTRACTS.schema(name)
        if set(doc) - _META:
            assert name in covered, f"{name} has no representative wrong document"
        else:
            for key in doc.get("$defs", {}):
                assert f"{name}#/$defs/{key}" in covered, f"{name}#/$defs/{key} is untested"


@pytest.mark.parametrize("ref", sorted(WRONG))
def test_schema_rejects_a_representative_wrong_document(ref: str) -> None:
    document, path = WRONG[ref]
    with pytest.raises(ContractError) as caught:
        CONTRACTS.check(ref, document)
    assert path in [v.path for v in caught.value.violations], caught.value.violations


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda d: d["data"][0].update(taskType="getResponse"), "$.data[0].taskType"),
        (lambda d: d["data"][0].update(status="done"), "$.data[0].status"),
        (lambda d: d["data"][0].pop("videoURL"), "$.data[0].videoURL"),
        (lambda d: d["data"][0].update(cost="0.18"), "$.data[0].cost"),
        (lambda d: d.update(errors=[]), "$.errors"),
    ],
)
def test_runware_poll_breakage_is_named_by_path(mutate: Any, path: str) -> None:
    doc = seed("poll.success")
    mutate(doc)
    assert path in [v.path for v in CONTRACTS.errors("runware/response", doc)]


def test_video_inference_rules_from_the_model_pages() -> None:
    task = seed("bioluminescent-monsoon-market-night.request")
    ok = copy.deepcopy(task)
    CONTRACTS.check("runware/video-inference-task", ok)
    del ok["width"]
    assert "$.width" in [v.path for v in CONTRACTS.errors("runware/video-inference-task", ok)]
    for bad, path in [
        ({**task, "inputs": {"videoId": "video_1"}}, "$.width"),
        ({**task, "model": "openai:3@2", "inputs": {"videoId": "v"}}, "$.inputs.videoId"),
        ({**task, "positivePrompt": "x" * 4001}, "$.positivePrompt"),
        ({**task, "taskUUID": "not-a-uuid"}, "$.taskUUID"),
        ({**task, "seeed": 1}, "$.seeed"),
    ]:
        assert path in [v.path for v in CONTRACTS.errors("runware/video-inference-task", bad)]
    sora_pro = {**task, "model": "openai:3@2", "width": 1920, "height": 1080, "duration": 20.0}
    CONTRACTS.check("runware/video-inference-task", sora_pro)


def test_runcomfy_status_and_result_vocabularies_differ() -> None:
    status = {"request_id": "r1", "status": "completed"}
    CONTRACTS.check("runcomfy/status-response", status)
    assert CONTRACTS.errors("runcomfy/result-response", status)[0].path == "$.status"
    queued = {"request_id": "r1", "status": "in_queue"}
    assert [v.path for v in CONTRACTS.errors("runcomfy/status-response", queued)] == [
        "$.queue_position"
    ]
