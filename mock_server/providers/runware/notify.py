"""What happens when a Runware task finishes without being asked: webhooks.

A task with ``webhookURL`` gets one POST per finished item, in the sync-response
envelope: ``{"data": [<success item>]}`` per video, or ``{"errors": [<error>]}`` when
the generation failed. The provider-neutral dispatcher (``emu.webhooks``) sends,
retries and logs them; the sandbox's policies say how many copies go out and after
what delay. (A task's ``ttl`` is the engine's job expiry.)
"""

from __future__ import annotations

from mock_server.core.jobs import Job, State
from mock_server.emulator import Emulator
from mock_server.providers.runware.tasks import PROVIDER, Notes, Tasks

__all__ = ["Notifier"]


class Notifier:
    """An engine listener: ``engine.subscribe(notifier.on_change)``."""

    def __init__(self, tasks: Tasks, emu: Emulator) -> None:
        self.tasks = tasks
        self.emu = emu

    def on_change(self, job: Job, previous: State) -> None:
        if job.provider != PROVIDER or not job.terminal:
            return
        url = Notes.of(job).webhook_url
        if url is None:
            return
        reply = self.tasks.result(job)
        bodies = [{"data": [item]} for item in reply.data]
        bodies += [{"errors": [item]} for item in reply.errors]
        for body in bodies:
            for delay in self.emu.policies.webhook_delays(job):
                self.emu.webhooks.submit(url, body, source=PROVIDER, ref=job.id, delay=delay)
