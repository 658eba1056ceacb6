"""The dashboard in a real headless browser (Debian's chromium, driven by Playwright).

Skips with a reason when no browser is installed; ``.ci/run`` installs one.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from mock_server.app import create_app
from mock_server.config import Config
from mock_server.core.clock import ManualClock
from tests.sandbox.helpers import T2V, auth
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

playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(),
    reason=f"no browser at {CHROMIUM} (apt-get install chromium, or set SORA_MOCK_CHROMIUM)",
)


def test_dashboard_shows_jobs_and_drives_the_emulator(tmp_path: Path) -> None:
    app = create_app(Config(clock="manual", media_dir=str(tmp_path / "media")), clock=ManualClock())
    with running_server(app) as base, httpx.Client(base_url=base, timeout=30) as api:

        def submit(prompt: str) -> str:
            r = api.post(f"/v1/models/{T2V}", json={"prompt": prompt}, headers=auth())
            assert r.status_code == 200, r.text
            return str(r.json()["request_id"])

        to_fail = submit("a job the dashboard fails")
        to_play = submit("a job that finishes on the clock")
        to_complete = submit("held in the queue [sora-mock:stuck]")

        with playwright_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 1000})
                page.goto(base + "/")
                page.wait_for_selector("body[data-ready=true]", timeout=15_000)

                def row(job_id: str):  # type: ignore[no-untyped-def]
                    return page.locator(f"tr[data-job-id='{job_id}']")

                def state_of(job_id: str) -> str:
                    return str(row(job_id).locator("[data-testid=state]").inner_text())

                assert page.locator("#jobs tbody tr[data-job-id]").count() == 3
                assert state_of(to_play) == "queued"

                # fail one job with a chosen provider error
                row(to_fail).locator("select").select_option("moderation")
                row(to_fail).locator("button[data-action=fail]").click()
                page.wait_for_function(
                    f"document.querySelector(\"tr[data-job-id='{to_fail}'] .state\")"
                    ".textContent === 'failed'"
                )
                assert "moderation" in row(to_fail).inner_text()

                # advance the clock past the run: the clip can be played, on demand
                page.fill("#advance-seconds", "20")
                page.click("#advance-button")
                play = row(to_play).locator("button[data-action=play]")
                play.wait_for(timeout=15_000)
                assert page.locator("video").count() == 0  # no player until asked
                play.click()
                video = page.locator(f"video[data-job-id='{to_play}']")
                video.wait_for(timeout=15_000)
                assert state_of(to_play) == "succeeded"
                assert state_of(to_complete) == "queued"  # stuck ignores the clock
                assert page.inner_text("#clock-now") == "2026-01-01T00:00:20.000Z"
                page.wait_for_function(
                    f"document.querySelector(\"video[data-job-id='{to_play}']\").readyState >= 1",
                    timeout=15_000,
                )  # the browser loaded the clip's metadata from /media/

                # force-complete the stuck one
                row(to_complete).locator("button[data-action=complete]").click()
                row(to_complete).locator("button[data-action=play]").click()
                page.locator(f"video[data-job-id='{to_complete}']").wait_for(timeout=15_000)

                # the ledger shows what the key spent, never the key
                page.wait_for_function(
                    "document.querySelector('#ledger').textContent.includes('spent $0.80')"
                )
                assert "sk-…0001" in page.inner_text("#ledger")
                assert "sk-test-alpha-0001" not in page.content()
                # the journal lists the provider calls
                assert "/v1/models/openai/sora-2/text-to-video" in page.inner_text("#journal")
                shot = os.environ.get("SORA_MOCK_SCREENSHOT")
                if shot:
                    page.screenshot(path=shot, full_page=True)
            finally:
                browser.close()
