"""The I/O shell both provider clients share: send with validation and retries, and
download a clip. One :class:`Call` describes a request; the sync and async bases run it.

Retries (429, 5xx, connection errors) happen only when ``Call.retry`` is set, with the
injected ``sleep`` between tries. The response is validated once, after the last try.
The API key travels in the ``Authorization`` header of API calls only: downloads go to
public media URLs, often on another host, and never carry it.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import anyio
import httpx

from client.download import Progress, download, download_async
from client.errors import TransportError, WaitTimeout
from client.models import JobStatus, Video
from client.policy import Backoff, RetryPolicy, parse_retry_after
from client.validation import Validator
from contracts import Contracts

__all__ = ["Answer", "AsyncBase", "Call", "OnStatus", "Progress", "SyncBase"]

USER_AGENT = "sora-mock-client/0.1"
DEFAULT_WAIT = 900.0  # Sora takes from under a minute to several; 15 min is generous
OnStatus = Callable[[JobStatus], None]


@dataclass(slots=True)
class Call:
    """One API request and the contracts its messages must keep."""

    method: str
    url: str
    json: Any = None
    params: dict[str, str] | None = None
    request_schema: str | None = None
    response_schema: str | None = None
    error_schema: str | None = None
    retry: bool = True


@dataclass(slots=True)
class Answer:
    status: int
    body: Any
    headers: httpx.Headers
    text: str

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class _Core:
    """Configuration and the pure steps around each request (no I/O)."""

    provider = "?"

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        validation: str = "strict",
        retry: RetryPolicy | None = None,
        poll: Backoff | None = None,
        timeout: float = 30.0,
        contracts: Contracts | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not api_key:
            raise ValueError(f"an API key is required for {self.provider}")
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.validator = Validator(validation, contracts)
        self.retry = retry or RetryPolicy()
        self.poll = poll or Backoff()
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.clock = clock

    def _headers(self) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.api_key}",
            "Accept": "application/json",
            "User-Agent": USER_AGENT,
        }

    def _prepare(self, call: Call) -> None:
        if call.request_schema is not None:
            self.validator.check("request", call.request_schema, call.json)

    def _request_args(self, call: Call) -> dict[str, Any]:
        return {
            "method": call.method,
            "url": call.url,
            "json": call.json,
            "params": call.params,
            "headers": self._headers(),
        }

    def _download_args(self) -> dict[str, Any]:
        sleep = self.sleep  # type: ignore[attr-defined]
        return {
            "provider": self.provider,
            "retry": self.retry,
            "delay": self._delay,
            "sleep": sleep,
        }

    def _answer(self, response: httpx.Response) -> Answer:
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = None
        return Answer(response.status_code, body, response.headers, response.text)

    def _should_retry(self, call: Call, answer: Answer, attempt: int) -> bool:
        return (
            call.retry
            and attempt + 1 < self.retry.attempts
            and answer.status in (self.retry.statuses)
        )

    def _delay(self, attempt: int, answer: Answer | None = None) -> float:
        after = parse_retry_after(answer.headers.get("retry-after")) if answer else None
        return self.retry.delay(attempt, self.rng, after)

    def _is_error(self, answer: Answer) -> bool:
        """Whether an answer reports an error (a provider may do so on HTTP 200)."""
        return not answer.ok

    def _receive(self, call: Call, answer: Answer) -> Answer:
        """Validate the final answer against the contract for its status."""
        schema = call.error_schema if self._is_error(answer) else call.response_schema
        if schema is None:
            return answer
        if answer.body is None and answer.ok:
            snippet = answer.text[:80] or "an empty body"
            self.validator.fail("response", schema, "$", f"is not JSON: {snippet!r}", answer.text)
        if answer.body is not None:
            self.validator.check("response", schema, answer.body)
        return answer

    def _transport_error(self, call: Call, exc: Exception) -> TransportError:
        return TransportError(f"{self.provider}: {call.method} {call.url} failed: {exc}")


class SyncBase(_Core):
    """Blocking shell on :class:`httpx.Client`; ``sleep`` defaults to ``time.sleep``."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        http: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        **options: Any,
    ) -> None:
        super().__init__(api_key, base_url, **options)
        self._owns_http = http is None
        self.http = http or httpx.Client(transport=transport, timeout=self.timeout)
        self.sleep = sleep

    def _send(self, call: Call) -> Answer:
        self._prepare(call)
        attempt = 0
        while True:
            try:
                response = self.http.request(**self._request_args(call))
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                if not call.retry or attempt + 1 >= self.retry.attempts:
                    raise self._transport_error(call, exc) from exc
                self.sleep(self._delay(attempt))
                attempt += 1
                continue
            answer = self._answer(response)
            if not self._should_retry(call, answer, attempt):
                return self._receive(call, answer)
            self.sleep(self._delay(attempt, answer))
            attempt += 1

    def status(self, job_id: str) -> JobStatus:
        raise NotImplementedError

    def _conclude(self, status: JobStatus) -> Video:
        raise NotImplementedError

    def wait(
        self, job_id: str, *, timeout: float = DEFAULT_WAIT, on_status: OnStatus | None = None
    ) -> Video:
        """Poll until the job finishes (capped exponential backoff with jitter, at most
        ``timeout`` seconds on the injected clock). Returns the video, or raises
        :class:`JobFailed`, :class:`JobCancelled` or :class:`WaitTimeout`.
        ``on_status(status)`` sees every poll."""
        start, attempt = self.clock(), 0
        while True:
            status = self.status(job_id)
            if on_status is not None:
                on_status(status)
            if status.terminal:
                return self._conclude(status)
            remaining = timeout - (self.clock() - start)
            if remaining <= 0:
                raise WaitTimeout(job_id, timeout, status)
            self.sleep(min(self.poll.delay(attempt, self.rng), remaining))
            attempt += 1

    def download(
        self, url: str, dest: str | os.PathLike[str], on_progress: Progress | None = None
    ) -> Path:
        """Stream ``url`` into ``dest``; see :mod:`client.download`."""
        return download(self.http, url, dest, on_progress=on_progress, **self._download_args())

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncBase(_Core):
    """Async shell on :class:`httpx.AsyncClient`; ``sleep`` defaults to ``anyio.sleep``."""

    def __init__(
        self,
        api_key: str,
        base_url: str,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = anyio.sleep,
        **options: Any,
    ) -> None:
        super().__init__(api_key, base_url, **options)
        self._owns_http = http is None
        self.http = http or httpx.AsyncClient(transport=transport, timeout=self.timeout)
        self.sleep = sleep

    async def _send(self, call: Call) -> Answer:
        self._prepare(call)
        attempt = 0
        while True:
            try:
                response = await self.http.request(**self._request_args(call))
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                if not call.retry or attempt + 1 >= self.retry.attempts:
                    raise self._transport_error(call, exc) from exc
                await self.sleep(self._delay(attempt))
                attempt += 1
                continue
            answer = self._answer(response)
            if not self._should_retry(call, answer, attempt):
                return self._receive(call, answer)
            await self.sleep(self._delay(attempt, answer))
            attempt += 1

    async def status(self, job_id: str) -> JobStatus:
        raise NotImplementedError

    async def _conclude(self, status: JobStatus) -> Video:
        raise NotImplementedError

    async def wait(
        self, job_id: str, *, timeout: float = DEFAULT_WAIT, on_status: OnStatus | None = None
    ) -> Video:
        """Async :meth:`SyncBase.wait`."""
        start, attempt = self.clock(), 0
        while True:
            status = await self.status(job_id)
            if on_status is not None:
                on_status(status)
            if status.terminal:
                return await self._conclude(status)
            remaining = timeout - (self.clock() - start)
            if remaining <= 0:
                raise WaitTimeout(job_id, timeout, status)
            await self.sleep(min(self.poll.delay(attempt, self.rng), remaining))
            attempt += 1

    async def download(
        self, url: str, dest: str | os.PathLike[str], on_progress: Progress | None = None
    ) -> Path:
        """Stream ``url`` into ``dest``; see :mod:`client.download`."""
        return await download_async(
            self.http, url, dest, on_progress=on_progress, **self._download_args()
        )

    async def aclose(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
