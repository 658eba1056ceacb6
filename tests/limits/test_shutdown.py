"""Graceful shutdown (SIGTERM to a real ``sora-mock serve``) loses no accepted job.

* With ``--state sqlite:///...`` every job that was answered survives a SIGTERM that
  arrives in the middle of a stream of submissions, and the restarted server serves it.
* In memory, shutdown waits for the downloads rendering their clips: ffmpeg is not
  killed halfway.
"""

from __future__ import annotations

import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.limits.fakes import alive, logging_ffmpeg, most_at_once
from tests.support import AUTH, server_process

SUBMITS = 60
# uvicorn re-raises the SIGTERM it caught once its graceful shutdown is done
GRACEFUL = (0, -signal.SIGTERM)
T2V = "/v1/models/openai/sora-2/text-to-video"


def submit(url: str, n: int) -> str | None:
    """One submit, alternating providers; the job id if it was accepted, else None."""
    try:
        if n % 2:
            uid = str(uuid.UUID(int=n, version=4))
            task = {
                "taskType": "videoInference",
                "taskUUID": uid,
                "model": "openai:3@1",
                "positivePrompt": f"kite {n}",
                "width": 1280,
                "height": 720,
                "duration": 4,
            }
            response = httpx.post(f"{url}/v1", headers=AUTH, json=[task], timeout=10)
            return uid if response.status_code == 200 else None
        body = {"prompt": f"kite {n}", "seconds": 4}
        response = httpx.post(f"{url}{T2V}", headers=AUTH, json=body, timeout=10)
        return str(response.json()["request_id"]) if response.status_code == 200 else None
    except httpx.HTTPError:
        return None  # refused or cut off by the shutdown: never accepted


def test_sigterm_mid_stream_keeps_every_accepted_job(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    flags = ("--state", state, "--queue-seconds", "3600")
    accepted: list[str] = []
    with server_process(*flags) as server, ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(submit, server.url, n) for n in range(SUBMITS)]
        deadline = time.monotonic() + 30
        while sum(f.done() for f in futures) < SUBMITS // 3 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert server.terminate() in GRACEFUL  # while submissions are still arriving
        accepted = [job for f in futures if (job := f.result()) is not None]
    assert accepted, "no submission was answered before the shutdown"
    with server_process(*flags) as server:
        jobs = httpx.get(f"{server.url}/_emulator/jobs?limit=1000", timeout=10).json()
        stored = [job["id"] for job in jobs["jobs"]]
        assert sorted(stored) == sorted(set(stored))  # none twice
        assert set(accepted) <= set(stored)  # none lost
        runware = [job for job in accepted if job.startswith("00000000-")]
        runcomfy = [job for job in accepted if job not in runware]
        for job in runcomfy[:3]:
            status = httpx.get(f"{server.url}/v1/requests/{job}/status", headers=AUTH)
            assert status.json()["status"] == "in_queue"
        for job in runware[:3]:
            polled = httpx.post(
                f"{server.url}/v1",
                headers=AUTH,
                json=[{"taskType": "getResponse", "taskUUID": job}],
            )
            assert polled.json()["data"][0]["status"] == "processing"
        assert server.terminate() in GRACEFUL


def download(url: str) -> int | None:
    """A clip's download: its status, or None if the connection was refused or cut."""
    try:
        return httpx.get(url, timeout=30).status_code
    except httpx.HTTPError:
        return None


def test_shutdown_waits_for_encodes_in_flight(tmp_path: Path) -> None:
    """Clips render on download; a SIGTERM lets the downloads in progress finish their
    encodes and answer."""
    log = tmp_path / "encodes.log"
    fake = logging_ffmpeg(tmp_path, log, seconds=1.0)
    flags = ("--ffmpeg", str(fake), "--progression", "immediate")
    with server_process(*flags) as server, ThreadPoolExecutor(2) as pool:
        urls = []
        for n in range(2):
            body = {"prompt": f"kite {n}", "seconds": 4}
            job = httpx.post(f"{server.url}{T2V}", headers=AUTH, json=body).json()
            result = httpx.get(job["result_url"], headers=AUTH).json()
            assert result["status"] == "succeeded"
            urls.append(result["output"]["video"])
        assert not log.exists()  # succeeding rendered nothing
        downloads = [pool.submit(download, url) for url in urls]
        deadline = time.monotonic() + 10
        while not (log.exists() and log.read_text().count("+") >= 3):
            assert time.monotonic() < deadline, "the beep track and both clips: not started"
            time.sleep(0.01)
        assert server.terminate() in GRACEFUL
        answered = [f.result() for f in downloads]
    assert answered == [200, 200]  # both answered after their encodes, neither cut
    lines = log.read_text().splitlines()
    started = [int(line.split()[1]) for line in lines if line.startswith("+")]
    finished = [int(line.split()[1]) for line in lines if line.startswith("-")]
    assert len(started) == 3  # the beep track and both clips
    assert sorted(started) == sorted(finished)  # every encode ran to its end
    assert most_at_once(log) <= 2
    assert not any(alive(pid) for pid in started)
