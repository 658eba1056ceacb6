from __future__ import annotations

import asyncio

import pytest

from mock_server.core.clock import ManualClock, ScaledClock, iso8601

pytestmark = pytest.mark.anyio


async def test_manual_clock_wakes_waiters_when_advanced() -> None:
    clock = ManualClock(start=100.0)
    waiter = asyncio.ensure_future(clock.wait_until(105.0))
    await asyncio.sleep(0)
    clock.advance(4)
    await asyncio.sleep(0.01)
    assert not waiter.done()
    clock.advance(1)
    await asyncio.wait_for(waiter, 1)
    assert clock.now() == 105.0


async def test_manual_clock_refuses_to_go_back() -> None:
    clock = ManualClock()
    with pytest.raises(ValueError):
        clock.advance(-1)


async def test_scaled_clock_runs_faster_and_can_pause() -> None:
    clock = ScaledClock(initial_speed=1000.0, start=0.0)
    await asyncio.wait_for(clock.wait_until(50.0), 1)  # 50 emulated s in ~50 ms
    assert clock.now() >= 50.0
    clock.set_speed(0)
    frozen = clock.now()
    await asyncio.sleep(0.02)
    assert clock.now() == frozen
    clock.advance(10)
    assert clock.now() == frozen + 10


def test_iso8601_is_utc_with_milliseconds() -> None:
    assert iso8601(1_767_225_600.5) == "2026-01-01T00:00:00.500Z"
