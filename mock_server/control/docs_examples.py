"""Examples for ``/docs``: the providers' documented messages, and the emulator's own routes.

Provider examples come from ``fixtures/<provider>/seed_examples.json`` (the documented
requests and responses, each naming the schema it satisfies; the wheel carries a copy
under ``mock_server/_fixtures``). The control API and media routes have no provider
documentation, so their examples are written here; ``tests/schemas/test_docs_page.py``
replays every one of them against a running emulator and checks the answer's fields.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from contracts.openapi import component_name

__all__ = ["CONTROL", "MEDIA", "Example", "RouteDoc", "provider_examples"]

_REPO_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@dataclass(frozen=True, slots=True)
class Example:
    name: str
    component: str  # the OpenAPI component it satisfies, e.g. RunComfySubmitResponse
    source: str
    document: Any


def _component(schema: str) -> str:
    """``runcomfy/models#/$defs/x`` -> ``RunComfyModels.x``; ``runware/x-y`` -> ``RunwareXY``."""
    base, _, pointer = schema.partition("#")
    name = component_name(base)
    return f"{name}.{pointer.rsplit('/', 1)[-1]}" if pointer else name


def _read(provider: str) -> dict[str, Any] | None:
    packaged = resources.files("mock_server").joinpath("_fixtures", provider, "seed_examples.json")
    if packaged.is_file():
        return dict(json.loads(packaged.read_text(encoding="utf-8")))
    path = _REPO_FIXTURES / provider / "seed_examples.json"
    return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else None


@functools.cache
def provider_examples() -> tuple[Example, ...]:
    """Every documented example of both providers (empty when the files are absent)."""
    found: list[Example] = []
    for provider in ("runcomfy", "runware"):
        data = _read(provider)
        for item in (data or {}).get("examples", []):
            found.append(
                Example(item["name"], _component(item["schema"]), item["source"], item["document"])
            )
    return tuple(found)


@dataclass(frozen=True, slots=True)
class RouteDoc:
    """One control or media route with an example exchange, in the order they replay."""

    method: str
    path: str  # {job_id} stands for the id of the job the replay submitted
    summary: str
    request: Any = None  # JSON body, or None
    response: Any = None  # JSON body, or a text description for media
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


_CHAOS_OFF = {
    "error_rate": 0.0,
    "error_statuses": [500, 502, 503],
    "latency_rate": 0.0,
    "latency_seconds": [0.2, 1.0],
    "drop_rate": 0.0,
    "job_failure_rate": 0.0,
    "operations": "*",
    "seed": 0,
}
_WEBHOOKS_OFF = {"duplicates": 0, "delay_seconds": 0.0, "disorder_seconds": 0.0}
_SCRIPT = {"operation": "runcomfy.submit", "steps": ["http-429", "pass"]}
_ARMED = {"fault": "timeout@80", "remaining": 1, "provider": "*"}
_TENANT = {"tenant": "t_0c4d…", "label": "sk-…0001", "balance": "5.00"}

