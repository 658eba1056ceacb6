"""``sora-mock``: run the emulator, or generate a clip through it.

sora-mock serve [--port 8000] [--seed 0] [--clock-speed 1] ...   # every Config field
sora-mock generate --provider runcomfy --prompt "a red kite" --out kite.mp4
"""

from __future__ import annotations

import argparse
import itertools
import json
import socket
import sys
from collections.abc import Callable, Sequence
from dataclasses import MISSING, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, get_type_hints

from mock_server import __version__
from mock_server.config import Config, flag_fields, parse_value

__all__ = ["Setting", "main", "settings"]

# serve --help, by topic; a Config field not listed here lands in a group named by its
# prefix ("runware_..." -> Runware) or in "other settings".
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "server",
        ("host", "port", "workers", "public_url", "admin_token", "log_level", "access_log"),
    ),
    (
        "time and job progression",
        (
            "seed",
            "clock",
            "clock_speed",
            "progression",
            "queue_seconds",
            "run_seconds",
            "run_seconds_per_video_second",
            "queue_polls",
            "run_polls",
        ),
    ),
    ("keys, tenants and money", ("api_keys", "invalid_key", "balance", "max_active_per_key")),
    ("models", ("catalog", "reject_retired")),
    ("faults", ("chaos",)),
    (
        "state and media",
        (
            "state",
            "media_dir",
            "media_max_mb",
            "shared_clips",
            "journal_size",
            "ffmpeg",
            "max_encodes",
        ),
    ),
    ("webhooks", ("webhook_hosts", "webhook_attempts", "webhook_backoff", "webhook_timeout")),
    (
        "request limits and shutdown",
        (
            "max_body_bytes",
            "max_header_bytes",
            "request_timeout",
            "timeout_keep_alive",
            "limit_concurrency",
            "encode_timeout",
            "timeout_graceful_shutdown",
        ),
    ),
)
PREFIX_GROUPS = {
    "runcomfy_": "RunComfy (choices its documentation leaves open)",
    "runware_": "Runware (choices its documentation leaves open)",
}
CHOICES = {
    "clock": ("scaled", "manual"),
    "progression": ("clock", "polls", "manual", "immediate"),
    "log_level": ("critical", "error", "warning", "info", "debug", "trace"),
}
METAVARS = {
    "host": "ADDRESS",
    "public_url": "URL",
    "admin_token": "TOKEN",
    "api_keys": "KEY,...",
    "invalid_key": "KEY",
    "balance": "USD",
    "catalog": "FILE,...",
    "chaos": "SPEC",
    "state": "memory|sqlite:///PATH|redis://HOST:PORT/DB",
    "media_dir": "DIR",
    "ffmpeg": "PATH",
    "webhook_hosts": "HOST,...",
}
_KIND_WORDS = {int: "a whole number", float: "a number", bool: "on or off (true/false)"}


def env_name(field_name: str) -> str:
    return f"SORA_MOCK_{field_name.upper()}"


def flag_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def convert(name: str, kind: Any, raw: str) -> Any:
    """A flag or variable's text as the field's type, or a ValueError in plain words."""
    try:
        value = parse_value(kind, raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not {_KIND_WORDS.get(kind, 'valid')}") from None
    if name in CHOICES and value not in CHOICES[name]:
        raise ValueError(f"{raw!r} is not one of: {', '.join(CHOICES[name])}")
    if name == "balance" and value:
        try:
            if not Decimal(value).is_finite() or Decimal(value) < 0:
                raise InvalidOperation
        except InvalidOperation:
            raise ValueError(f"{raw!r} is not an amount in USD, e.g. 10.00") from None
    return value


def _arg_type(name: str, kind: Any) -> Callable[[str], Any]:
    def parse(raw: str) -> Any:
        try:
            return convert(name, kind, raw)
        except ValueError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    parse.__name__ = name
    return parse


@dataclass(frozen=True, slots=True)
class Setting:
    """One ``serve`` flag: a Config field, or a provider's (``runware_sync_wait``)."""

    name: str
    kind: Any
    default: Any
    doc: str


def settings() -> list[Setting]:
    """Every setting ``serve`` takes: the emulator's, then each provider's under its name."""
    from mock_server.app import PROVIDERS

    found = []
    for source, prefix in [(Config, ""), *((p.settings, f"{p.name}_") for p in PROVIDERS)]:
        hints, docs = get_type_hints(source), _field_docs(source)
        for f in flag_fields(source):
            default = None if f.default is MISSING else f.default
            found.append(Setting(prefix + f.name, hints[f.name], default, docs.get(f.name, "")))
    return found


def _default_text(s: Setting) -> str:
    """``(default: X; env SORA_MOCK_NAME)``, with the default said once."""
    env = f"env {env_name(s.name)}"
    if "(default" in s.doc:  # the doc already says what the default means
        return f"({env})"
    if isinstance(s.default, bool):
        shown = "on" if s.default else "off"
    elif isinstance(s.default, tuple):
        shown = ",".join(s.default) or "none"
    else:
        shown = "none" if s.default in ("", None) else str(s.default)
    return f"(default: {shown}; {env})"


def _group_of(name: str) -> str:
    for title, names in GROUPS:
        if name in names:
            return title
    for prefix, title in PREFIX_GROUPS.items():
        if name.startswith(prefix):
            return title
    return "other settings"


def _config_flags(parser: argparse.ArgumentParser) -> list[str]:
    """One flag per setting (flags map 1:1 to the configuration), grouped by topic;
    returns their names."""
    ordered = [t for t, _ in GROUPS] + list(PREFIX_GROUPS.values()) + ["other settings"]
    by_group: dict[str, list[Setting]] = {title: [] for title in ordered}
    every = settings()
    for s in every:
        by_group[_group_of(s.name)].append(s)
    for title in ordered:
        if by_group[title]:
            group = parser.add_argument_group(title)
            for s in by_group[title]:
                _add_flag(group, s)
    return [s.name for s in every]


def _add_flag(group: argparse._ArgumentGroup, s: Setting) -> None:
    help_text = f"{s.doc} {_default_text(s)}".replace("%", "%%")
    if s.kind is bool:
        action: Any = argparse.BooleanOptionalAction
        group.add_argument(
            flag_name(s.name), dest=s.name, action=action, default=None, help=help_text
        )
        return
    group.add_argument(
        flag_name(s.name),
        dest=s.name,
        default=None,
        metavar=METAVARS.get(s.name, _metavar(s.name, s.kind)),
        type=_arg_type(s.name, s.kind),
        help=help_text,
    )


def _metavar(name: str, kind: Any) -> str:
    if name in CHOICES:
        return "|".join(CHOICES[name])
    if kind is float:
        timed = ("second", "timeout", "wait", "backoff", "idle", "resume")
        return "SECONDS" if any(w in name for w in timed) else "X"
    if kind is int:
        return "BYTES" if name.endswith("_bytes") else "N"
    return "TEXT"


def _field_docs(kind: type[Any]) -> dict[str, str]:
    """The string literal under each field of ``kind`` (kept next to the field)."""
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(kind))
    body = tree.body[0].body  # type: ignore[attr-defined]
    docs: dict[str, str] = {}
    for prev, node in itertools.pairwise(body):
        if (
            isinstance(prev, ast.AnnAssign)
            and isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Constant)
            and isinstance(prev.target, ast.Name)
        ):
            docs[prev.target.id] = str(node.value.value)
    return docs


