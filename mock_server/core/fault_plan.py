"""What is planned to go wrong: scripted sequences, seeded chaos, armed job faults and
webhook delivery faults. Set through the control API; read by the policy hooks.

>>> plan = FaultPlan(seed=7)
>>> plan.script("runcomfy.submit", ["http-429", "http-429"])  # next two submits: 429
>>> plan.chaos = Chaos(error_rate=0.1, drop_rate=0.01, seed=7)
>>> plan.arm("moderation@30", count=1)            # the next job fails at 30 %
>>> plan.webhooks.duplicates = 1                  # every webhook arrives twice

All randomness comes from ``random.Random`` instances seeded here, never the global RNG.
"""

from __future__ import annotations

import fnmatch
import random
from collections import deque
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from mock_server.core.faults import FaultItem, job_fault_from, merge_faults, parse_faults
from mock_server.core.jobs import Failure, Job, JobFault

__all__ = ["ArmedFault", "Chaos", "FaultPlan", "InvalidSetting", "WebhookFaults"]

MAX_SCRIPTED_STEPS = 100_000  # queued request faults, over every script
MAX_ARMED = 1_000_000  # jobs one armed fault may still hit
SEED_MAX = 2**63 - 1


class InvalidSetting(ValueError):
    """A fault setting that cannot be used; the message says why and may be shown."""


def _whole(value: Any, name: str, low: int, high: int) -> int:
    """An integer in [low, high] (an integral JSON float such as 3.0 counts)."""
    if isinstance(value, float) and value.is_integer() and low <= value <= high:
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidSetting(f"{name} must be an integer from {low} to {high}")
    return value


