"""Where jobs live. In memory by default; a persistent store subclasses :class:`Store`."""

from __future__ import annotations

from collections.abc import Iterator

from mock_server.core.jobs import Job, State

__all__ = ["Store"]


class Store:
    """Jobs by id, plus each model's queue in submission order."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        # insertion-ordered dicts: a third smaller than OrderedDict, O(1) removal too
        self._queues: dict[tuple[str, str], dict[str, Job]] = {}
        self._videos: dict[str, str] = {}

    def add(self, job: Job) -> None:
        self._jobs[job.id] = job
        if job.state is State.QUEUED:
            self._queues.setdefault((job.provider, job.model_id), {})[job.id] = job
        for out in job.outputs:
            self._videos[out.video_id] = job.id

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def save(self, job: Job) -> None:
        """Record a change to ``job`` (in memory there is nothing to write)."""
        if job.state is not State.QUEUED:
            queue = self._queues.get((job.provider, job.model_id))
            if queue is not None:
                queue.pop(job.id, None)

    def queued(self, provider: str, model_id: str) -> list[str]:
        """Ids still marked queued for this model, oldest first."""
        return list(self._queues.get((provider, model_id), ()))

    def ahead_of(self, job: Job) -> list[Job]:
        """Jobs still marked queued for ``job``'s model before it, oldest first: a walk
        of its position, not a copy of the whole queue (this runs on every status poll)."""
        ahead: list[Job] = []
        for other in self._queues.get((job.provider, job.model_id), {}).values():
            if other is job:
                break
            ahead.append(other)
        return ahead

    def job_for_video(self, video_id: str) -> Job | None:
        job_id = self._videos.get(video_id)
        return self._jobs.get(job_id) if job_id else None

    def __iter__(self) -> Iterator[Job]:
        return iter(list(self._jobs.values()))

    def __len__(self) -> int:
        return len(self._jobs)

    def clear(self) -> None:
        self._jobs.clear()
        self._queues.clear()
        self._videos.clear()
