"""Webhook delivery: POST a JSON body to a URL, retry on failure, log every attempt.

>>> hooks = WebhookDispatcher(clock, allowed_hosts=("127.0.0.1", "localhost"))
>>> hooks.allowed("http://127.0.0.1:9000/hook")
True
>>> delivery = hooks.submit("http://127.0.0.1:9000/hook", {"data": []}, source="runware", ref="t1")
>>> await hooks.wait_for(lambda: delivery.done, timeout=5)    # tests; a server just runs
>>> [a.status for a in delivery.attempts]
[200]

Provider-neutral: a dialect builds the body and decides when to send it; this module
only carries it. A non-2xx answer or a connection error is retried after
``backoff * 2**(n-1)`` seconds *on the engine clock* (``clock.sleep``), so a manual
clock drives retries exactly; each attempt's own HTTP timeout is real time.
Only hosts in ``allowed_hosts`` are ever contacted (``"*"`` allows any host), and never
the emulator itself or a control API (:mod:`.webhook_targets`): a URL is checked when
it is submitted and again, with names resolved, before every attempt; :meth:`guard`
wraps the app so its own listener also refuses what its dispatcher sends.
The log keeps the most recent ``keep`` deliveries for the control plane to list.

With a :class:`DeliveryStore` (shared state on Redis) every delivery is written down
before its first attempt and after each one, the control plane lists every worker's
deliveries, and a delivery whose worker stopped or died is adopted and finished by
another (:mod:`mock_server.redisstate.webhooks`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any

import httpx

from mock_server import __version__
from mock_server.core.clock import Clock
from mock_server.http.deliveries import Attempt, Delivery, DeliveryStore
from mock_server.http.webhook_targets import DELIVERY_HEADER, SelfCallGuard, WebhookTargets

__all__ = ["Attempt", "Delivery", "DeliveryStore", "WebhookDispatcher"]

log = logging.getLogger("sora_mock.webhooks")


class WebhookDispatcher:
    """Sends webhooks in the background and keeps the delivery log."""

    def __init__(
        self,
        clock: Clock,
        *,
        allowed_hosts: Iterable[str] = ("127.0.0.1", "localhost", "::1"),
        max_attempts: int = 5,
        backoff: float = 2.0,
        timeout: float = 10.0,
        keep: int = 1000,
        max_url_chars: int = 2048,
        transport: httpx.AsyncBaseTransport | None = None,
        store: DeliveryStore | None = None,
    ) -> None:
        self.clock = clock
        self.store = store
        self._keeper: asyncio.Task[None] | None = None
        self._running: set[str] = set()  # ids of the deliveries this process sends
        self.targets = WebhookTargets(allowed_hosts, max_url_chars=max_url_chars)
        self.token = secrets.token_hex(16)  # marks this dispatcher's own requests
        self.max_attempts = max(1, max_attempts)
        self.backoff = max(0.0, backoff)
        self.timeout = timeout
        self._transport = transport
        self._client: httpx.AsyncClient | None = None
        self._log: deque[Delivery] = deque(maxlen=keep)
        self._tasks: set[asyncio.Task[None]] = set()
        self._seq = 0
        self._changed = asyncio.Event()

    # -- policy ---------------------------------------------------------------
    def allowed(self, url: str) -> bool:
        """Whether ``url`` may receive webhooks (see :mod:`.webhook_targets`)."""
        return self.targets.refusal(url) is None

    def refusal(self, url: str) -> str | None:
        """Why ``url`` may not receive webhooks, or None."""
        return self.targets.refusal(url)

    def guard(self, app: Any) -> SelfCallGuard:
        """``app`` behind a guard that learns its listening sockets and refuses this
        dispatcher's own deliveries."""
        return SelfCallGuard(app, self.targets, self.token)

    # -- delivery -------------------------------------------------------------
    def submit(self, url: str, body: Any, *, source: str, ref: str, delay: float = 0.0) -> Delivery:
        """Start delivering ``body`` to ``url`` in the background; returns its log entry.

        ``delay`` (emulated seconds) holds the first attempt back: the sandbox's late,
        duplicated and out-of-order webhook faults are built from it.

        Raises ValueError when the URL is not allowed (callers check :meth:`allowed`
        at submit time, so this only guards against misuse).
        """
        reason = self.refusal(url)
        if reason is not None:
            raise ValueError(f"webhook URL refused: {reason}")
        self._seq += 1
        prefix = self.store.prefix if self.store is not None else ""
        delivery = Delivery(f"wh_{prefix}{self._seq:06d}", source, ref, url, body, self.clock.now())
        if delay > 0:
            delivery.next_attempt_at = delivery.created_at + delay
        self._start(delivery)
        return delivery

    def _start(self, delivery: Delivery) -> None:
        self._log.append(delivery)
        self._running.add(delivery.id)
        task = asyncio.ensure_future(self._run(delivery))
        self._tasks.add(task)

        def ended(task: asyncio.Task[None]) -> None:
            self._tasks.discard(task)
            self._running.discard(delivery.id)
            self._notify()

        task.add_done_callback(ended)
        self._notify()

    @property
    def busy(self) -> int:
        """How many deliveries this process is sending (attempting or waiting to retry)."""
        return len(self._running)

    def start(self) -> None:
        """With a store: beat, and adopt the deliveries of workers that are gone."""
        if self.store is not None and self._keeper is None:
            self._keeper = asyncio.ensure_future(self._keep(self.store))

    async def _keep(self, store: DeliveryStore) -> None:
        while True:
            try:
                await store.beat()
                for doc in await store.adopt():
                    if doc.get("id") not in self._running:
                        self._start(Delivery.from_dict(doc))
            except Exception:  # Redis away, or a bad record: try again at the next beat
                log.warning("webhook store unavailable", exc_info=True)
            await asyncio.sleep(store.beat_every)

    async def _save(self, delivery: Delivery) -> bool:
        """Write ``delivery`` down; False when another worker has taken it over."""
        if self.store is None:
            return True
        try:
            ours = await self.store.save(delivery.to_dict(), new=not delivery.stored)
        except Exception:  # the attempt goes on; only the shared record is late
            log.warning("webhook delivery %s not written to the store", delivery.id, exc_info=True)
            return True
        delivery.stored = True
        return ours

    async def _run(self, delivery: Delivery) -> None:
        """Attempts from the next one on: a new delivery, or one adopted mid-way."""
        payload = json.dumps(delivery.body, separators=(",", ":")).encode()
        try:
            if not await self._save(delivery):  # written down before anything is sent
                return
            if delivery.next_attempt_at is not None:
                self._notify()
                await self.clock.wait_until(delivery.next_attempt_at)
            for number in range(len(delivery.attempts) + 1, self.max_attempts + 1):
                if number > 1 and not await self._save(delivery):
                    return  # another worker adopted it while this one waited
                attempt = await self._post(delivery.url, payload, number)
                delivery.attempts.append(attempt)
                if attempt.ok:
                    delivery.state, delivery.next_attempt_at = "delivered", None
                    return
                if number == self.max_attempts or attempt.refused:
                    delivery.state, delivery.next_attempt_at = "failed", None
                    return
                delivery.state = "retrying"
                delivery.next_attempt_at = self.clock.now() + self.backoff * 2 ** (number - 1)
                if not await self._save(delivery):
                    return  # another worker adopted it (this one was thought gone)
                self._notify()
                await self.clock.wait_until(delivery.next_attempt_at)
            delivery.state, delivery.next_attempt_at = "failed", None  # adopted, all used
        except asyncio.CancelledError:
            if self.store is None:  # with a store, another worker finishes it
                delivery.state, delivery.next_attempt_at = "cancelled", None
            raise
        finally:
            if delivery.state in ("delivered", "failed"):
                await self._save(delivery)
            self._notify()

    async def _post(self, url: str, payload: bytes, number: int) -> Attempt:
        attempt = Attempt(number, self.clock.now())
        started = time.perf_counter()
        try:
            reason = await self.targets.refusal_resolved(url)
            if reason is not None:
                attempt.error, attempt.refused = f"refused: {reason}", True
                return attempt
            response = await self._http().post(
                url,
                content=payload,
                headers={
                    "Content-Type": "application/json",
                    "User-Agent": f"sora-mock-webhooks/{__version__}",
                    DELIVERY_HEADER: self.token,
                },
            )
            attempt.status = response.status_code
            if response.headers.get(DELIVERY_HEADER) == self.token:
                attempt.error, attempt.refused = "refused: the emulator itself answered", True
        except Exception as exc:  # any failure is a failed attempt, never a dead task
            attempt.error = self._describe(exc)
        attempt.elapsed_ms = (time.perf_counter() - started) * 1000
        return attempt

    def _describe(self, exc: Exception) -> str:
        """A failed attempt in the emulator's words (the log shows it to clients)."""
        if isinstance(exc, httpx.TimeoutException):
            return f"no answer within {self.timeout:g} s"
        if isinstance(exc, httpx.ConnectError):
            return "could not connect (refused or unreachable)"
        if isinstance(exc, httpx.HTTPError):
            return "the receiver broke off the HTTP exchange"
        log.warning("webhook attempt failed: %r", exc)
        return "the delivery failed"

    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            # Redirects are not followed: a redirect could leave the allowed hosts.
            self._client = httpx.AsyncClient(
                timeout=self.timeout, transport=self._transport, follow_redirects=False
            )
        return self._client

    # -- log ------------------------------------------------------------------
    def deliveries(self, source: str | None = None, ref: str | None = None) -> list[Delivery]:
        """Logged deliveries, oldest first, optionally for one source and/or ref."""
        return [
            d
            for d in self._log
            if (source is None or d.source == source) and (ref is None or d.ref == ref)
        ]

    def snapshot(self) -> list[dict[str, Any]]:
        """The whole log as JSON-ready dicts (for the control plane)."""
        return [d.to_dict() for d in self._log]

    async def listing(self) -> list[dict[str, Any]]:
        """Every delivery as JSON-ready dicts: every worker's, with a store."""
        if self.store is not None:
            return await self.store.listing()
        return self.snapshot()

    def clear(self) -> None:
        self._log.clear()

    async def reset(self) -> None:
        """Forget the log (every worker's, with a store); deliveries under way go on."""
        self.clear()
        if self.store is not None:
            await self.store.clear()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait (real seconds) until ``predicate()`` holds; re-checked after every change."""

        async def loop() -> None:
            while not predicate():
                await self._changed.wait()

        await asyncio.wait_for(loop(), timeout)

    async def aclose(self) -> None:
        """Cancel deliveries still waiting (with a store, left for other workers to
        adopt) and close the HTTP client."""
        if self._keeper is not None:
            self._keeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeper
            self._keeper = None
        if self.store is not None:
            with contextlib.suppress(Exception):
                await self.store.stop()
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None
