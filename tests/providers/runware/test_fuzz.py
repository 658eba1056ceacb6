"""Whatever arrives at POST /v1, the answer is Runware's shape: never a 500, never a trace."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.providers.runware.helpers import AUTH
from tests.strategies import RUNWARE_FIELDS, json_values

STATUSES = {200, 400, 401, 402, 403, 404, 429}
task_like = st.dictionaries(
    st.sampled_from(RUNWARE_FIELDS), json_values, max_size=8
) | st.fixed_dictionaries(
    {
        "taskType": st.sampled_from(["videoInference", "getResponse", "ping", "authentication"]),
        "taskUUID": st.uuids().map(str) | json_values,
        "model": st.sampled_from(["openai:3@1", "openai:3@2"]) | json_values,
        "positivePrompt": st.text(max_size=30) | json_values,
        "duration": st.sampled_from([4, 8, 8.0, 8.5, -1]) | json_values,
        "width": st.sampled_from([1280, 720, 0]) | json_values,
        "height": st.sampled_from([720, 1280]) | json_values,
        "inputs": st.fixed_dictionaries({"frameImages": json_values, "videoId": json_values})
        | json_values,
    }
)


class Http:
    """A synchronous front for an in-process async client, driven through one portal."""

    def __init__(self, portal: BlockingPortal, client: httpx.AsyncClient) -> None:
        self.portal, self.client = portal, client

    def post(self, content: bytes) -> httpx.Response:
        return self.portal.call(lambda: self.client.post("/v1", headers=AUTH, content=content))


@pytest.fixture(scope="module")
def http(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Http]:
    media = tmp_path_factory.mktemp("fuzz-media")
    app = create_app(Config(clock="manual", media_dir=str(media)), clock=ManualClock())
    transport = httpx.ASGITransport(app=app)
    with start_blocking_portal() as portal:
        client = httpx.AsyncClient(transport=transport, base_url="http://sora.test")
        yield Http(portal, client)
        portal.call(client.aclose)


def check(response: httpx.Response) -> None:
    assert response.status_code in STATUSES, response.text
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("data"), list)
    assert set(body) <= {"data", "errors"}
    if "errors" in body:
        assert body["errors"], "an empty errors key must never be sent"
        for error in body["errors"]:
            assert isinstance(error["code"], str) and isinstance(error["message"], str)
            assert "Traceback" not in error["message"]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=st.binary(max_size=64))
def test_any_bytes(http: Http, body: bytes) -> None:
    check(http.post(body))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=json_values | st.lists(task_like, min_size=1, max_size=4))
def test_any_json_and_task_shaped_arrays(http: Http, body: Any) -> None:
    check(http.post(json.dumps(body).encode()))  # NaN included
