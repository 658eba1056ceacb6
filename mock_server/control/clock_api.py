"""The control API's clock: time, how jobs progress through it, reset and seed.

::

    GET  /_emulator/clock                       {"now", "iso", "kind", "speed"}
    POST /_emulator/clock/advance {"seconds": 30}     then fires due transitions
    POST /_emulator/clock/set     {"time": 1767225700 | "2026-01-01T00:01:40Z"}
    POST /_emulator/clock/speed   {"speed": 10}       scaled clock only
    GET  /_emulator/progression   PUT {"kind": "clock", "queue_seconds": 1, "model": ...}
    POST /_emulator/reset {"seed": 3}   POST /_emulator/seed {"seed": 3}
"""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.control.http import body, fail, integer, number
from mock_server.control.plane import ControlArea
from mock_server.core.clock import ManualClock, ScaledClock, iso8601
from mock_server.core.fault_plan import SEED_MAX
from mock_server.core.jobs import Progression

__all__ = ["ClockApi"]

_PROGRESSION_FIELDS = {f.name for f in fields(Progression)}
_PROGRESSION_KINDS = ("clock", "polls", "manual", "immediate")
_TEN_YEARS = 10 * 365 * 86400


def _timestamp(value: Any) -> float:
    if isinstance(value, bool):
        raise fail("'time' must be epoch seconds or an ISO 8601 timestamp")
    if isinstance(value, int | float) and abs(value) < 1e15 and math.isfinite(value):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            pass
    raise fail("'time' must be epoch seconds or an ISO 8601 timestamp")


def _progression(data: dict[str, Any]) -> Progression:
    """A progression policy from a PUT body (without its ``model``), every field checked."""
    unknown = set(data) - _PROGRESSION_FIELDS
    if unknown:
        raise fail(f"unknown progression fields: {', '.join(sorted(unknown))}")
    if data.get("kind", "clock") not in _PROGRESSION_KINDS:
        raise fail("'kind' must be one of clock, polls, manual, immediate")
    if data.get("kind") == "immediate":
        return Progression.immediate()
    for key in data:
        if key != "kind" and not 0 <= number(data, key) <= 10**7:
            raise fail(f"{key!r} must be between 0 and 10000000")
        if key.endswith("polls") and not isinstance(data[key], int):
            raise fail(f"{key!r} must be an integer")
    return Progression(**data)


class ClockApi(ControlArea):
    """The sandbox's time line: the clock, job progression, reset and seed."""

    def _clock_body(self) -> dict[str, Any]:
        clock = self.emu.clock
        now = clock.now()
        kind = "manual" if isinstance(clock, ManualClock) else "scaled"
        return {"now": now, "iso": iso8601(now), "kind": kind, "speed": clock.speed}

    async def _jump(self, seconds: float) -> Response:
        if seconds < 0:
            raise fail("the clock only moves forward", 409, "conflict")
        if seconds > _TEN_YEARS:
            raise fail("refusing to advance more than ten years at once")
        clock = self.emu.clock
        if not isinstance(clock, ManualClock | ScaledClock):
            raise fail("this clock cannot be moved", 409, "conflict")
        clock.advance(seconds)
        moved = await self.engine.tick()
        return JSONResponse({**self._clock_body(), "moved": moved})

    async def get_clock(self, request: Request) -> Response:
        return JSONResponse(self._clock_body())

    async def advance_clock(self, request: Request) -> Response:
        return await self._jump(number(await body(request), "seconds"))

    async def set_time(self, request: Request) -> Response:
        data = await body(request)
        if "time" not in data:
            raise fail("'time' is required")
        return await self._jump(_timestamp(data["time"]) - self.emu.clock.now())

    async def set_speed(self, request: Request) -> Response:
        speed = number(await body(request), "speed")
        if not isinstance(self.emu.clock, ScaledClock):
            raise fail("a manual clock has no speed; use /clock/advance", 409, "conflict")
        if not 0 <= speed <= 1_000_000:
            raise fail("'speed' must be between 0 and 1000000")
        self.emu.clock.set_speed(speed)
        return JSONResponse(self._clock_body())

    async def get_progression(self, request: Request) -> Response:
        settings = self.engine.settings
        return JSONResponse(
            {
                "default": asdict(settings.progression),
                "models": {m: asdict(p) for m, p in settings.per_model.items()},
            }
        )

    async def set_progression(self, request: Request) -> Response:
        data = await body(request)
        model = data.pop("model", None)
        if model is not None and not isinstance(model, str):
            raise fail("'model' must be a model id")
        if model is not None and not any(o.model_id == model for o in self.emu.catalog):
            raise fail(f"unknown model {model!r}", 404, "not_found")
        self.engine.set_progression(_progression(data), model)
        return await self.get_progression(request)

    async def reset(self, request: Request) -> Response:
        data = await body(request)
        seed = integer(data, "seed", high=SEED_MAX) if "seed" in data else None
        await self.plane.reset(seed)
        return JSONResponse({"reset": True, "seed": self.engine.ids.seed})

    async def seed(self, request: Request) -> Response:
        value = integer(await body(request), "seed", high=SEED_MAX)
        if await self.engine.store.count():
            # the same seed replays the same ids: they would overwrite existing jobs
            raise fail(
                "reseeding would reuse the ids of existing jobs; "
                'POST /_emulator/reset {"seed": N} starts afresh with a seed',
                409,
                "conflict",
            )
        self.plane.reseed(value)
        return JSONResponse({"seed": value})
