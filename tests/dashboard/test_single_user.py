"""Single-user mode (issue 13 item 4): only with the explicit opt-in, a loopback bind and a request that
names this machine (Host localhost / 127.0.0.1 / [::1] with the served port, no forwarding header).
A DNS-rebinding page (Host evil.example), '127.evil.example', another port or a proxy get the login
page. The decision function is tested directly, then through app.py with AppTest."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.session import SINGLE_USER_ENV, single_user_role
from tests.dashboard.conftest import _reset, _seed, _use
from tests.dashboard.seed import ROOT, Store

APP = str(ROOT / "app.py")
PORT = 8501
LOCAL = [("Host", f"localhost:{PORT}")]


@pytest.mark.parametrize("host", ["localhost:8501", "127.0.0.1:8501", "[::1]:8501", "LocalHost:8501"])
@pytest.mark.parametrize("address", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_a_local_request_with_the_opt_in_is_single_user(host: str, address: str) -> None:
    assert single_user_role("editor", address, PORT, [("host", host)])[0] == "editor"
    assert single_user_role(" Admin ", address, PORT, [("Host", host)])[0] == "admin"


@pytest.mark.parametrize(
    "host",
    [
        "evil.example:8501", "127.evil.example:8501", "localhost.evil.example:8501", "localhost:8502",
        "localhost", "127.0.0.1", "localhost:8501.evil.example", "user@localhost:8501", "127.0.0.1:08501",
        "[::1]", "::1:8501", "0.0.0.0:8501", "",
    ],
)  # fmt: skip
def test_a_hostile_host_gets_no_single_user_mode(host: str) -> None:
    role, why = single_user_role("admin", "127.0.0.1", PORT, [("Host", host)])
    assert role is None
    assert why == "the page was not opened as http://localhost:8501 (or 127.0.0.1, [::1])"  # nothing echoed


@pytest.mark.parametrize(
    "header",
    [("X-Forwarded-For", "203.0.113.7"), ("x-forwarded-host", "localhost:8501"),
     ("Forwarded", "for=203.0.113.7"), ("X-Real-IP", "203.0.113.7")],
)  # fmt: skip
def test_a_forwarded_request_gets_no_single_user_mode(header: tuple[str, str]) -> None:
    role, why = single_user_role("admin", "127.0.0.1", PORT, [*LOCAL, header])
    assert role is None and "proxy" in why


def test_two_host_headers_or_none_get_no_single_user_mode() -> None:
    assert single_user_role("admin", "127.0.0.1", PORT, [*LOCAL, ("Host", "evil.example:8501")])[0] is None
    assert single_user_role("admin", "127.0.0.1", PORT, [])[0] is None


@pytest.mark.parametrize(
    "address", ["127.evil.example", "0.0.0.0", "::", "", None, "10.0.0.5", "192.168.1.2"]
)
def test_a_server_beyond_loopback_gets_no_single_user_mode(address: str | None) -> None:
    role, why = single_user_role("admin", address, PORT, LOCAL)
    assert role is None and "listens beyond this computer" in why


@pytest.mark.parametrize("opt_in", [None, "", "  ", "yes", "true", "viewer", "root"])
def test_without_a_valid_opt_in_there_is_no_single_user_mode(opt_in: str | None) -> None:
    role, why = single_user_role(opt_in, "127.0.0.1", PORT, LOCAL)
    assert role is None and SINGLE_USER_ENV in why


def test_loopback_is_parsed_not_prefixed() -> None:
    assert all(
        session.is_loopback(a) for a in ("localhost", "LOCALHOST", "127.0.0.1", "127.9.9.9", "::1", "[::1]")
    )
    assert not any(session.is_loopback(a) for a in ("127.evil.example", "localhost.evil.example", "0.0.0.0",
                                                    "::", "", None, "1.2.3.4", "127.0.0.1.nip.io"))  # fmt: skip


# ---- through app.py ------------------------------------------------------------------------------


@pytest.fixture
def local_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    store = _seed(tmp_path / "local")
    _use(store.url, monkeypatch)
    yield store
    _reset(store.url)


def _run(monkeypatch: pytest.MonkeyPatch, opt_in: str | None, headers: list[tuple[str, str]]) -> AppTest:
    if opt_in is None:
        monkeypatch.delenv(SINGLE_USER_ENV, raising=False)
    else:
        monkeypatch.setenv(SINGLE_USER_ENV, opt_in)
    monkeypatch.setattr(session, "request_headers", lambda: headers)
    monkeypatch.setattr(session, "server_port", lambda: PORT)
    at = AppTest.from_file(APP, default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_no_opt_in_shows_the_login_page_and_how_to_start(
    local_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(monkeypatch, None, LOCAL)
    assert at.title[0].value == "Access Monitor: log in"
    warning = at.warning[0].value
    assert "no accounts yet" in warning and "cli users add NAME --role admin" in warning
    assert f"{SINGLE_USER_ENV}=editor" in warning and "single-user mode is off" in warning


@pytest.mark.parametrize(
    "headers",
    [[("Host", "evil.example:8501")], [("Host", "127.evil.example:8501")], [("Host", "localhost:9999")],
     [*LOCAL, ("X-Forwarded-For", "203.0.113.7")]],
)  # fmt: skip
def test_a_rebinding_page_or_a_proxy_gets_the_login_page(
    local_store: Store, monkeypatch: pytest.MonkeyPatch, headers: list[tuple[str, str]]
) -> None:
    at = _run(monkeypatch, "admin", headers)
    assert at.title[0].value == "Access Monitor: log in"
    assert at.text_input(key="login_password") is not None
    at.switch_page("dashboard/pages/audit.py").run()  # straight to the page: refused all the same
    assert [t.value for t in at.title] == ["Access Monitor: log in"] and not at.dataframe


def test_the_local_actor_is_an_editor_unless_the_opt_in_says_admin(
    local_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = _run(monkeypatch, "editor", LOCAL)
    assert at.title[0].value == "Overview"
    assert "(editor): single-user mode" in "\n".join(c.value for c in at.sidebar.caption)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("dashboard/pages/audit.py")
    at.switch_page("dashboard/pages/import.py").run()
    assert not at.exception and at.title[0].value == "Import"

    at = _run(monkeypatch, "admin", [("Host", f"[::1]:{PORT}")])
    assert "(admin): single-user mode" in "\n".join(c.value for c in at.sidebar.caption)
    at.switch_page("dashboard/pages/audit.py").run()
    assert not at.exception and at.title[0].value == "Audit and users"
