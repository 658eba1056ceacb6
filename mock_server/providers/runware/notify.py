"""What happens when a Runware task finishes without being asked: webhooks and ``ttl``.

* A task with ``webhookURL`` gets one POST per finished item, in the sync-response
  envelope: ``{"data": [<success item>]}`` per video, or ``{"errors": [<error>]}``
  when the generation failed. The provider-neutral dispatcher (``emu.webhooks``)
  sends, retries and logs them; the sandbox's policies say how many copies go out
  and after what delay.
* A task with ``ttl`` has its video URLs answer 404 once ``ttl`` seconds (engine
  clock) have passed since it finished.
"""

from __future__ import annotations

from mock_server.core.jobs import Job, State
from mock_server.emulator import Emulator
from mock_server.providers.runware.tasks import PROVIDER, Tasks

__all__ = ["Notifier"]


class Notifier:
    """An engine listener (``engine.subscribe(notifier.on_change)``) plus a media gate."""

    def __init__(self, tasks: Tasks, emu: Emulator) -> None:
        self.tasks = tasks
        self.emu = emu
        self.clock = emu.clock
        self._expires: dict[str, float] = {}

    def on_change(self, job: Job, previous: State) -> None:
        if job.provider != PROVIDER or not job.terminal:
            return
        ttl = job.meta.get("ttl")
        if job.state is State.SUCCEEDED and ttl and job.finished_at is not None:
            for out in job.outputs:
                self._expires[out.media_key] = job.finished_at + float(ttl)
        url = job.meta.get("webhook_url")
        if not url:
            return
        reply = self.tasks.result(job)
        bodies = [{"data": [item]} for item in reply.data]
        bodies += [{"errors": [item]} for item in reply.errors]
        for body in bodies:
            for delay in self.emu.policies.webhook_delays(job):
                self.emu.webhooks.submit(str(url), body, source=PROVIDER, ref=job.id, delay=delay)

    async def media_gate(self, key: str) -> bool:
        """False once an output's ``ttl`` has passed."""
        expires = self._expires.get(key)
        return expires is None or self.clock.now() < expires
