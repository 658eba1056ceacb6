"""A running emulator for one test: uvicorn in a thread on a free loopback port.

    with start_sora_mock(seed=3, progression="polls", faults=["moderation@30"]) as mock:
        httpx.post(f"{mock.runcomfy_url}/v1/models/openai/sora-2/text-to-video", ...)
        mock.advance(60)                    # the manual clock; due jobs finish, webhooks fire
        monkeypatch.setattr(my_app.time, "sleep", mock.sleep)  # poll sleeps move the clock
        mock.faults.script("runcomfy.submit", "http-429", "pass")
        mock.journal()                      # requests the emulator saw, newest first
        with mock.intercept():              # https://api.runware.ai/... answered by it
            ...

Every method is a thin wrapper over the control API (``/_emulator/``, see the README).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import anyio.to_thread
import httpx
from starlette.applications import Starlette

from mock_server.app import create_app, load_config
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.http.in_thread import serve_in_thread
from mock_server.testing.faults import Faults
from mock_server.testing.loopback import LoopbackTransport
from mock_server.testing.runware_sdk import runware_sdk_schemas
from mock_server.testing.stepping import ClockStepper

__all__ = ["CLOCK_STEP", "SoraMock", "start_sora_mock"]

_real_sleep = time.sleep  # kept before any test patches them
_real_async_sleep = asyncio.sleep
CLOCK_STEP = 5.0  # emulated seconds each API request moves the clock on (a poll interval)

_PROGRESSION_FIELDS = (
    "queue_seconds",
    "run_seconds",
    "run_seconds_per_video_second",
    "queue_polls",
    "run_polls",
)


class SoraMock:
    """Handle on a running emulator (what the ``sora_mock`` fixture gives a test)."""

    def __init__(self, app: Starlette, base_url: str, extra_hosts: Iterable[str] = ()) -> None:
        self.app = app
        self.base_url = base_url
        self.runware_url = f"{base_url}/v1"  # Runware's REST endpoint (POST tasks here)
        self.runcomfy_url = base_url  # RunComfy's base: {runcomfy_url}/v1/models/...
        self.runware_schemas_url = f"{base_url}/schemas"  # runware-sdk's schema registry
        host, _, port = base_url.removeprefix("http://").rpartition(":")
        self.host, self.port = host, int(port)
        self.extra_hosts = tuple(extra_hosts)
        self._http = httpx.Client(
            transport=LoopbackTransport(self.host, self.port), base_url=base_url, timeout=60
        )
        self.faults = Faults(self.control)
        self._owner = threading.get_ident()  # the test's thread: the one sleep() speeds up

    def control(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        """Call ``/_emulator/<path>``; raises ``RuntimeError`` with its message on a 4xx."""
        kwargs: dict[str, Any] = {"params": {k: v for k, v in params.items() if v is not None}}
        if body is not None:
            kwargs["json"] = body
        response = self._http.request(method, f"/_emulator/{path}", **kwargs)
        if response.status_code >= 400:
            raise RuntimeError(f"sora-mock control API {method} {path}: {response.text}")
        return response.json()

    # -- time and progression -------------------------------------------------
    def now(self) -> float:
        """Emulated time, epoch seconds."""
        return float(self.control("GET", "clock")["now"])

    def advance(self, seconds: float) -> float:
        """Move the manual clock on and fire every transition now due (webhooks start)."""
        return float(self.control("POST", "clock/advance", {"seconds": seconds})["now"])

    def sleep(self, seconds: float) -> None:
        """Move the clock on by ``seconds`` instead of waiting: patch your code's sleep
        with it (``monkeypatch.setattr(time, "sleep", sora_mock.sleep)``). Only the
        test's own thread is sped up; any other thread (the server's, ffmpeg's waits,
        your worker threads) sleeps for real, so patching ``time.sleep`` is safe."""
        if threading.get_ident() != self._owner:
            _real_sleep(seconds)
        elif seconds > 0:
            self.advance(seconds)

    async def async_sleep(self, seconds: float, result: Any = None) -> Any:
        """:meth:`sleep` for asyncio code: ``monkeypatch.setattr(asyncio, "sleep",
        sora_mock.async_sleep)``. Event loops in other threads sleep for real."""
        if threading.get_ident() != self._owner:
            return await _real_async_sleep(seconds, result)
        if seconds > 0:
            await anyio.to_thread.run_sync(self.advance, seconds)
        else:
            await _real_async_sleep(0)
        return result

    def set_progression(self, kind: str = "clock", model: str | None = None, **values: Any) -> None:
        """How jobs submitted from now on move: ``clock``, ``polls``, ``manual``, ``immediate``."""
        body = {"kind": kind, **values, **({"model": model} if model else {})}
        self.control("PUT", "progression", body)

    # -- jobs, money and what happened -----------------------------------------
    def jobs(self, state: str | None = None, provider: str | None = None) -> list[dict[str, Any]]:
        return list(self.control("GET", "jobs", state=state, provider=provider)["jobs"])

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self.control("GET", f"jobs/{job_id}"))

    def complete(self, job_id: str) -> dict[str, Any]:
        """Make a job succeed now."""
        return dict(self.control("POST", f"jobs/{job_id}/complete"))

    def fail(
        self,
        job_id: str,
        kind: str = "provider",
        message: str | None = None,
        code: str | None = None,
    ) -> dict[str, Any]:
        """Make a job fail now (``kind``: moderation, timeout, provider, render, internal)."""
        body: dict[str, Any] = {"kind": kind}
        if message is not None:
            body["message"] = message
        if code is not None:
            body["code"] = code
        return dict(self.control("POST", f"jobs/{job_id}/fail", body))

    def journal(self, limit: int = 100, provider: str | None = None) -> list[dict[str, Any]]:
        """The request journal, newest first."""
        return list(self.control("GET", "journal", limit=limit, provider=provider)["entries"])

    def ledger(self) -> dict[str, Any]:
        return dict(self.control("GET", "ledger"))

    def set_balance(self, key: str, balance: str | None) -> None:
        """A key's balance in USD (``None``: unlimited)."""
        self.control("POST", "balances", {"key": key, "balance": balance})

    def webhooks(self) -> list[dict[str, Any]]:
        return list(self.control("GET", "webhooks")["deliveries"])

    def wait_for_webhooks(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Deliveries made so far, once there are ``count`` of them (they run in the background)."""
        deadline = time.monotonic() + timeout
        while len(found := self.webhooks()) < count:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(found)} of {count} webhook deliveries after {timeout} s")
            time.sleep(0.01)
        return found

    def reset(self, seed: int | None = None) -> None:
        """Forget jobs, charges, faults and the journal; reseed."""
        self.control("POST", "reset", {} if seed is None else {"seed": seed})

    # -- interception -----------------------------------------------------------
    def intercept(self, *extra_hosts: str) -> contextlib.AbstractContextManager[Any]:
        """Answer the providers' real hosts from this emulator while the block runs."""
        try:
            from mock_server.testing.intercept import Interception
        except ImportError as exc:  # respx is an optional dependency
            raise RuntimeError(
                f"interception needs respx ({exc}): install sora-mock with its pytest extra"
            ) from exc

        return Interception(self.host, self.port, [*self.extra_hosts, *extra_hosts])

    def close(self) -> None:
        self._http.close()


def _config(
    seed: int, progression: str | Mapping[str, Any] | None, config: dict[str, Any]
) -> Config:
    values: dict[str, Any] = {"clock": "manual", "seed": seed, "log_level": "warning", **config}
    if isinstance(progression, str):
        values["progression"] = progression
    elif progression is not None:
        spec = dict(progression)
        values["progression"] = spec.pop("kind", "clock")
        unknown = set(spec) - set(_PROGRESSION_FIELDS)
        if unknown:
            raise ValueError(f"unknown progression settings: {', '.join(sorted(unknown))}")
        values.update(spec)
    return load_config({}, **values)


@contextlib.contextmanager
def start_sora_mock(
    *,
    seed: int = 0,
    progression: str | Mapping[str, Any] | None = None,
    faults: Iterable[str | Mapping[str, Any]] = (),
    hosts: Iterable[str] = (),
    clock_step: float = CLOCK_STEP,
    **config: Any,
) -> Iterator[SoraMock]:
    """Run an emulator on a manual clock until the block ends.

    Each API request moves that clock on by ``clock_step`` emulated seconds, so code
    that polls a job sees it finish after a few reads instead of waiting forever;
    ``clock_step=0`` leaves the clock to :meth:`SoraMock.advance` alone. ``config``
    takes any :class:`~mock_server.config.Config` field, e.g. ``balance="1.00"``.
    ``runware-sdk``, when installed, reads its schema registry from the emulator
    meanwhile (:mod:`mock_server.testing.runware_sdk`)."""
    if clock_step < 0:
        raise ValueError("clock_step must be >= 0 (0: the clock moves only on advance())")
    app = create_app(_config(seed, progression, config), clock=ManualClock())
    served: Any = ClockStepper(app, app.state.emulator, clock_step) if clock_step else app
    with serve_in_thread(served) as server, runware_sdk_schemas(server.url):
        mock = SoraMock(app, server.url, hosts)
        try:
            for fault in faults:
                mock.faults.apply(fault)
            yield mock
        finally:
            mock.close()
