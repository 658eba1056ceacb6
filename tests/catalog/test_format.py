"""The catalog format: entries load with their schema, field map, output, pricing and
sources; a broken file is refused with its name; the first format still loads."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from mock_server.core.catalog import ROLES, Catalog, CatalogError
from mock_server.core.pricing import PriceRule

CATALOG = Catalog.load()
# every entry says where each of these facts comes from (a guess is marked INFERRED)
SOURCED = ("input_schema", "output.sizes", "output.fps", "output.audio", "pricing")


@pytest.mark.parametrize("offer", list(CATALOG), ids=lambda o: f"{o.provider}:{o.model_id}")
def test_every_built_in_fact_has_a_source(offer) -> None:
    missing = [
        fact
        for fact in SOURCED
        if not any(k == fact or k.startswith(fact + ".") for k in offer.sources)
        and not (fact == "output.sizes" and "output.resolutions" in offer.sources)
    ]
    assert missing == []
    assert all(isinstance(v, str) and v.strip() for v in offer.sources.values())
    assert set(offer.fields) <= ROLES
    for role, wire in offer.fields.items():
        top = wire.split(".")[0]
        assert top in offer.properties, f"{role} -> {wire} is not in the input schema"
    assert offer.sizes and all(offer.pricing.prices(t) for t in offer.sizes.values())


def test_price_rule_per_second_audio_per_clip_and_fixed() -> None:
    rule = PriceRule.from_json(
        {
            "per_second": {"720p": "0.084"},
            "audio_per_second": {"720p": "0.042"},
            "per_clip": "0.01",
            "clips": {"768p": {"6": "0.28", "10": "0.56"}},
        }
    )
    assert rule.cost("720p", 5) == Decimal("0.43")
    assert rule.cost("720p", 5, audio=True) == Decimal("0.64")
    assert rule.cost("720p", 3, audio=True) == Decimal("0.388")  # not rounded to cents
    assert rule.cost("768p", 10) == Decimal("0.57")
    assert rule.cost("720p", 5, 2) == Decimal("0.86")
    assert rule.prices("768p") and not rule.prices("4k")
    assert PriceRule.from_json(rule.to_json()) == rule


def _entry(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "provider": "runcomfy",
        "model_id": "acme/clip/text-to-video",
        "family": "acme",
        "input_schema": {
            "type": "object",
            "required": ["prompt"],
            "properties": {"prompt": {"type": "string"}, "duration": {"type": "integer"}},
        },
        "fields": {"prompt": "prompt", "duration": "duration"},
        "output": {"sizes": {"1280x720": "720p"}, "default_duration": 5, "audio": "never"},
        "pricing": {"per_second": {"720p": "0.05"}},
    }
    entry.update(changes)
    return entry


def _write(tmp_path: Path, *offers: dict[str, object]) -> Path:
    path = tmp_path / "extra.json"
    path.write_text(json.dumps({"format": "sora-mock/catalog@2", "offers": list(offers)}))
    return path


def test_a_user_file_adds_and_replaces_models(tmp_path: Path) -> None:
    sora = CATALOG.get("runcomfy", "openai/sora-2/text-to-video").to_json()
    sora["pricing"] = {"per_second": {"720p": "0.20"}}
    cat = Catalog.load([_write(tmp_path, _entry(), sora)])
    added = cat.get("runcomfy", "acme/clip/text-to-video")
    assert (added.default_duration, added.audio, added.image_input) == (5, "never", "none")
    assert added.cost("1280x720", 5) == Decimal("0.25")
    assert cat.get("runcomfy", "openai/sora-2/text-to-video").cost("1280x720", 4) == Decimal("0.80")
    assert len(list(cat)) == len(list(CATALOG)) + 1


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"fields": {"prompt": "prompt", "loudness": "duration"}}, "unknown roles"),
        ({"output": {"sizes": {"1280x720": "720p"}, "audio": "maybe"}}, "output.audio"),
        ({"output": {"audio": "never"}}, "names no pixel size"),
        ({"pricing": {"per_second": {"1080p": "0.1"}}}, "no price for tier"),
        ({"pricing": {"per_second": {"720p": "-1"}}}, "finite amount"),
        ({"input_schema": None}, "acme/clip/text-to-video"),
    ],
)
def test_a_broken_entry_is_refused_naming_file_and_model(tmp_path: Path, change, words) -> None:
    path = _write(tmp_path, _entry(**change))
    with pytest.raises(CatalogError) as info:
        Catalog.load([path])
    assert str(path) in str(info.value) and words in str(info.value)


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    with pytest.raises(CatalogError, match=r"broken\.json"):
        Catalog.load([path])


def test_the_first_format_still_loads(tmp_path: Path) -> None:
    old = {
        "provider": "runcomfy",
        "model_id": "acme/old/image-to-video",
        "family": "acme",
        "sizes": {"1280x720": "720p", "720x1280": "720p"},
        "durations": [4, 8],
        "default_size": "1280x720",
        "default_duration": 4,
        "price_per_second": {"720p": "0.10"},
        "image_input": "required",
        "prompt_max_chars": 300,
    }
    offer = Catalog.load([_write(tmp_path, old)]).get("runcomfy", "acme/old/image-to-video")
    assert offer.durations == (4, 8) and offer.size_list == ["1280x720", "720x1280"]
    assert offer.image_input == "required" and offer.prompt_max_chars == 300
    assert offer.cost("720x1280", 8) == Decimal("0.80")
    assert offer.properties["size"]["enum"] == ["1280x720", "720x1280"]


def test_aliases_reach_the_same_entry(tmp_path: Path) -> None:
    path = _write(tmp_path, _entry(aliases=["acme/clip/t2v"]))
    cat = Catalog.load([path])
    assert cat.get("runcomfy", "acme/clip/t2v") is cat.get("runcomfy", "acme/clip/text-to-video")
    assert [o.model_id for o in cat.for_provider("runcomfy")].count("acme/clip/text-to-video") == 1


def test_sora_keeps_its_facts() -> None:
    t2v = CATALOG.get("runcomfy", "openai/sora-2/text-to-video")
    assert (t2v.size_list, t2v.durations) == (["1280x720", "720x1280"], (4, 8, 12))
    assert (t2v.default_size, t2v.default_duration, t2v.image_input) == ("720x1280", 4, "none")
    pro = CATALOG.get("runcomfy", "openai/sora-2/pro/image-to-video")
    assert pro.image_input == "required" and pro.cost("1792x1024", 12) == Decimal("6.00")
    assert str(pro.retires_on) == "2026-09-24"
    rw = CATALOG.get("runware", "openai:3@1")
    assert rw.video_input and rw.durations == (4, 8, 12, 16, 20)
