"""Clips render on their first download on every backend: on Redis each worker renders
from the shared recipe into its own directory, on SQLite a restarted server renders
from the stored recipe; succeeding renders nothing anywhere."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.limits.fakes import logging_ffmpeg
from tests.state.test_coherence import AUTH, close, submit, worker

pytestmark = pytest.mark.anyio


def client(app: Starlette) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://w")


async def video_path(c: httpx.AsyncClient, rid: str) -> str:
    result = (await c.get(f"/v1/requests/{rid}/result", headers=AUTH)).json()
    assert result["status"] == "succeeded", result
    return httpx.URL(result["output"]["video"]).path


def encodes(app: Starlette) -> int:
    return int(app.state.emulator.media.stats.encodes)


@pytest.mark.parametrize("shared", [False, True])
async def test_redis_workers_render_only_what_is_downloaded(
    redis_url: str, tmp_path: Path, shared: bool
) -> None:
    fake = logging_ffmpeg(tmp_path, tmp_path / "encodes.log", seconds=0)
    apps = [
        worker(redis_url, tmp_path / f"w{i}", ffmpeg=str(fake), shared_clips=shared)
        for i in range(2)
    ]
    a, b = (client(app) for app in apps)
    try:
        rids = [(await submit(a, f"kite {i}")).json()["request_id"] for i in range(8)]
        await a.post("/_emulator/clock/advance", json={"seconds": 3600})
        paths = [await video_path(b, rid) for rid in rids]
        assert len(set(paths)) == (1 if shared else 8)
        assert encodes(apps[0]) == encodes(apps[1]) == 0
        assert not (tmp_path / "encodes.log").exists()
        assert (await b.get(paths[-1])).status_code == 200  # b renders a's job's recipe
        assert (await b.get(paths[0])).status_code == 200
        assert (encodes(apps[0]), encodes(apps[1])) == (0, 1 if shared else 2)
        assert (tmp_path / "w1").exists() and not any(
            p.suffix == ".mp4" for p in (tmp_path / "w0").rglob("*")
        )
    finally:
        for c, app in ((a, apps[0]), (b, apps[1])):
            await c.aclose()
            await close(app)


async def test_sqlite_restart_renders_from_the_stored_recipe(tmp_path: Path) -> None:
    fake = logging_ffmpeg(tmp_path, tmp_path / "encodes.log", seconds=0)
    config = Config(clock="manual", state=f"sqlite:///{tmp_path / 'state.db'}", ffmpeg=str(fake))
    first = create_app(config, clock=ManualClock())
    async with client(first) as c:
        rid = (await submit(c, "kept")).json()["request_id"]
        await c.post("/_emulator/clock/advance", json={"seconds": 3600})
        path = await video_path(c, rid)
        assert encodes(first) == 0
    first.state.emulator.state.save_clock(first.state.emulator.clock)
    first.state.emulator.state.close()

    again = create_app(config)
    async with client(again) as c:
        got = await c.get(path)
        assert got.status_code == 200 and got.content == b"fake clip"
        assert encodes(again) == 1
    again.state.emulator.state.close()
