"""Money on Redis: the :class:`~mock_server.core.state.LedgerStore` shared by every worker.

Amounts are integers of millionths of a dollar inside Redis (exact: Lua numbers are
doubles, exact for integers below 2**53, i.e. up to nine billion dollars) and
:class:`~decimal.Decimal` outside; a charge keeps the job's cost as its decimal string.
An amount with more than six decimal places is refused rather than rounded.

Keys: ``P:ledger:balances`` (tenant -> units, or ``none`` for an explicit "unlimited"),
``P:ledger:held`` (tenant -> units held), ``P:ledger:holds`` (job id -> ``tenant|units``),
``P:ledger:charges`` (a list of JSON charges, in order), ``P:ledger:tenants`` (a set).

A hold checks the available balance and records itself in one Lua script, so two
workers accepting jobs for the same tenant never overdraw it; capture and release take
the hold away in one script, so a job is charged at most once.
"""

from __future__ import annotations

import json
from decimal import Decimal

from mock_server.core.codec import charge_from_doc, charge_to_doc, dumps
from mock_server.core.errors import InsufficientCredits
from mock_server.core.jobs import Job
from mock_server.core.ledger import Charge
from mock_server.redisstate.conn import Conn

__all__ = ["RedisLedger", "charge_for", "from_units", "to_units"]

SCALE = 10**6


def to_units(amount: Decimal) -> int:
    scaled = amount * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"amount {amount} has more than 6 decimal places")
    return int(scaled)


def from_units(units: int) -> Decimal:
    return (Decimal(units) / SCALE).normalize() if units else Decimal(0)


# KEYS: balances, held, holds, tenants. ARGV: tenant, job id, units, default ('' = none)
# -> {1} held, or {0, balance, held} refused
_HOLD = """
local bal = redis.call('HGET', KEYS[1], ARGV[1])
if not bal then bal = ARGV[4] end
local held = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
if bal ~= '' and bal ~= 'none' and tonumber(ARGV[3]) > tonumber(bal) - held then
  return {0, bal, tostring(held)}
end
local old = redis.call('HGET', KEYS[3], ARGV[2])
if old then
  local sep = string.find(old, '|', 1, true)
  redis.call('HINCRBY', KEYS[2], string.sub(old, 1, sep - 1), -tonumber(string.sub(old, sep + 1)))
end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[1] .. '|' .. ARGV[3])
redis.call('HINCRBY', KEYS[2], ARGV[1], ARGV[3])
redis.call('SADD', KEYS[4], ARGV[1])
return {1}
"""

# KEYS: balances, held, holds, charges, settled. ARGV: tenant, job id, units, charge JSON
# ('' = release). A job is charged once: a second capture finds it settled.
_SETTLE = """
if ARGV[4] ~= '' and redis.call('HSETNX', KEYS[5], ARGV[2], '1') == 0 then return 0 end
local old = redis.call('HGET', KEYS[3], ARGV[2])
if old then
  local sep = string.find(old, '|', 1, true)
  redis.call('HINCRBY', KEYS[2], string.sub(old, 1, sep - 1), -tonumber(string.sub(old, sep + 1)))
  redis.call('HDEL', KEYS[3], ARGV[2])
end
if ARGV[4] == '' then return 0 end
redis.call('RPUSH', KEYS[4], ARGV[4])
local bal = redis.call('HGET', KEYS[1], ARGV[1])
if bal and bal ~= 'none' then redis.call('HINCRBY', KEYS[1], ARGV[1], -tonumber(ARGV[3])) end
return 1
"""


def charge_for(job: Job, at: float) -> Charge:
    return Charge(
        at, job.tenant, job.provider, job.model_id, job.id, job.size, job.seconds,
        job.number_results, job.cost,
    )  # fmt: skip


