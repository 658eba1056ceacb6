"""What happens when a Runware task finishes without being asked: webhooks and ``ttl``.

* A task with ``webhookURL`` gets one POST per finished item, in the sync-response
  envelope: ``{"data": [<success item>]}`` per video, or ``{"errors": [<error>]}``
  when the generation failed. The provider-neutral dispatcher (``emu.extras
  ["webhooks"]``) sends, retries and logs them.
* A task with ``ttl`` has its video URLs answer 404 once ``ttl`` seconds (engine
  clock) have passed since it finished.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from mock_server.core.clock import Clock
from mock_server.core.jobs import Job, State
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.providers.runware.tasks import PROVIDER, Tasks

MediaGate = Callable[[str], Awaitable[bool]]

__all__ = ["Notifier"]


class Notifier:
    """An engine listener (``engine.subscribe(notifier.on_change)``) plus a media gate."""

    def __init__(
        self, tasks: Tasks, hooks: WebhookDispatcher, clock: Clock, extras: dict[str, Any]
    ) -> None:
        self.tasks = tasks
        self.hooks = hooks
        self.clock = clock
        self._extras = extras
        self._expires: dict[str, float] = {}

    def _delays(self, job: Job) -> list[float]:
        """One delay per copy of a delivery: the sandbox's webhook faults, if installed."""
        faults = self._extras.get("webhook_faults")
        return list(faults.schedule(job)) if faults is not None else [0.0]

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
            for delay in self._delays(job):
                self.hooks.submit(str(url), body, source=PROVIDER, ref=job.id, delay=delay)

    def media_gate(self, previous: MediaGate | None) -> MediaGate:
        """A ``media_gate`` that hides expired outputs, then asks ``previous`` (if any)."""

        async def gate(key: str) -> bool:
            expires = self._expires.get(key)
            if expires is not None and self.clock.now() >= expires:
                return False
            return await previous(key) if previous is not None else True

        return gate
