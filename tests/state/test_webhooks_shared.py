"""Webhook deliveries on Redis: every worker lists every delivery, and a delivery whose
worker stopped, or was killed with SIGKILL, is finished by another worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mock_server.core.clock import ManualClock
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.redisstate.conn import Conn
from mock_server.redisstate.webhooks import RedisDeliveries
from tests.providers.runware.helpers import Receiver

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[2]
LONG = 60.0  # heartbeat lifetime where a worker's end is explicit (stop, or its key deleted)
KILLED = 2.0  # where it is killed: the heartbeat has to lapse


def worker(redis_url: str, number: int, clock: ManualClock, ttl: float = LONG) -> WebhookDispatcher:
    store = RedisDeliveries(Conn(redis_url), number, ttl=ttl)
    return WebhookDispatcher(clock, backoff=2.0, max_attempts=5, store=store)


async def adopted(hooks: WebhookDispatcher, delivery_id: str) -> None:
    await hooks.wait_for(lambda: any(d.id == delivery_id for d in hooks.deliveries()), 10)


async def test_every_worker_lists_every_delivery_and_a_stopped_workers_are_finished(
    redis_url: str,
) -> None:
    clock = ManualClock()
    first, second = worker(redis_url, 1, clock), worker(redis_url, 2, clock)
    second.start()
    async with Receiver([500, 200]) as target:
        sent = first.submit(target.url, {"n": 1}, source="test", ref="job-1")
        await first.wait_for(lambda: sent.state == "retrying")
        (listed,) = await second.listing()  # the other worker sees it too
        assert (listed["id"], listed["state"], listed["url"]) == (sent.id, "retrying", target.url)
        await first.aclose()  # this worker stops with the retry still to come
        await adopted(second, sent.id)
        clock.advance(2)  # the retry is due on the shared clock
        await second.wait_for(lambda: all(d.done for d in second.deliveries()))
        assert await target.received(2) == [{"n": 1}] * 2
    (final,) = await second.listing()
    assert final["state"] == "delivered"
    assert [a["status"] for a in final["attempts"]] == [500, 200]
    assert [a["at"] - clock.start for a in final["attempts"]] == [0, 2]
    await second.reset()
    assert await second.listing() == []
    await second.aclose()


SENDER = """
import asyncio, sys
from mock_server.core.clock import ManualClock
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.redisstate.conn import Conn
from mock_server.redisstate.webhooks import RedisDeliveries

async def main(redis_url, url):
    store = RedisDeliveries(Conn(redis_url), 7, ttl=float(sys.argv[3]))
    hooks = WebhookDispatcher(ManualClock(), backoff=2.0, store=store)
    hooks.start()
    sent = hooks.submit(url, {"n": 2}, source="test", ref="job-2")
    await hooks.wait_for(lambda: sent.state == "retrying", 10)
    print(sent.id, flush=True)
    await asyncio.sleep(3600)  # until killed

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_a_killed_workers_delivery_is_finished_by_another(
    redis_url: str, tmp_path: Path
) -> None:
    clock = ManualClock()
    survivor = worker(redis_url, 1, clock, ttl=KILLED)
    survivor.start()
    async with Receiver([500, 200]) as target:
        script = tmp_path / "sender.py"
        script.write_text(SENDER)
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(script),
            redis_url,
            target.url,
            str(KILLED),
            stdout=subprocess.PIPE,
            env=env,
        )
        try:
            assert proc.stdout is not None
            line = await asyncio.wait_for(proc.stdout.readline(), 30)
            delivery_id = line.decode().strip()
            assert delivery_id.startswith("wh_w7_"), line
            assert await target.received(1) == [{"n": 2}]
            proc.send_signal(signal.SIGKILL)  # no goodbye: its heartbeat just expires
            await proc.wait()
            await adopted(survivor, delivery_id)
            clock.advance(2)
            await survivor.wait_for(lambda: all(d.done for d in survivor.deliveries()), 10)
            assert await target.received(2) == [{"n": 2}] * 2
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
    (final,) = await survivor.listing()
    assert (final["id"], final["state"]) == (delivery_id, "delivered")
    assert [a["status"] for a in final["attempts"]] == [500, 200]
    await survivor.aclose()


async def test_a_worker_whose_delivery_was_adopted_stops_sending_it(redis_url: str) -> None:
    """A worker thought gone (its heartbeat lapsed while it was only slow) finds at its
    next attempt that another worker owns the delivery, and leaves it to that one."""
    clock = ManualClock()
    slow, other = worker(redis_url, 1, clock), worker(redis_url, 2, clock)
    async with Receiver([500, 200, 200]) as target:
        sent = slow.submit(target.url, {"n": 3}, source="test", ref="job-3")
        await slow.wait_for(lambda: sent.state == "retrying")
        assert isinstance(slow.store, RedisDeliveries)
        await Conn(redis_url).client.delete(slow.store.alive + slow.store.worker)  # lapsed
        other.start()
        await adopted(other, sent.id)
        clock.advance(2)  # both wake for the retry; only the owner sends it
        await slow.wait_for(lambda: slow.busy == 0)
        await other.wait_for(lambda: all(d.done for d in other.deliveries()))
        assert len(await target.received(2)) == 2
        assert len(target.bodies) == 2 and len(sent.attempts) == 1  # no duplicate
    (final,) = await other.listing()
    assert [a["status"] for a in final["attempts"]] == [500, 200]
    await slow.aclose()
    await other.aclose()


async def test_the_log_keeps_the_newest_and_forgets_the_rest(redis_url: str) -> None:
    conn = Conn(redis_url)
    store = RedisDeliveries(conn, 1, keep=2)

    def doc(n: int, state: str = "retrying") -> dict[str, object]:
        return {"id": f"wh_{n}", "state": state, "attempts": []}

    for n in (1, 2, 3):
        assert await store.save(doc(n), new=True)
    assert [d["id"] for d in await store.listing()] == ["wh_2", "wh_3"]
    assert await store.save(doc(1), new=False)  # still being sent, but out of the log
    assert sorted(conn.sync.hkeys(store.docs)) == [b"wh_2", b"wh_3"]  # not written back
    assert sorted(conn.sync.hkeys(store.owner)) == [b"wh_2", b"wh_3"]
    assert await store.save(doc(3, "delivered"), new=False)
    assert conn.sync.hkeys(store.owner) == [b"wh_2"]  # a finished one has no owner
