"""The live progress line of ``sora-mock generate`` (stderr).

>>> display = ProgressDisplay(sys.stderr)
>>> client.wait(job.id, on_status=display.status)
  3.1s  in_queue     queue position 2
 12.4s  in_progress  45%

On a terminal the line is redrawn in place; elsewhere (logs, tests) a line is written
only when something changes, so the output stays short and readable.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from client.models import JobStatus

__all__ = ["ProgressDisplay"]


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover


class ProgressDisplay:
    """State, queue position, progress and elapsed time, then download and cost."""

    def __init__(
        self,
        stream: TextIO,
        *,
        quiet: bool = False,
        clock: Callable[[], float] = time.monotonic,
        live: bool | None = None,
    ) -> None:
        self.stream = stream
        self.quiet = quiet
        self.clock = clock
        self.start = clock()
        isatty = getattr(stream, "isatty", lambda: False)
        self.live = isatty() if live is None else live
        self._last = ""
        self._open = False  # a live line is on screen without its newline

    def _elapsed(self) -> str:
        return f"{self.clock() - self.start:6.1f}s"

    def _show(self, text: str, *, changed_only: bool = True) -> None:
        if self.quiet:
            return
        line = f"{self._elapsed()}  {text}"
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
            self._open = True
        elif not changed_only or text != self._last:
            self.stream.write(line + "\n")
        self._last = text
        self.stream.flush()

    def _close_line(self) -> None:
        if self._open:
            self.stream.write("\n")
            self._open = False

    def status(self, status: JobStatus) -> None:
        """Use as ``wait(..., on_status=display.status)``."""
        text = f"{status.provider_status or status.state.value:<12}"
        if status.queue_position is not None:
            text += f" queue position {status.queue_position}"
        if status.progress is not None:
            text += f" {status.progress}%"
        self._show(text.rstrip())

    def download(self, received: int, total: int | None) -> None:
        """Use as ``download(..., on_progress=display.download)``."""
        if not self.live and (total is None or received < total):
            return  # logs get one line, at the end
        of = f" / {_size(total)}" if total else ""
        self._show(f"downloading  {_size(received)}{of}")

    def note(self, text: str) -> None:
        if self.quiet:
            return
        self._close_line()
        self._show(text, changed_only=False)
        self._close_line()

    def finish(self, path: Path, cost: float | None) -> None:
        self._close_line()
        size = _size(path.stat().st_size) if path.exists() else "?"
        price = f"cost ${cost:.2f}" if cost is not None else "cost not reported"
        if not self.quiet:
            self.stream.write(f"{self._elapsed()}  saved {path} ({size}); {price}\n")
            self.stream.flush()

    def error(self, message: str) -> None:
        self._close_line()
        self.stream.write(f"sora-mock generate: error: {message}\n")
        self.stream.flush()
