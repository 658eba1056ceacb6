"""The emulator's own control plane: the ``/_emulator/`` API, the dashboard at ``/``,
the request journal and the sandbox policies (faults, lifecycle headers).

>>> plane = install(emu)              # policies, media gate, webhook faults, journal
>>> app_routes = routes(plane)        # control API + dashboard
"""

from __future__ import annotations

from starlette.routing import Route

from mock_server.control import dashboard, urls
from mock_server.control.plane import ControlPlane, install

__all__ = ["ControlPlane", "install", "routes"]


def routes(plane: ControlPlane) -> list[Route]:
    return [*urls.routes(plane), *dashboard.routes(plane)]
