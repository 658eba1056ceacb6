"""``runware-sdk`` 1.x, unmodified, inside the pytest plugin: ``run()`` without a
``taskType`` looks the model up in the schema registry, which the plugin points at the
emulator, so a current model completes with every non-loopback connection refused.

The SDK runs in a pytest session of its own (a subprocess with the SDK's install
directory on ``PYTHONPATH``, as the other SDK tests do), with the plugin loaded through
its entry point like any integrator's suite.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.http.in_thread import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
SDK = ROOT / ".venv" / "sdks" / "runware-sdk-1"

INTEGRATOR_TEST = """
import asyncio, json, socket
import pytest
from runware import Runware

LOOPBACK = ("127.0.0.1", "::1", "localhost")

@pytest.fixture(autouse=True)
def network_refused(monkeypatch):
    real_connect, real_lookup = socket.socket.connect, socket.getaddrinfo
    def connect(self, address):
        if isinstance(address, tuple) and address[0] not in LOOPBACK:
            raise OSError("network refused: " + str(address[0]))
        return real_connect(self, address)
    def lookup(host, *args, **kwargs):
        if host not in LOOPBACK:
            raise socket.gaierror("network refused: " + str(host))
        return real_lookup(host, *args, **kwargs)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", lookup)

@pytest.mark.sora_mock(progression="immediate")
def test_run_without_task_type(sora_mock):
    async def main():
        async with Runware(api_key="k", transport="rest", http_base_url=sora_mock.runware_url) as c:
            return await c.run({"model": "google:3@3", "positivePrompt": "a lighthouse",
                                "width": 1280, "height": 720, "duration": 4, "includeCost": True})
    (item,) = asyncio.run(main())
    paths = [entry["path"] for entry in sora_mock.journal()]
    print("RESULT " + json.dumps({"item": item, "paths": paths}))
"""


def test_run_without_a_task_type_completes_offline_through_the_plugin(tmp_path: Path) -> None:
    if not (SDK / "runware").is_dir():
        pytest.fail(f"{SDK} is missing: run the tests with `python3 dev.py test`")
    (tmp_path / "test_integrator.py").write_text(INTEGRATOR_TEST)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(PYTHONPATH=str(SDK), NO_PROXY="127.0.0.1,localhost")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-s",
            "-p",
            "no:cacheprovider",
            "test_integrator.py",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("RESULT "))
    seen = json.loads(line.removeprefix("RESULT "))
    item = seen["item"]
    assert (item["status"], item["cost"]) == ("success", 0.4)  # Veo 3.1 Fast, 4 s, no sound
    assert item["videoURL"].endswith(f"/{item['videoUUID']}.mp4")
    assert "/schemas/registry.json" in seen["paths"]  # the SDK asked the emulator


def test_the_registry_names_every_runware_model_with_its_task_type(tmp_path: Path) -> None:
    app = create_app(Config(clock="manual", media_dir=str(tmp_path)))
    runware = {o.model_id for o in app.state.emulator.catalog.for_provider("runware")}
    with serve_in_thread(app) as server:
        registry = httpx.get(f"{server.url}/schemas/registry.json").json()
        veo = httpx.get(f"{server.url}/schemas/resolve/google-veo-3-1-fast").json()
        missing = httpx.get(f"{server.url}/schemas/resolve/nope:1@1")
    assert set(registry["models"]) == runware
    assert registry["models"]["google:3@3"] == {
        "taskType": "videoInference",
        "id": "google-veo-3-1-fast",
    }
    assert veo["air"] == "google:3@3" and "positivePrompt" in veo["requestSchema"]["properties"]
    assert veo["documentation"] == "https://runware.ai/docs/models/google-veo-3-1-fast"
    assert missing.status_code == 404
