"""What both provider clients share: send with validation and retries, wait for a job,
download a clip. One :class:`Call` describes a request; :meth:`Core._send_flow` runs it.

Everything here is a flow (:mod:`client._flow`), written once and run by the blocking
or the async transport (:mod:`client._transport`). Retries (429, 5xx, connection
errors) happen only when ``Call.retry`` is set, with the injected ``sleep`` between
tries. The response is validated once, after the last try. The API key travels in the
``Authorization`` header of API calls only: downloads go to public media URLs, often on
another host, and never carry it.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import httpx

from client._flow import USER_AGENT, Flow, Send, Sleep, operation
from client.download import Progress, download_flow
from client.errors import TransportError, WaitTimeout
from client.models import JobStatus, Submission, Video
from client.policy import Backoff, RetryPolicy, parse_retry_after
from client.validation import Validator
from contracts import Contracts

__all__ = ["Answer", "AsyncOptions", "Call", "Core", "OnStatus", "SyncOptions"]

DEFAULT_WAIT = 900.0  # Sora takes from under a minute to several; 15 min is generous
OnStatus = Callable[[JobStatus], None]


class _Options(TypedDict, total=False):
    validation: str
    retry: RetryPolicy
    poll: Backoff
    timeout: float
    contracts: Contracts
    rng: random.Random
    clock: Callable[[], float]


class SyncOptions(_Options, total=False):
    """Keyword options of a blocking client."""

    http: httpx.Client
    transport: httpx.BaseTransport
    sleep: Callable[[float], None]


class AsyncOptions(_Options, total=False):
    """Keyword options of an async client."""

    http: httpx.AsyncClient
    transport: httpx.AsyncBaseTransport
    sleep: Callable[[float], Awaitable[None]]


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


class Core:
    """Configuration, and the flows every provider client has: the provider's own flows
    (``_submit_flow``, ``_status_flow``, ``_conclude_flow``) fill in the rest."""

    provider = "?"
    default_url = ""
    http: Any
    sleep: Any
    _default_sleep: Any

    def __init__(
        self,
        api_key: str,
        base_url: str | None = None,
        *,
        validation: str = "strict",
        retry: RetryPolicy | None = None,
        poll: Backoff | None = None,
        timeout: float = 30.0,
        contracts: Contracts | None = None,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
        http: Any = None,
        transport: Any = None,
        sleep: Any = None,
    ) -> None:
        if not api_key:
            raise ValueError(f"an API key is required for {self.provider}")
        self.api_key = api_key
        self.base_url = self._endpoint(base_url or self.default_url)
        self.validator = Validator(validation, contracts)
        self.retry = retry or RetryPolicy()
        self.poll = poll or Backoff()
        self.timeout = timeout
        self.rng = rng or random.Random()
        self.clock = clock
        self._owns_http = http is None
        self.http = http if http is not None else self._open_http(transport, timeout)
        self.sleep = sleep if sleep is not None else self._default_sleep

    def _endpoint(self, base_url: str) -> str:
        return base_url.rstrip("/")

    def _open_http(self, transport: Any, timeout: float) -> Any:
        raise NotImplementedError  # the transport's

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

    def _send_flow(self, call: Call) -> Flow[Answer]:
        self._prepare(call)
        attempt = 0
        while True:
            try:
                response = yield Send(self._request_args(call))
            except (httpx.TransportError, httpx.InvalidURL) as exc:
                if not call.retry or attempt + 1 >= self.retry.attempts:
                    raise self._transport_error(call, exc) from exc
                yield Sleep(self._delay(attempt))
                attempt += 1
                continue
            answer = self._answer(response)
            if not self._should_retry(call, answer, attempt):
                return self._receive(call, answer)
            yield Sleep(self._delay(attempt, answer))
            attempt += 1

    def _submit_flow(self, /, model: str, prompt: str, **options: Any) -> Flow[Submission]:
        raise NotImplementedError

    def _status_flow(self, job_id: str) -> Flow[JobStatus]:
        raise NotImplementedError

    def _conclude_flow(self, status: JobStatus) -> Flow[Video]:
        raise NotImplementedError

    def _wait_flow(
        self, job_id: str, *, timeout: float = DEFAULT_WAIT, on_status: OnStatus | None = None
    ) -> Flow[Video]:
        """Poll until the job finishes (capped exponential backoff with jitter, at most
        ``timeout`` seconds on the injected clock). Returns the video, or raises
        :class:`JobFailed`, :class:`JobCancelled` or :class:`WaitTimeout`.
        ``on_status(status)`` sees every poll."""
        start, attempt = self.clock(), 0
        while True:
            status = yield from self._status_flow(job_id)
            if on_status is not None:
                on_status(status)
            if status.terminal:
                return (yield from self._conclude_flow(status))
            remaining = timeout - (self.clock() - start)
            if remaining <= 0:
                raise WaitTimeout(job_id, timeout, status)
            yield Sleep(min(self.poll.delay(attempt, self.rng), remaining))
            attempt += 1

    wait = operation(_wait_flow)

    def _generate_flow(
        self, /, model: str, prompt: str, *, timeout: float = DEFAULT_WAIT, **options: Any
    ) -> Flow[Video]:
        """submit + wait."""
        submission = yield from self._submit_flow(model, prompt, **options)
        return (yield from self._wait_flow(submission.id, timeout=timeout))

    generate = operation(_generate_flow)

    def _download_flow(
        self, url: str, dest: str | os.PathLike[str], on_progress: Progress | None = None
    ) -> Flow[Path]:
        """Stream ``url`` into ``dest``; see :mod:`client.download`."""
        return download_flow(
            url, dest, self.provider, self.retry, self._delay, on_progress=on_progress
        )

    download = operation(_download_flow)
