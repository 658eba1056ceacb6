"""Webhook deliveries on Redis: every worker's log in one place, and a delivery whose
worker stopped or died is taken over by another and finished there.

Keys: ``P:wh:docs`` (delivery id -> its JSON: url, body, attempts so far, state, next
attempt), ``P:wh:log`` (ids, oldest first, at most ``keep``), ``P:wh:owner`` (id of each
unfinished delivery -> the worker sending it) and ``P:wh:alive:N`` (worker N's
heartbeat, a key that expires ``ttl`` seconds after its last beat).

A worker beats (and looks for orphans) every second, or every ``ttl / 3`` if shorter;
a delivery owned by a worker whose heartbeat has expired is adopted by the first live
worker to look (one Lua script, so exactly one adopts it), which resumes it at its next
attempt on the shared engine clock; the worker it was taken from, if only slow, finds
at its next attempt that it no longer owns it and stops. Delivery is at least once: a
worker killed between a receiver's 2xx and writing it down leaves that attempt to be
made again.
"""

from __future__ import annotations

import json
from typing import Any

from mock_server.redisstate.conn import Conn

__all__ = ["RedisDeliveries"]

# KEYS: docs, log, owner, this worker's heartbeat. ARGV: id, doc JSON, this worker, new
# ('1'/'0'), done ('1'/'0'), keep, heartbeat ms. Returns 0, writing nothing, when another
# worker owns the delivery now (it adopted it from this one): that worker sends it. A
# delivery no longer in the log (trimmed, or the log was reset) is not written back.
# Owning a delivery is being alive: the heartbeat is set in the same step, so no other
# worker adopts it before this worker's first beat.
_SAVE = """
local owner = redis.call('HGET', KEYS[3], ARGV[1])
if owner and owner ~= ARGV[3] then return 0 end
if ARGV[4] == '0' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then
  redis.call('HDEL', KEYS[3], ARGV[1])
  return 1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if ARGV[5] == '1' then
  redis.call('HDEL', KEYS[3], ARGV[1])
else
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
  redis.call('SET', KEYS[4], '1', 'PX', ARGV[7])
end
if ARGV[4] == '1' then
  redis.call('RPUSH', KEYS[2], ARGV[1])
  local keep = tonumber(ARGV[6])
  while redis.call('LLEN', KEYS[2]) > keep do
    local old = redis.call('LPOP', KEYS[2])
    redis.call('HDEL', KEYS[1], old)
    redis.call('HDEL', KEYS[3], old)
  end
end
return 1
"""

# KEYS: owner, docs. ARGV: this worker, heartbeat key prefix. Take over the deliveries
# of workers without a heartbeat; returns the documents of every delivery this worker
# owns now (the caller starts those it is not running: an adoption whose reply was lost
# is picked up at the next look).
_ADOPT = """
local out = {}
local owners = redis.call('HGETALL', KEYS[1])
for i = 1, #owners, 2 do
  local id, worker = owners[i], owners[i + 1]
  if worker == ARGV[1] or redis.call('EXISTS', ARGV[2] .. worker) == 0 then
    local doc = redis.call('HGET', KEYS[2], id)
    if doc then
      redis.call('HSET', KEYS[1], id, ARGV[1])
      out[#out + 1] = doc
    else
      redis.call('HDEL', KEYS[1], id)
    end
  end
end
return out
"""


class RedisDeliveries:
    """The :class:`~mock_server.http.webhooks.DeliveryStore` of one worker."""

    def __init__(self, conn: Conn, worker: int, keep: int = 1000, ttl: float = 3.0) -> None:
        self.conn, self.worker, self.keep = conn, str(worker), max(1, keep)
        self.ttl, self.beat_every = ttl, min(1.0, ttl / 3)
        self.prefix = f"w{worker}_"  # delivery ids: unique across workers
        self.docs, self.log = conn.key("wh", "docs"), conn.key("wh", "log")
        self.owner, self.alive = conn.key("wh", "owner"), conn.key("wh", "alive", "")

    async def save(self, doc: dict[str, Any], *, new: bool) -> bool:
        done = doc["state"] in ("delivered", "failed", "cancelled")
        body = json.dumps(doc, separators=(",", ":"))
        keys = [self.docs, self.log, self.owner, self.alive + self.worker]
        flags = ["1" if new else "0", "1" if done else "0"]
        args = [doc["id"], body, self.worker, *flags, self.keep, int(self.ttl * 1000)]
        return bool(await self.conn.script(_SAVE, keys, args))

    async def beat(self) -> None:
        await self.conn.client.set(self.alive + self.worker, b"1", px=int(self.ttl * 1000))

    async def adopt(self) -> list[dict[str, Any]]:
        docs = await self.conn.script(_ADOPT, [self.owner, self.docs], [self.worker, self.alive])
        return [json.loads(d) for d in docs]

    async def stop(self) -> None:
        """This worker stops sending: its unfinished deliveries go to the others now."""
        await self.conn.client.delete(self.alive + self.worker)

    async def listing(self) -> list[dict[str, Any]]:
        ids = await self.conn.client.lrange(self.log, 0, -1)
        if not ids:
            return []
        docs = await self.conn.client.hmget(self.docs, ids)
        return [json.loads(d) for d in docs if d is not None]

    async def clear(self) -> None:
        await self.conn.client.delete(self.docs, self.log, self.owner)
