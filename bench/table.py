"""The HTTP table: every server in one run, each row with req/s, p50, p99 and its ratio to
bare Starlette with the same worker count, then the aims marked met or missed.

Servers with one worker run on CPU 0 and the generator on CPU 1 (when there are two);
rows with N workers leave every process unpinned, since the workers need every core.
Rows are measured in interleaved rounds (drift hits them alike) and the median round is
shown. Polls hit queued jobs (a manual clock, so nothing is encoded while measuring).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from bench import servers
from bench.gen import Generator, Load, Processes, Wrk
from bench.loadgen import Result, pin
from tests.redis_server import RedisServer

__all__ = ["run_table"]

RC_MODEL = "/v1/models/openai/sora-2/text-to-video"
PROMPT = "a cinematic nighttime market in a flooded tropical megacity"
RC_SUBMIT = json.dumps({"prompt": PROMPT, "seconds": 8})
RW_SUBMIT = json.dumps(
    [
        {
            "taskType": "videoInference",
            "taskUUID": "{uuid}",
            "model": "openai:3@1",
            "positivePrompt": PROMPT,
            "width": 1280,
            "height": 720,
            "duration": 8,
            "deliveryMethod": "async",
            "includeCost": True,
        }
    ]
)
FAL = {"x-fal-target-host": "queue.fal.run"}
FAL_PATH = f"/fal/{servers.FAL_MODEL}"
AUTH = {"Authorization": "Bearer sk-bench"}


def rw_poll(uid: str) -> str:
    return json.dumps([{"taskType": "getResponse", "taskUUID": uid}])


@dataclass(slots=True)
class Row:
    name: str
    port: int
    load: Callable[[], Load]  # called before each measurement (fresh ids when needed)
    workers: int = 1
    base: str | None = None  # the bare row this one is compared with
    kind: str = ""  # "poll" or "submit", for the aims


@dataclass(slots=True)
class Table:
    rows: list[Row] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    results: dict[str, list[Result]] = field(default_factory=dict)

    def median(self, name: str) -> Result | None:
        runs = self.results.get(name)
        return Result.median(runs) if runs else None


def prepare(url: str, pool: int = 64, media: bool = True) -> dict[str, object]:
    """Queued jobs of both providers to poll, and (in memory) one finished clip."""
    with httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
        rc = [client.post(RC_MODEL, content=RC_SUBMIT).json()["request_id"] for _ in range(pool)]
        rw = []
        for _ in range(pool):
            uid = str(uuid.uuid4())
            client.post("/v1", content=RW_SUBMIT.replace("{uuid}", uid)).raise_for_status()
            rw.append(uid)
        out: dict[str, object] = {"runcomfy": rc, "runware": rw}
        if media:
            job = client.post(RC_MODEL, content=RC_SUBMIT).json()["request_id"]
            client.post(f"/_emulator/jobs/{job}/complete").raise_for_status()
            video = client.get(f"/v1/requests/{job}/result").json()["output"]["video"]
            out["media"] = "/media/" + video.rsplit("/media/", 1)[1]
            out["spec"] = client.get("/openapi.json").json()
    return out


def emulator_rows(label: str, port: int, workers: int, pools: dict[str, object]) -> list[Row]:
    rc, rw = pools["runcomfy"], pools["runware"]
    assert isinstance(rc, list) and isinstance(rw, list)
    get_base, post_base = f"bare Starlette GET, {workers}w", f"bare Starlette POST, {workers}w"
    rows = [
        Row(f"{label}: RunComfy status poll", port,
            lambda: Load("GET", [f"/v1/requests/{i}/status" for i in rc]),
            workers, get_base, "poll"),
        Row(f"{label}: Runware getResponse poll", port,
            lambda: Load("POST", ["/v1"], rw_poll(rw[0])), workers, post_base, "poll"),
        Row(f"{label}: RunComfy submit", port,
            lambda: Load("POST", [RC_MODEL], RC_SUBMIT), workers, post_base, "submit"),
        Row(f"{label}: Runware submit", port,
            lambda: Load("POST", ["/v1"], RW_SUBMIT), workers, post_base, "submit"),
    ]  # fmt: skip
    media = pools.get("media")
    if isinstance(media, str):
        rows.append(Row(f"{label}: cached MP4 download", port, lambda: Load("GET", [media])))
    return rows


def aimock_rows(port: int) -> list[Row]:
    def fresh_ids() -> Load:  # aimock keeps 10,000 jobs: submit the polled ones each time
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=FAL, timeout=30) as c:
            replies = [c.post(FAL_PATH, json={"prompt": PROMPT}) for _ in range(64)]
        ids = [r.json()["request_id"] for r in replies]
        return Load("GET", [f"{FAL_PATH}/requests/{i}/status" for i in ids], headers=FAL)

    return [
        Row("aimock: fal queue status poll", port, fresh_ids, 1, "bare Starlette GET, 1w", "poll"),
        Row("aimock: fal queue submit", port,
            lambda: Load("POST", [FAL_PATH], json.dumps({"prompt": PROMPT}), FAL),
            1, "bare Starlette POST, 1w", "submit"),
    ]  # fmt: skip


def prism_rows(port: int, pools: dict[str, object]) -> list[Row]:
    rc = pools["runcomfy"]
    assert isinstance(rc, list)
    return [
        Row("Prism: RunComfy status poll", port,
            lambda: Load("GET", [f"/v1/requests/{i}/status" for i in rc]),
            1, "bare Starlette GET, 1w", "poll"),
        Row("Prism: RunComfy submit", port, lambda: Load("POST", [RC_MODEL], RC_SUBMIT),
            1, "bare Starlette POST, 1w", "submit"),
    ]  # fmt: skip


def measure(gen: Generator, row: Row, opts: argparse.Namespace, seconds: float) -> Result:
    two = (os.cpu_count() or 1) >= 2
    affinity = (lambda: pin(1)) if row.workers == 1 and two else None
    assert isinstance(gen, Wrk | Processes)
    return gen.run(row.port, row.load(), seconds, opts.connections, affinity)


def start(
    table: Table, label: str, make: Callable[[], servers.Server], live: list
) -> servers.Server | None:
    try:
        server = make()
    except RuntimeError as exc:
        table.skipped.append((label, str(exc).strip().splitlines()[-1][:150]))
        return None
    live.append(server)
    return server


def build(opts: argparse.Namespace, table: Table, live: list) -> None:
    """Start every server and add its rows (or the reason it is not measured)."""
    one = (lambda: pin(0)) if (os.cpu_count() or 1) >= 2 else None
    ceiling = start(table, "generator ceiling", lambda: servers.start_ceiling(one), live)
    if ceiling:
        x = Row("generator ceiling (canned responder)", ceiling.port, lambda: Load("GET", ["/x"]))
        table.rows.append(x)
    for w, aff in ((1, one), (opts.workers, None)):
        bare = start(table, f"bare {w}w", functools.partial(servers.start_bare, w, aff), live)
        if bare:
            paths = [f"/v1/requests/{i}/status" for i in range(64)]
            table.rows += [
                Row(f"bare Starlette GET, {w}w", bare.port, lambda p=paths: Load("GET", p), w),
                Row(f"bare Starlette POST, {w}w", bare.port, post_load(rw_poll("x")), w),
            ]
    name = "sora-mock memory, 1w"
    make = functools.partial(servers.start_sora_mock, "memory", 1, one, name)
    memory = start(table, name, make, live)
    pools: dict[str, object] = {}
    if memory:
        pools = prepare(f"http://127.0.0.1:{memory.port}")
        table.rows += emulator_rows(name, memory.port, 1, pools)
    redis = RedisServer.start()
    live.append(redis)
    for db, (w, aff) in enumerate(((1, one), (opts.workers, None))):
        name = f"sora-mock Redis, {w}w"
        make = functools.partial(servers.start_sora_mock, redis.url(db), w, aff, name)
        emu = start(table, name, make, live)
        if emu:
            url = f"http://127.0.0.1:{emu.port}"
            table.rows += emulator_rows(name, emu.port, w, prepare(url, media=False))
    prefix, why = (None, "skipped (--skip-node)") if opts.skip_node else servers.node_install()
    if prefix is None:
        table.skipped += [("aimock", why), ("Prism", why)]
        return
    aimock = start(table, "aimock", functools.partial(servers.start_aimock, prefix, one), live)
    if aimock:
        table.rows += aimock_rows(aimock.port)
    if "spec" in pools:
        spec = Path(tempfile.mkdtemp(prefix="sora-mock-bench-")) / "openapi.json"
        spec.write_text(json.dumps(pools["spec"]))
        make = functools.partial(servers.start_prism, prefix, spec, one)
        prism = start(table, "Prism", make, live)
        if prism:
            table.rows += prism_rows(prism.port, pools)


def post_load(body: str, path: str = "/v1") -> Callable[[], Load]:
    return lambda: Load("POST", [path], body)


def run_table(opts: argparse.Namespace, gen: Generator) -> Table:
    table = Table()
    live: list = []
    try:
        build(opts, table, live)
        for row in table.rows:  # warm up: caches, pools, first imports, JIT
            measure(gen, row, opts, 1)
        for _ in range(opts.rounds):
            for row in table.rows:
                table.results.setdefault(row.name, []).append(measure(gen, row, opts, opts.seconds))
        queue_rows(opts, gen, table, live)
    finally:
        for server in reversed(live):
            server.stop()
    return table


def fill(port: int, count: int) -> None:
    """``count`` RunComfy submits (queued on the manual clock), 32 connections at a time."""
    from bench.loadgen import measure as drive
    from bench.loadgen import post

    payload = post(port, RC_MODEL, RC_SUBMIT.encode())
    drive(port, (payload for _ in range(count)), 32, max_seconds=600)


def queue_rows(opts: argparse.Namespace, gen: Generator, table: Table, live: list) -> None:
    """The newest queued job's poll with 10 jobs in the store, then with ``--queue-jobs``."""
    one = (lambda: pin(0)) if (os.cpu_count() or 1) >= 2 else None
    emu = start(table, "queue", lambda: servers.start_sora_mock("memory", 1, one, "queue"), live)
    if emu is None:
        return
    url = f"http://127.0.0.1:{emu.port}"
    have = 0
    for target in (10, opts.queue_jobs):
        fill(emu.port, target - 1 - have)  # then the newest makes ``target``
        have = target
        with httpx.Client(base_url=url, headers=AUTH, timeout=60) as client:
            newest = client.post(RC_MODEL, content=RC_SUBMIT).json()["request_id"]
            position = client.get(f"/v1/requests/{newest}/status").json().get("queue_position")
        name = f"sora-mock memory, 1w: newest queued poll, {target:,} jobs"
        row = Row(name, emu.port, lambda j=newest: Load("GET", [f"/v1/requests/{j}/status"]),
                  1, "bare Starlette GET, 1w")  # fmt: skip
        row.kind = f"queue_position {position}"
        table.rows.append(row)
        measure(gen, row, opts, 1)
        for _ in range(opts.rounds):
            table.results.setdefault(name, []).append(measure(gen, row, opts, opts.seconds))
