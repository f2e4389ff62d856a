"""Backup and restore of a PostgreSQL store: pg_dump, and a restore that runs none of the archive's SQL.

A pg_dump archive carries SQL text for every object (functions, triggers, even the statement before
each table's rows), and a crafted archive can put anything there. So a restore takes only *rows*:
1. ``pg_restore --list``: the archive's tables must be exactly the tables the migrations make at
   the archive's revision (db.backup_schema), or nothing happens;
2. a ``--use-list`` of only the TABLE DATA entries of those tables, printed by ``pg_restore
   --data-only``; each ``COPY`` header is checked (a known table, its exact columns) and only the
   row data is passed on, through psycopg's COPY with identifiers built here;
3. all in one transaction on the live store, holding every table's lock and the migration lock:
   read the live accounts, failed-login counts and audit lines; drop the tables and the app's
   functions; build the schema of the archive's revision with the migrations (the app's own
   functions and triggers, never the archive's); load the rows; migrate to the current schema;
   put the live accounts back, append the live audit lines the backup lacks, re-create the
   append-only triggers, write the restore's audit line; commit. Any failure rolls all of it back.
The live store is saved first with pg_dump as the pre-restore backup (outside the transaction:
a write between that copy and the lock is in the store, not in the copy).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, cast

from alembic import command
from psycopg import sql
from psycopg.errors import LockNotAvailable
from sqlalchemy import Connection, MetaData, Table, delete, insert, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from db import backup_schema
from db.auth import Actor, audit
from db.backup_common import (
    AUDIT_TABLE,
    BUSY_SECONDS,
    LIVE_TABLES,
    USERS_TABLE,
    AccountRule,
    BackupError,
    BackupInfo,
    audit_key,
    disk_full_message,
    is_disk_full,
    known_revision,
)
from db.engine import write_engine
from db.migrate import _LOCK_ID, alembic_config, upgrade
from db.models import AuditEvent
from db.seed import seed_vocabularies

AUDIT = cast(Table, AuditEvent.__table__)
PG_LOCK_TIMEOUT_MS = 120_000
# "215; 1259 16390 TABLE public facts postgres", "3380; 0 16390 TABLE DATA public facts postgres"
_KINDS = "TABLE DATA|SEQUENCE SET|SEQUENCE OWNED BY|FK CONSTRAINT|EVENT TRIGGER|MATERIALIZED VIEW DATA|MATERIALIZED VIEW|DEFAULT ACL|LARGE OBJECT|[A-Z]+"
_ENTRY = re.compile(rf"^\d+; \d+ \d+ (?P<kind>{_KINDS}) (?P<schema>\S+) (?P<name>\S+) ")
_COPY = re.compile(r"^COPY (?P<table>\S+) \((?P<columns>.*)\) FROM stdin;$")
_IDENT = re.compile(r'"((?:[^"]|"")*)"|([^\s,"]+)')


def _tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed; install the PostgreSQL client tools (Debian: apt install "
            "postgresql-client) in the version of the server or newer"
        )
    return found


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and an environment carrying it (not visible in ps)."""
    parsed = make_url(url)
    env = {**os.environ, "PGOPTIONS": f"-c lock_timeout={PG_LOCK_TIMEOUT_MS}"}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _run(args: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = " ".join(done.stderr.strip().splitlines()[-3:]) or f"exit status {done.returncode}"
        if "No space left on device" in detail:
            detail += ". The disk is full: free space there or choose a folder on another disk"
        raise BackupError(f"{what} failed: {detail}")
    return done.stdout


def pg_backup(url: str, partial: Path) -> BackupInfo:
    """pg_dump the store into ``partial`` (already created 0600; pg_dump keeps the mode)."""
    uri, env = _libpq(url)
    with upgrade(url).connect() as conn:
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={uri}"], env, "pg_dump")
    return BackupInfo(file=partial, engine="postgresql", revision=revision)


def _unquote(name: str) -> str:
    return name[1:-1].replace('""', '"') if name.startswith('"') else name


def archive_entries(source: Path, env: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """(kind, schema, name, list line) of every entry of a pg_dump archive's table of contents."""
    listing = _run([_tool("pg_restore"), "--list", str(source)], env, f"reading {source.name}")
    entries = []
    for line in listing.splitlines():
        found = _ENTRY.match(line)
        if found:
            entries.append((found["kind"], _unquote(found["schema"]), _unquote(found["name"]), line))
    return entries


def _archive_revision(source: Path, env: dict[str, str]) -> str | None:
    """The schema revision inside a pg_dump archive (the one row of alembic_version), read from the
    printed script, never run."""
    script = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)], env,
                  f"reading {source.name}")  # fmt: skip
    lines = script.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line]
    if not starts or starts[0] + 1 >= len(lines) or lines[starts[0] + 1] == "\\.":
        return None
    return lines[starts[0] + 1].strip()


