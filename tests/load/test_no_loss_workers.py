"""The no-loss load (see test_no_loss.py) against ``sora-mock serve --workers 2`` on a
real Redis, with one worker killed (SIGKILL) in the middle and restarted by uvicorn's
supervisor: every acknowledged job is there once, terminal exactly once (charged at
most once), the bill exact to the cent, and nothing left running afterwards.

A request in flight on the killed worker loses its connection: the client retries
reads, polls and cancels, and resubmits a submit (with a new id). Such a submit may
have been accepted before the worker died without the client hearing of it, so the
server may hold at most that many jobs the client never saw, each of them also
accounted for exactly.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.limits.fakes import logging_ffmpeg
from tests.load.rawhttp import RawPool
from tests.load.test_no_loss import DEADLINE, JOBS, PRICE, TENANTS, Load
from tests.support import free_port

pytestmark = pytest.mark.anyio
LOST = (ConnectionError, asyncio.IncompleteReadError, OSError)


class Lost(Exception):
    """A Runware submit whose connection died: resubmit with a new task id."""


class ResilientLoad(Load):
    lost_submits = 0
    server_errors: list[tuple[str, str, int, object]]

    def __init__(self, http: RawPool, rng: random.Random) -> None:
        super().__init__(http, rng)
        self.server_errors = []
        self.deadline = time.monotonic() + 2 * DEADLINE  # two processes, one Redis, 2 cores

    async def pause(self) -> None:  # polls further apart: two processes share two cores
        await asyncio.sleep(self.rng.uniform(0.2, 0.5))

    async def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: object = None,
        *,
        submit: bool = False,
    ) -> tuple[int, dict]:
        for _ in range(50):
            try:
                status, reply = await self.http.request(method, path, key, body)
                if status >= 500:  # a server error is a defect: noted, then asked again
                    self.server_errors.append((method, path, status, reply))
                    await asyncio.sleep(0.1)
                    continue
                return status, reply
            except LOST:
                if submit:
                    self.lost_submits += 1
                    if path == "/v1":
                        raise Lost from None
                await asyncio.sleep(0.1)
        raise AssertionError(f"{method} {path}: the server stayed unreachable")

    async def runware_submit(self, n: int, key: str, seconds: int, uid: str) -> str:
        while True:
            try:
                return await super().runware_submit(n, key, seconds, uid)
            except Lost:
                uid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))


def worker_pids(parent: int) -> list[int]:
    """uvicorn's worker processes: children of the supervisor started by spawn."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == parent and b"spawn_main" in cmd:
            found.append(int(entry))
    return sorted(found)


def start_workers(redis_url: str, tmp_path: Path, fake: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    args = [
        sys.executable, "-m", "mock_server.cli", "serve", "--workers", "2", "--state", redis_url,
        "--port", str(port), "--media-dir", str(tmp_path / "media"), "--ffmpeg", str(fake),
        "--queue-seconds", "0.75", "--run-seconds", "0.25", "--run-seconds-per-video-second", "0",
        "--max-encodes", "2", "--journal-size", "100", "--log-level", "warning",
        "--no-access-log",
    ]  # fmt: skip
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115 - closed with the test dir
    proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, (tmp_path / "server.log").read_text()
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/_emulator/health", timeout=1)
            if health.is_success and len(worker_pids(proc.pid)) == 2:
                return proc, port
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    stop(proc)
    raise AssertionError("the workers did not start: " + (tmp_path / "server.log").read_text())


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


async def kill_one_midway(load: ResilientLoad, parent: int, record: dict) -> None:
    """SIGKILL one worker once 40% of the jobs are acknowledged; wait for its successor."""
    while len(load.accepted) < JOBS * 0.4 and time.monotonic() < load.deadline:
        await asyncio.sleep(0.02)
    victim = worker_pids(parent)[0]
    os.kill(victim, signal.SIGKILL)
    record["killed"] = victim
    while time.monotonic() < load.deadline:
        pids = worker_pids(parent)
        if len(pids) == 2 and victim not in pids:
            record["successor"] = next(p for p in pids if p not in record.get("before", []))
            return
        await asyncio.sleep(0.05)


async def test_two_workers_on_redis_one_killed_lose_nothing(redis_url: str, tmp_path: Path):
    fake = logging_ffmpeg(tmp_path, tmp_path / "encodes.log", seconds=0)
    proc, port = start_workers(redis_url, tmp_path, fake)
    record: dict = {"before": worker_pids(proc.pid)}
    try:
        http = RawPool(port, size=32)
        try:
            load = ResilientLoad(http, random.Random(11))
            work = [
                (load.runcomfy if n % 2 else load.runware)(n, TENANTS[n % len(TENANTS)])
                for n in range(JOBS)
            ]
            await asyncio.gather(kill_one_midway(load, proc.pid, record), *work)
            jobs = (await load.call("GET", "/_emulator/jobs?limit=5000"))[1]["jobs"]
            ledger = (await load.call("GET", "/_emulator/ledger"))[1]
        finally:
            await http.aclose()
        assert proc.poll() is None  # the supervisor survived and replaced its worker
    finally:
        stop(proc)

    assert "successor" in record, record  # a worker was killed and another took its place
    assert load.server_errors == []
    server = {j["id"]: j for j in jobs}
    # every acknowledged job is there, once, in the state its client last saw
    assert len(load.accepted) == JOBS
    assert set(load.accepted) <= set(server)
    late = [(i, server[i]["state"], k) for i, k in load.accepted.items() if "final" not in k]
    assert not late, f"{len(late)} pollers ran out of time, e.g. {late[:3]}"
    for job_id, known in load.accepted.items():
        assert server[job_id]["state"] == known["final"], (job_id, known)
    unseen = set(server) - set(load.accepted)
    assert len(unseen) <= load.lost_submits  # accepted as the worker died, never answered
    assert {j["state"] for j in jobs} <= {"succeeded", "failed", "cancelled"}
    finals = Counter(j["state"] for j in jobs)
    assert finals["succeeded"] and finals["failed"] and finals["cancelled"], finals

    # a cancel answered "cancelled" cancelled the job; "not_cancellable" left it running
    for known in (k for k in load.accepted.values() if "cancel" in k):
        assert (known["cancel"] == "cancelled") == (known["final"] == "cancelled"), known

    # the bill: one charge per succeeded job and no other, nothing held, exact
    charges = [c["job_id"] for t in ledger["tenants"] for c in t["charges"]]
    succeeded = [j for j in jobs if j["state"] == "succeeded"]
    assert sorted(charges) == sorted(j["id"] for j in succeeded)
    assert {t["held"] for t in ledger["tenants"]} <= {"0.00"}
    assert Decimal(ledger["total"]) == sum((PRICE * j["seconds"] for j in succeeded), Decimal(0))

    # nothing left running: the supervisor's whole process group is gone (its last
    # members, the workers and multiprocessing's tracker, exit as the parent reaps them)
    assert group_gone(proc.pid), group_members(proc.pid)


def group_members(pgid: int) -> list[str]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (OSError, ValueError):
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if entry.isdigit() and int(fields[2]) == pgid and fields[0] != "Z":
            found.append(stat[:80])
    return found


def group_gone(pgid: int, wait: float = 15.0) -> bool:
    deadline = time.monotonic() + wait
    while group_members(pgid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True
