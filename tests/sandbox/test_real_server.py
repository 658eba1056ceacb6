"""Faults that only a real socket can show: a dropped connection under uvicorn."""

from __future__ import annotations

import logging

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.sandbox.helpers import T2V, auth
from tests.support import running_server

# A socket closed without a response: a clean EOF, or a reset when the server closed it
# with request bytes still unread (the kernel then sends RST) - which one depends on timing.
NO_RESPONSE = (httpx.RemoteProtocolError, httpx.ReadError)


def test_drop_closes_the_socket_without_a_response(tmp_path, caplog) -> None:  # type: ignore[no-untyped-def]
    app = create_app(Config(clock="manual", media_dir=str(tmp_path)), clock=ManualClock())
    caplog.set_level(logging.ERROR)
    with running_server(app) as base, httpx.Client(base_url=base, timeout=10) as c:
        with pytest.raises(NO_RESPONSE):
            c.post(
                f"/v1/models/{T2V}",
                json={"prompt": "x"},
                headers=auth(**{"X-Sora-Mock-Fault": "drop"}),
            )
        # the server is fine afterwards, and the journal tells what happened
        ok = c.post(f"/v1/models/{T2V}", json={"prompt": "x"}, headers=auth())
        assert ok.status_code == 200
        entries = c.get("/_emulator/journal").json()["entries"]
        assert [(e["status"], e.get("dropped", False)) for e in entries] == [
            (200, False),
            (0, True),
        ]
        # chaos drops go the same way
        c.put("/_emulator/faults/chaos", json={"drop_rate": 1.0, "operations": "runcomfy.*"})
        with pytest.raises(NO_RESPONSE):
            c.get("/v1/requests/x/status", headers=auth())
    # uvicorn neither logged a crash nor tried to answer 500 on the closed socket
    assert not [r for r in caplog.records if "ASGI" in r.getMessage()]
