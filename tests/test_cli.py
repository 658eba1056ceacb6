"""``sora-mock`` itself: its version, ``serve --help`` by topic, and plain-word messages."""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
import sys

import pytest

import mock_server
from mock_server.cli import GROUPS, build_parser, env_name, flag_name, main, settings, startup_line
from mock_server.config import Config
from tests.support import free_port

CLI = [sys.executable, "-m", "mock_server.cli"]


def test_version_is_the_package_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"sora-mock {mock_server.__version__}"
    assert importlib.metadata.version("sora-mock") == mock_server.__version__


def _serve_help() -> str:
    sub = build_parser()._subparsers._group_actions[0]  # type: ignore[union-attr]
    return str(sub.choices["serve"].format_help())  # type: ignore[attr-defined]


def test_serve_help_is_grouped_and_names_each_variable_and_one_default() -> None:
    text = _serve_help()
    for title, _ in GROUPS:
        assert f"\n{title}:\n" in text
    assert "other settings:" not in text  # every setting has a topic
    entries = re.split(r"\n  (?=--)", text)  # one chunk per flag's help
    every = settings()
    assert {"port", "runware_sync_wait", "runcomfy_unknown_fields"} <= {s.name for s in every}
    for s in every:
        (entry,) = [
            e
            for e in entries
            if e.startswith(flag_name(s.name) + " ")  # one each
            or e.startswith(flag_name(s.name) + ",")
            or e.startswith(flag_name(s.name) + "\n")
        ]
        flat = " ".join(entry.split())
        assert env_name(s.name) in flat.replace("- ", "-"), flat
        assert flat.count("default") == 1, flat


@pytest.mark.parametrize(
    ("args", "env", "words"),
    [
        (["--port", "abc"], {}, "'abc' is not a whole number"),
        (["--clock", "wobbly"], {}, "'wobbly' is not one of: scaled, manual"),
        (["--balance", "lots"], {}, "'lots' is not an amount in USD"),
        ([], {"SORA_MOCK_PORT": "x"}, "SORA_MOCK_PORT: 'x' is not a whole number"),
        (["--catalog", "/nonexistent/models.json"], {}, "catalog file /nonexistent/models.json"),
        (["--progression", "sometimes"], {}, "'sometimes' is not one of: clock, polls"),
    ],
)
def test_bad_settings_get_one_plain_line(
    args: list[str],
    env: dict[str, str],
    words: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in [n for n in os.environ if n.startswith("SORA_MOCK_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    try:
        status = main(["serve", "--port", str(free_port()), *args])
    except SystemExit as exc:  # argparse's own exit for a flag it cannot read
        status = int(exc.code or 0)
    stderr = capsys.readouterr().err
    assert status == 2, stderr
    assert words in stderr
    assert len(stderr.strip().splitlines()) <= 2  # the short usage line, the error
    for jargon in ("Traceback", "functools", "invalid literal", "ConversionSyntax", "Errno"):
        assert jargon not in stderr


def test_a_taken_port_is_named_with_the_likely_cause() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [*CLI, "serve", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "another sora-mock still running" in done.stderr


def test_the_start_up_line_is_plain_words() -> None:
    scaled = startup_line(Config(port=8123, clock_speed=10))
    assert scaled.startswith(
        f"sora-mock {mock_server.__version__} listening on http://127.0.0.1:8123"
    )
    assert "10x faster than real time" in scaled and "Ctrl-C stops it" in scaled
    manual = startup_line(Config(clock="manual", progression="polls", state="sqlite:///x.db"))
    assert "the clock is manual" in manual and "status reads" in manual and "x.db" in manual
    for line in (scaled, manual):
        assert "Clock" not in line  # no class names


@pytest.mark.anyio
async def test_a_planted_credits_fault_says_the_balance_not_a_question_mark(client) -> None:  # type: ignore[no-untyped-def]
    fault = {"Authorization": "Bearer k", "X-Sora-Mock-Fault": "credits"}
    runcomfy = await client.post(
        "/v1/models/openai/sora-2/text-to-video", json={"prompt": "x"}, headers=fault
    )
    task = {
        "taskType": "videoInference",
        "taskUUID": "0b9e0a5c-2f0e-4a57-9a63-4f6c8c1b2d3e",
        "model": "openai:3@1",
        "positivePrompt": "x",
        "width": 1280,
        "height": 720,
        "duration": 4,
    }
    runware = await client.post("/v1", json=[task], headers=fault)
    messages = [runcomfy.json()["error_message"], runware.json()["errors"][0]["message"]]
    for message in messages:
        assert "balance is 0.00 USD" in message and "?" not in message, message
