"""Back up and restore the store while the app runs: SQLite's online backup API, or pg_dump.

``backup(FILE)`` copies a consistent snapshot (db.backup_sqlite, db.backup_pg) into a file created
0600 (it holds the accounts' password hashes and confidential facts). The file appears under its
name only when complete: it is written beside it and renamed. A backup onto the store itself or
its -wal/-shm/-journal file is refused.

``restore(FILE)`` puts a backup's *data* back onto the live store. What a restore trusts and keeps:
- the file is checked object by object against the schema the app's migrations make at the
  file's revision (db.backup_schema): an extra trigger, view, table or index, or a missing one
  (the audit log's append-only triggers included), is refused before anything changes; on
  PostgreSQL only table rows are taken from the archive, never its SQL;
- the accounts are never taken from a backup: the live ``users`` (disabled accounts, roles,
  accounts made since) and failed-login counts stay as they are, unless ``accounts_from_backup``
  is asked for (and even then a restore that would leave no account needs ``allow_no_accounts``);
- the audit log only grows: every live line stays, the backup's lines the store lacks are added;
- it is atomic: the backup is migrated and checked apart from the store, the carry-over is read
  inside the store's write lock and the swap is one transaction, so a failed migration or a
  kill leaves the store as it was; the append-only triggers are re-created from the app's code;
- the store as it was is first saved as a pre-restore backup, which ``restore_undo`` brings back
  (with the same carry-over; undoing twice redoes).
Both need the admin role and are written to the audit log.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

from db import backup_schema
from db.auth import Actor, audit, require
from db.backup_common import (
    AccountRule,
    BackupError,
    BackupInfo,
    backup_kind,
    check_kind,
    disk_full_message,
    latest_pre_restore,
    pre_restore_path,
    sqlite_path,
)
from db.backup_pg import pg_backup, pg_restore
from db.backup_sqlite import refuse_store_paths, sqlite_backup, sqlite_restore
from db.engine import database_url, dispose_all, is_sqlite
from db.migrate import forget, upgrade

__all__ = ["BackupError", "BackupInfo", "backup", "backup_kind", "restore", "restore_undo"]


def backup(dest: Path | str, *, actor: Actor, url: str | None = None) -> BackupInfo:
    """Write a backup of the store to ``dest`` (replaced if it exists). Needs the admin role."""
    require(actor, "backup")
    resolved = database_url(url)
    dest = Path(dest).absolute()
    if is_sqlite(resolved):
        refuse_store_paths(dest, sqlite_path(resolved))
    dest = dest.resolve()
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder; create it or choose another place for the backup")
    engine = upgrade(resolved)
    info = write_backup(resolved, dest)
    with engine.begin() as conn:
        audit(
            conn,
            actor,
            "backup",
            str(dest),
            {"engine": info.engine, "revision": info.revision, **info.counts},
        )
    return info


def write_backup(url: str, dest: Path) -> BackupInfo:
    """Copy the store to ``dest`` through a 0600 partial file renamed when complete (no audit line:
    ``backup`` writes it; a restore's pre-restore copy is named in the restore's line)."""
    dest.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if dest.is_dir():
        raise BackupError(
            f"{dest} is a folder; give a file name for the backup, e.g. {dest / 'store.backup'}"
        )
    partial = dest.with_name(f".{dest.name}.partial-{uuid.uuid4().hex[:12]}")
    try:
        with disk_full_message(dest.parent, "no backup written"):
            backup_schema.private_file(partial)
            info = sqlite_backup(url, partial) if is_sqlite(url) else pg_backup(url, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    info.file, info.size = dest, dest.stat().st_size
    return info


def restore(
    source: Path | str,
    *,
    actor: Actor,
    url: str | None = None,
    accounts_from_backup: bool = False,
    allow_no_accounts: bool = False,
    _details: dict[str, Any] | None = None,
) -> BackupInfo:
    """Replace the store's data with the backup in ``source``, migrated to the current schema, keeping
    the live accounts and audit log (see the module docstring). Needs the admin role."""
    require(actor, "restore")
    resolved = database_url(url)
    source = Path(source).resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist; give the path of a file made by 'backup'")
    engine_name = "sqlite" if is_sqlite(resolved) else "postgresql"
    check_kind(source, engine_name)
    upgrade(resolved)  # the live store at the current schema, like the migrated copy
    rule = AccountRule(from_backup=accounts_from_backup, allow_none=allow_no_accounts)
    pre_restore = pre_restore_path(resolved)
    restore_one = sqlite_restore if engine_name == "sqlite" else pg_restore
    try:
        return restore_one(
            source, resolved, actor=actor, rule=rule, pre_restore=pre_restore, details=_details or {}
        )
    finally:
        # Every cached engine and the migration check see the restored store from here on.
        dispose_all()
        forget(resolved)


def restore_undo(*, actor: Actor, url: str | None = None, accounts_from_backup: bool = False) -> BackupInfo:
    """Bring back the store as it was before the latest restore (its pre-restore backup), with the
    same carry-over of accounts and audit lines. Needs the admin role."""
    require(actor, "restore")
    latest = latest_pre_restore(database_url(url))
    return restore(
        latest, actor=actor, url=url, accounts_from_backup=accounts_from_backup, _details={"undo": True}
    )
