"""Runware's ``videoInference`` task on the wire: parse it, and render its results.

Parsing checks what belongs to the wire (presence, types, combinations of fields)
and leaves model facts (sizes, durations, prompt length, formats) to the engine,
which reads them from the catalog. Unknown fields are ignored, as the SDKs send
fields the Sora schema does not list (``deliveryMethod``, ``providerSettings`` ...).

Accepted frame-image forms (Sora takes one image, as the first frame)::

    "inputs": {"frameImages": [{"image": "<URL|UUID|data URI|base64>", "frame": "first"}]}
    "frameImages": [{"inputImage": "<...>", "frame": "first"}]      # legacy top level
    "frameImages": ["<...>"]                                        # legacy bare strings
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from mock_server.core.jobs import Job
from mock_server.providers.runware.errors import RunwareError

__all__ = ["FORMATS", "TASK_TYPE", "VideoTask", "parse_video_task", "task_uuid"]

TASK_TYPE = "videoInference"
FORMATS = {"MP4": "mp4", "WEBM": "webm", "MOV": "mov"}
DELIVERY = ("async", "sync")
MAX_SEED = 2**63 - 1
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


@dataclass(slots=True)
class VideoTask:
    """A parsed ``videoInference`` task in domain words (size may still be open)."""

    task_uuid: str
    model: str
    prompt: str
    seconds: int
    width: int | None = None
    height: int | None = None
    number_results: int = 1
    output_format: str = "mp4"
    include_cost: bool = False
    seed: int | None = None
    ttl: int | None = None
    delivery: str = "async"
    webhook_url: str | None = None
    frame: str | None = None
    frame_param: str = "inputs.frameImages"
    video_id: str | None = None


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every request: json.loads(..., parse_constant=) would build one per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse)


def loads(raw: str | bytes) -> Any:
    """Strict UTF-8 JSON: ``NaN`` and ``Infinity`` are refused (ValueError), as in JavaScript."""
    text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    return _DECODER.decode(text)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def task_uuid(task: dict[str, Any]) -> str:
    """The task's taskUUID, or a Runware error when it is missing or malformed."""
    value = task.get("taskUUID")
    if value is None:
        raise RunwareError(
            "missingTaskUUID", "Missing taskUUID parameter.", parameter="taskUUID", kind="UUIDv4"
        )
    if not is_uuid(value):
        raise RunwareError(
            "invalidTaskUUID",
            "Invalid value for taskUUID parameter. It must be a UUID v4 string.",
            parameter="taskUUID",
            kind="UUIDv4",
        )
    return str(value)


