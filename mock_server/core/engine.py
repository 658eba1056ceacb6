"""The provider-neutral job engine: accepts jobs, moves them on the clock, names
their media (rendered on first download) and bills them.

State is derived on read from the job's timestamps and the clock, so a manual clock
advanced by a test gives exact, repeatable states; events that must fire without a
read (webhooks) come from the :class:`~mock_server.core.scheduler.Scheduler` on the
same clock (:meth:`Engine.tick`, and :meth:`Engine.run_scheduler` in a server). Every
read and write of state goes through the seam in :mod:`mock_server.core.state`.

>>> engine = Engine(Catalog.load(), ManualClock(), IdSource(7), media)   # doctest: +SKIP
>>> job = await engine.submit(JobRequest("runcomfy", "openai/sora-2/text-to-video",
...                                      "tenant", "a cat", 1280, 720, 4))
>>> clock.advance(60); job = await engine.get(job.id)
>>> job.state
<State.SUCCEEDED: 'succeeded'>
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from decimal import Decimal
from typing import Any

from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.core.clips import clip_spec, recipe_for
from mock_server.core.clock import Clock
from mock_server.core.errors import (
    DomainError,
    DuplicateJob,
    InvalidParameter,
    JobForbidden,
    JobNotFound,
    ModelRetired,
    RateLimited,
)
from mock_server.core.ids import IdSource
from mock_server.core.jobs import Failure, Job, JobRequest, Output, Progression, State
from mock_server.core.ledger import Ledger
from mock_server.core.lifecycle import due
from mock_server.core.mover import EngineSettings, Listener, Mover
from mock_server.core.schedule import MemorySchedule
from mock_server.core.scheduler import Scheduler
from mock_server.core.state import JobStore, LedgerStore, Schedule
from mock_server.core.store import Store
from mock_server.media.library import MediaLibrary
from mock_server.media.synth import ClipSpec

__all__ = ["Engine", "EngineSettings", "Listener"]


class Engine(Mover):
    """Owns jobs, their states, their media and their cost."""

    def __init__(
        self,
        catalog: Catalog,
        clock: Clock,
        ids: IdSource,
        media: MediaLibrary,
        *,
        store: JobStore | None = None,
        ledger: LedgerStore | None = None,
        schedule: Schedule | None = None,
        settings: EngineSettings | None = None,
    ) -> None:
        super().__init__(
            clock,
            media,
            store if store is not None else Store(),
            ledger if ledger is not None else Ledger(),
            settings or EngineSettings(),
        )
        self.catalog = catalog
        self.ids = ids
        self.scheduler = Scheduler(
            schedule if schedule is not None else MemorySchedule(),
            clock,
            self._fire,
            self.store.unfinished,
        )
        self.schedule = self.scheduler.schedule
        self._costs: dict[tuple[str, str, str, int, int, bool], Decimal] = {}
        # in memory, a clip's recipe is derived from its job when needed, not kept per job
        self._derive = type(self.store) is Store and media.recipes is None
        if self._derive:
            media.recipes = self._recipe

    def _recipe(self, key: str) -> ClipSpec | None:
        job = self.store.media_owner(key) if type(self.store) is Store else None
        if job is None:
            return None
        try:
            return recipe_for(job, self.catalog.get(job.provider, job.model_id), key)
        except DomainError:
            return None

    # -- configuration --------------------------------------------------------
    def progression_for(self, model_id: str) -> Progression:
        return self.settings.per_model.get(model_id, self.settings.progression)

    def set_progression(self, progression: Progression, model_id: str | None = None) -> None:
        """Set the policy for jobs submitted from now on (all models, or one)."""
        if model_id is None:
            self.settings.progression = progression
            self.settings.per_model.clear()
        else:
            self.settings.per_model[model_id] = progression

    # -- submit ---------------------------------------------------------------
    async def submit(self, req: JobRequest) -> Job:
        """Validate ``req`` against the catalog, hold its cost and queue it."""
        offer = self.catalog.get(req.provider, req.model_id)
        now = self.clock.now()
        if self.settings.reject_retired and offer.is_retired(now):
            raise ModelRetired(req.model_id, str(offer.retires_on))
        offer.validate(req)
        await self._check_source_video(req)
        if req.job_id is not None and await self.store.get(req.job_id) is not None:
            raise DuplicateJob(req.job_id)
        await self._check_concurrency(req.tenant)
        image_key = None
        if req.image is not None:
            try:
                image_key = self.media.put_image(req.image)
            except ValueError as exc:
                raise InvalidParameter("image", str(exc), reason="type") from None
        last_key = None
        if req.last_image is not None:
            try:
                last_key = self.media.put_image(req.last_image)
            except ValueError as exc:
                raise InvalidParameter("last_image", str(exc), reason="type") from None
        while True:
            job = await self._new_job(req, offer, now, image_key, last_key)
            await self.ledger.hold(job)
            if await self.store.insert(job):
                break
            await self.ledger.release(job)  # the id was taken meanwhile
            if req.job_id is not None:
                raise DuplicateJob(req.job_id)
        await self.scheduler.plan(job)
        return job

    async def _new_job(
        self,
        req: JobRequest,
        offer: ModelOffer,
        now: float,
        image_key: str | None,
        last_key: str | None = None,
    ) -> Job:
        job_id = req.job_id or await self._fresh_id()
        seed = req.seed if req.seed is not None else self.ids.seed_value()
        audio = offer.audio_for(req.audio)
        job = Job(
            id=job_id,
            **req.ask(),  # who asks which model for what clip, as the request says
            seed=seed,
            number_results=req.number_results,
            output_format=req.output_format,
            created_at=now,
            # shared, not copied: a Progression is never changed in place
            progression=self.progression_for(req.model_id),
            cost=self._cost(offer, req, audio),
            image_key=image_key,
            last_image_key=last_key,
            audio=audio,
            fps=req.fps or offer.fps,
            video_ref=req.video_ref,
            fault=req.fault,
            ttl=req.ttl,
            meta=dict(req.meta),
        )
        if req.image_ref is not None:
            job.meta.setdefault("image_ref", req.image_ref)
        if req.last_image_ref is not None:
            job.meta.setdefault("last_image_ref", req.last_image_ref)
        shared = self.settings.shared_clips
        job.outputs = [
            Output(
                uuid=self.ids.uuid4(),
                # "video_" + 48 hex, the first 8 the Unix time (the documented ids' shape)
                video_id=f"video_{int(now) & 0xFFFFFFFF:08x}{self.ids.token(20)}",
                media_key=self.media.register(
                    clip_spec(job, offer, i, shared=shared), keep=not self._derive
                ),
                seed=job.seed + i,
            )
            for i in range(req.number_results)
        ]
        return job

    async def _fresh_id(self) -> str:
        """The next seeded id not already taken (a client may have chosen it first)."""
        while True:
            candidate = self.ids.uuid4()
            if await self.store.get(candidate) is None:
                return candidate

    def _cost(self, offer: ModelOffer, req: JobRequest, audio: bool) -> Decimal:
        """The price, one shared Decimal per model, size, duration, count and audio."""
        slot = (offer.provider, offer.model_id, req.size, req.seconds, req.number_results, audio)
        cost = self._costs.get(slot)
        if cost is None:
            cost = offer.cost(req.size, req.seconds, req.number_results, audio=audio)
            self._costs[slot] = cost
        return cost

    async def _check_source_video(self, req: JobRequest) -> None:
        if req.video_ref is None:
            return
        source = await self.store.job_for_video(req.video_ref)
        if source is None or source.tenant != req.tenant or source.state is not State.SUCCEEDED:
            raise InvalidParameter("video", f"no finished video {req.video_ref}", reason="unknown")

    async def _check_concurrency(self, tenant: str) -> None:
        """Refuse a job past the tenant's limit of jobs in progress; jobs the clock has
        already finished do not count. Reading them changes nothing."""
        limit = self.settings.max_active_per_tenant
        if limit is None:
            return
        now = self.clock.now()
        active = sum(not due(job, now).settled for job in await self.store.active(tenant))
        if active >= limit:
            raise RateLimited(f"at most {limit} jobs may be in progress at once")

    # -- reading --------------------------------------------------------------
    async def get(
        self,
        job_id: str,
        tenant: str | None = None,
        *,
        poll: bool = False,
        provider: str | None = None,
    ) -> Job:
        """The job, brought up to date. ``poll`` counts the read for poll progression.

        ``provider`` scopes the lookup: another provider's job is not found.
        """
        if poll:  # counted in the same step as the read, and only for its owner
            job = await self.store.poll(job_id, tenant, provider)
        else:
            job = await self.store.get(job_id)
        if job is None or (provider is not None and job.provider != provider):
            raise JobNotFound(job_id)
        if tenant is not None and job.tenant != tenant:
            raise JobForbidden(job_id)
        await self.refresh(job)
        return job

    async def find(self, job_id: str) -> Job | None:
        """The stored job as it is, not brought up to date (None when unknown)."""
        return await self.store.get(job_id)

    async def jobs(self) -> list[Job]:
        return await self.store.jobs()

    async def source_video(self, video_id: str, tenant: str) -> Job | None:
        """The tenant's job that produced ``video_id`` (a video-to-video request's source)."""
        job = await self.store.job_for_video(video_id)
        return job if job is not None and job.tenant == tenant else None

    async def queue_position(self, job: Job) -> int:
        """How many jobs of the same model are ahead of ``job`` (0 = next): its rank in
        the model's queue, less the jobs ahead that the clock has started but no event
        has moved yet. Reading it changes nothing."""
        if job.state is not State.QUEUED:
            return 0
        now = self.clock.now()
        rank = await self.store.queue_rank(job)
        if rank == 0:  # nothing ahead: no need to ask the schedule
            return 0
        started = 0
        for other_id in set(await self.scheduler.due_now()) - {job.id}:
            other = await self.store.get(other_id)
            if (
                other is not None
                and other.state is State.QUEUED
                and (other.provider, other.model_id) == (job.provider, job.model_id)
                and due(other, now).moves
                and await self.store.queue_rank(other) < rank
            ):
                started += 1
        return max(0, rank - started)

    def progress(self, job: Job) -> int:
        """0-100; 100 only once succeeded."""
        if job.state is State.SUCCEEDED:
            return 100
        if job.state is not State.RUNNING or job.started_at is None:
            return 0
        pct = int(job.progression.strategy.percent(job, self.clock.now()))
        return max(0, min(99, pct))

    async def serves(self, media_key: str) -> bool:
        """Whether an output may be downloaded now: not once its job's ``ttl`` ran out."""
        job = await self.store.job_for_media(media_key)
        expires = job.expires_at if job is not None else None
        return expires is None or self.clock.now() < expires

    # -- control --------------------------------------------------------------
    async def cancel(
        self, job_id: str, tenant: str | None = None, *, provider: str | None = None
    ) -> tuple[Job, bool]:
        """Cancel a queued job. Returns (job, True) if cancelled, (job, False) if too late."""
        job = await self.get(job_id, tenant, provider=provider)
        job.cancel_requested = True
        await self.store.update(job.id, cancel_requested=True)
        if job.state is State.QUEUED and await self._move(job, State.CANCELLED, self.clock.now()):
            return job, True
        return job, False

    async def start(self, job_id: str) -> Job:
        job = await self.get(job_id)
        if job.state is State.QUEUED:
            await self._move(job, State.RUNNING, self.clock.now())
        return job

    async def complete(self, job_id: str) -> Job:
        """Force a job to succeed now (it starts first if still queued)."""
        job = await self.start(job_id)
        if job.state is State.RUNNING:
            job.progression = replace(job.progression, kind="manual")
            await self.store.update(job.id, progression=job.progression)
            await self._finish(job, self.clock.now())
        return job

    async def fail(self, job_id: str, failure: Failure) -> Job:
        """Force a job to fail now with ``failure``."""
        job = await self.get(job_id)
        if not job.terminal:
            await self._move(job, State.FAILED, self.clock.now(), failure)
        return job

    async def set_progress(self, job_id: str, percent: int) -> Job:
        """Set a manual job's progress (0-100) and apply what it makes due."""
        await self.store.update(job_id, manual_progress=percent)
        return await self.get(job_id)

    async def wait(self, job_id: str, timeout: float) -> Job:
        """Wait (real seconds) until the job is terminal or ``timeout`` passes."""
        job = await self.get(job_id)

        async def until_done() -> None:
            while not job.terminal:
                event = self._done.setdefault(job.id, asyncio.Event())
                next_due = job.progression.strategy.next_due(job)
                waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(event.wait())]
                if next_due is not None:
                    waits.append(asyncio.ensure_future(self.clock.wait_until(next_due)))
                try:
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    for w in waits:
                        w.cancel()
                await self.refresh(job)

        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(until_done(), timeout)
        return job

    # -- scheduling -----------------------------------------------------------
    async def _fire(self, job_id: str, now: float) -> tuple[bool, float | None]:
        job = await self.store.get(job_id)
        if job is None or job.terminal:
            return False, None
        before = job.state
        await self.refresh(job)
        next_due = None if job.terminal else job.progression.strategy.next_due(job)
        return job.state is not before, next_due

    async def tick(self) -> int:
        """Process every scheduled transition that is due; returns how many jobs moved."""
        return await self.scheduler.tick()

    async def run_scheduler(self) -> None:
        """Run forever, firing transitions as the clock reaches them (server lifespan)."""
        await self.scheduler.run()

    async def resume(self) -> None:
        """Re-plan the unfinished jobs of a store loaded from a file (once)."""
        await self.scheduler.resume()

    async def reset(self) -> None:
        """Forget every job, charge and scheduled event."""
        await self.store.clear()
        await self.ledger.clear()
        await self.scheduler.clear()
