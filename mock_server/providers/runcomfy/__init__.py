"""The RunComfy Model API dialect (queue: submit, status, result, cancel)."""

from mock_server.emulator import Mount, Provider
from mock_server.providers.runcomfy.errors import http_error, too_large
from mock_server.providers.runcomfy.routes import routes
from mock_server.providers.runcomfy.settings import RunComfySettings

PROVIDER = Provider(
    name="runcomfy",
    paths=("/v1/models", "/v1/models/", "/v1/requests/"),
    mount=lambda emu: Mount(routes(emu)),
    http_error=http_error,
    too_large=too_large,
    settings=RunComfySettings,
)

__all__ = ["PROVIDER", "RunComfySettings"]
