"""``sora-mock generate``: make one clip through Runware or RunComfy, with live progress.

    sora-mock generate --provider runcomfy --prompt "a red kite" --duration 4 --out kite.mp4
    sora-mock generate --provider runware --model openai:3@2 --size 1920x1080 \\
        --image first.png --prompt "..." --out clip.mp4
    sora-mock generate --provider runware --model minimax:4@1 --size 1366x768 \\
        --duration 6 --prompt "..."
    sora-mock generate --provider runcomfy --model kling/kling-3.0/standard/text-to-video \\
        --size 960x960 --duration 5 --field sound=false --prompt "..."
    sora-mock generate --provider runware --live ...     # the real API, RUNWARE_API_KEY

By default it talks to the emulator at http://127.0.0.1:8000 ($SORA_MOCK_URL, or
--base-url); --live uses the provider's real URL instead. Keys come from
RUNWARE_API_KEY / RUNCOMFY_API_KEY; on a loopback address any placeholder works, so
none is needed there. Progress goes to stderr, the saved path to stdout.

Exit codes: 0 saved; 1 API or network error; 2 bad usage, input or configuration;
3 the job failed or was cancelled; 4 timed out; 5 the provider broke its contract;
130 interrupted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

__all__ = ["add_parser", "main", "run"]

EMULATOR_URL = "http://127.0.0.1:8000"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
PLACEHOLDER_KEY = "sora-mock-local"
KEY_ENV = {"runware": "RUNWARE_API_KEY", "runcomfy": "RUNCOMFY_API_KEY"}
_MAGIC = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


class UsageError(Exception):
    """Bad input or configuration: exit 2 with a one-line message."""


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Register ``generate`` on an argparse subparsers object."""
    p: argparse.ArgumentParser = sub.add_parser(
        "generate",
        help="generate one clip through Runware or RunComfy (the emulator by default)",
        description=__doc__.split("\n\n")[0].replace("``", "") if __doc__ else None,
        epilog=__doc__.split("\n\n", 2)[2] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--provider", required=True, choices=("runware", "runcomfy"))
    p.add_argument(
        "--model",
        help="runware: any model AIR the provider serves (default openai:3@1, with "
        "1280x720 and 4 s unless given); runcomfy: any model_id of the catalog (default "
        "openai/sora-2/text-to-video, or image-to-video with --image); --size and "
        "--duration become the model's own fields",
    )
    p.add_argument("--prompt", required=True)
    p.add_argument("--duration", type=int, help="seconds (default: the model's)")
    p.add_argument("--size", help="WIDTHxHEIGHT (default: the model's, where it has one)")
    p.add_argument("--image", help="first frame: a PNG/JPEG/WebP file, or an http(s) URL")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="any field of the model's own input (repeatable; runware: a task field such as "
        'fps or providerSettings); VALUE is read as JSON when it parses (true, 8, ["a"]), '
        "else as text",
    )
    p.add_argument("--out", default="clip.mp4", help="where to save the clip (default clip.mp4)")
    p.add_argument("--base-url", help=f"API base URL (default $SORA_MOCK_URL or {EMULATOR_URL})")
    p.add_argument("--live", action="store_true", help="use the provider's real API URL")
    p.add_argument("--timeout", type=float, default=900.0, help="seconds to wait (default 900)")
    p.add_argument(
        "--poll",
        type=float,
        default=1.0,
        help="first poll interval in seconds; grows x1.5 up to 10 s (default 1)",
    )
    p.add_argument(
        "--validation",
        choices=("strict", "lenient", "off"),
        default="strict",
        help="contract checks on every message (default strict)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.set_defaults(func=run)
    return p


def _base_url(args: argparse.Namespace) -> str:
    if args.base_url:
        return str(args.base_url)
    if args.live:
        from client import DEFAULT_RUNCOMFY_URL, DEFAULT_RUNWARE_URL

        return DEFAULT_RUNWARE_URL if args.provider == "runware" else DEFAULT_RUNCOMFY_URL
    return os.environ.get("SORA_MOCK_URL") or EMULATOR_URL


def _api_key(provider: str, base_url: str) -> str:
    key = os.environ.get(KEY_ENV[provider], "").strip()
    if key:
        return key
    host = urlsplit(base_url).hostname or ""
    if host in LOCAL_HOSTS:
        return PLACEHOLDER_KEY
    raise UsageError(f"{KEY_ENV[provider]} is not set (needed for {base_url})")


def _image(ref: str | None) -> str | None:
    """URLs pass through; a file becomes a data: URI (what the emulator and Runware take)."""
    if ref is None or ref.startswith(("http://", "https://", "data:")):
        return ref
    try:
        data = Path(ref).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --image {ref}: {exc.strerror or exc}") from None
    mime = next((m for magic, m in _MAGIC.items() if data.startswith(magic)), None)
    if mime is None and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        mime = "image/webp"
    if mime is None:
        raise UsageError(f"--image {ref} is not a PNG, JPEG or WebP image")
    return f"data:{mime};base64," + base64.b64encode(data).decode()


def _model(args: argparse.Namespace) -> str:
    if args.model:
        return str(args.model)
    if args.provider == "runware":
        return "openai:3@1"
    return "openai/sora-2/" + ("image-to-video" if args.image else "text-to-video")


def _client(args: argparse.Namespace, base_url: str) -> Any:
    from client import Backoff, RunComfyClient, RunwareClient

    if not args.poll > 0:
        raise UsageError("--poll must be a positive number of seconds")
    cls = RunwareClient if args.provider == "runware" else RunComfyClient
    poll = Backoff(initial=args.poll, factor=1.5, cap=max(10.0, args.poll), jitter=0.1)
    key = _api_key(args.provider, base_url)
    return cls(key, base_url, validation=args.validation, poll=poll)


def _submit(client: Any, args: argparse.Namespace) -> Any:
    kwargs: dict[str, Any] = {"duration": args.duration, "size": args.size}
    if args.provider == "runware" and not args.model:  # Sora 2 needs its size named
        kwargs["duration"] = args.duration or 4
        kwargs["size"] = args.size or "1280x720"
    kwargs["image"] = _image(args.image)
    kwargs.update(_fields(args.field))
    return client.submit(_model(args), args.prompt, **kwargs)


def _fields(items: list[str]) -> dict[str, Any]:
    """``--field NAME=VALUE`` pairs; a VALUE that parses as JSON is used as JSON."""
    out: dict[str, Any] = {}
    for item in items:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"--field {item!r} is not NAME=VALUE")
        try:
            out[name.strip()] = json.loads(raw)
        except ValueError:
            out[name.strip()] = raw
    return out


