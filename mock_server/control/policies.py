"""The sandbox's implementation of the :class:`~mock_server.emulator.Policies` hooks.

Every dialect calls the same three hooks, so faults stay provider-neutral: they are
raised as domain errors (``RateLimited``, ``ServiceFault``, ``InsufficientCredits``,
``InvalidParameter`` for a misspelt fault) or returned as a ``JobFault``, and each
dialect renders them in its own shape.

>>> policies = SandboxPolicies(FaultPlan(seed=0))
>>> await policies.before("runcomfy", "runcomfy.submit", {"X-Sora-Mock-Fault": "http-429"})
Traceback (most recent call last):
RateLimited: rate limit exceeded (injected by sora-mock)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from email.utils import format_datetime

from mock_server.control.journal import note
from mock_server.core.catalog import ModelOffer
from mock_server.core.fault_plan import FaultPlan
from mock_server.core.faults import (
    FaultItem,
    apply_request_faults,
    header_value,
    job_fault_from,
    parse_faults,
    prompt_faults,
    raise_request_fault,
)
from mock_server.core.jobs import Job, JobFault, State
from mock_server.emulator import Emulator

__all__ = [
    "MissingMedia",
    "SandboxPolicies",
    "deprecation_header",
    "lifecycle_headers",
    "sunset_header",
]


def _epoch(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp())


def deprecation_header(d: date) -> str:
    """RFC 9745: a Structured Field Date, ``@<epoch seconds>``."""
    return f"@{_epoch(d)}"


def sunset_header(d: date) -> str:
    """RFC 8594: an HTTP-date, e.g. ``Thu, 24 Sep 2026 00:00:00 GMT``."""
    return format_datetime(datetime(d.year, d.month, d.day, tzinfo=UTC), usegmt=True)


def lifecycle_headers(offer: ModelOffer) -> dict[str, str]:
    """``Deprecation`` and ``Sunset`` for ``offer`` (a fresh dict the caller may change)."""
    return dict(_lifecycle(offer.deprecated_on, offer.retires_on))


@functools.lru_cache(maxsize=256)
def _lifecycle(deprecated_on: date | None, retires_on: date | None) -> tuple[tuple[str, str], ...]:
    # formatted once per pair of dates: this runs on every request about a model
    headers: list[tuple[str, str]] = []
    if deprecated_on is not None:
        headers.append(("Deprecation", deprecation_header(deprecated_on)))
    if retires_on is not None:
        headers.append(("Sunset", sunset_header(retires_on)))
    return tuple(headers)


class SandboxPolicies:
    """Faults from the fault header, magic prompts, scripts, chaos and armed job faults;
    lifecycle headers from the catalog.

    ``on_request(provider, operation)`` is called first in every ``before`` (the app
    uses it to label the request journal).
    """

    def __init__(
        self,
        plan: FaultPlan,
        on_request: Callable[[str, str], None] | None = None,
    ) -> None:
        self.plan = plan
        self.on_request = on_request or (lambda p, o: note(provider=p, operation=o))

    async def before(self, provider: str, operation: str, headers: Mapping[str, str]) -> None:
        self.on_request(provider, operation)
        items: list[FaultItem] = []
        declared = header_value(headers)
        if declared:
            items += [i for i in parse_faults(declared) if i.is_request]
        items += self.plan.next_step(operation)
        items += self.plan.chaos_items(operation)
        if items:
            await apply_request_faults(items)

    def job_fault(self, provider: str, prompt: str, headers: Mapping[str, str]) -> JobFault | None:
        """The JobFault for a job being built; may raise for request faults in a prompt.

        A prompt tag such as ``[sora-mock:http-429]`` raises the request fault here,
        so an integrator without header control can still reach the 429/5xx/drop
        paths of a submit (latency in a prompt is ignored: this hook cannot wait).
        """
        from_prompt = prompt_faults(prompt)
        for item in from_prompt:
            if item.is_request and item.name != "latency":
                raise_request_fault(item)
        declared = header_value(headers)
        from_header = parse_faults(declared) if declared else []
        return self.plan.job_fault(
            provider, job_fault_from(from_header), job_fault_from(from_prompt)
        )

    def model_headers(self, offer: ModelOffer) -> dict[str, str]:
        return lifecycle_headers(offer)

    def webhook_delays(self, job: Job | None = None) -> list[float]:
        """One delay per copy of a webhook: the plan's webhook faults, or the job's own."""
        return self.plan.webhooks.schedule(job)


class MissingMedia:
    """A media gate: False (answer 404) while a clip is planted missing.

    A job with ``fault.media_missing_seconds = S`` serves its clips only from
    ``finished_at + S`` on the engine clock (and not at all before it succeeds).
    """

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    async def __call__(self, key: str) -> bool:
        job = await self.emu.engine.store.job_for_media(key)
        if job is None or job.fault is None or job.fault.media_missing_seconds <= 0:
            return True
        if job.state is not State.SUCCEEDED or job.finished_at is None:
            return False
        return self.emu.clock.now() >= job.finished_at + job.fault.media_missing_seconds
