"""``python3 dev.py serve`` and ``python3 dev.py test`` become the command they start, so
SIGTERM and Ctrl-C reach the server (or pytest) itself and leave no process behind.

Each run gets its own process group; after the signal the group must be empty and the
port free. Needs the environment ``dev.py`` builds (the suite normally runs inside it).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(os.name != "posix", reason="signals and process groups: POSIX")


def _dev_env_ready() -> bool:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    assert spec and spec.loader
    dev = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(dev)
    return bool(dev.STAMP.exists() and dev.STAMP.read_text() == dev._fingerprint())


needs_env = pytest.mark.skipif(
    not _dev_env_ready(), reason="the .venv dev.py builds is missing or stale"
)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@contextlib.contextmanager
def dev_py(*args: str, **env_vars: str) -> Iterator[subprocess.Popen[bytes]]:
    """``python3 dev.py ARGS`` in a new process group, killed (all of it) if still there."""
    # as a fresh shell would start it: not inside this run's xdist worker, nor with the
    # settings dev.py gave this run
    skip = ("PYTEST_XDIST", "PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)} | env_vars
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "dev.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        if _group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _wait_listening(proc: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            out = proc.stdout.read().decode() if proc.stdout else ""
            pytest.fail(f"dev.py serve exited ({proc.returncode}): {out}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        if time.monotonic() > deadline:
            pytest.fail("dev.py serve did not listen within 60 s")
        time.sleep(0.05)


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@needs_env
@pytest.mark.parametrize(
    ("how", "sig"),
    [("kill -TERM <pid>", signal.SIGTERM), ("Ctrl-C (SIGINT to the group)", signal.SIGINT)],
)
def test_a_signal_stops_dev_py_serve_and_leaves_nothing(how: str, sig: int, tmp_path: Path) -> None:
    port = free_port()
    with dev_py("serve", "--port", str(port), "--media-dir", str(tmp_path)) as proc:
        _wait_listening(proc, port)
        if sig == signal.SIGINT:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail(f"dev.py serve still running 30 s after {how}")
        assert not _group_alive(proc.pid), f"a process of dev.py serve outlived {how}"
        assert _port_free(port), f"port {port} still taken after {how}"


def passed(proc: subprocess.Popen[bytes]) -> str:
    """Wait for ``dev.py test`` to pass; returns its output."""
    try:
        proc.wait(timeout=120)
    except subprocess.TimeoutExpired:
        pytest.fail("dev.py test did not finish within 120 s")
    out = proc.stdout.read().decode() if proc.stdout else ""
    assert proc.returncode == 0, out
    return out


@needs_env
def test_dev_py_test_is_pytest_itself(tmp_path: Path) -> None:
    seen = tmp_path / "pids.txt"
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        f"import os\ndef test_pid():\n    open({str(seen)!r}, 'w').write(str(os.getpid()))\n"
    )
    lean = ["-p", "no:schemathesis", "-p", "no:hypothesispytest"]  # plugins the probe needs not
    with dev_py("test", "-q", "-n", "0", *lean, str(probe)) as proc:
        passed(proc)
        assert int(seen.read_text()) == proc.pid  # pytest ran in dev.py's own process


@needs_env
def test_dev_py_test_spreads_the_suite_over_the_cores_by_default(tmp_path: Path) -> None:
    seen = tmp_path / "workers.txt"
    probe = tmp_path / "test_probe.py"
    probe.write_text(
        "import os\n"
        "def test_worker():\n"
        f"    open({str(seen)!r}, 'w').write(' '.join([\n"
        "        os.environ.get('PYTEST_XDIST_WORKER', 'none'),\n"
        "        os.environ.get('PYTHONDONTWRITEBYTECODE', 'unset'),\n"
        "        os.environ.get('PYTHONPYCACHEPREFIX', 'unset'),\n"
        "    ]))\n"
    )
    with dev_py(
        "test", "-q", "-p", "no:schemathesis", str(probe), PYTHONDONTWRITEBYTECODE="1"
    ) as proc:
        out = passed(proc)
        worker, no_bytecode, cache = seen.read_text().split(" ")
        assert worker.startswith("gw"), out  # ran in an xdist worker
        # with compiled bytecode kept (even if the caller's environment said not to),
        # under .venv rather than beside the sources
        assert no_bytecode == "unset" and cache == str(ROOT / ".venv" / "pycache")
