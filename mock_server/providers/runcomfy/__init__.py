"""The RunComfy Model API dialect (queue: submit, status, result, cancel)."""

from mock_server.providers.runcomfy.errors import http_error, too_large
from mock_server.providers.runcomfy.routes import routes

__all__ = ["http_error", "routes", "too_large"]
