"""Which moves are due for a job at a time on the clock, computed without changing
anything: the engine applies them on a read or a scheduled event, and a check that
only needs to know (a concurrency limit) reads them.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from mock_server.core.jobs import Failure, Job, State

__all__ = ["Due", "Move", "due"]

DEFAULT_FAILURE = Failure("provider", "the generation failed")


@dataclass(frozen=True, slots=True)
class Move:
    state: State
    at: float
    failure: Failure | None = None


@dataclass(slots=True)
class Due:
    """The moves due now, in order; ``finish_at`` is set when the job is due to
    succeed (its clips are rendered later, when first downloaded)."""

    moves: list[Move] = field(default_factory=list)
    finish_at: float | None = None

    @property
    def settled(self) -> bool:
        """Whether the job is past running: a terminal move or a finish is due."""
        return self.finish_at is not None or any(m.state is not State.RUNNING for m in self.moves)


def due(job: Job, now: float) -> Due:
    """What the job's strategy and faults say is due at ``now``."""
    out = Due()
    if job.terminal:
        return out
    strategy = job.progression.strategy
    if job.state is State.QUEUED:
        start = None if job.fault and job.fault.stuck_in_queue else strategy.start_at(job, now)
        if start is None or start > now:
            return out
        out.moves.append(Move(State.RUNNING, start))
        job = copy.copy(job)  # look ahead on a copy: nothing is changed here
        job.state, job.started_at = State.RUNNING, start
    finish = strategy.finish_at(job, now)
    percent = job.fault.fail_at_progress if job.fault else None
    fail_at = strategy.reached(job, percent, now) if percent is not None else None
    if fail_at is not None and fail_at <= now and (finish is None or fail_at <= finish):
        failure = (job.fault.failure if job.fault else None) or DEFAULT_FAILURE
        out.moves.append(Move(State.FAILED, fail_at, failure))
    elif finish is not None and finish <= now:
        out.finish_at = finish
    return out
