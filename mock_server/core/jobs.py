"""The job record and its state machine.

::

    QUEUED ──► RUNNING ──► SUCCEEDED
       │           └─────► FAILED
       ├─────────────────► FAILED      (forced, or an injected fault)
       └─────────────────► CANCELLED

Terminal states never change. How a job moves is its
:class:`~mock_server.core.progression.Progression`: after seconds on the engine clock,
after a number of status reads, or only when told to.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from contracts.states import State
from mock_server.core.progression import Progression

__all__ = [
    "ALLOWED",
    "TERMINAL",
    "Ask",
    "Failure",
    "Job",
    "JobFault",
    "JobRequest",
    "Output",
    "Progression",
    "State",
]


TERMINAL = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED})

#: The legal moves: terminal states never change.
ALLOWED: dict[State, frozenset[State]] = {
    State.QUEUED: frozenset({State.RUNNING, State.FAILED, State.CANCELLED}),
    State.RUNNING: frozenset({State.SUCCEEDED, State.FAILED}),
}


@dataclass(slots=True)
class Failure:
    """Why a job failed, in domain words; each dialect picks its own code for ``kind``.

    ``kind`` is one of ``moderation``, ``timeout``, ``provider``, ``render``,
    ``internal``; ``code`` optionally forces a provider-specific code.
    """

    kind: str
    message: str
    code: str | None = None


@dataclass(slots=True)
class JobFault:
    """Faults planted in one job (from the control API, a header or a magic prompt).

    The ``webhook_*`` fields are read by a dialect's webhook dispatcher through
    ``emu.policies.webhook_delays(job)``: extra copies, a fixed delay and a
    random extra delay that reorders deliveries, all in emulated seconds.
    """

    fail_at_progress: int | None = None
    failure: Failure | None = None
    stuck_in_queue: bool = False
    media_missing_seconds: float = 0.0
    webhook_duplicates: int = 0
    webhook_delay_seconds: float = 0.0
    webhook_disorder_seconds: float = 0.0


@dataclass(slots=True)
class Ask:
    """Who asks which model for what clip: what a request and its job both carry."""

    provider: str
    model_id: str
    tenant: str
    prompt: str
    width: int
    height: int
    seconds: int

    @property
    def size(self) -> str:
        return f"{self.width}x{self.height}"

    def ask(self) -> dict[str, Any]:
        """Just these fields, by name (a job is built from its request's)."""
        return {f.name: getattr(self, f.name) for f in fields(Ask)}


@dataclass(slots=True)
class JobRequest(Ask):
    """What a dialect asks the engine to run, in domain terms."""

    seed: int | None = None
    number_results: int = 1
    output_format: str = "mp4"
    image: bytes | None = None
    image_ref: str | None = None
    video_ref: str | None = None
    job_id: str | None = None
    fault: JobFault | None = None
    ttl: float | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    audio: bool | None = None  # None: the model's default (the catalog's output.audio)
    fps: int | None = None  # None: the frame rate the model documents
    last_image: bytes | None = None
    last_image_ref: str | None = None


@dataclass(slots=True)
class Output:
    """One produced clip: a job with ``number_results=N`` has N of them."""

    uuid: str
    video_id: str
    media_key: str
    seed: int


@dataclass(slots=True)
class Job(Ask):
    """One accepted generation request and everything that happened to it; ``id`` is
    the engine's (each provider names it in its own words)."""

    id: str
    seed: int
    number_results: int
    output_format: str
    created_at: float
    progression: Progression
    cost: Decimal
    outputs: list[Output] = field(default_factory=list)
    image_key: str | None = None
    video_ref: str | None = None
    state: State = State.QUEUED
    started_at: float | None = None
    finished_at: float | None = None
    polls: int = 0
    manual_progress: int = 0
    fault: JobFault | None = None
    failure: Failure | None = None
    cancel_requested: bool = False
    meta: dict[str, Any] = field(default_factory=dict)
    ttl: float | None = None  # seconds its outputs are served after it succeeds, if limited
    audio: bool = True
    fps: int = 0  # 0: not recorded (jobs from before frame rates were)
    last_image_key: str | None = None

    @property
    def terminal(self) -> bool:
        return self.state in TERMINAL

    @property
    def expires_at(self) -> float | None:
        """When its outputs stop being served (``ttl`` after success), if ever."""
        if self.ttl is None or self.finished_at is None or self.state is not State.SUCCEEDED:
            return None
        return self.finished_at + self.ttl

    def move(self, new: State, at: float) -> None:
        """Apply one transition; illegal ones raise (terminal states never change)."""
        if new not in ALLOWED.get(self.state, frozenset()):
            raise ValueError(f"illegal transition {self.state} -> {new} for job {self.id}")
        if new is State.RUNNING:
            self.started_at = at
        else:
            self.finished_at = at
        self.state = new