def _fraction(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise InvalidSetting(f"{name} must be a number between 0 and 1")  # also NaN, inf
    return float(value)


@dataclass(slots=True)
class Chaos:
    """Seeded random failures for every request whose operation matches ``operations``.

    Rates are probabilities per request (``job_failure_rate``: per accepted job).
    """

    error_rate: float = 0.0
    error_statuses: tuple[int, ...] = (500, 502, 503)
    latency_rate: float = 0.0
    latency_seconds: tuple[float, float] = (0.2, 1.0)
    drop_rate: float = 0.0
    job_failure_rate: float = 0.0
    operations: str = "*"
    seed: int = 0

    def __post_init__(self) -> None:
        """Check every field's type and range before using it (InvalidSetting)."""
        for name in ("error_rate", "latency_rate", "drop_rate", "job_failure_rate"):
            setattr(self, name, _fraction(getattr(self, name), name))
        statuses = self.error_statuses
        if not isinstance(statuses, list | tuple) or len(statuses) > 20:
            raise InvalidSetting("error_statuses must be a list of at most 20 HTTP statuses")
        self.error_statuses = tuple(_whole(s, "each error status", 429, 599) for s in statuses)
        self.error_statuses = self.error_statuses or (500,)
        if any(not (s == 429 or 500 <= s <= 599) for s in self.error_statuses):
            raise InvalidSetting("error_statuses must be 429 or 500-599")
        bounds = self.latency_seconds
        if (
            not isinstance(bounds, list | tuple)
            or len(bounds) != 2
            or any(isinstance(x, bool) or not isinstance(x, int | float) for x in bounds)
            or not 0 <= bounds[0] <= bounds[1] <= 600
        ):
            raise InvalidSetting("latency_seconds must be [low, high] with 0 <= low <= high <= 600")
        self.latency_seconds = (float(bounds[0]), float(bounds[1]))
        if not isinstance(self.operations, str) or not 0 < len(self.operations) <= 200:
            raise InvalidSetting("operations must be a pattern such as 'runcomfy.*'")
        self.seed = _whole(self.seed, "seed", -SEED_MAX, SEED_MAX)

    @property
    def active(self) -> bool:
        return any((self.error_rate, self.latency_rate, self.drop_rate, self.job_failure_rate))

    @classmethod
    def parse(cls, text: str, seed: int = 0) -> Chaos:
        """From ``"error=0.1,latency=0.2,latency_seconds=0.5-2,drop=0.01,fail=0.05"``."""
        names = {"error": "error_rate", "latency": "latency_rate", "drop": "drop_rate"}
        names |= {"fail": "job_failure_rate", "statuses": "error_statuses"}
        values: dict[str, Any] = {"seed": seed}
        for part in filter(None, (p.strip() for p in text.split(","))):
            key, sep, raw = part.partition("=")
            key = names.get(key.strip(), key.strip())
            if not sep or key not in cls.__dataclass_fields__:
                raise InvalidSetting(f"chaos: cannot read {part!r} (e.g. error=0.1,drop=0.01)")
            try:
                if key == "error_statuses":
                    values[key] = tuple(int(s) for s in raw.split("/"))
                elif key == "latency_seconds":
                    low, _, high = raw.partition("-")
                    values[key] = (float(low), float(high or low))
                elif key == "operations":
                    values[key] = raw.strip()
                else:
                    values[key] = int(raw) if key == "seed" else float(raw)
            except ValueError:
                raise InvalidSetting(
                    f"chaos: {part!r} is not a number where one is needed"
                ) from None
        return cls(**values)


@dataclass(slots=True)
class ArmedFault:
    """A job fault waiting for the next ``remaining`` jobs of a matching ``provider``."""

    fault: JobFault
    remaining: int
    provider: str = "*"
    spec: str = ""


@dataclass(slots=True)
class WebhookFaults:
    """Delivery faults the webhook dispatcher applies (all times in emulated seconds).

    Contract for a dispatcher: for each delivery it would make for ``job``, call
    ``schedule(job)`` and send one copy per returned delay, each after waiting that
    many emulated seconds (``clock.sleep``). ``[0.0]`` means "send once, now".
    """

    duplicates: int = 0
    delay_seconds: float = 0.0
    disorder_seconds: float = 0.0
    seed: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def __post_init__(self) -> None:
        self._rng.seed(self.seed)

    def schedule(self, job: Job | None = None) -> list[float]:
        """Delays for each copy of one delivery: global settings, overridden per job."""
        dup, delay, disorder = self.duplicates, self.delay_seconds, self.disorder_seconds
        fault = job.fault if job is not None else None
        if fault is not None:
            dup = fault.webhook_duplicates or dup
            delay = fault.webhook_delay_seconds or delay
            disorder = fault.webhook_disorder_seconds or disorder
        copies = 1 + max(0, min(int(dup), 10))
        return [
            max(0.0, delay) + (self._rng.uniform(0, disorder) if disorder > 0 else 0.0)
            for _ in range(copies)
        ]

    def settings(self) -> dict[str, Any]:
        return {
            "duplicates": self.duplicates,
            "delay_seconds": self.delay_seconds,
            "disorder_seconds": self.disorder_seconds,
        }

    def update(self, **values: Any) -> None:
        keys = ("duplicates", "delay_seconds", "disorder_seconds")
        unknown = set(values) - set(keys)
        if unknown:
            raise InvalidSetting(f"unknown webhook fault settings: {', '.join(sorted(unknown))}")
        for key in keys:
            if key in values and values[key] is not None:
                value = values[key]
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise InvalidSetting(f"{key} must be a number")
                if not 0 <= value <= 86_400:  # also refuses NaN and infinity
                    raise InvalidSetting(f"{key} must be between 0 and 86400")
                setattr(self, key, int(value) if key == "duplicates" else float(value))


class FaultPlan:
    """Mutable fault settings shared by the policy hooks and the control API."""

    def __init__(self, seed: int = 0, chaos: Chaos | None = None) -> None:
        self.seed = seed
        self._initial_chaos = chaos or Chaos(seed=seed)
        self.chaos = replace(self._initial_chaos)
        self._rng = random.Random(self.chaos.seed)
        self._scripts: list[tuple[str, deque[list[FaultItem]]]] = []
        self._armed: list[ArmedFault] = []
        self.webhooks = WebhookFaults(seed=seed)

    def set_chaos(self, chaos: Chaos) -> None:
        self.chaos = chaos
        self._rng = random.Random(chaos.seed)

    # -- scripted request faults ---------------------------------------------
    def script(self, operation: str, steps: list[str]) -> None:
        """Queue one step per future request to ``operation`` (fnmatch pattern).

        Each step is request faults (``http-429``, ``latency=1, http-503``) or ``pass``.
        """
        queued = sum(len(q) for _, q in self._scripts)
        if queued + len(steps) > MAX_SCRIPTED_STEPS:
            raise InvalidSetting(
                f"at most {MAX_SCRIPTED_STEPS} scripted steps may wait at once ({queued} do)"
            )
        parsed = [parse_faults(step, field="steps") for step in steps]
        for items in parsed:
            if any(not i.is_request for i in items):
                raise InvalidSetting("script steps take request faults only; arm job faults")
        for pattern, queue in self._scripts:
            if pattern == operation:
                queue.extend(parsed)
                return
        self._scripts.append((operation, deque(parsed)))

    def next_step(self, operation: str) -> list[FaultItem]:
        for pattern, queue in self._scripts:
            if queue and fnmatch.fnmatchcase(operation, pattern):
                return queue.popleft()
        return []

    # -- chaos ----------------------------------------------------------------
    def chaos_items(self, operation: str) -> list[FaultItem]:
        """Random request faults for one request (drawn from the seeded stream)."""
        c = self.chaos
        if not c.active or not fnmatch.fnmatchcase(operation, c.operations):
            return []
        items: list[FaultItem] = []
        if c.latency_rate and self._rng.random() < c.latency_rate:
            items.append(FaultItem("latency", value=self._rng.uniform(*c.latency_seconds)))
        if c.drop_rate and self._rng.random() < c.drop_rate:
            items.append(FaultItem("drop"))
        elif c.error_rate and self._rng.random() < c.error_rate:
            items.append(FaultItem(f"http-{self._rng.choice(c.error_statuses)}"))
        return items

    def chaos_job_fault(self) -> JobFault | None:
        c = self.chaos
        if not c.job_failure_rate or self._rng.random() >= c.job_failure_rate:
            return None
        at = self._rng.randrange(0, 100)
        return JobFault(fail_at_progress=at, failure=Failure("provider", "random failure"))

    # -- armed job faults -----------------------------------------------------
    def arm(self, spec: str | JobFault, count: int = 1, provider: str = "*") -> None:
        """Plant ``spec`` (fault words, or a JobFault) in the next ``count`` jobs."""
        if not 1 <= count <= MAX_ARMED:
            raise InvalidSetting(f"count must be from 1 to {MAX_ARMED}")
        if isinstance(spec, JobFault):
            fault, text = spec, "custom"
        else:
            items = parse_faults(spec)
            fault_or_none = job_fault_from(items)
            if fault_or_none is None or any(i.is_request for i in items):
                raise InvalidSetting(
                    "arm takes job faults (moderation@N, stuck, ...); script others"
                )
            fault, text = fault_or_none, spec
        self._armed.append(ArmedFault(fault, count, provider, text))

    def take_armed(self, provider: str) -> JobFault | None:
        for armed in self._armed:
            if armed.remaining > 0 and fnmatch.fnmatchcase(provider, armed.provider):
                armed.remaining -= 1
                if armed.remaining == 0:
                    self._armed.remove(armed)
                return armed.fault
        return None

    def job_fault(self, provider: str, *declared: JobFault | None) -> JobFault | None:
        """Armed, then chaos, then declared (header/prompt) faults, later ones winning."""
        return merge_faults(self.take_armed(provider), self.chaos_job_fault(), *declared)

    # -- overview -------------------------------------------------------------
    def reseed(self, seed: int) -> None:
        """Restart every random stream (chaos, webhook disorder) from ``seed``."""
        self.seed = seed
        self.set_chaos(replace(self.chaos, seed=seed))
        self.webhooks.seed = seed
        self.webhooks._rng.seed(seed)

    def clear(self) -> None:
        """Back to the configured state: no scripts, no armed faults, startup chaos."""
        self._scripts.clear()
        self._armed.clear()
        self.set_chaos(replace(self._initial_chaos, seed=self.seed))
        self.webhooks.update(duplicates=0, delay_seconds=0, disorder_seconds=0)
        self.webhooks._rng.seed(self.seed)

    def snapshot(self) -> dict[str, Any]:
        chaos = asdict(self.chaos)
        return {
            "scripts": [
                {"operation": p, "steps": [", ".join(map(str, s)) or "pass" for s in q]}
                for p, q in self._scripts
                if q
            ],
            "chaos": chaos,
            "armed": [
                {"fault": a.spec, "remaining": a.remaining, "provider": a.provider}
                for a in self._armed
            ],
            "webhooks": self.webhooks.settings(),
        }
