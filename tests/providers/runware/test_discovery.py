"""The modelSearch task answers from the catalog, in Runware's documented shape."""

from __future__ import annotations

from typing import Any

import pytest

from contracts import Contracts
from mock_server.emulator import Emulator
from tests.providers.runware.conftest import Api

pytestmark = pytest.mark.anyio

UID = "50836053-a0ee-4cf5-b9d6-ae7c5d140ada"


def search(**fields: Any) -> dict[str, Any]:
    return {"taskType": "modelSearch", "taskUUID": UID, **fields}


async def test_a_search_finds_the_catalogs_models(api: Api, emu: Emulator) -> None:
    (item,) = (await api(search(search="veo"))).json()["data"]
    assert (item["taskType"], item["taskUUID"], item["totalResults"]) == ("modelSearch", UID, 2)
    assert {r["air"] for r in item["results"]} == {"google:3@2", "google:3@3"}
    fast = next(r for r in item["results"] if r["air"] == "google:3@3")
    assert (fast["name"], fast["category"]) == ("Veo 3.1 Fast", "video")
    everything = (await api(search(search=""))).json()["data"][0]
    assert everything["totalResults"] == len(emu.catalog.for_provider("runware"))


async def test_the_task_and_its_answer_keep_the_published_contract(api: Api) -> None:
    task = search(search="kling", category="video", limit=5)
    assert Contracts.default().errors("runware/request", [task]) == []
    answer = (await api(task)).json()
    assert Contracts.default().errors("runware/response", answer) == []
    assert answer["data"][0]["results"], answer  # something was found and checked


async def test_limit_and_offset_page_through_the_results(api: Api) -> None:
    first = (await api(search(search="", limit=3))).json()["data"][0]
    rest = (await api(search(search="", offset=3, limit=100))).json()["data"][0]
    assert len(first["results"]) == 3
    airs = [r["air"] for r in first["results"] + rest["results"]]
    assert len(airs) == len(set(airs)) == first["totalResults"]


@pytest.mark.parametrize(
    ("fields", "code", "parameter"),
    [
        ({}, "missingSearch", "search"),
        ({"search": 5}, "invalidSearch", "search"),
        ({"search": "x", "limit": 0}, "invalidLimit", "limit"),
        ({"search": "x", "offset": -1}, "invalidOffset", "offset"),
        ({"search": "x", "sort": "name"}, "unsupportedParameter", "sort"),
        ({"search": "x", "tags": "google"}, "invalidTags", "tags"),
        ({"search": "x", "taskUUID": [1]}, "invalidTaskUUID", "taskUUID"),
    ],
)
async def test_a_bad_search_is_refused_in_runwares_words(
    api: Api, fields: dict[str, Any], code: str, parameter: str
) -> None:
    response = await api(search(**fields))
    assert response.status_code == 400, response.text
    (error,) = response.json()["errors"]
    assert (error["code"], error["parameter"], error["taskType"]) == (
        code,
        parameter,
        "modelSearch",
    )


async def test_tags_narrow_the_search(api: Api) -> None:
    (item,) = (await api(search(search="", tags=["google"]))).json()["data"]
    assert {r["air"] for r in item["results"]} == {"google:3@2", "google:3@3"}
    assert all("google" in r["tags"] for r in item["results"])
