"""Mounts the Runware dialect: ``POST /v1``, ``WS /v1``, the schema registry
(``/schemas/``), webhooks and the ttl gate."""

from __future__ import annotations

from starlette.routing import Route, WebSocketRoute

from mock_server.emulator import Emulator, Mount
from mock_server.providers.runware.discovery import registry_routes
from mock_server.providers.runware.notify import Notifier
from mock_server.providers.runware.rest import rest_handlers
from mock_server.providers.runware.tasks import Tasks
from mock_server.providers.runware.websocket import WebSocketApi

__all__ = ["mount"]


def mount(emu: Emulator) -> Mount:
    """The Runware routes; subscribes its webhook sender to the engine."""
    tasks = Tasks(emu)
    notifier = Notifier(tasks, emu)
    emu.engine.subscribe(notifier.on_change)
    websocket = WebSocketApi(emu, tasks)
    post_tasks, method_not_allowed = rest_handlers(emu, tasks)
    return Mount(
        routes=[
            Route("/v1", post_tasks, methods=["POST"]),
            Route("/v1", method_not_allowed, methods=["GET", "PUT", "PATCH", "DELETE"]),
            WebSocketRoute("/v1", websocket.endpoint),
            *registry_routes(emu),
        ],
        api=websocket,
        on_shutdown=[websocket.aclose],
    )
