"""Every plugin test runs with a dead proxy for all but loopback: should interception
ever fail to catch a request, it could not reach the internet (and the test would fail)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_way_out(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
