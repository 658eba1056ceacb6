"""A webhook delivery as the dispatcher keeps it (its attempts, its state) and where
deliveries are kept beyond one process (:class:`DeliveryStore`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["Attempt", "Delivery", "DeliveryStore"]


@dataclass(slots=True)
class Attempt:
    """One POST: when (engine clock), what came back, and how long it took (real ms)."""

    number: int
    at: float
    status: int | None = None
    error: str | None = None
    elapsed_ms: float = 0.0
    refused: bool = False  # the target is the emulator itself: never retried

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass(slots=True)
class Delivery:
    """One body for one URL, with every attempt made to deliver it.

    ``state`` is ``pending`` (first attempt not finished), ``retrying`` (waiting for
    ``next_attempt_at``), ``delivered``, ``failed`` (attempts used up) or
    ``cancelled`` (the emulator shut down first).
    """

    id: str
    source: str
    ref: str
    url: str
    body: Any
    created_at: float
    state: str = "pending"
    attempts: list[Attempt] = field(default_factory=list)
    next_attempt_at: float | None = None
    stored: bool = False  # written to a DeliveryStore at least once (not part of the doc)

    @property
    def done(self) -> bool:
        return self.state in ("delivered", "failed", "cancelled")

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Delivery:
        """A delivery as :meth:`to_dict` wrote it (another worker's, to finish here)."""
        attempts = [
            Attempt(a["number"], a["at"], a["status"], a["error"], a["elapsed_ms"])
            for a in doc.get("attempts", [])
        ]
        return cls(
            doc["id"],
            doc["source"],
            doc["ref"],
            doc["url"],
            doc["body"],
            doc["created_at"],
            doc["state"],
            attempts,
            doc.get("next_attempt_at"),
            stored=True,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view for listings."""
        return {
            "id": self.id,
            "source": self.source,
            "ref": self.ref,
            "url": self.url,
            "state": self.state,
            "created_at": self.created_at,
            "next_attempt_at": self.next_attempt_at,
            "body": self.body,
            "attempts": [
                {
                    "number": a.number,
                    "at": a.at,
                    "status": a.status,
                    "error": a.error,
                    "elapsed_ms": round(a.elapsed_ms, 3),
                }
                for a in self.attempts
            ],
        }


class DeliveryStore(Protocol):
    """Where deliveries are kept beyond this process (one per worker)."""

    prefix: str  # in this worker's delivery ids, so that ids are unique across workers
    beat_every: float  # real seconds between heartbeats (and looks for orphans)

    async def save(self, doc: dict[str, Any], *, new: bool) -> bool:
        """Write a delivery (``Delivery.to_dict()``, ``new`` the first time); an
        unfinished one is this worker's. False, writing nothing, when another worker
        has adopted it: that worker sends it from then on."""
        ...

    async def beat(self) -> None:
        """This worker is alive and sending its deliveries."""
        ...

    async def adopt(self) -> list[dict[str, Any]]:
        """Take over the unfinished deliveries of workers that are gone; returns every
        unfinished delivery this worker owns (those it runs already included)."""
        ...

    async def stop(self) -> None:
        """This worker stops: its unfinished deliveries are for others to adopt."""
        ...

    async def listing(self) -> list[dict[str, Any]]:
        """Every worker's deliveries, oldest first."""
        ...

    async def clear(self) -> None: ...
