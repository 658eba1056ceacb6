"""RunComfy's wire format: parse a submit body, render statuses and results.

Input schema (from the provider's page): ``prompt`` (required string), ``size``
(enum from the catalog, default 720x1280), ``seconds`` (integer enum, default 4),
and ``input_reference`` (an image URL) for image-to-video. Unknown fields are
ignored, as the provider's schema does not forbid them; ``input_reference`` on a
text-to-video model is refused, as the contract forbids it there.
"""

from __future__ import annotations

from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.jobs import Job, State

__all__ = ["FIELD_NAMES", "STATUS_WORDS", "parse_submit"]

# domain field -> RunComfy input field
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


def _err(field: str | None, msg: str, kind: str, **ctx: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"loc": ["body", field] if field else ["body"], "msg": msg, "type": kind}
    if ctx:
        item["ctx"] = ctx
    return item


def _lax_int(value: Any) -> Any:
    """``"8"`` and ``8.0`` read as 8, as the provider's lax validator does; else unchanged.
    ASCII digits only: ``"²".isdigit()`` is true, yet ``int("²")`` raises."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 10:
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def parse_submit(body: Any, offer: ModelOffer) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate a submit body; returns (fields, detail errors). Fields use domain names."""
    if not isinstance(body, dict):
        return {}, [_err(None, "Input should be a valid JSON object", "model_attributes_type")]
    errors: list[dict[str, Any]] = []
    out: dict[str, Any] = {}

    prompt = body.get("prompt")
    if prompt is None:
        errors.append(_err("prompt", "Field required", "missing"))
    elif not isinstance(prompt, str):
        errors.append(_err("prompt", "Input should be a valid string", "string_type"))
    elif not prompt.strip():
        errors.append(_err("prompt", "String should have at least 1 character", "string_too_short"))
    elif len(prompt) > offer.prompt_max_chars:
        errors.append(
            _err(
                "prompt",
                f"String should have at most {offer.prompt_max_chars} characters",
                "string_too_long",
                max_length=offer.prompt_max_chars,
            )
        )
    else:
        out["prompt"] = prompt

    size = body.get("size", offer.default_size)
    if not isinstance(size, str) or size not in offer.sizes:
        allowed = " or ".join(f"'{s}'" for s in offer.sizes)
        errors.append(_err("size", f"Input should be {allowed}", "enum", expected=offer.size_list))
    else:
        out["width"], out["height"] = (int(v) for v in size.split("x"))

    seconds = _lax_int(body.get("seconds", offer.default_duration))
    if isinstance(seconds, bool) or not isinstance(seconds, int):
        errors.append(_err("seconds", "Input should be a valid integer", "int_type"))
    elif seconds not in offer.durations:
        allowed = ", ".join(str(d) for d in offer.durations)
        errors.append(
            _err(
                "seconds",
                f"Input should be one of {allowed}",
                "enum",
                expected=list(offer.durations),
            )
        )
    else:
        out["seconds"] = seconds

    if offer.image_input == "none" and "input_reference" in body:
        # the contract forbids it here: an image sent to a text-to-video model is a mistake
        errors.append(_err("input_reference", "Extra inputs are not permitted", "extra_forbidden"))
    elif offer.image_input != "none":
        ref = body.get("input_reference")
        if ref is None and offer.image_input == "required":
            errors.append(_err("input_reference", "Field required", "missing"))
        elif ref is not None and not isinstance(ref, str):
            errors.append(_err("input_reference", "Input should be a valid URL", "url_type"))
        elif ref is not None:
            out["image_ref"] = ref
    return out, errors


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
