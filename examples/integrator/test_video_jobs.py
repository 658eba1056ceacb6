"""An integrator's tests: video_jobs.py runs offline, unchanged, against sora-mock.

Needs only sora-mock installed with its pytest extra (``pip install './sora-mock[pytest]'``
from a checkout): the plugin registers itself. The ``sora_mock_intercept`` fixture routes
https://model-api.runcomfy.net and https://api.runware.ai (and their media hosts) into an
emulator for each test.
"""

from __future__ import annotations

import httpx
import pytest
import video_jobs

FAST = pytest.mark.sora_mock(progression="polls")  # done after a few status reads


@FAST
def test_runcomfy_clip(sora_mock_intercept) -> None:
    clip = video_jobs.runcomfy_video("a red kite over the dunes", "any-key", poll_every=0)
    assert clip[4:8] == b"ftyp"  # a real MP4 file
    operations = [e.get("operation") for e in sora_mock_intercept.journal()]
    assert operations.count("runcomfy.submit") == 1


@FAST
@pytest.mark.anyio
async def test_runware_clip(sora_mock_intercept) -> None:
    clip = await video_jobs.runware_video("a paper boat in the rain", "any-key", poll_every=0)
    assert clip[4:8] == b"ftyp"
    (job,) = sora_mock_intercept.jobs(provider="runware")
    assert job["state"] == "succeeded"


@pytest.mark.sora_mock(progression="polls", faults=["moderation@30"])
def test_a_refused_prompt_raises(sora_mock_intercept) -> None:
    with pytest.raises(video_jobs.VideoFailed):
        video_jobs.runcomfy_video("anything", "any-key", poll_every=0)


@FAST
def test_a_rate_limit_surfaces(sora_mock_intercept) -> None:
    sora_mock_intercept.faults.script("runcomfy.submit", "http-429")
    with pytest.raises(httpx.HTTPStatusError) as caught:
        video_jobs.runcomfy_video("anything", "any-key", poll_every=0)
    assert caught.value.response.status_code == 429


def test_other_hosts_never_leak(sora_mock_intercept) -> None:
    with pytest.raises(AssertionError, match="not mocked"):
        httpx.get("https://example.com/")
