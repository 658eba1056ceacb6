"""Runware tasks, whatever the transport: REST and WebSocket both call :meth:`Tasks.run`.

>>> reply = await tasks.run({"taskType": "getResponse", "taskUUID": uid}, 0, ctx)
>>> reply.data            # [{"taskType": "videoInference", "status": "processing", ...}]

Each task yields a :class:`Reply`: its ``data`` items, its ``errors`` items and the
HTTP status those errors call for. A sync ``videoInference`` is submitted at once
and its result arrives later through ``Reply.later`` (REST awaits it; the WebSocket
sends it as its own frame when it is ready).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.errors import JobForbidden, JobNotFound
from mock_server.core.jobs import Job, JobRequest, State
from mock_server.emulator import Emulator
from mock_server.providers.runware import wire
from mock_server.providers.runware.discovery import model_search
from mock_server.providers.runware.errors import (
    DOCS_CONNECT,
    DOCS_POLL,
    RunwareError,
    failure_error,
    from_domain,
)
from mock_server.providers.runware.fields import is_uuid, task_uuid
from mock_server.providers.runware.frames import resolve_frame
from mock_server.providers.runware.settings import RunwareSettings

__all__ = ["EMULATED", "OPERATIONS", "PROVIDER", "Context", "Notes", "Reply", "Tasks"]

PROVIDER = "runware"
# Real task types this emulator does not implement (answered as unsupported, not unknown).
OTHER_TYPES = frozenset([
    "imageInference", "imageCaption", "imageUpload", "imageUpscale", "imageBackgroundRemoval",
    "imageControlNetPreProcess", "imageMasking", "photoMaker", "promptEnhance", "vectorize",
    "audioInference", "textInference", "3dInference", "training", "videoCaption",
    "videoBackgroundRemoval", "videoUpscale", "modelUpload", "accountManagement",
    "getTaskDetails", "mediaStorage",
])  # fmt: skip


@dataclass(frozen=True, slots=True)
class Notes:
    """What a Runware task keeps with its job for later answers (the engine stores it
    as the job's opaque ``meta``): the delivery options and the base of its URLs."""

    include_cost: bool = False
    webhook_url: str | None = None
    base: str = ""
    delivery: str = "async"

    def meta(self) -> dict[str, Any]:
        return {
            "include_cost": self.include_cost,
            "webhook_url": self.webhook_url,
            "base": self.base,
            "delivery": self.delivery,
        }

    @classmethod
    def of(cls, job: Job) -> Notes:
        meta = job.meta
        return cls(
            include_cost=bool(meta.get("include_cost")),
            webhook_url=meta.get("webhook_url") or None,
            base=str(meta.get("base") or ""),
            delivery=str(meta.get("delivery") or "async"),
        )


@dataclass(slots=True)
class Context:
    """Who is asking, and how links back to this emulator are spelled."""

    tenant: str
    headers: Mapping[str, str]
    base: str


@dataclass(slots=True)
class Reply:
    """What one task produced."""

    data: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    later: Awaitable[Reply] | None = None

    def absorb(self, other: Reply) -> None:
        """Take over the held result of a sync task."""
        self.data += other.data
        self.errors += other.errors
        self.status = other.status
        self.headers.update(other.headers)
        self.later = None


def error_reply(err: RunwareError, task_type: str | None, uid: str | None) -> Reply:
    reply = Reply(errors=[err.item(task_type, uid)], status=err.status)
    if err.retry_after is not None:
        reply.headers["Retry-After"] = str(max(1, round(err.retry_after)))
    return reply


class Tasks:
    """Runs Runware tasks against the engine."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu
        self.engine = emu.engine

    @property
    def settings(self) -> RunwareSettings:
        return self.emu.config.settings(RunwareSettings)  # read live: the config may change

    async def run(self, task: Any, index: int, ctx: Context) -> Reply:
        """One task of a request; every failure becomes that task's error reply."""
        if not isinstance(task, dict):
            err = RunwareError(
                "invalidRequestBody",
                "Each task must be a JSON object.",
                parameter=f"[{index}]",
                documentation=DOCS_CONNECT,
            )
            return error_reply(err, None, None)
        task_type = task.get("taskType")
        # echoed in errors only when it is one: the error contract says taskUUID is a UUID
        uid = task.get("taskUUID") if is_uuid(task.get("taskUUID")) else None
        try:
            if task_type is None:
                raise RunwareError(
                    "missingTaskType",
                    "Missing taskType parameter.",
                    parameter="taskType",
                    documentation=DOCS_CONNECT,
                )
            if not isinstance(task_type, str) or task_type not in EMULATED:
                known = isinstance(task_type, str) and task_type in OTHER_TYPES
                code = "unsupportedTaskType" if known else "invalidTaskType"
                raise RunwareError(
                    code,
                    f"Task type {task_type!r} is not available in this emulator.",
                    parameter="taskType",
                    kind="string",
                    allowed=list(EMULATED),
                    documentation=DOCS_CONNECT,
                )
            await self.emu.policies.before(PROVIDER, f"{PROVIDER}.{task_type}", ctx.headers)
            return await OPERATIONS[task_type](self, task, ctx)
        except Exception as exc:
            err = from_domain(exc, retired_code=self.settings.retired_code)
            return error_reply(err, task_type if isinstance(task_type, str) else None, uid)

    # -- operations: one per task type (OPERATIONS) ----------------------------------
    async def ping(self, task: dict[str, Any], ctx: Context) -> Reply:
        """``{"taskType": "ping", "ping": true}`` and nothing else (the ping contract)."""
        extra = sorted(k for k in task if k not in ("taskType", "ping"))
        if extra:
            raise RunwareError(
                "unsupportedParameter",
                f"Unsupported parameter {extra[0]!r}: a ping task takes only taskType and ping.",
                parameter=extra[0],
                kind="string",
                documentation=DOCS_CONNECT,
            )
        if "ping" not in task:
            raise RunwareError(
                "missingPing",
                "Missing ping parameter.",
                parameter="ping",
                kind="boolean",
                documentation=DOCS_CONNECT,
            )
        if task["ping"] is not True:
            raise RunwareError(
                "invalidPing",
                "Invalid value for ping parameter. It must be true.",
                parameter="ping",
                kind="boolean",
                allowed=[True],
                documentation=DOCS_CONNECT,
            )
        return Reply(data=[{"taskType": "ping", "pong": True}])

    async def authentication(self, task: dict[str, Any], ctx: Context) -> Reply:
        """An authentication task inside a REST batch (the key was checked already)."""
        key = task.get("apiKey")
        self.emu.accounts.tenant_for(key if isinstance(key, str) else None)
        if not self.settings.rest_auth_item:
            return Reply()
        item = {"taskType": "authentication", "connectionSessionUUID": self.engine.ids.uuid4()}
        return Reply(data=[item])

    async def video_inference(self, task: dict[str, Any], ctx: Context) -> Reply:
        uid = task_uuid(task, version4=True)
        model = task.get("model")
        if model is None:
            raise RunwareError(
                "missingModel", "Missing model parameter.", parameter="model", kind="string"
            )
        if not isinstance(model, str) or not model:
            raise RunwareError(
                "invalidModel",
                "Invalid value for model parameter.",
                parameter="model",
                kind="string",
            )
        offer = self.emu.catalog.get(PROVIDER, model)
        vt = wire.parse_video_task(
            task,
            uid,
            offer,
            frames_with_size=self.settings.frames_with_size,
            unknown_fields=self.settings.unknown_fields,
        )
        headers = dict(self.emu.policies.model_headers(offer))
        if vt.webhook_url is not None and not self.emu.webhooks.allowed(vt.webhook_url):
            raise RunwareError(
                "invalidWebhookURL",
                "Invalid value for webhookURL parameter: this emulator delivers webhooks only "
                "to the hosts allowed by --webhook-hosts.",
                parameter="webhookURL",
                kind="string",
            )
        request = await self._request(vt, offer, ctx)
        try:
            job = await self.engine.submit(request)
        except Exception as exc:
            raise from_domain(
                exc,
                {"image": vt.inputs.frame_param},
                retired_code=self.settings.retired_code,
            ) from None
        if vt.delivery == "sync" and vt.webhook_url is None:
            return Reply(headers=headers, later=self._hold(job.id))
        return Reply(data=[wire.ack(uid)], headers=headers)

    async def _request(self, vt: wire.VideoTask, offer: ModelOffer, ctx: Context) -> JobRequest:
        """The engine's request for a parsed task: size and duration settled."""
        gen, inputs = vt.gen, vt.inputs
        width, height, seconds = gen.width, gen.height, gen.seconds
        if inputs.width is not None and inputs.height is not None:
            width, height = inputs.width, inputs.height
        elif inputs.video_id is not None:
            source = await self.engine.source_video(inputs.video_id, ctx.tenant)
            if source is not None:
                width, height = source.width, source.height
                if not vt.has_duration and source.seconds in offer.durations:
                    seconds = source.seconds  # a remix keeps its source's length
        image, image_ref = await resolve_frame(inputs, self.emu.media, inputs.frame)
        last, last_ref = await resolve_frame(inputs, self.emu.media, inputs.last)
        return JobRequest(
            provider=PROVIDER,
            model_id=offer.model_id,
            tenant=ctx.tenant,
            prompt=gen.prompt,
            width=width,
            height=height,
            seconds=seconds,
            seed=vt.seed if vt.seed is not None else gen.seed,
            number_results=vt.number_results,
            output_format=vt.output_format,
            image=image,
            image_ref=image_ref,
            last_image=last,
            last_image_ref=last_ref,
            video_ref=inputs.video_id,
            audio=gen.audio,
            fps=gen.fps,
            job_id=vt.task_uuid,
            fault=self.emu.policies.job_fault(PROVIDER, gen.prompt, ctx.headers),
            ttl=vt.ttl,
            meta=Notes(vt.include_cost, vt.webhook_url, ctx.base, vt.delivery).meta(),
        )

    async def model_search(self, task: dict[str, Any], ctx: Context) -> Reply:
        """The catalog's Runware models that match the search."""
        return Reply(data=[model_search(task, self.emu.catalog.for_provider(PROVIDER))])

    async def get_response(self, task: dict[str, Any], ctx: Context) -> Reply:
        extra = sorted(k for k in task if k not in ("taskType", "taskUUID"))
        if extra:  # the getResponse contract: a task type and a task id, nothing else
            raise RunwareError(
                "unsupportedParameter",
                f"Unsupported parameter {extra[0]!r}: getResponse takes only taskType and "
                "taskUUID.",
                parameter=extra[0],
                kind="string",
                documentation=DOCS_POLL,
            )
        uid = task_uuid(task)
        try:
            job = await self.engine.get(uid, ctx.tenant, poll=True, provider=PROVIDER)
        except (JobNotFound, JobForbidden):
            # Another tenant's task, or another provider's job, is simply unknown here.
            return self._unknown(uid)
        reply = self.result(job)
        offer = self.emu.catalog.find(PROVIDER, job.model_id)
        if offer is not None:
            reply.headers.update(self.emu.policies.model_headers(offer))
        return reply

    # -- results ------------------------------------------------------------------
    def result(self, job: Job) -> Reply:
        """The job as Runware reports it: processing, one item per video, or its error."""
        if job.state in (State.QUEUED, State.RUNNING):
            return Reply(data=[wire.processing(job, self.engine.progress(job))])
        if job.state is State.SUCCEEDED:
            notes = Notes.of(job)
            urls = [self.video_url(notes.base, out.media_key, out.uuid) for out in job.outputs]
            offer = self.emu.catalog.find(PROVIDER, job.model_id)
            cost = None
            wants_cost = notes.include_cost or self.settings.cost_always
            if wants_cost and offer is not None:
                cost = float(offer.cost(job.size, job.seconds, 1, audio=job.audio))
            return Reply(data=wire.successes(job, urls, cost))
        if job.state is State.CANCELLED:
            err = RunwareError("taskCancelled", "The task was cancelled.", status=200)
        else:
            err = failure_error(job.failure)
        item = err.item(wire.TASK_TYPE, job.id)
        return Reply(errors=[{"code": item.pop("code"), "status": "error", **item}])

    def video_url(self, base: str, media_key: str, video_uuid: str) -> str:
        """The clip's URL, ending in ``/<videoUUID>.<ext>`` as Runware's do."""
        stem, _, ext = media_key.rpartition(".")
        return f"{self.emu.media_url(base, stem)}/{video_uuid}.{ext}"

    async def _hold(self, job_id: str) -> Reply:
        wait = self.settings.sync_wait
        job = await self.engine.wait(job_id, wait)
        if job.terminal:
            return self.result(job)
        err = RunwareError(
            "timeout",
            f"The task did not finish within the {wait:g} s a sync request is held; "
            "it keeps running: poll it with getResponse.",
            status=200,
        )
        return error_reply(err, wire.TASK_TYPE, job_id)

    def _unknown(self, uid: str) -> Reply:
        if self.settings.unknown_task != "error":
            return Reply()
        err = RunwareError(
            "taskNotFound",
            f"No task found with taskUUID {uid}.",
            parameter="taskUUID",
            documentation=DOCS_POLL,
        )
        return error_reply(err, "getResponse", uid)


# The task types this emulator runs, as Runware's API reference lists them.
OPERATIONS: dict[str, Callable[[Tasks, dict[str, Any], Context], Awaitable[Reply]]] = {
    "videoInference": Tasks.video_inference,
    "getResponse": Tasks.get_response,
    "modelSearch": Tasks.model_search,
    "authentication": Tasks.authentication,
    "ping": Tasks.ping,
}
EMULATED = tuple(OPERATIONS)
