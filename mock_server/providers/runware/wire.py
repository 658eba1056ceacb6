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

from mock_server.core.jobs import Job
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
MAX_SEED = 2**63 - 1
# The properties of the videoInference contract; tests fail when the two drift apart.
KNOWN_FIELDS = frozenset([
    "taskType", "taskUUID", "model", "positivePrompt", "negativePrompt", "width", "height",
    "duration", "fps", "seed", "numberResults", "outputType", "outputFormat", "outputQuality",
    "deliveryMethod", "includeCost", "webhookURL", "uploadEndpoint", "ttl", "safety", "inputs",
    "frameImages", "providerSettings",
])  # fmt: skip


@dataclass(slots=True)
class VideoTask:
    """A parsed ``videoInference`` task in domain words (size may still be open)."""

    task_uuid: str
    model: str
    prompt: str
    seconds: int
    inputs: Inputs = field(default_factory=Inputs)
    number_results: int = 1
    output_format: str = "mp4"
    include_cost: bool = False
    seed: int | None = None
    ttl: int | None = None
    delivery: str = "async"
    webhook_url: str | None = None


def parse_video_task(
    task: dict[str, Any],
    uid: str,
    durations: list[int],
    *,
    frames_with_size: bool = True,
    unknown_fields: str = "reject",
) -> VideoTask:
    """Validate the wire fields of one task; raises :class:`RunwareError` on the first fault.

    ``durations`` (from the catalog) only feeds ``allowedValues`` of a fractional
    duration; whether a duration is allowed is the engine's call. ``unknown_fields``
    is ``"reject"`` or ``"ignore"``.
    """
    unknown = sorted(set(task) - KNOWN_FIELDS)
    if unknown and unknown_fields != "ignore":
        raise bad(
            "unsupportedParameter",
            unknown[0],
            "string",
            f"Unsupported parameter {unknown[0]!r}: videoInference with this model does not "
            "take it.",
        )
    model = task.get("model")
    if model is None:
        raise bad("missingModel", "model", "string", "Missing model parameter.")
    if not isinstance(model, str) or not model:
        raise bad("invalidModel", "model", "string", "Invalid value for model parameter.")

    prompt = task.get("positivePrompt")
    if prompt is None:
        raise bad(
            "missingPositivePrompt", "positivePrompt", "string", "Missing positivePrompt parameter."
        )
    if not isinstance(prompt, str):
        raise bad(
            "invalidPositivePrompt",
            "positivePrompt",
            "string",
            "Invalid value for positivePrompt parameter. It must be a string.",
        )

    raw_duration = task.get("duration")
    if raw_duration is None:
        raise bad("missingDuration", "duration", "float", "Missing duration parameter.")
    if isinstance(raw_duration, bool) or not isinstance(raw_duration, int | float):
        raise bad(
            "invalidDuration",
            "duration",
            "float",
            "Invalid value for duration parameter. It must be a number.",
        )
    seconds = as_int(raw_duration)
    if seconds is None:
        raise bad(
            "unsupportedDuration",
            "duration",
            "float",
            "Invalid value for duration parameter. "
            "This duration is not supported by the model architecture.",
            allowed=durations,
        )

    out = VideoTask(uid, model, prompt, seconds)
    out.inputs = parse_inputs(task, frames_with_size=frames_with_size)
    _options(task, out)
    return out


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

    seed = task.get("seed")
    if seed is not None:
        value = as_int(seed)
        if value is None or not 0 <= value <= MAX_SEED:
            raise bad(
                "invalidSeed", "seed", "integer", f"seed must be an integer from 0 to {MAX_SEED}."
            )
        out.seed = value

    ttl = task.get("ttl")
    if ttl is not None:
        value = as_int(ttl)
        if value is None or value < 60:
            raise bad("invalidTTL", "ttl", "integer", "ttl must be an integer of at least 60.")
        out.ttl = value

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

    hook = task.get("webhookURL")
    if hook is not None and (not isinstance(hook, str) or not hook):
        raise bad("invalidWebhookURL", "webhookURL", "string", "webhookURL must be a URL.")
    out.webhook_url = hook

    if task.get("uploadEndpoint") is not None:
        raise bad(
            "unsupportedParameter",
            "uploadEndpoint",
            "string",
            "uploadEndpoint is not emulated: read the result from videoURL instead.",
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
