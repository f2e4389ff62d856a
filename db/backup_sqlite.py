"""Backup and restore of a SQLite store.

Backup: SQLite's online backup API, one step under one read transaction (a consistent snapshot
while imports commit), into a file created 0600.

Restore, so that nothing is lost whatever happens midway:
1. the backup is copied into a temporary file beside the store (the backup API; any page size);
2. the copy is checked there: an Access Monitor store, intact, of a known revision, and with
   exactly the schema the migrations make at that revision (db.backup_schema);
3. the copy is migrated to the current schema; a migration that fails stops here, with the live
   store untouched;
4. the live store is saved as a pre-restore backup (for ``restore --undo``);
5. one write transaction on the live store (``BEGIN IMMEDIATE``: it waits for a running import,
   and writes that commit meanwhile are inside the carry-over) replaces the data table by table
   from the copy, keeps the live accounts, failed-login counts and audit lines, appends the
   backup's audit lines the store lacks and the restore's own line, and commits. Until that commit
   the live store is the old one (a kill rolls it back); readers see the old or the new, never a mix.
   The audit log's append-only triggers are re-created from the app's schema in that transaction.
   Rows are copied, not pages, so the store keeps its page size and WAL mode.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from alembic import command
from sqlalchemy import Connection, Engine, MetaData, Table, create_engine, event, insert, select
from sqlalchemy.pool import NullPool

from db import backup_schema
from db.auth import Actor, audit
from db.backup_common import (
    AUDIT_TABLE,
    BUSY_SECONDS,
    COUNTED,
    LIVE_TABLES,
    REQUIRED_TABLES,
    USERS_TABLE,
    AccountRule,
    BackupError,
    BackupInfo,
    audit_key,
    disk_full_message,
    is_disk_full,
    known_revision,
    sqlite_path,
)
from db.migrate import alembic_config
from db.models import AuditEvent
from db.seed import seed_vocabularies

AUDIT = cast(Table, AuditEvent.__table__)
STORE_FILES = ("", "-wal", "-shm", "-journal")


def refuse_store_paths(dest: Path, store: Path) -> None:
    """A backup written over the store or its -wal/-shm/-journal would destroy it (and detach every
    running process from it): refused, symlinks resolved."""
    target = dest.resolve()
    for end in STORE_FILES:
        own = Path(f"{store}{end}").resolve()
        if target == own or (target.exists() and own.exists() and os.path.samefile(target, own)):
            raise BackupError(
                f"{dest} is the store itself{f' (its {end} file)' if end else ''}; write the backup to "
                "another file, e.g. data/backups/store-YYYY-MM-DD.db"
            )


def file_facts(conn: sqlite3.Connection, name: str) -> tuple[str | None, dict[str, int]]:
    """(schema revision, counts) of an Access Monitor SQLite file; BackupError if it is not one."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(
            f"{name} is a SQLite file but not an Access Monitor store (no {', '.join(missing)} table); "
            "give a file made by 'python -m cli backup'"
        )
    check = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"{name} is damaged (integrity check: {check}); use an older backup")
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    counts = {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in COUNTED if t in tables}
    return (row[0] if row else None), counts


def sqlite_backup(url: str, partial: Path) -> BackupInfo:
    """Copy the store into ``partial`` (already created, 0600)."""
    store = sqlite_path(url)
    if not store.exists():
        raise BackupError(f"there is no store at {store}; check DATABASE_URL")
    with (
        disk_full_message(partial.parent, "no backup written"),
        contextlib.closing(sqlite3.connect(store, timeout=BUSY_SECONDS)) as src,
        contextlib.closing(sqlite3.connect(partial)) as dst,
    ):
        # pages=-1: the whole database in one step, under one read transaction: a consistent
        # snapshot, however many imports commit meanwhile (WAL lets them).
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        revision, counts = file_facts(dst, partial.name)
    return BackupInfo(file=partial, engine="sqlite", revision=revision, counts=counts)


@contextlib.contextmanager
def _temporary_copy(store: Path) -> Iterator[Path]:
    temp = store.with_name(f".{store.name}.restore-{uuid.uuid4().hex[:12]}")
    backup_schema.private_file(temp)
    try:
        yield temp
    finally:
        for end in ("", "-journal", "-wal", "-shm"):
            Path(f"{temp}{end}").unlink(missing_ok=True)


