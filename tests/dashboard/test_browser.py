"""A real-browser journey: `streamlit run app.py` on a seeded temp store, driven by Debian chromium.

Open the app, see the Overview and a metric, change the week, go to the Data page, see the imports.
Every request the page makes must stay on this machine (no fonts, icons or telemetry from a CDN).
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.dashboard.seed import ROOT, Store

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip
LOCAL_HOSTS = {"127.0.0.1", "localhost"}
STARTUP_SECONDS = 60
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {STARTUP_SECONDS} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def server(seeded_template: Store, tmp_path: Path) -> Iterator[str]:
    """The app served on a free local port against the seeded store; yields its base URL."""
    streamlit = Path(sys.executable).with_name("streamlit")
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": seeded_template.url, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    log = tmp_path / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(streamlit), "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, proc, log)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def browser_page() -> Iterator[object]:
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    chromium = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium not found: apt-get install -y chromium chromium-driver")
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_journey_overview_week_data_page(server: str, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(server)
    page.get_by_role("heading", name="Overview").wait_for()
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Civilians killed")
    metric.wait_for()
    assert metric.locator('[data-testid="stMetricValue"]').inner_text() == "0"  # 2018-W11: no tolls
    page.locator('[data-testid="stPlotlyChart"]').nth(5).wait_for()
    page.screenshot(path=str(ARTIFACTS / "overview.png"), full_page=True)

    # Pick 2018-W10: two sources give 940 and 1,000 killed, shown as a range.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="ISO week").click()
    page.get_by_role("option", name="2018-W10 (5–11 Mar 2018)").click()
    page.get_by_text("940–1,000").wait_for()
    page.get_by_role("heading", name="Week 2018-W10 (5–11 Mar 2018)").wait_for()
    page.screenshot(path=str(ARTIFACTS / "overview_w10.png"), full_page=True)

    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Data").click()
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    page.get_by_role("heading", name="Imports").wait_for()
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_text("3 import(s), newest first").wait_for()
    page.wait_for_timeout(500)  # let the data grid paint before the screenshot
    page.screenshot(path=str(ARTIFACTS / "data.png"), full_page=True)

    outside = [url for url in requests if urlparse(url).scheme in {"http", "https", "ws", "wss"}
               and urlparse(url).hostname not in LOCAL_HOSTS]  # fmt: skip
    assert requests, "no requests were recorded"
    assert outside == [], f"the page reached beyond this machine: {outside}"