def _check_tables(source: Path, entries: list[tuple[str, str, str, str]], revision: str | None) -> set[str]:
    tables = {
        f"{schema}.{name}" if schema != "public" else name
        for kind, schema, name, _ in entries
        if kind == "TABLE"
    }
    want = backup_schema.expected_tables(revision)
    if not {"alembic_version", "facts", "imports", "places"} <= tables:
        raise BackupError(
            f"{source.name} is a pg_dump archive but not of an Access Monitor store (no facts, imports, "
            "places or alembic_version table); give a file made by 'python -m cli backup'"
        )
    if tables != want:
        extra, missing = sorted(tables - want), sorted(want - tables)
        raise BackupError(
            f"{source.name} does not have the tables Access Monitor makes at revision {revision} "
            f"(extra: {', '.join(extra) or 'none'}; missing: {', '.join(missing) or 'none'}); it was altered "
            "or made by other software. Nothing was restored: use a backup made by 'python -m cli backup'"
        )
    return want


def pg_restore(
    source: Path, url: str, *, actor: Actor, rule: AccountRule, pre_restore: Path, details: dict[str, Any]
) -> BackupInfo:
    from db.backup import write_backup

    _, env = _libpq(url)
    entries = archive_entries(source, env)
    revision = _archive_revision(source, env)
    known_revision(revision, source.name)
    tables = _check_tables(source, entries, revision)
    skipped = sorted({f"{kind} {name}" for kind, _, name, _ in entries if kind in ("FUNCTION", "TRIGGER", "VIEW", "RULE", "PROCEDURE", "EVENT TRIGGER")})  # fmt: skip
    # alembic_version: the migrations write it; its row was read above.
    data = [line for kind, schema, name, line in entries
            if kind == "TABLE DATA" and schema == "public" and name in tables - {"alembic_version"}]  # fmt: skip
    write_backup(url, pre_restore)
    with (
        disk_full_message("the PostgreSQL server's data folder", "nothing restored"),
        tempfile.TemporaryDirectory(prefix="access-monitor-restore-") as folder,
    ):
        use_list = Path(folder) / "use.list"
        deadline = time.monotonic() + BUSY_SECONDS
        while True:
            try:
                with write_engine(url).connect() as conn, conn.begin():
                    carried, accounts = _restore_in(conn, source, use_list, data, env, tables, revision, rule)
                    audit(
                        conn, actor, "restore", str(source),
                        {**details, "engine": "postgresql", "revision": revision, "audit_carried_over": carried,
                         "pre_restore": str(pre_restore), "accounts_from_backup": rule.from_backup,
                         "not_run_from_archive": skipped},
                    )  # fmt: skip
                    before_commit(conn)
                break
            except OperationalError as exc:
                if is_disk_full(exc):
                    raise
                if not isinstance(exc.orig, LockNotAvailable):
                    raise BackupError(f"nothing was restored: {str(exc.orig).strip()[:300]}") from None
                if time.monotonic() > deadline:
                    raise BackupError(
                        f"the store stayed busy for {BUSY_SECONDS} s (imports or long queries) and nothing "
                        "was restored; try again when it is quieter"
                    ) from None
                time.sleep(0.2)
            except BackupError:
                raise
            except Exception as exc:  # bad rows, a failing migration: the transaction rolled back
                if is_disk_full(exc):
                    raise
                first = (str(exc).strip().splitlines() or [""])[0][:300]
                raise BackupError(
                    f"{source.name} could not be restored ({type(exc).__name__}: {first}); the store was not "
                    "changed. Use another backup, or report this with the backup's revision"
                ) from exc
    return BackupInfo(
        file=source, engine="postgresql", revision=revision, size=source.stat().st_size,
        pre_restore=pre_restore, audit_carried_over=carried, accounts=accounts,
    )  # fmt: skip