def _engine(path: Path, *, attach: Path | None = None) -> Engine:
    """An engine of one connection whose transactions start with BEGIN IMMEDIATE (the write lock up
    front), foreign keys off (tables are refilled one by one) and, optionally, a file attached."""
    engine = create_engine(f"sqlite:///{path}", poolclass=NullPool, connect_args={"timeout": BUSY_SECONDS})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
        dbapi_conn.execute("PRAGMA foreign_keys=OFF")
        if attach is not None:
            dbapi_conn.execute("ATTACH DATABASE ? AS incoming", (str(attach),))

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _prepare(source: Path, temp: Path) -> tuple[str | None, dict[str, int]]:
    """Steps 1-3: copy, check and migrate the backup in ``temp``; the live store is not touched."""
    with (
        contextlib.closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src,
        contextlib.closing(sqlite3.connect(temp, isolation_level=None)) as copy,
    ):
        try:
            src.backup(copy)
            copy.execute("PRAGMA journal_mode=DELETE")
            revision, counts = file_facts(copy, source.name)
        except sqlite3.DatabaseError as exc:
            if is_disk_full(exc):
                raise
            raise BackupError(
                f"{source.name} is damaged or not a store ({exc}); use another backup"
            ) from None
        known_revision(revision, source.name)
        try:
            backup_schema.check(copy, revision, source.name)
        except backup_schema.SchemaMismatch as exc:
            raise BackupError(str(exc)) from None
    engine = _engine(temp)
    try:
        with engine.begin() as conn:
            migrate_to_head(conn)
            seed_vocabularies(conn)
    except Exception as exc:
        if isinstance(exc, BackupError) or is_disk_full(exc):
            raise
        raise BackupError(
            f"{source.name} could not be brought to the current schema ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0][:300]}); the store was not changed. Use another backup, or "
            "report this with the backup's revision"
        ) from exc
    finally:
        engine.dispose()
    return revision, counts


def migrate_to_head(conn: Connection) -> None:
    """Bring the copy to the current schema (a seam: tests make it fail)."""
    command.upgrade(alembic_config(conn), "head")


def before_commit(conn: Connection) -> None:
    """Called inside the swap's transaction, after every row is in place and before COMMIT; tests
    make it raise (or exit) there to show that a restore killed at that point changes nothing."""


def sqlite_restore(
    source: Path, url: str, *, actor: Actor, rule: AccountRule, pre_restore: Path, details: dict[str, Any]
) -> BackupInfo:
    from db.backup import write_backup  # the pre-restore copy is an ordinary backup

    store = sqlite_path(url)
    with disk_full_message(store.parent, "nothing restored"), _temporary_copy(store) as temp:
        revision, counts = _prepare(source, temp)
        write_backup(url, pre_restore)
        engine = _engine(store, attach=temp)
        try:
            with engine.begin() as conn:
                carried, accounts = _swap(conn, rule)
                audit(
                    conn, actor, "restore", str(source),
                    {**details, "engine": "sqlite", "revision": revision, "audit_carried_over": carried,
                     "pre_restore": str(pre_restore), "accounts_from_backup": rule.from_backup, **counts},
                )  # fmt: skip
                before_commit(conn)
        finally:
            engine.dispose()
    return BackupInfo(
        file=source, engine="sqlite", revision=revision, size=source.stat().st_size, counts=counts,
        pre_restore=pre_restore, audit_carried_over=carried, accounts=accounts,
    )  # fmt: skip


def _tables(conn: Connection, schema: str) -> dict[str, list[str]]:
    names = conn.exec_driver_sql(
        f"SELECT name FROM {schema}.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).scalars()
    return {
        name: [row[1] for row in conn.exec_driver_sql(f'PRAGMA {schema}.table_info("{name}")')]
        for name in names
    }


def _swap(conn: Connection, rule: AccountRule) -> tuple[int, int]:
    """Step 5, inside the live store's write transaction: (audit lines carried over, accounts)."""
    live, incoming = _tables(conn, "main"), _tables(conn, "incoming")
    if live != incoming:
        differ = sorted(t for t in live.keys() | incoming.keys() if live.get(t) != incoming.get(t))
        raise BackupError(
            f"the store's own schema differs from the current one in {', '.join(differ)}; nothing was "
            "restored. Run 'python -m cli migrate', check the store, then restore again"
        )
    accounts = f'SELECT count(*) FROM {{}}."{USERS_TABLE}"'
    live_accounts = conn.exec_driver_sql(accounts.format("main")).scalar_one()
    rule.check(live_accounts, conn.exec_driver_sql(accounts.format("incoming")).scalar_one())
    kept = {AUDIT_TABLE, *LIVE_TABLES} | ({USERS_TABLE} if not rule.from_backup else set())
    for table, columns in live.items():
        if table in kept:
            continue
        cols = ", ".join(f'"{c}"' for c in columns)
        conn.exec_driver_sql(f'DELETE FROM main."{table}"')
        conn.exec_driver_sql(f'INSERT INTO main."{table}" ({cols}) SELECT {cols} FROM incoming."{table}"')
    # The audit log is never rewritten: the live lines stay as they are, the backup's lines the
    # store does not have (another store's, or lines lost to an earlier restore) are appended.
    present = {audit_key(row) for row in conn.execute(select(AUDIT)).mappings()}
    theirs = AUDIT.to_metadata(MetaData(), schema="incoming")
    missing = [
        {k: v for k, v in row.items() if k != "id"}
        for row in conn.execute(select(theirs).order_by(theirs.c.id)).mappings()
        if audit_key(row) not in present
    ]
    if missing:
        conn.execute(insert(AUDIT), missing)
    backup_schema.recreate_append_only(conn)
    final_accounts = conn.exec_driver_sql(accounts.format("main")).scalar_one()
    return len(missing), int(final_accounts)
