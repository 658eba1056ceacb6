"""The control API's records: the request journal, webhook deliveries, the models.

::

    GET    /_emulator/journal?limit=&provider=&tenant=    DELETE clears it
    GET    /_emulator/webhooks    GET /_emulator/models
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.control.http import fail
from mock_server.control.plane import ControlArea
from mock_server.control.views import models_view

__all__ = ["RecordsApi"]


def _jsonable(value: Any) -> Any:
    """Webhook log entries belong to the dialect; make whatever they hold JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    return str(value)


class RecordsApi(ControlArea):
    """What happened: requests seen, webhooks sent, and the models on offer."""

    async def get_journal(self, request: Request) -> Response:
        q = request.query_params
        try:
            limit = max(0, int(q.get("limit", "100")))
        except ValueError:
            raise fail("'limit' must be an integer") from None
        journal = self.plane.journal
        entries = journal.entries(limit, q.get("provider"), q.get("tenant"))
        return JSONResponse({"entries": entries, "size": len(journal)})

    async def clear_journal(self, request: Request) -> Response:
        self.plane.journal.clear()
        return JSONResponse({"entries": []})

    async def list_webhooks(self, request: Request) -> Response:
        return JSONResponse({"deliveries": _jsonable(await self.emu.webhooks.listing())})

    async def list_models(self, request: Request) -> Response:
        return JSONResponse({"models": models_view(self.emu)})
