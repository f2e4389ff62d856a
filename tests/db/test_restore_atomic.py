"""Issue 13 item 3: a restore is one step: killed, failed or raced, it loses nothing.

The attacks: killed after the page copy, the audit lines and account changes since the backup were
lost; a backup whose migration failed replaced the live store anyway; a write committed while the
restore waited for the lock lost its audit line. And ``restore --undo`` brings the store back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from db import backup_pg, backup_sqlite
from db.auth import Actor, audit, disable_user
from db.backup import BackupError, backup, restore, restore_undo
from db.backup_common import BACKUP_DIR_ENV
from db.engine import write_engine
from db.queries import store_counts
from tests.conftest import ROOT, on_postgres
from tests.db.restore_helpers import (
    ADMIN,
    add_accounts,
    audit_lines,
    backup_dir,
    counts,
    ingest,
    needs_pg_tools,
    snapshot,
    users,
)

__all__ = ["backup_dir"]
ENGINE_MODULE = backup_pg if on_postgres() else backup_sqlite


def _changed_since_backup(url: str, tmp_path: Path) -> Path:
    """A store with accounts and data, backed up, then changed: an account disabled, one added,
    an import (with its audit line)."""
    add_accounts(url, ("root", "admin"), ("amal", "editor"))
    ingest(tmp_path, "before", url)
    file = tmp_path / "store.backup"
    backup(file, actor=ADMIN, url=url)
    disable_user("amal", actor=ADMIN, url=url)
    add_accounts(url, ("nadia", "viewer"))
    ingest(tmp_path, "after", url, seed=7)
    return file


@needs_pg_tools
def test_a_restore_that_dies_before_commit_changes_nothing(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _changed_since_backup(store_url, tmp_path)
    before = snapshot(store_url)

    def killed(_conn: object) -> None:
        raise KeyboardInterrupt  # like a Ctrl-C between the copy and the commit

    monkeypatch.setattr(ENGINE_MODULE, "before_commit", killed)
    with pytest.raises(KeyboardInterrupt):
        restore(file, actor=ADMIN, url=store_url)
    assert snapshot(store_url) == before
    ingest(tmp_path, "still-usable", store_url, seed=11)
    assert counts(store_url)["imports"] == before["counts"]["imports"] + 1


KILL_SCRIPT = """
import os, sys
from db import backup_pg, backup_sqlite
from db.auth import Actor
from db.backup import restore
def die(_conn):
    os._exit(9)  # no clean-up, no rollback: the process is gone, as under kill -9
backup_pg.before_commit = backup_sqlite.before_commit = die
restore(sys.argv[1], actor=Actor("restore-admin", "admin"), url=sys.argv[2])
"""


@needs_pg_tools
def test_a_restore_killed_after_the_copy_loses_no_audit_line_or_account(
    store_url: str, tmp_path: Path
) -> None:
    file = _changed_since_backup(store_url, tmp_path)
    before = snapshot(store_url)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(file), store_url], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 9, done.stderr[-2000:]
    assert snapshot(store_url) == before
    restore(file, actor=ADMIN, url=store_url)  # and a restore afterwards works
    assert users(store_url) == before["users"]
    assert audit_lines(store_url)[: len(before["audit"])] == before["audit"]


@needs_pg_tools
def test_a_backup_whose_migration_fails_leaves_the_store_as_it_was(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = _changed_since_backup(store_url, tmp_path)
    before = snapshot(store_url)

    def broken(conn: object) -> None:
        raise RuntimeError("migration 0005 failed on this backup's rows")

    monkeypatch.setattr(ENGINE_MODULE, "migrate_to_head", broken)
    with pytest.raises((BackupError, RuntimeError), match="migration 0005 failed"):
        restore(file, actor=ADMIN, url=store_url)
    assert snapshot(store_url) == before
    monkeypatch.undo()
    assert store_counts(store_url)  # the app's reads work
    ingest(tmp_path, "still-usable", store_url, seed=11)
    if not on_postgres():
        assert sorted(p.name for p in tmp_path.glob(".store.db*")) == []  # no temporary copy left


@needs_pg_tools
def test_a_write_committed_while_the_restore_waits_keeps_its_audit_line(
    store_url: str, tmp_path: Path
) -> None:
    file = _changed_since_backup(store_url, tmp_path)
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with write_engine(store_url).begin() as conn:
            audit(conn, Actor("late-editor", "editor"), "edit", "fact 1")
            holding.set()
            release.wait(timeout=60)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(timeout=30)
    threading.Timer(1.5, release.set).start()  # commits while the restore waits for the lock
    restore(file, actor=ADMIN, url=store_url)
    thread.join(timeout=60)
    lines = audit_lines(store_url)
    assert [(u, a) for _, u, a, _ in lines[-2:]] == [("late-editor", "edit"), (ADMIN.name, "restore")]


@needs_pg_tools
def test_undo_brings_back_the_store_before_the_restore(
    store_url: str, tmp_path: Path, backup_dir: Path
) -> None:
    file = _changed_since_backup(store_url, tmp_path)
    live = snapshot(store_url)
    first = restore(file, actor=ADMIN, url=store_url)
    assert first.pre_restore is not None and first.pre_restore.parent == backup_dir
    restored = counts(store_url)
    assert restored != live["counts"]
    add_accounts(store_url, ("late", "viewer"))  # made between the restore and the undo: kept
    undone = restore_undo(actor=ADMIN, url=store_url)
    assert undone.file == first.pre_restore
    assert counts(store_url) == live["counts"]
    assert [u[1] for u in users(store_url)] == [u[1] for u in live["users"]] + ["late"]
    lines = audit_lines(store_url)
    assert lines[: len(live["audit"])] == live["audit"]
    assert [a for _, _, a, _ in lines[len(live["audit"]) :]] == ["restore", "user_add", "restore"]
    # Undoing again redoes: the latest pre-restore copy is now the one the undo made.
    restore_undo(actor=ADMIN, url=store_url)
    assert counts(store_url) == restored


def test_undo_without_a_pre_restore_backup_says_so(store_url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=f"no pre-restore backup of this store.*{BACKUP_DIR_ENV}"):
        restore_undo(actor=ADMIN, url=store_url)
