"""The control API's jobs: list and inspect them, finish or fail them, plant faults.

::

    GET  /_emulator/jobs?state=&provider=&tenant=&limit=   GET /_emulator/jobs/{id}
    POST /_emulator/jobs/{id}/complete | /fail {"kind", "message", "code"} | /fault {"fault"}
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.control.http import body, fail, text
from mock_server.control.plane import ControlArea
from mock_server.control.views import job_view
from mock_server.core.faults import job_fault_from, merge_faults, parse_faults
from mock_server.core.jobs import Failure, Job, State

__all__ = ["FAILURE_KINDS", "JobsApi"]

FAILURE_KINDS = ("moderation", "timeout", "provider", "render", "internal")


class JobsApi(ControlArea):
    """Every job of every provider and tenant, as the engine sees it."""

    async def _open_job(self, request: Request) -> Job:
        """The job the path names, which must not have finished yet (409 if it has)."""
        job = await self.engine.get(request.path_params["job_id"])
        if job.terminal:
            raise fail(f"job {job.id} is already {job.state.value}", 409, "conflict")
        return job

    async def _view(self, job: Job) -> Response:
        return JSONResponse(await job_view(self.emu, job))

    async def list_jobs(self, request: Request) -> Response:
        q = request.query_params
        state, provider, tenant = q.get("state"), q.get("provider"), q.get("tenant")
        if state and state not in {s.value for s in State}:
            raise fail(f"unknown state {state!r}; one of {', '.join(s.value for s in State)}")
        try:
            limit = int(q.get("limit", "500"))
        except ValueError:
            raise fail("'limit' must be an integer") from None
        out = []
        jobs = await self.engine.jobs()
        for job in sorted(reversed(jobs), key=lambda j: j.created_at, reverse=True):
            await self.engine.refresh(job)
            if state and job.state.value != state:
                continue
            if provider and job.provider != provider:
                continue
            if tenant and tenant not in (job.tenant, self.emu.accounts.label(job.tenant)):
                continue
            out.append(await job_view(self.emu, job))
            if len(out) >= max(0, limit):
                break
        return JSONResponse({"jobs": out, "total": len(jobs)})

    async def get_job(self, request: Request) -> Response:
        return await self._view(await self.engine.get(request.path_params["job_id"]))

    async def complete_job(self, request: Request) -> Response:
        job = await self._open_job(request)
        return await self._view(await self.engine.complete(job.id))

    async def fail_job(self, request: Request) -> Response:
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
        job = await self._open_job(request)
        failure = Failure(kind, message, str(code) if code is not None else None)
        return await self._view(await self.engine.fail(job.id, failure))

    async def plant_fault(self, request: Request) -> Response:
        items = parse_faults(text(await body(request), "fault"))
        fault = job_fault_from(items)
        if fault is None or any(i.is_request for i in items):
            raise fail("only job faults can be planted in a job (moderation@N, stuck, ...)")
        job = await self._open_job(request)
        job.fault = merge_faults(job.fault, fault)
        await self.engine.store.update(job.id, fault=job.fault)
        await self.engine.refresh(job)
        return await self._view(job)
