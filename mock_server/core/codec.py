"""JSON documents for what the persistent state keeps: jobs, charges and clip specs.

>>> job_from_doc(job_to_doc(job)) == job
True

Decoding ignores fields it does not know, so a database written by a newer version
with extra fields still loads.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from decimal import Decimal
from typing import Any

from mock_server.core.jobs import Failure, Job, JobFault, Output, Progression, State
from mock_server.core.ledger import Charge
from mock_server.media.synth import ClipSpec

__all__ = [
    "charge_from_doc",
    "charge_to_doc",
    "dumps",
    "job_from_doc",
    "job_to_doc",
    "spec_from_doc",
    "spec_to_doc",
]


def dumps(doc: Any) -> str:
    """Compact JSON; Decimals and anything unexpected in ``meta`` become strings."""
    return json.dumps(doc, separators=(",", ":"), default=str)


def _known(cls: Any, doc: dict[str, Any]) -> dict[str, Any]:
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in doc.items() if k in names}


def _failure(doc: dict[str, Any] | None) -> Failure | None:
    return Failure(**_known(Failure, doc)) if doc else None


def _fault(doc: dict[str, Any] | None) -> JobFault | None:
    if not doc:
        return None
    values = _known(JobFault, doc)
    values["failure"] = _failure(values.get("failure"))
    return JobFault(**values)


def job_to_doc(job: Job) -> dict[str, Any]:
    doc = asdict(job)
    doc["cost"] = str(job.cost)
    doc["state"] = job.state.value
    return doc


def job_from_doc(doc: dict[str, Any]) -> Job:
    values = _known(Job, doc)
    values["progression"] = Progression(**_known(Progression, values["progression"]))
    values["cost"] = Decimal(values["cost"])
    values["outputs"] = [Output(**_known(Output, o)) for o in values.get("outputs", [])]
    values["state"] = State(values["state"])
    values["fault"] = _fault(values.get("fault"))
    values["failure"] = _failure(values.get("failure"))
    if values.get("ttl") is None and isinstance(values.get("meta"), dict):
        values["ttl"] = values["meta"].get("ttl")  # where files written before kept it
    return Job(**values)


def charge_to_doc(charge: Charge) -> dict[str, Any]:
    doc = asdict(charge)
    doc["amount"] = str(charge.amount)
    return doc


def charge_from_doc(doc: dict[str, Any]) -> Charge:
    values = _known(Charge, doc)
    values["amount"] = Decimal(values["amount"])
    return Charge(**values)


def spec_to_doc(spec: ClipSpec) -> dict[str, Any]:
    return asdict(spec)


def spec_from_doc(doc: dict[str, Any]) -> ClipSpec:
    values = _known(ClipSpec, doc)
    values["label"] = tuple(values.get("label", ()))
    return ClipSpec(**values)
