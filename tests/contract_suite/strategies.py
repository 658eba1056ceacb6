"""Hypothesis strategies for *valid* requests, built from the catalog and the contracts.

    runware_tasks(offer)          # a videoInference task the contract accepts
    runcomfy_bodies(offer)        # a submit body the model's contract accepts

Every size and duration of the model, prompts from one visible character up to the
model's limit (unicode included, blank-padded edges), frame images in each accepted
form, and every optional field the contract names. Requests that would need the
network (webhooks) or hold the connection (``deliveryMethod: sync``) are left out.
Invalid requests are built from these by :mod:`tests.contract_suite.mutations`.
"""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from contracts import Contracts
from mock_server.core.catalog import ModelOffer
from mock_server.core.model_input import read_input
from tests.providers.runware.helpers import data_uri, png

__all__ = [
    "IMAGE",
    "TASK",
    "bounds",
    "json_values",
    "prompts",
    "runcomfy_bodies",
    "runware_tasks",
    "visible",
]

IMAGE = data_uri(png(16, 9, (40, 90, 160)))
REMOTE_IMAGE = "https://example.com/frame.png"  # valid by contract; never fetched

# one character that is not whitespace (so it satisfies the prompt's "\S")
visible = st.characters(exclude_categories=("Cs", "Cc", "Zs", "Zl", "Zp")).filter(
    lambda c: not c.isspace()
)
# A new UUID every time, even when Hypothesis replays an example: a taskUUID is the
# client's job id, and the provider refuses one it has seen (conflictTaskUUID).
fresh_task_uuids = st.just(None).map(lambda _: str(uuid.uuid4()))
blank = st.text(alphabet=" \t\n\u00a0\u2003\u3000", max_size=4)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**40), 2**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)
json_values = (
    json_scalars
    | st.lists(json_scalars, max_size=3)
    | st.dictionaries(st.text(max_size=6), json_scalars, max_size=3)
)


def prompts(max_chars: int) -> st.SearchStrategy[str]:
    """Prompts the contract accepts: free unicode text, and lengths at both edges."""
    free = st.text(min_size=1, max_size=80).filter(lambda s: bool(s.strip()))
    lengths = sorted({n for n in (1, 2, max_chars - 1, max_chars) if 1 <= n <= max_chars})
    edges = st.tuples(visible, st.sampled_from(lengths)).map(lambda t: t[0] * t[1])
    padded = st.tuples(blank, visible, blank).map(lambda t: "".join(t))
    full = st.tuples(blank, visible).map(lambda t: (t[0] + t[1] * max_chars)[-max_chars:])
    return st.one_of(free, edges, padded, full)


def _durations(offer: ModelOffer) -> st.SearchStrategy[int | float]:
    # 8.0 is an integer to JSON Schema, so the contract allows it wherever it allows 8
    return st.sampled_from(offer.durations).flatmap(lambda d: st.sampled_from([d, float(d)]))


def _dims(size: str) -> tuple[int, int]:
    w, _, h = size.partition("x")
    return int(w), int(h)


# The task's own contract (model rules aside) sets the ranges and choices drawn below.
TASK = Contracts.default().schema("runware/video-inference-task")["properties"]


def bounds(name: str, upper: int | None = None) -> tuple[int, int]:
    """(minimum, maximum) of an integer field of the task contract."""
    return int(TASK[name]["minimum"]), int(TASK[name].get("maximum", upper))


def _choices(name: str, *, drop: tuple[str, ...] = ()) -> st.SearchStrategy[Any]:
    """One of an enum field's values (``drop``: those left out, e.g. sync delivery)."""
    schema = TASK[name]
    values = schema["enum"] if "enum" in schema else [schema["const"]]
    return st.sampled_from([v for v in values if v not in drop])


_RUNWARE_OPTIONAL: dict[str, st.SearchStrategy[Any]] = {
    "numberResults": st.integers(*bounds("numberResults")),
    "outputType": _choices("outputType"),
    "outputFormat": _choices("outputFormat"),
    "outputQuality": st.integers(*bounds("outputQuality")),
    "deliveryMethod": _choices("deliveryMethod", drop=("sync",)),  # sync holds the request
    "includeCost": st.booleans(),
    "ttl": st.integers(*bounds("ttl", upper=10**7)),
    "safety": st.fixed_dictionaries(
        {},
        optional={
            "checkContent": st.booleans(),
            "mode": st.sampled_from(TASK["safety"]["properties"]["mode"]["enum"]),
        },
    ),
}
# drawn by runware_tasks itself (size, frames, duration), not from the model's schema
_RUNWARE_SHAPED = frozenset(
    ["positivePrompt", "width", "height", "resolution", "duration", "inputs", "frameImages"]
)


def _frame_forms(offer: ModelOffer) -> list[str]:
    inputs = offer.properties.get("inputs", {})
    nested = "frameImages" in inputs.get("properties", {}) if isinstance(inputs, dict) else False
    forms = ["size"]
    if offer.image_input != "none" and nested:
        forms += ["nested", "size+nested"]
    if offer.image_input != "none" and "frameImages" in offer.properties:
        forms.append("legacy")
    return forms


