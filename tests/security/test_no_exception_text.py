"""No answer carries Python's exception text: failed webhook attempts, as the control
API lists them, are described in the emulator's words."""

from __future__ import annotations

import json

import pytest

from mock_server.core.clock import ManualClock
from mock_server.http.webhooks import WebhookDispatcher
from tests.fuzz.answers import exception_text
from tests.support import free_port

pytestmark = pytest.mark.anyio


async def test_a_failed_attempt_is_described_not_dumped() -> None:
    hooks = WebhookDispatcher(ManualClock(), max_attempts=1)
    delivery = hooks.submit(f"http://127.0.0.1:{free_port()}/hook", {}, source="t", ref="r")
    await hooks.wait_for(lambda: delivery.done)
    (attempt,) = delivery.attempts
    assert attempt.error == "could not connect (refused or unreachable)"
    listing = json.dumps(hooks.snapshot())
    assert exception_text(listing) is None and "Error" not in listing, listing
    await hooks.aclose()
