"""One state file, one owner: a second server on the same SQLite file refuses to start.

Both used to start; they handed out the same ids for different jobs, and after a
restart one tenant's jobs were gone and the ledger counted 20 charges for 10 jobs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from mock_server.core.persist import SqliteState
from mock_server.core.state_lock import StateFileInUse
from tests.support import AUTH, free_port, server_process

T2V = "/v1/models/openai/sora-2/text-to-video"


def test_a_second_open_of_the_same_file_is_refused_until_the_first_closes(tmp_path: Path) -> None:
    first = SqliteState(tmp_path / "state.db")
    with pytest.raises(StateFileInUse) as refused:
        SqliteState(tmp_path / "state.db")
    message = str(refused.value)
    assert "state.db is in use by another sora-mock server" in message
    assert f"(pid {os.getpid()})" in message
    other = SqliteState(tmp_path / "other.db")  # another file is another owner
    other.close()
    first.close()
    SqliteState(tmp_path / "state.db").close()  # free again once closed


def test_a_second_server_refuses_to_start_and_says_why(tmp_path: Path) -> None:
    state = f"sqlite:///{tmp_path / 'state.db'}"
    with server_process("--state", state, "--clock", "manual") as first:
        submitted = httpx.post(f"{first.url}{T2V}", json={"prompt": "a"}, headers=AUTH)
        assert submitted.status_code == 200
        second = subprocess.run(
            [
                sys.executable,
                "-m",
                "mock_server.cli",
                "serve",
                "--port",
                str(free_port()),
                "--state",
                state,
                "--clock",
                "manual",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 2
        assert "is in use by another sora-mock server" in second.stderr
        assert f"(pid {first.proc.pid})" in second.stderr
        assert "Traceback" not in second.stderr
        jobs = httpx.get(f"{first.url}/_emulator/jobs").json()["jobs"]
        assert [j["id"] for j in jobs] == [submitted.json()["request_id"]]  # untouched
        first.proc.kill()  # kill -9 leaves no stale lock behind
        first.proc.wait(10)
    with server_process("--state", state, "--clock", "manual") as again:
        jobs = httpx.get(f"{again.url}/_emulator/jobs").json()["jobs"]
        assert [j["id"] for j in jobs] == [submitted.json()["request_id"]]