def _check_environment(env: dict[str, str]) -> None:
    """Every SORA_MOCK_* variable readable, in plain words, before the config reads them."""
    for s in settings():
        raw = env.get(env_name(s.name))
        if raw is not None:
            try:
                convert(s.name, s.kind, raw)
            except ValueError as exc:
                raise ValueError(f"{env_name(s.name)}: {exc}") from None


def _check_catalogs(paths: Sequence[str]) -> None:
    for path in paths:
        try:
            with open(path, encoding="utf-8") as handle:
                json.load(handle)
        except OSError as exc:
            raise ValueError(f"catalog file {path}: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"catalog file {path} is not JSON: {exc}") from None


def _check_port(host: str, port: int) -> None:
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise ValueError(
                f"cannot listen on {host}:{port}: {exc.strerror or exc} (is another "
                "sora-mock still running? stop it, or choose another --port)"
            ) from None


def startup_line(config: Config) -> str:
    """What the server says when it starts, in plain words."""
    where = f"http://{config.host}:{config.port}" if config.port else f"{config.host}, a free port"
    if config.clock == "manual":
        clock = "the clock is manual (it moves through POST /_emulator/clock/advance)"
    elif config.clock_speed == 1:
        clock = "the clock runs at real time"
    else:
        clock = f"the clock runs {config.clock_speed:g}x faster than real time"
    moves = {
        "clock": f"jobs queue {config.queue_seconds:g} s, then run "
        f"{config.run_seconds:g} s + {config.run_seconds_per_video_second:g} s per video second",
        "polls": f"jobs move on status reads ({config.queue_polls} queued, {config.run_polls} "
        "running)",
        "manual": "jobs wait until completed through the control API",
        "immediate": "jobs finish on their first status read",
    }[config.progression]
    state = "kept in memory only" if config.state == "memory" else f"kept in {config.state}"
    return (
        f"sora-mock {__version__} listening on {where}: {clock}; {moves}; state {state}. "
        "Dashboard at /, API reference at /docs; Ctrl-C stops it."
    )


def serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from mock_server.app import create_app, load_config
    from mock_server.http.runner import uvicorn_config

    overrides = {name: getattr(args, name) for name in args.config_flags}
    try:
        _check_environment(dict(os.environ))
        config = load_config(**overrides)
        _check_catalogs(config.catalog)
        _check_port(config.host, config.port)
        if config.workers != 1:  # mock_server/workers.py: N processes on shared state
            from mock_server.workers import serve_workers

            return serve_workers(config)
        app = create_app(config)
    except (ValueError, ArithmeticError) as exc:
        print(f"sora-mock: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sora-mock: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    print(startup_line(config), file=sys.stderr)
    uvicorn.Server(uvicorn_config(app, config)).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sora-mock", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"sora-mock {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser(
        "serve",
        help="run the emulator (Runware and RunComfy APIs)",
        usage="sora-mock serve [flags]  (sora-mock serve --help lists them by topic)",
        description="Run the emulator. Every flag is also an environment variable "
        "(--queue-seconds 5 = SORA_MOCK_QUEUE_SECONDS=5); flags win over variables.",
    )
    p_serve.set_defaults(func=serve, config_flags=_config_flags(p_serve))
    from client.cli_generate import add_parser as add_generate  # the reference client's CLI

    add_generate(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
