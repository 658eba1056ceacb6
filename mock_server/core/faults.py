"""Fault vocabulary: one small language for every way a request or a job can go wrong.

The same words work in the ``X-Sora-Mock-Fault`` header, in a magic prompt tag and in
the control API, so an integrator can reach every failure path without admin access::

    X-Sora-Mock-Fault: http-429                     # this request answers 429
    X-Sora-Mock-Fault: latency=1.5, http-503        # wait 1.5 s, then 503
    "a cat on a skateboard [sora-mock:moderation@30]"   # job fails at 30 % (moderation)

>>> parse_faults("moderation@30, media-missing=20")
[FaultItem(name='moderation', at=30, value=None), FaultItem(name='media-missing', ...)]

Request faults act in the ``before`` hook (or, from a prompt, when the job is built);
job faults become a :class:`~mock_server.core.jobs.JobFault` in ``JobRequest.fault``.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from mock_server.core.errors import (
    InsufficientCredits,
    InvalidParameter,
    RateLimited,
    ServiceFault,
)
from mock_server.core.jobs import Failure, JobFault

__all__ = [
    "FAULT_HEADER",
    "JOB_FAULTS",
    "REQUEST_FAULTS",
    "DropConnection",
    "FaultItem",
    "apply_request_faults",
    "header_value",
    "job_fault_from",
    "merge_faults",
    "parse_faults",
    "prompt_faults",
]

FAULT_HEADER = "x-sora-mock-fault"
_MAGIC = re.compile(r"\[sora-mock:([^\]]*)\]", re.IGNORECASE)
_ITEM = re.compile(r"^([a-z][a-z0-9-]*)(?:@(\d{1,3}))?(?:=([0-9]+(?:\.[0-9]+)?))?$")

# name -> (what it does, default progress %, default value); kept in one table so the
# README, the error message for a typo and the parser cannot disagree.
REQUEST_FAULTS: dict[str, str] = {
    "http-429": "answer 429 in the provider's rate-limit shape",
    "http-5xx": "answer that 5xx status (500-599) in the provider's error shape",
    "credits": "answer 'insufficient credits' in the provider's shape",
    "drop": "close the connection without any response",
    "latency": "wait =S real seconds before answering (default 2)",
}
JOB_FAULTS: dict[str, str] = {
    "moderation": "job fails with content moderation at @N % (default 50)",
    "timeout": "job fails with a provider timeout at @N % (default 80)",
    "fail": "job fails with a generic provider error at @N % (default 50)",
    "stuck": "job stays queued until forced through the control API",
    "media-missing": "video URL answers 404 for =S emulated seconds after success (default 30)",
    "webhook-duplicate": "each webhook is delivered =N extra times (default 1)",
    "webhook-late": "each webhook is delivered =S emulated seconds late (default 30)",
    "webhook-disorder": "webhooks get a random extra delay of up to =S s (default 10)",
}
_FAILURES = {
    "moderation": (50, Failure("moderation", "The request was rejected by content moderation.")),
    "timeout": (
        80,
        Failure("timeout", "The provider did not respond within the timeout window."),
    ),
    "fail": (50, Failure("provider", "The provider failed to generate the video.")),
}


class DropConnection(BaseException):
    """Close the connection without answering.

    A BaseException on purpose: every dialect wraps its handlers in ``except Exception``
    to render errors in its own envelope, and this must pass through all of them to the
    ASGI layer, which aborts the socket.
    """


@dataclass(frozen=True, slots=True)
class FaultItem:
    """One word of the fault language: ``name[@at][=value]``."""

    name: str
    at: int | None = None
    value: float | None = None

    @property
    def is_request(self) -> bool:
        return self.name in REQUEST_FAULTS or _http_status(self.name) is not None

    def __str__(self) -> str:
        text = self.name + (f"@{self.at}" if self.at is not None else "")
        return text + (f"={self.value:g}" if self.value is not None else "")


def _http_status(name: str) -> int | None:
    if name.startswith("http-") and name[5:].isdigit():
        status = int(name[5:])
        if status == 429 or 500 <= status <= 599:
            return status
    return None


def known_faults() -> list[str]:
    return [*REQUEST_FAULTS, *JOB_FAULTS]


def parse_faults(text: str, *, field: str = "fault") -> list[FaultItem]:
    """Parse ``"a, b@30, c=2"`` (commas or spaces); unknown words raise InvalidParameter."""
    items: list[FaultItem] = []
    for word in re.split(r"[,\s]+", text.strip().lower()):
        if not word or word in ("pass", "ok", "none"):
            continue
        m = _ITEM.match(word)
        name = m.group(1) if m else word
        if m is None or not (name in REQUEST_FAULTS or name in JOB_FAULTS or _http_status(name)):
            raise InvalidParameter(
                field,
                f"unknown sora-mock fault {word!r}; known: {', '.join(known_faults())}",
                reason="unknown",
                allowed=known_faults(),
            )
        at = int(m.group(2)) if m.group(2) else None
        if at is not None and at > 99:
            raise InvalidParameter(field, f"fault progress must be 0-99, got {at}", reason="range")
        value = float(m.group(3)) if m.group(3) else None
        items.append(FaultItem(name, at, value))
    return items


def header_value(headers: Mapping[str, str], name: str = FAULT_HEADER) -> str | None:
    """A header by case-insensitive name, whatever mapping the dialect passes."""
    value = headers.get(name)
    if value is not None or not isinstance(headers, dict):
        return value  # other mappings (Starlette's Headers) already match any case
    for key, val in headers.items():
        if key.lower() == name:
            return str(val)
    return None


def prompt_faults(prompt: str) -> list[FaultItem]:
    """Every fault named in ``[sora-mock:...]`` tags inside ``prompt``."""
    items: list[FaultItem] = []
    for tag in _MAGIC.findall(prompt or ""):
        items += parse_faults(tag, field="prompt")
    return items


async def apply_request_faults(items: Iterable[FaultItem]) -> None:
    """Sleep for latency items, then raise for the first error item (if any)."""
    items = [i for i in items if i.is_request]
    for item in items:
        if item.name == "latency":
            await asyncio.sleep(min(item.value if item.value is not None else 2.0, 600.0))
    for item in items:
        raise_request_fault(item)


def raise_request_fault(item: FaultItem) -> None:
    """Raise the domain error (or connection drop) that ``item`` stands for."""
    if item.name == "drop":
        raise DropConnection()
    if item.name == "credits":
        raise InsufficientCredits(None, "0.00")
    if item.name == "http-429":
        raise RateLimited("rate limit exceeded (injected by sora-mock)", retry_after=1)
    status = _http_status(item.name)
    if status is not None:
        raise ServiceFault(status, f"service error {status} (injected by sora-mock)")


def job_fault_from(items: Iterable[FaultItem]) -> JobFault | None:
    """The JobFault the job-level items describe, or None if there are none."""
    fault = JobFault()
    touched = False
    for item in items:
        if item.name in _FAILURES:
            default_at, failure = _FAILURES[item.name]
            fault.fail_at_progress = item.at if item.at is not None else default_at
            fault.failure = failure
        elif item.name == "stuck":
            fault.stuck_in_queue = True
        elif item.name == "media-missing":
            fault.media_missing_seconds = item.value if item.value is not None else 30.0
        elif item.name == "webhook-duplicate":
            fault.webhook_duplicates = int(item.value if item.value is not None else 1)
        elif item.name == "webhook-late":
            fault.webhook_delay_seconds = item.value if item.value is not None else 30.0
        elif item.name == "webhook-disorder":
            fault.webhook_disorder_seconds = item.value if item.value is not None else 10.0
        else:
            continue
        touched = True
    return fault if touched else None


def merge_faults(*faults: JobFault | None) -> JobFault | None:
    """Later faults override the fields they set; None when nothing is set."""
    present = [f for f in faults if f is not None]
    if not present:
        return None
    merged = replace(present[0])
    default = JobFault()
    for fault in present[1:]:
        for f in fields(JobFault):
            value = getattr(fault, f.name)
            if value != getattr(default, f.name):
                setattr(merged, f.name, value)
    return merged
