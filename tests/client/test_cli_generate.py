"""``sora-mock generate`` end to end against a running emulator, and its one-line
errors and exit codes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx

from mock_server.app import create_app
from mock_server.cli import main
from mock_server.media.probe import probe
from tests.client.conftest import Tamper, fast_config, png
from tests.support import running_server

ENV_KEYS = ("RUNCOMFY_API_KEY", "RUNWARE_API_KEY", "SORA_MOCK_URL")


@pytest.fixture(autouse=True)
def _no_keys(monkeypatch) -> None:
    for name in ENV_KEYS:
        monkeypatch.delenv(name, raising=False)


def _command() -> list[str]:
    script = Path(sys.executable).with_name("sora-mock")
    return [str(script)] if script.exists() else [sys.executable, "-m", "mock_server.cli"]


def _check_clip(path: Path, seconds: int, width: int, height: int) -> None:
    info = probe(path)
    assert info.duration == pytest.approx(seconds, abs=0.05)
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", width, height)
    assert info.audio is not None and info.audio.codec == "aac"


def test_generate_makes_a_playable_clip_from_a_running_emulator(live_url, tmp_path) -> None:
    out = tmp_path / "clip.mp4"
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    args = ["generate", "--provider", "runcomfy", "--model", "openai/sora-2/text-to-video"]
    args += ["--prompt", "a red kite", "--duration", "4", "--size", "1280x720"]
    args += ["--out", str(out), "--base-url", live_url, "--poll", "0.05"]
    done = subprocess.run(
        [*_command(), *args], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(out)
    lines = done.stderr.splitlines()
    assert any("in_queue" in line and "queue position 0" in line for line in lines)
    assert any("completed" in line for line in lines)
    assert lines[-1].endswith("cost $0.40") and "saved" in lines[-1]
    _check_clip(out, 4, 1280, 720)


def test_generate_with_an_image_file(live_url, tmp_path, capsys) -> None:
    image = tmp_path / "first.png"
    image.write_bytes(png(96, 54))
    out = tmp_path / "pro.mp4"
    code = main(
        [
            "generate",
            "--provider",
            "runcomfy",
            "--model",
            "openai/sora-2/pro/image-to-video",
            "--prompt",
            "the kite lands",
            "--size",
            "1792x1024",
            "--duration",
            "4",
            "--image",
            str(image),
            "--out",
            str(out),
            "--base-url",
            live_url,
            "--poll",
            "0.05",
        ]
    )
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "cost $2.00" in captured.err
    _check_clip(out, 4, 1792, 1024)


def _run(capsys, *args: str) -> tuple[int, list[str]]:
    code = main(["generate", "--quiet", *args])
    return code, capsys.readouterr().err.splitlines()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--provider", "runcomfy", "--duration", "5"], 2, "$.seconds: 5 is not one of [4, 8, 12]"),
        (["--provider", "runware", "--size", "big"], 2, "size must look like 1280x720"),
        (["--provider", "runware", "--size", "1280x1280"], 2, "$[0].height"),
        (["--provider", "runcomfy", "--image", "missing.png"], 2, "cannot read --image"),
        (
            ["--provider", "runcomfy", "--base-url", "https://example.invalid"],
            2,
            "RUNCOMFY_API_KEY is not set",
        ),
        (["--provider", "runcomfy", "--poll", "0"], 2, "--poll must be"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, args, code, needle) -> None:
    got, lines = _run(capsys, "--prompt", "x", "--out", str(tmp_path / "c.mp4"), *args)
    assert got == code and len(lines) == 1
    assert lines[0].startswith("sora-mock generate: error: ") and needle in lines[0]
    assert not (tmp_path / "c.mp4").exists()


def test_unreachable_emulator_and_rejected_key_exit_1(capsys, live_url, monkeypatch) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    code, lines = _run(capsys, "--provider", "runcomfy", "--prompt", "x", "--base-url", url)
    assert code == 1 and len(lines) == 1 and "cannot reach" in lines[0]
    monkeypatch.setenv("RUNCOMFY_API_KEY", "sora-mock-invalid-key")
    code, lines = _run(capsys, "--provider", "runcomfy", "--prompt", "x", "--base-url", live_url)
    assert code == 1 and len(lines) == 1 and "401 400004" in lines[0]


def test_a_broken_emulator_answer_exits_5_naming_the_field(tmp_path, capsys) -> None:
    app = create_app(fast_config(tmp_path))
    tampered = Tamper(app, "/status", lambda d: d.update(queue_position="first"))
    with running_server(tampered) as url:
        code, lines = _run(capsys, "--provider", "runcomfy", "--prompt", "x", "--base-url", url)
    assert code == 5 and len(lines) == 1
    assert "contract violation" in lines[0] and "$.queue_position" in lines[0]


RC = "http://127.0.0.1:9"
RID = "c0ffee00-1234-4abc-9def-0123456789ab"


def _mock_runcomfy(status: str, result: dict) -> None:
    links = {
        k: f"{RC}/v1/requests/{RID}/{k[:-4]}" for k in ("status_url", "result_url", "cancel_url")
    }
    respx.post(f"{RC}/v1/models/openai/sora-2/text-to-video").mock(
        return_value=httpx.Response(200, json={"request_id": RID, **links})
    )
    body = {"request_id": RID, "status": status}
    if status == "in_queue":
        body["queue_position"] = 0
    respx.get(f"{RC}/v1/requests/{RID}/status").mock(return_value=httpx.Response(200, json=body))
    respx.get(f"{RC}/v1/requests/{RID}/result").mock(
        return_value=httpx.Response(200, json={"request_id": RID, **result})
    )


@respx.mock
def test_a_failed_job_exits_3(capsys) -> None:
    _mock_runcomfy("failed", {"status": "failed", "error": "model refused the prompt"})
    code, lines = _run(capsys, "--provider", "runcomfy", "--prompt", "x", "--base-url", RC)
    assert code == 3 and len(lines) == 1 and "model refused the prompt" in lines[0]


@respx.mock
def test_a_job_that_never_ends_exits_4(capsys) -> None:
    _mock_runcomfy("in_queue", {"status": "in_queue"})
    args = ["--provider", "runcomfy", "--prompt", "x", "--base-url", RC]
    code, lines = _run(capsys, *args, "--timeout", "0.2", "--poll", "0.05")
    assert code == 4 and len(lines) == 1 and "not finished after 0.2 s" in lines[0]
