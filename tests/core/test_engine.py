"""The engine on its own: determinism, scheduling, money, limits."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from mock_server.core.catalog import Catalog
from mock_server.core.clock import ManualClock
from mock_server.core.engine import Engine, EngineSettings
from mock_server.core.errors import (
    DuplicateJob,
    InsufficientCredits,
    InvalidParameter,
    JobForbidden,
    ModelRetired,
    RateLimited,
    UnknownModel,
)
from mock_server.core.ids import IdSource
from mock_server.core.jobs import Failure, JobFault, JobRequest, Progression, State
from mock_server.core.ledger import Ledger
from mock_server.media.library import MediaLibrary
from mock_server.media.synth import Synthesizer

pytestmark = pytest.mark.anyio
MODEL = "openai/sora-2/text-to-video"


_ENGINES: list[Engine] = []


@pytest.fixture(autouse=True)
async def drain_engines():
    """Let prerenders finish inside the test: no ffmpeg outlives its test's event loop."""
    yield
    while _ENGINES:
        await _ENGINES.pop().drain()


def make_engine(tmp_path: Path, seed: int = 1, **settings) -> tuple[Engine, ManualClock]:
    clock = ManualClock()
    media = MediaLibrary(tmp_path, Synthesizer(tmp_path))
    ledger = settings.pop("ledger", None)
    engine = Engine(
        Catalog.load(),
        clock,
        IdSource(seed),
        media,
        ledger=ledger,
        settings=EngineSettings(**settings),
    )
    _ENGINES.append(engine)
    return engine, clock


def req(prompt: str = "a cat", tenant: str = "t1", **kw) -> JobRequest:
    fields = {"width": 1280, "height": 720, "seconds": 4} | kw
    return JobRequest("runcomfy", MODEL, tenant, prompt, **fields)


async def test_same_seed_same_requests_same_ids_and_media_keys(tmp_path: Path) -> None:
    runs = []
    for n in range(2):
        engine, _ = make_engine(tmp_path / str(n), seed=42)
        jobs = [await engine.submit(req(f"p{i}")) for i in range(3)]
        runs.append([(j.id, j.seed, [o.media_key for o in j.outputs]) for j in jobs])
    assert runs[0] == runs[1]
    other, _ = make_engine(tmp_path / "x", seed=43)
    assert (await other.submit(req("p0"))).id != runs[0][0][0]


