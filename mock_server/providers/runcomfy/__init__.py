"""The RunComfy Model API dialect (queue: submit, status, result, cancel)."""

from mock_server.providers.runcomfy.errors import http_error, too_large
from mock_server.providers.runcomfy.routes import routes

# URL prefixes this dialect owns (the request journal names the provider by them)
PATH_PREFIXES = ("/v1/models/", "/v1/requests/")

__all__ = ["PATH_PREFIXES", "http_error", "routes", "too_large"]
