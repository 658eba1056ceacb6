"""Every RunComfy error: numeric error_code envelope, the right HTTP status, no 500s."""

from __future__ import annotations

import pytest

from mock_server.config import Config
from tests.support import AUTH

pytestmark = pytest.mark.anyio

T2V = "/v1/models/openai/sora-2/text-to-video"
I2V = "/v1/models/openai/sora-2/image-to-video"


def envelope(r, code: int, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert body["error_code"] == code
    assert isinstance(body["error_message"], str) and body["error_message"]
    assert set(body) == {"error_code", "error_message", "detail"}
    return dict(body)


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic abc"}, {"Authorization": "Bearer "}, {"Authorization": "token"}],
)
async def test_missing_or_malformed_authorization_is_401001(client, headers) -> None:
    r = await client.post(T2V, json={"prompt": "x"}, headers=headers)
    envelope(r, 401001, 401)
    envelope(await client.get("/v1/requests/abc/status", headers=headers), 401001, 401)


async def test_the_documented_invalid_key_is_rejected(client) -> None:
    r = await client.post(
        T2V, json={"prompt": "x"}, headers={"Authorization": "Bearer sora-mock-invalid-key"}
    )
    envelope(r, 400004, 401)


async def test_configured_keys_reject_others(tmp_path) -> None:
    import httpx

    from mock_server.app import create_app

    app = create_app(Config(clock="manual", api_keys=("good",), media_dir=str(tmp_path)))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        ok = await c.post(T2V, json={"prompt": "x"}, headers={"Authorization": "Bearer good"})
        assert ok.status_code == 200
        bad = await c.post(T2V, json={"prompt": "x"}, headers={"Authorization": "Bearer other"})
        envelope(bad, 400004, 401)


async def test_unknown_model_is_400001(client) -> None:
    r = await client.post(
        "/v1/models/openai/sora-3/text-to-video", json={"prompt": "x"}, headers=AUTH
    )
    assert "sora-3" in envelope(r, 400001, 400)["error_message"]
    envelope(await client.get("/v1/models/nope", headers=AUTH), 400001, 400)


async def test_unknown_request_is_404001(client) -> None:
    for op in ("status", "result"):
        envelope(await client.get(f"/v1/requests/missing/{op}", headers=AUTH), 404001, 404)
    envelope(await client.post("/v1/requests/missing/cancel", headers=AUTH), 404001, 404)


async def test_another_tenants_request_is_403001(client) -> None:
    rid = (await client.post(T2V, json={"prompt": "mine"}, headers=AUTH)).json()["request_id"]
    other = {"Authorization": "Bearer someone-else"}
    for op in ("status", "result"):
        envelope(await client.get(f"/v1/requests/{rid}/{op}", headers=other), 403001, 403)
    envelope(await client.post(f"/v1/requests/{rid}/cancel", headers=other), 403001, 403)


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({}, "prompt", "missing"),
        ({"prompt": 12}, "prompt", "string_type"),
        ({"prompt": "   "}, "prompt", "string_too_short"),
        ({"prompt": "x" * 4001}, "prompt", "string_too_long"),
        ({"prompt": "x", "size": "1920x1080"}, "size", "enum"),
        ({"prompt": "x", "size": 1280}, "size", "enum"),
        ({"prompt": "x", "seconds": 5}, "seconds", "enum"),
        ({"prompt": "x", "seconds": "eight"}, "seconds", "int_type"),
        ({"prompt": "x", "seconds": True}, "seconds", "int_type"),
        ({"prompt": "x", "seconds": 8.5}, "seconds", "int_type"),
        ({"prompt": "x", "seconds": "²"}, "seconds", "int_type"),
        ({"prompt": "x", "seconds": "٨"}, "seconds", "int_type"),
    ],
)
async def test_validation_errors_are_422001_naming_the_field(client, body, field, kind) -> None:
    detail = envelope(await client.post(T2V, json=body, headers=AUTH), 422001, 422)["detail"]
    assert len(detail) == 1
    assert detail[0]["loc"] == ["body", field] and detail[0]["type"] == kind


async def test_enum_errors_list_the_allowed_values(client) -> None:
    r = await client.post(T2V, json={"prompt": "x", "seconds": 5}, headers=AUTH)
    assert envelope(r, 422001, 422)["detail"][0]["ctx"] == {"expected": [4, 8, 12]}


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"a string"', b"\xff\xfe", b"null"])
async def test_malformed_bodies_are_422001(client, raw) -> None:
    r = await client.post(T2V, content=raw, headers={**AUTH, "content-type": "application/json"})
    assert envelope(r, 422001, 422)["detail"][0]["loc"] == ["body"]


async def test_image_to_video_requires_an_input_reference(client) -> None:
    r = await client.post(I2V, json={"prompt": "x"}, headers=AUTH)
    assert envelope(r, 422001, 422)["detail"][0]["loc"] == ["body", "input_reference"]
    bad = await client.post(I2V, json={"prompt": "x", "input_reference": "ftp://x"}, headers=AUTH)
    assert envelope(bad, 422001, 422)["detail"][0]["loc"] == ["body", "input_reference"]
    for almost in (" https://example.com/a.png", "HTTPS://example.com/a.png"):
        r = await client.post(I2V, json={"prompt": "x", "input_reference": almost}, headers=AUTH)
        assert envelope(r, 422001, 422)["detail"][0]["loc"] == ["body", "input_reference"]
    junk = await client.post(
        I2V, json={"prompt": "x", "input_reference": "data:image/png;base64,AAAA"}, headers=AUTH
    )
    assert envelope(junk, 422001, 422)["detail"][0]["loc"] == ["body", "input_reference"]


@pytest.mark.parametrize("seconds", ["8", 8.0])
async def test_integral_seconds_are_read_laxly(client, emu, seconds) -> None:
    # JSON Schema counts 8.0 as an integer, so the contract allows it: so must the API
    r = await client.post(T2V, json={"prompt": "x", "seconds": seconds}, headers=AUTH)
    assert r.status_code == 200, r.text
    assert (await emu.engine.store.get(r.json()["request_id"])).seconds == 8


async def test_text_to_video_refuses_an_input_reference(client, emu) -> None:
    image = "https://example.com/frame.png"
    r = await client.post(T2V, json={"prompt": "x", "input_reference": image}, headers=AUTH)
    detail = envelope(r, 422001, 422)["detail"]
    assert [(d["loc"], d["type"]) for d in detail] == [
        (["body", "input_reference"], "extra_forbidden")
    ]
    assert await emu.engine.jobs() == []


async def test_unknown_fields_are_ignored_like_the_provider_schema(client) -> None:
    r = await client.post(T2V, json={"prompt": "x", "colour": "blue"}, headers=AUTH)
    assert r.status_code == 200


async def test_wrong_method_does_not_crash(client) -> None:
    r = await client.delete("/v1/requests/abc/status", headers=AUTH)
    assert r.status_code == 405
