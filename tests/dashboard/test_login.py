"""Single-user mode versus login (AppTest through app.py), sessions, menus per role, and cached
results that must not carry pending facts from an editor to a viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import dashboard.data as data
from dashboard import review_data, session
from dashboard.session import SESSION_KEY
from db import auth, throttle
from db.auth import Actor
from db.trends import Selection
from db.writer import write_import
from tests.conftest import ADMIN, EDITOR
from tests.dashboard.conftest import PASSWORD, _reset, _seed, _use, login
from tests.dashboard.seed import ROOT, Store
from tests.db.test_review import report_result

APP = str(ROOT / "app.py")


@pytest.fixture
def team_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    """A seeded store of this test's own: these tests add accounts (the shared seeded store has none)."""
    store = _seed(tmp_path / "team")
    _use(store.url, monkeypatch)
    yield store
    _reset(store.url)


def _app() -> AppTest:
    return AppTest.from_file(APP, default_timeout=30)


def _captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.sidebar.caption)


def test_no_accounts_on_loopback_runs_without_login(team_store: Store) -> None:
    at = _app().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"
    assert "single-user mode: no accounts, local only" in _captions(at)
    assert not at.get("text_input") or all(t.key != "login_password" for t in at.text_input)


def test_no_accounts_beyond_loopback_requires_login(
    team_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(session, "server_address", lambda: "0.0.0.0")
    at = _app().run()
    assert at.title[0].value == "Access Monitor: log in"
    assert "no accounts yet" in at.warning[0].value and "cli users add" in at.warning[0].value
    assert at.text_input(key="login_password") is not None


def test_an_account_means_login_then_pages(team_store: Store) -> None:
    auth.add_user("amal", PASSWORD, "editor", actor=ADMIN, url=team_store.url)
    at = _app().run()
    assert at.title[0].value == "Access Monitor: log in"
    at.text_input(key="login_name").input("amal")
    at.text_input(key="login_password").input("wrong password")
    at.button[0].click().run()
    assert "unknown user or wrong password" in at.error[0].value
    assert at.title[0].value == "Access Monitor: log in"
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview"
    assert "Logged in as **amal** (editor)" in at.sidebar.caption[0].value
    actions = list(auth.audit_events(ADMIN, url=team_store.url)["action"])
    assert actions[:2] == ["login", "login_failed"]
    at.button(key="auth_logout").click().run()
    assert at.title[0].value == "Access Monitor: log in"
    assert auth.audit_events(ADMIN, url=team_store.url)["action"][0] == "logout"


def test_an_expired_session_asks_to_log_in_again(team_store: Store) -> None:
    at = login(_app(), team_store.url, "amal", "editor", minutes=60)
    at.session_state[SESSION_KEY] = {**at.session_state[SESSION_KEY],
                                     "expires": dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)}  # fmt: skip
    at.run()
    assert at.title[0].value == "Access Monitor: log in"
    assert "session expired" in at.info[0].value


def test_session_length_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ACCESS_MONITOR_SESSION_MINUTES", "30")
    assert session.session_minutes() == 30
    monkeypatch.setenv("ACCESS_MONITOR_SESSION_MINUTES", "forever")
    assert session.session_minutes() == 480


def test_a_disabled_account_is_logged_out_at_once(team_store: Store) -> None:
    at = login(_app(), team_store.url, "amal", "editor").run()
    assert at.title[0].value == "Overview"
    auth.add_user("root", PASSWORD, "admin", actor=ADMIN, url=team_store.url)
    auth.disable_user("amal", actor=ADMIN, url=team_store.url)
    at.run()
    assert at.title[0].value == "Access Monitor: log in"


