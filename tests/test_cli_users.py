"""`python -m cli users ...` with passwords on stdin, and other commands once accounts exist."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import cli
from db import auth
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
    _stdin(monkeypatch, "root-password\n")
    assert cli.main(["users", "add", "root", "--role", "admin"]) == 0
    assert "Account 'root' created with the admin role" in capsys.readouterr().out
    assert auth.authenticate("root", "root-password").role == "admin"

    # From now on, commands need --user and the password.
    _stdin(monkeypatch, "bob-password\n")
    assert cli.main(["users", "add", "bob", "--role", "viewer"]) == 1
    assert "say who you are with --user NAME" in capsys.readouterr().err
    assert cli.main(["--user", "root", "users", "add", "bob", "--role", "viewer"]) == 1
    assert "no password for 'root'" in capsys.readouterr().err
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "root-password")
    _stdin(monkeypatch, "bob-password\n")
    assert cli.main(["--user", "root", "users", "add", "bob", "--role", "viewer"]) == 0

    assert cli.main(["--user", "root", "users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "root" in listing and "bob" in listing and "viewer" in listing and "never" in listing

    # A viewer may not import nor manage accounts; the refusal names the role to ask for.
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "bob-password")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 1
    assert "viewer 'bob' may not import files; ask an admin for the editor role" in capsys.readouterr().err
    assert cli.main(["--user", "bob", "users", "list"]) == 1

    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "root-password")
    assert cli.main(["--user", "root", "users", "set-role", "bob", "editor"]) == 0
    assert "'bob' is now editor" in capsys.readouterr().out
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "bob-password")
    assert cli.main(["--user", "bob", "ingest", str(TOLLS)]) == 0
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "root-password")
    assert cli.main(["--user", "root", "users", "disable", "bob"]) == 0
    monkeypatch.setenv("ACCESS_MONITOR_PASSWORD", "bob-password")
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
    auth.add_user("root", "root-password", "admin", actor=ADMIN)
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
    assert "at least 8 characters" in capsys.readouterr().err
    assert auth.account_count() == 0
