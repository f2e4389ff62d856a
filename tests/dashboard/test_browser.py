"""A real-browser journey: `streamlit run app.py` on a seeded temp store, driven by Debian chromium.

Open the app, see the Overview and a metric, change the week, open a report on the Documents page
and see its facts highlighted, upload a file on the Import page, see the Map and the Data page.
Every request the page makes must stay on this machine (no fonts, icons or telemetry from a CDN).
Screenshots go to tests/artifacts/ (gitignored).
"""

from __future__ import annotations

import contextlib
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

from db.writer import write_import
from loaders.registry import load_file
from tests.conftest import EDITOR, fresh_store_url
from tests.dashboard.seed import ROOT, SEED_FILES, import_csv

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


REPORT = """title: Aid reaches Douma
publisher: test agency
published: 2018-03-07

A convoy of 25 trucks run by the UN and the Syrian Arab Red Crescent reached Douma on 6 March with
food for 27,500 people, the UN said. Medical supplies were removed from the trucks at a checkpoint.
"""

UPLOAD = "period_start,period_end,place,admin1,killed,sources\n2018-03-12,2018-03-18,Harasta,Rural Damascus,12,SNHR\n"


@pytest.fixture(scope="module")
def journey_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, int]:
    """The seed tables plus one prose report; returns the store URL and the report's import id."""
    folder = tmp_path_factory.mktemp("journey")
    url = fresh_store_url(folder)
    for name, text in SEED_FILES.items():
        import_csv(folder, name, text, url)
    report = folder / "douma-report.txt"
    report.write_text(REPORT, encoding="utf-8")
    summary = write_import(load_file(report), actor=EDITOR, url=url)
    assert summary.added >= 1
    return url, int(summary.import_id or 0)


@contextlib.contextmanager
def serve_app(env: dict[str, str], log: Path) -> Iterator[int]:
    """app.py served by Streamlit on a free loopback port with ``env`` added to this environment;
    yields the port once it answers, and stops the server after."""
    port = _free_port()
    full_env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **env}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("streamlit")), "run", "app.py", "--server.port", str(port),
             "--server.address", "127.0.0.1", "--server.headless", "true", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc, log)
        yield port
    finally:
        # Shown by pytest only when the test failed: what the server said.
        print(f"--- streamlit log ({log}) ---\n{log.read_text(errors='replace')[-4000:]}")
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def server(journey_store: tuple[str, int], tmp_path: Path) -> Iterator[str]:
    """The app served on a free local port against the journey store; yields its base URL."""
    env = {"DATABASE_URL": journey_store[0], "ACCESS_MONITOR_SINGLE_USER": "editor"}
    with serve_app(env, tmp_path / "streamlit.log") as port:
        yield f"http://127.0.0.1:{port}"


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


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(500)  # let grids and charts paint before the screenshot
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _go(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()


def _journey(page, server: str, report_import: int) -> None:  # type: ignore[no-untyped-def]
    """Overview, a week's range, a report's highlights, an upload, the Map and the Data page."""
    page.goto(server)
    page.get_by_role("heading", name="Overview").wait_for()
    killed = page.locator('[data-testid="stMetric"]').filter(has_text="Civilians killed")
    killed.wait_for()
    page.locator('[data-testid="stPlotlyChart"]').nth(5).wait_for()
    _shot(page, "overview")

    # Pick 2018-W10: two sources give 940 and 1,000 killed, shown as a range.
    page.locator('[data-testid="stSelectbox"]').filter(has_text="ISO week").click()
    page.get_by_role("option", name="2018-W10 (5–11 Mar 2018)").click()
    page.get_by_role("heading", name="Week 2018-W10 (5–11 Mar 2018)").wait_for()
    value = killed.locator('[data-testid="stMetricValue"]')
    page.wait_for_function("el => el.innerText === '940–1,000'", arg=value.element_handle())
    _shot(page, "overview_w10")

    # A report opens with its extracted facts highlighted.
    page.goto(f"{server}/documents?import={report_import}")
    page.get_by_role("heading", name="Documents").wait_for()
    page.locator("mark").filter(has_text="25 trucks").first.wait_for()
    _shot(page, "documents_report")

    # Upload a file in the browser and read the summary.
    _go(page, "Import")
    page.get_by_role("heading", name="Import").wait_for()
    page.locator('input[type="file"]').set_input_files(
        files=[{"name": "harasta-tolls.csv", "mimeType": "text/csv", "buffer": UPLOAD.encode()}]
    )
    page.get_by_text("harasta-tolls.csv").first.wait_for()
    # The button is enabled by the rerun that received the file: a click before it would be lost.
    import_button = page.get_by_role("button", name="Import", exact=True)
    page.wait_for_function("el => !el.disabled", arg=import_button.element_handle())
    import_button.click()
    page.get_by_text("added", exact=False).first.wait_for()
    _shot(page, "import")

    _go(page, "Map")
    page.get_by_role("heading", name="Map").wait_for()
    page.locator('[data-testid="stPlotlyChart"]').first.wait_for()
    page.wait_for_timeout(3000)  # the map draws its layers after the chart element appears
    _shot(page, "map")

    _go(page, "Data")
    page.get_by_role("heading", name="Data", exact=True).wait_for()
    page.get_by_role("heading", name="Imports").wait_for()
    page.get_by_text("harasta-tolls.csv").first.wait_for()
    _shot(page, "data")


def test_journey(server: str, journey_store: tuple[str, int], browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    try:
        _journey(page, server, journey_store[1])
    except Exception:
        _shot(page, "failure")  # what the browser showed when a step failed (tests/artifacts)
        raise

    outside = [url for url in requests if urlparse(url).scheme in {"http", "https", "ws", "wss"}
               and urlparse(url).hostname not in LOCAL_HOSTS]  # fmt: skip
    assert requests, "no requests were recorded"
    assert outside == [], f"the page reached beyond this machine: {outside}"