class RedisLedger:
    """Balances, holds and charges in Redis.

    ``defer=True`` (the wiring of :class:`~mock_server.redisstate.state.RedisState`):
    :meth:`hold` only notes the job; the job store checks the balance and takes the hold
    in the same script that inserts the job (raising InsufficientCredits from there), and
    settles it in the same script as the job's final transition; :meth:`capture` and
    :meth:`release` then find it settled already.
    """

    def __init__(
        self, conn: Conn, default_balance: Decimal | None = None, *, defer: bool = False
    ) -> None:
        self.conn = conn
        self.default_balance = default_balance
        self.defer = defer
        self._deferred: set[str] = set()  # jobs checked by hold(), not yet inserted
        k = conn.key
        self._balances, self._held = k("ledger", "balances"), k("ledger", "held")
        self._holds, self._charges = k("ledger", "holds"), k("ledger", "charges")
        self._tenants, self._settled = k("ledger", "tenants"), k("ledger", "settled")

    def default_units(self) -> str:
        return "" if self.default_balance is None else str(to_units(self.default_balance))

    # -- the job store's side of a deferred hold --------------------------------
    def hold_keys(self) -> list[str]:
        return [self._balances, self._held, self._holds, self._tenants]

    def settle_keys(self) -> list[str]:
        return [self._balances, self._held, self._holds, self._charges, self._settled]

    def takes_hold(self, job: Job) -> bool:
        return job.id in self._deferred

    def inserted(self, job: Job) -> None:
        self._deferred.discard(job.id)

    # -- LedgerStore ------------------------------------------------------------
    async def hold(self, job: Job) -> None:
        if self.defer:  # checked and taken by the insert script (InsufficientCredits there)
            self._deferred.add(job.id)
            return
        keys = [self._balances, self._held, self._holds, self._tenants]
        args = [job.tenant, job.id, to_units(job.cost), self.default_units()]
        result = await self.conn.script(_HOLD, keys, args)
        if int(result[0]) == 0:
            avail = from_units(int(result[1]) - int(float(result[2])))
            raise InsufficientCredits(f"{job.cost:.2f}", f"{avail:.2f}")

    async def capture(self, job: Job, at: float) -> Charge:
        charge = charge_for(job, at)
        doc = dumps(charge_to_doc(charge))
        args = [job.tenant, job.id, to_units(job.cost), doc]
        await self.conn.script(_SETTLE, self.settle_keys(), args)
        return charge

    async def release(self, job: Job) -> None:
        if job.id in self._deferred:  # never inserted (its id was taken): nothing held
            self._deferred.discard(job.id)
            return
        await self.conn.script(_SETTLE, self.settle_keys(), [job.tenant, job.id, 0, ""])

    async def set_balance(self, tenant: str, amount: Decimal | None) -> None:
        value = "none" if amount is None else str(to_units(amount))
        pipe = self.conn.client.pipeline(transaction=True)
        pipe.hset(self._balances, tenant, value)
        pipe.sadd(self._tenants, tenant)
        await pipe.execute()

    async def balance(self, tenant: str) -> Decimal | None:
        raw = await self.conn.client.hget(self._balances, tenant)
        if raw is None:
            return self.default_balance
        return None if raw == b"none" else from_units(int(raw))

    async def available(self, tenant: str) -> Decimal | None:
        bal = await self.balance(tenant)
        return None if bal is None else bal - await self.held(tenant)

    async def held(self, tenant: str) -> Decimal:
        raw = await self.conn.client.hget(self._held, tenant)
        return from_units(int(raw)) if raw else Decimal(0)

    async def tenants(self) -> set[str]:
        return {t.decode() for t in await self.conn.client.smembers(self._tenants)}

    async def charges(self, tenant: str | None = None) -> list[Charge]:
        docs = await self.conn.client.lrange(self._charges, 0, -1)
        found = [charge_from_doc(json.loads(d)) for d in docs]
        return [c for c in found if tenant is None or c.tenant == tenant]

    async def spent(self, tenant: str | None = None) -> Decimal:
        return sum((c.amount for c in await self.charges(tenant)), Decimal(0))

    async def clear(self) -> None:
        await self.conn.delete_matching("ledger:*")
