"""Polling code under the plugin finishes on its own: the fixtures' manual clock steps on
with every API request, and ``sora_mock.sleep`` turns an app's poll sleeps into clock moves.

The integrator's file runs in a pytest subprocess bounded by a timeout: should polling
ever hang again, this test fails with ``TimeoutExpired`` instead of hanging the suite.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

LIMIT = 120  # seconds for the whole subprocess; the file normally needs a few

INTEGRATOR = '''
import asyncio, time
import httpx, pytest

AUTH = {"Authorization": "Bearer sk-poller"}
RUNCOMFY = "https://model-api.runcomfy.net/v1"


def make_clip(prompt, sleep=None, every=5.0):
    """An app's polling loop: no marker, no advance() in the test."""
    job = httpx.post(f"{RUNCOMFY}/models/openai/sora-2/text-to-video",
                     json={"prompt": prompt, "seconds": 12}, headers=AUTH).json()
    states = []
    while True:
        status = httpx.get(job["status_url"], headers=AUTH).json()["status"]
        states.append(status)
        if status == "completed":
            return states
        (sleep or time.sleep)(every)


def test_unmarked_intercept_polls_to_completion(sora_mock_intercept):
    states = make_clip("a kite", sleep=lambda s: None)
    assert states[-1] == "completed" and "in_progress" in states
    assert len(states) < 10  # 5 emulated seconds per request: done within a few reads


def test_plain_fixture_polls_to_completion_too(sora_mock):
    url = f"{sora_mock.runcomfy_url}/v1/models/openai/sora-2/text-to-video"
    job = httpx.post(url, json={"prompt": "x"}, headers=AUTH).json()
    for _ in range(50):
        if httpx.get(job["status_url"], headers=AUTH).json()["status"] == "completed":
            break
    else:
        pytest.fail("the job never completed")


def test_patched_sleep_moves_the_clock_instead_of_waiting(sora_mock_intercept, monkeypatch):
    monkeypatch.setattr(time, "sleep", sora_mock_intercept.sleep)
    start = sora_mock_intercept.now()
    states = make_clip("a slow poller", every=600.0)  # ten emulated minutes per poll
    assert states == ["in_progress", "completed"]  # one poll, one ten-minute sleep
    assert sora_mock_intercept.now() - start >= 600


@pytest.mark.anyio
async def test_async_code_with_patched_asyncio_sleep(sora_mock_intercept, monkeypatch):
    monkeypatch.setattr(asyncio, "sleep", sora_mock_intercept.async_sleep)
    start = sora_mock_intercept.now()
    async with httpx.AsyncClient() as http:
        job = (await http.post(f"{RUNCOMFY}/models/openai/sora-2/text-to-video",
                               json={"prompt": "x"}, headers=AUTH)).json()
        while (await http.get(job["status_url"], headers=AUTH)).json()["status"] != "completed":
            await asyncio.sleep(300)
    assert sora_mock_intercept.now() - start >= 300


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.sora_mock(clock_step=0)
def test_clock_step_zero_keeps_the_clock_still(sora_mock):
    url = f"{sora_mock.runcomfy_url}/v1/models/openai/sora-2/text-to-video"
    job = httpx.post(url, json={"prompt": "x"}, headers=AUTH).json()
    start = sora_mock.now()
    states = {httpx.get(job["status_url"], headers=AUTH).json()["status"] for _ in range(5)}
    assert states == {"in_queue"} and sora_mock.now() == start
    sora_mock.advance(30)
    assert httpx.get(job["status_url"], headers=AUTH).json()["status"] == "completed"
'''


def test_polling_code_finishes_without_a_marker(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_integrator=INTEGRATOR)
    lean = ("-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest")
    result = pytester.runpytest_subprocess(*lean, timeout=LIMIT)
    result.assert_outcomes(passed=5)
