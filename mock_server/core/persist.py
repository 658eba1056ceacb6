"""SQLite persistence (stdlib ``sqlite3``): ``sora-mock serve --state sqlite:///PATH``.

Kept: jobs, the ledger (balances, holds, charges), the request journal, the media
index (the ClipSpec of every media key, so clips re-render byte-identically after a
restart), tenant labels, the seeded RNG's position and the clock.

>>> state = SqliteState.open("sqlite:///sora-mock.db")    # None for "memory"
>>> engine = Engine(..., store=state.store, ledger=state.ledger(None))
>>> state.attach(engine, accounts)      # restores media specs, labels, RNG; replans

Every change is written through at once (WAL, synchronous=NORMAL), so a process
killed with SIGKILL loses nothing it had answered.

Time: emulated time keeps running while the server is down. A scaled clock stores an
anchor (emulated time, wall time, speed) on every change; on restart it resumes at
``emulated + (wall_now - wall) * speed``, so jobs finish "while the server was down"
just as they would at a real provider. A manual clock resumes where it stood.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from mock_server.core.accounts import Accounts
from mock_server.core.clock import Clock, ManualClock, ScaledClock, real_time
from mock_server.core.codec import (
    charge_from_doc,
    charge_to_doc,
    dumps,
    job_from_doc,
    job_to_doc,
    spec_from_doc,
    spec_to_doc,
)
from mock_server.core.jobs import Job
from mock_server.core.ledger import Charge, Ledger
from mock_server.core.state_lock import StateLock
from mock_server.core.store import Store

__all__ = ["SqliteLedger", "SqliteState", "SqliteStore", "state_path"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (id TEXT PRIMARY KEY, seq INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS specs (key TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS balances (tenant TEXT PRIMARY KEY, amount TEXT);
CREATE TABLE IF NOT EXISTS holds (job_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, amount TEXT);
CREATE TABLE IF NOT EXISTS charges (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS journal (seq INTEGER PRIMARY KEY AUTOINCREMENT, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (tenant TEXT PRIMARY KEY, label TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def state_path(state: str) -> Path | None:
    """``memory`` -> None; ``sqlite:///rel.db`` -> rel.db; ``sqlite:////abs.db`` -> /abs.db."""
    if state in ("", "memory"):
        return None
    prefix = "sqlite:///"
    if not state.startswith(prefix) or len(state) == len(prefix):
        raise ValueError(f"--state must be 'memory' or 'sqlite:///PATH', not {state!r}")
    return Path(state[len(prefix) :])


class SqliteStore(Store):
    """The in-memory store, every change written through to the ``jobs`` table."""

    def __init__(self, state: SqliteState) -> None:
        super().__init__()
        self._state = state
        self._seq = 0
        self.on_add: Callable[[Job], None] | None = None

    def load(self) -> None:
        rows = self._state.db.execute("SELECT seq, doc FROM jobs ORDER BY seq").fetchall()
        for seq, doc in rows:
            self._index(job_from_doc(json.loads(doc)))
            self._seq = max(self._seq, seq)

    def _written(self, job: Job, *, new: bool = False) -> None:
        if new:
            self._seq += 1
            self._state.db.execute(
                "INSERT OR REPLACE INTO jobs (id, seq, doc) VALUES (?, ?, ?)",
                (job.id, self._seq, dumps(job_to_doc(job))),
            )
            if self.on_add is not None:
                self.on_add(job)
        else:
            self._state.db.execute(
                "UPDATE jobs SET doc = ? WHERE id = ?", (dumps(job_to_doc(job)), job.id)
            )

    async def clear(self) -> None:
        await super().clear()
        self._state.db.execute("DELETE FROM jobs")


class SqliteLedger(Ledger):
    """The ledger, written through to ``balances``, ``holds`` and ``charges``."""

    def __init__(self, state: SqliteState, default_balance: Decimal | None) -> None:
        super().__init__(default_balance)
        self._db = state.db
        self.on_tenant: Callable[[str], None] | None = None

    def load(self) -> None:
        for tenant, amount in self._db.execute("SELECT tenant, amount FROM balances"):
            self._balances[tenant] = None if amount is None else Decimal(amount)
        for job_id, tenant, amount in self._db.execute("SELECT job_id, tenant, amount FROM holds"):
            self._put_hold(job_id, tenant, Decimal(amount))
        for (doc,) in self._db.execute("SELECT doc FROM charges ORDER BY seq"):
            self._charges.append(charge_from_doc(json.loads(doc)))

    def _put_balance(self, tenant: str) -> None:
        amount = self._balances.get(tenant)
        self._db.execute(
            "INSERT OR REPLACE INTO balances (tenant, amount) VALUES (?, ?)",
            (tenant, None if amount is None else str(amount)),
        )
        if self.on_tenant is not None:
            self.on_tenant(tenant)

    async def set_balance(self, tenant: str, amount: Decimal | None) -> None:
        await super().set_balance(tenant, amount)
        self._put_balance(tenant)

    async def hold(self, job: Job) -> None:
        await super().hold(job)
        self._db.execute(
            "INSERT OR REPLACE INTO holds (job_id, tenant, amount) VALUES (?, ?, ?)",
            (job.id, job.tenant, str(job.cost)),
        )

    async def capture(self, job: Job, at: float) -> Charge:
        charge = await super().capture(job, at)
        self._db.execute("DELETE FROM holds WHERE job_id = ?", (job.id,))
        self._db.execute("INSERT INTO charges (doc) VALUES (?)", (dumps(charge_to_doc(charge)),))
        if job.tenant in self._balances:
            self._put_balance(job.tenant)
        return charge

    async def release(self, job: Job) -> None:
        await super().release(job)
        self._db.execute("DELETE FROM holds WHERE job_id = ?", (job.id,))

    async def clear(self) -> None:
        await super().clear()
        for table in ("balances", "holds", "charges"):
            self._db.execute(f"DELETE FROM {table}")


