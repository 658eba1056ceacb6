"""The dashboard with 500 jobs, in real headless Chromium: a bounded page of rows, filters
by provider, model, tenant and state, paging, search, players only on demand, quoted and
charged costs, and a journal of API traffic that hides the page's own media fetches.

Jobs use ``manual`` progression, so only the few the test completes are rendered. The
test saves a screenshot (``dashboard-500-jobs.png`` in its tmp dir) for a person to look at.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.support import running_server

CHROMIUM = os.environ.get("SORA_MOCK_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
RUNCOMFY = ("openai/sora-2/text-to-video", "openai/sora-2/pro/text-to-video")
RUNWARE = ("openai:3@1", "openai:3@2")
KEYS = [f"sk-dashboard-tenant-{i:04d}" for i in range(1, 6)]
JOBS = 500

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no browser at {CHROMIUM} (apt-get install chromium, or set SORA_MOCK_CHROMIUM)",
)


def _submit_many(api: httpx.Client) -> list[dict[str, str]]:
    """500 queued jobs across both providers, four models and five tenants."""
    made = []
    for i in range(JOBS):
        key = KEYS[i % len(KEYS)]
        headers = {"Authorization": f"Bearer {key}"}
        if i % 2:
            model = RUNWARE[(i // 2) % 2]
            task = {
                "taskType": "videoInference",
                "taskUUID": str(uuid.uuid4()),
                "model": model,
                "positivePrompt": f"runware job {i}",
                "width": 1280,
                "height": 720,
                "duration": 4,
            }
            r = api.post("/v1", json=[task], headers=headers)
            job_id = task["taskUUID"]
        else:
            model = RUNCOMFY[(i // 2) % 2]
            r = api.post(
                f"/v1/models/{model}", json={"prompt": f"runcomfy job {i}"}, headers=headers
            )
            job_id = r.json()["request_id"]
        assert r.status_code == 200, r.text
        made.append(
            {
                "id": job_id,
                "model": model,
                "key": key,
                "provider": "runware" if i % 2 else "runcomfy",
            }
        )
    return made


def test_the_dashboard_finds_a_job_among_500(tmp_path: Path) -> None:
    config = Config(clock="manual", progression="manual", media_dir=str(tmp_path / "media"))
    app = create_app(config, clock=ManualClock())
    with running_server(app) as base, httpx.Client(base_url=base, timeout=60) as api:
        jobs = _submit_many(api)
        for job in jobs[2:22]:  # ten of each provider fail
            assert api.post(
                f"/_emulator/jobs/{job['id']}/fail", json={"kind": "moderation"}
            ).is_success
        cancelled = [j for j in jobs[22:60] if j["provider"] == "runcomfy"][:10]
        for job in cancelled:
            r = api.post(
                f"/v1/requests/{job['id']}/cancel",
                headers={"Authorization": f"Bearer {job['key']}"},
            )
            assert r.status_code == 202, r.text
        for job in jobs[:2]:  # one clip per provider
            assert api.post(f"/_emulator/jobs/{job['id']}/complete").is_success
        labels = _labels(api)

        with playwright_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1100})
                _drive(page, base, jobs, cancelled, labels, tmp_path)
            finally:
                browser.close()


def _labels(api: httpx.Client) -> dict[str, str]:
    """Each key's masked label, as the dashboard shows it."""
    out = {}
    for key in KEYS:
        r = api.post("/_emulator/balances", json={"key": key, "balance": None})
        out[key] = r.json()["label"]
    return out


def _rows(page):  # type: ignore[no-untyped-def]
    return page.locator("#jobs tbody tr[data-job-id]")


def _column(page, testid: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(t) for t in page.locator(f"#jobs tbody td[data-testid={testid}]").all_inner_texts()]


def _wait_info(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Until the pager reads ``text`` (whole words: "20 matching" is not "120 matching")."""
    page.wait_for_function(
        "(' ' + document.querySelector('#page-info').textContent + ' ')"
        f".includes(' ' + {text!r} + ' ')",
        timeout=30_000,
    )


def _drive(page, base, jobs, cancelled, labels, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready=true]", timeout=30_000)
    assert page.inner_text("#job-count") == f"({JOBS})"
    assert _rows(page).count() == 25 and page.locator("video").count() == 0
    _wait_info(page, "page 1 of 20")
    first = _rows(page).first.get_attribute("data-job-id")
    page.click("#page-next")
    _wait_info(page, "page 2 of 20")
    assert _rows(page).first.get_attribute("data-job-id") != first
    # the ledger and journal sit right under a bounded table, whatever the job count
    assert page.locator("#ledger").bounding_box()["y"] < 2500

    by = Counter((j["provider"], j["key"]) for j in jobs)
    page.select_option("#f-provider", "runware")
    page.select_option("#f-tenant", labels[KEYS[1]])
    _wait_info(page, f"{by[('runware', KEYS[1])]} matching")
    assert set(page.locator("#jobs tbody tr[data-job-id] td:nth-child(2)").all_inner_texts()) == {
        "runware"
    }
    page.click("#f-clear")
    page.select_option("#f-model", "openai/sora-2/pro/text-to-video")
    pro = sum(j["model"] == "openai/sora-2/pro/text-to-video" for j in jobs)
    _wait_info(page, f"{pro} matching")

    page.click("#f-clear")
    page.select_option("#f-state", "failed")
    _wait_info(page, "20 matching")
    assert set(_column(page, "charged")) == {"$0.00"}
    assert all(q != "$0.00" for q in _column(page, "quoted"))  # it was priced, not charged
    page.select_option("#f-state", "cancelled")
    _wait_info(page, f"{len(cancelled)} matching")
    assert set(_column(page, "charged")) == {"$0.00"}

    page.select_option("#f-state", "succeeded")
    _wait_info(page, "2 matching")
    assert _column(page, "charged") == _column(page, "quoted")
    page.locator("button[data-action=play]").first.click()
    page.wait_for_function(
        "document.querySelector('video') && document.querySelector('video').readyState >= 1",
        timeout=30_000,
    )  # the player fetched the clip from /media/ (a 206)
    assert page.locator("video").count() == 1
    journal = page.locator("#journal")
    seen = int(page.get_attribute("body", "data-refreshes") or 0)
    page.wait_for_function(  # two more polls: the journal now holds the media fetch
        f"Number(document.body.dataset.refreshes) >= {seen + 2}", timeout=30_000
    )
    assert "/media/" not in journal.inner_text() and "/v1/models/" in journal.inner_text()
    page.check("#journal-media")
    page.wait_for_function(
        "document.querySelector('#journal').textContent.includes('/media/')", timeout=30_000
    )
    page.uncheck("#journal-media")

    page.click("#f-clear")
    page.fill("#f-q", jobs[-1]["id"])
    _wait_info(page, "1 matching")
    assert _rows(page).first.get_attribute("data-job-id") == jobs[-1]["id"]
    page.fill("#f-q", "")
    page.select_option("#f-state", "succeeded")
    _wait_info(page, "2 matching")
    page.wait_for_function("document.querySelector('video').readyState >= 1", timeout=30_000)
    page.screenshot(path=str(tmp_path / "dashboard-500-jobs-succeeded.png"), full_page=True)
    page.click("#f-clear")
    _wait_info(page, f"page 1 of 20 · {JOBS} matching")
    shot = tmp_path / "dashboard-500-jobs.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    print(f"dashboard screenshots: {tmp_path}/dashboard-500-jobs*.png")