def _int(value: Any) -> int | None:
    """An integer, also from an integral float (``8.0``); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def _bad(code: str, parameter: str, kind: str, message: str, **kw: Any) -> RunwareError:
    return RunwareError(code, message, parameter=parameter, kind=kind, **kw)


def parse_video_task(
    task: dict[str, Any], uid: str, durations: list[int], *, frames_with_size: bool = True
) -> VideoTask:
    """Validate the wire fields of one task; raises :class:`RunwareError` on the first fault.

    ``durations`` (from the catalog) only feeds ``allowedValues`` of a fractional
    duration; whether a duration is allowed is the engine's call.
    """
    model = task.get("model")
    if model is None:
        raise _bad("missingModel", "model", "string", "Missing model parameter.")
    if not isinstance(model, str) or not model:
        raise _bad("invalidModel", "model", "string", "Invalid value for model parameter.")

    prompt = task.get("positivePrompt")
    if prompt is None:
        raise _bad(
            "missingPositivePrompt", "positivePrompt", "string", "Missing positivePrompt parameter."
        )
    if not isinstance(prompt, str):
        raise _bad(
            "invalidPositivePrompt",
            "positivePrompt",
            "string",
            "Invalid value for positivePrompt parameter. It must be a string.",
        )

    raw_duration = task.get("duration")
    if raw_duration is None:
        raise _bad("missingDuration", "duration", "float", "Missing duration parameter.")
    if isinstance(raw_duration, bool) or not isinstance(raw_duration, int | float):
        raise _bad(
            "invalidDuration",
            "duration",
            "float",
            "Invalid value for duration parameter. It must be a number.",
        )
    seconds = _int(raw_duration)
    if seconds is None:
        raise _bad(
            "unsupportedDuration",
            "duration",
            "float",
            "Invalid value for duration parameter. "
            "This duration is not supported by the model architecture.",
            allowed=durations,
        )

    out = VideoTask(uid, model, prompt, seconds)
    _dimensions(task, out, frames_with_size)
    _options(task, out)
    return out


def _dimensions(task: dict[str, Any], out: VideoTask, frames_with_size: bool) -> None:
    width, height = task.get("width"), task.get("height")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (_int(value) is None or (_int(value) or 0) <= 0):
            code = "invalidWidth" if name == "width" else "invalidHeight"
            raise _bad(
                code, name, "integer", f"Invalid value for {name} parameter. It must be an integer."
            )
    if (width is None) != (height is None):
        raise RunwareError(
            "missingDimensionParameters",
            "The width and height parameters must be used together.",
            parameter=["width", "height"],
            kind="integer",
        )
    if width is not None:
        out.width, out.height = _int(width), _int(height)

    inputs = task.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        raise _bad("invalidInputs", "inputs", "object", "Invalid value for inputs parameter.")
    inputs = inputs or {}
    nested, legacy = inputs.get("frameImages"), task.get("frameImages")
    if nested and legacy:
        raise RunwareError(
            "incompatibleParameters",
            "Use either inputs.frameImages or the legacy frameImages, not both.",
            parameter=["inputs.frameImages", "frameImages"],
        )
    if legacy:
        out.frame_param = "frameImages"
    out.frame = _first_frame(nested or legacy, out.frame_param)

    video_id = inputs.get("videoId")
    if video_id is not None:
        if not isinstance(video_id, str) or not video_id:
            raise _bad(
                "invalidVideoId", "inputs.videoId", "string", "Invalid value for inputs.videoId."
            )
        clash = [p for p, v in (("width", width), ("height", height)) if v is not None]
        if out.frame is not None:
            clash.append(out.frame_param)
        if clash:
            raise RunwareError(
                "incompatibleParameters",
                "inputs.videoId cannot be used together with width/height or frame images.",
                parameter=["inputs.videoId", *clash],
            )
        out.video_id = video_id
    elif out.frame is not None and width is not None and not frames_with_size:
        raise RunwareError(
            "incompatibleParameters",
            f"Use either {out.frame_param} or width and height, not both.",
            parameter=[out.frame_param, "width", "height"],
        )
    elif out.frame is None and width is None:
        # The shape Runware was seen to return live (parameter list and type included).
        raise RunwareError(
            "missingDimensionParameters",
            "Missing dimension parameters: provide width and height, or frame images.",
            parameter=["width", "height", "referenceImages"],
            kind="integer|array",
        )


def _first_frame(items: Any, param: str) -> str | None:
    """The image reference of the single first frame, or None without frame images."""
    if items is None or items == []:
        return None
    if not isinstance(items, list):
        raise _bad("invalidFrameImages", param, "array", f"Invalid value for {param}.")
    if len(items) > 1:
        raise _bad(
            "unsupportedParameter",
            f"{param}[1]",
            "array",
            "This model accepts a single frame image, used as the first frame.",
            allowed=["first"],
        )
    item = items[0]
    frame: Any = "first"
    if isinstance(item, dict):
        image = item.get("image", item.get("inputImage"))
        frame = item.get("frame", "first")
    else:
        image = item
    if not isinstance(image, str) or not image:
        raise _bad(
            "invalidFrameImages",
            f"{param}[0].image",
            "string",
            "Each frame image needs an image: a URL, an image UUID, a data URI or base64.",
        )
    if frame not in ("first", 0):
        raise _bad(
            "unsupportedParameter",
            f"{param}[0].frame",
            "string",
            "This model accepts a frame image only as the first frame.",
            allowed=["first"],
        )
    return image


def _options(task: dict[str, Any], out: VideoTask) -> None:
    n = task.get("numberResults", 1)
    if _int(n) is None:
        raise _bad(
            "invalidNumberResults", "numberResults", "integer", "numberResults must be an integer."
        )
    out.number_results = _int(n) or 0  # the range is the engine's call

    fmt = task.get("outputFormat", "MP4")
    if not isinstance(fmt, str) or fmt.upper() not in FORMATS:
        raise _bad(
            "invalidOutputFormat",
            "outputFormat",
            "string",
            "Invalid value for outputFormat parameter.",
            allowed=list(FORMATS),
        )
    out.output_format = FORMATS[fmt.upper()]

    kind = task.get("outputType", "URL")
    if kind not in ("URL", ["URL"]):
        raise _bad(
            "invalidOutputType",
            "outputType",
            "string",
            "Invalid value for outputType parameter. This model only returns URLs.",
            allowed=["URL"],
        )
    quality = task.get("outputQuality")
    if quality is not None and (_int(quality) is None or not 20 <= (_int(quality) or 0) <= 99):
        raise _bad(
            "invalidOutputQuality",
            "outputQuality",
            "integer",
            "outputQuality must be an integer from 20 to 99.",
            allowed=[20, 99],
        )
    cost = task.get("includeCost", False)
    if not isinstance(cost, bool):
        raise _bad("invalidIncludeCost", "includeCost", "boolean", "includeCost must be a boolean.")
    out.include_cost = cost

    seed = task.get("seed")
    if seed is not None:
        value = _int(seed)
        if value is None or not 0 <= value <= MAX_SEED:
            raise _bad(
                "invalidSeed", "seed", "integer", f"seed must be an integer from 0 to {MAX_SEED}."
            )
        out.seed = value

    ttl = task.get("ttl")
    if ttl is not None:
        value = _int(ttl)
        if value is None or value < 60:
            raise _bad("invalidTTL", "ttl", "integer", "ttl must be an integer of at least 60.")
        out.ttl = value

    delivery = task.get("deliveryMethod", "async")
    if delivery not in DELIVERY:
        raise _bad(
            "invalidDeliveryMethod",
            "deliveryMethod",
            "string",
            "Invalid value for deliveryMethod parameter.",
            allowed=list(DELIVERY),
        )
    out.delivery = delivery

    hook = task.get("webhookURL")
    if hook is not None and (not isinstance(hook, str) or not hook):
        raise _bad("invalidWebhookURL", "webhookURL", "string", "webhookURL must be a URL.")
    out.webhook_url = hook

    if task.get("uploadEndpoint") is not None:
        raise _bad(
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
