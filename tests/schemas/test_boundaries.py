"""contracts/ imports nothing from the project; client/ never imports mock_server."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _imports(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("contracts", {"mock_server", "client", "tests"}), ("client", {"mock_server", "tests"})],
)
def test_package_keeps_its_imports_to_itself(package: str, forbidden: set[str]) -> None:
    found = _imports(package)
    assert found, f"{package} has no modules"
    for module, names in found.items():
        assert not names & forbidden, f"{module} imports {names & forbidden}"


def test_the_scan_sees_real_imports() -> None:
    assert "contracts" in _imports("client")["client/validation.py"]
    assert "httpx" in _imports("client")["client/_base.py"]
