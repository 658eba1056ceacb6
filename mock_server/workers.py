"""``sora-mock serve --workers N --state redis://HOST:PORT/DB``: N uvicorn worker
processes on one listening socket, each one emulator on the shared Redis state.

uvicorn's own supervisor (``uvicorn.supervisors.Multiprocess``) starts the workers,
restarts one that dies, and stops them all on SIGINT/SIGTERM. Each worker builds its
app with :func:`create` (uvicorn's app factory) from the same configuration, which the
parent hands down as ``SORA_MOCK_*`` environment variables (:func:`config_env`); the
request limits of :func:`mock_server.http.runner.guarded_httptools` apply in every
worker through the importable :data:`GuardedHttp` protocol.

Memory and SQLite state belong to one process: N workers on them would be N separate
sandboxes handing out the same ids, so ``--workers`` is refused without Redis.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from mock_server.config import Config, flag_fields

__all__ = ["config_env", "create", "serve_workers"]


def config_env(config: Config) -> dict[str, str]:
    """``config`` (and each provider's settings) as the ``SORA_MOCK_*`` variables that
    :func:`mock_server.app.load_config` reads back."""
    from mock_server.app import PROVIDERS

    names = {p.settings: p.name for p in PROVIDERS}
    env = _as_env(config, "")
    for part in config.provider_settings:
        env |= _as_env(part, names[type(part)] + "_")
    return env


def _as_env(settings: Any, prefix: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for f in flag_fields(type(settings)):
        value = getattr(settings, f.name)
        if isinstance(value, tuple):
            text = ",".join(str(v) for v in value)
        elif isinstance(value, bool):
            text = "true" if value else "false"
        else:
            text = str(value)
        env[f"SORA_MOCK_{prefix.upper()}{f.name.upper()}"] = text
    return env


def create() -> Any:
    """uvicorn's app factory in each worker process."""
    from mock_server.app import create_app, load_config

    return create_app(load_config())


@functools.cache
def _guarded() -> type:
    from mock_server.app import load_config
    from mock_server.http.runner import guarded_httptools

    config = load_config()
    return guarded_httptools(config.request_timeout, config.max_header_bytes)


def __getattr__(name: str) -> Any:
    if name == "GuardedHttp":  # built in the worker from its configuration
        return _guarded()
    raise AttributeError(name)


def refusal(config: Config) -> str | None:
    """Why ``config.workers`` cannot be served as configured, or None."""
    from mock_server.redisstate.conn import is_redis_url

    if config.workers < 1:
        return "--workers must be 1 or more"
    if config.workers > 1 and not is_redis_url(config.state):
        return (
            f"--workers {config.workers} needs state that every worker shares: start Redis and "
            "add --state redis://HOST:PORT/DB (memory and SQLite state belong to one "
            "process; several workers on them would be separate sandboxes with clashing ids)"
        )
    return None


def serve_workers(config: Config) -> int:
    """Run ``config.workers`` worker processes until SIGINT/SIGTERM."""
    import os

    from uvicorn.supervisors import Multiprocess

    from mock_server.http.runner import uvicorn_config
    from mock_server.redisstate.conn import Conn

    why = refusal(config)
    if why is not None:
        print(f"sora-mock: {why}", file=sys.stderr)
        return 2
    try:
        Conn(config.state).ping()
    except ValueError as exc:
        print(f"sora-mock: {exc}", file=sys.stderr)
        return 2
    os.environ.update(config_env(config))
    settings = uvicorn_config(
        "mock_server.workers:create",
        config,
        factory=True,
        workers=config.workers,
        http="mock_server.workers:GuardedHttp",
    )
    print(
        f"sora-mock: {config.workers} workers on {Conn(config.state).display}, listening "
        f"on http://{config.host}:{config.port}",
        file=sys.stderr,
    )
    sock = settings.bind_socket()
    Multiprocess(settings, sockets=[sock]).run()
    return 0
