"""Back up and restore the store while the app runs: SQLite's online backup API, or pg_dump / pg_restore.

``backup(FILE)`` copies a consistent snapshot: on SQLite through ``sqlite3.Connection.backup`` (one
step under one read transaction, so imports committing meanwhile are either wholly in it or not at
all; readers and writers carry on), on PostgreSQL with ``pg_dump --format=custom`` (one snapshot).
The file appears under its name only when complete: it is written beside it and renamed.

``restore(FILE)`` puts a backup back onto the live store: on SQLite through the backup API in the
other direction (it waits for a running import, and readers see the old or the new store, never a
mix), on PostgreSQL with ``pg_restore --clean --if-exists --single-transaction``. It refuses a
file that is not a backup of the store's engine, then runs the migrations, so a backup made by an
older version comes back upgraded. Both need the admin role and are written to the audit log; audit
lines written after the backup was made are carried over, so a restore never shortens the log.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Table, insert, inspect, select, text
from sqlalchemy.engine import make_url

from db.auth import Actor, audit, require
from db.engine import database_url, dispose_all, is_sqlite, write_engine
from db.migrate import alembic_config, forget, upgrade
from db.models import AuditEvent

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
REQUIRED_TABLES = ("alembic_version", "imports", "facts", "places")
COUNTED = ("imports", "facts", "places", "import_issues")
BUSY_SECONDS = 120  # how long a restore waits for a running import before giving up
PG_LOCK_TIMEOUT_MS = 120_000
AUDIT = cast(Table, AuditEvent.__table__)


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(slots=True)
class BackupInfo:
    """One backup or restore: the file, the engine, the schema revision in the file and, for
    SQLite, the row counts of the main tables in the file (``COUNTED``)."""

    file: Path
    engine: str  # "sqlite" | "postgresql"
    revision: str | None
    size: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def backup_kind(path: Path) -> str | None:
    """'sqlite' or 'postgresql' from the file's first bytes, None for anything else."""
    with path.open("rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def backup(dest: Path | str, *, actor: Actor, url: str | None = None) -> BackupInfo:
    """Write a backup of the store to ``dest`` (replaced if it exists). Needs the admin role."""
    require(actor, "backup")
    resolved = database_url(url)
    dest = Path(dest).resolve()
    if not dest.parent.is_dir():
        raise BackupError(f"{dest.parent} is not a folder; create it or choose another place for the backup")
    engine = upgrade(resolved)
    partial = dest.with_name(f".{dest.name}.partial-{os.getpid()}")
    try:
        info = _sqlite_backup(resolved, partial) if is_sqlite(resolved) else _pg_backup(resolved, partial)
        os.replace(partial, dest)
    finally:
        partial.unlink(missing_ok=True)
    info.file, info.size = dest, dest.stat().st_size
    with engine.begin() as conn:
        audit(
            conn,
            actor,
            "backup",
            str(dest),
            {"engine": info.engine, "revision": info.revision, **info.counts},
        )
    return info


def restore(source: Path | str, *, actor: Actor, url: str | None = None) -> BackupInfo:
    """Replace the store's content with the backup in ``source``, then migrate it to the current
    schema. Refuses a file that is not a backup for this store's engine. Needs the admin role."""
    require(actor, "restore")
    resolved = database_url(url)
    source = Path(source).resolve()
    if not source.is_file():
        raise BackupError(f"{source} does not exist; give the path of a file made by 'backup'")
    engine_name = "sqlite" if is_sqlite(resolved) else "postgresql"
    _check_kind(source, engine_name)
    log = _audit_log(resolved)
    info = _sqlite_restore(source, resolved) if engine_name == "sqlite" else _pg_restore(source, resolved)
    # Every cached engine and the migration check see the restored store from here on.
    dispose_all()
    forget(resolved)
    engine = upgrade(resolved)
    with engine.begin() as conn:
        carried = _carry_over(conn, log)
        details = {
            "engine": engine_name,
            "revision": info.revision,
            "audit_carried_over": carried,
            **info.counts,
        }
        audit(conn, actor, "restore", str(source), details)
    return info


def _audit_log(url: str) -> list[dict[str, Any]]:
    """The live store's audit log, read before a restore replaces it."""
    with write_engine(url).connect() as conn:
        if not inspect(conn).has_table(AUDIT.name):
            return []
        return [dict(row) for row in conn.execute(select(AUDIT)).mappings()]


def _audit_key(row: Any) -> tuple[Any, ...]:
    return row["at"], row["user_name"], row["action"], row["target"]


def _carry_over(conn: Connection, log: list[dict[str, Any]]) -> int:
    """Append the audit lines the backup does not hold (written after it was made): the log stays
    append-only across a restore, so restoring an old backup cannot erase who did what."""
    present = {_audit_key(row) for row in conn.execute(select(AUDIT)).mappings()}
    missing = [{k: v for k, v in row.items() if k != "id"} for row in log if _audit_key(row) not in present]
    if missing:
        conn.execute(insert(AUDIT), missing)
    return len(missing)


def _check_kind(source: Path, engine_name: str) -> None:
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


def _known_revision(revision: str | None, source: str) -> None:
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


# --------------------------------------------------------------------------- SQLite


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("the store is an in-memory SQLite database; there is nothing on disk to back up")
    return Path(database).resolve()


def _file_facts(conn: sqlite3.Connection, name: str) -> tuple[str | None, dict[str, int]]:
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


def _sqlite_backup(url: str, partial: Path) -> BackupInfo:
    store = _sqlite_path(url)
    if not store.exists():
        raise BackupError(f"there is no store at {store}; check DATABASE_URL")
    with (
        contextlib.closing(sqlite3.connect(store, timeout=BUSY_SECONDS)) as src,
        contextlib.closing(sqlite3.connect(partial)) as dst,
    ):
        # pages=-1: the whole database in one step, under one read transaction: a consistent
        # snapshot, however many imports commit meanwhile (WAL lets them).
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        revision, counts = _file_facts(dst, partial.name)
    return BackupInfo(file=partial, engine="sqlite", revision=revision, counts=counts)


def _sqlite_restore(source: Path, url: str) -> BackupInfo:
    store = _sqlite_path(url)
    with contextlib.closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src:
        try:
            revision, counts = _file_facts(src, source.name)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source.name} is damaged ({exc}); use another backup") from None
        _known_revision(revision, source.name)
        store.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(store, timeout=BUSY_SECONDS)) as dst:
            dst.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
            # The backup API takes the store's write lock (waiting for a running import), replaces
            # every page in one transaction, and readers move to the new content at their next read.
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the restored store fails its integrity check ({check}); restore again")
    return BackupInfo(
        file=source, engine="sqlite", revision=revision, size=source.stat().st_size, counts=counts
    )


