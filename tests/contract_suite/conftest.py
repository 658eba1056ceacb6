"""Fixtures of the target-agnostic contract suite (options live in tests/contract_suite/options.py).

Tests ask for ``target`` (where requests go), ``runware`` / ``runcomfy`` (the APIs,
contract-checked), ``gate`` (what a live run may do and spend) and ``offer`` /
``runware_offer`` / ``runcomfy_offer`` (one test per catalog model).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette

from contracts import Contracts, model_documents
from mock_server.app import create_app
from mock_server.config import Config
from mock_server.control.docs import catalog_json
from mock_server.core.catalog import Catalog
from mock_server.core.clock import ManualClock
from tests.contract_suite.apis import RunComfyApi, RunwareApi
from tests.contract_suite.budget import LiveGate
from tests.contract_suite.options import SuiteOptions
from tests.contract_suite.recording import Recorder
from tests.contract_suite.target import Target, in_process_target, live_target, server_target

GATE = pytest.StashKey[LiveGate]()
REPORT = pytest.StashKey[Path]()


def _catalog(config: pytest.Config) -> Catalog:
    return Catalog.load(SuiteOptions.from_config(config).catalogs)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """One test per catalog model: ``offer`` (all), ``runware_offer``, ``runcomfy_offer``."""
    catalog = _catalog(metafunc.config)
    names = {"offer": None, "runware_offer": "runware", "runcomfy_offer": "runcomfy"}
    for name, provider in names.items():
        if name in metafunc.fixturenames:
            offers = [o for o in catalog if provider in (None, o.provider)]
            metafunc.parametrize(name, offers, ids=[f"{o.provider}:{o.model_id}" for o in offers])


@pytest.fixture(scope="session")
def suite_options(pytestconfig: pytest.Config) -> SuiteOptions:
    return SuiteOptions.from_config(pytestconfig)


@pytest.fixture(scope="session")
def catalog(pytestconfig: pytest.Config) -> Catalog:
    return _catalog(pytestconfig)


@pytest.fixture(scope="session")
def contracts(catalog: Catalog) -> Contracts:
    """The packaged contracts, with the model parts generated from this run's catalog."""
    return Contracts.with_overrides(model_documents(catalog_json(catalog)))


@pytest.fixture(scope="session")
def recorder(
    suite_options: SuiteOptions, catalog: Catalog, contracts: Contracts, pytestconfig: pytest.Config
) -> Iterator[Recorder]:
    enabled = suite_options.record_dir is not None
    models = [o.model_id for o in catalog.for_provider("runcomfy")]
    rec = Recorder(enabled, models, target=suite_options.target)
    yield rec
    if suite_options.record_dir is not None and rec.exchanges:  # nothing sent: nothing to say
        pytestconfig.stash[REPORT] = rec.write(suite_options.record_dir, contracts)


@pytest.fixture(autouse=True)
def _name_the_exchanges(request: pytest.FixtureRequest) -> None:
    rec = request.getfixturevalue("recorder") if "recorder" in request.fixturenames else None
    if rec is not None:
        rec.test = request.node.nodeid


def in_process_app(catalog_files: tuple[Path, ...], media_dir: Path, seed: int = 0) -> Starlette:
    """The emulator as the in-process target builds it: manual clock, fixed seed."""
    config = Config(
        clock="manual",
        seed=seed,
        media_dir=str(media_dir),
        catalog=tuple(str(p) for p in catalog_files),
        log_level="warning",
    )
    return create_app(config, clock=ManualClock())


@pytest.fixture(scope="session")
def target(
    suite_options: SuiteOptions, recorder: Recorder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    opts = suite_options
    if opts.live:
        built = live_target(opts.live_base_url, recorder, opts.poll_seconds)
    elif opts.target == "inprocess":
        media = tmp_path_factory.mktemp("contract-media")
        built = in_process_target(in_process_app(opts.catalogs, media), recorder)
    else:
        built = server_target(opts.target, recorder)
    try:
        built.prepare()
        yield built
    finally:
        built.close()


@pytest.fixture
def fresh_target(suite_options: SuiteOptions, tmp_path: Path) -> Iterator[Callable[[int], Target]]:
    """``fresh_target(seed)``: another in-process emulator, new from the same seed."""
    made: list[Target] = []

    def make(seed: int) -> Target:
        app = in_process_app(suite_options.catalogs, tmp_path / f"media-{len(made)}", seed)
        built = in_process_target(app, Recorder(False, []))
        built.prepare()
        made.append(built)
        return built

    yield make
    for built in made:
        built.close()


@pytest.fixture(scope="session")
def gate(
    suite_options: SuiteOptions, target: Target, catalog: Catalog, pytestconfig: pytest.Config
) -> LiveGate:
    built = LiveGate.build(
        target.live, suite_options.budget, target.keys, catalog, suite_options.live_models
    )
    if target.emulator:
        models = target.control("GET", "models")["models"]
        built.served = {(m["provider"], m["model"]) for m in models}
    pytestconfig.stash[GATE] = built
    return built


@pytest.fixture(scope="session")
def runware(target: Target, contracts: Contracts) -> RunwareApi:
    return RunwareApi(target, contracts)


@pytest.fixture(scope="session")
def runcomfy(target: Target, contracts: Contracts) -> RunComfyApi:
    return RunComfyApi(target, contracts)


@pytest.fixture
def emulator_only(target: Target, gate: LiveGate) -> None:
    """For checks that move a live job's time or generate many requests."""
    if not target.emulator:
        gate.needs_the_emulator(
            "this check needs the emulator's control of time or sends many generated "
            "requests (each could be billed)"
        )


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    gate_ = config.stash.get(GATE, None)
    if gate_ is not None and gate_.live:
        terminalreporter.write_line(gate_.summary())
    report = config.stash.get(REPORT, None)
    if report is not None:
        terminalreporter.write_line(
            f"sora-mock contract suite: exchanges and drift report in {report}/ "
            "(recording.json, drift.json, drift.md)"
        )
