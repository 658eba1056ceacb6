"""The engine's only source of time.

Two clocks share one interface:

* :class:`ScaledClock` follows real time, optionally sped up (``speed=10`` makes a
  60 s render take 6 s). ``sora-mock serve`` uses it.
* :class:`ManualClock` stands still until told to move (``advance(seconds)``); tests
  and the control API drive it.

Everything that waits on emulated time (the scheduler, sync delivery, idle timers)
calls :meth:`Clock.wait_until`, so a manual clock advanced by a test wakes it at once.
Nothing else in the project reads the wall clock.
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["Clock", "ManualClock", "ScaledClock", "iso8601", "real_time"]


def real_time() -> float:
    """Wall-clock seconds since the epoch; the one sanctioned call to ``time.time``."""
    return time.time()


def iso8601(ts: float) -> str:
    """Format emulated seconds as an RFC 3339 UTC timestamp with milliseconds."""
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(slots=True, eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]


@dataclass(slots=True, eq=False)
class Clock:
    """Base class: subclasses define :meth:`now` and may scale waiting."""

    # keyword-only, so a subclass's own fields come first: ScaledClock(10.0) is a speed
    _waiters: list[_Waiter] = field(default_factory=list, kw_only=True, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, kw_only=True, repr=False)
    _observers: list[Callable[[], None]] = field(default_factory=list, kw_only=True, repr=False)

    def now(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def speed(self) -> float:
        """Emulated seconds per real second (0 for a manual clock)."""
        return 0.0

    def _real_delay(self, emulated: float) -> float | None:
        """Real seconds until ``emulated`` seconds pass, or None to wait for a nudge."""
        return None

    def observe(self, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after every jump or speed change (persistence uses it)."""
        self._observers.append(callback)

    def _notify(self) -> None:
        """Wake every waiter so it re-checks the time (after advance or a speed change)."""
        with self._lock:
            waiters, self._waiters = self._waiters, []
        for w in waiters:
            if not w.loop.is_closed():
                w.loop.call_soon_threadsafe(_resolve, w.future)
        for callback in self._observers:
            callback()

    async def wait_until(self, deadline: float) -> None:
        """Return once ``now() >= deadline`` on this clock."""
        loop = asyncio.get_running_loop()
        while True:
            remaining = deadline - self.now()
            if remaining <= 0:
                return
            waiter = _Waiter(loop, loop.create_future())
            with self._lock:
                self._waiters.append(waiter)
            delay = self._real_delay(remaining)
            try:
                if delay is None:
                    await waiter.future
                else:
                    await asyncio.wait_for(asyncio.shield(waiter.future), timeout=delay)
            except TimeoutError:
                pass
            finally:
                with self._lock:
                    if waiter in self._waiters:
                        self._waiters.remove(waiter)

    async def sleep(self, seconds: float) -> None:
        """Sleep ``seconds`` of emulated time."""
        await self.wait_until(self.now() + seconds)


# Timestamps must stay printable as ISO 8601: datetime stops at the year 9999.
LATEST = 253_402_300_799.0


def _check_step(now: float, seconds: float) -> None:
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError("a clock only moves forward, by a finite number of seconds")
    if now + seconds > LATEST:
        raise ValueError("the clock cannot move past the year 9999")


def _resolve(fut: asyncio.Future[None]) -> None:
    if not fut.done():
        fut.set_result(None)


@dataclass(slots=True, eq=False)
class ManualClock(Clock):
    """A clock that moves only when :meth:`advance` or :meth:`set` is called."""

    start: float = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed, readable origin
    _now: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._now = self.start

    def now(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move the clock forward; returns the new time. Negative steps are refused."""
        _check_step(self._now, seconds)
        self._now += seconds
        self._notify()
        return self._now

    def set(self, ts: float) -> float:
        """Jump to ``ts`` (not earlier than now)."""
        return self.advance(max(0.0, ts - self._now))


@dataclass(slots=True, eq=False)
class ScaledClock(Clock):
    """Real time multiplied by ``speed`` from an origin; the speed may change live."""

    initial_speed: float = 1.0
    start: float | None = None
    _speed: float = field(init=False, default=1.0)
    _base_emulated: float = field(init=False, default=0.0)
    _base_real: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        if self.initial_speed < 0:
            raise ValueError("speed must be >= 0")
        self._speed = self.initial_speed
        self._base_real = time.monotonic()
        self._base_emulated = real_time() if self.start is None else self.start

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self._base_emulated + (time.monotonic() - self._base_real) * self._speed

    def _real_delay(self, emulated: float) -> float | None:
        return None if self._speed == 0 else emulated / self._speed

    def set_speed(self, speed: float) -> None:
        """Change how fast emulated time runs from now on (0 pauses it)."""
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._base_emulated = self.now()
        self._base_real = time.monotonic()
        self._speed = speed
        self._notify()

    def advance(self, seconds: float) -> float:
        """Jump forward by ``seconds`` of emulated time."""
        _check_step(self.now(), seconds)
        self._base_emulated += seconds
        self._notify()
        return self.now()
