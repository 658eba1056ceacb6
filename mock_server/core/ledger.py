"""Money: per-tenant balances, holds for accepted jobs, and the bill.

A job's cost is held when it is accepted, charged when it succeeds, and released
when it is cancelled or fails, so a tenant's spend is exactly the sum of its
succeeded jobs, as on the providers' bills.
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
        self._charges: list[Charge] = []

    def set_balance(self, tenant: str, amount: Decimal | None) -> None:
        self._balances[tenant] = amount

    def balance(self, tenant: str) -> Decimal | None:
        """What the tenant has left after charges (holds not deducted); None = unlimited."""
        return self._balances.get(tenant, self.default_balance)

    def available(self, tenant: str) -> Decimal | None:
        bal = self.balance(tenant)
        if bal is None:
            return None
        return bal - self.held(tenant)

    def held(self, tenant: str) -> Decimal:
        """The sum of the tenant's open holds (accepted jobs not yet finished)."""
        return sum((amt for t, amt in self._holds.values() if t == tenant), Decimal(0))

    def tenants(self) -> set[str]:
        """Every tenant with an explicit balance, an open hold or a charge."""
        return (
            set(self._balances)
            | {t for t, _ in self._holds.values()}
            | {c.tenant for c in self._charges}
        )

    def hold(self, job: Job) -> None:
        avail = self.available(job.tenant)
        if avail is not None and job.cost > avail:
            raise InsufficientCredits(f"{job.cost:.2f}", f"{avail:.2f}")
        self._holds[job.id] = (job.tenant, job.cost)

    def capture(self, job: Job, at: float) -> Charge:
        self._holds.pop(job.id, None)
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
        bal = self.balance(job.tenant)
        if bal is not None:
            self._balances[job.tenant] = bal - job.cost
        return charge

    def release(self, job: Job) -> None:
        self._holds.pop(job.id, None)

    def charges(self, tenant: str | None = None) -> list[Charge]:
        return [c for c in self._charges if tenant is None or c.tenant == tenant]

    def spent(self, tenant: str | None = None) -> Decimal:
        return sum((c.amount for c in self.charges(tenant)), Decimal(0))

    def clear(self) -> None:
        self._holds.clear()
        self._charges.clear()
        self._balances.clear()
