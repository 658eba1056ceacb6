"""The Runware dialect: one task API over REST (``POST /v1``) and WebSocket (``/v1``)."""

from mock_server.providers.runware.rest import http_error, too_large
from mock_server.providers.runware.routes import routes

__all__ = ["http_error", "routes", "too_large"]
