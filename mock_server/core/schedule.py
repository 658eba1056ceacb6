"""What fires at a time on the engine clock: the in-memory
:class:`~mock_server.core.state.Schedule` (a heap of ``(due, seq, job_id)``).

Entries are never removed when a job moves on early (cancelled, forced); the engine
re-reads the job when an entry comes due and ignores it if nothing is due.
"""

from __future__ import annotations

import heapq

__all__ = ["MemorySchedule"]


class MemorySchedule:
    """A heap of due times; rebuilt from the unfinished jobs after a restart."""

    persistent = False

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, str]] = []
        self._seq = 0

    async def add(self, due: float, job_id: str) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (due, self._seq, job_id))

    async def due(self, now: float) -> list[str]:
        found: list[str] = []
        stack = [0] if self._heap else []
        heap = self._heap
        while stack:  # walk only the heap's due subtree
            i = stack.pop()
            due, _, job_id = heap[i]
            if due > now:
                continue
            found.append(job_id)
            stack.extend(c for c in (2 * i + 1, 2 * i + 2) if c < len(heap))
        return found

    async def pop_due(self, now: float) -> list[str]:
        out: list[str] = []
        while self._heap and self._heap[0][0] <= now:
            out.append(heapq.heappop(self._heap)[2])
        return out

    async def next_due(self) -> float | None:
        return self._heap[0][0] if self._heap else None

    async def clear(self) -> None:
        self._heap.clear()

    def __len__(self) -> int:
        return len(self._heap)
