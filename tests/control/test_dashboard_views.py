"""The dashboard's two views, without a browser: filters, paging, charged versus quoted,
the journal without media fetches, and clear 400s for bad parameters."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import T2V, auth

pytestmark = pytest.mark.anyio


async def _submit(client, key: str = "sk-views-0001", prompt: str = "x") -> str:  # type: ignore[no-untyped-def]
    r = await client.post(f"/v1/models/{T2V}", json={"prompt": prompt}, headers=auth(key))
    assert r.status_code == 200, r.text
    return str(r.json()["request_id"])


async def test_pages_filters_and_what_was_charged(client) -> None:  # type: ignore[no-untyped-def]
    await client.put("/_emulator/progression", json={"kind": "manual"})
    ids = [await _submit(client, prompt=f"job {i}") for i in range(12)]
    other = await _submit(client, key="sk-views-0002", prompt="the other tenant's")
    await client.post(f"/_emulator/jobs/{ids[0]}/fail", json={"kind": "timeout"})
    await client.post(f"/_emulator/jobs/{ids[1]}/complete")
    await client.post(f"/v1/requests/{ids[2]}/cancel", headers=auth("sk-views-0001"))

    first = (await client.get("/_emulator/ui/jobs?size=10")).json()
    assert (first["total"], first["matched"], first["pages"], len(first["jobs"])) == (13, 13, 2, 10)
    assert first["jobs"][0]["id"] == other  # newest first
    last = (await client.get("/_emulator/ui/jobs?size=10&page=9")).json()
    assert last["page"] == 1 and len(last["jobs"]) == 3  # a page past the end shows the last

    states = dict(map(tuple, first["facets"]["state"]))
    assert states == {"cancelled": 1, "failed": 1, "queued": 10, "succeeded": 1}
    by_state = {}
    for state in ("failed", "succeeded", "cancelled", "queued"):
        page = (await client.get(f"/_emulator/ui/jobs?state={state}&size=100")).json()
        by_state[state] = page["jobs"][0]
    assert by_state["failed"]["charged"] == "0.00" != by_state["failed"]["quoted"]
    assert by_state["cancelled"]["charged"] == "0.00"
    assert by_state["succeeded"]["charged"] == by_state["succeeded"]["quoted"] == "0.40"
    assert by_state["queued"]["charged"] is None  # held, not charged

    mine = (await client.get("/_emulator/ui/jobs", params={"tenant": "sk-…0002"})).json()
    assert [j["id"] for j in mine["jobs"]] == [other]
    found = (await client.get("/_emulator/ui/jobs", params={"q": "OTHER TENANT"})).json()
    assert [j["id"] for j in found["jobs"]] == [other]
    model = (await client.get("/_emulator/ui/jobs", params={"model": T2V, "size": 100})).json()
    assert model["matched"] == 13


async def test_the_journal_view_is_api_traffic(client) -> None:  # type: ignore[no-untyped-def]
    await client.put("/_emulator/progression", json={"kind": "immediate"})
    job = await _submit(client)
    result = (await client.get(f"/v1/requests/{job}/result", headers=auth("sk-views-0001"))).json()
    media = result["output"]["video"].removeprefix("http://sora.test")
    assert (await client.get(media, headers={"Range": "bytes=0-99"})).status_code == 206
    await client.get("/docs")
    plain = (await client.get("/_emulator/ui/journal")).json()["entries"]
    paths = [e["path"] for e in plain]
    assert paths == [f"/v1/requests/{job}/result", f"/v1/models/{T2V}"]
    with_media = (await client.get("/_emulator/ui/journal?media=1")).json()["entries"]
    assert with_media[0]["path"] == media


@pytest.mark.parametrize("query", ["size=7", "size=x", "page=two", "limit=many"])
async def test_bad_parameters_get_a_clear_400(client, query: str) -> None:  # type: ignore[no-untyped-def]
    view = "journal" if query.startswith("limit") else "jobs"
    r = await client.get(f"/_emulator/ui/{view}?{query}")
    assert r.status_code == 400
    assert r.json()["error"] == "bad_request" and r.json()["message"]