# --------------------------------------------------------------------------- PostgreSQL


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
        raise BackupError(f"{what} failed: {detail}")
    return done.stdout


def _pg_revision(url: str) -> str | None:
    with upgrade(url).connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def _pg_backup(url: str, partial: Path) -> BackupInfo:
    uri, env = _libpq(url)
    revision = _pg_revision(url)
    _run([_tool("pg_dump"), "--format=custom", f"--file={partial}", f"--dbname={uri}"], env, "pg_dump")
    return BackupInfo(file=partial, engine="postgresql", revision=revision)


def _archive_objects(source: Path, env: dict[str, str]) -> tuple[set[str], set[str]]:
    """The tables and functions a pg_dump archive creates, from ``pg_restore --list``."""
    listing = _run([_tool("pg_restore"), "--list", str(source)], env, f"reading {source.name}")
    tables, functions = set(), set()
    for line in listing.splitlines():
        # "215; 1259 16390 TABLE public facts postgres" / "...; FUNCTION public audit_x() postgres"
        if " TABLE public " in line:
            tables.add(line.split(" TABLE public ")[1].split()[0])
        elif " FUNCTION public " in line:
            functions.add(line.split(" FUNCTION public ")[1].split("(")[0])
    return tables, functions


def _archive_revision(source: Path, env: dict[str, str]) -> str | None:
    """The schema revision inside a pg_dump archive (the one row of alembic_version)."""
    script = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(source)], env,
                  f"reading {source.name}")  # fmt: skip
    lines = script.splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("COPY ") and "alembic_version" in line]
    if not starts or starts[0] + 1 >= len(lines) or lines[starts[0] + 1] == "\\.":
        return None
    return lines[starts[0] + 1].strip()


