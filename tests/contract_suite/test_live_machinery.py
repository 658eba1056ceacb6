"""The live mode, tested offline: an emulator on loopback pretends to be both providers.

``--sora-live-base-url`` sends the "live" traffic to it (a fast scaled clock, and only
the fake keys below accepted), so the budget, the key checks, the recording and its
redaction, the drift report and replay are exercised for real; nothing leaves the
machine. Each run is the real suite in a pytest subprocess (pytester).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.catalog import Catalog
from tests.contract_suite.budget import LiveGate
from tests.contract_suite.recording import REDACTED, Recorder
from tests.support import running_server

pytest_plugins = ["pytester"]

SUITE = Path(__file__).resolve().parent
KEYS = {
    "RUNWARE_API_KEY": "rw-fake-live-key-0123456789",
    "RUNCOMFY_API_KEY": "rc-fake-live-key-987654",
}
LIVE_MODELS = ["--live-model=openai/sora-2/text-to-video", "--live-model=openai:3@1"]


@pytest.fixture(scope="module")
def fake_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = Config(
        clock_speed=200.0,
        api_keys=tuple(KEYS.values()),
        media_dir=str(tmp_path_factory.mktemp("fake-live-media")),
        log_level="warning",
    )
    with running_server(create_app(config)) as url:
        yield url


@pytest.fixture
def fresh(fake_provider: str) -> str:
    """The fake provider with no jobs, charges or journal left from an earlier run."""
    assert httpx.post(f"{fake_provider}/_emulator/reset", json={}).status_code == 200
    return fake_provider


def run_live(
    pytester: pytest.Pytester, url: str, *args: str, files: tuple[str, ...] = ()
) -> pytest.RunResult:
    files = files or ("test_lifecycle.py", "test_cancel.py", "test_errors.py")
    return pytester.runpytest_subprocess(
        *(str(SUITE / f) for f in files),
        "--sora-target=live",
        f"--sora-live-base-url={url}",
        "--live-poll-seconds=0.02",
        "-rs",
        *args,
    )


def control(url: str, path: str) -> dict:
    return httpx.get(f"{url}/_emulator/{path}").json()


def test_without_keys_nothing_is_sent(
    pytester: pytest.Pytester, fresh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in KEYS:
        monkeypatch.delenv(name, raising=False)
    result = run_live(pytester, fresh)
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) > 0 and "passed" not in outcomes and "failed" not in outcomes
    result.stdout.fnmatch_lines(["*RUNWARE_API_KEY is not set; nothing was sent*"])
    result.stdout.fnmatch_lines(["*RUNCOMFY_API_KEY is not set; nothing was sent*"])
    result.stdout.fnmatch_lines(["sora-mock live: budget $0.00, booked $0.00*"])
    assert control(fresh, "journal")["entries"] == []


def test_with_keys_but_no_budget_only_free_checks_run(
    pytester: pytest.Pytester, fresh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    result = run_live(pytester, fresh, *LIVE_MODELS)
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] > 0 and "failed" not in outcomes, outcomes
    result.stdout.fnmatch_lines(
        ["*one 4 s 1280x720 clip would cost $0.40 (priced from the catalog) but --live-budget "
         "has $0.00 left of $0.00; nothing was sent*"]
    )  # fmt: skip
    assert control(fresh, "jobs")["total"] == 0  # free checks only: nothing was ever queued
    assert control(fresh, "journal")["entries"], "the free checks reached the fake provider"


def test_a_budgeted_run_records_redacts_reports_and_replays(
    pytester: pytest.Pytester, fresh: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    report = tmp_path / "report"
    result = run_live(
        pytester, fresh, "--live-budget=1.00", *LIVE_MODELS, f"--sora-record={report}"
    )
    outcomes = result.parseoutcomes()
    assert "failed" not in outcomes, result.stdout.str()
    # two lifecycles at $0.40 fit in $1.00; the cancel check after them does not
    result.stdout.fnmatch_lines(["*not the runcomfy live model*"])
    result.stdout.fnmatch_lines(["*has $0.20 left of $1.00*"])
    result.stdout.fnmatch_lines(["sora-mock live: budget $1.00, booked $0.80*"])
    assert Decimal(control(fresh, "ledger")["total"]) <= Decimal("0.80")

    files = {p.name: p.read_text() for p in report.iterdir()}
    assert set(files) == {"recording.json", "drift.json", "drift.md"}
    for name, text in files.items():
        for key in KEYS.values():
            assert key not in text, f"{name} leaks a key"
    recording = json.loads(files["recording.json"])
    headers = [e["request"]["headers"] for e in recording["exchanges"]]
    assert any(h.get("authorization") == REDACTED for h in headers)
    drift = json.loads(files["drift.json"])
    assert "violation" not in drift["summary"], drift["summary"]
    sequences = {job["provider"]: [s["state"] for s in job["states"]] for job in drift["jobs"]}
    assert sequences["runcomfy"][-1] == "completed" and sequences["runware"][-1] == "success"
    assert "## Jobs: observed states and timings" in files["drift.md"]

    replay = pytester.runpytest_subprocess(
        str(SUITE / "test_replay.py"), f"--sora-replay={report / 'recording.json'}", "-k", "meets"
    )
    replay.assert_outcomes(passed=2)  # the committed recording and this one


EXTRA_MODEL = {
    "offers": [
        {
            "provider": "runware",
            "model_id": "vendor:9@1",
            "family": "vendor-video-9",
            "title": "Vendor Video 9",
            "sizes": {"1280x720": "720p", "1920x1080": "1080p"},
            "durations": [5, 10],
            "price_per_second": {"720p": "0.03", "1080p": "0.09"},
            "image_input": "optional",
            "prompt_max_chars": 2000,
        }
    ]
}


def test_after_sora_a_live_run_uses_a_model_added_with_catalog(
    pytester: pytest.Pytester,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Sora retired on 2026-09-24: with a model of their own in a --catalog file, a live
    run picks it (the cheapest runware model not retired), prices it and runs it; on
    RunComfy it picks the cheapest current built-in model."""
    extra = tmp_path / "catalog.json"
    extra.write_text(json.dumps(EXTRA_MODEL))
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    config = Config(
        clock_speed=200.0,
        api_keys=tuple(KEYS.values()),
        catalog=(str(extra),),
        media_dir=str(tmp_path / "media"),
        log_level="warning",
    )
    with running_server(create_app(config)) as url:
        result = run_live(
            pytester, url, f"--catalog={extra}", "--live-budget=0.35", "-k", "playable",
            files=("test_lifecycle.py",),
        )  # fmt: skip
        jobs = control(url, "jobs")["jobs"]
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] == 2 and "failed" not in outcomes, outcomes
    comfy = "bytedance/seedance-2.0/fast"  # 4 s at 480p, 0.05 USD/s (INFERRED price)
    result.stdout.fnmatch_lines(
        [f"*booked $0.35 (priced from the catalog); live models: vendor:9@1, {comfy};*"]
    )
    assert sorted((j["model"], j["state"], j["size"], j["seconds"]) for j in jobs) == [
        (comfy, "succeeded", "480x864", 4),
        ("vendor:9@1", "succeeded", "1280x720", 5),
    ]


