"""SQLite state: everything survives a restart, including a SIGKILL mid-queue."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock, ScaledClock, real_time
from mock_server.core.persist import SqliteState, state_path
from tests.sandbox.helpers import KEY_A, KEY_B, T2V, auth, free_port

pytestmark = pytest.mark.anyio


def test_state_urls() -> None:
    assert state_path("memory") is None
    assert state_path("sqlite:///state.db") == Path("state.db")
    assert state_path("sqlite:////tmp/x.db") == Path("/tmp/x.db")
    for bad in ("sqlite://x.db", "postgres:///x", "sqlite:///"):
        with pytest.raises(ValueError):
            state_path(bad)


def test_scaled_clock_resumes_as_if_time_ran_on_while_down(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "s.db")
    state.put_meta(
        "clock", {"kind": "scaled", "emulated": 1000.0, "real": real_time() - 10, "speed": 2.0}
    )
    clock = state.restore_clock(None, "scaled", 1.0)
    assert isinstance(clock, ScaledClock)
    assert 1019.5 <= clock.now() <= 1022  # 10 s down at speed 2
    assert clock.speed == 1.0  # the configured speed applies from the restart on
    state.close()


def test_manual_clock_resumes_where_it_stood(tmp_path: Path) -> None:
    state = SqliteState(tmp_path / "s.db")
    clock = state.restore_clock(ManualClock(start=50.0), "manual", 1.0)
    clock.advance(25)  # observed and saved at once
    state.close()
    again = SqliteState(tmp_path / "s.db")
    assert again.restore_clock(None, "manual", 1.0).now() == 75.0
    again.close()


async def test_restart_in_process_restores_jobs_ledger_journal_and_media(tmp_path: Path) -> None:
    config = Config(clock="manual", state=f"sqlite:///{tmp_path / 'state.db'}")

    async def session(app, fn):  # type: ignore[no-untyped-def]
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://t")
        async with app.router.lifespan_context(app), client as c:
            return await fn(c)

    async def first(c: httpx.AsyncClient) -> dict[str, str]:
        await c.post("/_emulator/balances", json={"key": KEY_B, "balance": "3.00"})
        done = (await c.post(f"/v1/models/{T2V}", json={"prompt": "a"}, headers=auth())).json()
        await c.post(f"/_emulator/jobs/{done['request_id']}/complete")
        queued = (
            await c.post(f"/v1/models/{T2V}", json={"prompt": "b"}, headers=auth(KEY_B))
        ).json()
        await c.post("/_emulator/clock/advance", json={"seconds": 1})
        return {"done": done["request_id"], "queued": queued["request_id"]}

    ids = await session(create_app(config), first)

    async def second(c: httpx.AsyncClient) -> None:
        jobs = {j["id"]: j for j in (await c.get("/_emulator/jobs")).json()["jobs"]}
        assert jobs[ids["done"]]["state"] == "succeeded"
        assert jobs[ids["queued"]]["state"] == "queued"
        assert jobs[ids["queued"]]["tenant_label"] == "sk-…0002"
        assert (await c.get("/_emulator/clock")).json()["iso"] == "2026-01-01T00:00:01.000Z"
        media = await c.get(jobs[ids["done"]]["outputs"][0]["media_url"])
        assert media.status_code == 200 and media.content[4:8] == b"ftyp"
        bill = {t["label"]: t for t in (await c.get("/_emulator/ledger")).json()["tenants"]}
        assert bill["sk-…0001"]["spent"] == "0.40"
        assert bill["sk-…0002"]["held"] == "0.40" and bill["sk-…0002"]["balance"] == "3.00"
        journal = (await c.get("/_emulator/journal")).json()["entries"]
        assert [(e["method"], e["provider"]) for e in journal] == [
            ("GET", "media"),  # this session's download
            ("POST", "runcomfy"),  # the first session's submits
            ("POST", "runcomfy"),
        ]
        fresh = (await c.post(f"/v1/models/{T2V}", json={"prompt": "c"}, headers=auth())).json()
        assert fresh["request_id"] not in ids.values()  # the id stream resumed, not restarted
        r = await c.get(f"/v1/requests/{ids['queued']}/status", headers=auth(KEY_B))
        assert r.json()["status"] == "in_queue"

    await session(create_app(config), second)


# -- a real server, killed with SIGKILL ------------------------------------------------


def _command(port: int, db: Path) -> list[str]:
    script = Path(sys.executable).with_name("sora-mock")
    base = [str(script)] if script.exists() else [sys.executable, "-m", "mock_server.cli"]
    return [
        *base,
        "serve",
        "--port",
        str(port),
        "--clock",
        "manual",
        "--state",
        f"sqlite:///{db}",
        "--log-level",
        "warning",
    ]


@contextlib.contextmanager
def _server(port: int, db: Path) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(_command(port, db), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"http://127.0.0.1:{port}/_emulator/health").status_code == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                err = proc.stderr.read().decode() if proc.stderr else ""
                raise RuntimeError(f"server did not start: {err}")
            time.sleep(0.05)  # waiting for a process to bind, not for emulated time
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
        if proc.stderr:
            proc.stderr.close()


@pytest.mark.slow
def test_sigkill_mid_queue_then_restart_finds_every_job(tmp_path: Path) -> None:
    db = tmp_path / "state.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(port, db) as proc, httpx.Client(base_url=base, timeout=30) as c:

        def submit(prompt: str) -> str:
            r = c.post(f"/v1/models/{T2V}", json={"prompt": prompt}, headers=auth(KEY_A))
            assert r.status_code == 200, r.text
            return str(r.json()["request_id"])

        done = submit("finishes before the crash")
        c.post("/_emulator/clock/advance", json={"seconds": 10})
        running = submit("runs during the crash")
        c.post("/_emulator/clock/advance", json={"seconds": 4})  # t=14: done finished at 13
        queued = submit("still queued at the crash")
        before = {j["id"]: j["state"] for j in c.get("/_emulator/jobs").json()["jobs"]}
        assert before == {done: "succeeded", running: "running", queued: "queued"}
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with _server(port, db), httpx.Client(base_url=base, timeout=30) as c:
        assert c.get("/_emulator/clock").json()["iso"] == "2026-01-01T00:00:14.000Z"
        after = {j["id"]: j["state"] for j in c.get("/_emulator/jobs").json()["jobs"]}
        assert after == before
        status = c.get(f"/v1/requests/{queued}/status", headers=auth(KEY_A)).json()
        assert status["status"] == "in_queue" and status["queue_position"] == 0
        c.post("/_emulator/clock/advance", json={"seconds": 20})  # t=34: the rest finish
        after = {j["id"]: j["state"] for j in c.get("/_emulator/jobs").json()["jobs"]}
        assert set(after.values()) == {"succeeded"}
        result = c.get(f"/v1/requests/{running}/result", headers=auth(KEY_A)).json()
        assert c.get(result["output"]["video"]).status_code == 200
        assert c.get("/_emulator/ledger").json()["total"] == "1.20"


def test_scaled_clock_takes_its_speed_positionally() -> None:
    # regression: the base class's fields used to swallow the first positional argument
    assert ScaledClock(5.0).speed == 5.0
