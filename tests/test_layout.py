"""Size rules for the package code: no file over 400 lines, no function over 80.

A long file or function is where the next change gets hard to review; both limits are
counted from the source as written (blank lines and docstrings included)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[1]
PACKAGES = ("mock_server", "client", "contracts")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 80

# Functions allowed to break the rule for now (none: Runware's _options was split).
ALLOWED: set[str] = set()


def sources() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_the_rules_see_every_package() -> None:
    found = {p.relative_to(ROOT).parts[0] for p in sources()}
    assert found == set(PACKAGES)


def test_no_file_over_400_lines() -> None:
    long = {}
    for path in sources():
        lines = len(path.read_text().splitlines())
        if lines > MAX_FILE_LINES:
            long[path.relative_to(ROOT).as_posix()] = lines
    assert long == {}


def long_functions() -> dict[str, int]:
    """``path::name`` -> lines of every function longer than the limit."""
    long = {}
    for path in sources():
        rel = path.relative_to(ROOT).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), rel)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long[f"{rel}::{node.name}"] = lines
    return long


def test_no_function_over_80_lines() -> None:
    assert {k: n for k, n in long_functions().items() if k not in ALLOWED} == {}


def test_the_allow_list_holds_only_what_still_breaks_the_rule() -> None:
    assert set(long_functions()) >= ALLOWED


def test_tests_start_servers_in_a_thread_only_through_the_shared_helper() -> None:
    """``mock_server.http.in_thread.serve_in_thread`` (``tests.support.running_server``)
    is the one way a test serves an app in a thread: same start-up wait, same shutdown."""
    own_servers = ("uvicorn.Server(", "HTTPServer(", "serve_forever(", "threading.Thread(")
    found = {
        path.relative_to(ROOT).as_posix(): marker
        for path in sorted((ROOT / "tests").rglob("*.py"))
        for marker in own_servers
        if marker in path.read_text() and path.name != "test_layout.py"
    }
    assert found == {}
