"""Which media ``GET /media/{key}`` may serve: a clip only once a job that produced it
has succeeded.

>>> access = MediaAccess(engine)          # subscribes to the engine's state changes
>>> await access.allows("9f...e1.mp4")    # False while its job is queued or cancelled

A clip's key is known from the moment its job is accepted (it names the clip's
recipe; nothing is encoded until the first download), but a real provider hands out a
URL only with the result, and a cancelled or failed job has none. With
``--shared-clips`` one key belongs to several jobs: it is served as soon as any of them
has succeeded, and stays served while that job exists. Input images
(``png``/``jpg``/``webp``) are what clients sent and are served as they are.

Succeeded jobs are noted as they succeed; a key not noted yet (a job read back from
the state file, or one whose success nobody has read) is looked up in the store's
media index (then, for a clip several jobs share, among the jobs) and brought up to
date, so the answer follows the clock as every other read does.
"""

from __future__ import annotations

from mock_server.core.engine import Engine
from mock_server.core.jobs import Job, State
from mock_server.media.library import IMAGE_MIME

__all__ = ["MediaAccess"]


class MediaAccess:
    """Media gating by job state."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._succeeded: dict[str, str] = {}  # clip key -> a succeeded job that produced it
        engine.subscribe(self._on_change)

    def _on_change(self, job: Job, previous: State) -> None:
        if job.state is State.SUCCEEDED:
            for out in job.outputs:
                self._succeeded.setdefault(out.media_key, job.id)

    async def allows(self, key: str) -> bool:
        if key.rsplit(".", 1)[-1] in IMAGE_MIME:
            return True
        job_id = self._succeeded.get(key)
        if job_id is not None:
            job = await self.engine.find(job_id)
            if job is not None and job.state is State.SUCCEEDED:
                return True
            del self._succeeded[key]  # that job is gone (a reset): look again
        indexed = await self.engine.store.job_for_media(key)
        if indexed is None:
            return False  # no job has it (unknown, or forgotten by a reset)
        await self.engine.refresh(indexed)
        if indexed.state is State.SUCCEEDED:
            self._succeeded[key] = indexed.id
            return True
        if self._own(key, indexed):
            return False
        for job in await self.engine.jobs():  # a clip shared by several jobs
            if any(out.media_key == key for out in job.outputs):
                await self.engine.refresh(job)
                if job.state is State.SUCCEEDED:
                    self._succeeded[key] = job.id
                    return True
        return False

    def _own(self, key: str, job: Job) -> bool:
        """Whether the clip names ``job``, so no other job can share it (a recipe this
        worker has not seen is a job's own unless clips are shared)."""
        spec = self.engine.media.spec(key)
        if spec is None:
            return not self.engine.settings.shared_clips
        return any(job.id in line for line in spec.label)
