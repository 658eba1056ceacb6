"""The Runware dialect keeps to its folder: wire names stay in, other providers stay out."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[3] / "mock_server"
DIALECT = PACKAGE / "providers" / "runware"
WIRE_NAMES = ("taskUUID", "taskType", "videoUUID", "connectionSessionUUID", "positivePrompt")


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def code_strings(path: Path) -> set[str]:
    """Identifiers and string literals in code (documentation strings do not count)."""
    tree = ast.parse(path.read_text())
    prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in prose:
                out.add(node.value)
        elif isinstance(node, ast.Name):
            out.add(node.id)
        elif isinstance(node, ast.Attribute):
            out.add(node.attr)
    return out


def test_runware_wire_names_never_leave_the_dialect() -> None:
    for path in PACKAGE.rglob("*.py"):
        if DIALECT in path.parents:
            continue
        used = code_strings(path)
        assert not [n for n in WIRE_NAMES for s in used if n in s], path


def test_the_dialect_imports_no_other_provider_and_the_dispatcher_no_web_framework() -> None:
    for path in DIALECT.rglob("*.py"):
        others = {m for m in imports(path) if m.startswith("mock_server.providers.")}
        assert all(m.startswith("mock_server.providers.runware") for m in others), path
    dispatcher = imports(PACKAGE / "http" / "webhooks.py")
    assert not {m for m in dispatcher if m.startswith(("starlette", "mock_server.providers"))}
