"""The emulator's parts, wired once by :func:`mock_server.app.create_app` and handed to
every provider dialect and to the control plane. No Starlette here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mock_server.config import Config
from mock_server.core.accounts import Accounts
from mock_server.core.catalog import Catalog
from mock_server.core.clock import Clock
from mock_server.core.engine import Engine
from mock_server.media.library import MediaLibrary

__all__ = ["Emulator"]


@dataclass(slots=True)
class Emulator:
    config: Config
    clock: Clock
    catalog: Catalog
    engine: Engine
    media: MediaLibrary
    accounts: Accounts
    extras: dict[str, Any] = field(default_factory=dict)

    def media_url(self, base_url: str, key: str) -> str:
        """Absolute URL of a media key, as seen from ``base_url``."""
        return f"{self.base(base_url)}/media/{key}"

    def base(self, request_base: str) -> str:
        return (self.config.public_url or request_base).rstrip("/")
