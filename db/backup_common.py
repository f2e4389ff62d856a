"""What the SQLite and PostgreSQL halves of backup and restore share: errors, results, the rules
for accounts, the pre-restore backups' folder, and full-disk messages."""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from db.engine import DEFAULT_SQLITE, is_sqlite
from db.migrate import alembic_config

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
REQUIRED_TABLES = ("alembic_version", "imports", "facts", "places")
COUNTED = ("imports", "facts", "places", "import_issues")
BUSY_SECONDS = 120  # how long a restore waits for a running import before giving up
AUDIT_TABLE, USERS_TABLE = "audit_events", "users"
# Kept from the live store across every restore: failed-login counts and locks (an old backup must
# not unlock a name under attack). The accounts (USERS_TABLE) too, unless the admin asks otherwise.
LIVE_TABLES = ("login_throttle",)
BACKUP_DIR_ENV = "ACCESS_MONITOR_BACKUP_DIR"
PRE_RESTORE = "pre-restore"


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(slots=True)
class BackupInfo:
    """One backup or restore: the file, the engine, the schema revision in the file and, for
    SQLite, the row counts of the main tables in the file (``COUNTED``). A restore also says where
    the store was saved first (``pre_restore``) and how many audit lines it carried over."""

    file: Path
    engine: str  # "sqlite" | "postgresql"
    revision: str | None
    size: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    pre_restore: Path | None = None
    audit_carried_over: int = 0
    accounts: int = 0


@dataclass(frozen=True, slots=True)
class AccountRule:
    """Which accounts a restore ends with. By default the live ones, always: a restore replaces
    the data (facts, places, imports, documents...) but never the accounts, so it cannot revive a
    disabled account, undo a role change or drop an account made since the backup.
    ``from_backup`` takes the backup's accounts instead; ending with no account at all (which
    switches login off) when the live store had some also needs ``allow_none``."""

    from_backup: bool = False
    allow_none: bool = False

    def check(self, live: int, incoming: int) -> None:
        if self.from_backup and incoming == 0 and live > 0 and not self.allow_none:
            raise BackupError(
                f"the backup has no accounts and the store has {live}: taking the backup's accounts would "
                "switch login off (anyone reaching the dashboard on loopback would be admin). Nothing was "
                "restored; restore without --accounts-from-backup to keep the live accounts, or add "
                "--allow-no-accounts if that is really wanted"
            )


def backup_kind(path: Path) -> str | None:
    """'sqlite' or 'postgresql' from the file's first bytes, None for anything else."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def check_kind(source: Path, engine_name: str) -> None:
    kind = backup_kind(source)
    if kind == engine_name:
        return
    if kind is None:
        raise BackupError(
            f"{source.name} is not an Access Monitor backup (neither a SQLite file nor a pg_dump archive); "
            "give a file made by 'python -m cli backup'"
        )
    other = (
        "DATABASE_URL=sqlite:///path/to/store.db"
        if kind == "sqlite"
        else "DATABASE_URL=postgresql+psycopg://..."
    )
    raise BackupError(
        f"{source.name} is a {kind} backup but the store is {engine_name}; restore it into a {kind} "
        f"store ({other}), or use a backup made from this store"
    )


def known_revision(revision: str | None, source: str) -> None:
    if revision is None:
        return
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        scripts.get_revision(revision)
    except Exception:  # alembic raises several types for an unknown revision
        raise BackupError(
            f"{source} has schema revision {revision}, which this version of Access Monitor does not "
            "know: it was made by a newer version. Update the app, then restore"
        ) from None


def audit_key(row: Any) -> tuple[Any, ...]:
    """What identifies an audit line across stores (ids differ once lines were carried over)."""
    return row["at"], row["user_name"], row["action"], row["target"]


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the store is an in-memory SQLite database; there is nothing on disk to back up")
    return Path(database).resolve()


def backup_folder(url: str) -> Path:
    """Where pre-restore backups go: ``ACCESS_MONITOR_BACKUP_DIR``, else a ``backups`` folder beside
    a SQLite store, else data/backups/ (PostgreSQL)."""
    chosen = os.environ.get(BACKUP_DIR_ENV)
    if chosen:
        return Path(chosen).resolve()
    base = sqlite_path(url).parent if is_sqlite(url) else DEFAULT_SQLITE.parent
    return base / "backups"


def _store_label(url: str) -> str:
    parsed = make_url(url)
    name = sqlite_path(url).stem if is_sqlite(url) else str(parsed.database or "postgres")
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def pre_restore_path(url: str) -> Path:
    """A new, unused name for the store's copy taken before a restore (UTC time, to the µs)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    suffix = ".db" if is_sqlite(url) else ".dump"
    return backup_folder(url) / f"{PRE_RESTORE}-{_store_label(url)}-{stamp}{suffix}"


def latest_pre_restore(url: str) -> Path:
    """The newest pre-restore backup of this store, for ``restore --undo``."""
    folder = backup_folder(url)
    pattern = f"{PRE_RESTORE}-{_store_label(url)}-*{'.db' if is_sqlite(url) else '.dump'}"
    found = sorted(folder.glob(pattern)) if folder.is_dir() else []
    if not found:
        raise BackupError(
            f"there is no pre-restore backup of this store in {folder}; nothing to undo (set "
            f"{BACKUP_DIR_ENV} if they were kept elsewhere)"
        )
    return found[-1]


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is SQLite's or the system's "disk full"."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if isinstance(seen, sqlite3.Error) and "database or disk is full" in str(seen):
            return True
        if getattr(seen, "sqlstate", None) == "53100":  # PostgreSQL's disk_full (psycopg)
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__ or seen.__context__
    return False


@contextlib.contextmanager
def disk_full_message(where: Path | str, what: str) -> Iterator[None]:
    """Turn a full disk into a BackupError that says which disk and what to do."""
    try:
        yield
    except Exception as exc:
        if not is_disk_full(exc):
            raise
        raise BackupError(
            f"{what}: the disk holding {where} is full. Nothing was changed; free space there (or choose "
            f"a folder on another disk, e.g. with {BACKUP_DIR_ENV} for pre-restore copies) and try again"
        ) from None
