"""Scheduling: what fires at a time on the engine clock.

A job's next move that no read may come to make (its start, its end) is an entry in
the :class:`~mock_server.core.state.Schedule`; :meth:`Scheduler.tick` hands every due
entry to the engine, and :meth:`Scheduler.run` does so whenever the clock reaches
the next one (a server's background task). One entry per job at a time keeps the
schedule small (100,000 jobs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from mock_server.core.clock import Clock
from mock_server.core.jobs import Job
from mock_server.core.state import Schedule

__all__ = ["Fire", "Scheduler"]

log = logging.getLogger("sora_mock.scheduler")

#: ``fire(job_id, now)``: apply what is due; returns (moved, the job's next due time).
Fire = Callable[[str, float], Awaitable[tuple[bool, float | None]]]


class Scheduler:
    def __init__(
        self,
        schedule: Schedule,
        clock: Clock,
        fire: Fire,
        unfinished: Callable[[], Awaitable[list[Job]]],
    ) -> None:
        self.schedule = schedule
        self.clock = clock
        self._fire = fire
        self._unfinished = unfinished
        self._resumed = schedule.persistent
        self._wakeup = asyncio.Event()

    async def plan(self, job: Job) -> None:
        """Schedule the job's next move on the clock, if the clock moves it."""
        due = job.progression.strategy.next_due(job)
        if due is not None and not job.terminal:
            await self.schedule.add(due, job.id)
            self._wakeup.set()

    async def due_now(self) -> list[str]:
        """Ids with an entry due now (left in place)."""
        await self.resume()
        return await self.schedule.due(self.clock.now())

    async def tick(self) -> int:
        """Fire every entry that is due; returns how many jobs moved."""
        await self.resume()
        now = self.clock.now()
        moved = 0
        while due_ids := await self.schedule.pop_due(now):
            for job_id in due_ids:
                changed, next_due = await self._fire(job_id, now)
                moved += changed
                if next_due is not None and next_due > now:  # not one stuck in its queue
                    await self.schedule.add(next_due, job_id)
        return moved

    async def run(self) -> None:
        """Run forever, firing entries as the clock reaches them (server lifespan)."""
        await self.resume()
        while True:
            self._wakeup.clear()
            due = await self.schedule.next_due()
            if due is not None:
                waits = [
                    asyncio.ensure_future(self.clock.wait_until(due)),
                    asyncio.ensure_future(self._wakeup.wait()),
                ]
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for w in waits:
                        w.cancel()
            else:
                await self._wakeup.wait()
            try:
                await self.tick()
            except Exception:
                log.exception("scheduler tick failed")

    async def resume(self) -> None:
        """Re-plan every unfinished job once per process when the schedule is not kept
        by the state (a store loaded from SQLite), so due states and webhooks fire as
        if nothing had happened."""
        if self._resumed:
            return
        self._resumed = True
        for job in await self._unfinished():
            await self.plan(job)

    async def clear(self) -> None:
        await self.schedule.clear()
