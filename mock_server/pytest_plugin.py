"""pytest plugin for integrators (registered through the ``pytest11`` entry point).

Installed with sora-mock, it gives every test suite two fixtures and a marker::

    def test_generate(sora_mock):                 # a running emulator, manual clock
        submit(f"{sora_mock.runcomfy_url}/v1/models/openai/sora-2/text-to-video", ...)
        sora_mock.advance(30)                      # due jobs finish, webhooks fire
        assert sora_mock.journal()[0]["status"] == 200

    @pytest.mark.sora_mock(seed=3, progression="polls", faults=["moderation@30"])
    def test_my_unchanged_code(sora_mock_intercept):
        my_app.make_video()     # its https://api.runware.ai/v1 calls reach the emulator

The emulator runs on a manual clock that every API request moves on by five emulated
seconds (``clock_step``), so code that polls a job sees it finish after a few reads;
``sora_mock.advance(s)`` moves it further, and ``sora_mock.sleep`` can stand in for the
code's own poll sleeps. ``@pytest.mark.sora_mock(clock_step=0)`` stops the stepping.

``sora_mock_intercept`` is ``sora_mock`` with the providers' real hosts routed into it
(respx, every httpx client, sync and async); any other non-loopback host fails the
test rather than leak. Kept thin: the emulator is imported inside the fixtures, so
having sora-mock installed costs a test session nothing. The plugin has no
command-line options; the ini option ``sora_mock_hosts`` adds hosts to intercept.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mock_server.testing import SoraMock

MARKER = (
    "sora_mock(seed=0, progression=None, faults=(), hosts=(), clock_step=5, **config): set "
    "up the sora_mock fixture: id seed, progression ('clock', 'polls', 'manual', "
    "'immediate' or a dict of its settings), faults to plant, extra hosts to intercept, "
    "emulated seconds each API request moves the clock (0: only advance() moves it), and "
    "any Config field (e.g. balance='1.00')"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "sora_mock_hosts",
        type="linelist",
        default=[],
        help="extra hostnames that sora_mock_intercept routes into the emulator",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


def _options(request: pytest.FixtureRequest) -> dict[str, Any]:
    marker = request.node.get_closest_marker("sora_mock")
    if marker is not None and marker.args:
        raise pytest.UsageError("@pytest.mark.sora_mock takes keyword arguments only")
    options = dict(marker.kwargs) if marker is not None else {}
    options["hosts"] = [*request.config.getini("sora_mock_hosts"), *options.get("hosts", ())]
    return options


@pytest.fixture
def sora_mock(request: pytest.FixtureRequest) -> Iterator[SoraMock]:
    """A running sora-mock emulator (uvicorn on a free loopback port) for one test."""
    from mock_server.testing import start_sora_mock

    with start_sora_mock(**_options(request)) as mock:
        yield mock


@pytest.fixture
def sora_mock_intercept(sora_mock: SoraMock) -> Iterator[SoraMock]:
    """``sora_mock``, with api.runware.ai, model-api.runcomfy.net and their media hosts
    answered by it for the whole test."""
    with sora_mock.intercept():
        yield sora_mock
