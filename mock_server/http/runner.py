"""Serve the app with uvicorn, with limits that keep slow or greedy clients from
exhausting the server.

>>> server = uvicorn.Server(uvicorn_config(app, config))   # what ``sora-mock serve`` runs

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``), but with its
fast httptools parser it waits forever for a request that arrives slowly, and
buffers a request head of any size: a few hundred half-open connections
(slowloris) would pin memory and file descriptors indefinitely. The protocol built
by :func:`guarded_httptools` adds two limits:

* ``request_timeout``: a request must arrive whole (head and body) within that many
  seconds of its first byte, or of the connection opening; otherwise the server
  answers ``408`` (if nothing is being answered yet) and closes the connection;
* ``max_header_bytes``: a request head larger than that gets ``431`` and is closed,
  whether it trickles in or arrives in one write with its body (the parser's own
  URL and header callbacks are counted); a URL too long for the parser (over 65,535
  bytes, possible only with a larger limit) gets ``414``. With the h11 parser,
  uvicorn's ``h11_max_incomplete_event_size`` does the same.

* ``limit_concurrency``: uvicorn's limit (open connections plus requests in progress),
  answered ``503`` with ``Retry-After: 1``.

Every answer the protocol writes itself (408, 414, 431, 503, and 400 for bytes that
are not HTTP) is JSON in the emulator's own shape, ``{"error": ..., "message": ...}``,
never uvicorn's plain text.

Everything else is uvicorn's: ``timeout_graceful_shutdown``, and ``ws_max_size``,
set to twice ``max_body_bytes`` so a message between the two gets the provider's own
413-style error and only a larger one is refused by the WebSocket layer (close 1009).
"""

from __future__ import annotations

import asyncio
from typing import Any

import uvicorn

from mock_server.config import Config

__all__ = ["guarded_httptools", "uvicorn_config"]


def guarded_httptools(request_timeout: float, max_header_bytes: int) -> type[asyncio.Protocol]:
    """uvicorn's httptools protocol with a per-request deadline and a head size limit."""
    from mock_server.http.guarded import Guard, GuardedHttpToolsProtocol

    guard = Guard(request_timeout, max_header_bytes)
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"guard": guard})


def uvicorn_config(app: Any, config: Config, **overrides: Any) -> uvicorn.Config:
    """The uvicorn settings for ``config``: one worker, uvloop when installed, limits on."""
    try:
        import httptools  # noqa: F401

        http: Any = guarded_httptools(config.request_timeout, config.max_header_bytes)
    except ImportError:  # pragma: no cover - uvicorn[standard] brings httptools
        http = "h11"
    body = config.max_body_bytes
    settings: dict[str, Any] = {
        "host": config.host,
        "port": config.port,
        "log_level": config.log_level,
        "access_log": config.access_log,
        "http": http,
        "timeout_keep_alive": config.timeout_keep_alive,
        "limit_concurrency": config.limit_concurrency or None,
        "timeout_graceful_shutdown": config.timeout_graceful_shutdown,
        "h11_max_incomplete_event_size": config.max_header_bytes or None,
        "ws_max_size": 2 * body if body > 0 else 2**31,
    }
    settings.update(overrides)
    return uvicorn.Config(app, **settings)
