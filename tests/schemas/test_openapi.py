"""The emulator serves an OpenAPI 3.1 document built from the contracts, and a
self-contained HTML page rendering it."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from contracts import Contracts
from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.conftest import with_config
from tests.schemas.examples import WRONG, documented

pytestmark = pytest.mark.anyio

DOC_URI = "urn:sora-mock:openapi"


def _component(ref: str) -> str:
    """The component that stands for a contracts ref in the OpenAPI document."""
    from contracts.openapi import component_name

    name, _, pointer = ref.partition("#")
    comp = component_name(name)
    return f"{comp}.{pointer.split('/')[-1]}" if pointer else comp


def _validator(doc: dict[str, Any], component: str) -> Draft202012Validator:
    registry: Registry[Any] = Registry().with_resource(
        DOC_URI, Resource.from_contents(doc, default_specification=DRAFT202012)
    )
    schema = {"$ref": f"{DOC_URI}#/components/schemas/{component}"}
    return Draft202012Validator(schema, registry=registry)


@pytest.fixture(scope="module")
def openapi(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The document as served, fetched once for the module (it covers every model)."""
    media = tmp_path_factory.mktemp("openapi-media")
    app = create_app(Config(clock="manual", media_dir=str(media)), clock=ManualClock())

    async def fetch() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
            return await c.get("/openapi.json")

    r = asyncio.run(fetch())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    return dict(r.json())


async def test_document_lists_both_dialects(openapi) -> None:
    assert openapi["openapi"] == "3.1.0"
    assert openapi["servers"] == [{"url": "http://sora.test", "description": "this emulator"}]
    paths = openapi["paths"]
    assert "post" in paths["/v1"] and paths["/v1"]["x-websocket"]["url"] == "ws://sora.test/v1"
    for model in Contracts.default().models("runcomfy"):
        assert {"post", "get"} <= set(paths[f"/v1/models/{model}"])
    assert "get" in paths["/v1/requests/{request_id}/status"]
    assert "get" in paths["/v1/requests/{request_id}/result"]
    assert "202" in paths["/v1/requests/{request_id}/cancel"]["post"]["responses"]
    assert "runwareTaskCompleted" in openapi["webhooks"]


async def test_every_ref_resolves_and_every_component_is_a_schema(openapi) -> None:
    text = json.dumps(openapi)
    refs = set(re.findall(r'"\$ref": "([^"]+)"', text))
    assert len(refs) > 30
    for ref in refs:
        assert ref.startswith("#/components/schemas/"), ref
        node: Any = openapi
        for part in ref[2:].split("/"):
            node = node[part]
    for name, schema in openapi["components"]["schemas"].items():
        Draft202012Validator.check_schema(schema)
        assert "$id" not in schema and "$defs" not in schema, name


@pytest.mark.parametrize("entry", documented(), ids=lambda e: e["name"])
async def test_examples_validate_through_the_document(openapi, entry) -> None:
    validator = _validator(openapi, _component(entry["schema"]))
    assert list(validator.iter_errors(entry["document"])) == []


@pytest.mark.parametrize("ref", sorted(WRONG))
async def test_wrong_documents_fail_through_the_document(openapi, ref) -> None:
    validator = _validator(openapi, _component(ref))
    assert list(validator.iter_errors(WRONG[ref][0]))


async def test_document_follows_the_live_catalog(config, clock, tmp_path) -> None:
    extra = tmp_path / "catalog.json"
    offer = {
        "provider": "runcomfy",
        "model_id": "openai/sora-2/test-only",
        "family": "sora-2",
        "sizes": {"640x360": "720p"},
        "durations": [2],
        "price_per_second": {"720p": "0.01"},
    }
    extra.write_text(json.dumps({"offers": [offer]}))
    app = create_app(with_config(config, catalog=(str(extra),)), clock=clock)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
        doc = (await c.get("/openapi.json")).json()
    schema = doc["components"]["schemas"]["RunComfyModels.openai-sora-2-test-only"]
    assert schema["properties"]["size"]["enum"] == ["640x360"]
    assert "/v1/models/openai/sora-2/test-only" in doc["paths"]


async def test_docs_page_is_self_contained_html(client, openapi) -> None:
    r = await client.get("/docs")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert "<script" not in page
    assert not re.search(r'(src|href)="(https?:)?//', page), "no external assets"
    for path in openapi["paths"]:
        assert path.replace("{", "&#x7b;") in page or path in page
    for name in openapi["components"]["schemas"]:
        assert f'id="schema-{name}"' in page
    assert page.count('class="op"') >= len(openapi["paths"])
