"""Load without loss: 1,000 jobs at once over a real socket, both providers, several
tenants, pollers and cancels racing the clock. Afterwards every job has exactly one
terminal state, nothing is lost or duplicated, the bill matches the jobs to the cent,
and no file descriptor or child process is left behind.

Bounded: 1,000 jobs, 32 keep-alive connections (a raw client, see rawhttp.py), a 60 s
ceiling on the whole run. Clips come from
a stand-in encoder (a shell script that writes the file), so 1,000 unique clips cost
seconds: what is under test is the engine, the dialects and the server, not ffmpeg
(tests/media covers real encodes, tests/limits the encode queue).
"""

from __future__ import annotations

import asyncio
import gc
import os
import random
import time
import uuid
from collections import Counter
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.jobs import TERMINAL, Job, State
from tests.limits.fakes import logging_ffmpeg
from tests.load.rawhttp import RawPool
from tests.support import running_server

pytestmark = pytest.mark.anyio
JOBS = int(os.environ.get("SORA_MOCK_LOAD_JOBS", "1000"))
TENANTS = [f"sk-load-tenant-{n}" for n in range(5)]
PRICE = Decimal("0.10")  # Sora 2 at 1280x720, USD per second (the catalog's)
T2V = "/v1/models/openai/sora-2/text-to-video"
DEADLINE = 60.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def children() -> list[int]:
    """Processes whose parent is this one (ffmpeg stand-ins, if any were left)."""
    me, found = os.getpid(), []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                found.append(int(entry))
    return found


class Load:
    def __init__(self, http: RawPool, rng: random.Random) -> None:
        self.http, self.rng = http, rng
        self.accepted: dict[str, dict] = {}  # job id -> what the client knows
        self.deadline = time.monotonic() + DEADLINE

    async def call(
        self,
        method: str,
        path: str,
        key: str | None = None,
        body: object = None,
        *,
        submit: bool = False,
    ) -> tuple[int, dict]:
        """One request; a subclass may retry what a lost connection interrupted."""
        return await self.http.request(method, path, key, body)

    async def pause(self) -> None:
        await asyncio.sleep(self.rng.uniform(0.05, 0.2))

    async def runcomfy(self, n: int, key: str) -> None:
        seconds = self.rng.choice([4, 8])
        prompt = f"kite {n}" + (" [sora-mock:fail@50]" if n % 10 == 3 else "")
        status, reply = await self.call(
            "POST", T2V, key, {"prompt": prompt, "seconds": seconds}, submit=True
        )
        assert status == 200, reply
        job_id = reply["request_id"]
        job = self.accepted.setdefault(
            job_id, {"tenant": key, "seconds": seconds, "provider": "runcomfy"}
        )
        if self.rng.random() < 0.3:  # a cancel racing the start of the job
            await asyncio.sleep(self.rng.uniform(0, 0.4))
            _, cancel = await self.call("POST", f"/v1/requests/{job_id}/cancel", key)
            job["cancel"] = cancel["outcome"]
        while time.monotonic() < self.deadline:
            _, body = await self.call("GET", f"/v1/requests/{job_id}/status", key)
            if body["status"] in ("completed", "failed", "cancelled"):
                job["final"] = {"completed": "succeeded"}.get(body["status"], body["status"])
                return
            await self.pause()

    async def runware(self, n: int, key: str) -> None:
        seconds = self.rng.choice([4, 8])
        uid = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        uid = await self.runware_submit(n, key, seconds, uid)
        poll = [{"taskType": "getResponse", "taskUUID": uid}]
        while time.monotonic() < self.deadline:
            _, body = await self.call("POST", "/v1", key, poll)
            if body.get("errors"):
                self.accepted[uid]["final"] = "failed"
                return
            if body["data"] and body["data"][0]["status"] == "success":
                self.accepted[uid]["final"] = "succeeded"
                return
            await self.pause()

    async def runware_submit(self, n: int, key: str, seconds: int, uid: str) -> str:
        task = {
            "taskType": "videoInference",
            "taskUUID": uid,
            "model": "openai:3@1",
            "positivePrompt": f"tide {n}" + (" [sora-mock:fail@50]" if n % 10 == 3 else ""),
            "width": 1280,
            "height": 720,
            "duration": seconds,
        }
        status, ack = await self.call("POST", "/v1", key, [task], submit=True)
        assert status == 200, ack
        self.accepted.setdefault(uid, {"tenant": key, "seconds": seconds, "provider": "runware"})
        return uid


