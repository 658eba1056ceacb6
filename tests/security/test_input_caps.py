"""Every input has a size cap, checked before anything stores it.

Twenty image-to-video submits with a 15 MB ``input_reference`` URL took the server from
47 MB to 407 MB; a 15 MB ``webhookURL`` was accepted; an API key of any length was
kept in the key cache.
"""

from __future__ import annotations

import uuid

import pytest

from mock_server.core.accounts import Accounts
from tests.support import AUTH

pytestmark = pytest.mark.anyio

I2V = "/v1/models/openai/sora-2/image-to-video"
LONG_URL = "https://images.example/" + "a" * 3000


def video_task(**fields: object) -> dict[str, object]:
    return {
        "taskType": "videoInference",
        "taskUUID": str(uuid.uuid4()),
        "model": "openai:3@1",
        "positivePrompt": "a lighthouse",
        "duration": 4,
        **fields,
    }


async def jobs(client) -> list[object]:
    return (await client.get("/_emulator/jobs")).json()["jobs"]


async def test_a_long_input_reference_is_refused_before_it_is_stored(client) -> None:
    r = await client.post(I2V, json={"prompt": "x", "input_reference": LONG_URL}, headers=AUTH)
    assert r.status_code == 422
    (detail,) = r.json()["detail"]
    assert detail["loc"] == ["body", "input_reference"]
    assert detail["msg"] == "the image URL is longer than 2048 characters"
    assert await jobs(client) == []
    ok = await client.post(
        I2V, json={"prompt": "x", "input_reference": LONG_URL[:2000]}, headers=AUTH
    )
    assert ok.status_code == 200


async def test_a_long_runware_frame_image_url_is_refused(client) -> None:
    task = video_task(inputs={"frameImages": [{"image": LONG_URL}]})
    r = await client.post("/v1", json=[task], headers=AUTH)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "invalidFrameImages"
    assert await jobs(client) == []


async def test_a_long_webhook_url_is_refused(client) -> None:
    task = video_task(webhookURL="http://127.0.0.1:9/" + "a" * 3000, width=1280, height=720)
    r = await client.post("/v1", json=[task], headers=AUTH)
    assert r.status_code == 400
    assert r.json()["errors"][0]["code"] == "invalidWebhookURL"
    assert await jobs(client) == []


async def test_a_long_api_key_is_refused_and_not_cached(client) -> None:
    key = {"Authorization": "Bearer " + "k" * 5000}
    r = await client.post(
        "/v1/models/openai/sora-2/text-to-video", json={"prompt": "x"}, headers=key
    )
    assert r.status_code == 401 and r.json()["error_code"] == 400004
    accounts = Accounts()
    with pytest.raises(Exception, match="longer than 512 characters"):
        accounts.tenant_for("k" * 513)
    assert accounts._tenants == {}
    assert accounts.tenant_for("k" * 512).startswith("t_")
