"""The storage seam: every piece of state the engine reads or writes goes through the
asynchronous protocols below, so one backend can keep it in process memory
(:mod:`mock_server.core.store`, :mod:`mock_server.core.ledger`,
:mod:`mock_server.core.schedule`), another in SQLite (:mod:`mock_server.core.persist`)
and another in a server shared by several workers and hosts.

Implementing a shared backend (for example on Redis)
=====================================================

A backend supplies four objects and hands them to ``Engine(..., store=, ledger=,
schedule=)``; ``tenants`` is used by the composition root to keep tenant labels.

Rules every backend follows:

* **No worker-side caches.** Every method reads or writes the shared state; a job
  returned by :meth:`JobStore.get` is a snapshot that the engine may change locally,
  but only the store's methods change what other readers see. (The memory backend
  returns its own live objects; the engine is written so that both work.)
* **States only move forward.** :meth:`JobStore.transition` is a compare-and-set: it
  applies ``expected -> new`` only if the stored state is still ``expected`` and
  returns whether it did (a backend subclasses :class:`JobStore` and implements it
  once, as :meth:`JobStore.apply` of a :class:`Move`). Exactly one caller wins each
  race (cancel against start, two workers finishing the same job), and only the
  winner captures or releases money and notifies listeners. Legal moves are
  :data:`mock_server.core.jobs.ALLOWED`; ``RUNNING`` sets ``started_at = at``, every
  other target sets ``finished_at = at``.
* **Atomic counters.** :meth:`JobStore.poll` counts a status read and returns the job
  in one step (one Lua script on Redis: a poll is one round trip); it never touches a
  terminal job, nor another tenant's or provider's.
* **Unique ids.** :meth:`JobStore.insert` is insert-if-absent (``SET NX`` / a Lua
  script) and returns False when the id exists; the engine then draws another id (or
  answers :class:`~mock_server.core.errors.DuplicateJob` for a client-chosen one).
  Ids are drawn from :class:`~mock_server.core.ids.IdSource`, which is per process;
  give each worker its own stream (``IdSource(seed + worker_number)``) so workers do
  not keep colliding.
* **Money exact to the cent.** :meth:`LedgerStore.hold` checks the tenant's available
  balance and records the hold in one atomic step (a Lua script or ``WATCH``/``MULTI``)
  and raises :class:`~mock_server.core.errors.InsufficientCredits` when it does not
  fit. Amounts are :class:`decimal.Decimal`; store them as strings (or integer
  hundredths of a cent), never as floats. ``capture`` and ``release`` are called once
  per job, by the winner of its final transition.
* **Queue order.** Each (provider, model) has a queue of the jobs stored as
  ``QUEUED``, in insertion order. :meth:`JobStore.queue_rank` is the number of queued
  jobs of the same model inserted before the given one, in O(log n) or better
  (``ZRANK`` on a sorted set scored by an insertion counter). A transition out of
  ``QUEUED`` removes the job from its queue.
* **Scheduled events.** :meth:`Schedule.pop_due` removes and returns due entries
  atomically, so two workers never both handle one entry (``ZRANGEBYSCORE`` +
  ``ZREM`` in a Lua script). Entries may be stale (the job moved on meanwhile): the
  engine re-reads the job and ignores them. A persistent schedule sets
  ``persistent = True``; otherwise the engine rebuilds it from the unfinished jobs
  once per process.
* **Reset.** ``clear`` forgets everything of that kind; the engine calls it on every
  piece when the sandbox is reset.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from mock_server.core.jobs import ALLOWED, Failure, Job, State
from mock_server.core.ledger import Charge

__all__ = ["UPDATABLE", "JobStore", "LedgerStore", "Move", "Schedule", "TenantStore"]

#: The job fields :meth:`JobStore.update` may change (never the state or its times).
UPDATABLE = frozenset({"progression", "manual_progress", "cancel_requested", "fault", "meta"})


@dataclass(frozen=True, slots=True)
class Move:
    """One compare-and-set of a job's state: ``expected -> new`` at ``at``, with the
    failure that ends the job (a move to FAILED)."""

    job_id: str
    expected: State
    new: State
    at: float
    failure: Failure | None = None

    @property
    def legal(self) -> bool:
        """Whether the state machine allows it (:data:`~mock_server.core.jobs.ALLOWED`)."""
        return self.new in ALLOWED.get(self.expected, frozenset())


class JobStore(Protocol):
    """Jobs by id, each model's queue, each tenant's unfinished jobs."""

    async def insert(self, job: Job) -> bool:
        """Add a new job unless its id is taken (then False, nothing written); also
        indexes its outputs' video ids, its model queue and its tenant's active set."""
        ...

    async def get(self, job_id: str) -> Job | None: ...

    async def transition(
        self,
        job_id: str,
        expected: State,
        new: State,
        at: float,
        *,
        failure: Failure | None = None,
    ) -> bool:
        """Compare-and-set the state (see the module rules); ``failure`` is stored
        with the move. False when the stored state is not ``expected``. A backend
        implements it once, as :meth:`apply`."""
        return await self.apply(Move(job_id, expected, new, at, failure))

    async def apply(self, move: Move) -> bool:
        """Apply ``move`` if the stored state is still ``move.expected`` (True), else
        nothing (False); an illegal move from the expected state raises ValueError."""
        ...

    async def poll(
        self, job_id: str, tenant: str | None = None, provider: str | None = None
    ) -> Job | None:
        """The job (None when unknown), with one status read added first when it is
        unfinished and belongs to ``tenant`` and ``provider`` (None: to anyone)."""
        ...

    async def update(self, job_id: str, **fields: Any) -> None:
        """Set fields named in :data:`UPDATABLE` (others raise ValueError)."""
        ...

    async def queue_rank(self, job: Job) -> int:
        """How many jobs still stored as queued for ``job``'s model precede it."""
        ...

    async def job_for_video(self, video_id: str) -> Job | None: ...

    async def job_for_media(self, media_key: str) -> Job | None:
        """The job whose output has this media key (the latest, if clips are shared)."""
        ...

    async def active(self, tenant: str) -> list[Job]:
        """The tenant's jobs not yet in a terminal state."""
        ...

    async def unfinished(self) -> list[Job]:
        """Every job not yet in a terminal state."""
        ...

    async def jobs(self) -> list[Job]:
        """Every job, in insertion order."""
        ...

    async def count(self) -> int: ...

    async def clear(self) -> None: ...


