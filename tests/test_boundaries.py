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


def provider_folders() -> list[Path]:
    root = ROOT / "mock_server/providers"
    return sorted(p for p in root.iterdir() if (p / "__init__.py").exists())


def code_strings(path: Path) -> set[str]:
    """String constants in code, f-string pieces included (docstrings do not count)."""
    tree = ast.parse(path.read_text())
    prose = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose
    }


def test_only_the_provider_list_imports_a_provider() -> None:
    bad = []
    for folder in provider_folders():
        name = f"mock_server.providers.{folder.name}"
        for path in modules("mock_server"):
            rel = path.relative_to(ROOT).as_posix()
            if folder in path.parents or rel == "mock_server/app.py":
                continue
            bad += [f"{rel} imports {n}" for n in imports_of(path) if n.startswith(name)]
    assert bad == []


def test_the_provider_list_has_every_provider_folder_under_its_name() -> None:
    from mock_server.app import PROVIDERS

    assert sorted(p.name for p in PROVIDERS) == [f.name for f in provider_folders()]


def _names(text: str, path: str) -> bool:
    return text.startswith(path) if path.endswith("/") else text == path


def test_only_a_provider_names_its_paths() -> None:
    """Outside its folder a provider's paths are not written down anywhere in the
    emulator: routing, error shapes, body limits and the journal all ask the provider.
    (``mock_server/testing`` is a client of the emulator, like ``client/``.)"""
    from mock_server.app import PROVIDERS

    bad = []
    for provider in PROVIDERS:
        folder = ROOT / "mock_server/providers" / provider.name
        for path in modules("mock_server"):
            rel = path.relative_to(ROOT).as_posix()
            if folder in path.parents or rel.startswith("mock_server/testing/"):
                continue
            for text in code_strings(path):
                bad += [f"{rel} names {p!r}" for p in provider.paths if _names(text, p)]
    assert bad == []


def test_a_provider_serves_only_its_own_paths(tmp_path: Path) -> None:
    from starlette.routing import Route, WebSocketRoute

    from mock_server.app import PROVIDERS, create_app
    from mock_server.config import Config

    app = create_app(Config(clock="manual", media_dir=str(tmp_path)))
    for provider in PROVIDERS:
        routes = app.state.mounts[provider.name].routes
        assert routes
        for route in routes:
            assert isinstance(route, Route | WebSocketRoute)
            assert provider.owns(route.path), (provider.name, route.path)
        others = [p for p in PROVIDERS if p is not provider]
        assert not [r.path for r in routes for o in others if o.owns(r.path)]
