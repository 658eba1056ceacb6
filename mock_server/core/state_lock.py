"""One state file, one owner: an OS lock held for as long as a server has it open.

>>> lock = StateLock.acquire(Path("state.db"))   # raises StateFileInUse if taken
>>> lock.release()

Two servers writing one SQLite file would hand out the same ids for different jobs
and double the ledger, so the second one refuses to start. The lock is an advisory
``flock`` on ``<file>.lock`` (``msvcrt.locking`` on Windows), which the operating
system drops when its holder exits however it exits, ``kill -9`` included: there is
never a stale lock to clean up. The holder's pid is written into the lock file so the
refusal can name it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

__all__ = ["StateFileInUse", "StateLock"]


class StateFileInUse(OSError):
    """Another server (or another open state in this process) holds the state file."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class StateLock:
    """An exclusive lock on one state file, held until :meth:`release`."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path, self._fd = path, fd

    @classmethod
    def acquire(cls, db: Path) -> StateLock:
        path = db.with_name(db.name + ".lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if not _try_lock(fd):
            holder = "unknown"
            with contextlib.suppress(OSError):
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or holder
            os.close(fd)
            raise StateFileInUse(
                f"the state file {db} is in use by another sora-mock server (pid {holder}); "
                "stop that server first, or give this one its own --state file"
            )
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, str(os.getpid()).encode())
        return cls(path, fd)

    def release(self) -> None:
        """Give the file up (closing the descriptor drops the lock); idempotent."""
        if self._fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = -1
