"""Everything the reference client raises, in one tree::

    SoraClientError
    ├── TransportError          the request never got an HTTP answer (after retries)
    ├── ContractViolation       a request or response broke its JSON Schema (names the path)
    ├── APIError                the provider answered with an error: status, code, message
    │   ├── AuthenticationError     401/403: missing, invalid or unauthorised key
    │   ├── InsufficientCredits     402, or a balance error code
    │   ├── NotFound                404: unknown model, request or task
    │   ├── InvalidRequest          400/422: a parameter is wrong (``parameter``, ``allowed``)
    │   ├── RateLimited             429 (``retry_after`` seconds, when the provider says)
    │   └── ServerError             5xx
    ├── JobError                the job was accepted but did not produce a video
    │   ├── JobFailed               the provider's failure ``code`` and ``message``
    │   └── JobCancelled
    ├── NotReady                ``result()`` asked before the job finished (``status``)
    └── WaitTimeout             ``wait()`` gave up (``status`` is the last one seen)

>>> try:
...     client.wait(job_id, timeout=60)
... except JobFailed as exc:
...     print(exc.code, exc.message)

``ContractWarning`` is the warning lenient validation emits instead of raising.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from client.models import JobStatus


class SoraClientError(Exception):
    """Base of every error the client raises on purpose."""


class TransportError(SoraClientError):
    """No HTTP answer: connection refused or reset, DNS failure, timeout."""


class ContractWarning(UserWarning):
    """A message broke its contract, but lenient validation carried on."""


class ContractViolation(SoraClientError):
    """A message does not match its contract.

    ``direction`` is ``request`` (caught before sending) or ``response``; ``path`` is
    the JSONPath of the first offending field (``$.data[0].status``); ``violations``
    lists every problem as ``(path, message)``.
    """

    def __init__(
        self, direction: str, schema: str, violations: list[tuple[str, str]], document: Any
    ) -> None:
        path, message = violations[0] if violations else ("$", "invalid")
        more = f" (+{len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{direction} breaks {schema}: {path}: {message}{more}")
        self.direction, self.schema, self.document = direction, schema, document
        self.path, self.violations = path, violations


class APIError(SoraClientError):
    """The provider answered with an error.

    ``code`` is the provider's own (Runware ``invalidApiKey``, RunComfy ``404001``),
    ``status`` the HTTP status, ``body`` the decoded answer.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        status: int,
        code: str | int | None = None,
        parameter: str | list[str] | None = None,
        allowed: list[Any] | None = None,
        body: Any = None,
        retry_after: float | None = None,
    ) -> None:
        label = f"{provider} {status}" + (f" {code}" if code is not None else "")
        super().__init__(f"{label}: {message}")
        self.message = message
        self.provider = provider
        self.status = status
        self.code = code
        self.parameter = parameter
        self.allowed = allowed
        self.body = body
        self.retry_after = retry_after


class AuthenticationError(APIError):
    pass


class InsufficientCredits(APIError):
    pass


class NotFound(APIError):
    pass


class InvalidRequest(APIError):
    pass


class RateLimited(APIError):
    pass


class ServerError(APIError):
    pass


class JobError(SoraClientError):
    """The job ran (or was cancelled) without producing a video."""

    def __init__(self, message: str, status: JobStatus) -> None:
        super().__init__(message)
        self.status = status


class JobFailed(JobError):
    def __init__(self, status: JobStatus) -> None:
        code = status.error_code or "failed"
        message = status.error_message or "the generation failed"
        super().__init__(f"job {status.id} failed: {code}: {message}", status)
        self.code = code
        self.message = message


class JobCancelled(JobError):
    def __init__(self, status: JobStatus) -> None:
        super().__init__(f"job {status.id} was cancelled", status)


class NotReady(SoraClientError):
    def __init__(self, status: JobStatus) -> None:
        super().__init__(f"job {status.id} is not finished ({status.provider_status})")
        self.status = status


class WaitTimeout(SoraClientError):
    def __init__(self, job_id: str, timeout: float, status: JobStatus | None) -> None:
        last = status.provider_status if status is not None else "no answer yet"
        super().__init__(f"job {job_id} not finished after {timeout:g} s (last: {last})")
        self.job_id = job_id
        self.timeout = timeout
        self.status = status


def for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status."""
    if status in (401, 403):
        return AuthenticationError
    if status == 402:
        return InsufficientCredits
    if status == 404:
        return NotFound
    if status == 429:
        return RateLimited
    if status >= 500:
        return ServerError
    return InvalidRequest
