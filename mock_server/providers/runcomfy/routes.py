"""RunComfy Model API handlers: submit, request_status, get_result, cancel, model_info."""

from __future__ import annotations

import functools
import json
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.core.clock import iso8601
from mock_server.core.errors import AuthError
from mock_server.core.jobs import Job, JobRequest, State
from mock_server.emulator import Emulator
from mock_server.http import jsonio
from mock_server.media.inputs import resolve_image
from mock_server.providers.runcomfy import discovery
from mock_server.providers.runcomfy.errors import error_response, validation_error
from mock_server.providers.runcomfy.settings import UNKNOWN_FIELD_RULES, RunComfySettings
from mock_server.providers.runcomfy.wire import STATUS_WORDS, links, parse_submit, status_body

__all__ = ["routes"]

PROVIDER = "runcomfy"
Handler = Callable[[Request], Awaitable[Response]]


class _InputError(Exception):
    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("invalid input")
        self.detail = detail


def _endpoint(fn: Handler) -> Handler:
    """Every failure leaves in RunComfy's envelope; nothing leaks a stack trace."""

    @functools.wraps(fn)
    async def wrapper(request: Request) -> Response:
        try:
            return await fn(request)
        except Exception as exc:
            return error_response(exc)

    return wrapper


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization")
    if header is None:
        raise AuthError("missing", "missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed", "Authorization must be 'Bearer <token>'")
    return token.strip()


