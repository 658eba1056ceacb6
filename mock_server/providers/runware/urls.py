"""Runware's route table: ``(method, path, operation)``, as its API reference lists them.

Runware is one endpoint: ``POST /v1`` (and the WebSocket on the same path) carries a
batch of tasks, each run by its type (:data:`~.tasks.OPERATIONS`). Beside it, the schema
registry runware-sdk reads. The webhook sender and the ttl gate subscribe to the engine.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, WebSocketRoute

from mock_server.emulator import Emulator, Mount
from mock_server.http.routing import rendering, route_table
from mock_server.providers.runware.discovery import SchemaRegistry
from mock_server.providers.runware.notify import Notifier
from mock_server.providers.runware.rest import RestApi, render_error
from mock_server.providers.runware.tasks import Tasks
from mock_server.providers.runware.websocket import WebSocketApi

__all__ = ["REGISTRY", "REST", "mount"]

REST = [
    ("POST", "/v1", RestApi.post_tasks),
    *((method, "/v1", RestApi.method_not_allowed) for method in ("GET", "PUT", "PATCH", "DELETE")),
]
REGISTRY = [
    ("GET", "/schemas/registry.json", SchemaRegistry.registry),
    ("GET", "/schemas/resolve/{model:path}", SchemaRegistry.resolve),
]


def mount(emu: Emulator) -> Mount:
    """The operations bound to their routes; subscribes the webhook sender to the engine."""
    tasks = Tasks(emu)
    emu.engine.subscribe(Notifier(tasks, emu).on_change)
    websocket = WebSocketApi(emu, tasks)
    wrap = rendering(render_error)
    routes: list[BaseRoute] = [
        *route_table(RestApi(emu, tasks), REST, wrap),
        WebSocketRoute("/v1", websocket.endpoint),
        *route_table(SchemaRegistry(emu), REGISTRY, wrap),
    ]
    return Mount(routes=routes, api=websocket, on_shutdown=[websocket.aclose])
