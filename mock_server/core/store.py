"""Jobs in process memory: the default :class:`~mock_server.core.state.JobStore`.

:class:`~mock_server.core.persist.SqliteStore` subclasses it to write every change
through to a file. Jobs returned by :meth:`Store.get` are the stored objects.
"""

from __future__ import annotations

from array import array
from typing import Any

from mock_server.core.jobs import Job, State
from mock_server.core.state import UPDATABLE, JobStore, Move

__all__ = ["RankedQueue", "Store", "Tenants"]


class RankedQueue:
    """Ids in insertion order with O(log n) append, removal and rank (a Fenwick tree
    over insertion slots; slots are renumbered when the queue drains or thins out)."""

    __slots__ = ("_next", "_slots", "_tree")

    def __init__(self, capacity: int = 16) -> None:
        self._slots: dict[str, int] = {}
        self._tree = array("q", bytes(8 * (capacity + 1)))
        self._next = 1

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, item: str) -> bool:
        return item in self._slots

    def append(self, item: str) -> None:
        if item in self._slots:
            return
        if self._next >= len(self._tree):
            self._renumber()
        slot = self._next
        self._next += 1
        self._slots[item] = slot
        self._add(slot, 1)

    def remove(self, item: str) -> None:
        slot = self._slots.pop(item, None)
        if slot is None:
            return
        self._add(slot, -1)
        if not self._slots:  # drained: start numbering again from the first slot
            self._renumber()

    def rank(self, item: str) -> int:
        """How many items precede ``item`` (0 for the first; -1 when absent)."""
        slot = self._slots.get(item)
        if slot is None:
            return -1
        total, i = 0, slot - 1
        tree = self._tree
        while i > 0:
            total += tree[i]
            i -= i & -i
        return total

    def items(self) -> list[str]:
        return sorted(self._slots, key=self._slots.__getitem__)

    def _add(self, slot: int, delta: int) -> None:
        tree, size = self._tree, len(self._tree)
        while slot < size:
            tree[slot] += delta
            slot += slot & -slot

    def _renumber(self) -> None:
        """Give the live items slots 1..n in order, doubling the capacity when more
        than half of it is live (amortised O(1) per append)."""
        order = self.items()
        capacity = len(self._tree) - 1
        if len(order) * 2 > capacity:
            capacity *= 2
        tree = array("q", bytes(8 * (capacity + 1)))
        self._slots = {}
        for slot, item in enumerate(order, 1):
            self._slots[item] = slot
            tree[slot] += 1
            parent = slot + (slot & -slot)
            if parent <= capacity:
                tree[parent] += tree[slot]
        for slot in range(len(order) + 1, capacity + 1):  # finish the linear build
            parent = slot + (slot & -slot)
            if parent <= capacity:
                tree[parent] += tree[slot]
        self._tree = tree
        self._next = len(order) + 1


class Store(JobStore):
    """Jobs by id, each model's queue in submission order, each tenant's unfinished
    jobs (so a concurrency check never scans the store)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._queues: dict[tuple[str, str], RankedQueue] = {}
        self._videos: dict[str, str] = {}
        self._media: dict[str, str] = {}
        self._active: dict[str, dict[str, None]] = {}

    # -- JobStore -------------------------------------------------------------
    async def insert(self, job: Job) -> bool:
        if job.id in self._jobs:
            return False
        self._index(job)
        self._written(job, new=True)
        return True

    async def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    async def apply(self, move: Move) -> bool:
        job = self._jobs.get(move.job_id)
        if job is None or job.state is not move.expected:
            return False
        job.move(move.new, move.at)
        if move.failure is not None:
            job.failure = move.failure
        if move.expected is State.QUEUED:
            queue = self._queues.get((job.provider, job.model_id))
            if queue is not None:
                queue.remove(job.id)
        if job.terminal:
            self._active.get(job.tenant, {}).pop(job.id, None)
        self._written(job)
        return True

    async def poll(
        self, job_id: str, tenant: str | None = None, provider: str | None = None
    ) -> Job | None:
        job = self._jobs.get(job_id)
        if job is None or job.terminal:
            return job
        if tenant in (None, job.tenant) and provider in (None, job.provider):
            job.polls += 1
            self._written(job)
        return job

    async def update(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"job fields {sorted(unknown)} cannot be updated")
        job = self._jobs.get(job_id)
        if job is None:
            return
        for name, value in fields.items():
            setattr(job, name, value)
        self._written(job)

    async def queue_rank(self, job: Job) -> int:
        queue = self._queues.get((job.provider, job.model_id))
        return max(0, queue.rank(job.id)) if queue is not None else 0

    async def job_for_video(self, video_id: str) -> Job | None:
        job_id = self._videos.get(video_id)
        return self._jobs.get(job_id) if job_id else None

    async def job_for_media(self, media_key: str) -> Job | None:
        job_id = self._media.get(media_key)
        return self._jobs.get(job_id) if job_id else None

    async def active(self, tenant: str) -> list[Job]:
        return [self._jobs[i] for i in self._active.get(tenant, ())]

    async def unfinished(self) -> list[Job]:
        return [job for job in self._jobs.values() if not job.terminal]

    async def jobs(self) -> list[Job]:
        return list(self._jobs.values())

    async def count(self) -> int:
        return len(self._jobs)

    async def clear(self) -> None:
        self._jobs.clear()
        self._queues.clear()
        self._videos.clear()
        self._media.clear()
        self._active.clear()

    # -- memory only ----------------------------------------------------------
    def __len__(self) -> int:
        return len(self._jobs)

    def __contains__(self, job_id: object) -> bool:
        return job_id in self._jobs

    def peek(self, job_id: str) -> Job | None:
        """The job, read without awaiting (tests reading a server in another thread)."""
        return self._jobs.get(job_id)

    def media_owner(self, media_key: str) -> Job | None:
        """The job that names ``media_key``, read without awaiting."""
        job_id = self._media.get(media_key)
        return self._jobs.get(job_id) if job_id else None

    def _index(self, job: Job) -> None:
        self._jobs[job.id] = job
        if job.state is State.QUEUED:
            key = (job.provider, job.model_id)
            queue = self._queues.get(key)
            if queue is None:
                queue = self._queues[key] = RankedQueue()
            queue.append(job.id)
        if not job.terminal:
            self._active.setdefault(job.tenant, {})[job.id] = None
        for out in job.outputs:
            self._videos[out.video_id] = job.id
            self._media[out.media_key] = job.id

    def _written(self, job: Job, *, new: bool = False) -> None:
        """Called after every change to ``job`` (a persistent store writes it)."""


class Tenants:
    """Tenant display labels in memory: the default
    :class:`~mock_server.core.state.TenantStore`."""

    def __init__(self) -> None:
        self._labels: dict[str, str] = {}

    async def remember(self, tenant: str, label: str) -> None:
        self._labels.setdefault(tenant, label)

    async def labels(self) -> dict[str, str]:
        return dict(self._labels)
