"""The control API for faults, tenants and money, and what happened.

::

    GET    /_emulator/faults                      scripts, chaos, armed faults, webhooks
    POST   /_emulator/faults/script  {"operation": "runcomfy.submit", "steps": ["http-429"]}
    PUT    /_emulator/faults/chaos   {"error_rate": 0.1, "drop_rate": 0.01, "seed": 3, ...}
    POST   /_emulator/faults/arm     {"fault": "moderation@30", "count": 1, "provider": "*"}
    PUT    /_emulator/faults/webhooks {"duplicates": 1, "delay_seconds": 5, "disorder_seconds": 0}
    DELETE /_emulator/faults                      back to the configured faults
    GET    /_emulator/ledger                      the bill per tenant and model
    GET    /_emulator/tenants     POST /_emulator/balances {"key" | "tenant", "balance"}
    GET    /_emulator/settings    PUT {"max_active_per_key": 2, "reject_retired": true}
    GET    /_emulator/journal?limit=&provider=&tenant=    DELETE clears it
    GET    /_emulator/webhooks    GET /_emulator/models
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_server.control.http import body, endpoint, fail, integer, text
from mock_server.control.plane import ControlPlane
from mock_server.control.views import ledger_view, models_view
from mock_server.core.errors import AuthError
from mock_server.core.fault_plan import MAX_ARMED, Chaos

MAX_STEPS = 10_000  # steps one script request may queue

__all__ = ["routes"]


def _balance(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise fail("'balance' must be a decimal string such as \"10.00\", or null (unlimited)")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise fail(f"'balance' is not a number: {value!r}") from None
    if not amount.is_finite() or amount < 0 or amount > Decimal("1e9"):
        raise fail("'balance' must be between 0 and 1000000000")
    return amount.quantize(Decimal("0.01"))


def routes(sandbox: ControlPlane) -> list[Route]:
    emu = sandbox.emu
    plan = sandbox.plan
    engine = emu.engine
    wrap = endpoint(emu)

    @wrap
    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            plan.clear()
        return JSONResponse(plan.snapshot())

    @wrap
    async def script(request: Request) -> Response:
        data = await body(request)
        operation = text(data, "operation", max_chars=200)
        steps = data.get("steps")
        if isinstance(data.get("fault"), str):  # bounded before the list is built
            times = integer(data, "times", default=1, low=1, high=MAX_STEPS)
            steps = [text(data, "fault")] * times
        if not isinstance(steps, list) or not steps or not all(isinstance(s, str) for s in steps):
            raise fail("'steps' must be a non-empty list of strings (or give 'fault' + 'times')")
        if len(steps) > MAX_STEPS:
            raise fail(f"at most {MAX_STEPS} steps at once")
        if any(len(s) > 1000 for s in steps):
            raise fail("each step must be at most 1000 characters")
        plan.script(operation, steps)
        return JSONResponse(plan.snapshot(), status_code=201)

    @wrap
    async def chaos(request: Request) -> Response:
        data = await body(request)
        allowed = set(Chaos.__dataclass_fields__)
        unknown = set(data) - allowed
        if unknown:
            raise fail(f"unknown chaos fields: {', '.join(sorted(unknown))}")
        values = {**asdict(plan.chaos), **data}
        for key in ("error_statuses", "latency_seconds"):
            if not isinstance(values[key], list | tuple):
                raise fail(f"{key!r} must be a list")
            values[key] = tuple(values[key])
        if not isinstance(values["operations"], str):
            raise fail("'operations' must be a pattern such as 'runcomfy.*'")
        plan.set_chaos(Chaos(**values))  # checks every field (InvalidSetting)
        return JSONResponse(plan.snapshot())

    @wrap
    async def arm(request: Request) -> Response:
        data = await body(request)
        provider = text(data, "provider", default="*", max_chars=200)
        count = integer(data, "count", default=1, low=1, high=MAX_ARMED)
        plan.arm(text(data, "fault"), count, provider)
        return JSONResponse(plan.snapshot(), status_code=201)

    @wrap
    async def webhooks_faults(request: Request) -> Response:
        plan.webhooks.update(**(await body(request)))
        return JSONResponse(plan.snapshot())

    @wrap
    async def ledger(request: Request) -> Response:
        return JSONResponse(await ledger_view(emu))

    @wrap
    async def tenants(request: Request) -> Response:
        led = engine.ledger
        rows = []
        for t in sorted(set(emu.accounts.tenants()) | await led.tenants()):
            balance = await led.balance(t)
            rows.append(
                {
                    "tenant": t,
                    "label": emu.accounts.label(t),
                    "balance": None if balance is None else f"{balance:.2f}",
                }
            )
        return JSONResponse({"tenants": rows, "invalid_key": emu.config.invalid_key})

    @wrap
    async def balances(request: Request) -> Response:
        data = await body(request)
        if "balance" not in data:
            raise fail("'balance' is required (a decimal string, or null for unlimited)")
        amount = _balance(data["balance"])
        if isinstance(data.get("key"), str):
            try:
                tenant = emu.accounts.tenant_for(data["key"])
            except AuthError as exc:
                raise fail(f"that key is not accepted by this emulator: {exc.message}") from None
        elif isinstance(data.get("tenant"), str) and data["tenant"]:
            tenant = text(data, "tenant", max_chars=100)
        else:
            raise fail("give the API 'key' (or its 'tenant' id from /_emulator/tenants)")
        await engine.ledger.set_balance(tenant, amount)
        return JSONResponse(
            {
                "tenant": tenant,
                "label": emu.accounts.label(tenant),
                "balance": None if amount is None else f"{amount:.2f}",
            }
        )

    def settings_body() -> dict[str, Any]:
        s = engine.settings
        return {
            "max_active_per_key": s.max_active_per_tenant or 0,
            "reject_retired": s.reject_retired,
        }

    @wrap
    async def settings(request: Request) -> Response:
        if request.method == "PUT":
            data = await body(request)
            unknown = set(data) - {"max_active_per_key", "reject_retired"}
            if unknown:
                raise fail(f"unknown settings: {', '.join(sorted(unknown))}")
            if "max_active_per_key" in data:
                limit = integer(data, "max_active_per_key", high=1_000_000)
                engine.settings.max_active_per_tenant = limit or None
            if "reject_retired" in data:
                if not isinstance(data["reject_retired"], bool):
                    raise fail("'reject_retired' must be true or false")
                engine.settings.reject_retired = data["reject_retired"]
        return JSONResponse(settings_body())

    @wrap
    async def journal(request: Request) -> Response:
        if request.method == "DELETE":
            sandbox.journal.clear()
            return JSONResponse({"entries": []})
        q = request.query_params
        try:
            limit = max(0, int(q.get("limit", "100")))
        except ValueError:
            raise fail("'limit' must be an integer") from None
        entries = sandbox.journal.entries(limit, q.get("provider"), q.get("tenant"))
        return JSONResponse({"entries": entries, "size": len(sandbox.journal)})

    @wrap
    async def webhooks(request: Request) -> Response:
        items = list(emu.webhooks)
        return JSONResponse({"deliveries": _jsonable(items)})

    @wrap
    async def models(request: Request) -> Response:
        return JSONResponse({"models": models_view(emu)})

    return [
        Route("/_emulator/faults", faults, methods=["GET", "DELETE"]),
        Route("/_emulator/faults/script", script, methods=["POST"]),
        Route("/_emulator/faults/chaos", chaos, methods=["PUT"]),
        Route("/_emulator/faults/arm", arm, methods=["POST"]),
        Route("/_emulator/faults/webhooks", webhooks_faults, methods=["PUT"]),
        Route("/_emulator/ledger", ledger, methods=["GET"]),
        Route("/_emulator/tenants", tenants, methods=["GET"]),
        Route("/_emulator/balances", balances, methods=["POST"]),
        Route("/_emulator/settings", settings, methods=["GET", "PUT"]),
        Route("/_emulator/journal", journal, methods=["GET", "DELETE"]),
        Route("/_emulator/webhooks", webhooks, methods=["GET"]),
        Route("/_emulator/models", models, methods=["GET"]),
    ]


def _jsonable(value: Any) -> Any:
    """Webhook log entries belong to the dialect; make whatever they hold JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "__dataclass_fields__"):
        return _jsonable(asdict(value))
    return str(value)