@st.composite
def runware_tasks(draw: st.DrawFn, offer: ModelOffer) -> dict[str, Any]:
    """A ``videoInference`` task for ``offer`` that its contract accepts: the task's own
    options, and every parameter of the model's schema in its own words."""
    task: dict[str, Any] = {
        "taskType": "videoInference",
        "taskUUID": draw(fresh_task_uuids),
        "model": offer.model_id,
        "positivePrompt": draw(prompts(offer.prompt_max_chars)),
    }
    duration = offer.field_schema("duration") or {}
    if "default" not in duration or draw(st.booleans()):
        task["duration"] = draw(_durations(offer))
    form = draw(st.sampled_from(_frame_forms(offer)))
    resolutions = offer.field_schema("resolution")
    if "size" in form and resolutions is not None and draw(st.booleans()):
        task["resolution"] = draw(st.sampled_from(resolutions["enum"]))
    elif "size" in form:
        task["width"], task["height"] = _dims(draw(st.sampled_from(offer.size_list)))
    if "nested" in form:
        frame = draw(st.fixed_dictionaries({}, optional={"frame": st.sampled_from(["first", 0])}))
        task["inputs"] = {"frameImages": [{"image": IMAGE, **frame}]}
    if form == "legacy":
        task["frameImages"] = [
            draw(st.sampled_from([IMAGE, {"inputImage": IMAGE}, {"inputImage": IMAGE, "frame": 0}]))
        ]
    task.update(draw(st.fixed_dictionaries({}, optional=_RUNWARE_OPTIONAL)))
    own = {
        name: values
        for name, schema in offer.properties.items()
        if name not in _RUNWARE_SHAPED and (values := field_values(schema)) is not None
    }
    task.update(draw(st.fixed_dictionaries({}, optional=own)))
    read = read_input(offer, {k: v for k, v in task.items() if k in offer.properties})
    assume(not read.problems)  # a combination the model rules out (Hailuo: 1080p is 6 s only)
    return task


REMOTE_MEDIA = {  # valid by contract; never fetched
    "image_uri": REMOTE_IMAGE,
    "video_uri": "https://example.com/clip.mp4",
    "audio_uri": "https://example.com/voice.mp3",
}


def _lax(value: Any) -> st.SearchStrategy[Any]:
    # 8.0 is an integer to JSON Schema, so the contract allows it wherever it allows 8
    if isinstance(value, int) and not isinstance(value, bool):
        return st.sampled_from([value, float(value)])
    return st.just(value)


def field_values(schema: dict[str, Any]) -> st.SearchStrategy[Any] | None:
    """Values one field of a published input schema accepts (None: nothing, it is refused)."""
    if schema.get("not") == {}:
        return None
    if schema.get("type") == "object":
        props = schema.get("properties", {})
        if not props:
            return st.dictionaries(st.text(max_size=8), json_scalars, max_size=2)
        nested = {k: v for k, sub in props.items() if (v := field_values(sub)) is not None}
        return st.fixed_dictionaries({}, optional=nested)
    if "enum" in schema:
        return st.sampled_from(schema["enum"]).flatmap(_lax)
    kind, fmt = schema.get("type"), str(schema.get("format", ""))
    if kind == "integer":
        low, high = schema.get("minimum", 0), schema.get("maximum", 2**31 - 1)
        return st.integers(int(low), int(high)).flatmap(_lax)
    if kind == "number":
        low, high = schema.get("minimum", -1e6), schema.get("maximum", 1e6)
        return st.floats(float(low), float(high), allow_nan=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "array":
        item = REMOTE_MEDIA.get(fmt.removesuffix("s"), REMOTE_IMAGE)
        choice = st.sampled_from([IMAGE, item]) if fmt == "image_uris" else st.just(item)
        low = int(schema.get("minItems", 0))
        return st.lists(choice, min_size=low, max_size=min(int(schema.get("maxItems", 3)), 3))
    if fmt in ("image_uri", "uri"):
        return st.sampled_from([IMAGE, REMOTE_IMAGE])
    if fmt in REMOTE_MEDIA:
        return st.just(REMOTE_MEDIA[fmt])
    low = int(schema.get("minLength", 0))
    return st.text(min_size=low, max_size=max(low, min(int(schema.get("maxLength", 40)), 40)))


@st.composite
def runcomfy_bodies(draw: st.DrawFn, offer: ModelOffer) -> dict[str, Any]:
    """A submit body for ``offer`` that its contract (the model's published input schema)
    accepts: every field it names, in its own words, unknown keys included (RunComfy's
    input schemas do not forbid them)."""
    prompt = offer.fields.get("prompt", "prompt")
    required = set(offer.input_schema.get("required", [])) - {prompt}
    fixed: dict[str, st.SearchStrategy[Any]] = {prompt: prompts(offer.prompt_max_chars)}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for name, schema in offer.properties.items():
        values = field_values(schema) if name != prompt else None
        if values is not None:
            (fixed if name in required else optional)[name] = values
    body: dict[str, Any] = draw(st.fixed_dictionaries(fixed, optional=optional))
    extra = st.text(min_size=1, max_size=12).filter(lambda k: k not in offer.properties)
    body.update(draw(st.dictionaries(extra, json_scalars, max_size=2)))
    return body
