"""Wires the Runware dialect: ``POST /v1``, ``WS /v1``, webhooks and the ttl gate."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route, WebSocketRoute

from mock_server.emulator import Emulator
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.providers.runware.notify import Notifier
from mock_server.providers.runware.rest import rest_handlers
from mock_server.providers.runware.tasks import Tasks
from mock_server.providers.runware.websocket import WebSocketApi

__all__ = ["routes"]


def _dispatcher(emu: Emulator) -> WebhookDispatcher:
    """The dispatcher app.py composed; a dialect never builds shared parts itself."""
    hooks = emu.extras.get("webhooks")
    if not isinstance(hooks, WebhookDispatcher):
        raise RuntimeError("compose the emulator with mock_server.app before adding routes")
    return hooks


def routes(emu: Emulator) -> list[BaseRoute]:
    """The Runware routes; registers its engine listener and shutdown hook on ``emu``."""
    hooks = _dispatcher(emu)
    tasks = Tasks(emu, hooks.allowed)
    notifier = Notifier(tasks, hooks, emu.clock, emu.extras)
    emu.engine.subscribe(notifier.on_change)
    emu.extras["media_gate"] = notifier.media_gate(emu.extras.get("media_gate"))
    websocket = WebSocketApi(emu, tasks)
    emu.extras.setdefault("shutdown", []).append(websocket.aclose)
    emu.extras["runware_sessions"] = websocket.sessions  # read-only view for inspection
    post_tasks, method_not_allowed = rest_handlers(emu, tasks)
    return [
        Route("/v1", post_tasks, methods=["POST"]),
        Route("/v1", method_not_allowed, methods=["GET", "PUT", "PATCH", "DELETE"]),
        WebSocketRoute("/v1", websocket.endpoint),
    ]
