"""JSON views of jobs, the bill and the catalog for the control API and the dashboard.

Tenants appear as ``accounts.label(tenant)`` (a masked key) and their opaque tenant
id; the raw key never leaves the emulator. Money is a decimal string (``"0.80"``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from mock_server.control.policies import lifecycle_headers
from mock_server.core.clock import iso8601
from mock_server.core.jobs import Job, State
from mock_server.emulator import Emulator

__all__ = ["job_view", "ledger_view", "models_view"]


def _iso(ts: float | None) -> str | None:
    return iso8601(ts) if ts is not None else None


def _money(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


async def job_view(emu: Emulator, job: Job) -> dict[str, Any]:
    offer = emu.catalog.find(job.provider, job.model_id)
    queued = job.state is State.QUEUED
    return {
        "id": job.id,
        "provider": job.provider,
        "model": job.model_id,
        "title": offer.title if offer else job.model_id,
        "tenant": job.tenant,
        "tenant_label": emu.accounts.label(job.tenant),
        "state": job.state.value,
        "queue_position": await emu.engine.queue_position(job) if queued else None,
        "progress": emu.engine.progress(job),
        "cost": _money(job.cost),
        "size": job.size,
        "seconds": job.seconds,
        "prompt": job.prompt,
        "progression": job.progression.kind,
        "polls": job.polls,
        "created_at": _iso(job.created_at),
        "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
        "failure": asdict(job.failure) if job.failure else None,
        "fault": asdict(job.fault) if job.fault else None,
        "outputs": [
            {
                "media_url": f"/media/{o.media_key}",
                "media_key": o.media_key,
                "uuid": o.uuid,
                "video_id": o.video_id,
                "seed": o.seed,
            }
            for o in job.outputs
        ],
    }


async def ledger_view(emu: Emulator) -> dict[str, Any]:
    """Per tenant: balance, held, spent, a per-model summary and the line items."""
    ledger = emu.engine.ledger
    charges = await ledger.charges()
    known = await ledger.tenants()
    tenants = set(emu.accounts.tenants()) | known | {c.tenant for c in charges}
    rows = []
    for tenant in sorted(tenants, key=emu.accounts.label):
        mine = [c for c in charges if c.tenant == tenant]
        by_model: dict[tuple[str, str], dict[str, Any]] = defaultdict(
            lambda: {"jobs": 0, "clips": 0, "video_seconds": 0, "amount": Decimal(0)}
        )
        for c in mine:
            row = by_model[(c.provider, c.model_id)]
            row["jobs"] += 1
            row["clips"] += c.count
            row["video_seconds"] += c.seconds * c.count
            row["amount"] += c.amount
        rows.append(
            {
                "tenant": tenant,
                "label": emu.accounts.label(tenant),
                "balance": _money(await ledger.balance(tenant)),
                "held": _money(await ledger.held(tenant)),
                "spent": _money(sum((c.amount for c in mine), Decimal(0))),
                "by_model": [
                    {"provider": p, "model": m, **v, "amount": _money(v["amount"])}
                    for (p, m), v in sorted(by_model.items())
                ],
                "charges": [
                    {
                        "at": iso8601(c.at),
                        "job_id": c.job_id,
                        "provider": c.provider,
                        "model": c.model_id,
                        "size": c.size,
                        "seconds": c.seconds,
                        "count": c.count,
                        "amount": _money(c.amount),
                    }
                    for c in mine
                ],
            }
        )
    return {"currency": "USD", "total": _money(await ledger.spent()), "tenants": rows}


def models_view(emu: Emulator) -> list[dict[str, Any]]:
    now = emu.clock.now()
    return [
        {
            "provider": o.provider,
            "model": o.model_id,
            "title": o.title,
            "deprecated_on": o.deprecated_on.isoformat() if o.deprecated_on else None,
            "retires_on": o.retires_on.isoformat() if o.retires_on else None,
            "deprecated": o.is_deprecated(now),
            "retired": o.is_retired(now),
            "headers": lifecycle_headers(o),
        }
        for o in emu.catalog
    ]
