"""The RunComfy Model API dialect (queue: submit, status, result, cancel)."""

from mock_server.emulator import Provider
from mock_server.providers.runcomfy.errors import error_response, http_error, too_large
from mock_server.providers.runcomfy.settings import RunComfySettings
from mock_server.providers.runcomfy.urls import mount

PROVIDER = Provider(
    name="runcomfy",
    paths=("/v1/models", "/v1/models/", "/v1/requests/"),
    mount=mount,
    http_error=http_error,
    too_large=too_large,
    settings=RunComfySettings,
    error=error_response,
)

__all__ = ["PROVIDER", "RunComfySettings"]
