"""The parts of a sandbox that are settings rather than records, shared through Redis:
the clock, the fault plan (scripts, armed faults, chaos, webhook faults), the engine
settings (progression, limits) and the request journal.

Each of them stays an ordinary in-process object (the dialects and the control API
read them without awaiting), and :class:`SyncMiddleware` keeps every worker's copy
current:

* before each request a worker reads ``P:sync`` (one ``HMGET``: the clock's and the
  control settings' version numbers) and, when either moved, loads the new state;
* a request that changed them (a control call; a request that used up a scripted or
  armed fault) writes them back, with a new version, before its response starts, so
  once a client has the answer from worker A, worker B acts on the change;
* journal entries go to ``P:journal`` (a capped list) right after each request, and a
  control-API read loads the list first, so every worker shows the same journal.

Clock: ``P:clock`` holds an anchor (``emulated``, ``real``, ``speed``): every worker
computes ``now = emulated + (wall - real) * speed``, so scaled clocks agree as far as
the hosts' wall clocks do and a manual clock reads the same everywhere. A manual
clock's anchor only moves forward (a script keeps the later of two writes).

Scripted steps and armed faults are used up by one worker and written back before
that response starts; two workers serving requests at the same instant can both use
the same step (the fault then applies twice). Records - jobs, money, ids - have no
such window: they are changed by atomic scripts (see :mod:`mock_server.redisstate.jobs`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import asdict, fields
from typing import Any

from mock_server.core.clock import Clock, ManualClock, ScaledClock, real_time
from mock_server.core.codec import dumps
from mock_server.core.engine import EngineSettings
from mock_server.core.fault_plan import ArmedFault, Chaos, FaultPlan
from mock_server.core.faults import job_fault_from, parse_faults
from mock_server.core.jobs import Progression
from mock_server.redisstate.conn import Conn

__all__ = ["ClockLink", "ControlLink", "JournalLink", "Links", "SyncMiddleware"]

log = logging.getLogger("sora_mock.redis")

# KEYS: clock, sync. ARGV: kind, emulated, real, speed. A manual clock never goes back.
_PUSH_CLOCK = """
local old = redis.call('HGET', KEYS[1], 'emulated')
local emulated = ARGV[2]
if ARGV[1] == 'manual' and old and tonumber(old) > tonumber(emulated) then emulated = old end
redis.call('HSET', KEYS[1], 'kind', ARGV[1], 'emulated', emulated, 'real', ARGV[3],
  'speed', ARGV[4])
return redis.call('HINCRBY', KEYS[2], 'clock', 1)
"""


class ClockLink:
    """Keeps one worker's clock on the shared anchor."""

    def __init__(self, conn: Conn, clock: Clock) -> None:
        self.conn, self.clock = conn, clock
        self.version = -1
        self.dirty = False
        self._adopting = False
        clock.observe(self._changed)

    def _changed(self) -> None:
        if not self._adopting:
            self.dirty = True

    def _anchor(self) -> list[str]:
        kind = "manual" if isinstance(self.clock, ManualClock) else "scaled"
        return [kind, repr(self.clock.now()), repr(real_time()), repr(self.clock.speed)]

    def restore_sync(self) -> None:
        """At start: adopt the shared anchor, or publish ours when there is none."""
        doc = self.conn.sync.hgetall(self.conn.key("clock"))
        if doc:
            self.adopt(doc)
        else:
            sha_keys = [self.conn.key("clock"), self.conn.key("sync")]
            self.conn.sync.eval(_PUSH_CLOCK, 2, *sha_keys, *self._anchor())
        version = self.conn.sync.hget(self.conn.key("sync"), "clock")
        self.version = int(version or 0)
        self.dirty = False

    def adopt(self, doc: dict[bytes, bytes]) -> None:
        emulated, real = float(doc[b"emulated"]), float(doc[b"real"])
        speed = float(doc[b"speed"])
        clock = self.clock
        self._adopting = True
        try:
            if isinstance(clock, ManualClock):
                if emulated > clock.now():
                    clock.set(emulated)
            elif isinstance(clock, ScaledClock):
                clock._base_emulated = emulated + max(0.0, real_time() - real) * speed
                clock._base_real = time.monotonic()
                clock._speed = speed
                clock._notify()
        finally:
            self._adopting = False

    async def pull(self, version: int) -> None:
        if version != self.version:
            doc = await self.conn.client.hgetall(self.conn.key("clock"))
            if doc:
                self.adopt(doc)
            self.version = version

    async def push(self) -> None:
        if not self.dirty:
            return
        self.dirty = False
        keys = [self.conn.key("clock"), self.conn.key("sync")]
        self.version = int(await self.conn.script(_PUSH_CLOCK, keys, self._anchor()))
        doc = await self.conn.client.hgetall(keys[0])
        self.adopt(doc)  # a later manual time written meanwhile by another worker wins


def settings_doc(settings: EngineSettings) -> dict[str, Any]:
    return {f.name: _plain(getattr(settings, f.name)) for f in fields(EngineSettings)}


