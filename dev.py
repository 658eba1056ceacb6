#!/usr/bin/env python3
"""Bootstrap and run sora-mock with nothing but Python 3.11+.

    python3 dev.py serve [flags]   # create .venv if needed, then run the emulator
    python3 dev.py test [args]     # create .venv if needed, then run the whole test suite
    python3 dev.py bench [args]    # create .venv if needed, then print the benchmark table

The virtual environment is (re)built when pyproject.toml or the SDK pins change. The
official Runware SDKs both install into the import package ``runware``, so each gets
its own ``pip install --target`` directory under ``.venv/sdks/`` (see SDKS); tests run
them in a subprocess with ``PYTHONPATH`` set to one of those directories.
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


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in ("serve", "test", "bench"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_env()
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "serve":
        args = [str(BIN / "sora-mock"), "serve", *rest]
    elif command == "bench":
        args = [str(BIN / "python"), "-m", "bench", *rest]
    else:
        args = [str(BIN / "python"), "-m", "pytest", *rest]
    os.chdir(ROOT)
    return subprocess.call(args)


if __name__ == "__main__":
    sys.exit(main())
