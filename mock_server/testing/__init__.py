"""Test helpers for integrators: a running emulator, its controls, and interception.

The pytest plugin (``mock_server.pytest_plugin``) is the usual way in; this package is
what its fixtures use, importable on its own::

    from mock_server.testing import start_sora_mock

    with start_sora_mock(progression="immediate") as mock, mock.intercept():
        ...   # https://model-api.runcomfy.net and https://api.runware.ai/v1 answer offline

Interception needs ``respx`` (sora-mock's ``pytest`` extra).
"""

from __future__ import annotations

from mock_server.testing.faults import FAULT_HEADER, Faults
from mock_server.testing.server import SoraMock, start_sora_mock

__all__ = ["FAULT_HEADER", "Faults", "SoraMock", "start_sora_mock"]
