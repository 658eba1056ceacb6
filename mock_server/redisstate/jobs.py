"""Jobs on Redis: the :class:`~mock_server.core.state.JobStore` shared by every worker.

Keys (``P`` is the namespace prefix, ``sora-mock`` unless configured):

* ``P:job:<id>`` - a hash: ``doc`` (the job as accepted, JSON), ``state``,
  ``started_at`` / ``finished_at`` (``repr`` of the float, exact), ``polls``,
  ``failure`` and each field of :data:`~mock_server.core.state.UPDATABLE` (JSON) once
  changed. State, times and polls never live inside the JSON document, so every
  change is a field write inside one Lua script: atomic, with no read-modify-write
  race between workers;
* ``P:jobs`` - every id, scored by an insertion counter ``P:seq`` (insertion order);
* ``P:queue:<provider>:<model>`` - the ids still queued, scored the same way, so a
  queue position is ``ZRANK``: O(log n);
* ``P:unfinished`` and ``P:active:<tenant>`` - ids not yet terminal;
* ``P:videos`` - video id -> job id; ``P:media_jobs`` - media key -> the latest job.

Transitions are compare-and-set (a script checks the stored state), so exactly one
worker wins each race: a cancel against the clock's start, two workers finishing
the same job. A job returned by :meth:`RedisStore.get` is a snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from typing import Any

from mock_server.core.codec import charge_to_doc, dumps, job_from_doc, job_to_doc
from mock_server.core.errors import InsufficientCredits
from mock_server.core.jobs import TERMINAL, Failure, Job, State
from mock_server.core.state import UPDATABLE, JobStore, Move
from mock_server.redisstate.conn import Conn
from mock_server.redisstate.ledger import RedisLedger, charge_for, from_units, to_units

__all__ = ["RedisStore"]

_TERMINAL = "{" + ",".join(f'["{s.value}"]=true' for s in TERMINAL) + "}"
# Inside the transition script: drop the hold; on success record the charge (its JSON was
# written at insert with "__AT__" for the time) unless the job is already settled.
_SETTLE_BODY = """
    local old = redis.call('HGET', KEYS[5], ARGV[1])
    if old then
      local sep = string.find(old, '|', 1, true)
      local tenant, units = string.sub(old, 1, sep - 1), tonumber(string.sub(old, sep + 1))
      redis.call('HINCRBY', KEYS[4], tenant, -units)
      redis.call('HDEL', KEYS[5], ARGV[1])
      if ARGV[3] == 'succeeded' and redis.call('HSETNX', KEYS[7], ARGV[1], '1') == 1 then
        local tpl = redis.call('HGET', KEYS[1], 'charge')
        redis.call('RPUSH', KEYS[6], (string.gsub(tpl, '"__AT__"', ARGV[5], 1)))
        local bal = redis.call('HGET', KEYS[3], tenant)
        if bal and bal ~= 'none' then redis.call('HINCRBY', KEYS[3], tenant, -units) end
      end
    end
"""

# KEYS: job, jobs, queue, unfinished, active, videos, seq, balances, held, holds, ledger
# tenants, media index. ARGV: id, doc, state, tenant, units ('' = no hold here), default
# balance, charge JSON, then pairs of video id and media key
# -> {1} inserted, {0} id taken, {-1, balance, held} not enough credit
_INSERT = f"""
if redis.call('EXISTS', KEYS[1]) == 1 then return {{0}} end
local terminal = {_TERMINAL}
if ARGV[5] ~= '' then
  local bal = redis.call('HGET', KEYS[8], ARGV[4])
  if not bal then bal = ARGV[6] end
  local held = tonumber(redis.call('HGET', KEYS[9], ARGV[4]) or '0')
  if bal ~= '' and bal ~= 'none' and tonumber(ARGV[5]) > tonumber(bal) - held then
    return {{-1, bal, tostring(held)}}
  end
  redis.call('HSET', KEYS[10], ARGV[1], ARGV[4] .. '|' .. ARGV[5])
  redis.call('HINCRBY', KEYS[9], ARGV[4], ARGV[5])
  redis.call('SADD', KEYS[11], ARGV[4])
end
local seq = redis.call('INCR', KEYS[7])
redis.call('HSET', KEYS[1], 'doc', ARGV[2], 'state', ARGV[3], 'polls', '0', 'seq', seq,
  'queue_key', KEYS[3], 'active_key', KEYS[5], 'charge', ARGV[7])
