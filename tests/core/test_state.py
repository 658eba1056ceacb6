"""The storage seam's rules (:mod:`mock_server.core.state`), checked on every backend.

A new backend joins by adding a factory to ``BACKENDS`` (or by parametrizing the
``backend`` fixture from its own test module with these tests imported).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from mock_server.core.errors import InsufficientCredits
from mock_server.core.jobs import Failure, Job, Progression, State
from mock_server.core.ledger import Ledger
from mock_server.core.persist import SqliteState
from mock_server.core.schedule import MemorySchedule
from mock_server.core.state import JobStore, LedgerStore, Schedule
from mock_server.core.store import Store

pytestmark = pytest.mark.anyio


@dataclass
class Backend:
    store: JobStore
    ledger: LedgerStore
    schedule: Schedule


def memory(tmp_path: Path) -> Backend:
    return Backend(Store(), Ledger(), MemorySchedule())


def sqlite(tmp_path: Path) -> Backend:
    state = SqliteState(tmp_path / "state.db")
    return Backend(state.store, state.ledger(None), MemorySchedule())


BACKENDS: dict[str, Callable[[Path], Backend]] = {"memory": memory, "sqlite": sqlite}


@pytest.fixture(params=sorted(BACKENDS))
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    yield BACKENDS[request.param](tmp_path)


def job(n: int, tenant: str = "t1", model: str = "m", cost: str = "0.40") -> Job:
    return Job(
        id=f"job-{n}",
        provider="p",
        model_id=model,
        tenant=tenant,
        prompt="a cat",
        width=1280,
        height=720,
        seconds=4,
        seed=n,
        number_results=1,
        output_format="mp4",
        created_at=float(n),
        progression=Progression(),
        cost=Decimal(cost),
    )


async def test_insert_refuses_a_taken_id(backend: Backend) -> None:
    assert await backend.store.insert(job(1))
    assert not await backend.store.insert(job(1))
    assert [j.id for j in await backend.store.jobs()] == ["job-1"]
    assert await backend.store.count() == 1


async def test_a_transition_is_decided_once(backend: Backend) -> None:
    store = backend.store
    await store.insert(job(1))
    # a cancel and a start race: both expect QUEUED, exactly one wins
    results = await asyncio.gather(
        store.transition("job-1", State.QUEUED, State.CANCELLED, 5.0),
        store.transition("job-1", State.QUEUED, State.RUNNING, 5.0),
    )
    assert sorted(results) == [False, True]
    stored = await store.get("job-1")
    assert stored is not None
    assert stored.state is (State.CANCELLED if results[0] else State.RUNNING)
    assert not await store.transition("job-1", State.QUEUED, State.RUNNING, 6.0)


async def test_states_only_move_forward(backend: Backend) -> None:
    store = backend.store
    await store.insert(job(1))
    assert await store.transition("job-1", State.QUEUED, State.RUNNING, 3.0)
    failure = Failure("render", "ffmpeg failed")
    assert await store.transition("job-1", State.RUNNING, State.FAILED, 9.0, failure=failure)
    stored = await store.get("job-1")
    assert stored is not None
    assert (stored.state, stored.started_at, stored.finished_at) == (State.FAILED, 3.0, 9.0)
    assert stored.failure == failure
    for stale in (State.QUEUED, State.RUNNING):  # expectations that no longer hold
        for target in State:
            assert not await store.transition("job-1", stale, target, 10.0)
    with pytest.raises(ValueError):  # a move the state machine does not have
        await store.transition("job-1", State.FAILED, State.RUNNING, 10.0)


async def test_poll_counts_add_up_only_for_the_owner_and_stop_at_the_end(
    backend: Backend,
) -> None:
    store = backend.store
    await store.insert(job(1))
    seen = await asyncio.gather(*(store.poll("job-1") for _ in range(5)))
    assert all(j is not None and j.id == "job-1" for j in seen)
    stored = await store.get("job-1")
    assert stored is not None and stored.polls == 5  # no read lost
    # another tenant's or provider's read of the id is not counted
    await store.poll("job-1", tenant="someone-else")
    await store.poll("job-1", provider="another-provider")
    mine = await store.poll("job-1", tenant=stored.tenant, provider=stored.provider)
    assert mine is not None and mine.polls == 6
    await store.transition("job-1", State.QUEUED, State.CANCELLED, 1.0)
    final = await store.poll("job-1")
    assert final is not None and final.polls == 6
    assert await store.poll("no-such-job") is None


async def test_update_changes_only_the_allowed_fields(backend: Backend) -> None:
    store = backend.store
    await store.insert(job(1))
    await store.update("job-1", manual_progress=40, cancel_requested=True)
    stored = await store.get("job-1")
    assert stored is not None
    assert (stored.manual_progress, stored.cancel_requested) == (40, True)
    with pytest.raises(ValueError):
        await store.update("job-1", state=State.SUCCEEDED)


async def test_queue_rank_counts_queued_jobs_of_the_model_ahead(backend: Backend) -> None:
    store = backend.store
    for n in range(6):
        await store.insert(job(n, model="m" if n != 2 else "other"))
    ranks = [await store.queue_rank(j) for j in await store.jobs()]
    assert ranks == [0, 1, 0, 2, 3, 4]
    await store.transition("job-0", State.QUEUED, State.RUNNING, 1.0)
    await store.transition("job-3", State.QUEUED, State.CANCELLED, 1.0)
    newest = await store.get("job-5")
    assert newest is not None
    assert await store.queue_rank(newest) == 2  # job-1 and job-4


async def test_active_and_unfinished_follow_the_states(backend: Backend) -> None:
    store = backend.store
    for n in range(3):
        await store.insert(job(n, tenant="a" if n < 2 else "b"))
    await store.transition("job-0", State.QUEUED, State.CANCELLED, 1.0)
    assert [j.id for j in await store.active("a")] == ["job-1"]
    assert sorted(j.id for j in await store.unfinished()) == ["job-1", "job-2"]
    await store.clear()
    assert await store.count() == 0 and await store.active("a") == []


async def test_holds_are_checked_and_settled_to_the_cent(backend: Backend) -> None:
    ledger = backend.ledger
    await ledger.set_balance("t1", Decimal("1.00"))
    first, second, third = job(1), job(2), job(3)
    await ledger.hold(first)
    await ledger.hold(second)
    with pytest.raises(InsufficientCredits):
        await ledger.hold(third)  # 0.40 + 0.40 held, 0.20 left
    assert await ledger.held("t1") == Decimal("0.80")
    assert await ledger.available("t1") == Decimal("0.20")
    await ledger.capture(first, 10.0)
    await ledger.release(second)
    assert await ledger.balance("t1") == Decimal("0.60")
    assert await ledger.held("t1") == 0
    assert await ledger.spent("t1") == Decimal("0.40")
    assert [c.job_id for c in await ledger.charges()] == ["job-1"]
    assert await ledger.tenants() == {"t1"}


async def test_the_schedule_hands_out_each_due_entry_once(backend: Backend) -> None:
    schedule = backend.schedule
    for due, job_id in [(5.0, "b"), (3.0, "a"), (9.0, "c")]:
        await schedule.add(due, job_id)
    assert await schedule.next_due() == 3.0
    assert sorted(await schedule.due(5.0)) == ["a", "b"]
    assert await schedule.pop_due(5.0) == ["a", "b"]
    assert await schedule.pop_due(5.0) == []
    assert await schedule.next_due() == 9.0
    await schedule.clear()
    assert await schedule.next_due() is None
