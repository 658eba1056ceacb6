"""The two ways to run a flow (:mod:`client._flow`): blocking on ``httpx.Client`` and
an injected ``sleep`` (``time.sleep``), or async on ``httpx.AsyncClient`` and an
awaitable ``sleep`` (``anyio.sleep``). A client class is a transport plus a provider's
flows, and each flow the provider marks as an ``operation`` becomes a method of the
transport's flavour:

>>> class RunwareClient(SyncTransport, _Runware): ...      # rw.status(id) -> JobStatus
>>> class AsyncRunwareClient(AsyncTransport, _Runware): ... # await rw.status(id)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Self, TypeVar, Unpack

import anyio
import httpx

from client._base import AsyncOptions, Core, SyncOptions
from client._flow import Effect, Flow, Run, Send, Sleep

__all__ = ["AsyncTransport", "SyncTransport"]

T = TypeVar("T")
_CHUNK = 1 << 16


class SyncTransport(Core):
    """Runs flows blocking; ``sleep`` defaults to ``time.sleep``. Options (keyword):
    ``validation`` (strict | lenient | off), ``retry``, ``poll``, ``timeout``,
    ``http``/``transport``, ``sleep``, ``clock``, ``rng``, ``contracts``."""

    http: httpx.Client
    sleep: Callable[[float], None]
    _default_sleep = staticmethod(time.sleep)

    def __init__(
        self, api_key: str, base_url: str | None = None, **options: Unpack[SyncOptions]
    ) -> None:
        super().__init__(api_key, base_url, **options)

    def _open_http(self, transport: httpx.BaseTransport | None, timeout: float) -> httpx.Client:
        return httpx.Client(transport=transport, timeout=timeout)

    def _drive(self, flow: Flow[T]) -> T:
        for effect in (run := Run(flow)):
            with run.outcome() as out:
                out.value = self._perform(effect)
        return run.result

    def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return self.http.request(**effect.request)
        if isinstance(effect, Sleep):
            return self.sleep(effect.seconds)
        with self.http.stream("GET", effect.url, headers=effect.headers) as response:
            write = effect.open(response)
            for chunk in response.iter_bytes(_CHUNK):
                write(chunk)
        return response

    def _bind(self, name: str) -> Callable[..., Any]:
        flow = getattr(self, name)

        def method(*args: Any, **kwargs: Any) -> Any:
            return self._drive(flow(*args, **kwargs))

        return method

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncTransport(Core):
    """Runs flows on the event loop; ``sleep`` defaults to ``anyio.sleep``. Same
    options as :class:`SyncTransport`, with ``httpx.AsyncClient`` and an async sleep."""

    http: httpx.AsyncClient
    sleep: Callable[[float], Awaitable[None]]
    _default_sleep = staticmethod(anyio.sleep)

    def __init__(
        self, api_key: str, base_url: str | None = None, **options: Unpack[AsyncOptions]
    ) -> None:
        super().__init__(api_key, base_url, **options)

    def _open_http(
        self, transport: httpx.AsyncBaseTransport | None, timeout: float
    ) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, timeout=timeout)

    async def _drive(self, flow: Flow[T]) -> T:
        for effect in (run := Run(flow)):
            with run.outcome() as out:
                out.value = await self._perform(effect)
        return run.result

    async def _perform(self, effect: Effect) -> Any:
        if isinstance(effect, Send):
            return await self.http.request(**effect.request)
        if isinstance(effect, Sleep):
            return await self.sleep(effect.seconds)
        async with self.http.stream("GET", effect.url, headers=effect.headers) as response:
            write = effect.open(response)
            async for chunk in response.aiter_bytes(_CHUNK):
                write(chunk)
        return response

    def _bind(self, name: str) -> Callable[..., Coroutine[Any, Any, Any]]:
        flow = getattr(self, name)

        async def method(*args: Any, **kwargs: Any) -> Any:
            return await self._drive(flow(*args, **kwargs))

        return method

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