redis.call('ZADD', KEYS[2], seq, ARGV[1])
if ARGV[3] == 'queued' then redis.call('ZADD', KEYS[3], seq, ARGV[1]) end
if not terminal[ARGV[3]] then
  redis.call('SADD', KEYS[4], ARGV[1])
  redis.call('SADD', KEYS[5], ARGV[1])
end
for i = 8, #ARGV, 2 do
  redis.call('HSET', KEYS[6], ARGV[i], ARGV[1])
  redis.call('HSET', KEYS[12], ARGV[i + 1], ARGV[1])
end
return {{1}}
"""

# KEYS: job, unfinished, balances, held, holds, charges, settled (the job's queue and tenant
# keys are read from its hash: one round trip; this backend targets one Redis, not a cluster)
# ARGV: id, expected, new, time field, time, failure JSON ('' = none), settle ('1' = the
# move also settles the job's hold: released, or charged once on success)
_TRANSITION = f"""
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[2] then return 0 end
local terminal = {_TERMINAL}
redis.call('HSET', KEYS[1], 'state', ARGV[3], ARGV[4], ARGV[5])
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'failure', ARGV[6]) end
if ARGV[2] == 'queued' then
  redis.call('ZREM', redis.call('HGET', KEYS[1], 'queue_key'), ARGV[1])
end
if terminal[ARGV[3]] then
  redis.call('SREM', KEYS[2], ARGV[1])
  redis.call('SREM', redis.call('HGET', KEYS[1], 'active_key'), ARGV[1])
  if ARGV[7] == '1' then
{_SETTLE_BODY}
  end
end
return 1
"""

# KEYS: job; ARGV: tenant, provider ('' for any). Count one read of an unfinished job
# of that owner (a terminal one keeps its count), then return the job: one round trip.
_POLL = f"""
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return {{}} end
local terminal = {_TERMINAL}
if not terminal[state] then
  local doc = cjson.decode(redis.call('HGET', KEYS[1], 'doc'))
  local owner = ARGV[1] == '' or doc['tenant'] == ARGV[1]
  if owner and (ARGV[2] == '' or doc['provider'] == ARGV[2]) then
    redis.call('HINCRBY', KEYS[1], 'polls', 1)
  end
