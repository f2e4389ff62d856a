"""The hostile store in a real browser (issue 13, item 6): `streamlit run app.py` on a store whose
every text field is Markdown or HTML, driven by Debian chromium. On every page: the payloads show as
text, the DOM holds no <img> or <a> they made, and the browser asks nothing of any other host."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from db.auth import Actor, add_user
from tests.conftest import fresh_store_url
from tests.dashboard.hostile import seed
from tests.dashboard.test_browser import LOCAL_HOSTS, _go, serve_app
from tests.dashboard.test_browser import browser_page as browser_page  # the fixture, shared

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple 42"
PAGES = [("Overview", "overview"), ("Convoys", "convoys"), ("Besieged populations", "besieged"),
         ("Civilian tolls", "tolls"), ("Map", "map"), ("Review", "review"), ("Documents", "documents"),
         ("Data", "data"), ("Audit and users", "audit")]  # fmt: skip
# What the payloads would add to the DOM if they rendered: an image, a link, an event handler.
LIVE = """() => [
  ...[...document.querySelectorAll('img')].map(e => e.getAttribute('src') || '')
     .filter(s => s === 'x' || s.includes('127.0.0.1:9') || s.includes('evil')).map(s => 'img ' + s),
  ...[...document.querySelectorAll('a[href]')].map(e => e.getAttribute('href'))
     .filter(h => new URL(h, location.href).origin !== location.origin).map(h => 'a ' + h),
  ...[...document.querySelectorAll('[onerror], [onload], [onclick]')].map(e => 'handler on ' + e.tagName),
]"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("hostile-browser")
    url = fresh_store_url(folder)
    seed(folder / "files", url)
    add_user(
        "admin", PASSWORD, "admin", actor=Actor("test-setup", "admin"), url=url
    )  # a login, as on a team server
    with serve_app({"DATABASE_URL": url}, folder / "streamlit.log") as port:
        yield f"http://127.0.0.1:{port}"


def test_hostile_text_stays_text_in_the_browser(hostile_server: str, browser_page) -> None:  # type: ignore[no-untyped-def]
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(hostile_server)
    page.get_by_role("textbox", name="User name").fill("admin")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Overview").wait_for()
    found: dict[str, list[str]] = {}
    for title, path in PAGES:  # by the menu: a reload would start a new session, logged out
        _go(page, title)
        page.get_by_role("heading", name=title, exact=True).wait_for()
        page.wait_for_timeout(2500)  # charts and tables paint after the heading
        found[path] = page.evaluate(LIVE)
    assert found == {path: [] for _, path in PAGES}
    # The payloads are on the pages, as text: the Overview's alert names the blocked convoy's place.
    _go(page, "Overview")
    page.get_by_role("heading", name="Alerts").wait_for()
    page.get_by_text("[Session expired, log in again](http", exact=False).first.wait_for()
    outside = {urlparse(u).hostname for u in requests if urlparse(u).scheme in ("http", "https", "ws", "wss")}
    assert outside <= LOCAL_HOSTS, sorted(str(h) for h in outside - LOCAL_HOSTS)
    assert not [u for u in requests if ":9/" in u or "evil" in u]
