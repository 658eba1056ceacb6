"""The Redis parts one by one, against a real server: insert-if-absent, compare-and-set
transitions, atomic poll counts, queue ranks, exact money under concurrent holds, and
due entries handed to exactly one of several schedulers."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from mock_server.core.errors import InsufficientCredits
from mock_server.core.jobs import Failure, Job, Output, Progression, State
from mock_server.redisstate.conn import Conn
from mock_server.redisstate.jobs import RedisStore
from mock_server.redisstate.ledger import RedisLedger, from_units, to_units
from mock_server.redisstate.schedule import RedisSchedule

pytestmark = pytest.mark.anyio
MODEL = "openai/sora-2/text-to-video"


def job(n: int, tenant: str = "t1", cost: str = "0.40", model: str = MODEL) -> Job:
    return Job(
        id=f"job-{n}", provider="runcomfy", model_id=model, tenant=tenant, prompt=f"p {n}",
        width=1280, height=720, seconds=4, seed=n, number_results=1, output_format="mp4",
        created_at=1_767_225_600.125 + n, progression=Progression(), cost=Decimal(cost),
        outputs=[Output(f"u{n}", f"video_{n}", f"{n:032x}.mp4", n)],
    )  # fmt: skip


async def test_jobs_round_trip_and_ids_are_taken_once(redis_url: str) -> None:
    store = RedisStore(Conn(redis_url))
    original = job(1)
    wins = await asyncio.gather(*(store.insert(job(1)) for _ in range(8)))
    assert wins.count(True) == 1
    assert await store.get("job-1") == original
    assert await store.get("job-2") is None
    assert (await store.job_for_video("video_1")) == original
    assert (await store.job_for_media(f"{1:032x}.mp4")) == original
    assert await store.count() == 1


async def test_transitions_are_compare_and_set(redis_url: str) -> None:
    store = RedisStore(Conn(redis_url))
    await store.insert(job(1))
    at = 1_767_225_612.345678
    results = await asyncio.gather(
        store.transition("job-1", State.QUEUED, State.CANCELLED, at),
        store.transition("job-1", State.QUEUED, State.RUNNING, at),
        store.transition("job-1", State.QUEUED, State.FAILED, at, failure=Failure("x", "y")),
    )
    assert results.count(True) == 1
    moved = await store.get("job-1")
    assert moved is not None and moved.terminal == (moved.state is not State.RUNNING)
    assert moved.finished_at == at or moved.started_at == at  # the float, exactly
    if moved.state is State.RUNNING:
        assert await store.transition("job-1", State.RUNNING, State.SUCCEEDED, at + 1)
    assert not await store.transition("job-1", State.QUEUED, State.RUNNING, at + 2)
    final = await store.get("job-1")
    assert final is not None and final.terminal
    with pytest.raises(ValueError):  # a move the state machine does not have
        await store.transition("job-1", final.state, State.RUNNING, at)
    assert await store.unfinished() == []
    assert await store.active("t1") == []


async def test_polls_count_atomically_and_stop_at_the_end(redis_url: str) -> None:
    store = RedisStore(Conn(redis_url))
    await store.insert(job(1))
    seen = await asyncio.gather(*(store.poll("job-1") for _ in range(25)))
    assert sorted(j.polls for j in seen if j is not None) == list(range(1, 26))
    first = seen[0]
    assert first is not None
    await store.poll("job-1", tenant="someone-else")  # not its owner: not counted
    await store.poll("job-1", provider="another-provider")
    mine = await store.poll("job-1", tenant=first.tenant, provider=first.provider)
    assert mine is not None and mine.polls == 26
    await store.transition("job-1", State.QUEUED, State.CANCELLED, 1.0)
    final = await store.poll("job-1")
    assert final is not None and final.polls == 26
    await store.update("job-1", manual_progress=40, meta={"a": [1, "b"]})
    got = await store.get("job-1")
    assert got is not None and got.manual_progress == 40 and got.meta == {"a": [1, "b"]}
    with pytest.raises(ValueError):
        await store.update("job-1", state="queued")


async def test_queue_rank_follows_insertion_and_departures(redis_url: str) -> None:
    store = RedisStore(Conn(redis_url))
    for n in range(6):
        await store.insert(job(n))
    await store.insert(job(99, model="other/model"))
    assert [await store.queue_rank(job(n)) for n in range(6)] == [0, 1, 2, 3, 4, 5]
    await store.transition("job-2", State.QUEUED, State.RUNNING, 5.0)
    assert await store.queue_rank(job(5)) == 4
    assert await store.queue_rank(job(99, model="other/model")) == 0
    assert [j.id for j in await store.jobs()] == [*(f"job-{n}" for n in range(6)), "job-99"]


async def test_concurrent_holds_never_overdraw(redis_url: str) -> None:
    conn = Conn(redis_url)
    ledgers = [RedisLedger(conn), RedisLedger(Conn(redis_url))]  # two workers
    await ledgers[0].set_balance("t1", Decimal("2.00"))

    async def hold(n: int) -> bool:
        try:
            await ledgers[n % 2].hold(job(n))
        except InsufficientCredits:
            return False
        return True

    held = await asyncio.gather(*(hold(n) for n in range(9)))
    assert held.count(True) == 5  # 5 x 0.40 = 2.00 exactly
    assert await ledgers[1].held("t1") == Decimal("2.00")
    assert await ledgers[1].available("t1") == Decimal(0)
    winners = [n for n, ok in enumerate(held) if ok]
    await ledgers[0].capture(job(winners[0]), 10.0)
    await ledgers[1].release(job(winners[1]))
    assert await ledgers[0].balance("t1") == Decimal("1.60")
    assert await ledgers[0].held("t1") == Decimal("1.20")
    assert await ledgers[1].spent("t1") == Decimal("0.40")
    assert [c.job_id for c in await ledgers[1].charges()] == [f"job-{winners[0]}"]
    assert await ledgers[0].tenants() == {"t1"}


def test_amounts_are_exact_micro_units() -> None:
    assert to_units(Decimal("0.40")) == 400_000
    assert from_units(to_units(Decimal("1234567.891234"))) == Decimal("1234567.891234")
    with pytest.raises(ValueError):
        to_units(Decimal("0.0000001"))


async def test_each_due_entry_goes_to_one_scheduler(redis_url: str) -> None:
    schedules = [RedisSchedule(Conn(redis_url)) for _ in range(3)]
    for n in range(40):
        await schedules[n % 3].add(100.0 + n, f"job-{n}")
    assert await schedules[0].next_due() == 100.0
    assert len(await schedules[1].due(119.0)) == 20
    taken = await asyncio.gather(*(s.pop_due(119.5) for s in schedules))
    flat = [i for batch in taken for i in batch]
    assert sorted(flat) == sorted(f"job-{n}" for n in range(20))
    assert await schedules[2].next_due() == 120.0