end
return redis.call('HGETALL', KEYS[1])
"""

# KEYS: job; ARGV: field, JSON value, ... (a forgotten job is not brought back as a stub)
_UPDATE = """
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
"""


def _decode(values: dict[bytes, bytes]) -> Job:
    doc = json.loads(values[b"doc"])
    doc["state"] = values[b"state"].decode()
    doc["polls"] = int(values.get(b"polls", b"0"))
    for name in ("started_at", "finished_at"):
        raw = values.get(name.encode())
        if raw is not None:
            doc[name] = float(raw)
    for name in ("failure", *UPDATABLE):
        raw = values.get(name.encode())
        if raw is not None:
            doc[name] = json.loads(raw)
    return job_from_doc(doc)


class RedisStore(JobStore):
    """Every job in Redis; nothing cached in the worker."""

    def __init__(self, conn: Conn) -> None:
        self.conn = conn
        p = conn.prefix
        self._jobs, self._seq = f"{p}:jobs", f"{p}:seq"
        self._unfinished, self._videos = f"{p}:unfinished", f"{p}:videos"
        self._media = f"{p}:media_jobs"  # media key -> the latest job with that clip
        # queues what must exist before the job is visible (its media, its tenant's label)
        # on the pipeline that then inserts it: one round trip
        self.before_insert: Callable[[Any, Job], None] | None = None
        # With a ledger attached, a job's hold is taken by the insert script and settled
        # by its final transition, so a worker killed between two steps leaves no hold
        # without a job and no finished job unbilled (see RedisLedger's ``defer``).
        self.ledger: RedisLedger | None = None

    def _job(self, job_id: str) -> str:
        return f"{self.conn.prefix}:job:{job_id}"

    def _queue(self, provider: str, model_id: str) -> str:
        return f"{self.conn.prefix}:queue:{provider}:{model_id}"

    def _active(self, tenant: str) -> str:
        return f"{self.conn.prefix}:active:{tenant}"

    async def insert(self, job: Job) -> bool:
        doc = job_to_doc(job)
        for name in ("state", "polls", "started_at", "finished_at", "failure"):
            doc.pop(name, None)
        led = self.ledger
        keys = [
            self._job(job.id), self._jobs, self._queue(job.provider, job.model_id),
            self._unfinished, self._active(job.tenant), self._videos, self._seq,
            *(led.hold_keys() if led else ["-", "-", "-", "-"]), self._media,
        ]  # fmt: skip
        units, default, charge = "", "", ""
        if led is not None and led.takes_hold(job):
            units, default = str(to_units(job.cost)), led.default_units()
            charge = dumps(charge_to_doc(charge_for(job, 0.0)) | {"at": "__AT__"})
        args = [job.id, dumps(doc), job.state.value, job.tenant, units, default, charge]
        pipe = self.conn.client.pipeline(transaction=False)
        if self.before_insert is not None:
            self.before_insert(pipe, job)
        args += [x for o in job.outputs for x in (o.video_id, o.media_key)]
        result = await self.conn.run(pipe, _INSERT, keys, args)
        if int(result[0]) == -1:
            avail = from_units(int(result[1]) - int(float(result[2])))
            raise InsufficientCredits(f"{job.cost:.2f}", f"{avail:.2f}")
        if led is not None:
            led.inserted(job)
        return int(result[0]) == 1

    async def get(self, job_id: str) -> Job | None:
        values = await self.conn.client.hgetall(self._job(job_id))
        return _decode(values) if values else None

    async def _get_many(self, ids: list[bytes]) -> list[Job]:
        if not ids:
            return []
        pipe = self.conn.client.pipeline(transaction=False)
        for job_id in ids:
            pipe.hgetall(self._job(job_id.decode()))
        return [_decode(v) for v in await pipe.execute() if v]

    async def apply(self, move: Move) -> bool:
        job_id, expected, new = move.job_id, move.expected, move.new
        if not move.legal:  # illegal, if the state is as expected
            stored = await self.conn.client.hget(self._job(job_id), "state")
            if stored is None or stored.decode() != expected.value:
                return False
            raise ValueError(f"illegal transition {expected} -> {new} for job {job_id}")
        led = self.ledger
        keys = [self._job(job_id), self._unfinished, *(led.settle_keys() if led else ["-"] * 5)]
        field = "started_at" if new is State.RUNNING else "finished_at"
        fail = dumps(_failure_doc(move.failure)) if move.failure is not None else ""
        settle = "1" if led is not None else "0"
        args = [job_id, expected.value, new.value, field, repr(float(move.at)), fail, settle]
        return bool(await self.conn.script(_TRANSITION, keys, args))

    async def poll(
        self, job_id: str, tenant: str | None = None, provider: str | None = None
    ) -> Job | None:
        flat = await self.conn.script(_POLL, [self._job(job_id)], [tenant or "", provider or ""])
        return _decode(dict(zip(flat[::2], flat[1::2], strict=True))) if flat else None

    async def update(self, job_id: str, **fields: Any) -> None:
        unknown = set(fields) - UPDATABLE
        if unknown:
            raise ValueError(f"job fields {sorted(unknown)} cannot be updated")
        if not fields:
            return
        args: list[str] = []
        for name, value in fields.items():
            plain = asdict(value) if is_dataclass(value) and not isinstance(value, type) else value
            args += [name, dumps(plain)]
        await self.conn.script(_UPDATE, [self._job(job_id)], args)

    async def queue_rank(self, job: Job) -> int:
        rank = await self.conn.client.zrank(self._queue(job.provider, job.model_id), job.id)
        return int(rank) if rank is not None else 0

    async def job_for_video(self, video_id: str) -> Job | None:
        job_id = await self.conn.client.hget(self._videos, video_id)
        return await self.get(job_id.decode()) if job_id else None

    async def job_for_media(self, media_key: str) -> Job | None:
        job_id = await self.conn.client.hget(self._media, media_key)
        return await self.get(job_id.decode()) if job_id else None

    async def active(self, tenant: str) -> list[Job]:
        ids = await self.conn.client.smembers(self._active(tenant))
        return [j for j in await self._get_many(sorted(ids)) if not j.terminal]

    async def unfinished(self) -> list[Job]:
        ids = await self.conn.client.smembers(self._unfinished)
        return [j for j in await self._get_many(sorted(ids)) if not j.terminal]

    async def jobs(self) -> list[Job]:
        return await self._get_many(await self.conn.client.zrange(self._jobs, 0, -1))

    async def count(self) -> int:
        return int(await self.conn.client.zcard(self._jobs))

    async def clear(self) -> None:
        await self.conn.delete_matching(
            "job:*", "queue:*", "active:*", "jobs", "seq", "unfinished", "videos", "media_jobs"
        )


def _failure_doc(failure: Failure) -> dict[str, Any]:
    return {"kind": failure.kind, "message": failure.message, "code": failure.code}
