"""A manual clock that steps on by itself: every API request moves it on.

The ``sora_mock`` fixtures run the emulator on a manual clock so that tests are exact.
Code under test that polls a job ("is it done yet?") never moves that clock, so on its
own it would wait forever. :class:`ClockStepper` makes each request to a provider's API
(and each WebSocket message) move the clock on by ``step`` emulated seconds before it is
answered, then fires whatever became due (webhooks, expiry), exactly as
``POST /_emulator/clock/advance`` does. A job therefore finishes after a few polls, the
same number on every run; ``advance()`` still moves time as well.

The emulator's own routes (the control API, media downloads, the dashboard, ``/docs``,
``/openapi.json``) do not move the clock: downloading a clip does not age it.
"""

from __future__ import annotations

from typing import Any

from mock_server.core.clock import ManualClock
from mock_server.emulator import Emulator

__all__ = ["ClockStepper"]

OWN_PREFIXES = ("/_emulator", "/media/", "/docs", "/openapi.json", "/favicon.ico", "/static/")


class ClockStepper:
    """ASGI middleware: move ``emu``'s manual clock by ``step`` seconds per API request."""

    def __init__(self, app: Any, emu: Emulator, step: float) -> None:
        if not isinstance(emu.clock, ManualClock):
            raise TypeError("clock stepping needs the emulator's manual clock")
        self.app = app
        self.emu = emu
        self.clock: ManualClock = emu.clock
        self.step = step

    @staticmethod
    def counts(path: str) -> bool:
        """Whether a request to ``path`` is API traffic (and so moves the clock)."""
        return path != "/" and not path.startswith(OWN_PREFIXES)

    async def _tick(self) -> None:
        self.clock.advance(self.step)
        await self.emu.engine.tick()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket") or not self.counts(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            await self._tick()
            await self.app(scope, receive, send)
            return

        async def stepping_receive() -> Any:
            message = await receive()
            if message["type"] == "websocket.receive":
                await self._tick()
            return message

        await self.app(scope, stepping_receive, send)
