"""``/docs`` as a reader uses it: every operation with an example request and documented
responses, the control API and media routes with examples that match what the running
emulator answers, and schemas as tables of fields rather than JSON dumps."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.control.docs_examples import CONTROL, MEDIA, provider_examples
from mock_server.core.clock import ManualClock

pytestmark = pytest.mark.anyio

AUTH = {"Authorization": "Bearer sk-docs-0001"}


def _contained(example: Any, actual: Any, where: str = "$") -> None:
    """Every field the example shows exists in the real answer, with the same kind of value."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), f"{where}: {actual!r}"
        for key, value in example.items():
            assert key in actual, f"{where}.{key} missing from {sorted(actual)}"
            _contained(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list) and example:
        assert isinstance(actual, list) and actual, f"{where}: {actual!r}"
        _contained(example[0], actual[0], f"{where}[0]")
    elif example is not None and actual is not None:
        assert type(example) is type(actual) or {type(example), type(actual)} <= {int, float}, (
            f"{where}: {example!r} vs {actual!r}"
        )


@pytest.fixture
async def emulator(tmp_path):  # type: ignore[no-untyped-def]
    config = Config(clock="manual", media_dir=str(tmp_path / "media"))
    app = create_app(config, clock=ManualClock())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://e") as c:
        yield c
    await app.state.emulator.engine.drain()


async def test_every_operation_has_an_example_request_and_responses(emulator) -> None:  # type: ignore[no-untyped-def]
    doc = (await emulator.get("/openapi.json")).json()
    page = (await emulator.get("/docs")).text
    blocks = page.split('<div class="op"')
    for item in doc["paths"].values():
        for method in ("get", "post"):
            if method not in item:
                continue
            op_id = item[method]["operationId"]
            (block,) = [b for b in blocks if f'id="op-{op_id}"' in b]
            assert "Example request" in block and "curl -X" in block, op_id
            assert re.search(r"<b>Example \w+ \(\d{3}", block), f"{op_id}: no example response"
    assert len(provider_examples()) >= 40  # both providers' documented examples were found


async def test_schemas_read_as_fields_not_json(emulator) -> None:  # type: ignore[no-untyped-def]
    page = (await emulator.get("/docs")).text
    schemas = page.split('<h2 id="schemas">', 1)[1]
    assert "<pre>" not in schemas
    status = schemas.split('id="schema-RunComfyStatusResponse"', 1)[1].split("</details>")[0]
    assert "<code>queue_position</code></td><td>integer, ≥ 0" in status
    assert "one of <code>in_queue</code>" in status


async def test_control_examples_match_the_running_control_api(emulator) -> None:  # type: ignore[no-untyped-def]
    page = (await emulator.get("/docs")).text
    submit = await emulator.post(
        "/v1/models/openai/sora-2/text-to-video", json={"prompt": "docs"}, headers=AUTH
    )
    job_id = submit.json()["request_id"]
    for d in CONTROL:
        assert f"<code>{d.path.replace('&', '&amp;')}</code>" in page
        r = await emulator.request(d.method, d.path.replace("{job_id}", job_id), json=d.request)
        assert r.status_code == d.status, (d.method, d.path, r.text)
        _contained(d.response, r.json(), f"{d.method} {d.path}")


async def test_media_examples_match_the_media_route(emulator) -> None:  # type: ignore[no-untyped-def]
    await emulator.put("/_emulator/progression", json={"kind": "immediate"})
    job = (
        await emulator.post(
            "/v1/models/openai/sora-2/text-to-video",
            json={"prompt": "docs", "seconds": 4},
            headers=AUTH,
        )
    ).json()
    result = (await emulator.get(job["result_url"], headers=AUTH)).json()
    path = result["output"]["video"].removeprefix("http://e")
    key = path.removeprefix("/media/").removesuffix(".mp4")
    full = await emulator.get(path)
    headers = {"If-None-Match": full.headers["etag"]}
    for d in MEDIA:
        sent = {k: headers.get(k, v) for k, v in d.headers.items()}
        r = await emulator.get(d.path.replace("{key}", key), headers=sent)
        assert r.status_code == d.status, (d.summary, r.status_code)
