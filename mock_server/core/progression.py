"""How a job moves through its states: a :class:`Progression` (the setting, as the
control API and the state file know it) and its :class:`Strategy` (the behaviour).

A strategy answers three questions about one job at one time on the engine clock:
when it starts, when it finishes, and how far it is. The engine asks, never checks
which kind of progression it holds.

* :class:`ClockStrategy` (``clock``): queued for ``queue_seconds``, then running for
  ``run_seconds`` plus ``run_seconds_per_video_second`` x the clip's duration;
* :class:`ImmediateStrategy` (``immediate``): done on the first read;
* :class:`PollsStrategy` (``polls``): queued for ``queue_polls`` status reads, running
  for ``run_polls``;
* :class:`ManualStrategy` (``manual``): queued until started, completed or failed
  through the control API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mock_server.core.jobs import Job

__all__ = [
    "STRATEGIES",
    "ClockStrategy",
    "ImmediateStrategy",
    "ManualStrategy",
    "PollsStrategy",
    "Progression",
    "Strategy",
]


class Strategy:
    """When a job starts and finishes, and how far it is (0-100, unclamped)."""

    def start_at(self, job: Job, now: float) -> float | None:
        """When the queued ``job`` starts (maybe later than ``now``); None when it does
        not start by itself yet."""
        return None

    def finish_at(self, job: Job, now: float) -> float | None:
        """When the running ``job`` finishes; None when it does not by itself yet."""
        return None

    def percent(self, job: Job, now: float) -> float:
        """How far the running ``job`` is."""
        return job.manual_progress

    def reached(self, job: Job, percent: int, now: float) -> float | None:
        """When the running ``job`` reaches ``percent`` (a fault's failure point)."""
        done = max(0, min(99, int(self.percent(job, now))))
        return now if done >= percent else None

    def next_due(self, job: Job) -> float | None:
        """The clock time of the job's next move, for the schedule; None when no time
        on the clock moves it (reads or the control API do)."""
        return None


class ClockStrategy(Strategy):
    def start_at(self, job: Job, now: float) -> float | None:
        return job.created_at + job.progression.queue_seconds

    def finish_at(self, job: Job, now: float) -> float | None:
        if job.started_at is None:
            return None
        return job.started_at + job.progression.run_time(job.seconds)

    def percent(self, job: Job, now: float) -> float:
        if job.started_at is None:
            return 0
        span = job.progression.run_time(job.seconds)
        return (now - job.started_at) / span * 100 if span > 0 else 100

    def reached(self, job: Job, percent: int, now: float) -> float | None:
        if job.started_at is None:
            return None
        return job.started_at + job.progression.run_time(job.seconds) * percent / 100

    def next_due(self, job: Job) -> float | None:
        if job.started_at is None:
            return self.start_at(job, job.created_at)
        return self.finish_at(job, job.started_at)


class ImmediateStrategy(ClockStrategy):
    """The clock strategy with no waiting: starts and finishes when submitted."""

    def start_at(self, job: Job, now: float) -> float | None:
        return job.created_at

    def finish_at(self, job: Job, now: float) -> float | None:
        return job.started_at

    def percent(self, job: Job, now: float) -> float:
        return 100

    def reached(self, job: Job, percent: int, now: float) -> float | None:
        return job.started_at


class PollsStrategy(Strategy):
    def start_at(self, job: Job, now: float) -> float | None:
        return now if job.polls >= job.progression.queue_polls else None

    def finish_at(self, job: Job, now: float) -> float | None:
        p = job.progression
        return now if job.polls >= p.queue_polls + p.run_polls else None

    def percent(self, job: Job, now: float) -> float:
        p = job.progression
        return 100 * (job.polls - p.queue_polls) / p.run_polls if p.run_polls else 99


class ManualStrategy(Strategy):
    """Moves only when told (the base behaviour)."""


#: One shared, stateless strategy per kind of progression.
STRATEGIES: dict[str, Strategy] = {
    "clock": ClockStrategy(),
    "immediate": ImmediateStrategy(),
    "polls": PollsStrategy(),
    "manual": ManualStrategy(),
}


@dataclass(slots=True)
class Progression:
    """A job's progression setting; ``kind`` names its strategy in :data:`STRATEGIES`.

    Never changed in place: a new policy or a forced completion replaces the object,
    so one instance is shared by every job submitted under it.
    """

    kind: str = "clock"
    queue_seconds: float = 3.0
    run_seconds: float = 8.0
    run_seconds_per_video_second: float = 0.5
    queue_polls: int = 1
    run_polls: int = 2

    def __post_init__(self) -> None:
        if self.kind not in STRATEGIES:
            raise ValueError(f"unknown progression {self.kind!r}")
        if min(self.queue_seconds, self.run_seconds, self.run_seconds_per_video_second) < 0:
            raise ValueError("progression times must be >= 0")
        if min(self.queue_polls, self.run_polls) < 0:
            raise ValueError("progression poll counts must be >= 0")

    @property
    def strategy(self) -> Strategy:
        return STRATEGIES[self.kind]

    def run_time(self, video_seconds: float) -> float:
        return self.run_seconds + self.run_seconds_per_video_second * video_seconds

    @classmethod
    def immediate(cls) -> Progression:
        """Done on the first read: zero emulated latency."""
        return cls(kind="immediate", queue_seconds=0, run_seconds=0, run_seconds_per_video_second=0)
