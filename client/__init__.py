"""The reference client for Runware's and RunComfy's video APIs: httpx plus the
contracts, nothing else, so it runs unchanged against the real services and the
emulator.

>>> from client import RunComfyClient, RunwareClient
>>> rc = RunComfyClient(key)                                   # https://model-api.runcomfy.net
>>> rc = RunComfyClient("any", base_url="http://127.0.0.1:8000")   # the emulator
>>> job = rc.submit("openai/sora-2/text-to-video", "a red kite", duration=4, size="1280x720")
>>> video = rc.wait(job.id, timeout=600)       # polls with capped backoff + jitter
>>> rc.download(video.url, "kite.mp4", on_progress=print)
>>> video.cost
0.4

``AsyncRunComfyClient`` and ``AsyncRunwareClient`` have the same methods, awaitable.
Every request is checked against its contract before it is sent and every response on
receipt: ``validation="strict"`` (default) raises :class:`ContractViolation` naming the
JSON path, ``"lenient"`` warns (:class:`ContractWarning`), ``"off"`` skips the checks.
Errors are described in :mod:`client.errors`.
"""

from __future__ import annotations

from client.errors import (
    APIError,
    AuthenticationError,
    ContractViolation,
    ContractWarning,
    InsufficientCredits,
    InvalidRequest,
    JobCancelled,
    JobError,
    JobFailed,
    NotFound,
    NotReady,
    RateLimited,
    ServerError,
    SoraClientError,
    TransportError,
    WaitTimeout,
)
from client.models import CancelResult, JobStatus, State, Submission, Video
from client.policy import Backoff, RetryPolicy
from client.runcomfy import DEFAULT_RUNCOMFY_URL, AsyncRunComfyClient, RunComfyClient
from client.runware import DEFAULT_RUNWARE_URL, AsyncRunwareClient, RunwareClient

__all__ = [
    "DEFAULT_RUNCOMFY_URL",
    "DEFAULT_RUNWARE_URL",
    "APIError",
    "AsyncRunComfyClient",
    "AsyncRunwareClient",
    "AuthenticationError",
    "Backoff",
    "CancelResult",
    "ContractViolation",
    "ContractWarning",
    "InsufficientCredits",
    "InvalidRequest",
    "JobCancelled",
    "JobError",
    "JobFailed",
    "JobStatus",
    "NotFound",
    "NotReady",
    "RateLimited",
    "RetryPolicy",
    "RunComfyClient",
    "RunwareClient",
    "ServerError",
    "SoraClientError",
    "State",
    "Submission",
    "TransportError",
    "Video",
    "WaitTimeout",
]
