"""``sora-mock``: run the emulator, or generate a clip through it.

sora-mock serve [--port 8000] [--seed 0] [--clock-speed 1] ...   # every Config field
sora-mock generate --provider runcomfy --prompt "a red kite" --out kite.mp4
"""

from __future__ import annotations

import argparse
import functools
import itertools
import sys
from collections.abc import Sequence
from dataclasses import MISSING
from typing import Any, get_type_hints

from mock_server.config import Config, flag_fields, parse_value

__all__ = ["main"]


def _config_flags(parser: argparse.ArgumentParser) -> list[str]:
    """One flag per Config field and per provider setting (``--runware-sync-wait``), so
    flags map 1:1 to the configuration; returns their names."""
    from mock_server.app import PROVIDERS

    names: list[str] = []
    for kind, prefix in [(Config, ""), *((p.settings, f"{p.name}_") for p in PROVIDERS)]:
        hints = get_type_hints(kind)
        docs = _field_docs(kind)
        for f in flag_fields(kind):
            name = prefix + f.name
            names.append(name)
            _add_flag(parser, name, hints[f.name], f.default, docs.get(f.name, ""))
    return names


def _add_flag(
    parser: argparse.ArgumentParser, name: str, kind: Any, default: Any, doc: str
) -> None:
    flag = "--" + name.replace("_", "-")
    help_text = f"{doc} (default: {_show(None if default is MISSING else default)})"
    if kind is bool:
        parser.add_argument(
            flag,
            dest=name,
            action=argparse.BooleanOptionalAction,
            default=None,
            help=help_text,
        )
    else:
        parser.add_argument(
            flag,
            dest=name,
            default=None,
            metavar=name.upper(),
            type=functools.partial(parse_value, kind),
            help=help_text,
        )


def _show(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value) or "none"
    return repr(value) if value == "" else str(value)


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


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from mock_server.app import create_app, load_config
    from mock_server.http.runner import uvicorn_config

    overrides = {name: getattr(args, name) for name in args.config_flags}
    try:
        config = load_config(**overrides)
        if config.workers != 1:  # mock_server/workers.py: N processes on shared state
            from mock_server.workers import serve_workers

            return serve_workers(config)
        app = create_app(config)
    except (ValueError, OSError) as exc:
        print(f"sora-mock: {exc}", file=sys.stderr)
        return 2
    print(
        f"sora-mock {app.state.emulator.clock.__class__.__name__} clock, "
        f"listening on http://{config.host}:{config.port}",
        file=sys.stderr,
    )
    uvicorn.Server(uvicorn_config(app, config)).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sora-mock", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="run the emulator (Runware and RunComfy APIs)")
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