def _pg_restore(source: Path, url: str) -> BackupInfo:
    uri, env = _libpq(url)
    tables, functions = _archive_objects(source, env)
    missing = [t for t in REQUIRED_TABLES if t not in tables]
    if missing:
        raise BackupError(
            f"{source.name} is a pg_dump archive but not of an Access Monitor store (no {', '.join(missing)} "
            "table); give a file made by 'python -m cli backup'"
        )
    revision = _archive_revision(source, env)
    _known_revision(revision, source.name)
    live_tables, live_functions = _live_objects(url)
    # Objects a newer schema added are not in an older backup: they are dropped in the same
    # transaction (their foreign keys and triggers would block the clean-up), and the migrations
    # that follow create them afresh. One psql transaction: the store is the old one or the new one.
    drops = [f'DROP TABLE IF EXISTS public."{name}" CASCADE;' for name in sorted(live_tables - tables)]
    drops += [
        f'DROP FUNCTION IF EXISTS public."{name}" CASCADE;' for name in sorted(live_functions - functions)
    ]
    # Every table is locked first, without waiting: a restore that waited for one table while
    # holding another could deadlock with a dashboard query; it retries until all are free.
    lock = ", ".join(f'public."{name}"' for name in sorted(live_tables))
    prelude = (
        (f"LOCK TABLE {lock} IN ACCESS EXCLUSIVE MODE NOWAIT;\n" if lock else "") + "\n".join(drops) + "\n"
    )
    deadline = time.monotonic() + BUSY_SECONDS
    while not _restore_script(source, uri, env, prelude):
        if time.monotonic() > deadline:
            raise BackupError(
                f"the store stayed busy for {BUSY_SECONDS} s (imports or long queries) and nothing was "
                "restored; try again when it is quieter"
            )
        time.sleep(0.2)
    return BackupInfo(file=source, engine="postgresql", revision=revision, size=source.stat().st_size)


def _live_objects(url: str) -> tuple[set[str], set[str]]:
    """The store's tables and its own functions (not an extension's) in schema public."""
    functions = text(
        "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e' "
        "WHERE n.nspname = 'public' AND d.objid IS NULL"
    )
    with write_engine(url).connect() as conn:
        return set(inspect(conn).get_table_names()), set(conn.execute(functions).scalars())


def _restore_script(source: Path, uri: str, env: dict[str, str], prelude: str) -> bool:
    """Run ``prelude`` and then pg_restore's SQL for ``source`` in one psql transaction. False when
    the prelude's NOWAIT lock found a table in use (nothing changed); BackupError on other errors."""
    script = [
        _tool("pg_restore"),
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--file=-",
        str(source),
    ]
    psql = [
        _tool("psql"),
        "--single-transaction",
        "--no-psqlrc",
        "--quiet",
        "--set=ON_ERROR_STOP=1",
        f"--dbname={uri}",
    ]
    with tempfile.TemporaryFile() as psql_err, tempfile.TemporaryFile() as dump_err:
        runner = subprocess.Popen(
            psql, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=psql_err, env=env
        )
        assert runner.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # psql stopped early: its own error says why
            runner.stdin.write(prelude.encode())
            runner.stdin.flush()
        dumper = subprocess.Popen(script, stdout=runner.stdin, stderr=dump_err, env=env)
        dumper.wait()
        with contextlib.suppress(BrokenPipeError):
            runner.stdin.close()
        runner.wait()
        # psql first: when it stops at an error, pg_restore fails too, on the closed pipe.
        for process, err, what in ((runner, psql_err, "psql"), (dumper, dump_err, "pg_restore")):
            if process.returncode != 0:
                err.seek(0)
                lines = err.read().decode(errors="replace").strip().splitlines()
                if what == "psql" and any("could not obtain lock" in line for line in lines):
                    return False
                raise BackupError(f"{what} failed, nothing was restored: {' '.join(lines[-3:])}")
    return True
