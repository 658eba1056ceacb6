"""Runware's error objects and the one table from domain errors to Runware codes.

An error object (REST ``errors[]`` item, or a WebSocket ``{"errors": [...]}`` frame)::

    {"code": "unsupportedDuration", "message": "...", "parameter": "duration",
     "type": "float", "allowedValues": [4, 8, 12], "documentation": "https://...",
     "taskType": "videoInference", "taskUUID": "..."}

Keys without a value are left out. ``STATUS`` gives each code its HTTP status on
REST; generation outcomes (a failed or timed-out clip) travel on HTTP 200, as
Runware reports them from ``getResponse``. Codes come from the docs, the SDKs'
catalogues and live observations; those marked INFERRED in the spec notes are
guesses that follow Runware's ``invalid<Param>``/``missing<Param>`` naming.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from mock_server.core.errors import (
    AuthError,
    DomainError,
    DuplicateJob,
    InsufficientCredits,
    InvalidParameter,
    JobForbidden,
    JobNotFound,
    ModelRetired,
    RateLimited,
    ServiceFault,
    UnknownModel,
)
from mock_server.core.jobs import Failure

__all__ = ["STATUS", "RunwareError", "failure_error", "from_domain", "payload_too_large"]

log = logging.getLogger("sora_mock.runware")

DOCS = "https://runware.ai/docs/en/video-inference/api-reference"
DOCS_CONNECT = "https://runware.ai/docs/en/getting-started/how-to-connect"
DOCS_POLL = "https://runware.ai/docs/en/utilities/task-responses"
_NOT_ANCHOR = re.compile(r"[^a-z0-9]")

_VALIDATION = [
    "invalidRequestBody", "missingTaskType", "invalidTaskType", "unsupportedTaskType",
    "missingTaskUUID", "invalidTaskUUID", "conflictTaskUUID", "missingModel", "invalidModel",
    "modelDisabled", "missingPositivePrompt", "invalidPositivePrompt", "missingDuration",
    "invalidDuration", "unsupportedDuration", "missingDimensionParameters", "invalidWidth",
    "invalidHeight", "unsupportedDimensions", "invalidInputs", "invalidFrameImages",
    "invalidVideoId", "incompatibleParameters", "unsupportedParameter", "invalidNumberResults",
    "invalidOutputFormat", "invalidOutputType", "invalidOutputQuality", "invalidIncludeCost",
    "invalidSeed", "invalidTTL", "invalidDeliveryMethod", "invalidWebhookURL", "validationFailed",
    "missingPing", "invalidPing",
]  # fmt: skip

# code -> HTTP status on REST (WebSocket frames carry no status)
STATUS: dict[str, int] = {
    **dict.fromkeys(_VALIDATION, 400),
    "missingApiKey": 401,
    "invalidApiKey": 401,
    "insufficientCredits": 402,
    "forbidden": 403,
    "taskNotFound": 404,
    "methodNotAllowed": 405,
    "payloadTooLarge": 413,
    "rateLimitExceeded": 429,
    "internalServerError": 500,
    "serviceUnavailable": 503,
    # outcomes of an accepted task, reported next to other results on HTTP 200
    "providerContentPolicyViolation": 200,
    "timeoutProvider": 200,
    "providerError": 200,
    "inferenceError": 200,
    "taskCancelled": 200,
    "timeout": 200,
}

# Failure.kind -> (code, message); the timeoutProvider message is the documented one.
FAILURES: dict[str, tuple[str, str | None]] = {
    "moderation": (
        "providerContentPolicyViolation",
        "The request was rejected by the provider's content policy.",
    ),
    "timeout": (
        "timeoutProvider",
        "The external provider did not respond within the timeout window. "
        "The request was automatically terminated.",
    ),
    "provider": ("providerError", None),
    "render": ("inferenceError", None),
    "internal": ("internalServerError", None),
}

# ServiceFault status -> code
FAULTS = {
    403: "forbidden",
    404: "taskNotFound",
    429: "rateLimitExceeded",
    502: "providerError",
    503: "serviceUnavailable",
    504: "timeoutProvider",
}


class RunwareError(Exception):
    """One Runware error object, raised inside the dialect and rendered by the caller."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        parameter: str | Sequence[str] | None = None,
        kind: str | None = None,
        allowed: Sequence[Any] | None = None,
        documentation: str | None = None,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.parameter = list(parameter) if isinstance(parameter, list | tuple) else parameter
        self.kind = kind
        self.allowed = list(allowed) if allowed is not None else None
        if documentation is None:
            anchor = parameter.split(".")[-1].split("[")[0] if isinstance(parameter, str) else ""
            anchor = _NOT_ANCHOR.sub("", anchor.lower())  # a parameter may be any JSON key
            documentation = f"{DOCS}#request-{anchor}" if anchor else DOCS
        self.documentation = documentation
        self.status = status if status is not None else STATUS.get(code, 400)
        self.retry_after = retry_after

    def item(self, task_type: str | None = None, task_uuid: str | None = None) -> dict[str, Any]:
        """The wire object, echoing the task it belongs to."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.parameter is not None:
            out["parameter"] = self.parameter
        if self.kind is not None:
            out["type"] = self.kind
        if self.allowed is not None:
            out["allowedValues"] = self.allowed
        if self.documentation is not None:
            out["documentation"] = self.documentation
        if task_type is not None:
            out["taskType"] = task_type
        if task_uuid is not None:
            out["taskUUID"] = task_uuid
        return out


# domain field -> (wire parameter, wire type, code when the value is wrong)
FIELDS: dict[str, tuple[str | list[str], str, str]] = {
    "prompt": ("positivePrompt", "string", "invalidPositivePrompt"),
    "duration": ("duration", "float", "unsupportedDuration"),
    "size": (["width", "height"], "integer", "unsupportedDimensions"),
    "image": ("inputs.frameImages", "array", "invalidFrameImages"),
    "video": ("inputs.videoId", "string", "invalidVideoId"),
    "number_results": ("numberResults", "integer", "invalidNumberResults"),
    "output_format": ("outputFormat", "string", "invalidOutputFormat"),
}

_MESSAGES = {
    "unsupportedDuration": "Invalid value for duration parameter. "
    "This duration is not supported by the model architecture.",
    "unsupportedDimensions": "Invalid value for width and height parameters. "
    "These dimensions are not supported by the model architecture.",
    "invalidPositivePrompt": "Invalid value for positivePrompt parameter. "
    "It must be a string between 1 and {max} characters.",
}


def from_domain(
    exc: BaseException,
    names: Mapping[str, str] | None = None,
    *,
    retired_code: str = "modelDisabled",
) -> RunwareError:
    """The Runware error for any exception; unexpected ones never leak a trace.

    ``names`` overrides a domain field's wire parameter (e.g. ``image`` ->
    ``frameImages`` when the request used the legacy top-level form);
    ``retired_code`` is the code for a deactivated model (undocumented, so configurable).
    """
    if isinstance(exc, RunwareError):
        return exc
    if isinstance(exc, AuthError):
        if exc.reason == "missing":
            return RunwareError(
                "missingApiKey",
                "Missing API key. Get one at https://my.runware.ai/signup",
                parameter="apiKey",
                documentation=DOCS_CONNECT,
            )
        return RunwareError(
            "invalidApiKey",
            "Invalid API key. Get one at https://my.runware.ai/signup",
            parameter="apiKey",
            documentation=DOCS_CONNECT,
        )
    if isinstance(exc, JobNotFound | JobForbidden):
        return RunwareError(
            "taskNotFound",
            f"No task found with taskUUID {exc.job_id}.",
            parameter="taskUUID",
            documentation=DOCS_POLL,
        )
    if isinstance(exc, UnknownModel):
        return RunwareError(
            "invalidModel",
            f"Invalid value for model parameter. Unknown model {exc.model!r}.",
            parameter="model",
            kind="string",
        )
    if isinstance(exc, ModelRetired):
        return RunwareError(
            retired_code,
            f"Model {exc.model} was deactivated on {exc.retired_on}.",
            parameter="model",
            kind="string",
        )
    if isinstance(exc, InvalidParameter):
        return _invalid(exc, names or {})
    if isinstance(exc, DuplicateJob):
        return RunwareError(
            "conflictTaskUUID",
            f"The taskUUID {exc.job_id} was already used; every task needs a new one.",
            parameter="taskUUID",
            kind="UUIDv4",
        )
    if isinstance(exc, InsufficientCredits):
        cost = f"the task costs {exc.needed} USD and " if exc.needed is not None else ""
        return RunwareError(
            "insufficientCredits",
            f"Insufficient credits: {cost}the balance is {exc.balance} USD.",
            documentation="https://my.runware.ai/wallet",
        )
    if isinstance(exc, RateLimited):
        return RunwareError(
            "rateLimitExceeded", exc.message, retry_after=exc.retry_after, documentation=None
        )
    if isinstance(exc, ServiceFault):
        status = int(exc.status_hint)
        code = FAULTS.get(status, "internalServerError")
        return RunwareError(code, exc.message, status=status)
    if isinstance(exc, DomainError):
        return RunwareError("validationFailed", exc.message)
    log.error("unexpected error in the Runware dialect", exc_info=exc)
    return RunwareError("internalServerError", "Internal server error.")


def _invalid(exc: InvalidParameter, names: Mapping[str, str]) -> RunwareError:
    parameter, kind, code = FIELDS.get(exc.field, (exc.field, "string", "validationFailed"))
    parameter = names.get(exc.field, parameter)
    template = _MESSAGES.get(code)
    message = exc.message
    if template is not None and exc.allowed:
        message = template.format(max=exc.allowed[-1])
    elif code == "invalidPositivePrompt":
        message = "Invalid value for positivePrompt parameter. It must not be empty."
    return RunwareError(code, message, parameter=parameter, kind=kind, allowed=exc.allowed)


def failure_error(failure: Failure | None) -> RunwareError:
    """The error a failed generation reports (HTTP 200 on REST, like any result)."""
    failure = failure or Failure("provider", "The generation failed.")
    code, message = FAILURES.get(failure.kind, ("providerError", None))
    code = failure.code or code
    # Always 200: the task itself was served; a 5xx would make runware-sdk resubmit it.
    return RunwareError(code, message or failure.message, documentation=DOCS, status=200)


def payload_too_large(limit: int, size: int | None) -> RunwareError:
    """The error for a request body or WebSocket message over ``limit`` bytes (413)."""
    got = f" ({size} bytes)" if size is not None else ""
    return RunwareError(
        "payloadTooLarge",
        f"The request{got} exceeds the maximum size of {limit} bytes.",
        documentation=DOCS_CONNECT,
    )
