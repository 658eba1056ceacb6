"""JSON Schema (2020-12) contracts for every message the Runware and RunComfy APIs
accept or send, as the emulator and the reference client understand them.

>>> from contracts import Contracts
>>> contracts = Contracts.default()
>>> contracts.check("runware/response", {"data": [{"taskType": "ping", "pong": True}]})
>>> [str(v) for v in contracts.errors("runcomfy/cancel-response", {"request_id": "r"})]
['$.outcome: is required but missing', '$.status: is required but missing']

The schema files live in ``contracts/schemas/<provider>/<message>.json``; the model
parts (``models.json``) are generated from the catalog by ``python -m contracts.generate``.
:mod:`contracts.states` names the provider-neutral job states both sides speak.
This package imports nothing from the rest of the project.
"""

from __future__ import annotations

from typing import Any

from contracts.registry import ContractError, Contracts, Violation, json_path, slug

__all__ = ["ContractError", "Contracts", "Violation", "json_path", "model_documents", "slug"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that `python -m contracts.generate` runs the module only once.
    if name == "model_documents":
        from contracts.generate import model_documents

        return model_documents
    raise AttributeError(name)
