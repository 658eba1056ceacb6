"""``sora-mock serve --state redis://HOST:PORT/DB``: one sandbox shared by every worker
and host that points at the same Redis database.

Kept in Redis: jobs and their queues (:mod:`~mock_server.redisstate.jobs`), the ledger
(:mod:`~mock_server.redisstate.ledger`), the schedule and tenant labels
(:mod:`~mock_server.redisstate.schedule`), clip specs and uploaded images
(:mod:`~mock_server.redisstate.media`), and the clock, fault plan, engine settings and
journal (:mod:`~mock_server.redisstate.sync`), and webhook deliveries
(:mod:`~mock_server.redisstate.webhooks`). Kept per worker: rendered clips (each
worker renders a clip from its shared spec on first request, into its own media
directory) and the random streams; each worker draws ids from its own stream
(``P:workers`` numbers the workers), and an id another worker drew first is refused
by the store and drawn again, so ids stay unique.

>>> state = RedisState.open("redis://127.0.0.1:6379/0", journal_size=1000)
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from mock_server.core.accounts import Accounts
from mock_server.core.clock import Clock, ManualClock, ScaledClock
from mock_server.core.ids import IdSource
from mock_server.redisstate.conn import Conn, is_redis_url
from mock_server.redisstate.jobs import RedisStore
from mock_server.redisstate.ledger import RedisLedger
from mock_server.redisstate.media import SharedMedia
from mock_server.redisstate.schedule import RedisSchedule, RedisTenants
from mock_server.redisstate.sync import ClockLink, ControlLink, JournalLink, Links, SyncMiddleware
from mock_server.redisstate.webhooks import RedisDeliveries

__all__ = ["RedisState", "WorkerIds"]


class WorkerIds(IdSource):
    """A seeded stream of its own per worker: ``seed`` and the worker's number."""

    def __init__(self, seed: int, worker: int) -> None:
        self.worker = worker
        super().__init__(seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(f"sora-mock/{seed}/worker-{self.worker}")


class RedisState:
    """The Redis-backed parts, built once per worker process."""

    def __init__(self, url: str, journal_size: int = 1000) -> None:
        self.conn = Conn(url)
        self.conn.ping()
        self.store = RedisStore(self.conn)
        self.schedule = RedisSchedule(self.conn)
        self.tenants = RedisTenants(self.conn)
        self.journal = JournalLink(self.conn, journal_size)
        self.worker = int(self.conn.sync.incr(self.conn.key("workers")))
        self.links: Links | None = None
        self.media: SharedMedia | None = None
        self.accounts = Accounts()
        self._clock: ClockLink | None = None
        self._media_dir: Path | None = None

    @classmethod
    def open(cls, state: str, journal_size: int = 1000) -> RedisState | None:
        return cls(state, journal_size) if is_redis_url(state) else None

    @property
    def media_dir(self) -> Path:
        """This worker's clips (rendered from shared specs): a temporary directory,
        removed at shutdown, unless ``--media-dir`` names one."""
        if self._media_dir is None:
            self._media_dir = Path(tempfile.mkdtemp(prefix="sora-mock-media-"))
        return self._media_dir

    def worker_dir(self, base: Path) -> Path:
        """Where this worker renders: ``base/worker-N``. Workers sharing a directory
        would write the same file from two processes at once."""
        return base / f"worker-{self.worker}"

    def ledger(self, default_balance: Decimal | None) -> RedisLedger:
        ledger = RedisLedger(self.conn, default_balance, defer=True)
        self.store.ledger = ledger  # holds taken and settled by the job scripts
        return ledger

    def deliveries(self) -> RedisDeliveries:
        """Webhook deliveries, shared: every worker lists them all and finishes those of
        a worker that is gone."""
        return RedisDeliveries(self.conn, self.worker)

    def media_library(self, root: Path, synth: Any, **options: Any) -> SharedMedia:
        self.media = SharedMedia(root, synth, self.conn, **options)
        return self.media

    # -- clock ----------------------------------------------------------------
    def restore_clock(self, clock: Clock | None, kind: str, speed: float) -> Clock:
        if clock is None:
            clock = ManualClock() if kind == "manual" else ScaledClock(speed)
        self._clock = ClockLink(self.conn, clock)
        self._clock.restore_sync()
        return clock

    def save_clock(self, clock: Clock) -> None:
        """At shutdown: nothing to do, every change was written when it was made."""

    # -- wiring ---------------------------------------------------------------
    def attach(self, engine: Any, accounts: Accounts) -> None:
        """Give the engine this worker's id stream; share each new job's media and its
        tenant's label before the job itself is written."""
        engine.ids = WorkerIds(engine.ids.seed, self.worker)
        self.accounts = accounts
        for tenant, label in self.conn.sync.hgetall(self.tenants.key).items():
            accounts.remember(tenant.decode(), label.decode())
        media = engine.media

        def before_insert(pipe: Any, job: Any) -> None:
            if isinstance(media, SharedMedia):
                media.share(pipe, job)
            pipe.hsetnx(self.tenants.key, job.tenant, accounts.label(job.tenant))

        self.store.before_insert = before_insert

    async def load_labels(self) -> None:
        """Tenant labels first seen by other workers (for control-API listings)."""
        for tenant, label in (await self.tenants.labels()).items():
            self.accounts.remember(tenant, label)

    def install(self, app: Any, plan: Any, settings: Any, journal: Any) -> None:
        """Share the sandbox's settings and journal through ``app`` (a Starlette app)."""
        assert self._clock is not None, "restore_clock() first"
        control = ControlLink(self.conn, plan, settings)
        links = Links(self.conn, self._clock, control, self.journal)
        links.local_journal = journal
        links.on_control_read.append(self.load_labels)
        self.links = links
        app.add_middleware(SyncMiddleware, links=links)

    # -- journal --------------------------------------------------------------
    def journal_sink(self, entry: dict[str, Any]) -> None:
        self.journal.sink(entry)

    def journal_entries(self) -> list[dict[str, Any]]:
        return self.journal.entries_sync()

    def clear_journal(self) -> None:
        self.journal.on_clear()

    async def aclose(self) -> None:
        task = self.journal.task
        if task is not None and not task.done():
            await asyncio.wait([task], timeout=5)
        await self.journal.flush()
        await self.conn.aclose()

    def close(self) -> None:
        self.conn.close()
        if self._media_dir is not None:
            shutil.rmtree(self._media_dir, ignore_errors=True)