class LedgerStore(Protocol):
    """Balances (None = unlimited), holds for accepted jobs, and charges."""

    default_balance: Decimal | None

    async def hold(self, job: Job) -> None:
        """Hold ``job.cost`` for ``job.tenant`` or raise InsufficientCredits, atomically."""
        ...

    async def capture(self, job: Job, at: float) -> Charge:
        """Turn the job's hold into a charge and deduct it from an explicit balance."""
        ...

    async def release(self, job: Job) -> None:
        """Drop the job's hold (cancelled or failed: nothing is charged)."""
        ...

    async def set_balance(self, tenant: str, amount: Decimal | None) -> None: ...

    async def balance(self, tenant: str) -> Decimal | None:
        """What the tenant has left after charges (holds not deducted)."""
        ...

    async def available(self, tenant: str) -> Decimal | None:
        """The balance minus open holds."""
        ...

    async def held(self, tenant: str) -> Decimal: ...

    async def tenants(self) -> set[str]:
        """Every tenant with an explicit balance, an open hold or a charge."""
        ...

    async def charges(self, tenant: str | None = None) -> list[Charge]:
        """Charges in the order they were made."""
        ...

    async def spent(self, tenant: str | None = None) -> Decimal: ...

    async def clear(self) -> None: ...


class Schedule(Protocol):
    """Job ids due at a time on the engine clock (a job's next start or finish)."""

    persistent: bool

    async def add(self, due: float, job_id: str) -> None: ...

    async def due(self, now: float) -> list[str]:
        """The ids of entries due at ``now``, left in place."""
        ...

    async def pop_due(self, now: float) -> list[str]:
        """Remove and return the entries due at ``now``, earliest first."""
        ...

    async def next_due(self) -> float | None:
        """The earliest entry's time, or None when nothing is scheduled."""
        ...

    async def clear(self) -> None: ...


class TenantStore(Protocol):
    """Display labels of the tenants seen (a masked key; never the key itself)."""

    async def remember(self, tenant: str, label: str) -> None: ...

    async def labels(self) -> dict[str, str]: ...
