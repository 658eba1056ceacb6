"""Two emulators on one real Redis are one sandbox: ids unique, each cancel race decided
once, the ledger exact to the cent, the clock, faults, settings and journal shared, and
media served by whichever worker is asked."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.jobs import TERMINAL, Job, State
from tests.limits.fakes import logging_ffmpeg

pytestmark = pytest.mark.anyio
T2V = "/v1/models/openai/sora-2/text-to-video"
AUTH = {"Authorization": "Bearer sk-coherence"}


def worker(redis_url: str, media: Path, **options: object) -> Starlette:
    return create_app(Config(clock="manual", state=redis_url, media_dir=str(media), **options))


@pytest.fixture
async def pair(redis_url: str, tmp_path: Path) -> AsyncIterator[list[httpx.AsyncClient]]:
    fake = logging_ffmpeg(tmp_path, tmp_path / "encodes.log", seconds=0)
    apps = [worker(redis_url, tmp_path / f"w{i}", ffmpeg=str(fake)) for i in range(2)]
    clients = [
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://w{i}")
        for i, app in enumerate(apps)
    ]
    for c, app in zip(clients, apps, strict=True):
        c.app = app  # type: ignore[attr-defined]
    yield clients
    for c, app in zip(clients, apps, strict=True):
        await c.aclose()
        await close(app)


async def close(app: Starlette) -> None:
    """What the lifespan does at shutdown (ASGITransport runs no lifespan)."""
    emu = app.state.emulator
    await emu.engine.drain()
    state = emu.state
    await state.aclose()
    state.close()


async def submit(c: httpx.AsyncClient, prompt: str, key: str = "sk-coherence") -> httpx.Response:
    auth = {"Authorization": f"Bearer {key}"}
    return await c.post(T2V, headers=auth, json={"prompt": prompt, "seconds": 4})


async def test_ids_are_unique_and_every_worker_answers_for_every_job(pair) -> None:
    a, b = pair
    replies = await asyncio.gather(*(submit((a, b)[i % 2], f"kite {i}") for i in range(40)))
    ids = [r.json()["request_id"] for r in replies]
    assert all(r.status_code == 200 for r in replies)
    assert len(set(ids)) == 40
    listed = (await a.get("/_emulator/jobs?limit=100")).json()["jobs"]
    assert sorted(j["id"] for j in listed) == sorted(ids)
    positions = []
    for c in pair:  # one queue: positions 0..39, the same on both workers
        seen = [(await c.get(f"/v1/requests/{rid}/status", headers=AUTH)).json() for rid in ids]
        assert {s["status"] for s in seen} == {"in_queue"}
        positions.append([s["queue_position"] for s in seen])
    assert positions[0] == positions[1]
    assert sorted(positions[0]) == list(range(40))


async def test_each_cancel_race_is_decided_once(pair) -> None:
    a, b = pair
    moves: Counter[str] = Counter()

    def record(job: Job, old: State) -> None:
        if job.state in TERMINAL:
            moves[job.id] += 1

    for c in pair:
        c.app.state.emulator.engine.subscribe(record)  # type: ignore[attr-defined]
    ids = [(await submit(a, f"race {i}")).json()["request_id"] for i in range(30)]
    outcomes = await asyncio.gather(
        *(a.post(f"/v1/requests/{rid}/cancel", headers=AUTH) for rid in ids),
        *(b.post(f"/_emulator/jobs/{rid}/complete") for rid in ids),
        *(b.post(f"/v1/requests/{rid}/cancel", headers=AUTH) for rid in ids),
    )
    cancels = outcomes[:30], outcomes[60:]
    finals = {}
    for rid in ids:
        finals[rid] = (await b.get(f"/v1/requests/{rid}/status", headers=AUTH)).json()["status"]
    assert set(finals.values()) <= {"cancelled", "completed"}
    for n, rid in enumerate(ids):
        said = {cancels[0][n].json()["outcome"], cancels[1][n].json()["outcome"]}
        assert ("cancelled" in said) == (finals[rid] == "cancelled"), (said, finals[rid])
    assert moves == Counter(dict.fromkeys(ids, 1))  # one terminal move per job, in all
    ledger = (await a.get("/_emulator/ledger")).json()
    done = [rid for rid in ids if finals[rid] == "completed"]
    assert Decimal(ledger["total"]) == Decimal("0.40") * len(done)
    charged = [c["job_id"] for t in ledger["tenants"] for c in t["charges"]]
    assert sorted(charged) == sorted(done)


async def test_the_ledger_is_exact_across_workers(pair) -> None:
    a, b = pair
    key = "sk-budget"
    set_balance = await b.post("/_emulator/balances", json={"key": key, "balance": "3.20"})
    assert set_balance.is_success
    replies = await asyncio.gather(*(submit((a, b)[i % 2], f"budget {i}", key) for i in range(12)))
    accepted = [r.json()["request_id"] for r in replies if r.status_code == 200]
    assert len(accepted) == 8  # 3.20 holds exactly eight 0.40 jobs, whichever worker
    assert {r.status_code for r in replies if r.status_code != 200} != {500}
    await a.post("/_emulator/clock/advance", json={"seconds": 3600})
    for n, rid in enumerate(accepted):
        status = await pair[n % 2].get(
            f"/v1/requests/{rid}/status", headers={"Authorization": f"Bearer {key}"}
        )
        assert status.json()["status"] == "completed"
    ledger = (await b.get("/_emulator/ledger")).json()
    row = next(t for t in ledger["tenants"] if t["charges"])
    assert row["spent"] == "3.20" and row["held"] == "0.00"
    assert sorted(c["job_id"] for c in row["charges"]) == sorted(accepted)


async def test_clock_faults_settings_and_journal_are_shared(pair) -> None:
    a, b = pair
    before = (await b.get("/_emulator/clock")).json()["now"]
    await a.post("/_emulator/clock/advance", json={"seconds": 90})
    assert (await b.get("/_emulator/clock")).json()["now"] == before + 90

    scripted = await a.post(
        "/_emulator/faults/script", json={"operation": "runcomfy.submit", "steps": ["http-429"]}
    )
    assert scripted.is_success
    assert (await submit(b, "throttled")).status_code == 429  # the step, used up on b
    assert (await submit(a, "let through")).status_code == 200  # ... and so gone on a

    armed = await b.post("/_emulator/faults/arm", json={"fault": "stuck", "count": 1})
    assert armed.is_success
    stuck = (await submit(a, "armed on b")).json()["request_id"]
    await b.post("/_emulator/clock/advance", json={"seconds": 3600})
    assert (await a.get(f"/v1/requests/{stuck}/status", headers=AUTH)).json()[
        "status"
    ] == "in_queue"

    put = await a.put("/_emulator/settings", json={"max_active_per_key": 1})
    assert put.is_success
    assert (await b.get("/_emulator/settings")).json()["max_active_per_key"] == 1

    await a.get(f"/v1/requests/{stuck}/status", headers=AUTH)
    journal = (await b.get("/_emulator/journal?limit=50")).json()
    paths = [e["path"] for e in journal["entries"]]
    assert f"/v1/requests/{stuck}/status" in paths  # served by a, listed by b


async def test_media_is_served_by_any_worker(redis_url: str, tmp_path: Path) -> None:
    """A real encode on each worker, from the one shared spec: the same bytes."""
    apps = [worker(redis_url, tmp_path / f"m{i}") for i in range(2)]
    a, b = (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=x), base_url="http://m") for x in apps
    )
    rid = (await submit(a, "a clip rendered where it is asked for")).json()["request_id"]
    await a.post(f"/_emulator/jobs/{rid}/complete")
    result = (await b.get(f"/v1/requests/{rid}/result", headers=AUTH)).json()
    path = "/media/" + result["output"]["video"].rsplit("/media/", 1)[1]
    from_b = await b.get(path)  # b never rendered it: it renders from the shared spec
    from_a = await a.get(path)
    assert from_b.status_code == from_a.status_code == 200
    assert from_b.content == from_a.content
    assert from_b.content[4:8] == b"ftyp"
    for c, app in ((a, apps[0]), (b, apps[1])):
        await c.aclose()
        await close(app)
