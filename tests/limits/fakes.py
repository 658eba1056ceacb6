"""Stand-ins for ffmpeg: scripts that fail, hang, or log how many run at once.

Each takes ffmpeg's arguments and, when it succeeds, writes the output file (the
argument ending in ``.part``: the synthesizer writes there and renames) so the
emulator sees a finished encode.
"""

from __future__ import annotations

import os
from pathlib import Path


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def failing_ffmpeg(tmp: Path) -> Path:
    """Exits 1 with an ffmpeg-like complaint on stderr."""
    return script(
        tmp / "ffmpeg-fails",
        'echo "Unknown encoder libx264" >&2\necho "Conversion failed!" >&2\nexit 1\n',
    )


def hanging_ffmpeg(tmp: Path, log: Path | None = None) -> Path:
    """Never finishes (``exec`` so that killing it leaves no shell behind); with ``log``,
    first appends ``+ pid`` to it."""
    announce = f'echo "+ $$" >> {log}\n' if log is not None else ""
    return script(tmp / "ffmpeg-hangs", f"{announce}exec sleep 60\n")


def logging_ffmpeg(tmp: Path, log: Path, seconds: float = 0.2) -> Path:
    """Appends ``+ pid`` when it starts and ``- pid`` when it ends, then writes its output."""
    pause = f"sleep {seconds}\n" if seconds > 0 else ""
    return script(
        tmp / "ffmpeg-logs",
        f'echo "+ $$" >> {log}\n{pause}'
        'for a; do case "$a" in *.part) out="$a";; esac; done\n'
        'printf "fake clip" > "$out"\n'
        f'echo "- $$" >> {log}\n',
    )


def most_at_once(log: Path) -> int:
    """The largest number of fake encodes that overlapped, from the start/end log."""
    running = peak = 0
    for line in log.read_text().splitlines():
        running += 1 if line.startswith("+") else -1
        peak = max(peak, running)
    return peak


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
