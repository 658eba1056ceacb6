"""The toy provider's settings, operations, route table and error shape."""

from __future__ import annotations

import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.core.errors import AuthError
from mock_server.emulator import Emulator, Mount
from mock_server.http.routing import rendering, route_table


@dataclass(frozen=True, slots=True)
class ToySettings:
    greeting: str = "hello"
    "the word the echo operation answers with"


def toy_error(status: int, word: str, detail: str) -> JSONResponse:
    return JSONResponse({"toy_error": word, "detail": detail}, status_code=status)


def render_error(exc: Exception) -> Response:
    if isinstance(exc, AuthError):
        return toy_error(401, "unauthorized", exc.message)
    if isinstance(exc, ValueError):
        return toy_error(400, "bad_request", str(exc))
    return toy_error(502, "upstream", "the toy failed")


def http_error(status: int, method: str, path: str) -> Response:
    word = "no_such_method" if status == 405 else "no_such_path"
    return toy_error(status, word, f"{method} {path}")


def too_large(limit: int, size: int | None) -> Response:
    return toy_error(413, "too_big", f"at most {limit} bytes")


class ToyApi:
    """One method per operation of the Toy API."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.events: list[str] = []

    async def clock(self, request: Request) -> Response:
        return JSONResponse({"now": self.emu.clock.now()})

    async def echo(self, request: Request) -> Response:
        self.emu.accounts.tenant_for(request.headers.get("x-toy-key"))
        greeting = self.emu.config.settings(ToySettings).greeting
        return JSONResponse({"greeting": greeting, "echo": json.loads(await request.body())})

    async def start(self) -> None:
        self.events.append("started")

    async def stop(self) -> None:
        self.events.append("stopped")


ROUTES = [
    ("GET", "/toy/v1/clock", ToyApi.clock),
    ("POST", "/toy/v1/echo", ToyApi.echo),
]


def mount(emu: Emulator) -> Mount:
    api = ToyApi(emu)
    return Mount(
        route_table(api, ROUTES, rendering(render_error)),
        api=api,
        on_startup=[api.start],
        on_shutdown=[api.stop],
    )
