"""The control API's faults: scripts per operation, chaos, armed faults, webhook faults.

::

    GET    /_emulator/faults                      scripts, chaos, armed faults, webhooks
    POST   /_emulator/faults/script  {"operation": "runcomfy.submit", "steps": ["http-429"]}
    PUT    /_emulator/faults/chaos   {"error_rate": 0.1, "drop_rate": 0.01, "seed": 3, ...}
    POST   /_emulator/faults/arm     {"fault": "moderation@30", "count": 1, "provider": "*"}
    PUT    /_emulator/faults/webhooks {"duplicates": 1, "delay_seconds": 5, "disorder_seconds": 0}
    DELETE /_emulator/faults                      back to the configured faults
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.control.http import body, fail, integer, text
from mock_server.control.plane import ControlArea
from mock_server.core.fault_plan import MAX_ARMED, Chaos

__all__ = ["MAX_STEPS", "FaultsApi"]

MAX_STEPS = 10_000  # steps one script request may queue


def _steps(data: dict[str, Any]) -> list[str]:
    """A script's steps: ``steps``, or ``fault`` repeated ``times``, every one bounded."""
    steps = data.get("steps")
    if isinstance(data.get("fault"), str):  # bounded before the list is built
        times = integer(data, "times", default=1, low=1, high=MAX_STEPS)
        steps = [text(data, "fault")] * times
    if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
        raise fail("'steps' must be a non-empty list of strings (or give 'fault' + 'times')")
    if len(steps) > MAX_STEPS:
        raise fail(f"at most {MAX_STEPS} steps at once")
    if any(len(s) > 1000 for s in steps):
        raise fail("each step must be at most 1000 characters")
    return steps


class FaultsApi(ControlArea):
    """The fault plan of the sandbox; every answer is the plan's snapshot."""

    def _snapshot(self, status: int = 200) -> Response:
        return JSONResponse(self.plane.plan.snapshot(), status_code=status)

    async def get_faults(self, request: Request) -> Response:
        return self._snapshot()

    async def clear_faults(self, request: Request) -> Response:
        self.plane.plan.clear()
        return self._snapshot()

    async def script_faults(self, request: Request) -> Response:
        data = await body(request)
        operation = text(data, "operation", max_chars=200)
        self.plane.plan.script(operation, _steps(data))
        return self._snapshot(201)

    async def set_chaos(self, request: Request) -> Response:
        plan = self.plane.plan
        data = await body(request)
        unknown = set(data) - set(Chaos.__dataclass_fields__)
        if unknown:
            raise fail(f"unknown chaos fields: {', '.join(sorted(unknown))}")
        values = {**asdict(plan.chaos), **data}
        for key in ("error_statuses", "latency_seconds"):
            if not isinstance(values[key], list | tuple):
                raise fail(f"{key!r} must be a list")
            values[key] = tuple(values[key])
        if not isinstance(values["operations"], str):
            raise fail("'operations' must be a pattern such as 'runcomfy.*'")
        plan.set_chaos(Chaos(**values))  # checks every field (InvalidSetting)
        return self._snapshot()

    async def arm_fault(self, request: Request) -> Response:
        data = await body(request)
        provider = text(data, "provider", default="*", max_chars=200)
        count = integer(data, "count", default=1, low=1, high=MAX_ARMED)
        self.plane.plan.arm(text(data, "fault"), count, provider)
        return self._snapshot(201)

    async def set_webhook_faults(self, request: Request) -> Response:
        self.plane.plan.webhooks.update(**(await body(request)))
        return self._snapshot()
