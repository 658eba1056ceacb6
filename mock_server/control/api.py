"""The control API under ``/_emulator/``: clock, progression, reset, seed and jobs.

::

    GET  /_emulator/clock                       {"now", "iso", "kind", "speed"}
    POST /_emulator/clock/advance {"seconds": 30}     then fires due transitions
    POST /_emulator/clock/set     {"time": 1767225700 | "2026-01-01T00:01:40Z"}
    POST /_emulator/clock/speed   {"speed": 10}       scaled clock only
    GET  /_emulator/progression   PUT {"kind": "clock", "queue_seconds": 1, "model": ...}
    POST /_emulator/reset {"seed": 3}   POST /_emulator/seed {"seed": 3}
    GET  /_emulator/jobs?state=&provider=&tenant=&limit=   GET /_emulator/jobs/{id}
    POST /_emulator/jobs/{id}/complete | /fail {"kind", "message", "code"} | /fault {"fault"}

Faults, tenants, the ledger, the journal and webhooks are in :mod:`.api_sandbox`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.control.http import body, endpoint, fail, integer, number, text
from mock_server.control.plane import ControlPlane
from mock_server.control.views import job_view
from mock_server.core.clock import ManualClock, ScaledClock, iso8601
from mock_server.core.fault_plan import SEED_MAX
from mock_server.core.faults import job_fault_from, merge_faults, parse_faults
from mock_server.core.jobs import Failure, Progression, State

__all__ = ["routes"]

FAILURE_KINDS = ("moderation", "timeout", "provider", "render", "internal")
_PROGRESSION_FIELDS = {f.name for f in fields(Progression)}


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


def routes(sandbox: ControlPlane) -> list[Route]:
    emu = sandbox.emu
    engine = emu.engine
    wrap = endpoint(emu)

    def clock_body() -> dict[str, Any]:
        now = emu.clock.now()
        kind = "manual" if isinstance(emu.clock, ManualClock) else "scaled"
        return {"now": now, "iso": iso8601(now), "kind": kind, "speed": emu.clock.speed}

    @wrap
    async def get_clock(request: Request) -> Response:
        return JSONResponse(clock_body())

    async def _jump(seconds: float) -> Response:
        if seconds < 0:
            raise fail("the clock only moves forward", 409, "conflict")
        if seconds > 10 * 365 * 86400:
            raise fail("refusing to advance more than ten years at once")
        clock = emu.clock
        if not isinstance(clock, ManualClock | ScaledClock):
            raise fail("this clock cannot be moved", 409, "conflict")
        clock.advance(seconds)
        moved = await engine.tick()
        return JSONResponse({**clock_body(), "moved": moved})

    @wrap
    async def advance(request: Request) -> Response:
        return await _jump(number(await body(request), "seconds"))

    @wrap
    async def set_time(request: Request) -> Response:
        data = await body(request)
        if "time" not in data:
            raise fail("'time' is required")
        return await _jump(_timestamp(data["time"]) - emu.clock.now())

    @wrap
    async def set_speed(request: Request) -> Response:
        speed = number(await body(request), "speed")
        if not isinstance(emu.clock, ScaledClock):
            raise fail("a manual clock has no speed; use /clock/advance", 409, "conflict")
        if not 0 <= speed <= 1_000_000:
            raise fail("'speed' must be between 0 and 1000000")
        emu.clock.set_speed(speed)
        return JSONResponse(clock_body())

    def progression_body() -> dict[str, Any]:
        settings = engine.settings
        return {
            "default": asdict(settings.progression),
            "models": {m: asdict(p) for m, p in settings.per_model.items()},
        }

    @wrap
    async def progression(request: Request) -> Response:
        if request.method == "PUT":
            data = await body(request)
            model = data.pop("model", None)
            if model is not None and not isinstance(model, str):
                raise fail("'model' must be a model id")
            if model is not None and not any(o.model_id == model for o in emu.catalog):
                raise fail(f"unknown model {model!r}", 404, "not_found")
            unknown = set(data) - _PROGRESSION_FIELDS
            if unknown:
                raise fail(f"unknown progression fields: {', '.join(sorted(unknown))}")
            if data.get("kind", "clock") not in ("clock", "polls", "manual", "immediate"):
                raise fail("'kind' must be one of clock, polls, manual, immediate")
            if data.get("kind") == "immediate":
                policy = Progression.immediate()
            else:
                for key in data:
                    if key != "kind" and not 0 <= number(data, key) <= 10**7:
                        raise fail(f"{key!r} must be between 0 and 10000000")
                    if key.endswith("polls") and not isinstance(data[key], int):
                        raise fail(f"{key!r} must be an integer")
                policy = Progression(**data)
            engine.set_progression(policy, model)
        return JSONResponse(progression_body())

    @wrap
    async def reset(request: Request) -> Response:
        data = await body(request)
        seed = integer(data, "seed", high=SEED_MAX) if "seed" in data else None
        await sandbox.reset(seed)
        return JSONResponse({"reset": True, "seed": engine.ids.seed})

    @wrap
    async def seed(request: Request) -> Response:
        value = integer(await body(request), "seed", high=SEED_MAX)
        if await engine.store.count():
            # the same seed replays the same ids: they would overwrite existing jobs
            raise fail(
                "reseeding would reuse the ids of existing jobs; "
                'POST /_emulator/reset {"seed": N} starts afresh with a seed',
                409,
                "conflict",
            )
        sandbox.reseed(value)
        return JSONResponse({"seed": value})

    @wrap
    async def list_jobs(request: Request) -> Response:
        q = request.query_params
        state, provider, tenant = q.get("state"), q.get("provider"), q.get("tenant")
        if state and state not in {s.value for s in State}:
            raise fail(f"unknown state {state!r}; one of {', '.join(s.value for s in State)}")
        try:
            limit = int(q.get("limit", "500"))
        except ValueError:
            raise fail("'limit' must be an integer") from None
        out = []
        jobs = await engine.jobs()
        for job in sorted(reversed(jobs), key=lambda j: j.created_at, reverse=True):
            await engine.refresh(job)
            if state and job.state.value != state:
                continue
            if provider and job.provider != provider:
                continue
            if tenant and tenant not in (job.tenant, emu.accounts.label(job.tenant)):
                continue
            out.append(await job_view(emu, job))
            if len(out) >= max(0, limit):
                break
        return JSONResponse({"jobs": out, "total": len(jobs)})

    @wrap
    async def get_job(request: Request) -> Response:
        job = await engine.get(request.path_params["job_id"])
        return JSONResponse(await job_view(emu, job))

    @wrap
    async def complete(request: Request) -> Response:
        job = await engine.get(request.path_params["job_id"])
        if job.terminal:
            raise fail(f"job {job.id} is already {job.state.value}", 409, "conflict")
        job = await engine.complete(job.id)
        return JSONResponse(await job_view(emu, job))

    @wrap
    async def fail_job(request: Request) -> Response:
        data = await body(request)
        kind = data.get("kind", "provider")
        if kind not in FAILURE_KINDS:
            raise fail(f"'kind' must be one of {', '.join(FAILURE_KINDS)}")
        message = text(data, "message", default=f"the job failed ({kind}, forced)")
        code = data.get("code")
        if code is not None and not isinstance(code, str | int):
            raise fail("'code' must be a string or an integer")
        if code is not None and len(str(code)) > 100:
            raise fail("'code' must be at most 100 characters")
        job = await engine.get(request.path_params["job_id"])
        if job.terminal:
            raise fail(f"job {job.id} is already {job.state.value}", 409, "conflict")
        failure = Failure(kind, message, str(code) if code is not None else None)
        return JSONResponse(await job_view(emu, await engine.fail(job.id, failure)))

    @wrap
    async def plant_fault(request: Request) -> Response:
        data = await body(request)
        items = parse_faults(text(data, "fault"))
        fault = job_fault_from(items)
        if fault is None or any(i.is_request for i in items):
            raise fail("only job faults can be planted in a job (moderation@N, stuck, ...)")
        job = await engine.get(request.path_params["job_id"])
        if job.terminal:
            raise fail(f"job {job.id} is already {job.state.value}", 409, "conflict")
        job.fault = merge_faults(job.fault, fault)
        await engine.store.update(job.id, fault=job.fault)
        await engine.refresh(job)
        return JSONResponse(await job_view(emu, job))

    return [
        Route("/_emulator/clock", get_clock, methods=["GET"]),
        Route("/_emulator/clock/advance", advance, methods=["POST"]),
        Route("/_emulator/clock/set", set_time, methods=["POST"]),
        Route("/_emulator/clock/speed", set_speed, methods=["POST"]),
        Route("/_emulator/progression", progression, methods=["GET", "PUT"]),
        Route("/_emulator/reset", reset, methods=["POST"]),
        Route("/_emulator/seed", seed, methods=["POST"]),
        Route("/_emulator/jobs", list_jobs, methods=["GET"]),
        Route("/_emulator/jobs/{job_id}", get_job, methods=["GET"]),
        Route("/_emulator/jobs/{job_id}/complete", complete, methods=["POST"]),
        Route("/_emulator/jobs/{job_id}/fail", fail_job, methods=["POST"]),
        Route("/_emulator/jobs/{job_id}/fault", plant_fault, methods=["POST"]),
    ]
