"""The provider-neutral job engine: accepts jobs, moves them on the clock, renders
their media and bills them.

State is derived on read from the job's timestamps and the clock, so a manual clock
advanced by a test gives exact, repeatable states; events that must fire without a
read (webhooks) come from a scheduler on the same clock (:meth:`Engine.tick`, and
:meth:`Engine.run_scheduler` in a server).

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
import inspect
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.core.clock import Clock
from mock_server.core.errors import (
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
from mock_server.core.schedule import MemorySchedule
from mock_server.core.state import JobStore, LedgerStore, Schedule
from mock_server.core.store import Store
from mock_server.media.library import MediaLibrary, RenderError
from mock_server.media.synth import FORMATS, ClipSpec

__all__ = ["Engine", "EngineSettings", "Listener"]

log = logging.getLogger("sora_mock.engine")

Listener = Callable[[Job, State], Awaitable[None] | None]
MAX_RESULTS = 4


@dataclass(slots=True)
class EngineSettings:
    """Engine behaviour that is configuration rather than model fact."""

    progression: Progression = field(default_factory=Progression)
    per_model: dict[str, Progression] = field(default_factory=dict)
    reject_retired: bool = False
    max_active_per_tenant: int | None = None
    render_wait_seconds: float = 120.0


class Engine:
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
        self.catalog = catalog
        self.clock = clock
        self.ids = ids
        self.media = media
        self.store: JobStore = store if store is not None else Store()
        self.ledger: LedgerStore = ledger if ledger is not None else Ledger()
        self.schedule: Schedule = schedule if schedule is not None else MemorySchedule()
        self.settings = settings or EngineSettings()
        self._listeners: list[Listener] = []
        self._resumed = self.schedule.persistent
        self._wakeup = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()
        self._done: dict[str, asyncio.Event] = {}
        self._costs: dict[tuple[str, str, str, int, int, bool], Decimal] = {}

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

    def subscribe(self, listener: Listener) -> None:
        """Call ``listener(job, previous_state)`` after every state change."""
        self._listeners.append(listener)

    # -- submit ---------------------------------------------------------------
    async def submit(self, req: JobRequest) -> Job:
        """Validate ``req`` against the catalog, hold its cost and queue it."""
        offer = self.catalog.get(req.provider, req.model_id)
        now = self.clock.now()
        if self.settings.reject_retired and offer.is_retired(now):
            raise ModelRetired(req.model_id, str(offer.retires_on))
        await self._validate(offer, req)
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
        await self._plan(job)
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
            provider=req.provider,
            model_id=req.model_id,
            tenant=req.tenant,
            prompt=req.prompt,
            width=req.width,
            height=req.height,
            seconds=req.seconds,
            seed=seed,
            number_results=req.number_results,
            output_format=req.output_format,
            created_at=now,
            # shared, not copied: a Progression is never changed in place (a new policy
            # or a forced completion replaces the object), and 100,000 copies add up
            progression=self.progression_for(req.model_id),
            cost=self._cost(offer, req, audio),
            image_key=image_key,
            last_image_key=last_key,
            audio=audio,
            fps=req.fps or offer.fps,
            video_ref=req.video_ref,
            fault=req.fault,
            meta=dict(req.meta),
        )
        if req.image_ref is not None:
            job.meta.setdefault("image_ref", req.image_ref)
        if req.last_image_ref is not None:
            job.meta.setdefault("last_image_ref", req.last_image_ref)
        job.outputs = [self._output(job, offer, i) for i in range(req.number_results)]
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

    async def _validate(self, offer: ModelOffer, req: JobRequest) -> None:
        try:
            req.prompt.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidParameter(
                "prompt", "prompt must be valid Unicode text (no lone surrogates)", reason="type"
            ) from None
        if not req.prompt.strip():
            raise InvalidParameter("prompt", "prompt must not be empty", reason="missing")
        if len(req.prompt) > offer.prompt_max_chars:
            raise InvalidParameter(
                "prompt",
                f"prompt must be at most {offer.prompt_max_chars} characters",
                reason="too_long",
                allowed=[1, offer.prompt_max_chars],
            )
        if req.size not in offer.sizes:
            raise InvalidParameter(
                "size",
                f"size {req.size} is not supported by {offer.model_id}",
                allowed=offer.size_list,
            )
        if req.seconds not in offer.durations:
            raise InvalidParameter(
                "duration",
                f"duration {req.seconds} is not supported by {offer.model_id}",
                allowed=list(offer.durations),
            )
        has_image = req.image is not None or req.image_ref is not None
        if offer.image_input == "required" and not has_image:
            raise InvalidParameter("image", "an input image is required", reason="missing")
        if offer.image_input == "none" and has_image:
            raise InvalidParameter("image", "this model takes no input image", reason="unknown")
        if not 1 <= req.number_results <= MAX_RESULTS:
            raise InvalidParameter(
                "number_results",
                f"number of results must be 1 to {MAX_RESULTS}",
                reason="range",
                allowed=[1, MAX_RESULTS],
            )
        if req.output_format not in FORMATS:
            raise InvalidParameter(
                "output_format",
                f"unsupported output format {req.output_format!r}",
                allowed=sorted(FORMATS),
            )
        if req.video_ref is not None:
            if not offer.video_input:
                raise InvalidParameter("video", "this model takes no input video", reason="unknown")
            source = await self.store.job_for_video(req.video_ref)
            if source is None or source.tenant != req.tenant or source.state is not State.SUCCEEDED:
                raise InvalidParameter(
                    "video", f"no finished video {req.video_ref}", reason="unknown"
                )

    async def _check_concurrency(self, tenant: str) -> None:
        limit = self.settings.max_active_per_tenant
        if limit is None:
            return
        now = self.clock.now()
        active = 0
        for job in await self.store.active(tenant):
            if not job.terminal:
                finishing = await self._derive(job, now)  # due by the clock: not in progress
                active += not job.terminal and not finishing
        if active >= limit:
            raise RateLimited(f"at most {limit} jobs may be in progress at once")

    def _output(self, job: Job, offer: ModelOffer, index: int) -> Output:
        seed = job.seed + index
        label = [
            f"job   {job.id}",
            sys.intern(f"model {offer.title} ({offer.model_id})"),  # shared by many jobs
            f"seed  {seed}",
            sys.intern(
                f"size  {job.size}  {job.seconds} s"
                + (f"  clip {index + 1}/{job.number_results}" if job.number_results > 1 else "")
            ),
        ]
        if job.video_ref:
            label.append(f"from  {job.video_ref}")
        image_ref = job.meta.get("image_ref")
        if job.image_key is None and image_ref:
            label.append(f"image {str(image_ref)[:60]} (not fetched)")
        spec = ClipSpec(
            job.width, job.height, job.seconds, job.output_format, tuple(label), seed, job.image_key
        )
        return Output(
            uuid=self.ids.uuid4(),
            video_id="video_" + self.ids.token(24),
            media_key=self.media.register(spec),
            seed=seed,
        )

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
        job = await self.store.get(job_id)
        if job is None or (provider is not None and job.provider != provider):
            raise JobNotFound(job_id)
        if tenant is not None and job.tenant != tenant:
            raise JobForbidden(job_id)
        if poll and not job.terminal:
            job.polls = await self.store.count_poll(job.id)
        await self.refresh(job)
        return job

    async def refresh(self, job: Job) -> None:
        """Apply every transition the clock (or poll count) says is due."""
        if await self._derive(job, self.clock.now()):
            await self._finish(job)

    async def queue_position(self, job: Job) -> int:
        """How many jobs of the same model are ahead of ``job`` (0 = next): its rank in
        the model's queue, less the jobs ahead that the clock has started but no event
        has moved yet. Reading it changes nothing."""
        if job.state is not State.QUEUED:
            return 0
        await self.resume()
        now = self.clock.now()
        rank = await self.store.queue_rank(job)
        started = 0
        for other_id in set(await self.schedule.due(now)) - {job.id}:
            other = await self.store.get(other_id)
            if (
                other is not None
                and other.state is State.QUEUED
                and (other.provider, other.model_id) == (job.provider, job.model_id)
                and self._clock_started(other, now)
                and await self.store.queue_rank(other) < rank
            ):
                started += 1
        return max(0, rank - started)

    @staticmethod
    def _clock_started(job: Job, now: float) -> bool:
        """Started by the clock (a polls job starts on its own reads, a manual one
        when told, and a job stuck in its queue never)."""
        p = job.progression
        return (
            p.kind == "clock"
            and job.created_at + p.queue_seconds <= now
            and not (job.fault and job.fault.stuck_in_queue)
        )

    def progress(self, job: Job) -> int:
        """0-100; 100 only once succeeded."""
        if job.state is State.SUCCEEDED:
            return 100
        if job.state is not State.RUNNING or job.started_at is None:
            return 0
        p = job.progression
        if p.kind == "clock":
            span = p.run_time(job.seconds)
            done = (self.clock.now() - job.started_at) / span if span > 0 else 1.0
            pct = int(done * 100)
        elif p.kind == "polls":
            pct = int(100 * (job.polls - p.queue_polls) / p.run_polls) if p.run_polls else 99
        else:
            pct = job.manual_progress
        return max(0, min(99, pct))

    async def jobs(self) -> list[Job]:
        return await self.store.jobs()

    async def find(self, job_id: str) -> Job | None:
        """The stored job as it is, not brought up to date (None when unknown)."""
        return await self.store.get(job_id)

    async def set_progress(self, job_id: str, percent: int) -> Job:
        """Set a manual job's progress (0-100) and apply what it makes due."""
        await self.store.update(job_id, manual_progress=percent)
        return await self.get(job_id)

    async def source_video(self, video_id: str, tenant: str) -> Job | None:
        """The tenant's job that produced ``video_id`` (a video-to-video request's source)."""
        job = await self.store.job_for_video(video_id)
        return job if job is not None and job.tenant == tenant else None

    # -- derivation -----------------------------------------------------------
    async def _derive_start(self, job: Job, now: float) -> None:
        if job.state is not State.QUEUED or (job.fault and job.fault.stuck_in_queue):
            return
        p = job.progression
        if p.kind == "clock":
            start = job.created_at + p.queue_seconds
            if start <= now:
                await self._move(job, State.RUNNING, start)
        elif p.kind == "polls" and job.polls >= p.queue_polls:
            await self._move(job, State.RUNNING, now)

    async def _derive(self, job: Job, now: float) -> bool:
        """Transitions due now; True when the job is due to finish (needs its media)."""
        await self._derive_start(job, now)
        if job.state is not State.RUNNING or job.started_at is None:
            return False
        p = job.progression
        finish: float | None = None
        fail_at: float | None = None
        pct = job.fault.fail_at_progress if job.fault else None
        if p.kind == "clock":
            finish = job.started_at + p.run_time(job.seconds)
            if pct is not None:
                fail_at = job.started_at + p.run_time(job.seconds) * pct / 100
        elif p.kind == "polls":
            if job.polls >= p.queue_polls + p.run_polls:
                finish = now
            if pct is not None and self.progress(job) >= pct:
                fail_at = now
        elif pct is not None and job.manual_progress >= pct:
            fail_at = now
        if fail_at is not None and fail_at <= now and (finish is None or fail_at <= finish):
            fault = job.fault
            failure = (fault.failure if fault else None) or Failure(
                "provider", "the generation failed"
            )
            await self._move(job, State.FAILED, fail_at, failure)
            return False
        return finish is not None and finish <= now

    async def _finish(self, job: Job) -> None:
        """Wait for the job's clips, then mark it succeeded (or failed if ffmpeg failed)."""
        p = job.progression
        at = (
            job.started_at + p.run_time(job.seconds)
            if p.kind == "clock" and job.started_at is not None
            else self.clock.now()
        )
        try:
            await asyncio.wait_for(
                asyncio.gather(*(self.media.ensure(o.media_key) for o in job.outputs)),
                timeout=self.settings.render_wait_seconds,
            )
        except (RenderError, TimeoutError) as exc:
            if job.state is State.RUNNING:
                log.warning("render failed for job %s: %s", job.id, exc)
                failure = Failure("render", f"video synthesis failed: {exc}")
                await self._move(job, State.FAILED, at, failure)
            return
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
        if new is State.RUNNING:
            self._prerender(job)
        elif new is State.SUCCEEDED:
            await self.ledger.capture(job, at)
        else:
            await self.ledger.release(job)
        await self._after_move(job, old)
        return True

    async def _reload(self, job: Job) -> None:
        """Refresh a snapshot that lost a race (or a job forgotten by a reset)."""
        stored = await self.store.get(job.id)
        if stored is not None and stored is not job:
            for name in ("state", "started_at", "finished_at", "failure", "polls"):
                setattr(job, name, getattr(stored, name))

    async def _after_move(self, job: Job, old: State) -> None:
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

    def _prerender(self, job: Job) -> None:
        """Start encoding as soon as the job runs, so finishing rarely waits."""
        for out in job.outputs:
            self._spawn(self._render_quietly(out.media_key))

    async def _render_quietly(self, key: str) -> None:
        try:
            await self.media.ensure(key)
        except Exception as exc:  # the failure is reported when the job finishes
            log.debug("prerender of %s failed: %s", key, exc)

    def _spawn(self, aw: Awaitable[None]) -> None:
        async def runner() -> None:
            try:
                await aw
            except Exception:
                log.exception("background task failed")

        task = asyncio.ensure_future(runner())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

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
            await self._finish(job)
        return job

    async def fail(self, job_id: str, failure: Failure) -> Job:
        """Force a job to fail now with ``failure``."""
        job = await self.get(job_id)
        if not job.terminal:
            await self._move(job, State.FAILED, self.clock.now(), failure)
        return job

    async def wait(self, job_id: str, timeout: float) -> Job:
        """Wait (real seconds) until the job is terminal or ``timeout`` passes."""
        job = await self.get(job_id)

        async def until_done() -> None:
            while not job.terminal:
                event = self._done.setdefault(job.id, asyncio.Event())
                due = self._next_due(job)
                waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(event.wait())]
                if due is not None:
                    waits.append(asyncio.ensure_future(self.clock.wait_until(due)))
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
    def _next_due(self, job: Job) -> float | None:
        p = job.progression
        if p.kind != "clock" or job.terminal:
            return None
        if job.state is State.QUEUED:
            return job.created_at + p.queue_seconds
        assert job.started_at is not None
        return job.started_at + p.run_time(job.seconds)

    async def _plan(self, job: Job) -> None:
        """Schedule the job's next transition on the clock: its start, or once it runs,
        its end. One entry per job at a time keeps the schedule small (100,000 jobs)."""
        due = self._next_due(job)
        if due is None:
            return
        await self.schedule.add(due, job.id)
        self._wakeup.set()

    async def tick(self) -> int:
        """Process every scheduled transition that is due; returns how many jobs moved."""
        await self.resume()
        now = self.clock.now()
        moved = 0
        while due_ids := await self.schedule.pop_due(now):
            for job_id in due_ids:
                job = await self.store.get(job_id)
                if job is not None and not job.terminal:
                    before = job.state
                    await self.refresh(job)
                    moved += job.state is not before
                    due = self._next_due(job)
                    if due is not None and due > now:  # not one stuck in its queue
                        await self._plan(job)
        return moved

    async def run_scheduler(self) -> None:
        """Run forever, firing transitions as the clock reaches them (server lifespan)."""
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

    async def drain(self) -> None:
        """Wait for background work (prerenders, listener tasks) to finish."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self, grace: float = 5.0) -> None:
        """Stop background work (server shutdown): encodes in flight get ``grace`` real
        seconds to finish, then whatever is left (a long queue of prerenders) is
        cancelled; a cancelled render kills its ffmpeg and is re-rendered on demand.
        """
        tasks = list(self._tasks)
        if not tasks:
            return
        _, pending = await asyncio.wait(tasks, timeout=grace)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending, timeout=5)

    async def resume(self) -> None:
        """Re-plan the scheduled transitions of every unfinished job once per process
        when the schedule is not kept by the state (a store loaded from SQLite), so due
        states and webhooks fire as if nothing had happened."""
        if self._resumed:
            return
        self._resumed = True
        for job in await self.store.unfinished():
            await self._plan(job)

    async def reset(self) -> None:
        """Forget every job, charge and scheduled event."""
        await self.store.clear()
        await self.ledger.clear()
        await self.schedule.clear()
