"""The Runware dialect: one task API over REST (``POST /v1``) and WebSocket (``/v1``)."""

from mock_server.emulator import Provider
from mock_server.providers.runware.errors import from_domain
from mock_server.providers.runware.rest import http_error, request_error, too_large
from mock_server.providers.runware.settings import RunwareSettings
from mock_server.providers.runware.urls import mount

PROVIDER = Provider(
    name="runware",
    paths=("/v1", "/schemas/"),
    mount=mount,
    http_error=http_error,
    too_large=too_large,
    settings=RunwareSettings,
    error=lambda exc: request_error(from_domain(exc)),
)

__all__ = ["PROVIDER", "RunwareSettings"]
