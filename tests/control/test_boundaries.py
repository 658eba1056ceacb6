"""Import boundaries of the sandbox: read the imports, fail on a forbidden one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "mock_server"
FORBIDDEN = {
    "core": ("starlette", "mock_server.providers", "mock_server.control", "mock_server.app"),
    "media": ("starlette", "mock_server.providers", "mock_server.control", "mock_server.app"),
    "control": ("mock_server.providers", "mock_server.app"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_keeps_its_import_boundary(package: str) -> None:
    bad = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in sorted((ROOT / package).rglob("*.py"))
        for name in _imports(path)
        if name.startswith(FORBIDDEN[package])
    ]
    assert bad == []