def test_the_gate_and_the_recorder_on_their_own() -> None:
    catalog = Catalog.load()
    keys = {"runware": "k", "runcomfy": None}
    # a catalog whose Runware models all retire (Sora alone)
    sora = Catalog(o for o in catalog if o.provider != "runware" or o.family.startswith("sora"))
    retired = LiveGate.build(True, Decimal("5"), keys, sora, (), today=date(2026, 10, 1))
    with pytest.raises(pytest.skip.Exception, match=r"models retire by 2026-09-24.*--live-model"):
        retired.require("runware", catalog.get("runware", "openai:3@1"))
    before = LiveGate.build(True, Decimal("5"), keys, sora, (), today=date(2026, 6, 1))
    assert before.models["runware"] == catalog.get("runware", "openai:3@1")  # the cheapest
    current = LiveGate.build(True, Decimal("5"), keys, catalog, (), today=date(2026, 10, 1))
    assert current.models["runware"] is not None and current.models["runware"].retires_on is None

    gate = LiveGate.build(True, Decimal("0.50"), keys, catalog, ("openai:3@1",))
    offer = gate.models["runware"]
    assert offer is not None
    gate.require("runware", offer, cost=Decimal("0.40"), what="a clip")
    with pytest.raises(pytest.skip.Exception, match=r"would cost \$0.40 .* \$0.10 left of \$0.50"):
        gate.require("runware", offer, cost=Decimal("0.40"), what="a clip")
    with pytest.raises(pytest.skip.Exception, match="RUNCOMFY_API_KEY is not set"):
        gate.require("runcomfy")
    assert gate.spent == Decimal("0.40") and gate.skipped == {"budget": 1, "no key": 1}

    recorder = Recorder(True, [])
    recorder.secrets.add("s3cret-key")
    request = httpx.Request(
        "POST",
        "https://api.example/v1?key=s3cret-key",
        headers={"Authorization": "Bearer s3cret-key", "X-Note": "s3cret-key"},
        json=[{"taskType": "authentication", "apiKey": "s3cret-key"}],
    )
    recorder.record("runware", request, httpx.Response(200, json={"data": []}), 0.01)
    (exchange,) = recorder.exchanges
    assert "s3cret-key" not in json.dumps(exchange)
    assert exchange["request"]["json"] == [{"taskType": "authentication", "apiKey": REDACTED}]
