"""The servers the bench measures, each in its own process group, always stopped.

* the generator's ceiling: a canned httptools responder (:mod:`bench.loadgen`);
* bare Starlette under uvicorn (1 or N workers), the baseline;
* sora-mock (``sora-mock serve``, in memory or on Redis, 1 or N workers);
* aimock (``@copilotkit/aimock``, fal queue) and Prism (``@stoplight/prism-cli``, mocking
  the emulator's own OpenAPI document), installed from npm into a cache directory when
  Node.js is there; each start says why it could not when it cannot.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.loadgen import free_port

__all__ = ["NODE_PACKAGES", "Server", "start_aimock", "start_prism", "start_sora_mock"]

ROOT = Path(__file__).resolve().parents[1]
# checked with `npm view` (name, version, bin) before they were chosen
AIMOCK = "@copilotkit/aimock@1.43.0"  # github.com/CopilotKit/aimock, src/fal.ts
PRISM = "@stoplight/prism-cli@5.16.0"
NODE_PACKAGES = (AIMOCK, PRISM)
NODE_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sora-mock-bench"
FAL_MODEL = "fal-ai/sora-2/text-to-video"


class Server:
    """A server in a child process (its own session), stopped with its children."""

    def __init__(
        self,
        name: str,
        args: list[str],
        port: int,
        startup: float = 30,
        affinity: Callable[[], None] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name, self.port = name, port
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(
            args,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=affinity,
            start_new_session=True,  # uvicorn workers, node children: stop the whole group
        )
        deadline = time.monotonic() + startup
        while True:
            if self.proc.poll() is not None:
                self.log.seek(0)
                text = self.log.read().decode(errors="replace")
                self.log.close()
                raise RuntimeError(f"{name} exited: {text.strip()[-600:]}")
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"{name} did not start within {startup:g} s") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)
        self.log.close()


def start_sora_mock(
    state: str, workers: int, affinity: Callable[[], None] | None, name: str
) -> Server:
    port = free_port()
    args = [
        sys.executable, "-m", "mock_server.cli", "serve", "--port", str(port),
        "--clock", "manual", "--log-level", "warning", "--no-access-log", "--state", state,
    ]  # fmt: skip
    if workers > 1:
        args += ["--workers", str(workers)]
    return Server(name, args, port, startup=60, affinity=affinity)


def start_bare(workers: int, affinity: Callable[[], None] | None) -> Server:
    port = free_port()
    args = [
        sys.executable, "-m", "uvicorn", "--factory", "bench.loadgen:bare_app",
        "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
        "--loop", "uvloop", "--http", "httptools", "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    return Server(f"bare Starlette ({workers} workers)", args, port, affinity=affinity)


def start_ceiling(affinity: Callable[[], None] | None) -> Server:
    port = free_port()
    args = [sys.executable, "-m", "bench.loadgen", "ceiling", str(port)]
    return Server("canned responder", args, port, affinity=affinity)


def node_install() -> tuple[Path | None, str]:
    """The npm packages in the bench's cache directory, or None and why not."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        return None, "Node.js/npm not found (install them to compare with aimock and Prism)"
    prefix = NODE_CACHE / "node"
    marker = prefix / ".installed"
    if marker.exists() and marker.read_text() == " ".join(NODE_PACKAGES):
        return prefix, ""
    prefix.mkdir(parents=True, exist_ok=True)
    args = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", "--silent"]
    try:
        out = subprocess.run([*args, *NODE_PACKAGES], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, "npm install took over 600 s"
    if out.returncode != 0:
        last = (out.stderr.strip().splitlines() or ["?"])[-1][:120]
        return None, f"npm install failed: {last}"
    marker.write_text(" ".join(NODE_PACKAGES))
    return prefix, ""


def start_aimock(prefix: Path, affinity: Callable[[], None] | None) -> Server:
    """aimock's fal queue, answering one fixture for Sora 2 (its own default progression:
    completed on the first poll)."""
    fixture = NODE_CACHE / "aimock-fal.json"
    video = {"url": "http://127.0.0.1:9/clip.mp4", "content_type": "video/mp4"}
    body = {"fixtures": [{"match": {"model": FAL_MODEL}, "response": {"json": {"video": video}}}]}
    fixture.write_text(json.dumps(body))
    port = free_port()
    cli = prefix / "node_modules" / "@copilotkit" / "aimock" / "dist" / "cli.js"
    args = [
        shutil.which("node") or "node", str(cli), "-p", str(port), "-h", "127.0.0.1",
        "-f", str(fixture), "--log-level", "silent",
    ]  # fmt: skip
    return Server("aimock", args, port, startup=60, affinity=affinity)


def start_prism(prefix: Path, spec: Path, affinity: Callable[[], None] | None) -> Server:
    port = free_port()
    cli = prefix / "node_modules" / ".bin" / "prism"
    args = [str(cli), "mock", "-h", "127.0.0.1", "-p", str(port), "-v", "error", str(spec)]
    return Server("Prism", args, port, startup=120, affinity=affinity)
