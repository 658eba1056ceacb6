"""Size and inputs of a task: width/height, frame images and ``inputs.videoId``.

Accepted frame-image forms (a model with a last-frame field also takes a second image,
``"frame": "last"``; Sora takes one image, as the first frame)::

    "inputs": {"frameImages": [{"image": "<URL|UUID|data URI|base64>", "frame": "first"}]}
    "frameImages": [{"inputImage": "<...>", "frame": "first"}]      # legacy top level
    "frameImages": ["<...>"]                                        # legacy bare strings

Data URIs and base64 are decoded, the emulator's own ``/media/`` URLs are read from
its library, and other URLs and image UUIDs are not fetched: the engine names them
on the clip's opening frame instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.media.inputs import decode_base64_image, resolve_image
from mock_server.media.library import MediaLibrary
from mock_server.providers.runware.errors import RunwareError
from mock_server.providers.runware.fields import as_int, bad, is_uuid

__all__ = ["Inputs", "frame_images", "needs_size", "parse_inputs", "resolve_frame"]


@dataclass(slots=True)
class Inputs:
    """What the task asks for besides its prompt; a size left open is the caller's choice."""

    width: int | None = None
    height: int | None = None
    frame: str | None = None
    frame_param: str = "inputs.frameImages"
    video_id: str | None = None
    last: str | None = None


def needs_size(offer: ModelOffer) -> bool:
    """Whether a task for ``offer`` must give a size (or frames, or a source video)."""
    return "width" in offer.fields and not offer.default_size and not offer.resolutions


def parse_inputs(
    task: dict[str, Any], offer: ModelOffer, *, frames_with_size: bool = True
) -> Inputs:
    """Validate width/height, frame images and videoId together; raises RunwareError."""
    out = Inputs()
    width, height = task.get("width"), task.get("height")
    for name, value in (("width", width), ("height", height)):
        if value is not None and (as_int(value) is None or (as_int(value) or 0) <= 0):
            code = "invalidWidth" if name == "width" else "invalidHeight"
            raise bad(
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
        out.width, out.height = as_int(width), as_int(height)

    inputs = task.get("inputs")
    if inputs is not None and not isinstance(inputs, dict):
        raise bad("invalidInputs", "inputs", "object", "Invalid value for inputs parameter.")
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
    out.frame, out.last = frame_images(
        nested or legacy, out.frame_param, last="last_frame" in offer.fields
    )

    video_id = inputs.get("videoId")
    if video_id is not None:
        if not isinstance(video_id, str) or not video_id:
            raise bad(
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
    elif out.frame is None and width is None and needs_size(offer):
        # The shape Runware was seen to return live (parameter list and type included).
        raise RunwareError(
            "missingDimensionParameters",
            "Missing dimension parameters: provide width and height, or frame images.",
            parameter=["width", "height", "referenceImages"],
            kind="integer|array",
        )
    return out


def frame_images(items: Any, param: str, *, last: bool) -> tuple[str | None, str | None]:
    """(first, last) image references; ``last`` says whether the model takes a last frame."""
    if items is None or items == []:
        return None, None
    if not isinstance(items, list):
        raise bad("invalidFrameImages", param, "array", f"Invalid value for {param}.")
    frames = ["first", 0, "last", -1] if last else ["first", 0]
    if len(items) > (2 if last else 1):
        what = "a first and a last frame image" if last else "a single frame image"
        raise bad(
            "unsupportedParameter",
            f"{param}[{len(items) - 1}]",
            "array",
            f"This model accepts {what}.",
            allowed=["first", "last"] if last else ["first"],
        )
    found: dict[str, str] = {}
    for i, item in enumerate(items):
        frame: Any = "first" if i == 0 else "last"
        if isinstance(item, dict):
            image = item.get("image", item.get("inputImage"))
            frame = item.get("frame", frame)
        else:
            image = item
        if not isinstance(image, str) or not image:
            raise bad(
                "invalidFrameImages",
                f"{param}[{i}].image",
                "string",
                "Each frame image needs an image: a URL, an image UUID, a data URI or base64.",
            )
        if frame not in frames or isinstance(frame, bool):
            raise bad(
                "unsupportedParameter",
                f"{param}[{i}].frame",
                "string",
                "This model accepts a frame image only as the "
                + ("first or the last frame." if last else "first frame."),
                allowed=["first", "last"] if last else ["first"],
            )
        found["first" if frame in ("first", 0) else "last"] = image
    return found.get("first"), found.get("last")


async def resolve_frame(
    inputs: Inputs, media: MediaLibrary, ref: str | None
) -> tuple[bytes | None, str | None]:
    """(image bytes, reference to name) for a frame image; (None, None) without one."""
    if ref is None:
        return None, None
    try:
        if is_uuid(ref):
            return None, ref
        if ref.startswith(("http://", "https://")):
            return await resolve_image(ref, media), ref
        return decode_base64_image(ref), None
    except ValueError:
        raise RunwareError(
            "invalidFrameImages",
            "Invalid frame image: use a URL, an image UUID, a data URI or base64.",
            parameter=inputs.frame_param,
            kind="string",
        ) from None
