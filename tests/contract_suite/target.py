"""Where the contract suite sends its requests: in-process, a running emulator, or live.

Every target is a synchronous :class:`httpx.Client`; only its transport differs. The
in-process target runs the app (with its lifespan) on an event loop in a thread and
reaches it through ``httpx.ASGITransport``; the others use real sockets::

    target = in_process_target(config, recorder)      # or server_target(url, ...)
    response = target.send("runcomfy", "GET", "/v1/requests/x/status")
    target.advance(30)               # emulator: POST /_emulator/clock/advance; live: sleep
    with target.progression(kind="clock", queue_seconds=10, run_seconds=20): ...

On an emulator the suite pauses a scaled clock and sets ``manual`` progression for the
session (nothing moves unless a test moves it); :meth:`Target.close` restores both.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import httpx
from anyio.from_thread import BlockingPortal, start_blocking_portal
from starlette.applications import Starlette

from tests.contract_suite.options import KEY_VARIABLES, LIVE_HOSTS
from tests.contract_suite.recording import Recorder

__all__ = ["EMULATOR_KEYS", "Target", "in_process_target", "live_target", "server_target"]

EMULATOR_KEYS = {"runware": "sk-contract-suite-runware", "runcomfy": "sk-contract-suite-runcomfy"}
_UNSET: Any = object()


class PortalTransport(httpx.BaseTransport):
    """A sync transport into an ASGI app served on a portal's event loop."""

    def __init__(self, portal: BlockingPortal, app: Starlette) -> None:
        self.portal = portal
        self.asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def go() -> httpx.Response:
            response = await self.asgi.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body)

        return self.portal.call(go)


