"""Moving jobs: applying the moves that are due (:mod:`mock_server.core.lifecycle`)
through the store's compare-and-set, billing the winner of each move and telling
listeners.

No move waits for ffmpeg: a job succeeds on the clock alone, and its clips (whose keys
are known from submission, minted from their recipes) are rendered when first
downloaded (:meth:`MediaLibrary.ensure`, single flight). A burst of submits therefore
costs no encode until someone asks for a clip.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from mock_server.core.clock import Clock
from mock_server.core.jobs import Failure, Job, State
from mock_server.core.lifecycle import due
from mock_server.core.progression import Progression
from mock_server.core.state import JobStore, LedgerStore
from mock_server.media.library import MediaLibrary, wind_down

__all__ = ["EngineSettings", "Listener", "Mover"]

log = logging.getLogger("sora_mock.engine")

Listener = Callable[[Job, State], Awaitable[None] | None]


@dataclass(slots=True)
class EngineSettings:
    """Engine behaviour that is configuration rather than model fact."""

    progression: Progression = field(default_factory=Progression)
    per_model: dict[str, Progression] = field(default_factory=dict)
    reject_retired: bool = False
    max_active_per_tenant: int | None = None
    shared_clips: bool = False


class Mover:
    """The half of the engine that changes job states."""

    def __init__(
        self,
        clock: Clock,
        media: MediaLibrary,
        store: JobStore,
        ledger: LedgerStore,
        settings: EngineSettings,
    ) -> None:
        self.clock = clock
        self.media = media
        self.store = store
        self.ledger = ledger
        self.settings = settings
        self._listeners: list[Listener] = []
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: dict[str, asyncio.Event] = {}

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(job, previous_state)`` after every state change."""
        self._listeners.append(listener)

    async def refresh(self, job: Job) -> None:
        """Apply every move the clock (or poll count) says is due."""
        plan = due(job, self.clock.now())
        for move in plan.moves:
            if not await self._move(job, move.state, move.at, move.failure):
                return
        if plan.finish_at is not None:
            await self._finish(job, plan.finish_at)

    async def _finish(self, job: Job, at: float) -> None:
        """Mark the job succeeded; its clips are rendered when first asked for."""
        if job.state is State.RUNNING:
            await self._move(job, State.SUCCEEDED, at)

    async def _move(self, job: Job, new: State, at: float, failure: Failure | None = None) -> bool:
        """Move ``job`` from its current state to ``new`` if nobody moved it first
        (a compare-and-set in the store); only the winner bills and notifies."""
        old = job.state
        if not await self.store.transition(job.id, old, new, at, failure=failure):
            await self._reload(job)
            return False
        if job.state is old:  # a snapshot: bring it in line with what was stored
            job.move(new, at)
            if failure is not None:
                job.failure = failure
        if new is State.SUCCEEDED:
            await self.ledger.capture(job, at)
        elif new is not State.RUNNING:
            await self.ledger.release(job)
        self._notify(job, old)
        return True

    async def _reload(self, job: Job) -> None:
        """Refresh a snapshot that lost a race (or a job forgotten by a reset)."""
        stored = await self.store.get(job.id)
        if stored is not None and stored is not job:
            for name in ("state", "started_at", "finished_at", "failure", "polls"):
                setattr(job, name, getattr(stored, name))

    def _notify(self, job: Job, old: State) -> None:
        if job.terminal:
            done = self._done.pop(job.id, None)
            if done is not None:
                done.set()
        for listener in self._listeners:
            try:
                result = listener(job, old)
                if inspect.isawaitable(result):
                    self._spawn(result)
            except Exception:
                log.exception("state listener failed for job %s", job.id)

    def _spawn(self, aw: Awaitable[None]) -> None:
        async def runner() -> None:
            try:
                await aw
            except Exception:
                log.exception("background task failed")

        task = asyncio.ensure_future(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for background work (listener tasks) to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self, grace: float = 5.0) -> None:
        """Stop background work (server shutdown): listener tasks get ``grace`` real
        seconds to finish, then whatever is left is cancelled."""
        await wind_down(list(self._tasks), grace)
