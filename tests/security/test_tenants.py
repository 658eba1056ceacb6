"""Keys do not become permanent tenants: only a tenant that did something accepted is
listed, and keys invented per request leave nothing but bounded caches behind.

30,000 polls with new keys, all 404, used to grow the tenant list to 30,002.
"""

from __future__ import annotations

import uuid

import pytest

from mock_server.core.accounts import Accounts

pytestmark = pytest.mark.anyio

T2V = "/v1/models/openai/sora-2/text-to-video"


def test_thirty_thousand_fresh_keys_list_no_tenant_and_stay_bounded() -> None:
    accounts = Accounts()
    tenants = {accounts.tenant_for(f"sk-probe-{i:06d}") for i in range(30_000)}
    assert len(tenants) == 30_000  # each key is its own tenant...
    assert accounts.tenants() == {}  # ...but none did anything, so none is listed
    assert len(accounts._recent) <= Accounts.MAX_CACHED
    assert len(accounts._tenants) <= Accounts.MAX_CACHED


def test_an_enrolled_tenant_keeps_its_label() -> None:
    accounts = Accounts()
    tenant = accounts.tenant_for("sk-real-customer-0001")
    accounts.enrol(tenant)
    for i in range(Accounts.MAX_CACHED + 10):
        accounts.tenant_for(f"sk-probe-{i:06d}")
    assert accounts.tenants() == {tenant: "sk-…0001"}
    assert accounts.label(tenant) == "sk-…0001"


async def test_polls_with_new_keys_do_not_grow_the_tenant_list(client) -> None:
    for i in range(300):
        key = {"Authorization": f"Bearer sk-probe-{i:05d}"}
        r = await client.get(f"/v1/requests/{uuid.uuid4()}/status", headers=key)
        assert r.status_code == 404
        poll = [{"taskType": "getResponse", "taskUUID": str(uuid.uuid4())}]
        assert (await client.post("/v1", json=poll, headers=key)).status_code == 200
    assert (await client.get("/_emulator/tenants")).json()["tenants"] == []
    assert (await client.get("/_emulator/ledger")).json()["tenants"] == []

    key = {"Authorization": "Bearer sk-real-customer-0001"}
    job = (await client.post(T2V, json={"prompt": "x"}, headers=key)).json()["request_id"]
    assert (await client.post(f"/v1/requests/{job}/cancel", headers=key)).status_code == 202
    rows = (await client.get("/_emulator/tenants")).json()["tenants"]
    assert [r["label"] for r in rows] == ["sk-…0001"]  # a cancelled job still counts
