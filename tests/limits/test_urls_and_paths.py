"""What a request can make the emulator touch: media paths stay inside the library,
remote image URLs are never fetched, webhooks go only to allowed hosts."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from tests.support import AUTH, running_server

pytestmark = pytest.mark.anyio
SECRET = "top-secret-do-not-serve"
KEY = "0123456789abcdef0123456789abcdef"


@pytest.fixture
def image_host() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server that records every request made to it."""
    hits: list[str] = []

    async def record(request: Request) -> Response:
        hits.append(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return Response(b"", media_type="image/png")

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "HEAD"])])
    with running_server(app) as url:
        yield url, hits


def raw_get(port: int, target: str) -> tuple[int, bytes]:
    """GET exactly ``target`` (no client-side normalisation of ``..``)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
        reply = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


TRAVERSALS = [
    "/media/../secret.mp4",
    "/media/..%2fsecret.mp4",
    "/media/%2e%2e%2fsecret.mp4",
    "/media/%2e%2e",
    "/media/..%5csecret.mp4",
    "/media/....//secret.mp4",
    "/media/%252e%252e%252fsecret.mp4",
    f"/media/{KEY}.mp4%00.txt",
    f"/media/{KEY}.mp4/../../secret.mp4",
    "/media/counter.txt",  # files the synthesizer keeps in the library folder
    "/media/beep-4s-v1.m4a",
    "/media/" + "a" * 5000 + ".mp4",
    "/media/%00",
    "/media/%ff%fe.mp4",
    "/media//etc/passwd",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_media_paths_never_leave_the_library(tmp_path: Path, target: str) -> None:
    media = tmp_path / "lib" / "media"
    media.mkdir(parents=True)
    (media / "counter.txt").write_text(SECRET)
    (media / "beep-4s-v1.m4a").write_text(SECRET)
    (media.parent / "secret.mp4").write_text(SECRET)
    (tmp_path / "secret.mp4").write_text(SECRET)
    app = create_app(Config(clock="manual", media_dir=str(media)), clock=ManualClock())
    with running_server(app) as url:
        status, body = raw_get(int(url.rsplit(":", 1)[1]), target)
    assert status in (400, 404)
    assert SECRET.encode() not in body


async def test_runcomfy_input_reference_url_is_not_fetched(
    client: httpx.AsyncClient,
    clock: ManualClock,
    emu: Emulator,
    image_host: tuple[str, list[str]],
) -> None:
    host, hits = image_host
    response = await client.post(
        "/v1/models/openai/sora-2/image-to-video",
        headers=AUTH,
        json={"prompt": "it lands", "seconds": 4, "input_reference": f"{host}/kite.png"},
    )
    assert response.status_code == 200, response.text
    request_id = response.json()["request_id"]
    clock.advance(3600)
    status = await client.get(f"/v1/requests/{request_id}/status", headers=AUTH)
    assert status.json()["status"] == "completed"
    spec = emu.media.spec((await emu.engine.store.get(request_id)).outputs[0].media_key)
    assert f"image {host}/kite.png (not fetched)" in spec.label  # named on the clip instead
    assert hits == []  # nothing was fetched
    async with httpx.AsyncClient() as direct:  # while the recorder does record a fetch
        assert (await direct.get(f"{host}/kite.png")).status_code == 200
    assert hits == ["/kite.png"]


async def test_runcomfy_input_reference_must_be_http_or_data(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/models/openai/sora-2/image-to-video",
        headers=AUTH,
        json={"prompt": "it lands", "seconds": 4, "input_reference": "file:///etc/passwd"},
    )
    assert response.status_code == 422
    (item,) = response.json()["detail"]
    assert item["loc"] == ["body", "input_reference"]
    assert "http(s) URL or a data: URI" in item["msg"]


async def test_runware_frame_image_url_is_not_fetched(
    client: httpx.AsyncClient, clock: ManualClock, image_host: tuple[str, list[str]]
) -> None:
    host, hits = image_host
    uid = "6f1d8e0a-3b7c-4e2a-9f5d-2c4b6a8e0f13"
    task = {
        "taskType": "videoInference",
        "taskUUID": uid,
        "model": "openai:3@1",
        "positivePrompt": "it lands",
        "width": 1280,
        "height": 720,
        "duration": 4,
        "inputs": {"frameImages": [{"image": f"{host}/first.png", "frame": "first"}]},
    }
    assert (await client.post("/v1", headers=AUTH, json=[task])).status_code == 200
    clock.advance(3600)
    reply = await client.post(
        "/v1", headers=AUTH, json=[{"taskType": "getResponse", "taskUUID": uid}]
    )
    assert reply.json()["data"][0]["status"] == "success"
    assert hits == []


async def test_runware_webhook_to_a_host_not_allowed_is_refused(
    client: httpx.AsyncClient,
) -> None:
    task = {
        "taskType": "videoInference",
        "taskUUID": "0e7c9a2b-5d4f-4a1e-8b3c-6d2f0a9e7b15",
        "model": "openai:3@1",
        "positivePrompt": "tide",
        "width": 1280,
        "height": 720,
        "duration": 4,
        "webhookURL": "http://hooks.example.invalid/sora",
    }
    response = await client.post("/v1", headers=AUTH, json=[task])
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "invalidWebhookURL"
    assert error["parameter"] == "webhookURL"
