"""Client test fixtures: the emulator on a real loopback socket, and small helpers."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from mock_server.app import create_app
from mock_server.config import Config
from tests.support import (
    png,  # noqa: F401 - re-exported for the client tests
    running_server,
)

# A RunComfy job on the real API's URLs, for the tests that answer with respx (offline).
API = "https://model-api.runcomfy.net"
RID = "c0ffee00-1234-4abc-9def-0123456789ab"
STATUS = f"{API}/v1/requests/{RID}/status"
QUEUED = {"request_id": RID, "status": "in_queue", "queue_position": 2}


def fast_config(tmp_path, **changes: object) -> Config:
    """A scaled clock at 50x: a job queues 0.06 s and runs about 0.25 s of real time."""
    base = {"clock_speed": 50.0, "media_dir": str(tmp_path / "media"), "log_level": "warning"}
    return Config(**(base | changes))  # type: ignore[arg-type]


@pytest.fixture
def live_url(tmp_path) -> Iterator[str]:
    """A running emulator (fast scaled clock) for the duration of one test."""
    with running_server(create_app(fast_config(tmp_path))) as url:
        yield url


class Tamper:
    """ASGI middleware that makes the emulator send a wrong shape: JSON answers to
    paths ending in ``suffix`` are passed through ``mutate`` before they leave."""

    def __init__(self, app, suffix: str, mutate) -> None:
        self.app, self.suffix, self.mutate = app, suffix, mutate
        self.state = getattr(app, "state", None)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or not scope["path"].endswith(self.suffix):
            await self.app(scope, receive, send)
            return
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            try:
                doc = json.loads(body)
            except ValueError:
                doc = None
            if doc is not None:
                self.mutate(doc)
                body = json.dumps(doc).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