CONTROL: tuple[RouteDoc, ...] = (
    RouteDoc(
        "GET",
        "/_emulator/health",
        "liveness and version",
        response={"status": "ok", "version": "0.1.0", "time": 1767225600.0},
    ),
    RouteDoc(
        "GET",
        "/_emulator/clock",
        "emulated time",
        response={
            "now": 1767225600.0,
            "iso": "2026-01-01T00:00:00.000Z",
            "kind": "manual",
            "speed": 0.0,
        },
    ),
    RouteDoc(
        "GET",
        "/_emulator/jobs?state=queued&limit=10",
        "jobs, newest first (filters: state, provider, tenant, limit)",
        response={
            "jobs": [
                {
                    "id": "e3e70682-…",
                    "provider": "runcomfy",
                    "state": "queued",
                    "queue_position": 0,
                    "cost": "0.40",
                }
            ],
            "total": 1,
        },
    ),
    RouteDoc(
        "GET",
        "/_emulator/jobs/{job_id}",
        "one job with its fault, failure and media URLs",
        response={
            "id": "e3e70682-…",
            "provider": "runcomfy",
            "model": "openai/sora-2/text-to-video",
            "state": "queued",
            "progress": 0,
            "cost": "0.40",
            "failure": None,
            "fault": None,
            "outputs": [],
        },
    ),
    RouteDoc(
        "POST",
        "/_emulator/jobs/{job_id}/fail",
        "fail a job now, as its provider reports a failure",
        request={"kind": "moderation", "message": "refused by the test"},
        response={
            "id": "e3e70682-…",
            "state": "failed",
            "failure": {"kind": "moderation", "message": "refused by the test", "code": None},
        },
    ),
    RouteDoc(
        "POST",
        "/_emulator/clock/advance",
        "move emulated time on, then fire every transition now due",
        request={"seconds": 30},
        response={
            "now": 1767225630.0,
            "iso": "2026-01-01T00:00:30.000Z",
            "kind": "manual",
            "speed": 0.0,
            "moved": 0,
        },
    ),
    RouteDoc(
        "PUT",
        "/_emulator/progression",
        'how jobs submitted from now on move (all models, or one with "model")',
        request={"kind": "clock", "queue_seconds": 2, "run_seconds": 5},
        response={
            "default": {
                "kind": "clock",
                "queue_seconds": 2,
                "run_seconds": 5,
                "run_seconds_per_video_second": 0.5,
                "queue_polls": 1,
                "run_polls": 2,
            },
            "models": {},
        },
    ),
    RouteDoc(
        "POST",
        "/_emulator/faults/script",
        "the next requests to an operation get these faults, one step each",
        request=_SCRIPT,
        response={
            "scripts": [_SCRIPT],
            "chaos": _CHAOS_OFF,
            "armed": [],
            "webhooks": _WEBHOOKS_OFF,
        },
        status=201,
    ),
    RouteDoc(
        "POST",
        "/_emulator/faults/arm",
        "plant a job fault in the next N jobs",
        request={"fault": "timeout@80", "count": 1},
        response={
            "scripts": [_SCRIPT],
            "chaos": _CHAOS_OFF,
            "armed": [_ARMED],
            "webhooks": _WEBHOOKS_OFF,
        },
        status=201,
    ),
    RouteDoc(
        "GET",
        "/_emulator/faults",
        "what is planned",
        response={
            "scripts": [_SCRIPT],
            "chaos": _CHAOS_OFF,
            "armed": [_ARMED],
            "webhooks": _WEBHOOKS_OFF,
        },
    ),
    RouteDoc(
        "DELETE",
        "/_emulator/faults",
        "back to the configured faults",
        response={"scripts": [], "chaos": _CHAOS_OFF, "armed": [], "webhooks": _WEBHOOKS_OFF},
    ),
    RouteDoc(
        "POST",
        "/_emulator/balances",
        "set a key's balance in USD (null: unlimited)",
        request={"key": "sk-docs-0001", "balance": "5.00"},
        response=_TENANT,
    ),
    RouteDoc(
        "GET",
        "/_emulator/ledger",
        "the bill: balances, holds, charges per tenant",
        response={
            "currency": "USD",
            "total": "0.00",
            "tenants": [
                {**_TENANT, "held": "0.00", "spent": "0.00", "by_model": [], "charges": []}
            ],
        },
    ),
    RouteDoc(
        "GET",
        "/_emulator/tenants",
        "tenants (masked key labels) and balances",
        response={"tenants": [_TENANT], "invalid_key": "sora-mock-invalid-key"},
    ),
    RouteDoc(
        "PUT",
        "/_emulator/settings",
        "tenant concurrency cap and retired-model rejection",
        request={"max_active_per_key": 2},
        response={"max_active_per_key": 2, "reject_retired": False},
    ),
    RouteDoc(
        "GET",
        "/_emulator/journal?limit=5",
        "the request journal, newest first",
        response={
            "entries": [
                {
                    "at": 1767225600.0,
                    "method": "POST",
                    "path": "…",  # the provider path that was asked
                    "status": 200,
                    "provider": "runcomfy",
                    "operation": "runcomfy.submit",
                    "duration_ms": 1.06,
                    "time": "2026-01-01T00:00:00.000Z",
                }
            ],
            "size": 1,
        },
    ),
    RouteDoc(
        "GET", "/_emulator/webhooks", "webhook deliveries made so far", response={"deliveries": []}
    ),
    RouteDoc(
        "GET",
        "/_emulator/models",
        "catalog lifecycle by the engine clock",
        response={
            "models": [
                {
                    "provider": "runcomfy",
                    "model": "openai/sora-2/text-to-video",
                    "deprecated_on": "2026-03-24",
                    "retires_on": "2026-09-24",
                    "deprecated": False,
                    "retired": False,
                    "headers": {
                        "Deprecation": "@1774310400",
                        "Sunset": "Thu, 24 Sep 2026 00:00:00 GMT",
                    },
                }
            ]
        },
    ),
    RouteDoc(
        "POST",
        "/_emulator/reset",
        "forget jobs, charges, faults, journal; reseed",
        request={"seed": 3},
        response={"reset": True, "seed": 3},
    ),
)

MEDIA: tuple[RouteDoc, ...] = (
    RouteDoc(
        "GET",
        "/media/{key}.mp4",
        "a finished clip (also .mov, .webm, and input images): public, no key",
        response="the clip's bytes (video/mp4), with Content-Length, ETag, Accept-Ranges",
        headers={},
    ),
    RouteDoc(
        "GET",
        "/media/{key}.mp4",
        "part of a clip, as players and download managers ask",
        response="206 Partial Content with Content-Range: bytes 0-1023/N",
        status=206,
        headers={"Range": "bytes=0-1023"},
    ),
    RouteDoc(
        "GET",
        "/media/{key}.mp4",
        "revalidate a cached copy",
        response="304 Not Modified, no body",
        status=304,
        headers={"If-None-Match": "<the ETag>"},
    ),
    RouteDoc(
        "GET",
        "/media/0123456789abcdef0123456789abcdef.mp4",
        "an unknown key, a planted media-missing fault, or an expired ttl",
        response="404",
        status=404,
    ),
)
