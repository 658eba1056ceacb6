"""Seedable source of every id and random choice, so runs are reproducible.

Same seed + same sequence of requests => the same ids, seeds and bytes.
"""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any

__all__ = ["IdSource"]


class IdSource:
    """A seeded generator of UUIDs, hex tokens and integer seeds."""

    def __init__(self, seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.reseed(seed)

    def reseed(self, seed: int) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)

    def getstate(self) -> dict[str, Any]:
        """The stream's position as JSON-able data (persistence resumes from it)."""
        with self._lock:
            version, internal, gauss = self._rng.getstate()
            return {
                "seed": self.seed,
                "version": version,
                "internal": list(internal),
                "gauss": gauss,
            }

    def setstate(self, state: dict[str, Any]) -> None:
        """Resume the stream at a position from :meth:`getstate`."""
        with self._lock:
            self.seed = int(state["seed"])
            self._rng.setstate((state["version"], tuple(state["internal"]), state["gauss"]))

    def uuid4(self) -> str:
        """A version-4 UUID string drawn from the seeded stream."""
        with self._lock:
            bits = self._rng.getrandbits(128)
        return str(uuid.UUID(int=bits, version=4))

    def token(self, nbytes: int = 16) -> str:
        """A lowercase hex token of ``2 * nbytes`` characters."""
        with self._lock:
            return self._rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    def seed_value(self) -> int:
        """A non-negative 31-bit seed, the range generation seeds use on the wire."""
        with self._lock:
            return self._rng.randrange(1, 2**31)

    def random(self) -> float:
        with self._lock:
            return self._rng.random()
