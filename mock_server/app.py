"""Composition root: the only place that wires engine, media, providers and control.

>>> app = create_app()                      # defaults: no config, no keys, in memory
>>> app = create_app(Config(clock="manual"), clock=ManualClock())   # for tests
>>> app = create_app(config, providers=[*PROVIDERS, toy.PROVIDER])  # one more provider

``PROVIDERS`` is the one list of the APIs the emulator speaks; everything about a
provider (paths, routes, error shapes, settings, hooks) comes from its entry.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import fields
from decimal import Decimal
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp

from mock_server import __version__, control
from mock_server.config import Config
from mock_server.control import docs
from mock_server.control.journal import Journal, JournalMiddleware
from mock_server.core.accounts import Accounts
from mock_server.core.catalog import Catalog
from mock_server.core.clock import Clock, ManualClock, ScaledClock
from mock_server.core.engine import Engine, EngineSettings
from mock_server.core.ids import IdSource
from mock_server.core.jobs import Progression
from mock_server.core.ledger import Ledger
from mock_server.core.persist import SqliteState
from mock_server.emulator import Emulator, Mount, Provider
from mock_server.http.body_limit import BodyLimitMiddleware
from mock_server.http.media_routes import media_routes
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.media.library import MediaLibrary
from mock_server.media.synth import Synthesizer
from mock_server.providers import runcomfy, runware
from mock_server.redisstate.state import RedisState

__all__ = ["PROVIDERS", "SoraMockApp", "build_emulator", "create_app", "load_config"]

# The APIs this emulator speaks. Runware first: POST /v1 is the hottest path (see bench/).
PROVIDERS: tuple[Provider, ...] = (runware.PROVIDER, runcomfy.PROVIDER)


def load_config(
    env: Mapping[str, str] | None = None,
    providers: Sequence[Provider] = PROVIDERS,
    **options: Any,
) -> Config:
    """Defaults, then ``SORA_MOCK_*`` variables, then ``options``, for the emulator and
    each provider's settings (``runware_sync_wait=5``); ``env`` defaults to os.environ."""
    return Config.from_env(env, sections={p.name: p.settings for p in providers}, **options)


def _progression(config: Config) -> Progression:
    """The configured progression: ``--progression`` names the kind, and each of its
    timings is the option of the same name (``--queue-seconds``...)."""
    if config.progression == "immediate":
        return Progression.immediate()
    timings = {f.name: getattr(config, f.name) for f in fields(Progression) if f.name != "kind"}
    return Progression(kind=config.progression, **timings)


def build_emulator(config: Config, clock: Clock | None = None) -> Emulator:
    """Every part of the emulator, wired, without any HTTP.

    With ``config.state = "sqlite:///PATH"`` jobs, ledger, journal and media index are
    loaded from (and written through to) that file, and the clock resumes from it.
    """
    state: SqliteState | RedisState | None = RedisState.open(config.state, config.journal_size)
    if state is None:
        state = SqliteState.open(config.state, config.journal_size)
    if state is not None:
        clock = state.restore_clock(clock, config.clock, config.clock_speed)
    elif clock is None:
        clock = ManualClock() if config.clock == "manual" else ScaledClock(config.clock_speed)
    catalog = Catalog.load(config.catalog)
    owned_dir = not config.media_dir and state is None
    default_dir = state.media_dir if state else None
    media_dir = Path(config.media_dir or default_dir or tempfile.mkdtemp(prefix="sora-mock-media-"))
    if isinstance(state, RedisState):  # workers render on their own: never one file twice
        media_dir = state.worker_dir(media_dir)
    synth = Synthesizer(media_dir, timeout=config.encode_timeout, exe=config.ffmpeg or None)
    parallel = config.max_encodes or os.cpu_count() or 2
    bound = int(config.media_max_mb * 1024 * 1024) or None
    media: MediaLibrary
    if isinstance(state, RedisState):  # specs and uploads shared, clips rendered per worker
        media = state.media_library(media_dir, synth, max_parallel=parallel, max_bytes=bound)
    else:
        media = MediaLibrary(media_dir, synth, max_parallel=parallel, max_bytes=bound)
    default_balance = Decimal(config.balance) if config.balance else None
    ledger = state.ledger(default_balance) if state else Ledger(default_balance)
    settings = EngineSettings(
        progression=_progression(config),
        reject_retired=config.reject_retired,
        max_active_per_tenant=config.max_active_per_key or None,
        shared_clips=config.shared_clips,
    )
    engine = Engine(
        catalog,
        clock,
        IdSource(config.seed),
        media,
        store=state.store if state else None,
        ledger=ledger,
        schedule=state.schedule if isinstance(state, RedisState) else None,
        settings=settings,
    )
    accounts = Accounts(config.api_keys, config.invalid_key)
    engine.subscribe(lambda job, _old: accounts.enrol(job.tenant))  # listed once it has a job
    if state is not None:
        state.attach(engine, accounts)
    hooks = WebhookDispatcher(
        clock,
        allowed_hosts=config.webhook_hosts,
        max_attempts=config.webhook_attempts,
        backoff=config.webhook_backoff,
        timeout=config.webhook_timeout,
        store=state.deliveries() if isinstance(state, RedisState) else None,
    )
    return Emulator(
        config,
        clock,
        catalog,
        engine,
        media,
        accounts,
        webhooks=hooks,
        on_shutdown=[hooks.aclose],
        state=state,
        scratch_dir=media_dir if owned_dir else None,
    )


