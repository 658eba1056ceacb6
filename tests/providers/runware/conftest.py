"""Fixtures for the Runware tests: the in-process client shuts the dialect down cleanly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette

from mock_server.media.probe import MediaInfo, probe
from tests.providers.runware.helpers import AUTH


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        yield c
    emu = app.state.emulator
    for hook in reversed(emu.on_shutdown):
        await hook()
    await emu.engine.drain()


class Api:
    """``await api(task, ...)`` posts the tasks to ``/v1`` with a valid key."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def __call__(self, *tasks: Any, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.client.post(
            "/v1", json=list(tasks), headers=AUTH if headers is None else headers
        )

    async def media(self, url: str, tmp_path: Path) -> MediaInfo:
        """Download a result URL and probe what it really is."""
        response = await self.client.get(url)
        assert response.status_code == 200, response.text
        path = tmp_path / url.rsplit("/", 1)[-1]
        path.write_bytes(response.content)
        return probe(path)


@pytest.fixture
def api(client: httpx.AsyncClient) -> Api:
    return Api(client)
