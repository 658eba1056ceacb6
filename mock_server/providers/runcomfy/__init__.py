"""The RunComfy Model API dialect (queue: submit, status, result, cancel)."""

from mock_server.providers.runcomfy.errors import too_large
from mock_server.providers.runcomfy.routes import routes

__all__ = ["routes", "too_large"]
