"""The README's and docs/'s shell and Python examples run, as written, against a served
emulator (``sora-mock serve`` in a subprocess on a free loopback port).

Blocks are annotated in the markdown itself (see tests/docs/blocks.py): a block that
cannot run here says why with ``skip (reason)``. The only rewriting is the address:
``127.0.0.1:8000`` and ``localhost:8000`` become the test server's, and ``SORA_MOCK_URL``
points ``sora-mock generate`` at it. Each page's shell runs with ``set -euo pipefail``,
and ``curl`` fails on an HTTP error unless the block declares the output it expects.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.docs.blocks import PYTHON, Block, Session, blocks, sessions
from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SESSIONS = [s for page in PAGES for s in sessions(page)]
SESSION_TIMEOUT = 240  # seconds; a hanging example fails the test instead of the run
_EOF = "SORA_DOCS_EOF"
# this suite's own pytest plugins, which an integrator's environment does not have
LEAN_PYTEST = "-p no:schemathesis -p no:hypothesispytest"


@contextlib.contextmanager
def served(args: tuple[str, ...], media: Path) -> Iterator[str]:
    """``sora-mock serve ARGS`` on a free port; yields its base URL, stops it after."""
    port = free_port()
    cmd = [sys.executable, "-m", "mock_server.cli", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--media-dir", str(media), "--log-level", "warning", *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read() if proc.stdout else ""
                pytest.fail(f"sora-mock serve {' '.join(args)} exited: {out}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if time.monotonic() > deadline:
                pytest.fail("sora-mock serve did not listen within 60 s")
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout:
            proc.stdout.close()


def _block_script(index: int, block: Block, host: str) -> str:
    code = block.code.replace("127.0.0.1:8000", host).replace("localhost:8000", host)
    if block.pytest:
        name = f"test_docs_{block.path.stem.replace('-', '_')}_{block.line}.py"
        code = (
            f"cat > {name} <<'{_EOF}'\n{code}{_EOF}\n"
            f'"$SORA_DOCS_PYTHON" -m pytest -q -p no:cacheprovider {name}\n'
        )
    elif block.lang in PYTHON:
        code = f"\"$SORA_DOCS_PYTHON\" - <<'{_EOF}'\n{code}{_EOF}\n"
    strict = 0 if block.expect else 1
    return (
        f'echo {index} > "$SORA_DOCS_OUT/current"\nSORA_DOCS_STRICT={strict}\n'
        f'{{\n{code}}} > "$SORA_DOCS_OUT/{index}.out" 2>&1\n'
    )


def session_script(session: Session, host: str) -> str:
    head = (
        "set -euo pipefail\n"
        'curl() { if [ "$SORA_DOCS_STRICT" = 1 ]; then command curl --fail-with-body "$@"; '
        'else command curl "$@"; fi; }\n'
    )
    return head + "".join(_block_script(i, b, host) for i, b in enumerate(session.blocks))


def _report(session: Session, out: Path, failed: int | None) -> str:
    lines = []
    for i, block in enumerate(session.blocks):
        text = (out / f"{i}.out").read_text() if (out / f"{i}.out").exists() else "(not run)"
        mark = "FAILED" if i == failed else "ok"
        lines.append(f"--- {block.where} ({block.lang}) {mark}\n{text[-3000:]}")
    return "\n".join(lines)


@pytest.mark.parametrize("session", SESSIONS, ids=[s.name for s in SESSIONS])
def test_examples_run(session: Session, tmp_path: Path) -> None:
    if not shutil.which("bash") or not shutil.which("curl"):
        pytest.skip("the examples need bash and curl on PATH")
    work, out = tmp_path / "work", tmp_path / "out"
    work.mkdir()
    out.mkdir()
    if sys.prefix != sys.base_prefix:  # the examples' ".venv/bin/sora-mock", as in a checkout
        (work / ".venv").symlink_to(sys.prefix)
    nowhere = contextlib.nullcontext("http://127.0.0.1:9")  # nothing listens: a stray call fails
    with served(session.serve, tmp_path / "media") if session.needs_server else nowhere as base:
        script = session_script(session, base.removeprefix("http://"))
        env = {**os.environ, "SORA_MOCK_URL": base, "SORA_DOCS_PYTHON": sys.executable}
        env["PYTEST_ADDOPTS"] = LEAN_PYTEST  # an integrator's pytest has no fuzzers loaded
        env["SORA_DOCS_OUT"] = str(out)
        try:
            done = subprocess.run(
                ["bash", "-c", script], cwd=work, env=env, timeout=SESSION_TIMEOUT, check=False
            )
        except subprocess.TimeoutExpired:
            current = int((out / "current").read_text())
            pytest.fail(f"timed out after {SESSION_TIMEOUT} s\n{_report(session, out, current)}")
    if done.returncode != 0:
        current = int((out / "current").read_text())
        pytest.fail(f"exit status {done.returncode}\n{_report(session, out, current)}")
    for i, block in enumerate(session.blocks):
        text = (out / f"{i}.out").read_text()
        for wanted in block.expect:
            assert wanted in text, f"{block.where}: {wanted!r} not in the output:\n{text}"


def test_every_page_is_linked_and_every_link_resolves() -> None:
    readme = (ROOT / "README.md").read_text()
    for page in PAGES[1:]:
        assert f"(docs/{page.name})" in readme, f"README.md does not link docs/{page.name}"
    for page in PAGES:
        prose = re.sub(r"`[^`\n]*`", "", page.read_text())  # code spans hold no links
        for target in re.findall(r"\]\(([^)#:\s]+)(?:#[^)]*)?\)", prose):
            assert (page.parent / target).exists(), f"{page.name}: broken link {target}"


def test_skipped_examples_say_why() -> None:
    every = [b for page in PAGES for b in blocks(page)]
    assert any(b.runnable for b in every)
    for block in every:
        if block.skip is not None:
            assert len(block.skip) > 10, f"{block.where}: skip reason too short: {block.skip!r}"