def _origin(request: Request) -> str:
    """``scheme://host[:port]`` of the request; cheaper than ``request.base_url`` (every poll
    builds links with it)."""
    host = request.headers.get("host")
    if host is None:
        server = request.scope.get("server") or ("localhost", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{request.scope.get('scheme', 'http')}://{host}{request.scope.get('root_path', '')}"


# What a FastAPI (pydantic) boolean query parameter accepts; anything else is a 422
# (INFERRED: RunComfy's Model API answers validation errors in FastAPI's shape).
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def _flag(request: Request, name: str) -> bool:
    raw = request.query_params.get(name)
    if raw is None or raw.lower() in _FALSE:
        return False
    if raw.lower() in _TRUE:
        return True
    msg = "Input should be a valid boolean, unable to interpret input"
    raise _InputError([{"loc": ["query", name], "msg": msg, "type": "bool_parsing"}])


def _money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.0001")))


def routes(emu: Emulator) -> list[Route]:
    engine = emu.engine
    rule = emu.config.settings(RunComfySettings).unknown_fields
    if rule not in UNKNOWN_FIELD_RULES:
        raise ValueError(f"--runcomfy-unknown-fields must be one of {UNKNOWN_FIELD_RULES}")

    def tenant(request: Request) -> str:
        return emu.accounts.tenant_for(_bearer(request))

    def base(request: Request) -> str:
        return emu.base(_origin(request))

    async def before(request: Request, operation: str) -> None:
        await emu.policies.before(PROVIDER, f"{PROVIDER}.{operation}", request.headers)

    async def _image(ref: str | None, name: str | None) -> bytes | None:
        """The bytes of an inline (data:) image; None for a URL, which is never fetched."""
        if ref is None:
            return None
        try:
            return await resolve_image(ref, emu.media)
        except ValueError as exc:
            loc = ["body", *(name or "input_reference").split(".")]
            raise _InputError([{"loc": loc, "msg": str(exc), "type": "url_parsing"}]) from None

    @_endpoint
    async def submit(request: Request) -> Response:
        who = tenant(request)
        await before(request, "submit")
        offer = emu.catalog.get(PROVIDER, request.path_params["model_id"])
        raw = await request.body()
        try:
            body = jsonio.loads(raw) if raw else None
        except ValueError:
            return validation_error(
                [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
            )
        gen, errors, ignored = parse_submit(body, offer, rule)
        if gen is None:
            return validation_error(errors)
        try:
            image = await _image(gen.first_frame, offer.fields.get("first_frame"))
            last = await _image(gen.last_frame, offer.fields.get("last_frame"))
        except _InputError as exc:
            return validation_error(exc.detail)
        job = await engine.submit(
            JobRequest(
                provider=PROVIDER,
                model_id=offer.model_id,
                tenant=who,
                prompt=gen.prompt,
                width=gen.width,
                height=gen.height,
                seconds=gen.seconds,
                seed=gen.seed,
                image=image,
                image_ref=gen.first_frame,
                last_image=last,
                last_image_ref=gen.last_frame,
                audio=gen.audio,
                fps=gen.fps,
                fault=emu.policies.job_fault(PROVIDER, gen.prompt, request.headers),
            )
        )
        headers = emu.policies.model_headers(offer)
        if ignored:
            names = ", ".join(json.dumps(k)[1:-1] for k in ignored)  # ASCII, no line breaks
            headers = {**headers, "X-Sora-Mock-Ignored-Fields": names[:500]}
        return JSONResponse(links(job.id, base(request)), headers=headers)

    @_endpoint
    async def request_status(request: Request) -> Response:
        await before(request, "request_status")
        job = await engine.get(
            request.path_params["request_id"], tenant(request), poll=True, provider=PROVIDER
        )
        return JSONResponse(status_body(job, base(request), await engine.queue_position(job)))

    @_endpoint
    async def get_result(request: Request) -> Response:
        await before(request, "get_result")
        try:  # query parameters are read before the request id, as FastAPI does
            wants_cost = _flag(request, "include_cost")
        except _InputError as exc:
            return validation_error(exc.detail)
        job = await engine.get(
            request.path_params["request_id"], tenant(request), poll=True, provider=PROVIDER
        )
        body = _result_body(job, base(request))
        if wants_cost and job.terminal:
            body["cost"] = _money(job.cost) if job.state is State.SUCCEEDED else 0.0
        return JSONResponse(body)

    def _result_body(job: Job, root: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "request_id": job.id,
            "status": STATUS_WORDS[job.state][1],
            "model_id": job.model_id,
            "created_at": iso8601(job.created_at),
        }
        if job.state is State.SUCCEEDED:
            body["output"] = {"video": emu.media_url(root, job.outputs[0].media_key)}
        if job.state is State.FAILED and job.failure is not None:
            body["error"] = job.failure.message
        if job.finished_at is not None:
            body["finished_at"] = iso8601(job.finished_at)
        return body

    @_endpoint
    async def cancel(request: Request) -> Response:
        await before(request, "cancel")
        job, cancelled = await engine.cancel(
            request.path_params["request_id"], tenant(request), provider=PROVIDER
        )
        outcome = "cancelled" if cancelled or job.state is State.CANCELLED else "not_cancellable"
        body = {"request_id": job.id, "status": STATUS_WORDS[job.state][0], "outcome": outcome}
        return JSONResponse(body, status_code=202)

    @_endpoint
    async def model_info(request: Request) -> Response:
        tenant(request)
        await before(request, "model_info")
        offer = emu.catalog.get(PROVIDER, request.path_params["model_id"])
        body = discovery.entry(offer, schema=True)
        return JSONResponse(body, headers=emu.policies.model_headers(offer))

    @_endpoint
    async def list_models(request: Request) -> Response:
        tenant(request)
        await before(request, "list_models")
        query, problems = discovery.parse_query(request.query_params)
        if problems:
            return validation_error(problems)
        return JSONResponse(discovery.listing(emu.catalog, PROVIDER, query))

    @_endpoint
    async def list_categories(request: Request) -> Response:
        tenant(request)
        await before(request, "list_categories")
        return JSONResponse(discovery.categories(emu.catalog, PROVIDER))

    async def model_path(request: Request) -> Response:
        return await (submit if request.method == "POST" else model_info)(request)

    return [  # the status poll first: it is by far the most frequent request
        Route("/v1/requests/{request_id}/status", request_status, methods=["GET"]),
        Route("/v1/requests/{request_id}/result", get_result, methods=["GET"]),
        Route("/v1/models", list_models, methods=["GET"]),
        Route("/v1/models/categories", list_categories, methods=["GET"]),
        # one route for both methods, so a 405 names them both in Allow
        Route("/v1/models/{model_id:path}", model_path, methods=["GET", "POST"]),
        Route("/v1/requests/{request_id}/cancel", cancel, methods=["POST"]),
    ]
