"""The design's boundaries, enforced by reading every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(), str(path))
    # the package a module lives in (for a/b/__init__.py as for a/b/c.py: a.b)
    package = list(path.relative_to(ROOT).parts[:-1])
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0 and node.module:
                found.add(node.module)
            elif node.level > 0:
                base = package[: len(package) - (node.level - 1)]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def offending(package: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in modules(package):
        for name in imports_of(path):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(ROOT)} imports {name}")
    return bad


@pytest.mark.parametrize("package", ["mock_server/core", "mock_server/media"])
def test_core_and_media_know_nothing_of_http_or_dialects(package: str) -> None:
    forbidden = (
        "starlette",
        "uvicorn",
        "mock_server.providers",
        "mock_server.control",
        "mock_server.app",
        "mock_server.http.media_routes",
    )
    assert offending(package, forbidden) == []


def test_providers_never_import_each_other() -> None:
    providers = [p.name for p in (ROOT / "mock_server/providers").iterdir() if p.is_dir()]
    assert len([p for p in providers if not p.startswith("_")]) >= 1
    for name in providers:
        others = tuple(f"mock_server.providers.{o}" for o in providers if o != name)
        assert offending(f"mock_server/providers/{name}", others) == []


def test_only_app_wires_providers_and_control() -> None:
    wired = ("mock_server.providers", "mock_server.control")
    bad = []
    for path in modules("mock_server"):
        rel = path.relative_to(ROOT).as_posix()
        if rel == "mock_server/app.py" or rel.startswith(
            ("mock_server/providers/", "mock_server/control/")
        ):
            continue
        if rel == "mock_server/pytest_plugin.py":
            continue
        bad += [f"{rel} imports {n}" for n in imports_of(path) if n.startswith(wired)]
    assert bad == []


def test_control_never_imports_providers() -> None:
    assert offending("mock_server/control", ("mock_server.providers",)) == []


def test_contracts_and_client_stay_independent() -> None:
    assert offending("contracts", ("mock_server", "client")) == []
    assert offending("client", ("mock_server",)) == []


def test_wire_names_stay_inside_their_dialect() -> None:
    wire = {"taskUUID": "runware", "request_id": "runcomfy"}
    bad = []
    for path in modules("mock_server"):
        rel = path.relative_to(ROOT).as_posix()
        text = path.read_text()
        for word, owner in wire.items():
            if word in text and not rel.startswith(f"mock_server/providers/{owner}/"):
                bad.append(f"{rel} mentions {word}")
    assert bad == []