@pytest.mark.parametrize(
    ("role", "hidden", "shown"),
    [
        ("viewer", {"import.py", "review.py", "audit.py"}, {"overview.py", "report.py", "data.py"}),
        ("editor", {"audit.py"}, {"import.py", "review.py"}),
        ("admin", set(), {"import.py", "review.py", "audit.py"}),
    ],
)
def test_the_menu_follows_the_role(team_store: Store, role: str, hidden: set[str], shown: set[str]) -> None:
    at = login(_app(), team_store.url, f"{role}1", role).run()
    for page in hidden:
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(f"dashboard/pages/{page}")
    for page in shown:
        at.switch_page(f"dashboard/pages/{page}").run()
        assert not at.exception, (page, [e.value for e in at.exception])


def test_a_viewer_gets_the_public_report_only(team_store: Store) -> None:
    at = login(_app(), team_store.url, "vera", "viewer").run()
    at.switch_page("dashboard/pages/report.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="report_variant").options == ["public"]
    assert "public variant" in "\n".join(c.value for c in at.caption)


def test_a_viewer_gets_no_pending_checkbox_nor_merge_form(team_store: Store) -> None:
    at = login(_app(), team_store.url, "vera", "viewer").run()
    assert all(c.key != "filters_include_pending" for c in at.sidebar.checkbox)
    at.switch_page("dashboard/pages/data.py").run()
    assert "Merging places needs the editor role" in "\n".join(c.value for c in at.caption)


def test_the_admin_page_lists_the_log_and_adds_accounts(team_store: Store) -> None:
    at = login(_app(), team_store.url, "root", "admin").run()
    at.switch_page("dashboard/pages/audit.py").run()
    assert not at.exception, [e.value for e in at.exception]
    at.text_input(key="audit_new_name").input("newbie")
    at.text_input(key="audit_new_password").input("orange kites at noon")
    at.selectbox(key="audit_new_role").set_value("viewer")
    at.button(key="FormSubmitter:audit_add_user-Add account").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert auth.current_role("newbie", team_store.url) == "viewer"
    assert "done" in at.success[0].value
    log = at.dataframe[-1].value
    assert list(log["action"][:1]) == ["user_add"] and log["user"].iloc[0] == "root"
    at.text_input(key="audit_user").input("root").run()
    assert set(at.dataframe[-1].value["user"]) == {"root"}


# ---- cached results across roles -------------------------------------------------------------------


@pytest.fixture
def pending_store(empty_store: Store) -> Store:
    write_import(report_result(), actor=EDITOR, url=empty_store.url)  # three pending facts (no table facts)
    return empty_store


def test_cached_pending_facts_never_reach_a_viewer(
    pending_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = Selection(dt.date(2018, 1, 1), dt.date(2018, 12, 31), include_pending=True)
    monkeypatch.setattr(data, "current_actor", lambda: Actor("ed", "editor"))
    editor = (data.convoy_facts(everything), data.toll_rows(everything), review_data.pending_facts())
    assert [len(f) for f in editor] == [1, 1, 3]  # the editor's results are now cached
    fact_id = int(editor[2]["id"].iloc[0])
    assert (
        review_data.fact_detail(fact_id) is not None
        and len(review_data.document_facts(int(editor[2]["import_id"][0]))) == 3
    )

    monkeypatch.setattr(data, "current_actor", lambda: Actor("vera", "viewer"))
    viewer = (data.convoy_facts(everything), data.toll_rows(everything), review_data.pending_facts())
    assert [len(f) for f in viewer] == [0, 0, 0]  # asked for pending facts all the same: none
    assert review_data.fact_detail(fact_id) is None
    assert review_data.document_facts(int(editor[2]["import_id"][0])).empty
    assert data.trend_overview(everything)["convoys"].sum() == 0
    assert data.weekly_overview(dt.date(2018, 3, 12), 4, include_pending=True)["convoys"].sum() == 0

    monkeypatch.setattr(data, "current_actor", lambda: Actor("ed", "editor"))
    assert len(data.convoy_facts(everything)) == 1  # and the viewer's result does not hide them from editors


# ---- throttling, password change, reset and enable (issue 13 items 5 and 15) ------------------------


def test_the_login_form_is_throttled(team_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    now = [dt.datetime(2026, 12, 8, 12, 0, 0)]
    monkeypatch.setattr(throttle, "clock", lambda: now[0])
    auth.add_user("amal", PASSWORD, "editor", actor=ADMIN, url=team_store.url)
    at = _app().run()
    for attempt in range(5):
        at.text_input(key="login_name").input("amal")
        at.text_input(key="login_password").input(f"guess {attempt}")
        at.button[0].click().run()
        assert "unknown user or wrong password" in at.error[0].value
        now[0] += dt.timedelta(seconds=10)
    at.text_input(key="login_name").input("amal")
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Access Monitor: log in"
    assert "too many failed logins for 'amal'" in at.error[0].value and "12:01:40 UTC" in at.error[0].value
    now[0] += dt.timedelta(minutes=2)
    at.text_input(key="login_password").input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Overview"


def _form_login(name: str, password: str) -> AppTest:
    at = _app().run()
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[0].click().run()
    assert at.title[0].value == "Overview", [e.value for e in at.error]
    return at


def test_a_password_reset_ends_the_sessions_opened_with_the_old_one(team_store: Store) -> None:
    auth.add_user("amal", PASSWORD, "editor", actor=ADMIN, url=team_store.url)
    at = _form_login("amal", PASSWORD)
    assert at.run().title[0].value == "Overview"
    auth.reset_password("amal", "a clean slate today", actor=ADMIN, url=team_store.url)
    assert at.run().title[0].value == "Access Monitor: log in"


def test_a_user_changes_their_password_in_the_sidebar(team_store: Store) -> None:
    auth.add_user("amal", PASSWORD, "editor", actor=ADMIN, url=team_store.url)
    other = _form_login("amal", PASSWORD)  # the same user in another browser
    at = _form_login("amal", PASSWORD)
    at.text_input(key="auth_pw_old").input(PASSWORD)
    at.text_input(key="auth_pw_new").input("amal2026")
    at.text_input(key="auth_pw_again").input("amal2026")
    at.button(key="FormSubmitter:auth_password_form-Change password").click().run()
    assert "too short" in at.sidebar.error[0].value
    for key, value in (("old", PASSWORD), ("new", "a fresh new sentence"), ("again", "a fresh new sentence")):
        at.text_input(key=f"auth_pw_{key}").input(value)
    at.button(key="FormSubmitter:auth_password_form-Change password").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Password changed" in at.sidebar.success[0].value
    assert auth.authenticate("amal", "a fresh new sentence", url=team_store.url).name == "amal"
    assert at.run().title[0].value == "Overview"  # this session goes on
    assert other.run().title[0].value == "Access Monitor: log in"  # the other one ends


def test_an_admin_resets_a_password_and_enables_an_account(team_store: Store) -> None:
    auth.add_user("amal", PASSWORD, "editor", actor=ADMIN, url=team_store.url)
    auth.add_user("other-admin", PASSWORD, "admin", actor=ADMIN, url=team_store.url)
    auth.disable_user("amal", actor=ADMIN, url=team_store.url)
    at = login(_app(), team_store.url, "root", "admin").run()
    at.switch_page("dashboard/pages/audit.py").run()
    at.selectbox(key="audit_reset_name").set_value("amal")
    at.text_input(key="audit_reset_password").input("a clean slate today")
    at.button(key="FormSubmitter:audit_reset-Reset password").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "done" in at.success[0].value
    assert at.selectbox(key="audit_enable_name").options == ["amal"]
    at.selectbox(key="audit_enable_name").set_value("amal")
    at.button(key="FormSubmitter:audit_enable-Enable (may log in again)").click().run()
    assert "done" in at.success[0].value
    assert auth.authenticate("amal", "a clean slate today", url=team_store.url).role == "editor"
    actions = list(auth.audit_events(ADMIN, url=team_store.url)["action"])
    assert actions.index("user_enable") < actions.index("password_reset")  # newest first
