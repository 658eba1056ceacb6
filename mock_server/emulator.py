"""The emulator's parts, wired once by :func:`mock_server.app.create_app` and handed to
every provider dialect and to the control plane. No Starlette here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from mock_server.config import Config
from mock_server.core.accounts import Accounts
from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.core.clock import Clock
from mock_server.core.engine import Engine
from mock_server.core.jobs import JobFault
from mock_server.media.library import MediaLibrary

__all__ = ["Emulator", "Policies"]


class Policies(Protocol):
    """The sandbox's hooks into every dialect (faults, lifecycle). Each dialect calls:

    * ``await before(provider, operation, headers)`` first thing in every handler; it
      may sleep (injected latency) or raise a domain error (scripted 429/5xx);
    * ``job_fault(provider, prompt, headers)`` when building a JobRequest (magic
      prompts and the fault header), and puts the result in ``JobRequest.fault``;
      it may raise the same domain errors as ``before`` (a request fault named in
      a prompt), so call it inside the dialect's error rendering;
    * ``model_headers(offer)`` and adds them to responses about that model
      (``Deprecation`` / ``Sunset``).

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


class NoPolicies:
    """No faults, no lifecycle headers: the default until the sandbox installs its own."""

    async def before(self, provider: str, operation: str, headers: Mapping[str, str]) -> None:
        return None

    def job_fault(self, provider: str, prompt: str, headers: Mapping[str, str]) -> JobFault | None:
        return None

    def model_headers(self, offer: ModelOffer) -> dict[str, str]:
        return {}


@dataclass(slots=True)
class Emulator:
    """The wired parts; ``policies`` is where faults and lifecycle rules plug in."""

    config: Config
    clock: Clock
    catalog: Catalog
    engine: Engine
    media: MediaLibrary
    accounts: Accounts
    policies: Policies = field(default_factory=NoPolicies)
    extras: dict[str, Any] = field(default_factory=dict)

    def media_url(self, base_url: str, key: str) -> str:
        """Absolute URL of a media key, as seen from ``base_url``."""
        return f"{self.base(base_url)}/media/{key}"

    def base(self, request_base: str) -> str:
        return (self.config.public_url or request_base).rstrip("/")
