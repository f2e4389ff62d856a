"""Issue 13 item 1: a restore replaces the data, never the accounts.

The attack: an old backup brought back disabled accounts, undid role changes, dropped accounts made
since, and a backup made before the first account left zero accounts (login switched off).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from db.auth import disable_user, set_role
from db.backup import BackupError, backup, restore
from tests.db.restore_helpers import (
    ADMIN,
    add_accounts,
    backup_dir,
    counts,
    ingest,
    needs_pg_tools,
    query,
    users,
)

__all__ = ["backup_dir"]  # the autouse fixture, imported to be collected


@needs_pg_tools
def test_restore_keeps_disabled_accounts_roles_and_new_accounts(store_url: str, tmp_path: Path) -> None:
    add_accounts(store_url, ("root", "admin"), ("amal", "editor"), ("omar", "viewer"))
    ingest(tmp_path, "before", store_url)
    file = tmp_path / "old.backup"
    backup(file, actor=ADMIN, url=store_url)
    backed_up = counts(store_url)
    # After the backup: an account disabled, a role lowered, an account added, more data.
    disable_user("amal", actor=ADMIN, url=store_url)
    set_role("omar", "editor", actor=ADMIN, url=store_url)
    add_accounts(store_url, ("nadia", "viewer"))
    ingest(tmp_path, "after", store_url, seed=3)
    live_accounts = users(store_url)

    info = restore(file, actor=ADMIN, url=store_url)

    assert users(store_url) == live_accounts  # hashes, roles, disabled flags, ids: all the live ones
    assert counts(store_url) == backed_up  # the data is the backup's
    assert info.accounts == len(live_accounts) == 4
    assert query(store_url, "SELECT disabled FROM users WHERE name = 'amal'") == [(True,)]
    assert query(store_url, "SELECT role FROM users WHERE name = 'omar'") == [("editor",)]


@needs_pg_tools
def test_a_backup_without_accounts_never_switches_login_off(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "no-accounts-yet", store_url)
    file = tmp_path / "before-accounts.backup"
    backup(file, actor=ADMIN, url=store_url)
    add_accounts(store_url, ("root", "admin"))
    live_accounts = users(store_url)

    restore(file, actor=ADMIN, url=store_url)  # by default the live accounts stay
    assert users(store_url) == live_accounts

    # Taking the backup's accounts would leave none: refused, nothing changed, unless said twice.
    ingest(tmp_path, "later", store_url, seed=5)
    before = counts(store_url)
    with pytest.raises(BackupError, match=r"switch login off.*--allow-no-accounts"):
        restore(file, actor=ADMIN, url=store_url, accounts_from_backup=True)
    assert users(store_url) == live_accounts and counts(store_url) == before
    restore(file, actor=ADMIN, url=store_url, accounts_from_backup=True, allow_no_accounts=True)
    assert users(store_url) == []


@needs_pg_tools
def test_accounts_from_backup_takes_the_backups_accounts(store_url: str, tmp_path: Path) -> None:
    add_accounts(store_url, ("root", "admin"), ("amal", "editor"))
    file = tmp_path / "with-accounts.backup"
    backup(file, actor=ADMIN, url=store_url)
    backed_up = users(store_url)
    disable_user("amal", actor=ADMIN, url=store_url)
    add_accounts(store_url, ("nadia", "viewer"))
    info = restore(file, actor=ADMIN, url=store_url, accounts_from_backup=True)
    assert users(store_url) == backed_up and info.accounts == 2
    details = query(store_url, "SELECT details FROM audit_events WHERE action = 'restore'")[-1][0]
    assert (json.loads(details) if isinstance(details, str) else details)["accounts_from_backup"] is True
