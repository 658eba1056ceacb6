"""Composition root: the only place that wires engine, media, providers and control.

>>> app = create_app()                      # defaults: no config, no keys, in memory
>>> app = create_app(Config(clock="manual"), clock=ManualClock())   # for tests
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from mock_server import __version__
from mock_server.config import Config
from mock_server.control import docs
from mock_server.core.accounts import Accounts
from mock_server.core.catalog import Catalog
from mock_server.core.clock import Clock, ManualClock, ScaledClock
from mock_server.core.engine import Engine, EngineSettings
from mock_server.core.ids import IdSource
from mock_server.core.jobs import Progression
from mock_server.core.ledger import Ledger
from mock_server.emulator import Emulator
from mock_server.media.library import MediaLibrary
from mock_server.media.synth import Synthesizer
from mock_server.providers import runcomfy
from mock_server.serving import media_routes

__all__ = ["build_emulator", "create_app"]


def _progression(config: Config) -> Progression:
    if config.progression == "immediate":
        return Progression.immediate()
    return Progression(
        kind=config.progression,
        queue_seconds=config.queue_seconds,
        run_seconds=config.run_seconds,
        run_seconds_per_video_second=config.run_seconds_per_video_second,
        queue_polls=config.queue_polls,
        run_polls=config.run_polls,
    )


def build_emulator(config: Config, clock: Clock | None = None) -> Emulator:
    """Every part of the emulator, wired, without any HTTP."""
    if clock is None:
        # keyword: ScaledClock's first positional field is the inherited waiter list
        clock = (
            ManualClock()
            if config.clock == "manual"
            else ScaledClock(initial_speed=config.clock_speed)
        )
    catalog = Catalog.load(config.catalog)
    owned_dir = not config.media_dir
    media_dir = Path(config.media_dir or tempfile.mkdtemp(prefix="sora-mock-media-"))
    synth = Synthesizer(media_dir, timeout=config.encode_timeout)
    media = MediaLibrary(media_dir, synth, max_parallel=config.max_encodes or os.cpu_count() or 2)
    ledger = Ledger(Decimal(config.balance) if config.balance else None)
    settings = EngineSettings(
        progression=_progression(config),
        reject_retired=config.reject_retired,
        max_active_per_tenant=config.max_active_per_key or None,
    )
    engine = Engine(catalog, clock, IdSource(config.seed), media, ledger=ledger, settings=settings)
    emu = Emulator(
        config, clock, catalog, engine, media, Accounts(config.api_keys, config.invalid_key)
    )
    if owned_dir:
        emu.extras["cleanup_dir"] = media_dir
    return emu


def create_app(config: Config | None = None, *, clock: Clock | None = None) -> Starlette:
    """The emulator as an ASGI app. ``app.state.emulator`` exposes its parts."""
    config = config or Config()
    emu = build_emulator(config, clock)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "time": emu.clock.now()})

    routes: list[BaseRoute] = [
        *runcomfy.routes(emu),
        *media_routes(emu),
        *docs.routes(emu),
        Route("/_emulator/health", health),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        scheduler = asyncio.create_task(emu.engine.run_scheduler())
        try:
            yield
        finally:
            scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scheduler
            await emu.engine.drain()
            cleanup = emu.extras.get("cleanup_dir")
            if cleanup:
                shutil.rmtree(cleanup, ignore_errors=True)

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.emulator = emu
    return app