async def test_scheduler_tick_fires_transitions_without_reads(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    seen: list[tuple[str, State]] = []
    engine.subscribe(lambda job, old: seen.append((old.value, job.state)))
    job = await engine.submit(req())
    clock.advance(3)
    assert await engine.tick() == 1
    clock.advance(10)
    assert await engine.tick() == 1
    assert seen == [("queued", State.RUNNING), ("running", State.SUCCEEDED)]
    assert job.finished_at == clock.start + 13


async def test_wait_returns_when_the_clock_reaches_completion(tmp_path: Path) -> None:
    import asyncio

    engine, clock = make_engine(tmp_path)
    job = await engine.submit(req())
    waiter = asyncio.ensure_future(engine.wait(job.id, timeout=10))
    await asyncio.sleep(0.01)
    assert not waiter.done()
    clock.advance(30)
    done = await asyncio.wait_for(waiter, 10)
    assert done.state is State.SUCCEEDED


async def test_wait_gives_up_after_its_timeout(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    job = await engine.submit(req())
    assert (await engine.wait(job.id, timeout=0.05)).state is State.QUEUED


async def test_terminal_states_never_change(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    job = await engine.submit(req())
    cancelled, ok = await engine.cancel(job.id)
    assert ok and cancelled.state is State.CANCELLED
    await engine.fail(job.id, Failure("provider", "late"))
    await engine.complete(job.id)
    clock.advance(1000)
    assert (await engine.get(job.id)).state is State.CANCELLED
    with pytest.raises(ValueError):
        job.move(State.RUNNING, clock.now())


async def test_fault_fails_the_job_at_the_given_progress(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    fault = JobFault(fail_at_progress=50, failure=Failure("moderation", "blocked"))
    job = await engine.submit(req(fault=fault))
    clock.advance(3 + 4.9)  # run time is 10 s: 50 % is at 5 s
    assert (await engine.get(job.id)).state is State.RUNNING
    clock.advance(0.2)
    job = await engine.get(job.id)
    assert job.state is State.FAILED and job.failure == fault.failure
    assert job.finished_at == clock.start + 8


async def test_stuck_jobs_stay_queued(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    job = await engine.submit(req(fault=JobFault(stuck_in_queue=True)))
    clock.advance(10_000)
    assert (await engine.get(job.id)).state is State.QUEUED


async def test_balance_holds_and_charges(tmp_path: Path) -> None:
    ledger = Ledger(default_balance=Decimal("1.00"))
    engine, clock = make_engine(tmp_path, ledger=ledger)
    first = await engine.submit(req(seconds=8))  # 0.80 held
    with pytest.raises(InsufficientCredits):
        await engine.submit(req(seconds=4))  # 0.40 > 0.20 available
    await engine.cancel(first.id)
    second = await engine.submit(req(seconds=8))
    clock.advance(60)
    await engine.get(second.id)
    assert await ledger.spent("t1") == Decimal("0.80")
    assert await ledger.balance("t1") == Decimal("0.20")
    assert [c.job_id for c in await ledger.charges()] == [second.id]


async def test_concurrency_limit_per_tenant(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path, max_active_per_tenant=2)
    await engine.submit(req())
    await engine.submit(req())
    with pytest.raises(RateLimited):
        await engine.submit(req())
    await engine.submit(req(tenant="t2"))  # other tenants are not affected
    clock.advance(60)
    await engine.submit(req())  # the first two have finished


async def test_tenants_cannot_see_each_others_jobs(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    job = await engine.submit(req(tenant="a"))
    with pytest.raises(JobForbidden):
        await engine.get(job.id, "b")


async def test_domain_validation(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    with pytest.raises(UnknownModel):
        await engine.submit(JobRequest("runcomfy", "nope", "t", "p", 1280, 720, 4))
    with pytest.raises(InvalidParameter) as size:
        await engine.submit(req(width=1920, height=1080))
    assert size.value.field == "size" and size.value.allowed == ["1280x720", "720x1280"]
    with pytest.raises(InvalidParameter) as dur:
        await engine.submit(req(seconds=5))
    assert dur.value.allowed == [4, 8, 12]
    await engine.submit(req(job_id="fixed"))
    with pytest.raises(DuplicateJob):
        await engine.submit(req(job_id="fixed"))


async def test_retired_models_are_rejected_only_when_asked(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path, reject_retired=True)
    await engine.submit(req())  # the manual clock starts in 2026-01, before retirement
    clock.set(1_790_000_000)  # 2026-09-22
    await engine.submit(req())
    clock.set(1_790_300_000)  # 2026-09-25
    with pytest.raises(ModelRetired):
        await engine.submit(req())


async def test_number_results_gives_distinct_clips_and_multiplies_cost(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    job = await engine.submit(
        JobRequest("runware", "openai:3@1", "t", "p", 1280, 720, 8, number_results=3)
    )
    assert len({o.media_key for o in job.outputs}) == 3
    assert len({o.video_id for o in job.outputs}) == 3
    assert job.cost == Decimal("2.40")


async def test_progression_polls_and_set_progression_per_model(tmp_path: Path) -> None:
    engine, _ = make_engine(tmp_path)
    engine.set_progression(Progression(kind="polls", queue_polls=1, run_polls=1), MODEL)
    job = await engine.submit(req())
    states = [(await engine.get(job.id, poll=True)).state for _ in range(3)]
    assert states == [State.RUNNING, State.SUCCEEDED, State.SUCCEEDED]
    other = await engine.submit(JobRequest("runware", "openai:3@1", "t", "p", 1280, 720, 4))
    assert other.progression.kind == "clock"