def migrate_to_head(conn: Connection) -> None:
    """Bring the restored tables to the current schema (a seam: tests make it fail)."""
    command.upgrade(alembic_config(conn), "head")


def before_commit(conn: Connection) -> None:
    """Called inside the restore's transaction just before COMMIT (a seam: tests make it raise)."""


def _rows(conn: Connection, name: str) -> list[dict[str, Any]]:
    table = Table(name, MetaData(), autoload_with=conn)
    return [dict(row) for row in conn.execute(select(table)).mappings()]


def _restore_in(
    conn: Connection, source: Path, use_list: Path, data: list[str], env: dict[str, str], tables: set[str],
    revision: str | None, rule: AccountRule,
) -> tuple[int, int]:  # fmt: skip
    """The restore's one transaction (see the module docstring): (audit lines carried, accounts)."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    live_tables = sorted(inspect(conn).get_table_names())
    # Every table at once, without waiting: waiting for one while holding another could deadlock
    # with a dashboard query; the caller retries until all are free.
    conn.execute(
        text(
            f"LOCK TABLE {', '.join(f'public.{_q(t)}' for t in live_tables)} IN ACCESS EXCLUSIVE MODE NOWAIT"
        )
    )
    kept_names = [t for t in (USERS_TABLE, *LIVE_TABLES) if t in live_tables]
    kept = {name: _rows(conn, name) for name in kept_names}
    live_log = _rows(conn, AUDIT_TABLE)
    for table in live_tables:
        conn.execute(text(f"DROP TABLE IF EXISTS public.{_q(table)} CASCADE"))
    own = conn.execute(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' WHERE n.nspname = 'public' AND d.objid IS NULL"
    )).scalars().all()  # fmt: skip
    for function in own:  # the app's functions (0004's); the migrations make them again
        conn.execute(text(f"DROP FUNCTION IF EXISTS {function} CASCADE"))
    command.upgrade(alembic_config(conn), revision or "base")
    for table in tables - {"alembic_version"}:  # rows a migration may have seeded: the archive has them
        conn.execute(text(f"DELETE FROM public.{_q(table)}"))
    # pg_restore prints the entries in the order of the list: parents before the rows that refer to them.
    order = {table.name: n for n, table in enumerate(_reflect(conn).sorted_tables)}
    use_list.write_text("\n".join(sorted(data, key=lambda line: order.get(_entry_name(line), -1))) + "\n")
    _load_rows(conn, source, use_list, env, tables)
    _reset_sequences(conn)  # before the migrations and the seeding add rows of their own
    migrate_to_head(conn)
    seed_vocabularies(conn)
    incoming = conn.execute(text(f"SELECT count(*) FROM {USERS_TABLE}")).scalar_one()
    rule.check(len(kept.get(USERS_TABLE, [])), incoming)
    for name, rows in kept.items():
        if name == USERS_TABLE and rule.from_backup:
            continue
        target = Table(name, MetaData(), autoload_with=conn)
        conn.execute(delete(target))
        if rows:
            conn.execute(insert(target), rows)
    present = {audit_key(row) for row in conn.execute(select(AUDIT)).mappings()}
    missing = [
        {k: v for k, v in row.items() if k != "id"} for row in live_log if audit_key(row) not in present
    ]
    if missing:
        conn.execute(insert(AUDIT), missing)
    _reset_sequences(conn)
    backup_schema.recreate_append_only(conn)
    accounts = conn.execute(text(f"SELECT count(*) FROM {USERS_TABLE}")).scalar_one()
    return len(missing), int(accounts)


def _reflect(conn: Connection) -> MetaData:
    meta = MetaData()
    meta.reflect(conn)
    return meta


def _entry_name(line: str) -> str:
    found = _ENTRY.match(line)
    return _unquote(found["name"]) if found else ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _load_rows(conn: Connection, source: Path, use_list: Path, env: dict[str, str], tables: set[str]) -> None:
    """Feed the archive's row data (only) to COPY, table by table, after checking each header."""
    args = [_tool("pg_restore"), "--data-only", f"--use-list={use_list}", "--file=-", str(source)]
    raw = conn.connection.driver_connection
    assert raw is not None
    seen: set[str] = set()
    with tempfile.TemporaryFile() as err:
        reader = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, env=env)
        assert reader.stdout is not None
        try:
            with raw.cursor() as cur:
                for line in reader.stdout:
                    found = _COPY.match(line.decode("utf-8", errors="replace").rstrip("\n"))
                    if not found:
                        continue  # SET, comments, blank lines: nothing else is run
                    table, columns = _copy_target(conn, found["table"], found["columns"], tables, seen)
                    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                        sql.Identifier("public", table), sql.SQL(", ").join(map(sql.Identifier, columns))
                    )
                    with cur.copy(statement) as copy:
                        for row in reader.stdout:
                            if row == b"\\.\n":
                                break
                            copy.write(row)
        finally:
            reader.stdout.close()
            reader.wait()
        if reader.returncode != 0:
            err.seek(0)
            detail = " ".join(err.read().decode(errors="replace").strip().splitlines()[-3:])
            raise BackupError(f"pg_restore failed reading {source.name}, nothing was restored: {detail}")