def run(args: argparse.Namespace) -> int:
    """Run ``generate``; returns the exit code (errors are one line on stderr)."""
    from client import ContractViolation, JobError, SoraClientError, TransportError, WaitTimeout
    from client.progress import ProgressDisplay

    display = ProgressDisplay(sys.stderr, quiet=args.quiet)
    base_url = _base_url(args)
    job = None
    try:
        with _client(args, base_url) as client:
            try:
                job = _submit(client, args)
                display.note(f"{args.provider} accepted job {job.id} at {base_url}")
                video = client.wait(job.id, timeout=args.timeout, on_status=display.status)
                out = Path(args.out)
                display.note(f"downloading {video.url}")
                client.download(video.url, out, on_progress=display.download)
            except KeyboardInterrupt:
                if job is not None and hasattr(client, "cancel"):  # RunComfy only
                    try:
                        outcome = client.cancel(job.id)
                        display.note(f"interrupted; cancel outcome: {outcome.outcome}")
                    except SoraClientError as exc:
                        display.note(f"interrupted; cancel failed: {exc}")
                return _fail(display, "interrupted", 130)
    except UsageError as exc:
        return _fail(display, str(exc), 2)
    except ValueError as exc:  # bad --size and friends
        return _fail(display, str(exc), 2)
    except ContractViolation as exc:
        return _fail(display, f"contract violation: {exc}", 2 if exc.direction == "request" else 5)
    except JobError as exc:
        return _fail(display, str(exc), 3)
    except WaitTimeout as exc:
        return _fail(display, str(exc), 4)
    except TransportError as exc:
        return _fail(display, f"cannot reach {base_url}: {exc.__cause__ or exc}", 1)
    except SoraClientError as exc:
        return _fail(display, str(exc), 1)
    except OSError as exc:
        return _fail(display, f"cannot write {args.out}: {exc.strerror or exc}", 1)
    display.finish(out, video.cost)
    print(out)
    return 0


def _fail(display: Any, message: str, code: int) -> int:
    display.error(" ".join(message.split()))
    return code


def main(argv: list[str] | None = None) -> int:
    """``python -m client.cli_generate ...`` (the same as ``sora-mock generate ...``)."""
    parser = argparse.ArgumentParser(prog="sora-mock")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["generate", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
