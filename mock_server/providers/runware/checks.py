"""A model's own parameter schema, answered in Runware's words.

:func:`read_model_fields` validates the model fields of a ``videoInference`` task
against the parameter schema its catalog entry carries; :func:`problem_error` turns
the first problem into Runware's error object:

=====================  =================================================================
problem                code (``parameter`` is the dotted field, e.g. ``inputs.foo``)
=====================  =================================================================
missing                ``missing<Field>``; width/height: ``missingDimensionParameters``
refused, unknown       ``unsupportedParameter``
duration not allowed   ``unsupportedDuration`` (``allowedValues``: every duration)
width/height           ``unsupportedDimensions`` (``allowedValues``: every "WxH" size)
anything else          ``invalid<Field>`` (``allowedValues`` for a choice)
=====================  =================================================================

``invalid<Field>`` and ``missing<Field>`` follow Runware's naming of its documented codes
(``invalidPositivePrompt``, ``missingDuration``); codes for other fields are INFERRED.
"""

from __future__ import annotations

from typing import Any

from mock_server.core.catalog import ModelOffer
from mock_server.core.model_input import InputProblem, ReadInput, read_input
from mock_server.providers.runware.errors import RunwareError

__all__ = ["ENVELOPE", "problem_error", "read_model_fields"]

# Task fields every videoInference task takes, whatever the model (the provider's own).
ENVELOPE = frozenset([
    "taskType", "taskUUID", "model", "numberResults", "outputType", "outputFormat",
    "outputQuality", "deliveryMethod", "includeCost", "webhookURL", "uploadEndpoint", "ttl",
    "safety",
])  # fmt: skip

_TYPES = {"integer": "integer", "number": "float", "string": "string", "boolean": "boolean"}


def read_model_fields(offer: ModelOffer, task: dict[str, Any]) -> ReadInput:
    """The model's fields of ``task`` read against its schema (defaults filled in)."""
    return read_input(offer, {k: v for k, v in task.items() if k not in ENVELOPE})


def _cap(name: str) -> str:
    return name[:1].upper() + name[1:]


def _leaf(p: InputProblem) -> str:
    """The field a code is named after: the last name before any list index."""
    names: list[str] = []
    for part in p.field:
        if isinstance(part, int):
            break
        names.append(str(part))
    return names[-1] if names else "inputs"


def _parameter(p: InputProblem) -> str:
    out = ""
    for part in p.field:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def problem_error(p: InputProblem, offer: ModelOffer) -> RunwareError:
    """Runware's error object for one way the task breaks the model's schema."""
    if not p.field:  # a rule over several fields: the prompt, or what stands in for it
        name = offer.fields.get("prompt", "positivePrompt")
        return RunwareError(
            f"missing{_cap(name)}",
            f"Missing {name} parameter: {offer.title} needs it unless frame images are given.",
            parameter=name,
        )
    param = _parameter(p)
    kind = _TYPES.get(p.expected or "")
    if p.role in ("width", "height") and len(p.field) == 1:
        if p.reason == "missing":
            return RunwareError(
                "missingDimensionParameters",
                f"{offer.title} needs the width and height parameters.",
                parameter=["width", "height"],
                kind="integer",
            )
        if p.reason in ("enum", "range"):
            return RunwareError(
                "unsupportedDimensions",
                "Invalid value for width and height parameters. "
                "These dimensions are not supported by the model architecture.",
                parameter=["width", "height"],
                kind="integer",
                allowed=offer.size_list,
            )
    if p.reason == "missing":
        return RunwareError(
            f"missing{_cap(_leaf(p))}", f"Missing {param} parameter.", parameter=param
        )
    if p.reason in ("forbidden", "unknown"):
        return RunwareError(
            "unsupportedParameter",
            f"Unsupported parameter {param!r}: {offer.title} ({offer.model_id}) does not take it.",
            parameter=param,
            kind=kind,
        )
    if p.role == "duration" and len(p.field) == 1 and p.reason in ("enum", "range"):
        return RunwareError(
            "unsupportedDuration",
            "Invalid value for duration parameter. "
            "This duration is not supported by the model architecture.",
            parameter=param,
            kind="float",
            allowed=list(offer.durations),
        )
    if p.role == "prompt" and p.reason == "too_long":
        return RunwareError(
            "invalidPositivePrompt",
            "Invalid value for positivePrompt parameter. "
            f"It must be a string between 1 and {p.limit} characters.",
            parameter=param,
            kind="string",
            allowed=[1, p.limit],
        )
    if p.role == "prompt" and p.reason == "too_short":
        return RunwareError(
            "invalidPositivePrompt",
            "Invalid value for positivePrompt parameter. It must not be empty.",
            parameter=param,
            kind="string",
        )
    allowed = list(p.allowed) if p.reason == "enum" and p.allowed else None
    return RunwareError(
        f"invalid{_cap(_leaf(p))}",
        f"Invalid value for {param} parameter: {p.message}."[:300],
        parameter=param,
        kind=kind,
        allowed=allowed,
    )
