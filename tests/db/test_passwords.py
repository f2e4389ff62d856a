"""The password policy (db.passwords) and the account changes around it (db.auth): the passwords issue 13
item 15 found accepted are refused; a user changes their own password with the old one, an admin
resets a forgotten one and enables a disabled account again, each with an audit line."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from db import auth, passwords
from db.auth import Actor, AuthError, PermissionDenied
from db.engine import write_engine
from tests.conftest import ADMIN

GOOD = "lemon tree at dusk"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 8, "too short"), ("12345678", "too short"), ("password", "too short"),
        (" " * 14, "only spaces"), ("aaaaaaaaaaaaaa", "too few characters"), ("abababababab", "too few"),
        ("123456789012", "too common"), ("qwertyuiopasdf", "too common"), ("passwordpassword", "too common"),
        ("Password2024!", "too common"), ("P@ssw0rd123456", "too common"), ("iloveyou12345", "too common"),
        ("!!Welcome123!!", "too common"), ("0987654321098", "too common"), ("Humanitarian2026", "too common"),
        ("amal-is-the-best", "account name"), ("AMAL the editor", "account name"),
    ],
)  # fmt: skip
def test_weak_passwords_are_refused(store_url: str, password: str, why: str) -> None:
    assert why in (passwords.problem(password, "amal") or "")
    with pytest.raises(AuthError, match=why):
        auth.add_user("amal", password, "editor", actor=ADMIN)
    assert auth.account_count() == 0


@pytest.mark.parametrize("password", [GOOD, "correct horse battery", "s3cret-passphrase", "Zq8#mT4!vR2w"])
def test_ordinary_strong_passwords_pass(password: str) -> None:
    assert passwords.problem(password, "amal") is None


def test_the_policy_is_one_number_and_one_list() -> None:
    assert auth.MIN_PASSWORD == passwords.MIN_PASSWORD == 12
    common = passwords.common_passwords()
    assert len(common) > 400 and {"password", "123456", "qwerty", "iloveyou"} <= common
    assert all(entry == entry.lower() and entry.strip() == entry for entry in common)
    # a two-letter name is only refused as the whole password, not inside every sentence
    assert passwords.problem("my own long phrase", "ow") is None and passwords.problem("Ow", "ow") is not None


def _hash(url: str, name: str) -> str:
    with write_engine(url).connect() as conn:
        return str(
            conn.execute(text("SELECT password_hash FROM users WHERE name = :n"), {"n": name}).scalar_one()
        )


def test_a_user_changes_their_own_password(store_url: str) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    with pytest.raises(AuthError, match="unknown user or wrong password"):
        auth.change_password("amal", "not the old one", "a fresh new sentence")
    with pytest.raises(AuthError, match="too common"):
        auth.change_password("amal", GOOD, "Password12345")
    with pytest.raises(AuthError, match="is the old one"):
        auth.change_password("amal", GOOD, GOOD)
    assert PasswordHasher().verify(_hash(store_url, "amal"), GOOD)
    auth.change_password("amal", GOOD, "a fresh new sentence")
    assert auth.authenticate("amal", "a fresh new sentence") == Actor("amal", "editor")
    with pytest.raises(AuthError):
        auth.authenticate("amal", GOOD)
    changes = auth.audit_events(ADMIN, action="password_change")
    assert list(changes["user"]) == ["amal"] and list(changes["target"]) == ["amal"]
    assert "a fresh new sentence" not in str(auth.audit_events(ADMIN).to_dict())


def test_an_admin_resets_a_password_and_enables_an_account(store_url: str) -> None:
    auth.add_user("amal", GOOD, "editor", actor=ADMIN)
    with pytest.raises(PermissionDenied, match="may not manage accounts"):
        auth.reset_password("amal", "set by an editor", actor=Actor("ed", "editor"))
    with pytest.raises(AuthError, match="too short"):
        auth.reset_password("amal", "short", actor=ADMIN)
    with pytest.raises(AuthError, match="no account called 'ghost'"):
        auth.reset_password("ghost", "a fresh new sentence", actor=ADMIN)
    auth.reset_password("amal", "a fresh new sentence", actor=ADMIN)
    assert auth.authenticate("amal", "a fresh new sentence").role == "editor"

    assert auth.disable_user("amal", actor=ADMIN) is True
    with pytest.raises(AuthError, match="is disabled"):
        auth.authenticate("amal", "a fresh new sentence")
    with pytest.raises(PermissionDenied):
        auth.enable_user("amal", actor=Actor("ed", "editor"))
    assert auth.enable_user("amal", actor=ADMIN) is True
    assert auth.enable_user("amal", actor=ADMIN) is False  # enabled already: nothing written
    assert auth.authenticate("amal", "a fresh new sentence").role == "editor"
    log = auth.audit_events(ADMIN)
    mine = log[log["action"].isin(["password_reset", "user_disable", "user_enable"])]
    assert list(mine["action"])[::-1] == ["password_reset", "user_disable", "user_enable"]
    assert set(mine["user"]) == {"admin"} and set(mine["target"]) == {"amal"}
