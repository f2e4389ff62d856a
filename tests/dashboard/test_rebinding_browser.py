"""DNS rebinding against single-user mode, in a real browser (issue 13 item 4).

`streamlit run app.py` on loopback with the single-user opt-in (admin) and no accounts; Debian
chromium resolves evil.example to 127.0.0.1 (``--host-resolver-rules``), as a rebinding attacker's
DNS would. Opened as http://evil.example:PORT the app shows the login page and no Audit page;
opened as http://localhost:PORT on the same server it is the single-user app with the Audit page.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.migrate import upgrade
from tests.conftest import fresh_store_url
from tests.dashboard.test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[int]:
    """The app on a free loopback port, opted in to single-user mode as admin; yields the port."""
    url = fresh_store_url(tmp_path)
    upgrade(url)
    env = {"DATABASE_URL": url, "ACCESS_MONITOR_SINGLE_USER": "admin"}
    with serve_app(env, tmp_path / "streamlit.log") as port:
        yield port


@pytest.fixture
def rebinding_page() -> Iterator[object]:
    """A chromium page whose DNS maps evil.example to 127.0.0.1 (nothing leaves the machine)."""
    playwright_api = pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed"
    )
    chromium = str(CHROMIUM) if CHROMIUM.exists() else shutil.which("chromium")
    if chromium is None:
        pytest.skip("chromium not found: apt-get install -y chromium chromium-driver")
    args = [*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1, MAP *.evil.example 127.0.0.1"]
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=args)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1200})
            page.set_default_timeout(TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def test_a_rebinding_page_gets_the_login_page_not_the_audit_page(local_server: int, rebinding_page) -> None:  # type: ignore[no-untyped-def]
    page = rebinding_page
    for host in ("evil.example", "127.evil.example"):
        page.goto(f"http://{host}:{local_server}/audit")
        page.get_by_role("heading", name="Access Monitor: log in").wait_for()
        page.get_by_text("no accounts yet", exact=False).wait_for()  # rendered after the title
        assert page.get_by_role("heading", name="Audit and users").count() == 0
        assert page.locator('[data-testid="stSidebarNav"]').count() == 0

    # The same server, opened as this machine: single-user mode as the opt-in's admin.
    page.goto(f"http://localhost:{local_server}/audit")
    page.get_by_role("heading", name="Audit and users").wait_for()
    assert page.get_by_role("heading", name="Access Monitor: log in").count() == 0
