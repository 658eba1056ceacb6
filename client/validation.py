"""Check every message against its contract before sending and on receipt.

>>> v = Validator("strict")
>>> v.check("request", "runware/request", [{"taskType": "ping"}])
Traceback (most recent call last):
ContractViolation: request breaks runware/request: $[0].ping: is required but missing

Modes: ``strict`` raises :class:`ContractViolation`; ``lenient`` emits a
:class:`ContractWarning` and carries on; ``off`` skips the check.
"""

from __future__ import annotations

import warnings
from typing import Any

from client.errors import ContractViolation, ContractWarning
from contracts import Contracts

__all__ = ["MODES", "Validator"]

MODES = ("strict", "lenient", "off")


class Validator:
    """Validation in one of :data:`MODES`, against ``contracts`` (the packaged ones by
    default)."""

    def __init__(self, mode: str = "strict", contracts: Contracts | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"validation must be one of {', '.join(MODES)}, not {mode!r}")
        self.mode = mode
        self.contracts = contracts or Contracts.default()

    def violations(self, schema: str, document: Any) -> list[tuple[str, str]]:
        return [(v.path, v.message) for v in self.contracts.errors(schema, document)]

    def check(self, direction: str, schema: str, document: Any) -> None:
        """Raise or warn (per the mode) if ``document`` breaks ``schema``."""
        if self.mode == "off":
            return
        found = self.violations(schema, document)
        if not found:
            return
        error = ContractViolation(direction, schema, found, document)
        if self.mode == "strict":
            raise error
        warnings.warn(str(error), ContractWarning, stacklevel=4)

    def fail(self, direction: str, schema: str, path: str, message: str, document: Any) -> None:
        """Report a problem the schema cannot express (e.g. a body that is not JSON).
        Raises even in lenient mode when the caller cannot go on without the data."""
        raise ContractViolation(direction, schema, [(path, message)], document)
