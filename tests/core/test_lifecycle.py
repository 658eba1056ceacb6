"""Progression strategies, reads that change nothing, and job expiry kept by SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.core.catalog import Catalog
from mock_server.core.clock import ManualClock
from mock_server.core.engine import Engine, EngineSettings
from mock_server.core.ids import IdSource
from mock_server.core.jobs import JobFault, JobRequest, Progression, State
from mock_server.core.lifecycle import due
from mock_server.core.persist import SqliteState
from mock_server.core.progression import STRATEGIES, ClockStrategy, ManualStrategy
from mock_server.media.library import MediaLibrary
from mock_server.media.synth import Synthesizer
from tests.core.test_engine import make_engine, req

pytestmark = pytest.mark.anyio
MODEL = "openai/sora-2/text-to-video"


async def test_each_kind_of_progression_is_its_own_strategy() -> None:
    assert set(STRATEGIES) == {"clock", "immediate", "polls", "manual"}
    assert isinstance(Progression().strategy, ClockStrategy)
    assert isinstance(Progression(kind="manual").strategy, ManualStrategy)
    with pytest.raises(ValueError):
        Progression(kind="someday")


async def test_strategies_answer_start_finish_and_progress(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    t0 = clock.now()
    job = await engine.submit(req(seconds=4))  # queue 3 s, run 8 + 0.5 x 4 = 10 s
    clock_way = job.progression.strategy
    assert clock_way.start_at(job, t0) == t0 + 3
    assert clock_way.next_due(job) == t0 + 3
    clock.advance(3 + 5)
    job = await engine.get(job.id)
    assert (job.state, job.started_at) == (State.RUNNING, t0 + 3)
    assert clock_way.finish_at(job, clock.now()) == t0 + 13
    assert engine.progress(job) == 50

    engine.set_progression(Progression(kind="polls", queue_polls=1, run_polls=4))
    polled = await engine.submit(req())
    assert polled.progression.strategy.start_at(polled, clock.now()) is None  # no reads yet
    polled = await engine.get(polled.id, poll=True)
    polled = await engine.get(polled.id, poll=True)
    assert (polled.state, engine.progress(polled)) == (State.RUNNING, 25)

    engine.set_progression(Progression(kind="manual"))
    manual = await engine.submit(req())
    clock.advance(10_000)
    assert (await engine.get(manual.id)).state is State.QUEUED
    await engine.start(manual.id)
    assert engine.progress(await engine.set_progress(manual.id, 40)) == 40

    engine.set_progression(Progression.immediate())
    now = await engine.submit(req())
    assert (await engine.get(now.id)).state is State.SUCCEEDED
    assert now.finished_at == now.created_at


async def test_queue_position_moves_no_job(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    first = await engine.submit(req())
    engine.set_progression(Progression(kind="manual"))
    second = await engine.submit(req())
    third = await engine.submit(req())
    clock.advance(5)  # the first is due to start; nothing has read it or fired yet
    assert await engine.queue_position(third) == 1  # only the manual job is ahead
    assert first.state is State.QUEUED and first.started_at is None  # still as stored
    assert await engine.queue_position(second) == 0
    assert await engine.tick() == 1
    assert first.state is State.RUNNING and await engine.queue_position(third) == 1


async def test_the_concurrency_check_moves_no_job(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path, max_active_per_tenant=1)
    job = await engine.submit(req())
    clock.advance(60)  # due to finish, so it no longer counts
    await engine.submit(req())
    assert job.state is State.QUEUED and job.started_at is None  # not derived by the check


async def test_due_moves_are_computed_without_changing_the_job(tmp_path: Path) -> None:
    engine, clock = make_engine(tmp_path)
    job = await engine.submit(req(fault=JobFault(fail_at_progress=50)))
    clock.advance(3 + 6)
    plan = due(job, clock.now())
    assert [(m.state, m.at - job.created_at) for m in plan.moves] == [
        (State.RUNNING, 3),
        (State.FAILED, 8),
    ]
    assert plan.settled and job.state is State.QUEUED


def sqlite_engine(path: Path, clock: ManualClock) -> tuple[Engine, SqliteState]:
    state = SqliteState(path / "state.db")
    media = MediaLibrary(path / "media", Synthesizer(path / "media"))
    engine = Engine(
        Catalog.load(),
        clock,
        IdSource(3),
        media,
        store=state.store,
        ledger=state.ledger(None),
        settings=EngineSettings(progression=Progression(kind="manual")),
    )
    return engine, state


async def test_expiry_is_kept_with_the_job_across_a_restart(tmp_path: Path) -> None:
    clock = ManualClock()
    engine, state = sqlite_engine(tmp_path, clock)
    job = await engine.submit(JobRequest("runcomfy", MODEL, "t", "a cat", 1280, 720, 4, ttl=60))
    key = job.outputs[0].media_key
    await engine.complete(job.id)
    assert job.expires_at == clock.now() + 60 and await engine.serves(key)
    state.close()

    restarted, again = sqlite_engine(tmp_path, clock)
    again.store.load()
    assert await restarted.serves(key)
    clock.advance(59)
    assert await restarted.serves(key)
    clock.advance(1)
    assert not await restarted.serves(key)
    again.close()
