"""``serve --workers N``: refused without shared state (with the reason and the fix), and
the configuration reaches every worker unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_server.app import load_config
from mock_server.cli import main
from mock_server.workers import config_env


@pytest.mark.parametrize("state", ["memory", "sqlite:///{tmp}/state.db"])
def test_workers_need_redis(state: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["serve", "--workers", "2", "--state", state.format(tmp=tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "--workers 2 needs state that every worker shares" in err
    assert "--state redis://HOST:PORT/DB" in err
    assert not (tmp_path / "state.db").exists()  # refused before anything was opened


def test_workers_refuse_an_unreachable_redis(capsys: pytest.CaptureFixture[str]) -> None:
    from tests.support import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    assert main(["serve", "--workers", "2", "--state", url]) == 2
    assert f"--state {url}: cannot reach Redis" in capsys.readouterr().err


def test_every_worker_reads_the_same_configuration() -> None:
    config = load_config(
        {}, port=9123, seed=7, clock="manual", api_keys=("sk-a", "sk-b"), access_log=False,
        state="redis://127.0.0.1:6379/2", workers=3, balance="12.50", queue_seconds=0.5,
        runware_sync_wait=5.0,
    )  # fmt: skip
    assert load_config(config_env(config)) == config