def _copy_target(
    conn: Connection, target: str, columns: str, tables: set[str], seen: set[str]
) -> tuple[str, list[str]]:
    parts = [_unquote(p) for p in re.findall(r'"(?:[^"]|"")*"|[^."]+', target)]
    table = parts[-1] if len(parts) == 2 and parts[0] == "public" else ""
    if table not in tables or table in seen:
        raise BackupError(
            f"the archive's rows for {target} are not for a table of the store; nothing was restored"
        )
    seen.add(table)
    names = [quoted.replace('""', '"') if quoted else bare for quoted, bare in _IDENT.findall(columns)]
    actual = {c["name"] for c in inspect(conn).get_columns(table)}
    if set(names) != actual or len(names) != len(actual):
        raise BackupError(
            f"the archive's rows for {table} have the columns {', '.join(names)}, not the table's; nothing "
            "was restored: use a backup made by 'python -m cli backup'"
        )
    return table, names


def _reset_sequences(conn: Connection) -> None:
    """Rows came with their ids: move each id sequence past the highest one."""
    serial = conn.execute(text(
        "SELECT table_name, column_name, pg_get_serial_sequence(format('public.%I', table_name), column_name) "
        "FROM information_schema.columns WHERE table_schema = 'public' "
        "AND (column_default LIKE 'nextval(%' OR is_identity = 'YES')"
    )).all()  # fmt: skip
    for table, column, sequence in serial:
        if sequence:
            conn.execute(
                text(f"SELECT setval(:s, COALESCE((SELECT max({_q(column)}) FROM public.{_q(table)}), 1), "
                     f"(SELECT max({_q(column)}) FROM public.{_q(table)}) IS NOT NULL)"),
                {"s": sequence},
            )  # fmt: skip
