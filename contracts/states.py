"""The provider-neutral states of a job: one vocabulary for both providers, shared by
the emulator's engine and the reference client (each provider keeps its own words on
the wire: RunComfy's ``in_queue``, Runware's ``processing``...)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["State"]


class State(StrEnum):
    """One vocabulary for both providers (each keeps its own word in ``provider_status``)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in (State.SUCCEEDED, State.FAILED, State.CANCELLED)