def _plain(value: Any) -> Any:
    if isinstance(value, Progression):
        return asdict(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def apply_settings(settings: EngineSettings, doc: dict[str, Any]) -> None:
    for f in fields(EngineSettings):
        if f.name not in doc:
            continue
        value = doc[f.name]
        if f.name == "progression":
            value = Progression(**value)
        elif f.name == "per_model":
            value = {m: Progression(**p) for m, p in value.items()}
        setattr(settings, f.name, value)


def apply_plan(plan: FaultPlan, snap: dict[str, Any]) -> None:
    """Make ``plan`` match ``snap`` (from :meth:`FaultPlan.snapshot`); its random
    streams stay this worker's own."""
    plan._scripts = [
        (s["operation"], deque([] if step == "pass" else parse_faults(step) for step in s["steps"]))
        for s in snap.get("scripts", [])
    ]
    armed: list[ArmedFault] = []
    for a in snap.get("armed", []):
        fault = job_fault_from(parse_faults(a["fault"])) if a["fault"] != "custom" else None
        if fault is not None:
            armed.append(ArmedFault(fault, a["remaining"], a["provider"], a["fault"]))
    plan._armed = armed
    chaos = dict(snap.get("chaos", {}))
    if chaos:
        chaos["error_statuses"] = tuple(chaos.get("error_statuses", (500,)))
        chaos["latency_seconds"] = tuple(chaos.get("latency_seconds", (0.2, 1.0)))
        if Chaos(**chaos) != plan.chaos:
            plan.set_chaos(Chaos(**chaos))
    hooks = snap.get("webhooks")
    if hooks:
        plan.webhooks.update(**hooks)


class ControlLink:
    """Keeps one worker's fault plan and engine settings on the shared copy."""

    def __init__(self, conn: Conn, plan: FaultPlan, settings: EngineSettings) -> None:
        self.conn, self.plan, self.settings = conn, plan, settings
        self.version = -1

    def fingerprint(self) -> str:
        return dumps([self.plan.snapshot(), settings_doc(self.settings)])

    def consumable(self) -> bool:
        """Whether a provider request may use up a scripted step or an armed fault."""
        return bool(self.plan._scripts or self.plan._armed)

    async def pull(self, version: int) -> None:
        if version == self.version:
            return
        raw = await self.conn.client.get(self.conn.key("control"))
        if raw is not None:
            doc = json.loads(raw)
            apply_plan(self.plan, doc["plan"])
            apply_settings(self.settings, doc["settings"])
        self.version = version

    async def push(self) -> None:
        doc = dumps({"plan": self.plan.snapshot(), "settings": settings_doc(self.settings)})
        pipe = self.conn.client.pipeline(transaction=True)
        pipe.set(self.conn.key("control"), doc)
        pipe.hincrby(self.conn.key("sync"), "control", 1)
        _, version = await pipe.execute()
        self.version = int(version)


class JournalLink:
    """The journal's entries in ``P:journal`` (newest last, at most ``size``)."""

    def __init__(self, conn: Conn, size: int) -> None:
        self.conn, self.size = conn, max(1, size)
        self.key = conn.key("journal")
        self.pending: list[str] = []
        self.cleared = False
        self.task: asyncio.Task[None] | None = None

    def sink(self, entry: dict[str, Any]) -> None:
        """Queue an entry; the next loop iteration writes the queue in one pipeline."""
        self.pending.append(dumps(entry))
        self._soon()

    def on_clear(self) -> None:
        self.pending.clear()
        self.cleared = True
        self._soon()

    def _soon(self) -> None:
        if self.task is not None and not self.task.done():
            return
        with contextlib.suppress(RuntimeError):  # no loop yet: the next flush writes it
            self.task = asyncio.get_running_loop().create_task(self._flush_quietly())

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception:  # the journal is a record, never a reason to fail a request
            log.warning("journal write to Redis failed", exc_info=True)

    async def flush(self) -> None:
        if not (self.pending or self.cleared):
            return
        pending, self.pending = self.pending, []
        pipe = self.conn.client.pipeline(transaction=True)
        if self.cleared:
            self.cleared = False
            pipe.delete(self.key)
        if pending:
            pipe.rpush(self.key, *pending)
            pipe.ltrim(self.key, -self.size, -1)
        await pipe.execute()

    async def entries(self) -> list[dict[str, Any]]:
        return [json.loads(e) for e in await self.conn.client.lrange(self.key, 0, -1)]

    def entries_sync(self) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.conn.sync.lrange(self.key, 0, -1)]


class Links:
    """Clock, control settings and journal of one worker, and the shared versions."""

    def __init__(self, conn: Conn, clock: ClockLink, control: ControlLink, journal: JournalLink):
        self.conn, self.clock, self.control, self.journal = conn, clock, control, journal
        self.local_journal: Any = None  # the app's Journal, set once it exists
        self.on_control_read: list[Callable[[], Awaitable[None]]] = []  # e.g. tenant labels

    async def pull(self) -> None:
        clock, control = await self.conn.client.hmget(self.conn.key("sync"), "clock", "control")
        await self.clock.pull(int(clock or 0))
        await self.control.pull(int(control or 0))

    async def push(self, before: str | None) -> None:
        await self.clock.push()
        if before is not None and self.control.fingerprint() != before:
            await self.control.push()

    async def load_journal(self) -> None:
        """Replace this worker's journal with the shared one (a control-API read)."""
        for load in self.on_control_read:
            await load()
        journal = self.local_journal
        if journal is None:
            return
        await self.journal.flush()
        entries = await self.journal.entries()
        journal._entries.clear()
        journal.load(entries)


class SyncMiddleware:
    """Pure ASGI: bring this worker up to date before a request, and publish what the
    request changed before its response starts."""

    def __init__(self, app: Any, links: Links) -> None:
        self.app, self.links = app, links

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        links = self.links
        await links.pull()
        control = scope.get("path", "").startswith("/_emulator/")
        if control and scope.get("method") == "GET":
            await links.load_journal()
        watch = control or links.control.consumable()
        before = links.control.fingerprint() if watch else None

        async def publishing_send(message: Any) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                await links.push(before)
            await send(message)

        await self.app(scope, receive, publishing_send)
        if before is not None and scope["type"] == "websocket":
            await links.push(before)
