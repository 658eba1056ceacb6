"""RunComfy's route table: ``(method, path, operation)``, as its API reference lists them.

The status poll comes first: it is by far the most frequent request. ``/v1/models/{id}``
takes GET and POST on one route, so a 405 there names both in ``Allow``.
"""

from __future__ import annotations

from mock_server.emulator import Emulator, Mount
from mock_server.http.routing import rendering, route_table
from mock_server.providers.runcomfy.api import RunComfyApi
from mock_server.providers.runcomfy.errors import error_response

__all__ = ["ROUTES", "mount"]

ROUTES = [
    ("GET", "/v1/requests/{request_id}/status", RunComfyApi.request_status),
    ("GET", "/v1/requests/{request_id}/result", RunComfyApi.get_result),
    ("GET", "/v1/models", RunComfyApi.list_models),
    ("GET", "/v1/models/categories", RunComfyApi.list_categories),
    ("GET", "/v1/models/{model_id:path}", RunComfyApi.model_info),
    ("POST", "/v1/models/{model_id:path}", RunComfyApi.submit),
    ("POST", "/v1/requests/{request_id}/cancel", RunComfyApi.cancel_request),
]


def mount(emu: Emulator) -> Mount:
    """The API bound to its routes; every failure leaves in RunComfy's envelope."""
    api = RunComfyApi(emu)
    return Mount(route_table(api, ROUTES, rendering(error_response)), api=api)
