"""The emulator's own control plane: the ``/_emulator/`` API, the dashboard at ``/``,
the request journal and the sandbox policies (faults, lifecycle headers).

>>> sandbox = install(emu)            # policies, media gate, webhook faults, journal
>>> app_routes = routes(sandbox)      # control API + dashboard
"""

from __future__ import annotations

from starlette.routing import Route

from mock_server.control import api, api_sandbox, dashboard
from mock_server.control.sandbox import Sandbox, install

__all__ = ["Sandbox", "install", "routes"]


def routes(sandbox: Sandbox) -> list[Route]:
    return [*api.routes(sandbox), *api_sandbox.routes(sandbox), *dashboard.routes()]