class Target:
    """One system under test, spoken to only through HTTP."""

    def __init__(
        self,
        kind: str,
        client: httpx.Client,
        bases: dict[str, str],
        keys: dict[str, str | None],
        recorder: Recorder,
        *,
        control_base: str | None = None,
        poll_seconds: float = 5.0,
    ) -> None:
        self.kind = kind
        self.client = client
        self.bases = bases
        self.keys = keys
        self.recorder = recorder
        self.control_base = control_base
        self.poll_seconds = poll_seconds
        self.cleanup = ExitStack()
        self._saved: dict[str, Any] = {}

    @property
    def live(self) -> bool:
        return self.kind == "live"

    @property
    def emulator(self) -> bool:
        return self.control_base is not None

    def __repr__(self) -> str:
        return f"<Target {self.kind} {self.bases}>"

    # -- the providers' APIs ----------------------------------------------------
    def send(
        self,
        provider: str,
        method: str,
        path: str,
        *,
        json: Any = _UNSET,
        content: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
        key: str | None = _UNSET,
    ) -> httpx.Response:
        """One request to ``provider`` (``path`` under its base); ``key=None`` sends none."""
        key = self.keys.get(provider) if key is _UNSET else key
        sent = {"Authorization": f"Bearer {key}"} if key is not None else {}
        sent.update(headers or {})
        kwargs: dict[str, Any] = {"headers": sent, "params": params}
        if json is not _UNSET:
            kwargs["json"] = json
        elif content is not None:
            kwargs["content"] = content
        request = self.client.build_request(method, self.bases[provider] + path, **kwargs)
        return self._exchange(provider, request)

    def fetch(self, provider: str, url: str) -> httpx.Response:
        """GET an absolute URL from a response (a video), without any key."""
        return self._exchange(provider, self.client.build_request("GET", url))

    def _exchange(self, provider: str, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        response = self.client.send(request)
        self.recorder.record(provider, request, response, time.monotonic() - started)
        return response

    # -- time and the control API (emulators only) --------------------------------
    def control(self, method: str, path: str, body: Any = None) -> Any:
        if self.control_base is None:
            raise RuntimeError("a live target has no control API")
        kwargs = {"json": body} if body is not None else {}
        response = self.client.request(method, f"{self.control_base}/_emulator/{path}", **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"control API {method} {path}: {response.text}")
        return response.json()

    def advance(self, seconds: float) -> None:
        """Move the target's time on: the emulator's clock, or real time when live."""
        if self.control_base is None:
            time.sleep(seconds)
        elif seconds > 0:
            self.control("POST", "clock/advance", {"seconds": seconds})

    @contextlib.contextmanager
    def progression(self, **values: Any) -> Iterator[None]:
        """Jobs submitted inside the block move as ``values`` say (emulators only)."""
        if self.control_base is None:
            yield
            return
        self.control("PUT", "progression", values)
        try:
            yield
        finally:
            self.control("PUT", "progression", {"kind": "manual"})

    def discard(self, job_id: str) -> None:
        """Fail a job the suite no longer needs, so it never renders (emulators only)."""
        if self.control_base is not None:
            self.client.post(
                f"{self.control_base}/_emulator/jobs/{job_id}/fail",
                json={"kind": "internal", "message": "discarded by the contract suite"},
            )

    def reset(self, seed: int) -> None:
        """Forget every job and reseed (emulators only), then pause time again."""
        self.control("POST", "reset", {"seed": seed})
        self.control("PUT", "progression", {"kind": "manual"})

    def prepare(self) -> None:
        """Pause a scaled clock and hold every job still until a test moves it."""
        if self.control_base is None:
            return
        try:
            clock = self.control("GET", "clock")
        except httpx.TransportError as exc:
            raise RuntimeError(
                f"no sora-mock control API at {self.control_base}/_emulator/ ({exc}); "
                "is `sora-mock serve` running there?"
            ) from exc
        if clock["kind"] == "scaled" and clock["speed"] > 0:
            self._saved["speed"] = clock["speed"]
            self.control("POST", "clock/speed", {"speed": 0})
        self._saved["progression"] = self.control("GET", "progression")
        self.control("PUT", "progression", {"kind": "manual"})

    def close(self) -> None:
        """Restore what :meth:`prepare` changed, then release the transport."""
        try:
            saved = self._saved.get("progression")
            if saved is not None:
                self.control("PUT", "progression", saved["default"])
                for model, values in saved["models"].items():
                    self.control("PUT", "progression", {**values, "model": model})
            if "speed" in self._saved:
                self.control("POST", "clock/speed", {"speed": self._saved["speed"]})
        finally:
            self.client.close()
            self.cleanup.close()


def in_process_target(app: Starlette, recorder: Recorder) -> Target:
    """The app on a portal thread (lifespan included), reached through ASGITransport."""
    stack = ExitStack()
    portal = stack.enter_context(start_blocking_portal())
    stack.enter_context(portal.wrap_async_context_manager(app.router.lifespan_context(app)))
    client = httpx.Client(transport=PortalTransport(portal, app), timeout=120)
    base = "http://sora.test"
    target = Target(
        "inprocess",
        client,
        {"runware": f"{base}/v1", "runcomfy": base},
        dict(EMULATOR_KEYS),
        recorder,
        control_base=base,
    )
    target.cleanup = stack
    return target


def server_target(url: str, recorder: Recorder) -> Target:
    """A running emulator at ``url``; its control API must be reachable (an emulator bound
    beyond loopback wants its admin token: set ``SORA_MOCK_ADMIN_TOKEN``)."""
    token = os.environ.get("SORA_MOCK_ADMIN_TOKEN")
    client = httpx.Client(timeout=120)
    if token:
        client.event_hooks["request"] = [_admin(url, token)]
    bases = {"runware": f"{url}/v1", "runcomfy": url}
    return Target("server", client, bases, dict(EMULATOR_KEYS), recorder, control_base=url)


def _admin(url: str, token: str) -> Any:
    """Adds the admin token to control-API requests only (never to provider calls)."""

    def hook(request: httpx.Request) -> None:
        if str(request.url).startswith(f"{url}/_emulator/"):
            request.headers["Authorization"] = f"Bearer {token}"

    return hook


def live_target(base_url: str | None, recorder: Recorder, poll_seconds: float) -> Target:
    """The providers' real hosts (or ``base_url`` standing in for both, in tests)."""
    bases = dict(LIVE_HOSTS)
    if base_url:
        bases = {"runware": f"{base_url.rstrip('/')}/v1", "runcomfy": base_url.rstrip("/")}
    keys = {p: os.environ.get(var) or None for p, var in KEY_VARIABLES.items()}
    recorder.secrets.update(k for k in keys.values() if k)
    client = httpx.Client(timeout=120, follow_redirects=True)
    return Target("live", client, bases, keys, recorder, poll_seconds=poll_seconds)
