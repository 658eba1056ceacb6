"""The served contract and the behaviour agree (findings of Schemathesis' checks)."""

from __future__ import annotations

import pytest

from tests.support import AUTH

pytestmark = pytest.mark.anyio

MODEL = "/v1/models/openai/sora-2/text-to-video"


async def test_an_unsupported_method_on_a_model_path_names_both_served_methods(client) -> None:
    r = await client.request("OPTIONS", MODEL, headers=AUTH)
    assert r.status_code == 405
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    assert r.json()["error_code"]  # RunComfy's envelope
    assert (await client.get(MODEL, headers=AUTH)).status_code == 200


@pytest.mark.parametrize("path", ["/schemas/registry.json", "/schemas/resolve/google:3@3"])
async def test_the_schema_registry_names_get_as_its_method(client, path: str) -> None:
    r = await client.post(path, headers=AUTH)
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["allow"].split(",")} == {"GET", "HEAD"}
    (error,) = r.json()["errors"]  # Runware's envelope
    assert error["code"] == "methodNotAllowed" and "GET" in error["message"]
    assert (await client.get(path, headers=AUTH)).status_code == 200


async def test_model_info_documents_its_401(client) -> None:
    doc = (await client.get("/openapi.json")).json()
    assert "401" in doc["paths"][MODEL]["get"]["responses"]
    assert (await client.get(MODEL)).status_code == 401


@pytest.mark.parametrize("value", ["2", "maybe", ""])
async def test_include_cost_must_be_a_boolean(client, value: str) -> None:
    job = (await client.post(MODEL, json={"prompt": "x"}, headers=AUTH)).json()["request_id"]
    r = await client.get(f"/v1/requests/{job}/result?include_cost={value}", headers=AUTH)
    assert r.status_code == 422
    (detail,) = r.json()["detail"]
    assert detail["loc"] == ["query", "include_cost"] and detail["type"] == "bool_parsing"


@pytest.mark.parametrize(("value", "shown"), [("true", True), ("1", True), ("false", False)])
async def test_include_cost_booleans_work(client, value: str, shown: bool) -> None:
    job = (await client.post(MODEL, json={"prompt": "x"}, headers=AUTH)).json()["request_id"]
    await client.post(f"/_emulator/jobs/{job}/complete")
    r = await client.get(f"/v1/requests/{job}/result?include_cost={value}", headers=AUTH)
    assert r.status_code == 200 and ("cost" in r.json()) is shown
