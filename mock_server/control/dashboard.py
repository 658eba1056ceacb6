"""The dashboard: ``GET /`` and its two assets under ``/_emulator/ui/``.

The page is static; its script polls the control API, sending the admin token it
finds in the URL fragment (``http://host:8000/#token=...``) or asks for one, so the
token never reaches a server log.
"""

from __future__ import annotations

from importlib import resources

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

__all__ = ["routes"]

ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def routes() -> list[Route]:
    cache: dict[str, bytes] = {}

    def asset(name: str) -> bytes:
        if name not in cache:
            cache[name] = _read(name)
        return cache[name]

    async def page(request: Request) -> Response:
        return Response(
            asset("dashboard.html"),
            media_type="text/html; charset=utf-8",
            headers={"Cache-Control": "no-cache"},
        )

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return JSONResponse({"error": "not_found", "message": "no such asset"}, 404)
        return Response(asset(name), media_type=ASSETS[name], headers={"Cache-Control": "no-cache"})

    return [
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/_emulator/ui/{name}", static, methods=["GET", "HEAD"]),
    ]