async def warm_up(tmp_path: Path, fake: Path) -> None:
    """One job through a server first: libuv creates a process-wide signal pipe the first
    time a child process is watched, once per process; it must not count as a leak."""
    config = Config(media_dir=str(tmp_path / "warm"), progression="immediate", ffmpeg=str(fake))
    with running_server(create_app(config)) as url:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            auth = {"Authorization": "Bearer sk-warm-up"}
            reply = (await client.post(T2V, headers=auth, json={"prompt": "x"})).json()
            status = await client.get(reply["status_url"], headers=auth)
            assert status.json()["status"] == "completed"


async def test_a_thousand_jobs_no_loss(tmp_path: Path) -> None:
    fake = logging_ffmpeg(tmp_path, tmp_path / "encodes.log", seconds=0)
    await warm_up(tmp_path, fake)
    gc.collect()
    fds_before, children_before = open_fds(), children()
    config = Config(
        media_dir=str(tmp_path / "media"),
        queue_seconds=0.25,
        run_seconds=0.25,
        run_seconds_per_video_second=0,
        ffmpeg=str(fake),
        max_encodes=2,
        journal_size=100,
    )
    app = create_app(config)
    emu = app.state.emulator
    terminal_moves: Counter[str] = Counter()

    def record(job: Job, old: State) -> None:
        if job.state in TERMINAL:
            terminal_moves[job.id] += 1

    emu.engine.subscribe(record)
    rng = random.Random(7)
    started = time.monotonic()
    with running_server(app) as url:
        http = RawPool(int(url.rsplit(":", 1)[1]), size=32)
        try:
            load = Load(http, rng)
            work = [
                (load.runcomfy if n % 2 else load.runware)(n, TENANTS[n % len(TENANTS)])
                for n in range(JOBS)
            ]
            await asyncio.gather(*work)
            jobs = (await http.request("GET", "/_emulator/jobs?limit=5000"))[1]["jobs"]
            ledger = (await http.request("GET", "/_emulator/ledger"))[1]
        finally:
            await http.aclose()
    elapsed = time.monotonic() - started

    # nothing lost, nothing duplicated, every job terminal exactly once
    assert len(load.accepted) == JOBS
    assert sorted(j["id"] for j in jobs) == sorted(load.accepted)
    assert all("final" in known for known in load.accepted.values()), "a poller ran out of time"
    server_state = {j["id"]: j["state"] for j in jobs}
    assert {job: known["final"] for job, known in load.accepted.items()} == server_state
    assert set(terminal_moves) == set(load.accepted)
    assert set(terminal_moves.values()) == {1}
    finals = Counter(server_state.values())
    assert finals["succeeded"] and finals["failed"] and finals["cancelled"], finals

    # a cancel answered "cancelled" cancelled the job; "not_cancellable" left it running
    cancels = [known for known in load.accepted.values() if "cancel" in known]
    assert {known["cancel"] for known in cancels} == {"cancelled", "not_cancellable"}
    for known in cancels:
        assert (known["cancel"] == "cancelled") == (known["final"] == "cancelled"), known

    # the bill, per tenant, to the cent: succeeded jobs only, nothing still held
    label = {t["tenant"]: t for t in ledger["tenants"]}
    by_tenant = {j["tenant"]: j["tenant_label"] for j in jobs}
    for tenant_id, tenant_label in by_tenant.items():
        row = label[tenant_id]
        assert row["label"] == tenant_label
        mine = [j for j in jobs if j["tenant"] == tenant_id]
        ok = [j for j in mine if j["state"] == "succeeded"]
        assert row["held"] == "0.00"
        assert Decimal(row["spent"]) == sum((PRICE * j["seconds"] for j in ok), Decimal(0))
        assert sorted(c["job_id"] for c in row["charges"]) == sorted(j["id"] for j in ok)
    assert Decimal(ledger["total"]) == sum(
        (PRICE * j["seconds"] for j in jobs if j["state"] == "succeeded"), Decimal(0)
    )

    # no file descriptor or process left behind once the server has stopped (and its
    # event loop, closed in its own thread, has been collected)
    gc.collect()
    assert children() == children_before
    assert open_fds() == fds_before
    assert elapsed < DEADLINE + 30  # bounded in time as well as count
