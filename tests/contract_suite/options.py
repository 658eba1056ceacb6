"""Command-line options of the contract suite and its Hypothesis profiles.

Registered from the root ``tests/conftest.py`` so they exist however pytest is started
(``python3 dev.py test`` or ``python3 dev.py test tests/contract_suite ...``)::

    --sora-target=inprocess            the default: the app in-process, manual clock
    --sora-target=http://HOST:PORT     a running emulator (time moves through its control API)
    --sora-target=live                 the real APIs, keys from RUNWARE_API_KEY / RUNCOMFY_API_KEY
    --live-budget=USD                  what a live run may spend (default 0: nothing billable)
    --live-model=MODEL                 the catalog model(s) a live run uses (repeatable)
    --catalog=FILE                     extra catalog JSON (repeatable), as ``sora-mock serve``
    --sora-record=DIR                  write exchanges + drift report (live: on by default)
    --sora-replay=FILE                 replay a recording through the contract checks

The integrator plugin (``mock_server/pytest_plugin.py``) registers none of these.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.support import PROFILE

__all__ = ["SuiteOptions", "add_suite_options", "register_profiles"]

LIVE_HOSTS = {
    "runware": "https://api.runware.ai/v1",
    "runcomfy": "https://model-api.runcomfy.net",
}
KEY_VARIABLES = {"runware": "RUNWARE_API_KEY", "runcomfy": "RUNCOMFY_API_KEY"}


def _usd(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise pytest.UsageError(f"--live-budget: not an amount in USD: {raw!r}") from None
    if not value.is_finite() or value < 0:
        raise pytest.UsageError("--live-budget must be a non-negative amount in USD")
    return value.quantize(Decimal("0.01"))


def add_suite_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("sora-contract", "sora-mock contract suite (tests/contract_suite)")
    group.addoption(
        "--sora-target",
        default="inprocess",
        help="inprocess (default), http://HOST:PORT of a running emulator, or live",
    )
    group.addoption(
        "--live-budget",
        default="0",
        help="USD a live run may spend; each live test is priced from the catalog first "
        "and skipped when it would go over (default 0: nothing billable runs)",
    )
    group.addoption(
        "--live-model",
        action="append",
        default=[],
        help="catalog model id a live run uses (repeat for each provider)",
    )
    group.addoption(
        "--catalog",
        action="append",
        default=[],
        help="extra catalog JSON file extending the built-in one (repeatable)",
    )
    group.addoption(
        "--sora-live-base-url",
        default=None,
        help="send live traffic to this base URL instead of the providers' hosts "
        "(tests the live machinery against an emulator)",
    )
    group.addoption(
        "--sora-record",
        default=None,
        help="directory for recorded exchanges and the drift report "
        "(live runs default to ./sora-live-report)",
    )
    group.addoption(
        "--sora-replay",
        action="append",
        default=[],
        help="a recording (recording.json) to replay through the contract checks",
    )
    group.addoption(
        "--live-poll-seconds",
        default="5",
        help="real seconds between status reads on a live target (default 5)",
    )
    group.addoption(
        "--live-timeout",
        default="900",
        help="real seconds a live job may take before the test fails (default 900)",
    )


@dataclass(frozen=True, slots=True)
class SuiteOptions:
    """The parsed options; ``SuiteOptions.from_config(request.config)``."""

    target: str
    budget: Decimal
    live_models: tuple[str, ...]
    catalogs: tuple[Path, ...]
    live_base_url: str | None
    record_dir: Path | None
    replays: tuple[Path, ...]
    poll_seconds: float
    live_timeout: float

    @property
    def live(self) -> bool:
        return self.target == "live"

    @classmethod
    def from_config(cls, config: pytest.Config) -> SuiteOptions:
        target = str(config.getoption("--sora-target")).rstrip("/")
        if target not in ("inprocess", "live") and not target.startswith(("http://", "https://")):
            raise pytest.UsageError("--sora-target is inprocess, live or http://HOST:PORT")
        record = config.getoption("--sora-record")
        if record is None and target == "live":
            record = "sora-live-report"
        return cls(
            target=target,
            budget=_usd(str(config.getoption("--live-budget"))),
            live_models=tuple(config.getoption("--live-model")),
            catalogs=tuple(Path(p) for p in config.getoption("--catalog")),
            live_base_url=config.getoption("--sora-live-base-url"),
            record_dir=Path(record) if record else None,
            replays=tuple(Path(p) for p in config.getoption("--sora-replay")),
            poll_seconds=float(config.getoption("--live-poll-seconds")),
            live_timeout=float(config.getoption("--live-timeout")),
        )


def register_profiles() -> None:
    """``default`` keeps the suite fast; ``ci`` draws more examples. CI runs (``CI`` set in
    the environment, as CI services do) use ``ci``; ``--hypothesis-profile`` overrides."""
    common = {
        "deadline": None,
        "suppress_health_check": [HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    }
    settings.register_profile("default", max_examples=20, **common)  # type: ignore[arg-type]
    settings.register_profile("ci", max_examples=60, print_blob=True, **common)  # type: ignore[arg-type]
    settings.load_profile(PROFILE)
