"""How long to wait: capped exponential backoff with jitter, for polling and retries.

>>> poll = Backoff(initial=1.0, factor=1.5, cap=10.0, jitter=0.1)
>>> [round(poll.delay(n, random.Random(0)), 2) for n in range(4)]   # ~1, 1.5, 2.25, 3.4
>>> RetryPolicy(attempts=4).delay(0, random.Random(0), retry_after=3.0)   # honours Retry-After
3.0

Nothing here sleeps: the clients call their injected ``sleep`` with these numbers, so
tests run a ten-minute wait in milliseconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

__all__ = ["Backoff", "RetryPolicy"]


@dataclass(frozen=True, slots=True)
class Backoff:
    """``initial * factor**n`` seconds, jittered by +/- ``jitter`` (a fraction), never
    more than ``cap`` and never negative."""

    initial: float = 1.0
    factor: float = 1.5
    cap: float = 10.0
    jitter: float = 0.1

    def __post_init__(self) -> None:
        if self.initial < 0 or self.cap < 0 or self.factor < 1 or not 0 <= self.jitter <= 1:
            raise ValueError("backoff needs initial >= 0, cap >= 0, factor >= 1, 0 <= jitter <= 1")

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before try number ``attempt + 1`` (``attempt`` counts from 0)."""
        # min() before the power keeps huge attempt numbers from overflowing a float
        base = self.initial * self.factor ** min(attempt, 64)
        base = min(self.cap, base)
        if self.jitter:
            base *= 1 + rng.uniform(-self.jitter, self.jitter)
        return max(0.0, min(self.cap, base))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Which answers are worth another try, how many tries in all, and how far apart.

    Only operations that are safe to repeat are retried: every read, a RunComfy
    cancel, and a Runware submit (resent with the same taskUUID). A RunComfy submit is
    never resent, whatever this policy says.
    """

    attempts: int = 4
    backoff: Backoff = field(default_factory=lambda: Backoff(0.5, 2.0, 8.0, 0.2))
    statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    max_retry_after: float = 60.0

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts counts the first try too, so it must be >= 1")

    def delay(self, attempt: int, rng: random.Random, retry_after: float | None = None) -> float:
        """Seconds before the next try; a server's ``Retry-After`` wins when longer."""
        wait = self.backoff.delay(attempt, rng)
        if retry_after is not None:
            wait = max(wait, min(retry_after, self.max_retry_after))
        return wait

    @classmethod
    def never(cls) -> RetryPolicy:
        return cls(attempts=1)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (the delay-seconds form); None otherwise."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None  # an HTTP date: rare for APIs; the backoff covers it
    return seconds if seconds >= 0 else None
