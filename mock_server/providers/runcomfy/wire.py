"""RunComfy's wire format: parse a submit body and query flags, render every answer.

A submit body's keys are the model's own input fields (RunComfy: "JSON body keys map
1:1 to the model's input schema"), so a body is read against the input schema the
catalog entry carries (:func:`mock_server.core.model_input.read_input`), numbers laxly
as the provider's pydantic validator does (``"8"`` and ``8.0`` are 8), and every
problem is rendered as a pydantic-style ``detail`` item. A field the model's schema does
not name follows ``--runcomfy-unknown-fields``: ``accept`` (the default, as the
provider's schemas do not forbid extra keys; the response names them in
``X-Sora-Mock-Ignored-Fields``) or ``reject`` (422, ``extra_forbidden``).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.clock import iso8601
from mock_server.core.jobs import Job, State
from mock_server.core.model_input import Generation, InputProblem, interpret, read_input
from mock_server.http import jsonio

__all__ = [
    "FIELD_NAMES",
    "STATUS_WORDS",
    "InputError",
    "body_json",
    "cancel_body",
    "ignored_header",
    "links",
    "money",
    "parse_submit",
    "query_flag",
    "result_body",
    "status_body",
]

# domain field -> RunComfy input field, for the Sora models' engine-side errors
FIELD_NAMES = {
    "prompt": "prompt",
    "size": "size",
    "duration": "seconds",
    "image": "input_reference",
}

# domain state -> (/status word, /result word)
STATUS_WORDS = {
    State.QUEUED: ("in_queue", "in_queue"),
    State.RUNNING: ("in_progress", "in_progress"),
    State.SUCCEEDED: ("completed", "succeeded"),
    State.FAILED: ("failed", "failed"),
    State.CANCELLED: ("cancelled", "cancelled"),
}

# JSON type -> pydantic's message and error type
_TYPES = {
    "string": ("Input should be a valid string", "string_type"),
    "integer": ("Input should be a valid integer", "int_type"),
    "number": ("Input should be a valid number", "float_type"),
    "boolean": ("Input should be a valid boolean", "bool_type"),
    "array": ("Input should be a valid list", "list_type"),
    "object": ("Input should be a valid dictionary", "dict_type"),
    "null": ("Input should be None", "none_required"),
}


# What a FastAPI (pydantic) boolean query parameter accepts; anything else is a 422
# (INFERRED: RunComfy's Model API answers validation errors in FastAPI's shape).
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


class InputError(Exception):
    """A request the provider answers 422 with these pydantic-style ``detail`` items."""

    def __init__(self, detail: list[dict[str, Any]]) -> None:
        super().__init__("invalid input")
        self.detail = detail


def money(value: Decimal) -> float:
    """An amount in USD as RunComfy writes it: a number with at most four decimals."""
    return float(value.quantize(Decimal("0.0001")))


def query_flag(params: Any, name: str) -> bool:
    """A boolean query parameter read as FastAPI does (absent is false)."""
    raw = params.get(name)
    if raw is None or raw.lower() in _FALSE:
        return False
    if raw.lower() in _TRUE:
        return True
    msg = "Input should be a valid boolean, unable to interpret input"
    raise InputError([{"loc": ["query", name], "msg": msg, "type": "bool_parsing"}])


def body_json(raw: bytes) -> Any:
    """The submit body (None when empty); 422 if it is not JSON."""
    try:
        return jsonio.loads(raw) if raw else None
    except ValueError:
        detail = [{"loc": ["body"], "msg": "JSON decode error", "type": "json_invalid"}]
        raise InputError(detail) from None


def _err(loc: list[Any], msg: str, kind: str, **ctx: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"loc": ["body", *loc], "msg": msg, "type": kind}
    if ctx:
        item["ctx"] = ctx
    return item


def _enum_text(allowed: tuple[Any, ...]) -> str:
    if all(isinstance(a, str) for a in allowed):
        return "Input should be " + " or ".join(f"'{a}'" for a in allowed)
    return "Input should be one of " + ", ".join(str(a) for a in allowed)


def detail_item(p: InputProblem) -> dict[str, Any]:
    """A domain input problem as the provider's pydantic ``detail`` item."""
    loc = list(p.field)
    if p.reason == "missing":
        return _err(loc, "Field required", "missing")
    if p.reason in ("forbidden", "unknown"):
        return _err(loc, "Extra inputs are not permitted", "extra_forbidden")
    if p.reason == "type":
        msg, kind = _TYPES.get(p.expected or "", (p.message, "type_error"))
        return _err(loc, msg, kind)
    if p.reason == "enum":
        return _err(loc, _enum_text(p.allowed or ()), "enum", expected=list(p.allowed or ()))
    if p.reason == "range":
        if p.bound == "min":
            return _err(
                loc,
                f"Input should be greater than or equal to {p.limit}",
                "greater_than_equal",
                ge=p.limit,
            )
        return _err(
            loc, f"Input should be less than or equal to {p.limit}", "less_than_equal", le=p.limit
        )
    if p.reason in ("too_short", "too_long"):
        word = "least" if p.reason == "too_short" else "most"
        key = "min_length" if p.reason == "too_short" else "max_length"
        return _err(
            loc,
            f"String should have at {word} {p.limit} characters",
            f"string_{p.reason}",
            **{key: p.limit},
        )
    if p.reason in ("too_few", "too_many"):
        word = "least" if p.reason == "too_few" else "most"
        kind = "too_short" if p.reason == "too_few" else "too_long"
        return _err(loc, f"List should have at {word} {p.limit} items", kind)
    if p.reason == "pattern":
        return _err(loc, "String should match the field's pattern", "string_pattern_mismatch")
    return _err(loc, p.message, "value_error")


