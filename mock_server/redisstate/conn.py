"""One Redis connection pool per event loop, Lua scripts by digest, and the key prefix.

redis-py's asyncio client binds its connections to the loop that opened them; an app
built in one thread and served in another (tests, ``running_server``) must not reuse
them, so :attr:`Conn.client` hands out one client per running loop.

``redis://HOST:PORT/DB`` selects the server and database; ``?prefix=NAME`` (default
``sora-mock``) namespaces every key, so several sandboxes can share one database.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

import redis
import redis.asyncio as aioredis
from redis.exceptions import NoScriptError

__all__ = ["Conn", "is_redis_url"]


def is_redis_url(state: str) -> bool:
    return state.startswith(("redis://", "rediss://", "unix://"))


class Conn:
    """Where the shared state lives: clients (async per loop, one sync) and the prefix."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.prefix = (query.pop("prefix", ["sora-mock"]) or ["sora-mock"])[0]
        rest = "&".join(f"{k}={v[0]}" for k, v in query.items())
        self.url = urlunsplit((parts.scheme, parts.netloc, parts.path, rest, ""))
        host = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        self.display = f"{parts.scheme}://{host}{parts.path}"  # never the password
        self._clients: dict[asyncio.AbstractEventLoop, aioredis.Redis] = {}
        self._digests: dict[str, str] = {}
        # Any: redis-py types every reply as a union of what any server setting could
        # return; with decode_responses off (as here) replies are bytes, ints and lists
        self.sync: Any = redis.Redis.from_url(self.url, socket_timeout=10)

    @property
    def client(self) -> Any:
        loop = asyncio.get_running_loop()
        found = self._clients.get(loop)
        if found is None:
            for old in [k for k in self._clients if k.is_closed()]:
                del self._clients[old]  # a finished test's loop: its sockets went with it
            found = self._clients[loop] = aioredis.Redis.from_url(
                self.url, socket_timeout=10, max_connections=64
            )
        return found

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    async def script(self, source: str, keys: list[str], args: list[Any]) -> Any:
        """Run a Lua script by its digest (loading it once per server)."""
        digest = self._digests.get(source)
        if digest is None:
            digest = self._digests[source] = hashlib.sha1(source.encode()).hexdigest()
        client = self.client
        try:
            return await client.evalsha(digest, len(keys), *keys, *args)
        except NoScriptError:
            return await client.eval(source, len(keys), *keys, *args)

    async def run(self, prelude: Any, source: str, keys: list[str], args: list[Any]) -> Any:
        """Commands queued on ``prelude`` (a pipeline) then a script, in one round trip;
        the script's result."""
        digest = self._digests.get(source)
        if digest is None:
            digest = self._digests[source] = hashlib.sha1(source.encode()).hexdigest()
        prelude.evalsha(digest, len(keys), *keys, *args)
        try:
            return (await prelude.execute())[-1]
        except NoScriptError:  # not loaded on this server yet: the queued commands ran
            return await self.script(source, keys, args)  # (idempotent ones); now the script

    async def delete_matching(self, *suffixes: str) -> None:
        """Delete this sandbox's keys ``prefix:suffix`` (``*`` patterns allowed)."""
        client = self.client
        for suffix in suffixes:
            pattern = self.key(suffix)
            if "*" not in suffix:
                await client.unlink(pattern)
                continue
            batch: list[bytes] = []
            async for key in client.scan_iter(match=pattern, count=1000):
                batch.append(key)
                if len(batch) >= 500:
                    await client.unlink(*batch)
                    batch.clear()
            if batch:
                await client.unlink(*batch)

    def ping(self) -> None:
        """Fail early, with the URL, when the server is not there."""
        try:
            self.sync.ping()
        except redis.RedisError as exc:
            raise ValueError(f"--state {self.display}: cannot reach Redis ({exc})") from None

    async def aclose(self) -> None:
        loop = asyncio.get_running_loop()
        client = self._clients.pop(loop, None)
        if client is not None:
            await client.aclose()

    def close(self) -> None:
        self.sync.close()
