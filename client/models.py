"""Typed results of the reference client; ``raw`` always keeps the decoded answer.

>>> status = client.status(job_id)
>>> status.state, status.queue_position, status.progress
(<State.QUEUED: 'queued'>, 2, None)
>>> video = client.wait(job_id)
>>> video.url, video.cost
('https://.../clip.mp4', 0.4)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contracts.states import State

__all__ = ["CancelResult", "JobStatus", "State", "Submission", "Video"]


@dataclass(frozen=True, slots=True)
class Submission:
    """An accepted job. ``id`` is RunComfy's ``request_id`` or Runware's ``taskUUID``.

    ``resumed`` is True when Runware answered ``conflictTaskUUID`` to a resubmission:
    the task had already been accepted, and polling it is the way on.
    """

    provider: str
    id: str
    model: str
    status_url: str | None = None
    result_url: str | None = None
    cancel_url: str | None = None
    "RunComfy's URLs for this job (Runware has none)."
    resumed: bool = False
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class Video:
    """A finished clip."""

    provider: str
    job_id: str
    url: str
    "A public URL: fetching it needs no API key."
    cost: float | None = None
    "USD, when the provider reported it."
    seed: int | None = None
    video_uuid: str | None = None
    video_id: str | None = None
    "Runware's identifiers for the clip and the generation."
    model: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True, slots=True)
class JobStatus:
    """Where a job stands. ``provider_status`` is the provider's own word for it
    (``in_queue``, ``processing``, ...); ``video`` is set once it succeeded (Runware
    reports it with the status; RunComfy needs a ``result()`` call)."""

    provider: str
    id: str
    state: State
    provider_status: str | None = None
    queue_position: int | None = None
    "Jobs ahead of this one in RunComfy's queue (Runware does not say)."
    progress: int | None = None
    "Percent done, when the provider reports it."
    error_code: str | None = None
    error_message: str | None = None
    videos: tuple[Video, ...] = ()
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def terminal(self) -> bool:
        return self.state.terminal

    @property
    def video(self) -> Video | None:
        return self.videos[0] if self.videos else None


@dataclass(frozen=True, slots=True)
class CancelResult:
    """RunComfy's answer to a cancel: ``cancelled`` only if the job was still queued."""

    id: str
    cancelled: bool
    provider_status: str | None
    outcome: str | None
    raw: Any = field(default=None, repr=False, compare=False)
