"""Request size limits: a clear, provider-shaped answer for what is too big."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.conftest import with_config
from tests.support import AUTH, running_server

pytestmark = pytest.mark.anyio
LIMIT = 2000
T2V = "/v1/models/openai/sora-2/text-to-video"


@pytest.fixture
def config(config: Config) -> Config:
    return with_config(config, max_body_bytes=LIMIT)


def padded_submit(size: int) -> bytes:
    """A valid RunComfy submit body of exactly ``size`` bytes (unknown fields are ignored)."""
    body = {"prompt": "a red kite", "seconds": 4, "pad": ""}
    filler = size - len(json.dumps(body).encode())
    body["pad"] = "x" * filler
    data = json.dumps(body).encode()
    assert len(data) == size
    return data


async def test_runcomfy_body_over_the_limit_gets_413_in_runcomfy_shape(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(T2V, headers=AUTH, content=padded_submit(LIMIT + 1))
    assert response.status_code == 413
    assert response.headers["connection"] == "close"
    body = response.json()
    assert body["error_code"] == 413001
    assert f"at most {LIMIT} bytes" in body["error_message"]
    assert body["detail"] == {"limit_bytes": LIMIT, "received_bytes": LIMIT + 1}


async def test_runcomfy_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post(T2V, headers=AUTH, content=padded_submit(LIMIT))
    assert response.status_code == 200, response.text
    assert "request_id" in response.json()


async def test_runware_body_over_the_limit_gets_413_in_runware_shape(
    client: httpx.AsyncClient,
) -> None:
    task = {"taskType": "videoInference", "positivePrompt": "x" * LIMIT}
    response = await client.post("/v1", headers=AUTH, json=[task])
    assert response.status_code == 413
    error = response.json()["errors"][0]
    assert error["code"] == "payloadTooLarge"
    assert f"maximum size of {LIMIT} bytes" in error["message"]


async def test_chunked_body_is_counted_as_it_arrives(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"[" + b" " * 400

    response = await client.post("/v1", headers=AUTH, content=chunks())
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "payloadTooLarge"


async def test_small_chunked_body_reaches_the_dialect(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'[{"taskType": "ping",'
        yield b' "ping": true}]'

    response = await client.post("/v1", headers=AUTH, content=chunks())
    assert response.status_code == 200
    assert response.json()["data"][0]["pong"] is True


async def test_control_api_body_over_the_limit(client: httpx.AsyncClient) -> None:
    response = await client.post("/_emulator/clock/advance", content=b" " * (LIMIT + 1))
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_declared_length_is_refused_before_the_body_is_sent(config: Config) -> None:
    """Over a real socket: 413 arrives although not one byte of the body was sent."""
    app = create_app(config, clock=ManualClock())
    with running_server(app) as url:
        port = int(url.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(
                f"POST {T2V} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer k\r\n"
                "Content-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n".encode()
            )
            reply = b""
            while chunk := sock.recv(65536):
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413")
    assert json.loads(body)["error_code"] == 413001


def test_websocket_message_over_the_limit_gets_a_runware_error_frame(config: Config) -> None:
    app = create_app(config, clock=ManualClock())
    with running_server(app) as url, connect(url.replace("http", "ws") + "/v1") as ws:
        ws.send(json.dumps([{"taskType": "ping", "ping": True, "pad": "x" * LIMIT}]))
        assert json.loads(ws.recv(10))["errors"][0]["code"] == "payloadTooLarge"
        ws.send(b"\x00" * (LIMIT + 1))
        assert json.loads(ws.recv(10))["errors"][0]["code"] == "payloadTooLarge"
        ws.send(json.dumps([{"taskType": "ping", "ping": True}]))  # the socket is still served
        assert json.loads(ws.recv(10)) == {"data": [{"taskType": "ping", "pong": True}]}


def test_websocket_message_over_twice_the_limit_closes_with_1009(config: Config) -> None:
    app = create_app(config, clock=ManualClock())
    with running_server(app) as url, connect(url.replace("http", "ws") + "/v1") as ws:
        ws.send("x" * (2 * LIMIT + 1))
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


async def default_client(tmp_path: Path) -> httpx.AsyncClient:
    app = create_app(Config(clock="manual", media_dir=str(tmp_path)), clock=ManualClock())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sora.test")


async def test_prompt_over_the_catalog_limit_runcomfy(tmp_path: Path) -> None:
    async with await default_client(tmp_path) as client:
        response = await client.post(T2V, headers=AUTH, json={"prompt": "p" * 4001, "seconds": 4})
    assert response.status_code == 422
    item = response.json()["detail"][0]
    assert item["loc"] == ["body", "prompt"]
    assert item["type"] == "string_too_long"
    assert item["ctx"] == {"max_length": 4000}


async def test_prompt_over_the_catalog_limit_runware(tmp_path) -> None:
    task = {
        "taskType": "videoInference",
        "taskUUID": "0b9d7a3e-8a0e-4a53-9c1b-1d1f1f1f1f1f",
        "model": "openai:3@1",
        "positivePrompt": "p" * 4001,
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    async with await default_client(tmp_path) as client:
        response = await client.post("/v1", headers=AUTH, json=[task])
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "invalidPositivePrompt"
    assert "between 1 and 4000 characters" in error["message"]