class SoraMockApp(Starlette):
    """Starlette with the request journal outside everything else, so it sees the
    server's own ``send`` (needed to drop a connection) and every final status."""

    def build_middleware_stack(self) -> ASGIApp:
        emu: Emulator = self.state.emulator
        providers: Sequence[Provider] = self.state.providers
        limited = BodyLimitMiddleware(
            super().build_middleware_stack(),
            emu.config.max_body_bytes,
            [(path, p.too_large) for p in providers for path in p.paths],
            _too_large,
        )

        def owner_of(path: str) -> str | None:
            owner = _owner(providers, path)
            if owner is not None:
                return owner.name
            return "media" if path.startswith("/media/") else None

        guarded = emu.webhooks.guard(limited)  # its own webhooks never come in
        return JournalMiddleware(
            guarded, self.state.journal, emu.accounts, emu.clock, owner_of=owner_of
        )


def _owner(providers: Sequence[Provider], path: str) -> Provider | None:
    return next((p for p in providers if p.owns(path)), None)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's 404/405 (no route, or a method a route does not take) in the shape of
    the provider that owns the path, so even a typo gets an answer its SDK can parse."""
    assert isinstance(exc, HTTPException)
    path, method, status = request.url.path, request.method, exc.status_code
    owner = _owner(request.app.state.providers, path)
    if owner is not None:
        response = owner.http_error(status, method, path)
    else:
        word = "method_not_allowed" if status == 405 else "not_found"
        response = JSONResponse({"error": word, "message": f"{method} {path}"}, status)
    if status == 405 and exc.headers:
        response.headers["Allow"] = exc.headers.get("Allow", "")
    return response


def _too_large(limit: int, size: int | None) -> Response:
    """413 for paths outside the dialects (control API, media), in the control API's shape."""
    message = f"request body too large: at most {limit} bytes accepted"
    return JSONResponse({"error": "payload_too_large", "message": message}, status_code=413)


def create_app(
    config: Config | None = None,
    *,
    clock: Clock | None = None,
    providers: Sequence[Provider] = PROVIDERS,
) -> Starlette:
    """The emulator as an ASGI app, serving ``providers``. ``app.state.emulator``
    exposes its parts, ``app.state.mounts`` each provider's mount by name.

    Beyond loopback the control API needs ``config.admin_token``; without one this
    refuses to build (ValueError) rather than expose it to the network.
    """
    config = config or Config()
    if not config.local_only and not config.admin_token:
        raise ValueError(
            f"binding to {config.host} would expose the control API (/_emulator/) to the "
            "network: set --admin-token TOKEN (or SORA_MOCK_ADMIN_TOKEN)"
        )
    emu = build_emulator(config, clock)
    state = emu.state
    journal = Journal(
        config.journal_size,
        sink=state.journal_sink if state else None,
        on_clear=state.clear_journal if state else None,
    )
    if state is not None:
        journal.load(state.journal_entries())
    plane = control.install(emu, journal)
    mounts = _mount(emu, providers)
    if isinstance(state, RedisState):  # clock, faults, settings, journal shared
        emu.on_shutdown.insert(0, state.aclose)  # hooks run newest first: this one last

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__, "time": emu.clock.now()})

    routes: list[BaseRoute] = [
        *(route for m in mounts.values() for route in m.routes),
        *media_routes(emu, providers),
        *docs.routes(emu),
        Route("/_emulator/health", health),
        *control.routes(plane),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        for m in mounts.values():
            for hook in m.on_startup:
                await hook()
        scheduler = asyncio.create_task(emu.engine.run_scheduler())
        emu.webhooks.start()  # with shared state: adopts deliveries of workers gone
        try:
            yield
        finally:
            scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scheduler
            await _shut_down(emu)

    handlers = {404: _http_error, 405: _http_error}
    app = SoraMockApp(routes=routes, lifespan=lifespan, exception_handlers=handlers)
    app.state.emulator = emu
    app.state.journal = journal
    app.state.control = plane
    app.state.providers = tuple(providers)
    app.state.mounts = mounts
    if isinstance(state, RedisState):
        state.install(app, plane.plan, emu.engine.settings, journal)
    return app


def _mount(emu: Emulator, providers: Sequence[Provider]) -> dict[str, Mount]:
    """Each provider's routes and hooks; its settings join the config (defaults if absent)."""
    names = [p.name for p in providers]
    if len(set(names)) != len(names):
        raise ValueError(f"two providers share a name: {names}")
    emu.config = emu.config.with_settings(*(emu.config.settings(p.settings) for p in providers))
    mounts = {p.name: p.mount(emu) for p in providers}
    for m in mounts.values():
        emu.media_gates.extend(m.media_gates)
        emu.on_shutdown.extend(m.on_shutdown)
    return mounts


async def _shut_down(emu: Emulator) -> None:
    """Hooks (newest first: held replies, webhooks, shared state), background tasks,
    renders under way, scratch files, state."""
    for hook in reversed(emu.on_shutdown):
        await hook()
    await emu.engine.aclose()
    await emu.media.aclose()
    if emu.scratch_dir is not None:
        shutil.rmtree(emu.scratch_dir, ignore_errors=True)
    if emu.state is not None:
        emu.state.save_clock(emu.clock)
        emu.state.close()
