"""Shared fixtures: an in-process emulator on a manual clock, an httpx client for it, and
a real redis-server for the session (``redis_server``; ``redis_url`` empties it first).

Also registers the contract suite's options (``--sora-target``, ``--live-budget``, ...)
and Hypothesis profiles here, in the root conftest, so that they exist however pytest
is started; see tests/contract_suite/options.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace

import httpx
import pytest
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator
from tests.contract_suite.options import add_suite_options, register_profiles
from tests.redis_server import RedisServer

register_profiles()


def pytest_addoption(parser: pytest.Parser) -> None:
    add_suite_options(parser)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def config(tmp_path) -> Config:
    return Config(clock="manual", media_dir=str(tmp_path / "media"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def app(config: Config, clock: ManualClock) -> Starlette:
    return create_app(config, clock=clock)


@pytest.fixture
def emu(app: Starlette) -> Emulator:
    return app.state.emulator


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://sora.test") as c:
        yield c
    await app.state.emulator.engine.drain()


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session, on a free loopback port, stopped at the end."""
    server = RedisServer.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """``redis://127.0.0.1:PORT/0`` on an emptied server."""
    redis_server.flush()
    return redis_server.url()


def with_config(config: Config, **changes: object) -> Config:
    return replace(config, **changes)
