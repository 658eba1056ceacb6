"""RunComfy's Model API, one method per operation of its reference: submit, status,
result and cancel of a request, and the model catalog. Bound to paths by
:mod:`.urls`; parsing and rendering are :mod:`.wire`'s, errors :mod:`.errors`'."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.core.errors import AuthError
from mock_server.core.jobs import JobRequest, State
from mock_server.emulator import Emulator
from mock_server.http.routing import origin
from mock_server.media.inputs import resolve_image
from mock_server.providers.runcomfy import discovery, wire
from mock_server.providers.runcomfy.settings import UNKNOWN_FIELD_RULES, RunComfySettings

__all__ = ["PROVIDER", "RunComfyApi"]

PROVIDER = "runcomfy"


def bearer(request: Request) -> str:
    """The API key of ``Authorization: Bearer <token>``."""
    header = request.headers.get("authorization")
    if header is None:
        raise AuthError("missing", "missing Authorization header")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthError("malformed", "Authorization must be 'Bearer <token>'")
    return token.strip()


class RunComfyApi:
    """The operations of RunComfy's Model API over one emulator."""

    def __init__(self, emu: Emulator) -> None:
        rule = emu.config.settings(RunComfySettings).unknown_fields
        if rule not in UNKNOWN_FIELD_RULES:
            raise ValueError(f"--runcomfy-unknown-fields must be one of {UNKNOWN_FIELD_RULES}")
        self.emu = emu
        self.engine = emu.engine
        self.unknown_fields = rule

    def _tenant(self, request: Request) -> str:
        return self.emu.accounts.tenant_for(bearer(request))

    def _base(self, request: Request) -> str:
        return self.emu.base(origin(request))

    async def _before(self, request: Request, operation: str) -> None:
        await self.emu.policies.before(PROVIDER, f"{PROVIDER}.{operation}", request.headers)

    async def _image(self, ref: str | None, name: str | None) -> bytes | None:
        """The bytes of an inline (data:) image; None for a URL, which is never fetched."""
        if ref is None:
            return None
        try:
            return await resolve_image(ref, self.emu.media)
        except ValueError as exc:
            loc = ["body", *(name or "input_reference").split(".")]
            raise wire.InputError([{"loc": loc, "msg": str(exc), "type": "url_parsing"}]) from None

    async def submit(self, request: Request) -> Response:
        """``POST /v1/models/{model_id}``: queue a generation."""
        who = self._tenant(request)
        await self._before(request, "submit")
        offer = self.emu.catalog.get(PROVIDER, request.path_params["model_id"])
        gen, errors, ignored = wire.parse_submit(
            wire.body_json(await request.body()), offer, self.unknown_fields
        )
        if gen is None:
            raise wire.InputError(errors)
        job = await self.engine.submit(
            JobRequest(
                provider=PROVIDER,
                model_id=offer.model_id,
                tenant=who,
                prompt=gen.prompt,
                width=gen.width,
                height=gen.height,
                seconds=gen.seconds,
                seed=gen.seed,
                image=await self._image(gen.media.first_frame, offer.fields.get("first_frame")),
                image_ref=gen.media.first_frame,
                last_image=await self._image(gen.media.last_frame, offer.fields.get("last_frame")),
                last_image_ref=gen.media.last_frame,
                audio=gen.audio,
                fps=gen.fps,
                fault=self.emu.policies.job_fault(PROVIDER, gen.prompt, request.headers),
            )
        )
        headers = {**self.emu.policies.model_headers(offer), **wire.ignored_header(ignored)}
        return JSONResponse(wire.links(job.id, self._base(request)), headers=headers)

    async def request_status(self, request: Request) -> Response:
        """``GET /v1/requests/{request_id}/status``: the state, and the place in the queue."""
        await self._before(request, "request_status")
        job = await self.engine.get(
            request.path_params["request_id"], self._tenant(request), poll=True, provider=PROVIDER
        )
        position = await self.engine.queue_position(job)
        return JSONResponse(wire.status_body(job, self._base(request), position))

    async def get_result(self, request: Request) -> Response:
        """``GET /v1/requests/{request_id}/result``: the outcome and the clip's URL."""
        await self._before(request, "get_result")
        # query parameters are read before the request id, as FastAPI does
        wants_cost = wire.query_flag(request.query_params, "include_cost")
        job = await self.engine.get(
            request.path_params["request_id"], self._tenant(request), poll=True, provider=PROVIDER
        )
        video = None
        if job.state is State.SUCCEEDED:
            video = self.emu.media_url(self._base(request), job.outputs[0].media_key)
        return JSONResponse(wire.result_body(job, video, wants_cost))

    async def cancel_request(self, request: Request) -> Response:
        """``POST /v1/requests/{request_id}/cancel``: cancel a job still in the queue."""
        await self._before(request, "cancel")
        job, cancelled = await self.engine.cancel(
            request.path_params["request_id"], self._tenant(request), provider=PROVIDER
        )
        return JSONResponse(wire.cancel_body(job, cancelled), status_code=202)

    async def model_info(self, request: Request) -> Response:
        """``GET /v1/models/{model_id}``: one model's entry with its input schema."""
        self._tenant(request)
        await self._before(request, "model_info")
        offer = self.emu.catalog.get(PROVIDER, request.path_params["model_id"])
        body = discovery.entry(offer, schema=True)
        return JSONResponse(body, headers=self.emu.policies.model_headers(offer))

    async def list_models(self, request: Request) -> Response:
        """``GET /v1/models``: the catalog, searched, filtered and paged."""
        self._tenant(request)
        await self._before(request, "list_models")
        query, problems = discovery.parse_query(request.query_params)
        if problems:
            raise wire.InputError(problems)
        return JSONResponse(discovery.listing(self.emu.catalog, PROVIDER, query))

    async def list_categories(self, request: Request) -> Response:
        """``GET /v1/models/categories``: every category a model is in."""
        self._tenant(request)
        await self._before(request, "list_categories")
        return JSONResponse(discovery.categories(self.emu.catalog, PROVIDER))
