"""Model lifecycle: Deprecation/Sunset headers and the opt-in rejection of retired models."""

from __future__ import annotations

from datetime import date
from email.utils import parsedate_to_datetime

import httpx
import pytest

from mock_server.config import Config
from mock_server.control.policies import deprecation_header, sunset_header
from tests.sandbox.helpers import T2V, auth, submit

pytestmark = pytest.mark.anyio


def test_header_formats_follow_the_rfcs() -> None:
    assert deprecation_header(date(2026, 3, 24)) == "@1774310400"  # RFC 9745
    assert sunset_header(date(2026, 9, 24)) == "Thu, 24 Sep 2026 00:00:00 GMT"  # RFC 8594


async def test_submit_and_model_info_carry_lifecycle_headers(client: httpx.AsyncClient) -> None:
    for r in (await submit(client), await client.get(f"/v1/models/{T2V}", headers=auth())):
        assert r.status_code == 200
        assert r.headers["Deprecation"] == "@1774310400"
        sunset = parsedate_to_datetime(r.headers["Sunset"])
        assert sunset.date() == date(2026, 9, 24)


async def test_models_endpoint_reports_lifecycle_on_the_engine_clock(
    client: httpx.AsyncClient,
) -> None:
    models = (await client.get("/_emulator/models")).json()["models"]
    sora = next(m for m in models if m["model"] == T2V)
    assert (sora["deprecated"], sora["retired"]) == (False, False)
    await client.post("/_emulator/clock/set", json={"time": "2026-09-24T00:00:00Z"})
    models = (await client.get("/_emulator/models")).json()["models"]
    sora = next(m for m in models if m["model"] == T2V)
    assert (sora["deprecated"], sora["retired"]) == (True, True)


@pytest.fixture
def config(tmp_path) -> Config:  # type: ignore[no-untyped-def]
    return Config(clock="manual", media_dir=str(tmp_path / "media"), reject_retired=True)


async def test_reject_retired_uses_the_providers_error_after_the_date(
    client: httpx.AsyncClient,
) -> None:
    assert (await submit(client)).status_code == 200  # 2026-01-01: still live
    await client.post("/_emulator/clock/set", json={"time": "2026-09-24T00:00:00Z"})
    r = await submit(client)
    assert r.status_code == 400
    assert r.json()["error_code"] == 400001
    assert "deactivated on 2026-09-24" in r.json()["error_message"]
    # and it can be switched off at run time
    await client.put("/_emulator/settings", json={"reject_retired": False})
    assert (await submit(client)).status_code == 200
