"""The model enums in the contracts and the catalog cannot drift apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contracts import Contracts, slug
from contracts.generate import (
    SCHEMA_DIR,
    default_catalog_path,
    main,
    model_documents,
    read_catalog,
    render,
)
from mock_server.core.catalog import Catalog

CONTRACTS = Contracts.default()
CATALOG = Catalog.load()


def test_committed_model_files_are_what_the_generator_makes_from_the_catalog() -> None:
    catalog = read_catalog(default_catalog_path())
    for name, doc in model_documents(catalog).items():
        committed = (SCHEMA_DIR / f"{name}.json").read_text(encoding="utf-8")
        assert committed == render(doc), f"run: python -m contracts.generate ({name} is stale)"


@pytest.mark.parametrize("provider", ["runware", "runcomfy"])
def test_contract_models_are_the_catalog_models(provider: str) -> None:
    assert CONTRACTS.models(provider) == [o.model_id for o in CATALOG.for_provider(provider)]


# the Sora-shaped models, asked by "WxH" size and "seconds"
SIZED = [o for o in CATALOG.for_provider("runcomfy") if o.fields.get("size") == "size"]


@pytest.mark.parametrize("offer", SIZED, ids=lambda o: o.model_id)
def test_runcomfy_sizes_and_durations_match_the_catalog(offer) -> None:
    props = CONTRACTS.schema("runcomfy/models")["$defs"][slug(offer.model_id)]["properties"]
    assert props["size"]["enum"] == offer.size_list
    assert props["seconds"]["enum"] == list(offer.durations)
    ref = CONTRACTS.runcomfy_submit(offer.model_id)
    image = {"input_reference": "https://example.com/a.png"} if offer.image_input != "none" else {}
    for size in offer.sizes:
        for seconds in offer.durations:
            CONTRACTS.check(ref, {"prompt": "p", "size": size, "seconds": seconds, **image})
    assert CONTRACTS.errors(ref, {"prompt": "p", "seconds": max(offer.durations) + 1, **image})


@pytest.mark.parametrize("offer", list(CATALOG.for_provider("runware")), ids=lambda o: o.model_id)
def test_runware_sizes_and_durations_match_the_catalog(offer) -> None:
    base = {"taskType": "videoInference", "taskUUID": "24cd5dff-cb81-4db5-8506-b72a9425f9d1"}
    base |= {"model": offer.model_id, "positivePrompt": "p"}
    accepted = set()
    widths = {int(s.split("x")[0]) for s in offer.sizes} | {1000}
    heights = {int(s.split("x")[1]) for s in offer.sizes} | {1000}
    for w in widths:
        for h in heights:
            task = {**base, "width": w, "height": h, "duration": offer.durations[0]}
            if not CONTRACTS.errors("runware/video-inference-task", task):
                accepted.add(f"{w}x{h}")
    assert accepted == set(offer.sizes)
    width, height = (int(v) for v in offer.size_list[0].split("x"))
    for d in range(0, 25):
        task = {**base, "width": width, "height": height, "duration": d}
        ok = not CONTRACTS.errors("runware/video-inference-task", task)
        assert ok == (d in offer.durations), d


def test_generator_check_mode_reports_drift_without_writing(tmp_path: Path, capsys) -> None:
    catalog = read_catalog(default_catalog_path())
    assert main(["--check"]) == 0
    catalog["offers"][0]["input_schema"]["properties"]["seconds"]["enum"].append(16)
    changed = tmp_path / "catalog.json"
    changed.write_text(json.dumps(catalog))
    before = (SCHEMA_DIR / "runcomfy/models.json").read_text(encoding="utf-8")
    assert main(["--catalog", str(changed), "--check"]) == 1
    assert "runcomfy/models.json is out of date" in capsys.readouterr().err
    assert (SCHEMA_DIR / "runcomfy/models.json").read_text(encoding="utf-8") == before
    assert main(["--catalog", str(tmp_path / "missing.json")]) == 2


@pytest.mark.parametrize("offer", list(CATALOG.for_provider("runcomfy")), ids=lambda o: o.model_id)
def test_every_runcomfy_choice_of_the_catalog_is_one_the_contract_accepts(offer) -> None:
    """Each duration, resolution and aspect ratio of the catalog passes the generated
    contract, which is the model's published schema; one more second does not."""
    ref = CONTRACTS.runcomfy_submit(offer.model_id)
    base: dict[str, object] = {"prompt": "p"}
    for role in ("first_frame", "last_frame"):
        if offer.required(role):
            base[offer.fields[role]] = "https://example.com/a.png"
    duration = offer.field_schema("duration") or {}
    name = offer.fields.get("duration")
    sample = duration.get("enum", offer.durations) if name else []
    for value in sample:
        CONTRACTS.check(ref, {**base, name: value})
    if name and "enum" not in duration:
        assert CONTRACTS.errors(ref, {**base, name: max(offer.durations) + 1})
    res, ratio = offer.fields.get("resolution"), offer.fields.get("aspect_ratio")
    reached = set()
    for tier, table in offer.resolutions.items():
        for key, size in table.items():
            body = dict(base)
            if res:
                body[res] = tier
            if ratio:
                body[ratio] = key
            CONTRACTS.check(ref, body)
            reached.add(size)
    assert reached <= set(offer.sizes)
