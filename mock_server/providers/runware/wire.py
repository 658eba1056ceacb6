"""Runware's ``videoInference`` task on the wire: parse it, and render its results.

Parsing checks what belongs to the wire (presence, types, combinations of fields)
and leaves model facts (sizes, durations, prompt length, formats) to the engine,
which reads them from the catalog. A field the contract does not name is refused
(``unsupportedParameter``) unless ``--runware-unknown-fields ignore``: the contract
(``contracts/schemas/runware/video-inference-task.json``) forbids unknown fields, so a
misspelt option fails here rather than being silently dropped. Size and inputs (frame
images, ``inputs.videoId``) are parsed in :mod:`.frames`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.jobs import Job
from mock_server.core.model_input import Generation, interpret
from mock_server.providers.runware.checks import ENVELOPE, problem_error, read_model_fields
from mock_server.providers.runware.fields import as_int, bad
from mock_server.providers.runware.frames import Inputs, parse_inputs

__all__ = [
    "FORMATS",
    "KNOWN_FIELDS",
    "TASK_TYPE",
    "VideoTask",
    "ack",
    "parse_video_task",
    "processing",
    "successes",
]

TASK_TYPE = "videoInference"
FORMATS = {"MP4": "mp4", "WEBM": "webm", "MOV": "mov"}
DELIVERY = ("async", "sync")
SAFETY_MODES = ("none", "fast", "full")
MAX_SEED = 2**63 - 1
MIN_TTL = 60  # https://runware.ai/docs/en/video-inference/api-reference (ttl: minimum 60)
MAX_TTL = 31_536_000  # one year; INFERRED (the docs give no maximum)
# The properties of the videoInference contract; tests fail when the two drift apart.
KNOWN_FIELDS = frozenset([
    "taskType", "taskUUID", "model", "positivePrompt", "negativePrompt", "width", "height",
    "resolution", "duration", "fps", "CFGScale", "seed", "numberResults", "outputType",
    "outputFormat", "outputQuality", "deliveryMethod", "includeCost", "webhookURL",
    "uploadEndpoint", "ttl", "safety", "inputs", "frameImages", "settings", "providerSettings",
])  # fmt: skip


@dataclass(slots=True)
class VideoTask:
    """A parsed ``videoInference`` task in domain words (size may still be open)."""

    task_uuid: str
    model: str
    gen: Generation
    inputs: Inputs = field(default_factory=Inputs)
    number_results: int = 1
    output_format: str = "mp4"
    include_cost: bool = False
    seed: int | None = None
    ttl: int | None = None
    delivery: str = "async"
    webhook_url: str | None = None
    has_duration: bool = True

    @property
    def prompt(self) -> str:
        return self.gen.prompt

    @property
    def seconds(self) -> int:
        return self.gen.seconds


def parse_video_task(
    task: dict[str, Any],
    uid: str,
    offer: ModelOffer,
    *,
    frames_with_size: bool = True,
    unknown_fields: str = "reject",
) -> VideoTask:
    """Validate one task against the task contract and the model's parameter schema;
    raises :class:`RunwareError` on the first fault. ``unknown_fields`` is ``"reject"``
    or ``"ignore"`` (for fields neither the task nor the model names)."""
    names = ENVELOPE | set(offer.properties)
    unknown = sorted(k for k in task if k not in names)
    if unknown and unknown_fields != "ignore":
        raise bad(
            "unsupportedParameter",
            unknown[0],
            "string",
            f"Unsupported parameter {unknown[0]!r}: videoInference with this model does not "
            "take it.",
        )
    task = {k: v for k, v in task.items() if k in names}
    inputs = parse_inputs(task, offer, frames_with_size=frames_with_size)
    read = read_model_fields(offer, task)
    if read.problems:
        raise problem_error(read.problems[0], offer)
    duration = offer.fields.get("duration")
    out = VideoTask(uid, offer.model_id, interpret(offer, read.values), inputs)
    out.has_duration = duration is not None and duration in task
    _options(task, out)
    return out


def _seed_and_ttl(task: dict[str, Any], out: VideoTask) -> None:
    """``seed`` (each further result takes the next one: all must be in range) and
    ``ttl``; ``out.number_results`` is known already."""
    seed = task.get("seed")
    if seed is not None:
        value = as_int(seed)
        # each further result takes the next seed, and every one must be in range
        last = MAX_SEED - max(0, out.number_results - 1)
        if value is None or not 0 <= value <= last:
            raise bad(
                "invalidSeed",
                "seed",
                "integer",
                f"seed must be an integer from 0 to {last} (each further result takes the "
                f"next seed, up to {MAX_SEED}).",
            )
        out.seed = value

    ttl = task.get("ttl")
    if ttl is not None:
        value = as_int(ttl)
        if value is None or not MIN_TTL <= value <= MAX_TTL:
            raise bad(
                "invalidTTL",
                "ttl",
                "integer",
                f"ttl must be an integer from {MIN_TTL} to {MAX_TTL} seconds.",
            )
        out.ttl = value


def _options(task: dict[str, Any], out: VideoTask) -> None:
    n = task.get("numberResults", 1)
    if as_int(n) is None:
        raise bad(
            "invalidNumberResults", "numberResults", "integer", "numberResults must be an integer."
        )
    out.number_results = as_int(n) or 0  # the range is the engine's call

    fmt = task.get("outputFormat", "MP4")
    if not isinstance(fmt, str) or fmt.upper() not in FORMATS:
        raise bad(
            "invalidOutputFormat",
            "outputFormat",
            "string",
            "Invalid value for outputFormat parameter.",
            allowed=list(FORMATS),
        )
    out.output_format = FORMATS[fmt.upper()]

    kind = task.get("outputType", "URL")
    if kind not in ("URL", ["URL"]):
        raise bad(
            "invalidOutputType",
            "outputType",
            "string",
            "Invalid value for outputType parameter. This model only returns URLs.",
            allowed=["URL"],
        )
    quality = task.get("outputQuality")
    if quality is not None and (as_int(quality) is None or not 20 <= (as_int(quality) or 0) <= 99):
        raise bad(
            "invalidOutputQuality",
            "outputQuality",
            "integer",
            "outputQuality must be an integer from 20 to 99.",
            allowed=[20, 99],
        )
    cost = task.get("includeCost", False)
    if not isinstance(cost, bool):
        raise bad("invalidIncludeCost", "includeCost", "boolean", "includeCost must be a boolean.")
    out.include_cost = cost

    _seed_and_ttl(task, out)

    delivery = task.get("deliveryMethod", "async")
    if delivery not in DELIVERY:
        raise bad(
            "invalidDeliveryMethod",
            "deliveryMethod",
            "string",
            "Invalid value for deliveryMethod parameter.",
            allowed=list(DELIVERY),
        )
    out.delivery = delivery

    _delivery(task, out)


def _delivery(task: dict[str, Any], out: VideoTask) -> None:
    """Where results go (``webhookURL``, ``uploadEndpoint``) and ``safety``."""
    hook = task.get("webhookURL")
    if hook is not None and (not isinstance(hook, str) or not hook):
        raise bad("invalidWebhookURL", "webhookURL", "string", "webhookURL must be a URL.")
    out.webhook_url = hook

    _safety(task.get("safety"))
    if task.get("uploadEndpoint") is not None:
        raise bad(
            "unsupportedParameter",
            "uploadEndpoint",
            "string",
            "uploadEndpoint is not emulated: read the result from videoURL instead.",
        )


def _safety(value: Any) -> None:
    """``safety``: an object with ``checkContent`` (boolean) and ``mode`` (none/fast/full)."""
    if value is None:
        return
    if not isinstance(value, dict):
        raise bad("invalidSafety", "safety", "object", "Invalid value for safety parameter.")
    for key, item in value.items():
        if key == "checkContent" and not isinstance(item, bool):
            raise bad(
                "invalidCheckContent",
                "safety.checkContent",
                "boolean",
                "safety.checkContent must be a boolean.",
            )
        if key == "mode" and item not in SAFETY_MODES:
            raise bad(
                "invalidSafetyMode",
                "safety.mode",
                "string",
                "Invalid value for safety.mode parameter.",
                allowed=list(SAFETY_MODES),
            )
        if key not in ("checkContent", "mode"):
            raise bad(
                "unsupportedParameter",
                f"safety.{key}",
                "string",
                f"Unsupported parameter 'safety.{key}'.",
            )


# -- rendering ----------------------------------------------------------------------


def ack(uid: str) -> dict[str, Any]:
    """The acknowledgement of an accepted async task."""
    return {"taskType": TASK_TYPE, "taskUUID": uid}


def processing(job: Job, progress: int) -> dict[str, Any]:
    """One item for a task still in the queue or running (whatever numberResults is)."""
    return {"taskType": TASK_TYPE, "taskUUID": job.id, "status": "processing", "progress": progress}


def successes(job: Job, urls: list[str], cost: float | None) -> list[dict[str, Any]]:
    """One item per produced video, in the documented key order plus ``status``."""
    items = []
    for out, url in zip(job.outputs, urls, strict=True):
        item: dict[str, Any] = {
            "taskType": TASK_TYPE,
            "taskUUID": job.id,
            "status": "success",
            "videoUUID": out.uuid,
            "videoURL": url,
            "seed": out.seed,
        }
        if cost is not None:
            item["cost"] = cost
        item["outputs"] = {"videoId": out.video_id}
        items.append(item)
    return items
