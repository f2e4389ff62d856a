"""The schema a backup must have: built from the migrations, compared object by object.

A backup is a file someone hands the admin; it may have been crafted. Its schema is compared with
the schema the app's own migrations produce at the backup's revision: a fresh, empty temporary
SQLite file is migrated to that revision with Alembic (once per revision and process), and every
object of ``sqlite_master`` (table, index, trigger, view: type, name, table and normalised SQL, which
carries the columns) must be the same. Anything extra (a trigger promoting a viewer at login, one
deleting audit lines, a view, a table) or missing (the append-only audit triggers) is refused with
the objects named. On PostgreSQL the same expected schema gives the list of tables an archive must
hold; the archive's own DDL is never run (db.backup_pg).
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import tempfile
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from sqlalchemy import Connection, create_engine

from db.migrate import alembic_config

# SQLite's own tables: statistics written by ANALYZE (db.writer runs it) only steer the planner.
IGNORED = re.compile(r"sqlite_stat\d")
AUDIT_TABLE = "audit_events"
# Same function and triggers as migration 0004 (re-created after every PostgreSQL restore).
APPEND_ONLY = "audit_events is append-only: audit lines cannot be changed or deleted"
PG_APPEND_ONLY = (
    "CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    f"BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$",
    "DROP TRIGGER IF EXISTS audit_events_no_change ON audit_events",
    "DROP TRIGGER IF EXISTS audit_events_no_truncate ON audit_events",
    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()",
    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()",
)


class SchemaMismatch(ValueError):
    """A file's schema is not the app's schema at its revision; the message names the objects."""


@dataclass(frozen=True, slots=True)
class SchemaObject:
    kind: str  # table | index | trigger | view
    name: str
    table: str
    sql: str  # normalised; "" for SQLite's automatic indexes

    def label(self) -> str:
        return f"{self.kind} {self.name}" + (f" on {self.table}" if self.table != self.name else "")


_cache: dict[str, dict[str, SchemaObject]] = {}
_raw: dict[str, dict[str, str]] = {}  # per revision: each object's SQL exactly as the migrations wrote it


def normalise(sql: str | None) -> str:
    """SQL text without layout differences: one space between tokens, none inside brackets."""
    if not sql:
        return ""
    flat = " ".join(sql.split())
    return re.sub(r"\s*([(),])\s*", r"\1", flat).rstrip(";").strip()


def objects(conn: sqlite3.Connection, schema: str = "main") -> dict[str, SchemaObject]:
    """Every object of a SQLite file's schema but SQLite's statistics tables, by name."""
    rows = conn.execute(f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master").fetchall()
    return {
        name: SchemaObject(kind, name, table, normalise(sql))
        for kind, name, table, sql in rows
        if not (kind == "table" and IGNORED.fullmatch(name))
    }


def expected(revision: str | None) -> dict[str, SchemaObject]:
    """The schema the migrations build at ``revision`` (None: an empty store), cached per revision."""
    key = revision or ""
    if key not in _cache:
        with tempfile.TemporaryDirectory(prefix="access-monitor-schema-") as folder:
            path = Path(folder) / "expected.db"
            if revision:
                engine = create_engine(f"sqlite:///{path}")
                try:
                    with engine.begin() as conn:
                        command.upgrade(alembic_config(conn), revision)
                finally:
                    engine.dispose()
            with contextlib.closing(sqlite3.connect(path)) as conn:
                _cache[key] = objects(conn)
                _raw[key] = {n: s for n, s in conn.execute("SELECT name, sql FROM sqlite_master") if s}
    return _cache[key]


def expected_tables(revision: str | None) -> set[str]:
    """The tables (SQLite's internal ones aside) a store has at ``revision``: the PostgreSQL check."""
    return {
        o.name for o in expected(revision).values() if o.kind == "table" and not o.name.startswith("sqlite_")
    }


def check(conn: sqlite3.Connection, revision: str | None, name: str, schema: str = "main") -> None:
    """Raise SchemaMismatch naming every object of the file that is extra, missing or different."""
    want, have = expected(revision), objects(conn, schema)
    extra = [have[n].label() for n in sorted(have.keys() - want.keys())]
    missing = [want[n].label() for n in sorted(want.keys() - have.keys())]
    changed = [have[n].label() for n in sorted(have.keys() & want.keys()) if have[n] != want[n]]
    problems = [
        f"{title}: {', '.join(items)}"
        for title, items in (("extra", extra), ("missing", missing), ("different", changed))
        if items
    ]
    if problems:
        raise SchemaMismatch(
            f"{name} does not have the schema Access Monitor makes at revision {revision} "
            f"({'; '.join(problems)}); it was altered or made by other software. Nothing was restored: "
            "use a backup made by 'python -m cli backup'"
        )


def recreate_append_only(conn: sqlite3.Connection | Connection) -> None:
    """Drop and create the audit log's append-only triggers in the store (schema ``main`` on SQLite)
    from the app's own definitions: the head schema's SQL on SQLite, PG_APPEND_ONLY on PostgreSQL.
    Run by every restore, so no restored store lacks them or keeps altered ones."""
    run = conn.execute if isinstance(conn, sqlite3.Connection) else conn.exec_driver_sql
    if isinstance(conn, sqlite3.Connection) or conn.dialect.name == "sqlite":
        from db.migrate import head_revision

        head = head_revision()
        for item in expected(head).values():
            if item.kind == "trigger" and item.table == AUDIT_TABLE:
                run(f'DROP TRIGGER IF EXISTS main."{item.name}"')
                run(_raw[head][item.name])
        return
    for statement in PG_APPEND_ONLY:
        run(statement)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 (refusing an existing file): backups hold accounts and
    confidential facts, and a file created 0600 is never readable by others, not even for a moment."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