class SqliteState:
    """One SQLite file holding everything the emulator must not forget."""

    def __init__(self, path: Path, journal_size: int = 1000) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = StateLock.acquire(path)  # one owner per file: StateFileInUse if taken
        self.path = path
        self.journal_size = journal_size
        # autocommit: each statement is its own transaction, durable once it returns
        self.db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(_SCHEMA)
        self.store = SqliteStore(self)
        self._journal_writes = 0

    @classmethod
    def open(cls, state: str, journal_size: int = 1000) -> SqliteState | None:
        path = state_path(state)
        return None if path is None else cls(path, journal_size)

    @property
    def media_dir(self) -> Path:
        """Default media directory beside the database, so clips survive restarts."""
        return self.path.with_name(self.path.name + ".media")

    # -- meta -----------------------------------------------------------------
    def get_meta(self, key: str) -> Any:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def put_meta(self, key: str, value: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, dumps(value))
        )

    # -- clock ----------------------------------------------------------------
    def restore_clock(self, clock: Clock | None, kind: str, speed: float) -> Clock:
        """The clock to run with: ``clock`` (or a new one of ``kind``) moved to the
        persisted emulated time, never backwards; then watched for changes."""
        saved = self.get_meta("clock")
        resume: float | None = None
        if saved:
            resume = saved["emulated"]
            if saved.get("kind") == "scaled":
                resume += max(0.0, real_time() - saved["real"]) * saved["speed"]
        if clock is None:
            if kind == "manual":
                clock = ManualClock() if resume is None else ManualClock(start=resume)
            else:
                clock = ScaledClock(initial_speed=speed, start=resume)
        elif (
            resume is not None
            and resume > clock.now()
            and isinstance(clock, ManualClock | ScaledClock)
        ):
            clock.advance(resume - clock.now())
        clock.observe(lambda: self.save_clock(clock))
        self.save_clock(clock)
        return clock

    def save_clock(self, clock: Clock) -> None:
        kind = "scaled" if isinstance(clock, ScaledClock) else "manual"
        self.put_meta(
            "clock",
            {"kind": kind, "emulated": clock.now(), "real": real_time(), "speed": clock.speed},
        )

    # -- wiring ---------------------------------------------------------------
    def ledger(self, default_balance: Decimal | None) -> SqliteLedger:
        ledger = SqliteLedger(self, default_balance)
        ledger.load()
        return ledger

    def attach(self, engine: Any, accounts: Accounts) -> None:
        """Load everything into a freshly built engine and keep it written through."""
        media, ids = engine.media, engine.ids
        for key, doc in self.db.execute("SELECT key, doc FROM specs"):
            if media.register(spec_from_doc(json.loads(doc))) != key:
                raise ValueError(f"{self.path}: media index entry {key} no longer matches")
        for tenant, label in self.db.execute("SELECT tenant, label FROM tenants"):
            accounts.remember(tenant, label)
        rng = self.get_meta("rng")
        if rng is not None and rng.get("seed") == ids.seed:
            ids.setstate(rng)
        self.store.load()

        def remember_tenant(tenant: str) -> None:
            self.db.execute(
                "INSERT OR REPLACE INTO tenants (tenant, label) VALUES (?, ?)",
                (tenant, accounts.label(tenant)),
            )

        def on_add(job: Job) -> None:
            for out in job.outputs:
                spec = media.spec(out.media_key)
                if spec is not None:
                    self.db.execute(
                        "INSERT OR IGNORE INTO specs (key, doc) VALUES (?, ?)",
                        (out.media_key, dumps(spec_to_doc(spec))),
                    )
            remember_tenant(job.tenant)
            self.put_meta("rng", ids.getstate())

        self.store.on_add = on_add
        if isinstance(engine.ledger, SqliteLedger):
            engine.ledger.on_tenant = remember_tenant

    # -- journal --------------------------------------------------------------
    def journal_sink(self, entry: dict[str, Any]) -> None:
        self.db.execute("INSERT INTO journal (doc) VALUES (?)", (dumps(entry),))
        self._journal_writes += 1
        if self._journal_writes % 100 == 0:  # trim now and then, not on every request
            self.db.execute(
                "DELETE FROM journal WHERE seq <= (SELECT MAX(seq) FROM journal) - ?",
                (self.journal_size,),
            )

    def journal_entries(self) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT doc FROM journal ORDER BY seq DESC LIMIT ?", (self.journal_size,)
        ).fetchall()
        return [json.loads(doc) for (doc,) in reversed(rows)]

    def clear_journal(self) -> None:
        self.db.execute("DELETE FROM journal")

    def close(self) -> None:
        self.db.close()
        self._lock.release()
