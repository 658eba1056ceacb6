"""Read a request body against a model's published input schema.

:func:`read_input` validates the body with jsonschema and answers in domain terms: a
list of :class:`InputProblem` (which field, why, what is allowed) that each provider
renders in its own words and status, the fields the model does not know (each provider
applies its own documented rule to them), and the body with the schema's defaults
filled in. :func:`interpret` then reads the values through the model's field map into
a :class:`Generation`: prompt, pixel size, duration, audio, frame rate, frames.

>>> offer = Catalog.load().get("runcomfy", "openai/sora-2/text-to-video")  # doctest: +SKIP
>>> read = read_input(offer, {"prompt": "a cat", "seconds": 8})
>>> read.problems, interpret(offer, read.values).seconds
([], 8)
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from mock_server.core.catalog import ModelOffer, seconds_of

__all__ = [
    "Generation",
    "InputProblem",
    "MediaInputs",
    "ReadInput",
    "body_for",
    "interpret",
    "read_input",
]

_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*[:x/]\s*(\d+(?:\.\d+)?)\s*$")
# one problem per field: a wrong type hides the checks behind it (as pydantic reports)
_PRIORITY = {"missing": 0, "forbidden": 0, "type": 1}


@dataclass(frozen=True, slots=True)
class InputProblem:
    """One way a request breaks the model's schema, in domain words.

    ``field`` is the wire field's path (``["duration"]``, ``["inputs", "frameImages",
    0]``); ``role`` what it means (``duration``) if the field map says; ``reason`` one
    of ``missing``, ``forbidden``, ``unknown``, ``type``, ``enum``, ``range``,
    ``too_long``, ``too_short``, ``too_many``, ``too_few``, ``pattern``, ``invalid``;
    ``expected`` the JSON type for ``type``; ``allowed`` the enum for ``enum``;
    ``limit`` the bound for ``range``/``too_*`` (``bound`` says ``min`` or ``max``).
    """

    field: tuple[str | int, ...]
    reason: str
    message: str
    role: str | None = None
    expected: str | None = None
    allowed: tuple[Any, ...] | None = None
    limit: int | float | None = None
    bound: str | None = None

    @property
    def name(self) -> str:
        return ".".join(str(p) for p in self.field)


@dataclass(slots=True)
class ReadInput:
    values: dict[str, Any]
    problems: list[InputProblem] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class MediaInputs:
    """The media a clip starts from, as the request references them (URLs or data:)."""

    first_frame: str | None = None
    last_frame: str | None = None
    reference_images: tuple[str, ...] = ()
    reference_videos: tuple[str, ...] = ()
    video: str | None = None


@dataclass(frozen=True, slots=True)
class Generation:
    """What the request asks the model to make, whatever the wire names: the clip, the
    media it starts from, and the words the request used for its size."""

    prompt: str
    width: int
    height: int
    seconds: int
    audio: bool
    fps: int
    media: MediaInputs = MediaInputs()
    seed: int | None = None
    negative_prompt: str | None = None
    resolution: str | None = None
    aspect_ratio: str | None = None


_VALIDATORS: dict[int, Draft202012Validator] = {}


def _validator(offer: ModelOffer) -> Draft202012Validator:
    key = id(offer.input_schema)
    v = _VALIDATORS.get(key)
    if v is None:
        v = _VALIDATORS[key] = Draft202012Validator(offer.input_schema)
    return v


def lax_number(value: Any, kind: str) -> Any:
    """``"8"`` and ``8.0`` read as 8 for an integer field, ``"2.5"`` as 2.5 for a number
    field, as lax validators (pydantic) do; else unchanged. ASCII digits only."""
    if isinstance(value, bool):
        return value
    if kind == "integer":
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
            return int(value)
        if isinstance(value, float) and value.is_integer():
            return int(value)
    if kind == "number" and isinstance(value, str) and len(value) < 20:
        try:
            number = float(value) if value.isascii() else None
        except ValueError:
            number = None
        if number is not None and number == number and abs(number) != float("inf"):
            return int(number) if number.is_integer() else number
    return value


def read_input(offer: ModelOffer, body: Mapping[str, Any], *, lax: bool = False) -> ReadInput:
    """Validate ``body`` against ``offer``'s input schema; fill in its defaults.

    ``lax`` reads numeric strings and integral floats as numbers first (RunComfy)."""
    props = offer.properties
    values = dict(body)
    if lax:
        for name, schema in props.items():
            if name in values and isinstance(schema, dict) and schema.get("type"):
                values[name] = lax_number(values[name], str(schema["type"]))
    roles = {v: k for k, v in offer.fields.items()}
    found: dict[tuple[Any, ...], InputProblem] = {}
    for error in _validator(offer).iter_errors(values):
        for problem in _problems(error, roles):
            best = found.get(problem.field)
            if best is None or _rank(problem) < _rank(best):
                found[problem.field] = problem
    prompt_name = offer.fields.get("prompt", "")
    prompt = values.get(prompt_name)
    if isinstance(prompt, str) and not prompt.strip() and (prompt_name,) not in found:
        found[(prompt_name,)] = InputProblem(
            (prompt_name,), "too_short", "prompt must not be blank", "prompt", limit=1, bound="min"
        )
    if (
        isinstance(prompt, str)
        and len(prompt) > offer.prompt_max_chars
        and (prompt_name,) not in found
    ):
        limit = offer.prompt_max_chars
        found[(prompt_name,)] = InputProblem(
            (prompt_name,),
            "too_long",
            f"prompt must be at most {limit} characters",
            "prompt",
            limit=limit,
            bound="max",
        )
    order = {name: i for i, name in enumerate(props)}

    def place(p: InputProblem) -> tuple[int, tuple[str, ...]]:
        first = order.get(str(p.field[0]), 1 << 20) if p.field else -1  # a rule over fields
        return first, tuple(str(part) for part in p.field)

    problems = sorted(found.values(), key=place)
    closed = offer.input_schema.get("additionalProperties") is False
    unknown = [] if closed else [k for k in body if k not in props]
    for name, schema in props.items():
        if name not in values and isinstance(schema, dict) and "default" in schema:
            values[name] = schema["default"]
    return ReadInput(values, problems, unknown)


def _rank(p: InputProblem) -> int:
    """Which of a field's problems to report: a choice among strings is reported as the
    choice (pydantic's literal error), any other wrong type as the type."""
    if p.reason == "enum" and p.allowed and all(isinstance(a, str) for a in p.allowed):
        return 0
    return _PRIORITY.get(p.reason, 2)


def _problems(error: ValidationError, roles: Mapping[str, str]) -> list[InputProblem]:
    path = tuple(error.absolute_path)
    kw, spec, inst = error.validator, error.validator_value, error.instance

    def make(reason: str, message: str, where: tuple[Any, ...] = path, **kw: Any) -> InputProblem:
        dotted = ".".join(str(p) for p in where if not isinstance(p, int))
        role = roles.get(dotted) or (roles.get(str(where[0])) if where else None)
        return InputProblem(where, reason, message, role, **kw)

    name = ".".join(str(p) for p in path) or "body"
    if kw == "required":
        missing = [r for r in spec if isinstance(inst, dict) and r not in inst]
        return [make("missing", f"{r} is required", (*path, r)) for r in missing]
    if kw == "type":
        expected = spec if isinstance(spec, str) else spec[0]
        return [make("type", f"{name} must be of type {expected}", expected=expected)]
    if kw in ("enum", "const"):
        allowed = tuple(spec) if kw == "enum" else (spec,)
        listed = ", ".join(str(a) for a in allowed)
        return [make("enum", f"{name} must be one of {listed}", allowed=allowed)]
    if kw in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        bound = "min" if "inimum" in kw else "max"
        word = {"min": "at least", "max": "at most"}[bound]
        return [make("range", f"{name} must be {word} {spec}", limit=spec, bound=bound)]
    if kw in ("minLength", "maxLength"):
        bound = "min" if kw == "minLength" else "max"
        reason = "too_short" if bound == "min" else "too_long"
        word = {"min": "at least", "max": "at most"}[bound]
        msg = f"{name} must be {word} {spec} characters"
        return [make(reason, msg, limit=spec, bound=bound)]
    if kw in ("minItems", "maxItems"):
        bound = "min" if kw == "minItems" else "max"
        reason = "too_few" if bound == "min" else "too_many"
        word = {"min": "at least", "max": "at most"}[bound]
        return [make(reason, f"{name} must have {word} {spec} items", limit=spec, bound=bound)]
    if kw == "additionalProperties" and isinstance(inst, dict):
        props = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
        extra = [k for k in inst if k not in props]
        return [make("unknown", f"{k} is not accepted here", (*path, k)) for k in extra]
    if kw == "not" or error.schema is False:
        return [make("forbidden", f"{name} is not accepted by this model")]
    if kw == "pattern":
        return [make("pattern", f"{name} must match {spec}")]
    # jsonschema's own message would print the value back as Python (a dict's repr)
    return [make("invalid", f"{name} does not match what the model accepts ({kw})")]


def _get(values: Mapping[str, Any], dotted: str | None) -> Any:
    if dotted is None:
        return None
    node: Any = values
    for part in dotted.split("."):
        if not isinstance(node, Mapping):
            return None
        node = node.get(part)
    return node


def _urls(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(v for v in value if isinstance(v, str))
    return ()


def pixel_size(offer: ModelOffer, values: Mapping[str, Any]) -> tuple[int, int] | None:
    """The clip's pixel size: ``size``, else ``width``/``height``, else resolution x
    aspect ratio through ``output.resolutions``, else the model's default size (a model
    asked by resolution without a default size: its first resolution and ratio)."""

    def role(name: str) -> Any:
        return _get(values, offer.fields.get(name))

    size = role("size")
    if isinstance(size, str) and size in offer.sizes:
        return _dims(size)
    width, height = role("width"), role("height")
    if isinstance(width, int) and isinstance(height, int):
        return width, height
    res, ratio = role("resolution"), role("aspect_ratio")
    if offer.resolutions and (res is not None or ratio is not None or not offer.default_size):
        table = offer.resolutions.get(str(res)) if res is not None else None
        if table is None:
            table = next(iter(offer.resolutions.values()))
        found = table.get(str(ratio)) if ratio is not None else None
        if found is None and ratio is not None:
            found = _closest(table, str(ratio))
        if found is None:
            found = next(iter(table.values()))
        return _dims(found)
    default = offer.default_size or offer.size_list[0]
    return _dims(default)


def _closest(table: Mapping[str, str], ratio: str) -> str | None:
    m = _RATIO.match(ratio)
    if not m or float(m.group(2)) == 0:
        return None
    want = float(m.group(1)) / float(m.group(2))
    sizes = list(table.values())
    return min(sizes, key=lambda s: abs(_dims(s)[0] / _dims(s)[1] - want)) if sizes else None


def _dims(size: str) -> tuple[int, int]:
    w, _, h = size.partition("x")
    return int(w), int(h)


def _seed(offer: ModelOffer, value: Any) -> int | None:
    """The requested seed; None (the emulator picks one) when absent or when it is the
    schema's default, which these schemas use for "random" (0 or -1)."""
    if not isinstance(value, int) or isinstance(value, bool):
        return None
    schema = offer.field_schema("seed")
    if schema is not None and schema.get("default") == value:
        return None
    return value if value >= 0 else None


def interpret(offer: ModelOffer, values: Mapping[str, Any]) -> Generation:
    """What a schema-valid body asks for, through the model's field map."""

    def role(name: str) -> Any:
        return _get(values, offer.fields.get(name))

    width, height = pixel_size(offer, values) or (0, 0)
    seconds = seconds_of(role("duration"))
    if seconds is None:
        seconds = offer.default_duration or (offer.durations[0] if offer.durations else 0)
    fps = role("fps")
    audio = role("audio")
    seed = role("seed")
    negative = role("negative_prompt")
    video = role("video")
    return Generation(
        prompt=str(role("prompt") or ""),
        width=width,
        height=height,
        seconds=int(seconds),
        audio=offer.audio_for(audio if isinstance(audio, bool) else None),
        fps=int(fps) if isinstance(fps, int) and not isinstance(fps, bool) else offer.fps,
        media=MediaInputs(
            first_frame=next(iter(_urls(role("first_frame"))), None),
            last_frame=next(iter(_urls(role("last_frame"))), None),
            reference_images=_urls(role("reference_images")),
            reference_videos=_urls(role("reference_videos")),
            video=video if isinstance(video, str) else None,
        ),
        seed=_seed(offer, seed),
        negative_prompt=negative if isinstance(negative, str) else None,
        resolution=str(role("resolution")) if role("resolution") is not None else None,
        aspect_ratio=str(role("aspect_ratio")) if role("aspect_ratio") is not None else None,
    )


def body_for(
    offer: ModelOffer,
    prompt: str,
    size: str | None = None,
    seconds: int | None = None,
    *,
    image: str | None = None,
    audio: bool | None = None,
) -> dict[str, Any]:
    """A request in the model's own field names for a clip of ``size`` and ``seconds``
    (the inverse of :func:`interpret`, for tools and tests); ``image`` fills the frames
    the model requires; ``audio`` sets the sound switch when the model has one."""
    body: dict[str, Any] = {}

    def put(role: str, value: Any) -> None:
        name = offer.fields.get(role)
        if name is not None and "." not in name:
            body[name] = value

    put("prompt", prompt)
    if size is not None:
        w, h = _dims(size)
        if "size" in offer.fields:
            put("size", size)
        elif "width" in offer.fields:
            put("width", w)
            put("height", h)
        else:
            for tier, table in offer.resolutions.items():
                ratio = next((r for r, s in table.items() if s == size), None)
                if ratio is not None:
                    put("resolution", tier)
                    put("aspect_ratio", ratio)
                    break
    if seconds is not None:
        schema = offer.field_schema("duration") or {}
        spelled = [v for v in schema.get("enum", []) if seconds_of(v) == seconds]
        put("duration", spelled[0] if spelled else seconds)
    for role in ("first_frame", "last_frame"):
        if image is not None and offer.required(role):
            put(role, image)
    if audio is not None and offer.audio == "optional":
        put("audio", audio)
    return body
