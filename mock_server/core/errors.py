"""Domain errors raised by the engine; each provider renders them in its own envelope.

::

    DomainError
    ├── AuthError                 no key, malformed header, unknown or invalid key
    ├── JobNotFound               unknown (or expired) job id
    ├── JobForbidden              the job belongs to another tenant
    ├── UnknownModel              no such model on this provider
    ├── ModelRetired              the model's retirement date has passed (opt-in)
    ├── InvalidParameter          a request field is wrong; names the field and allowed values
    ├── DuplicateJob              a client-chosen job id was used before
    ├── InsufficientCredits       the tenant's balance cannot pay for the job
    ├── RateLimited               too many jobs in flight for the tenant, or a scripted 429
    ├── NotCancellable            the job is past the queue (some providers answer 2xx)
    └── ServiceFault              an injected or internal failure with an HTTP-ish status

None of these knows about HTTP; ``status_hint`` is advice a dialect may ignore.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

__all__ = [
    "AuthError",
    "DomainError",
    "DuplicateJob",
    "InsufficientCredits",
    "InvalidParameter",
    "JobForbidden",
    "JobNotFound",
    "ModelRetired",
    "NotCancellable",
    "RateLimited",
    "ServiceFault",
    "UnknownModel",
]


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    status_hint = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class AuthError(DomainError):
    """``reason`` is ``missing``, ``malformed`` or ``invalid``."""

    status_hint = 401

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class _AboutJob(DomainError):
    """An error about one job id; ``wording`` makes the message from it (and ``fields``)."""

    wording = "request {job_id}"

    def __init__(self, job_id: str, **fields: str) -> None:
        super().__init__(self.wording.format(job_id=job_id, **fields))
        self.job_id = job_id


class JobNotFound(_AboutJob):
    status_hint = 404
    wording = "request {job_id} not found"


class JobForbidden(_AboutJob):
    status_hint = 403
    wording = "request {job_id} belongs to another account"


class UnknownModel(DomainError):
    status_hint = 400

    def __init__(self, model: str) -> None:
        super().__init__(f"unknown model {model!r}")
        self.model = model


class ModelRetired(DomainError):
    status_hint = 400

    def __init__(self, model: str, retired_on: str) -> None:
        super().__init__(f"model {model!r} was deactivated on {retired_on}")
        self.model = model
        self.retired_on = retired_on


class InvalidParameter(DomainError):
    """``field`` is the domain name (``prompt``, ``duration``, ``size``, ``image`` ...).

    ``reason`` is a short machine word: ``missing``, ``unsupported``, ``type``,
    ``too_long``, ``too_short``, ``conflict``, ``unknown``, ``range``.
    """

    status_hint = 400

    def __init__(
        self,
        field: str,
        message: str,
        *,
        reason: str = "unsupported",
        allowed: Sequence[Any] | None = None,
        fields: Sequence[str] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.reason = reason
        self.allowed = list(allowed) if allowed is not None else None
        self.fields = list(fields) if fields is not None else [field]


class DuplicateJob(_AboutJob):
    status_hint = 400
    wording = "task id {job_id} was already used"


class InsufficientCredits(DomainError):
    status_hint = 402

    def __init__(self, needed: str | None, balance: str) -> None:
        """``needed`` is None when the error is a planted ``credits`` fault (no price)."""
        cost = f"this job costs {needed} USD, " if needed is not None else ""
        super().__init__(f"insufficient credits: {cost}the balance is {balance} USD")
        self.needed = needed
        self.balance = balance


class RateLimited(DomainError):
    status_hint = 429

    def __init__(self, message: str = "too many requests", retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class NotCancellable(_AboutJob):
    status_hint = 409
    wording = "request {job_id} is {state} and can no longer be cancelled"

    def __init__(self, job_id: str, state: str) -> None:
        super().__init__(job_id, state=state)
        self.state = state


class ServiceFault(DomainError):
    """An injected server-side failure (5xx) or an internal one."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status_hint = status
