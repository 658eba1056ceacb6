"""RunComfy's catalog endpoints: list (search, category, kind, schemas, pages), the
categories, and one model's entry; every answer keeps its contract."""

from __future__ import annotations

import pytest

from contracts import Contracts
from mock_server.core.catalog import Catalog
from tests.support import AUTH

pytestmark = pytest.mark.anyio

CONTRACTS = Contracts.default()
MODELS = [o.model_id for o in Catalog.load().for_provider("runcomfy")]


async def _get(client, url: str, schema: str) -> dict:
    r = await client.get(url, headers=AUTH)
    assert r.status_code == 200, r.text
    CONTRACTS.check(schema, r.json())
    return dict(r.json())


async def test_the_listing_pages_through_every_model(client) -> None:
    seen: list[str] = []
    offset = 0
    while True:
        page = await _get(client, f"/v1/models?limit=4&offset={offset}", "runcomfy/model-list")
        assert page["total"] == len(MODELS) and len(page["models"]) <= 4
        assert all("input_schema" not in m for m in page["models"])
        seen += [m["model_id"] for m in page["models"]]
        if not page["models"]:
            break
        offset += 4
    assert seen == MODELS


async def test_search_category_kind_and_schemas(client) -> None:
    wan = await _get(
        client, "/v1/models?search=WAN%202.7&include_schema=true", "runcomfy/model-list"
    )
    assert [m["model_id"] for m in wan["models"]] == [
        "wan-ai/wan-2.7/text-to-video",
        "wan-ai/wan-2.7/image-to-video",
    ]
    schema = wan["models"][1]["input_schema"]
    assert schema["required"] == ["prompt", "image_url"] and "end_image_url" in schema["properties"]
    i2v = await _get(client, "/v1/models?category=image-to-video", "runcomfy/model-list")
    assert i2v["total"] == len([m for m in MODELS if m.endswith("image-to-video")])
    assert all(m["categories"] == ["image-to-video"] for m in i2v["models"])
    none = await _get(client, "/v1/models?kind=workflow", "runcomfy/model-list")
    assert none == {"models": [], "total": 0, "limit": 20, "offset": 0}
    cats = await _get(client, "/v1/models/categories", "runcomfy/model-categories")
    assert {"text-to-video", "image-to-video", "first-last-frame-to-video"} <= set(
        cats["categories"]
    )


async def test_one_model_entry_has_its_price_and_schema(client) -> None:
    kling = await _get(
        client, "/v1/models/kling/kling-3.0/standard/text-to-video", "runcomfy/model-info"
    )
    assert kling["display_name"] == "Kling 3.0 Standard" and kling["kind"] == "model"
    assert (kling["base_price_usd"], kling["price_unit"]) == (0.084, "second")
    assert "0.042 USD per second more with sound" in kling["pricing_note"]
    assert kling["input_schema"]["properties"]["sound"]["default"] is True
    alias = await _get(client, "/v1/models/bytedance/seedance-v2/pro", "runcomfy/model-info")
    assert alias["model_id"] == "bytedance/seedance-2.0/pro"


@pytest.mark.parametrize(
    ("query", "field"),
    [("limit=0", "limit"), ("limit=101", "limit"), ("offset=-1", "offset"), ("limit=ten", "limit")],
)
async def test_a_bad_page_is_422001(client, query: str, field: str) -> None:
    r = await client.get(f"/v1/models?{query}", headers=AUTH)
    assert r.status_code == 422
    CONTRACTS.check("runcomfy/error", r.json())
    assert [d["loc"] for d in r.json()["detail"]] == [["query", field]]


async def test_the_catalog_needs_a_key(client) -> None:
    r = await client.get("/v1/models")
    assert r.status_code == 401 and r.json()["error_code"] == 401001
