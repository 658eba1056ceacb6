"""Hypothesis strategies for *invalid* requests and the error each must get.

    invalid = draw(runware_invalid(offer, contracts))    # -> Invalid
    invalid.expect                                        # status, codes, the field named

Each is a valid request (:mod:`tests.contract_suite.strategies`) broken in one way: a wrong
type, a value out of range, a required field missing, an unknown field where the
contract forbids it, an oversize or blank prompt, or a body that is not JSON at all
(malformed, another JSON type, a form post under another content type). The suite
checks that the contract itself refuses each JSON one, so the generators stay honest.

``null`` for an optional field means "absent" to both APIs (the SDKs send it), so it
is only used where the field is required or null cannot mean absent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from contracts import Contracts
from mock_server.core.catalog import ModelOffer
from tests.contract_suite.strategies import (
    IMAGE,
    TASK,
    blank,
    bounds,
    json_values,
    runcomfy_bodies,
    runware_tasks,
    visible,
)

__all__ = ["Invalid", "runcomfy_invalid", "runware_invalid"]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
DELETE: Any = object()
OTHER_TASKS = ("videoInference", "getResponse", "ping", "authentication")
# a duration not offered; invalidDuration for a fraction where only whole seconds are
DURATION_CODES = {"unsupportedDuration", "invalidDuration"}


@dataclass(frozen=True, slots=True)
class Invalid:
    """One invalid request and what must come back."""

    what: str
    status: int
    codes: frozenset[Any]
    field: str | None  # the field the error must name (None: the body as a whole)
    body: Any = None  # JSON to send, or
    raw: bytes | None = None  # bytes to send with ``content_type``
    content_type: str = "application/json"


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:  # in JSON Schema's sense: 8.0 is an integer
    return _is_number(v) and float(v).is_integer()


not_string = json_values.filter(lambda v: v is not None and not isinstance(v, str))
not_number = json_values.filter(lambda v: v is not None and not _is_number(v))
not_integer = json_values.filter(lambda v: v is not None and not _is_integer(v))
not_bool = json_values.filter(lambda v: not isinstance(v, bool))
numbers = st.integers(-(2**31), 2**31) | st.floats(allow_nan=False, allow_infinity=False)


def _oversize(offer: ModelOffer) -> st.SearchStrategy[str]:
    limit = offer.prompt_max_chars
    return st.tuples(visible, st.integers(limit + 1, limit + 40)).map(lambda t: t[0] * t[1])


def _bodies_not_json(accept: type) -> st.SearchStrategy[bytes]:
    """Bytes that are not a JSON ``accept`` (list or dict) at all."""

    def usable(raw: bytes) -> bool:
        try:
            return not isinstance(json.loads(raw), accept)
        except (ValueError, UnicodeDecodeError):
            return True

    text = st.text(max_size=40).map(lambda s: s.encode())
    other = json_values.filter(lambda v: not isinstance(v, accept)).map(
        lambda v: json.dumps(v).encode()
    )
    return (st.binary(max_size=40) | text | other).filter(usable)


def _form(fields: dict[str, Any]) -> bytes:
    flat = {k: v for k, v in fields.items() if isinstance(v, str | int | float)}
    return urlencode(flat).encode()


def _text_except(*allowed: str, size: int = 12) -> st.SearchStrategy[str]:
    return st.text(max_size=size).filter(lambda v: v not in allowed)


def _runware_cases(offer: ModelOffer, models: set[str]) -> dict[str, tuple[Any, Any, set[str]]]:
    """what -> (field, the values that break it or DELETE, the codes that may answer)."""
    sizes = set(offer.sizes)
    pairs = st.tuples(st.integers(1, 4000), st.integers(1, 4000))
    unoffered = pairs.filter(lambda p: f"{p[0]}x{p[1]}" not in sizes)
    dimension = not_integer | st.integers(max_value=0)
    malformed_uuid = st.text(max_size=40).filter(lambda u: not _UUID.match(u)) | not_string
    (r_low, r_high), (q_low, q_high) = bounds("numberResults"), bounds("outputQuality")
    outside = {
        "duration": numbers.filter(lambda d: d not in offer.durations),
        "results": st.integers().filter(lambda n: not r_low <= n <= r_high)
        | not_integer
        | st.none(),
        "quality": st.integers().filter(lambda q: not q_low <= q <= q_high) | not_integer,
        "seed": st.integers(max_value=-1)
        | st.integers(min_value=bounds("seed")[1] + 1)
        | not_integer,
        "ttl": st.integers(max_value=bounds("ttl", 0)[0] - 1) | not_integer,
    }
    formats = st.text(max_size=8).filter(lambda f: f.upper() not in TASK["outputFormat"]["enum"])
    prompt = "positivePrompt"
    return {
        "prompt missing": (prompt, DELETE, {"missingPositivePrompt"}),
        "prompt null": (prompt, st.none(), {"missingPositivePrompt", "invalidPositivePrompt"}),
        "prompt not a string": (prompt, not_string, {"invalidPositivePrompt"}),
        "prompt blank": (prompt, blank, {"invalidPositivePrompt"}),
        "prompt too long": (prompt, _oversize(offer), {"invalidPositivePrompt"}),
        "model missing": ("model", DELETE, {"missingModel"}),
        "model unknown": ("model", _text_except(*models) | not_string, {"invalidModel"}),
        "taskUUID missing": ("taskUUID", DELETE, {"missingTaskUUID"}),
        "taskUUID malformed": ("taskUUID", malformed_uuid, {"invalidTaskUUID"}),
        "taskType missing": ("taskType", DELETE, {"missingTaskType"}),
        "taskType unknown": (
            "taskType",
            _text_except(*OTHER_TASKS) | not_string,
            {"invalidTaskType", "unsupportedTaskType"},
        ),
        "duration not a number": ("duration", not_number, {"invalidDuration"}),
        "duration not offered": ("duration", outside["duration"], DURATION_CODES),
        "width wrong": ("width", dimension, {"invalidWidth"}),
        "height wrong": ("height", dimension, {"invalidHeight"}),
        "size not offered": ("width", unoffered, {"unsupportedDimensions"}),
        "height missing": ("height", DELETE, {"missingDimensionParameters"}),
        "numberResults out of range": (
            "numberResults",
            outside["results"],
            {"invalidNumberResults"},
        ),
        "outputFormat unknown": (
            "outputFormat",
            formats | not_string | st.none(),
            {"invalidOutputFormat"},
        ),
        "outputType not URL": (
            "outputType",
            _text_except("URL") | not_string.filter(lambda t: t != ["URL"]) | st.none(),
            {"invalidOutputType"},
        ),
        "outputQuality out of range": (
            "outputQuality",
            outside["quality"],
            {"invalidOutputQuality"},
        ),
        "includeCost not a boolean": ("includeCost", not_bool, {"invalidIncludeCost"}),
        "seed out of range": ("seed", outside["seed"], {"invalidSeed"}),
        "ttl too short": ("ttl", outside["ttl"], {"invalidTTL"}),
        "deliveryMethod unknown": (
            "deliveryMethod",
            _text_except("async", "sync") | not_string | st.none(),
            {"invalidDeliveryMethod"},
        ),
        "inputs not an object": (
            "inputs",
            not_string.filter(lambda v: not isinstance(v, dict)) | st.text(max_size=5),
            {"invalidInputs"},
        ),
        "unknown field": (None, json_values, {"unsupportedParameter"}),
    }


@st.composite
def runware_invalid(draw: st.DrawFn, offer: ModelOffer, contracts: Contracts) -> Invalid:
    """A Runware request for ``offer`` broken in one way; 400 with the code named."""
    task = draw(runware_tasks(offer))
    body_level = {
        "not JSON": (_bodies_not_json(list), "application/json"),
        "a form post": (st.just(_form(task)), "application/x-www-form-urlencoded"),
        "an empty task list": (st.just(b"[]"), "application/json"),
    }
    schema = contracts.schema("runware/video-inference-task")
    cases = _runware_cases(offer, set(contracts.models("runware")))
    what = draw(st.sampled_from(sorted(cases) + sorted(body_level)))
    if what in body_level:
        raw, content_type = body_level[what]
        codes = frozenset({"invalidRequestBody"})
        return Invalid(what, 400, codes, None, raw=draw(raw), content_type=content_type)
    field, values, codes = cases[what]
    if field in ("width", "height"):
        task.pop("resolution", None)  # a model with both refuses them together
        if "width" not in task:
            task["width"], task["height"] = (int(v) for v in offer.size_list[0].split("x"))
    if field == "positivePrompt" and "positivePrompt" not in offer.input_schema.get("required", []):
        task.pop("inputs", None)  # frame images stand in for the prompt of such a model
        task.pop("frameImages", None)
    if what == "unknown field":
        field = draw(
            st.text(min_size=1, max_size=15).filter(lambda k: k not in schema["properties"])
        )
        task[field] = draw(values)
    elif what == "size not offered":
        task["width"], task["height"] = draw(values)
    elif values is DELETE:
        del task[field]
    else:
        task[field] = draw(values)
    return Invalid(what, 400, frozenset(codes), field, body=[task])


def _lax_ok(schema: dict[str, Any]) -> Any:
    """Whether a value the provider reads laxly ("8" for 8) would be valid after all."""

    def ok(v: Any) -> bool:
        if not (isinstance(v, str) and v.isascii() and v.isdigit() and len(v) < 10):
            return False
        n = int(v)
        if "enum" in schema:
            return n in schema["enum"]
        return schema.get("minimum", n) <= n <= schema.get("maximum", n)

    return ok


def _field_cases(name: str, schema: dict[str, Any], required: bool) -> dict[str, Any]:
    """what -> the values that break one field of a published input schema, or DELETE."""
    if schema.get("not") == {}:
        return {f"{name} forbidden": json_values}
    cases: dict[str, Any] = {f"{name} missing": DELETE} if required else {}
    kind, enum = schema.get("type"), schema.get("enum")
    if enum is not None and kind == "string":
        cases[f"{name} not offered"] = st.text(max_size=12).filter(lambda v: v not in enum)
        cases[f"{name} not a string"] = not_string
    elif kind in ("integer", "number"):
        wrong = not_integer if kind == "integer" else not_number
        cases[f"{name} not a number"] = wrong.filter(lambda v: not _lax_ok(schema)(v))
        low, high = schema.get("minimum"), schema.get("maximum")
        if enum is not None:
            cases[f"{name} not offered"] = st.integers(-1000, 1000).filter(lambda v: v not in enum)
        elif low is not None and high is not None:
            cases[f"{name} out of range"] = st.integers(max_value=int(low) - 1) | st.integers(
                min_value=int(high) + 1
            )
    elif kind == "boolean":
        cases[f"{name} not a boolean"] = not_bool.filter(lambda v: v is not None)
    elif kind == "array" and "maxItems" in schema:
        too_many = int(schema["maxItems"]) + 1
        cases[f"{name} too many"] = st.lists(st.just(IMAGE), min_size=too_many, max_size=too_many)
    elif name == "input_reference":  # the provider's URL type (the common contract's pattern)
        cases[f"{name} not a URL"] = not_string | st.text(max_size=20).filter(
            lambda v: not v.startswith(("http://", "https://", "data:"))
        )
    return cases


@st.composite
def runcomfy_invalid(draw: st.DrawFn, offer: ModelOffer) -> Invalid:
    """A RunComfy submit for ``offer`` broken in one way, in the model's own field names;
    422001 naming the field."""
    body = draw(runcomfy_bodies(offer))
    prompt = offer.fields.get("prompt", "prompt")
    required = set(offer.input_schema.get("required", []))
    cases: dict[str, tuple[str, Any]] = {
        "prompt missing": (prompt, DELETE),
        "prompt not a string": (prompt, not_string | st.none()),
        "prompt blank": (prompt, blank),
        "prompt too long": (prompt, _oversize(offer)),
    }
    for name, schema in offer.properties.items():
        if name != prompt and isinstance(schema, dict):
            for what, values in _field_cases(name, schema, name in required).items():
                cases[what] = (name, values)
    body_level = {
        "not JSON": (_bodies_not_json(dict), "application/json"),
        "a form post": (st.just(_form(body)), "application/x-www-form-urlencoded"),
    }
    what = draw(st.sampled_from(sorted(cases) + sorted(body_level)))
    expect = (422, frozenset({422001}))
    if what in body_level:
        raw, content_type = body_level[what]
        return Invalid(what, *expect, None, raw=draw(raw), content_type=content_type)
    field, values = cases[what]
    if values is DELETE:
        body.pop(field, None)
    else:
        body[field] = draw(values)
    assert field in offer.properties
    return Invalid(what, *expect, field, body=body)
