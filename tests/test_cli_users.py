"""`python -m cli users ...` with passwords on stdin, and other commands once accounts exist."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import text

import cli
from db import auth, throttle
from db.engine import write_engine
from tests.conftest import ADMIN

TABLES = Path(__file__).resolve().parent / "fixtures" / "inputs" / "tables"
TOLLS = TABLES / "tolls_cp1256_tab.csv"


def _stdin(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(text))  # not a TTY: one line is the password


def test_users_lifecycle(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACCESS_MONITOR_PASSWORD", raising=False)
    # Single-user mode: the local admin creates the first account, no login needed.
    _stdin(monkeypatch, "silver birch morning\n")
    assert cli.main(["users", "add", "root", "--role", "admin"]) == 0
    assert "Account 'root' created with the admin role" in capsys.readouterr().out
    assert auth.authenticate("root", "silver birch morning").role == "admin"

    # From now on, commands need --user and the password.
    _stdin(monkeypatch, "lemon tree at dusk\n")
    assert cli.main(["users", "add", "bob", "--role", "viewer"]) == 1
    assert "say who you are with --user NAME" in capsys.readouterr().err
    assert cli.main(["--user", "root", "users", "add", "bob", "--role", "viewer"]) == 1
    assert "no password for 'root'" in capsys.readouterr().err
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "silver birch morning")
    _stdin(monkeypatch, "lemon tree at dusk\n")
    assert cli.main(["--user", "root", "users", "add", "bob", "--role", "viewer"]) == 0

    assert cli.main(["--user", "root", "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "root" in listing and "bob" in listing and "viewer" in listing and "never" in listing

    # A viewer may not import nor manage accounts; the refusal names the role to ask for.
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "lemon tree at dusk")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 1
    assert "viewer 'bob' may not import files; ask an admin for the editor role" in capsys.readouterr().err
    assert cli.main(["--user", "bob", "users", "list"]) == 1

    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "silver birch morning")
    assert cli.main(["--user", "root", "users", "set-role", "bob", "editor"]) == 0
    assert "'bob' is now editor" in capsys.readouterr().out
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "lemon tree at dusk")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 0
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "silver birch morning")
    assert cli.main(["--user", "root", "users", "disable", "bob"]) == 0
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "lemon tree at dusk")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 1
    assert "'bob' is disabled" in capsys.readouterr().err

    actions = list(auth.audit_events(ADMIN)["action"])[::-1]
    assert [a for a in actions if a in {"user_add", "role_change", "user_disable", "import"}] == [
        "user_add", "user_add", "role_change", "import", "user_disable",
    ]  # fmt: skip
    assert actions.count("login_failed") == 1


def test_a_wrong_password_is_refused_and_audited(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.add_user("root", "silver birch morning", "admin", actor=ADMIN)
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "not-it")
    assert cli.main(["--user", "root", "export", "--week", "2018-W10", "--format", "csv", "--out", "x"]) == 1
    assert "unknown user or wrong password" in capsys.readouterr().err
    assert auth.audit_events(ADMIN, action="login_failed")["user"].tolist() == ["root"]


def test_single_user_mode_records_the_given_name(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--user", "amal", "ingest", str(TOLLS)]) == 0
    assert auth.audit_events(ADMIN, action="import")["user"].tolist() == ["amal"]


def test_a_short_new_password_creates_nothing(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _stdin(monkeypatch, "short\n")
    assert cli.main(["users", "add", "root", "--role", "admin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err
    assert auth.account_count() == 0


def test_passwd_reset_and_enable(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.add_user("root", "silver birch morning", "admin", actor=ADMIN)
    auth.add_user("bob", "lemon tree at dusk", "editor", actor=ADMIN)
    # bob changes his own password: the old one from the environment, the new one on stdin.
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "not bob's password")
    _stdin(monkeypatch, "a fresh new sentence\n")
    assert cli.main(["--user", "bob", "users", "passwd"]) == 1
    assert "unknown user or wrong password" in capsys.readouterr().err
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "lemon tree at dusk")
    _stdin(monkeypatch, "password2024\n")
    assert cli.main(["--user", "bob", "users", "passwd"]) == 1
    assert "too common" in capsys.readouterr().err
    _stdin(monkeypatch, "a fresh new sentence\n")
    assert cli.main(["--user", "bob", "users", "passwd"]) == 0
    assert "Password of 'bob' changed" in capsys.readouterr().out
    assert auth.authenticate("bob", "a fresh new sentence").name == "bob"

    # Only an admin resets and enables; a reset lifts bob's lock after five wrong passwords.
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "a fresh new sentence")
    _stdin(monkeypatch, "set by bob himself\n")
    assert cli.main(["--user", "bob", "users", "reset", "root"]) == 1
    assert "may not manage accounts" in capsys.readouterr().err
    monkeypatch.setattr(
        throttle, "wait_after", lambda failures, lock_after: throttle.FIRST_LOCK * (failures >= 5)
    )
    for _ in range(5):
        with pytest.raises(auth.AuthError):
            auth.authenticate("bob", "a wrong guess here")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 1
    assert "too many failed logins for 'bob'" in capsys.readouterr().err
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "silver birch morning")
    _stdin(monkeypatch, "a clean slate today\n")
    assert cli.main(["--user", "root", "users", "reset", "bob"]) == 0
    assert "'bob' has a new password" in capsys.readouterr().out
    assert auth.authenticate("bob", "a clean slate today").name == "bob"
    assert cli.main(["--user", "root", "users", "disable", "bob"]) == 0
    assert cli.main(["--user", "root", "users", "enable", "bob"]) == 0
    assert "'bob' may log in again" in capsys.readouterr().out
    assert cli.main(["--user", "root", "users", "enable", "bob"]) == 0
    assert "'bob' was not disabled" in capsys.readouterr().out
    actions = list(auth.audit_events(ADMIN)["action"])[::-1]
    assert [a for a in actions if a.startswith(("password", "user_"))] == [
        "user_add", "user_add", "password_change", "password_reset", "user_disable", "user_enable",
    ]  # fmt: skip


def test_the_cli_is_throttled_per_os_login(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.add_user("root", "silver birch morning", "admin", actor=ADMIN)
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "not the password")
    assert cli.main(["--user", "root", "users", "list"]) == 1
    with write_engine(store_url).connect() as conn:
        keys = set(conn.execute(text("SELECT key FROM login_throttle")).scalars())
    assert keys == {"name:root", f"client:os:{auth.os_user()}"}
