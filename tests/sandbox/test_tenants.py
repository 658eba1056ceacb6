"""Tenants and money: one namespace per key, balances, concurrency, the bill."""

from __future__ import annotations

import httpx
import pytest

from mock_server.config import Config
from tests.sandbox.helpers import KEY_A, KEY_B, advance, auth, submit, submit_id

pytestmark = pytest.mark.anyio


@pytest.fixture
def config(tmp_path) -> Config:  # type: ignore[no-untyped-def]
    return Config(
        clock="manual",
        media_dir=str(tmp_path / "media"),
        api_keys=(KEY_A, KEY_B),
        balance="2.00",
    )


async def test_a_key_cannot_see_another_keys_job(client: httpx.AsyncClient) -> None:
    job_id = await submit_id(client, key=KEY_A)
    r = await client.get(f"/v1/requests/{job_id}/status", headers=auth(KEY_B))
    assert r.status_code == 403
    assert r.json()["error_code"] == 403001


async def test_unknown_and_documented_invalid_keys_are_rejected(
    client: httpx.AsyncClient, emu
) -> None:  # type: ignore[no-untyped-def]
    for key in ("sk-not-configured", emu.config.invalid_key):
        r = await submit(client, key=key)
        assert r.status_code == 401
        assert r.json()["error_code"] == 400004


async def test_balance_limits_spending_and_can_be_set(client: httpx.AsyncClient) -> None:
    # 2.00 USD at 0.10 USD/s: a 12 s clip (1.20) fits once, the second is held out
    assert (await submit(client, seconds=12)).status_code == 200
    r = await submit(client, seconds=12)
    assert r.status_code == 402
    assert r.json()["error_code"] == 400002
    r = await client.post("/_emulator/balances", json={"key": KEY_A, "balance": "5.00"})
    assert r.status_code == 200
    assert r.json()["label"] == "sk-…0001"
    assert (await submit(client, seconds=12)).status_code == 200


async def test_balance_endpoint_rejects_bad_input(client: httpx.AsyncClient) -> None:
    bad = [
        {"key": KEY_A},
        {"key": KEY_A, "balance": "lots"},
        {"key": KEY_A, "balance": -1},
        {"key": KEY_A, "balance": True},
        {"key": "sk-not-configured", "balance": "1"},
        {"balance": "1"},
    ]
    for body in bad:
        r = await client.post("/_emulator/balances", json=body)
        assert r.status_code == 400, body
        assert r.json()["error"] == "bad_request"
    r = await client.post("/_emulator/balances", content=b"{not json")
    assert r.status_code == 400


async def test_unlimited_balance_with_null(client: httpx.AsyncClient) -> None:
    await client.post("/_emulator/balances", json={"key": KEY_B, "balance": None})
    for _ in range(3):
        assert (await submit(client, key=KEY_B, seconds=12)).status_code == 200


async def test_concurrency_limit_answers_429_per_key(client: httpx.AsyncClient) -> None:
    r = await client.put("/_emulator/settings", json={"max_active_per_key": 1})
    assert r.json()["max_active_per_key"] == 1
    assert (await submit(client, key=KEY_A)).status_code == 200
    r = await submit(client, key=KEY_A)
    assert r.status_code == 429
    assert r.json()["error_code"] == 429001
    assert (await submit(client, key=KEY_B)).status_code == 200  # another tenant
    assert (await client.put("/_emulator/settings", json={"bogus": 1})).status_code == 400


async def test_ledger_bills_per_tenant_and_model_without_raw_keys(
    client: httpx.AsyncClient,
) -> None:
    a1 = await submit_id(client, key=KEY_A, seconds=4)
    await submit_id(client, key=KEY_A, seconds=8)
    b1 = await submit_id(client, key=KEY_B, seconds=4)
    await client.post(f"/_emulator/jobs/{b1}/fail", json={"kind": "timeout"})
    await advance(client, 60)
    r = await client.get("/_emulator/ledger")
    assert r.status_code == 200
    assert KEY_A not in r.text and KEY_B not in r.text
    bill = r.json()
    assert bill["total"] == "1.20"
    tenants = {t["label"]: t for t in bill["tenants"]}
    alpha, bravo = tenants["sk-…0001"], tenants["sk-…0002"]
    assert alpha["spent"] == "1.20" and alpha["balance"] == "0.80"
    assert alpha["by_model"] == [
        {
            "provider": "runcomfy",
            "model": "openai/sora-2/text-to-video",
            "jobs": 2,
            "clips": 2,
            "video_seconds": 12,
            "amount": "1.20",
        }
    ]
    assert {c["job_id"] for c in alpha["charges"]} >= {a1}
    assert bravo["spent"] == "0.00" and bravo["charges"] == []  # failed jobs are not billed
