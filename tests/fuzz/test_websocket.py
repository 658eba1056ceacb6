"""Hypothesis on the Runware WebSocket (``/v1``) over a real socket: random JSON arrays,
non-arrays, invalid JSON, binary frames, huge frames and unknown task types, before and
after authentication. Every frame the server sends is JSON in Runware's shape
(``{"data": [...]}`` or a non-empty ``{"errors": [...]}``), none holds a stack trace,
and the connection keeps serving: only a frame over twice ``--max-body-bytes`` is
refused, with close code 1009 (message too big).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from mock_server.providers.runware import RunwareSettings
from tests.strategies import RUNWARE_FIELDS, json_values
from tests.support import fuzz_examples, running_server

LIMIT = 16 * 1024
AUTH = json.dumps([{"taskType": "authentication", "apiKey": "sk-ws-fuzz"}])
TASK_TYPES = ["videoInference", "getResponse", "ping", "authentication", "imageInference"]
tasks = st.dictionaries(
    st.sampled_from(RUNWARE_FIELDS), json_values, max_size=8
) | st.fixed_dictionaries(
    {
        "taskType": st.sampled_from(TASK_TYPES) | st.text(max_size=12),
        "taskUUID": st.uuids().map(str) | json_values,
        "model": st.sampled_from(["openai:3@1", "openai:3@2"]) | json_values,
        "positivePrompt": st.text(max_size=30),
        "duration": st.sampled_from([4, 8, 12, 5]) | json_values,
        "width": st.sampled_from([1280, 720]),
        "height": st.sampled_from([720, 1280]),
        "deliveryMethod": st.sampled_from(["async", "sync"]),
    }
)
messages = st.one_of(
    st.lists(tasks, min_size=0, max_size=4).map(json.dumps),  # arrays, empty ones too
    json_values.map(json.dumps),  # objects, numbers, strings, null: not arrays
    st.text(max_size=40),  # mostly not JSON at all
    st.binary(max_size=64),  # binary frames
    st.sampled_from([LIMIT + 1, 2 * LIMIT - 1]).map(lambda n: "[" + " " * (n - 2) + "]"),
    st.just("x" * (2 * LIMIT + 1)),  # past what the socket layer reads: close 1009
)


@pytest.fixture(scope="module")
def ws_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    media = tmp_path_factory.mktemp("ws-fuzz-media")
    config = Config(
        clock="manual",
        media_dir=str(media),
        max_body_bytes=LIMIT,
        provider_settings=(RunwareSettings(sync_wait=0.05),),
    )
    with running_server(create_app(config, clock=ManualClock())) as url:
        yield url.replace("http://", "ws://") + "/v1"
        assert httpx.get(f"{url}/_emulator/health", timeout=10).status_code == 200


def check_frame(raw: str | bytes) -> dict[str, Any]:
    assert isinstance(raw, str), "the server only sends text frames"
    assert "Traceback" not in raw and 'File "' not in raw, raw[:300]
    frame = json.loads(raw)
    assert isinstance(frame, dict) and set(frame) <= {"data", "errors"}, raw[:300]
    if "errors" in frame:
        assert isinstance(frame["errors"], list) and frame["errors"], raw[:300]
        for error in frame["errors"]:
            assert isinstance(error["code"], str) and error["code"], raw[:300]
            assert isinstance(error["message"], str), raw[:300]
    else:
        assert isinstance(frame["data"], list), raw[:300]
    return frame


def drain(ws: ClientConnection) -> None:
    """Read (and check) every frame up to the answer to a marker task of our own.

    The marker is a task of an unknown type with a fresh taskUUID: its error echoes
    that id before and after authentication alike, and no generated message can
    produce it (a ping would not do: generated messages hold pings too)."""
    marker = str(uuid.uuid4())
    ws.send(json.dumps([{"taskType": "sentinel", "taskUUID": marker}]))
    for _ in range(100):
        frame = check_frame(ws.recv(10))
        if any(e.get("taskUUID") == marker for e in frame.get("errors", [])):
            return
    raise AssertionError("no answer to the marker after 100 frames")


@settings(
    max_examples=fuzz_examples(60, ci=500),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(authenticated=st.booleans(), sent=st.lists(messages, min_size=1, max_size=4))
def test_any_frame_gets_runware_shaped_answers(
    ws_url: str, authenticated: bool, sent: list[str | bytes]
) -> None:
    with connect(ws_url, max_size=None, open_timeout=10) as ws:
        if authenticated:
            ws.send(AUTH)
            assert "connectionSessionUUID" in check_frame(ws.recv(10))["data"][0]
        for message in sent:
            ws.send(message)
            if len(message) > 2 * LIMIT:
                with pytest.raises(ConnectionClosed) as closed:
                    drain(ws)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009
                return
            drain(ws)
