"""The dashboard: ``GET /``, its two assets, and the two views its script reads.

The page is static; its script polls the control API, sending the admin token it
finds in the URL fragment (``http://host:8000/#token=...``) or asks for one, so the
token never reaches a server log. Two read-only views keep it usable with hundreds of
jobs (both behind the control API's admin check):

* ``GET /_emulator/ui/jobs?provider=&model=&tenant=&state=&q=&page=0&size=25``: one page
  of jobs (newest first) matching the filters, each with what was quoted and what was
  charged, plus the choices for every filter with their counts;
* ``GET /_emulator/ui/journal?limit=25&media=0``: the request journal as API traffic:
  media downloads (the dashboard's own players among them) only with ``media=1``, and
  never ``/docs`` or ``/openapi.json``.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from importlib import resources
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.control.http import endpoint, fail
from mock_server.control.plane import ControlPlane
from mock_server.control.views import job_view
from mock_server.core.jobs import Job, State

__all__ = ["routes"]

ASSETS = {
    "dashboard.js": "text/javascript; charset=utf-8",
    "dashboard.css": "text/css; charset=utf-8",
}
FILTERS = ("provider", "model", "tenant", "state")
PAGE_SIZES = (10, 25, 50, 100)
NOT_API = ("/docs", "/openapi.json", "/favicon.ico", "/_emulator")


def _read(name: str) -> bytes:
    return resources.files(__package__).joinpath("static", name).read_bytes()


def _int(raw: str | None, name: str, default: int) -> int:
    try:
        return int(raw) if raw not in (None, "") else default
    except ValueError:
        raise fail(f"{name!r} must be a whole number") from None


def _charged(job: Job, charges: dict[str, Decimal]) -> str | None:
    """What the tenant paid: the charge once it succeeded, nothing for a failed or
    cancelled job, ``None`` (held, not yet charged) while it is still in progress."""
    if job.state in (State.QUEUED, State.RUNNING):
        return None
    return f"{charges.get(job.id, Decimal(0)):.2f}"


def _facets(jobs: list[Job], label: dict[str, str]) -> dict[str, list[list[Any]]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in FILTERS}
    for job in jobs:
        counts["provider"][job.provider] += 1
        counts["model"][job.model_id] += 1
        counts["tenant"][label[job.tenant]] += 1
        counts["state"][job.state.value] += 1
    return {name: sorted([k, n] for k, n in c.items()) for name, c in counts.items()}


def _matches(job: Job, wanted: dict[str, str], label: str, text: str) -> bool:
    values = {"provider": job.provider, "model": job.model_id, "state": job.state.value}
    for name, value in wanted.items():
        if name == "tenant":
            if value not in (label, job.tenant):
                return False
        elif values[name] != value:
            return False
    return not text or text in job.id.lower() or text in job.prompt.lower()


def _journal_entry_shown(entry: dict[str, Any], media: bool) -> bool:
    path = str(entry.get("path", ""))
    if path == "/" or path.startswith(NOT_API):
        return False
    return media or entry.get("provider") != "media"


def routes(sandbox: ControlPlane) -> list[Route]:
    emu = sandbox.emu
    wrap = endpoint(emu)
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

    @wrap
    async def ui_jobs(request: Request) -> Response:
        q = request.query_params
        wanted = {name: q[name] for name in FILTERS if q.get(name)}
        text = (q.get("q") or "").strip().lower()
        size = _int(q.get("size"), "size", 25)
        if size not in PAGE_SIZES:
            raise fail(f"'size' must be one of {', '.join(map(str, PAGE_SIZES))}")
        # newest first; among jobs created at the same instant, the last submitted first
        jobs = sorted(reversed(await emu.engine.jobs()), key=lambda j: j.created_at, reverse=True)
        for job in jobs:
            await emu.engine.refresh(job)
        label = {t: emu.accounts.label(t) for t in {j.tenant for j in jobs}}
        matched = [j for j in jobs if _matches(j, wanted, label[j.tenant], text)]
        pages = max(1, -(-len(matched) // size))
        number = min(max(0, _int(q.get("page"), "page", 0)), pages - 1)
        charges: dict[str, Decimal] = {}
        for charge in await emu.engine.ledger.charges():
            charges[charge.job_id] = charges.get(charge.job_id, Decimal(0)) + charge.amount
        shown = []
        for job in matched[number * size : (number + 1) * size]:
            view = await job_view(emu, job)
            shown.append({**view, "quoted": view["cost"], "charged": _charged(job, charges)})
        return JSONResponse(
            {
                "jobs": shown,
                "total": len(jobs),
                "matched": len(matched),
                "page": number,
                "pages": pages,
                "size": size,
                "facets": _facets(jobs, label),
            }
        )

    @wrap
    async def ui_journal(request: Request) -> Response:
        q = request.query_params
        limit = min(200, max(0, _int(q.get("limit"), "limit", 25)))
        media = q.get("media") in ("1", "true")
        everything = sandbox.journal.entries(len(sandbox.journal))
        shown = [e for e in everything if _journal_entry_shown(e, media)]
        return JSONResponse({"entries": shown[:limit], "size": len(sandbox.journal)})

    return [
        Route("/", page, methods=["GET", "HEAD"]),
        Route("/_emulator/ui/jobs", ui_jobs, methods=["GET"]),
        Route("/_emulator/ui/journal", ui_journal, methods=["GET"]),
        Route("/_emulator/ui/{name}", static, methods=["GET", "HEAD"]),
    ]
