"""Helpers shared by tests: a real uvicorn server on a free port, and audio checks."""

from __future__ import annotations

import array
import base64
import contextlib
import os
import signal
import socket
import struct
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from mock_server.http.in_thread import serve_in_thread
from mock_server.media.synth import ffmpeg_exe

AUTH = {"Authorization": "Bearer test-key"}

# Hypothesis profile for this run: HYPOTHESIS_PROFILE wins; CI (set by CI runners) picks
# "ci" (thousands of fuzz cases); otherwise Hypothesis's default keeps local runs fast.
PROFILE = os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")


def fuzz_examples(local: int, ci: int | None = None) -> int:
    """Cases for a fuzz test: ``local`` by default; under the ``ci`` profile, ``ci`` or
    the profile's own ``max_examples`` (thousands)."""
    if PROFILE != "ci":
        return local
    from hypothesis import settings

    return ci if ci is not None else settings.get_profile("ci").max_examples


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in a thread; yields its base URL.
    An emulator app is served with its own limits (request timeout, head size, ...)."""
    emu = getattr(getattr(app, "state", None), "emulator", None)
    with serve_in_thread(app, emu.config if emu is not None else None) as server:
        yield server.url


def beep_envelope(path: Path, seconds: int) -> list[tuple[float, float]]:
    """Per second of the clip: (RMS of its first 100 ms, RMS of 300-900 ms), from PCM."""
    rate = 8000
    pcm = subprocess.run(
        [
            ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-vn",
            "-ac",
            "1",
            "-ar",
            str(rate),
            "-f",
            "s16le",
            "-",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout
    samples = array.array("h", pcm)

    def rms(a: int, b: int) -> float:
        chunk = samples[a:b]
        return (sum(x * x for x in chunk) / max(1, len(chunk))) ** 0.5

    return [
        (
            rms(s * rate, s * rate + rate // 10),
            rms(s * rate + 3 * rate // 10, s * rate + 9 * rate // 10),
        )
        for s in range(seconds)
    ]


class ServerProcess:
    """``sora-mock serve`` in a child process on a free loopback port."""

    def __init__(self, *flags: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "mock_server.cli", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            [*args, "--log-level", "warning", *flags],
            env={**os.environ, **(env or {})},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sora-mock exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                if time.monotonic() > deadline:
                    self.kill()
                    raise RuntimeError("sora-mock did not start") from None
                time.sleep(0.05)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM, then wait for a graceful exit; returns the exit code."""
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()


@contextlib.contextmanager
def server_process(*flags: str, env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """A :class:`ServerProcess`, always stopped (killed if still running) on exit."""
    server = ServerProcess(*flags, env=env)
    try:
        yield server
    finally:
        server.kill()


def png(width: int = 320, height: int = 180, rgb: tuple[int, int, int] = (200, 60, 30)) -> bytes:
    """A valid solid-colour PNG, built by hand so no imaging library is needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def data_uri(data: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"
