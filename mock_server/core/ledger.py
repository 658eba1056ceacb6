"""Money: per-tenant balances, holds for accepted jobs, and the bill.

A job's cost is held when it is accepted, charged when it succeeds, and released
when it is cancelled or fails, so a tenant's spend is exactly the sum of its
succeeded jobs, as on the providers' bills. :class:`Ledger` keeps it in process
memory; it implements :class:`~mock_server.core.state.LedgerStore`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from mock_server.core.errors import InsufficientCredits
from mock_server.core.jobs import Job

__all__ = ["Charge", "Ledger"]


@dataclass(frozen=True, slots=True)
class Charge:
    at: float
    tenant: str
    provider: str
    model_id: str
    job_id: str
    size: str
    seconds: int
    count: int
    amount: Decimal


class Ledger:
    """Balances (None = unlimited), holds and charges."""

    def __init__(self, default_balance: Decimal | None = None) -> None:
        self.default_balance = default_balance
        self._balances: dict[str, Decimal | None] = {}
        self._holds: dict[str, tuple[str, Decimal]] = {}
        self._held_by: dict[str, Decimal] = {}  # open holds per tenant: no scan per submit
        self._charges: list[Charge] = []

    async def set_balance(self, tenant: str, amount: Decimal | None) -> None:
        self._balances[tenant] = amount

    async def balance(self, tenant: str) -> Decimal | None:
        """What the tenant has left after charges (holds not deducted); None = unlimited."""
        return self._balance(tenant)

    def _balance(self, tenant: str) -> Decimal | None:
        return self._balances.get(tenant, self.default_balance)

    async def available(self, tenant: str) -> Decimal | None:
        return self._available(tenant)

    def _available(self, tenant: str) -> Decimal | None:
        bal = self._balance(tenant)
        if bal is None:
            return None
        return bal - self._held(tenant)

    async def held(self, tenant: str) -> Decimal:
        """The sum of the tenant's open holds (accepted jobs not yet finished)."""
        return self._held(tenant)

    def _held(self, tenant: str) -> Decimal:
        return self._held_by.get(tenant, Decimal(0))

    def _put_hold(self, job_id: str, tenant: str, amount: Decimal) -> None:
        self._drop_hold(job_id)
        self._holds[job_id] = (tenant, amount)
        self._held_by[tenant] = self._held_by.get(tenant, Decimal(0)) + amount

    def _drop_hold(self, job_id: str) -> None:
        held = self._holds.pop(job_id, None)
        if held is not None:
            tenant, amount = held
            left = self._held_by[tenant] - amount
            if left:
                self._held_by[tenant] = left
            else:
                del self._held_by[tenant]

    async def tenants(self) -> set[str]:
        """Every tenant with an explicit balance, an open hold or a charge."""
        return (
            set(self._balances)
            | {t for t, _ in self._holds.values()}
            | {c.tenant for c in self._charges}
        )

    async def hold(self, job: Job) -> None:
        avail = self._available(job.tenant)
        if avail is not None and job.cost > avail:
            raise InsufficientCredits(f"{job.cost:.2f}", f"{avail:.2f}")
        self._put_hold(job.id, job.tenant, job.cost)

    async def capture(self, job: Job, at: float) -> Charge:
        self._drop_hold(job.id)
        charge = Charge(
            at,
            job.tenant,
            job.provider,
            job.model_id,
            job.id,
            job.size,
            job.seconds,
            job.number_results,
            job.cost,
        )
        self._charges.append(charge)
        bal = self._balance(job.tenant)
        if bal is not None:
            self._balances[job.tenant] = bal - job.cost
        return charge

    async def release(self, job: Job) -> None:
        self._drop_hold(job.id)

    async def charges(self, tenant: str | None = None) -> list[Charge]:
        return self._charges_of(tenant)

    def _charges_of(self, tenant: str | None) -> list[Charge]:
        return [c for c in self._charges if tenant is None or c.tenant == tenant]

    async def spent(self, tenant: str | None = None) -> Decimal:
        return sum((c.amount for c in self._charges_of(tenant)), Decimal(0))

    async def clear(self) -> None:
        self._holds.clear()
        self._held_by.clear()
        self._charges.clear()
        self._balances.clear()
