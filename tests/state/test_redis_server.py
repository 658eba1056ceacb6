"""The shared-state tests run against a real redis-server: this checks the harness itself.
The server answers redis-py's asyncio client on loopback, ``redis_url`` starts each test
on an empty server, and a stopped server leaves no process and no directory behind."""

from __future__ import annotations

import os

import pytest
import redis.asyncio as aioredis

from tests.redis_server import RedisServer

pytestmark = pytest.mark.anyio


async def test_a_real_server_on_loopback(redis_server: RedisServer, redis_url: str) -> None:
    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = aioredis.from_url(redis_url)
    try:
        assert await client.dbsize() == 0  # emptied for this test
        await client.set("sora-mock:probe", "1")
        info = await client.info("server")
        assert info["tcp_port"] == redis_server.port
        assert int(str(info["redis_version"]).split(".")[0]) >= 6
    finally:
        await client.aclose()


async def test_stop_leaves_nothing_behind() -> None:
    server = RedisServer.start()
    pid, workdir = server.proc.pid, server.workdir
    client = aioredis.from_url(server.url(2))
    try:
        assert await client.ping()
    finally:
        await client.aclose()
    server.stop()
    assert server.proc.poll() is not None
    assert not os.path.exists(f"/proc/{pid}")  # reaped, not a zombie
    assert not workdir.exists()
