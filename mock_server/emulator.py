"""The emulator's parts, wired once by :func:`mock_server.app.create_app` and handed to
every provider and to the control plane; and what a provider is.

Every part is a typed field; what several parts contribute to (media gates, shutdown
hooks) is a list that each contributor appends to, so the order of wiring never matters.

Every provider folder exposes a :class:`Provider` as ``PROVIDER``; ``app.py`` serves
the ones in its ``PROVIDERS`` list and nothing else names a provider's paths::

    PROVIDER = Provider(
        name="runcomfy",                           # job.provider, journal, flag prefix
        paths=("/v1/models/", "/v1/requests/"),    # "/x/" a prefix, "/x" one exact path
        mount=mount,                               # (emu) -> Mount: routes and hooks
        http_error=http_error,                     # 404 / 405 on its paths
        too_large=too_large,                       # 413 on its paths
        settings=NoSettings,                       # or a dataclass: --runcomfy-* flags
        error=error_response,                      # optional: a domain error, its shape
    )

A provider's handlers are the methods of one class, one per operation of its API,
bound to paths by a route table (:func:`mock_server.http.routing.route_table`) under
which any exception is rendered in the provider's own error shape. Starlette is named
here only in type annotations.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mock_server.config import Config
from mock_server.core.accounts import Accounts
from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.core.clock import Clock
from mock_server.core.engine import Engine
from mock_server.core.jobs import Job, JobFault
from mock_server.core.persist import SqliteState
from mock_server.http.webhooks import WebhookDispatcher
from mock_server.media.library import MediaLibrary
from mock_server.redisstate.state import RedisState

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.routing import BaseRoute

__all__ = [
    "Emulator",
    "Hook",
    "MediaGate",
    "Mount",
    "NoPolicies",
    "NoSettings",
    "Policies",
    "Provider",
]

# An async callable run at start-up or shutdown.
Hook = Callable[[], Awaitable[None]]
# ``await gate(media_key)``: False while that clip must answer 404 (expired, planted missing).
MediaGate = Callable[[str], Awaitable[bool]]


class Policies(Protocol):
    """The sandbox's hooks into every dialect (faults, lifecycle). Each dialect calls:

    * ``await before(provider, operation, headers)`` first thing in every handler; it
      may sleep (injected latency) or raise a domain error (scripted 429/5xx);
    * ``job_fault(provider, prompt, headers)`` when building a JobRequest (magic
      prompts and the fault header), and puts the result in ``JobRequest.fault``;
      it may raise the same domain errors as ``before`` (a request fault named in
      a prompt), so call it inside the dialect's error rendering;
    * ``model_headers(offer)`` and adds them to responses about that model
      (``Deprecation`` / ``Sunset``);
    * ``webhook_delays(job)`` before sending a webhook about ``job``: one send per
      delay (emulated seconds), so faults can duplicate, delay and reorder them.

    Operations are named ``<provider>.<handler>``, e.g. ``runcomfy.submit``,
    ``runware.videoInference``, ``runware.getResponse``.

    ``DropConnection`` (core/faults.py) is a BaseException: it passes a dialect's
    ``except Exception`` and reaches the ASGI layer, which closes the socket.
    """

    async def before(self, provider: str, operation: str, headers: Mapping[str, str]) -> None: ...

    def job_fault(
        self, provider: str, prompt: str, headers: Mapping[str, str]
    ) -> JobFault | None: ...

    def model_headers(self, offer: ModelOffer) -> dict[str, str]: ...

    def webhook_delays(self, job: Job | None = None) -> list[float]: ...


class NoPolicies:
    """No faults, no lifecycle headers: the default until the sandbox installs its own."""

    async def before(self, provider: str, operation: str, headers: Mapping[str, str]) -> None:
        return None

    def job_fault(self, provider: str, prompt: str, headers: Mapping[str, str]) -> JobFault | None:
        return None

    def model_headers(self, offer: ModelOffer) -> dict[str, str]:
        return {}

    def webhook_delays(self, job: Job | None = None) -> list[float]:
        return [0.0]


@dataclass(slots=True)
class Emulator:
    """The wired parts; ``policies`` is where faults and lifecycle rules plug in.

    * ``webhooks`` delivers any provider's webhooks (with retries, on the engine clock);
    * ``media_gates``: ``GET /media/{key}`` serves a clip only while every gate allows it;
    * ``on_shutdown``: run in reverse order when the server stops, after the scheduler;
    * ``state``: the SQLite or Redis state (``--state sqlite:///PATH``, ``redis://...``),
      else None;
    * ``scratch_dir``: a temporary media directory this emulator made and removes.
    """

    config: Config
    clock: Clock
    catalog: Catalog
    engine: Engine
    media: MediaLibrary
    accounts: Accounts
    webhooks: WebhookDispatcher
    policies: Policies = field(default_factory=NoPolicies)
    media_gates: list[MediaGate] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    state: SqliteState | RedisState | None = None
    scratch_dir: Path | None = None

    async def media_allowed(self, key: str) -> bool:
        """Whether every media gate lets ``key`` be served now."""
        for gate in self.media_gates:
            if not await gate(key):
                return False
        return True

    def media_url(self, base_url: str, key: str) -> str:
        """Absolute URL of a media key, as seen from ``base_url``."""
        return f"{self.base(base_url)}/media/{key}"

    def base(self, request_base: str) -> str:
        return (self.config.public_url or request_base).rstrip("/")


# (status, method, path) -> the provider's 404/405 answer
HttpError = Callable[[int, str, str], "Response"]
# (limit, size seen or declared, None when unknown) -> the provider's 413 answer
TooLarge = Callable[[int, int | None], "Response"]
# a domain error (``ServiceFault``...) -> the provider's answer, for its jobs' clips
ErrorShape = Callable[[Exception], "Response"]


@dataclass(frozen=True, slots=True)
class NoSettings:
    """The settings of a provider that has none (no flags)."""


@dataclass(slots=True)
class Mount:
    """What one provider adds to one emulator: its routes, and what runs around them.

    ``api`` is the provider's own handle (its operations object), for inspection.
    ``media_gates`` join the emulator's: a clip is served only while every gate allows it.
    """

    routes: Sequence[BaseRoute]
    api: object = None
    on_startup: Sequence[Hook] = ()
    on_shutdown: Sequence[Hook] = ()
    media_gates: Sequence[MediaGate] = ()


@dataclass(frozen=True, slots=True)
class Provider:
    """One hosted API the emulator speaks.

    ``settings`` is a frozen dataclass whose fields become ``--<name>-<field>`` flags and
    ``SORA_MOCK_<NAME>_<FIELD>`` variables (each field's docstring is the help); the
    provider reads it live with ``emu.config.settings(ItsSettings)``. ``error`` renders
    a domain error in the provider's shape where no handler of its own answers (a clip
    of one of its jobs that could not be rendered).
    """

    name: str
    paths: tuple[str, ...]
    mount: Callable[[Emulator], Mount]
    http_error: HttpError
    too_large: TooLarge
    settings: type[Any]
    error: ErrorShape | None = None
    _prefixes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _exact: frozenset[str] = field(init=False, repr=False, compare=False)

    def owns(self, path: str) -> bool:
        """Whether ``path`` is one of this provider's (prefixes end with ``/``)."""
        return path.startswith(self._prefixes) or path in self._exact

    def __post_init__(self) -> None:
        object.__setattr__(self, "_prefixes", tuple(p for p in self.paths if p.endswith("/")))
        object.__setattr__(self, "_exact", frozenset(self.paths))
