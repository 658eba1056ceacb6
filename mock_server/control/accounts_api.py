"""The control API's accounts: tenants, balances, the bill, per-key limits.

::

    GET  /_emulator/ledger                      the bill per tenant and model
    GET  /_emulator/tenants     POST /_emulator/balances {"key" | "tenant", "balance"}
    GET  /_emulator/settings    PUT {"max_active_per_key": 2, "reject_retired": true}
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.control.http import body, fail, integer, text
from mock_server.control.plane import ControlArea
from mock_server.control.views import ledger_view
from mock_server.core.errors import AuthError

__all__ = ["AccountsApi"]

_SETTINGS = frozenset({"max_active_per_key", "reject_retired"})


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


class AccountsApi(ControlArea):
    """Who may call, how much they may spend, and what they have spent."""

    def _tenant_row(self, tenant: str, balance: Decimal | None) -> dict[str, Any]:
        return {
            "tenant": tenant,
            "label": self.emu.accounts.label(tenant),
            "balance": None if balance is None else f"{balance:.2f}",
        }

    def _tenant_of(self, data: dict[str, Any]) -> str:
        """The tenant a balance request names, by API key or by tenant id."""
        if isinstance(data.get("key"), str):
            try:
                return self.emu.accounts.tenant_for(data["key"])
            except AuthError as exc:
                raise fail(f"that key is not accepted by this emulator: {exc.message}") from None
        if isinstance(data.get("tenant"), str) and data["tenant"]:
            return text(data, "tenant", max_chars=100)
        raise fail("give the API 'key' (or its 'tenant' id from /_emulator/tenants)")

    async def get_ledger(self, request: Request) -> Response:
        return JSONResponse(await ledger_view(self.emu))

    async def list_tenants(self, request: Request) -> Response:
        led = self.engine.ledger
        rows = []
        for t in sorted(set(self.emu.accounts.tenants()) | await led.tenants()):
            rows.append(self._tenant_row(t, await led.balance(t)))
        return JSONResponse({"tenants": rows, "invalid_key": self.emu.config.invalid_key})

    async def set_balance(self, request: Request) -> Response:
        data = await body(request)
        if "balance" not in data:
            raise fail("'balance' is required (a decimal string, or null for unlimited)")
        amount = _balance(data["balance"])
        tenant = self._tenant_of(data)
        await self.engine.ledger.set_balance(tenant, amount)
        return JSONResponse(self._tenant_row(tenant, amount))

    async def get_settings(self, request: Request) -> Response:
        s = self.engine.settings
        return JSONResponse(
            {"max_active_per_key": s.max_active_per_tenant or 0, "reject_retired": s.reject_retired}
        )

    async def set_settings(self, request: Request) -> Response:
        data = await body(request)
        unknown = set(data) - _SETTINGS
        if unknown:
            raise fail(f"unknown settings: {', '.join(sorted(unknown))}")
        if "max_active_per_key" in data:
            limit = integer(data, "max_active_per_key", high=1_000_000)
            self.engine.settings.max_active_per_tenant = limit or None
        if "reject_retired" in data:
            if not isinstance(data["reject_retired"], bool):
                raise fail("'reject_retired' must be true or false")
            self.engine.settings.reject_retired = data["reject_retired"]
        return await self.get_settings(request)
