"""The engine's schedule and the tenant labels on Redis.

Schedule: ``P:schedule``, a sorted set of ``<due>|<job id>`` scored by the due time on
the engine clock. :meth:`RedisSchedule.pop_due` takes due entries off in one Lua script,
so of several workers whose schedulers wake together exactly one handles each entry.

Tenant labels: ``P:tenants``, tenant -> masked label (never the key itself).
"""

from __future__ import annotations

from mock_server.redisstate.conn import Conn

__all__ = ["RedisSchedule", "RedisTenants"]

# KEYS: schedule. ARGV: now, at most this many
_POP_DUE = """
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #items > 0 then redis.call('ZREM', KEYS[1], unpack(items)) end
return items
"""
BATCH = 500

# KEYS: schedule. ARGV: now, job key prefix. Due entries, less those whose job is stored
# and has left its queue: the engine asks for due entries to find queued jobs the clock
# has started but no event has moved yet, and ignores stale ones (the job moved on);
# leaving those out here saves the engine a read per entry on every status poll.
_DUE_QUEUED = """
local items = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local out = {}
for _, item in ipairs(items) do
  local id = string.sub(item, string.find(item, '|', 1, true) + 1)
  local state = redis.call('HGET', ARGV[2] .. id, 'state')
  if not state or state == 'queued' then out[#out + 1] = item end
end
return out
"""


def _job_id(member: bytes) -> str:
    return member.decode().split("|", 1)[1]


class RedisSchedule:
    """Due times shared by every worker; kept by Redis, so never rebuilt on start."""

    persistent = True

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self._key = conn.key("schedule")

    async def add(self, due: float, job_id: str) -> None:
        await self.conn.client.zadd(self._key, {f"{due!r}|{job_id}": due})

    async def due(self, now: float) -> list[str]:
        """Due entries, left in place, less stale ones (see ``_DUE_QUEUED``)."""
        prefix = self.conn.key("job", "")
        found = await self.conn.script(_DUE_QUEUED, [self._key], [repr(float(now)), prefix])
        return [_job_id(m) for m in found]

    async def pop_due(self, now: float) -> list[str]:
        found = await self.conn.script(_POP_DUE, [self._key], [repr(float(now)), BATCH])
        return [_job_id(m) for m in found]

    async def next_due(self) -> float | None:
        first = await self.conn.client.zrange(self._key, 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    async def clear(self) -> None:
        await self.conn.client.unlink(self._key)


class RedisTenants:
    """Tenant display labels, first one wins (as in memory)."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        self.key = conn.key("tenants")

    async def remember(self, tenant: str, label: str) -> None:
        await self.conn.client.hsetnx(self.key, tenant, label)

    async def labels(self) -> dict[str, str]:
        raw = await self.conn.client.hgetall(self.key)
        return {k.decode(): v.decode() for k, v in raw.items()}