def parse_submit(
    body: Any, offer: ModelOffer, unknown_fields: str = "accept"
) -> tuple[Generation | None, list[dict[str, Any]], list[str]]:
    """Read a submit body: (what it asks for, detail errors, fields the model ignores)."""
    if not isinstance(body, dict):
        return None, [_err([], "Input should be a valid JSON object", "model_attributes_type")], []
    read = read_input(offer, body, lax=True)
    problems = list(read.problems)
    if unknown_fields == "reject":
        problems += [InputProblem((k,), "unknown", f"{k} is not an input") for k in read.unknown]
    errors = [detail_item(p) for p in problems]
    if errors:
        return None, errors, read.unknown
    return interpret(offer, read.values), [], read.unknown


def status_body(job: Job, base: str, queue_position: int) -> dict[str, Any]:
    body: dict[str, Any] = {"request_id": job.id, "status": STATUS_WORDS[job.state][0]}
    if job.state is State.QUEUED:
        body["queue_position"] = queue_position
    body["status_url"] = f"{base}/v1/requests/{job.id}/status"
    body["result_url"] = f"{base}/v1/requests/{job.id}/result"
    return body


def links(job_id: str, base: str) -> dict[str, str]:
    return {
        "request_id": job_id,
        "status_url": f"{base}/v1/requests/{job_id}/status",
        "result_url": f"{base}/v1/requests/{job_id}/result",
        "cancel_url": f"{base}/v1/requests/{job_id}/cancel",
    }


def result_body(job: Job, video_url: str | None, include_cost: bool) -> dict[str, Any]:
    """``GET /v1/requests/{id}/result``: the outcome, with the clip's URL once it exists."""
    body: dict[str, Any] = {
        "request_id": job.id,
        "status": STATUS_WORDS[job.state][1],
        "model_id": job.model_id,
        "created_at": iso8601(job.created_at),
    }
    if job.state is State.SUCCEEDED and video_url is not None:
        body["output"] = {"video": video_url}
    if job.state is State.FAILED and job.failure is not None:
        body["error"] = job.failure.message
    if job.finished_at is not None:
        body["finished_at"] = iso8601(job.finished_at)
    if include_cost and job.terminal:
        body["cost"] = money(job.cost) if job.state is State.SUCCEEDED else 0.0
    return body


def cancel_body(job: Job, cancelled: bool) -> dict[str, Any]:
    """``POST /v1/requests/{id}/cancel``: the state after the attempt, and its outcome."""
    outcome = "cancelled" if cancelled or job.state is State.CANCELLED else "not_cancellable"
    return {"request_id": job.id, "status": STATUS_WORDS[job.state][0], "outcome": outcome}


def ignored_header(ignored: list[str]) -> dict[str, str]:
    """``X-Sora-Mock-Ignored-Fields`` naming the body's fields the model does not take."""
    if not ignored:
        return {}
    names = ", ".join(json.dumps(k)[1:-1] for k in ignored)  # ASCII, no line breaks
    return {"X-Sora-Mock-Ignored-Fields": names[:500]}
