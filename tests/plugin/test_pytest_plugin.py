"""The integrator plugin, run the way an integrator runs it: pytest on their own files.

Each test writes a small test module into a fresh directory (pytester) and runs pytest
on it in-process; the plugin arrives through its ``pytest11`` entry point.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "integrator"
HEADER = """
import httpx, pytest
AUTH = {"Authorization": "Bearer sk-integrator"}
T2V = "/v1/models/openai/sora-2/text-to-video"
"""


def test_the_integrator_example_passes_offline(pytester: pytest.Pytester) -> None:
    for source in EXAMPLE.glob("*.py"):
        shutil.copy(source, pytester.path / source.name)
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=5)


def test_the_marker_sets_seed_progression_and_faults(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
from mock_server.core.ids import IdSource

@pytest.mark.sora_mock(
    seed=5,
    progression={"kind": "polls", "queue_polls": 0, "run_polls": 2},
    faults=["timeout@40", "runcomfy.submit: http-503, pass"],
)
def test_it(sora_mock):
    url = sora_mock.runcomfy_url + T2V
    assert httpx.post(url, json={"prompt": "x"}, headers=AUTH).status_code == 503
    accepted = httpx.post(url, json={"prompt": "x"}, headers=AUTH)
    assert accepted.json()["request_id"] == IdSource(5).uuid4()
    job = sora_mock.job(accepted.json()["request_id"])
    assert job["progression"] == "polls" and job["fault"]["fail_at_progress"] == 40
    states = [httpx.get(accepted.json()["status_url"], headers=AUTH).json()["status"]
              for _ in range(3)]
    assert states[-1] == "failed", states

def test_unmarked_is_clock_progression_seed_0(sora_mock):
    accepted = httpx.post(sora_mock.runcomfy_url + T2V, json={"prompt": "x"}, headers=AUTH)
    assert accepted.json()["request_id"] == IdSource(0).uuid4()
    assert sora_mock.job(accepted.json()["request_id"])["progression"] == "clock"
"""
    )
    pytester.runpytest().assert_outcomes(passed=2)


def test_advance_moves_the_clock_and_fires_webhooks(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
import socket
import uuid

def test_it(sora_mock, tmp_path):
    with socket.socket() as s:  # a loopback port nobody listens on: delivery retries
        s.bind(("127.0.0.1", 0))
        hook = f"http://127.0.0.1:{s.getsockname()[1]}/nowhere"
    task = {"taskType": "videoInference", "taskUUID": str(uuid.uuid4()), "model": "openai:3@1",
            "positivePrompt": "x", "width": 1280, "height": 720, "duration": 4,
            "webhookURL": hook}
    assert httpx.post(sora_mock.runware_url, json=[task], headers=AUTH).status_code == 200
    before = sora_mock.now()
    assert sora_mock.webhooks() == []
    assert sora_mock.advance(60) == before + 60
    deliveries = sora_mock.wait_for_webhooks(1)
    assert deliveries[0]["url"] == hook
    assert sora_mock.jobs()[0]["state"] == "succeeded"
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_fault_controls_journal_and_base_urls(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        HEADER
        + """
def test_it(sora_mock):
    faults = sora_mock.faults
    faults.script("runware.*", "http-429")
    faults.arm("moderation@30", count=2, provider="runcomfy")
    planned = faults.planned()
    assert planned["scripts"][0]["operation"] == "runware.*"
    assert planned["armed"][0]["remaining"] == 2
    ping = [{"taskType": "ping", "ping": True}]
    assert httpx.post(sora_mock.runware_url, json=ping, headers=AUTH).status_code == 429
    assert httpx.post(sora_mock.runware_url, json=ping, headers=AUTH).status_code == 200
    faults.clear()
    assert faults.planned()["armed"] == []
    drop = faults.header("drop")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(sora_mock.runcomfy_url + "/v1/requests/x/status", headers={**AUTH, **drop})
    entries = sora_mock.journal()
    assert [e["operation"] for e in entries[-2:]] == ["runware.ping", "runware.ping"]
    assert [e["status"] for e in entries[-2:]] == [200, 429]
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_ini_option_and_the_marker_add_hosts_to_intercept(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsora_mock_hosts =\n    videos.example-cdn.net\n")
    pytester.makepyfile(
        HEADER
        + """
@pytest.mark.sora_mock(hosts=["api.example-gateway.net"])
def test_it(sora_mock_intercept):
    for host in ("videos.example-cdn.net", "api.example-gateway.net"):
        assert httpx.get(f"https://{host}/_emulator/health").json()["status"] == "ok"
    with pytest.raises(AssertionError, match="not mocked"):
        httpx.get("https://videos.example-cdn.org/")
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_server_is_stopped_after_the_test(pytester: pytest.Pytester) -> None:
    seen = pytester.path / "base_url.txt"
    pytester.makepyfile(
        f"""
def test_it(sora_mock):
    open({str(seen)!r}, "w").write(sora_mock.base_url)
"""
    )
    pytester.runpytest().assert_outcomes(passed=1)
    with pytest.raises(httpx.ConnectError):
        httpx.get(seen.read_text() + "/_emulator/health")


def test_the_plugin_module_is_thin() -> None:
    code = (
        "import sys, mock_server.pytest_plugin as p; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in ('starlette', 'uvicorn', 'respx')"
        " or m.startswith(('mock_server.app', 'mock_server.testing'))]; print(heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
