"""Issue 13 item 2: a restore trusts no object of a backup it did not make.

The attack: a crafted SQLite file with an extra admin, a trigger promoting a viewer at login, a
trigger dropping audit lines and no append-only triggers was accepted. Each is now refused before
anything changes (missing audit triggers too: refused, as the app always makes them; and they are
re-created from the app's code after every restore). On PostgreSQL the archive's functions and
triggers are never run.
"""

from __future__ import annotations

import contextlib
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import backup_schema
from db.backup import BackupError, backup, restore
from db.backup_common import sqlite_path
from db.migrate import head_revision
from tests.conftest import on_postgres
from tests.db.restore_helpers import (
    ADMIN,
    add_accounts,
    backup_dir,
    ingest,
    needs_pg_tools,
    query,
    snapshot,
    users,
)

__all__ = ["backup_dir"]
sqlite_only = pytest.mark.skipif(on_postgres(), reason="crafted SQLite files")

PROMOTE_AT_LOGIN = (
    "CREATE TRIGGER promote_at_login AFTER UPDATE OF last_login ON users "
    "BEGIN UPDATE users SET role = 'admin' WHERE id = NEW.id; END"
)
DROP_AUDIT_LINES = (
    "CREATE TRIGGER forget_admin AFTER INSERT ON audit_events WHEN NEW.user_name = 'root' "
    "BEGIN DELETE FROM audit_events WHERE id = NEW.id; END"
)
CRAFTS = {
    "promote_at_login": ([PROMOTE_AT_LOGIN], "extra: trigger promote_at_login on users"),
    "drop_audit_lines": (
        ["DROP TRIGGER audit_events_no_delete", "DROP TRIGGER audit_events_no_update", DROP_AUDIT_LINES],
        "extra: trigger forget_admin on audit_events; missing: trigger audit_events_no_delete on "
        "audit_events, trigger audit_events_no_update on audit_events",
    ),
    "no_audit_triggers": (["DROP TRIGGER audit_events_no_delete"], "missing: trigger audit_events_no_delete"),
    "extra_table": (["CREATE TABLE notes (x TEXT)"], "extra: table notes"),
    "extra_view": (
        ["CREATE VIEW admins AS SELECT name FROM users WHERE role = 'admin'"],
        "extra: view admins\\)",
    ),
    "extra_index": (["CREATE INDEX ix_users_role ON users (role)"], "extra: index ix_users_role on users"),
    "changed_table": (["ALTER TABLE users ADD COLUMN mfa TEXT"], "different: table users"),
}


def _crafted(url: str, tmp_path: Path, name: str, statements: list[str]) -> Path:
    file = tmp_path / f"{name}.backup"
    backup(file, actor=ADMIN, url=url)
    with contextlib.closing(sqlite3.connect(file)) as conn:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    return file


@sqlite_only
@pytest.mark.parametrize("craft", sorted(CRAFTS))
def test_crafted_schema_objects_are_refused(store_url: str, tmp_path: Path, craft: str) -> None:
    add_accounts(store_url, ("root", "admin"), ("omar", "viewer"))
    ingest(tmp_path, "seed", store_url)
    statements, message = CRAFTS[craft]
    file = _crafted(store_url, tmp_path, craft, statements)
    before = snapshot(store_url)
    with pytest.raises(
        BackupError, match=f"does not have the schema.*{message}.*Nothing was restored"
    ) as err:
        restore(file, actor=ADMIN, url=store_url)
    assert "revision " + head_revision() in str(err.value)
    assert snapshot(store_url) == before
    assert not list(sqlite_path(store_url).parent.glob(".*.restore-*"))  # no temporary copy left


@sqlite_only
def test_an_extra_admin_row_in_a_backup_gives_nobody_access(store_url: str, tmp_path: Path) -> None:
    add_accounts(store_url, ("root", "admin"), ("omar", "viewer"))
    ingest(tmp_path, "seed", store_url)
    file = _crafted(store_url, tmp_path, "extra-admin", [
        "INSERT INTO users (name, password_hash, role, disabled, created_at) "
        "VALUES ('mallory', 'x', 'admin', 0, '2026-01-01 00:00:00')",
        "UPDATE users SET role = 'admin' WHERE name = 'omar'",
    ])  # fmt: skip
    live = users(store_url)
    restore(file, actor=ADMIN, url=store_url)
    assert users(store_url) == live
    assert query(store_url, "SELECT role FROM users WHERE name = 'omar'") == [("viewer",)]


@sqlite_only
def test_restored_store_has_exactly_the_apps_schema(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "seed", store_url)
    file = tmp_path / "plain.backup"
    backup(file, actor=ADMIN, url=store_url)
    with contextlib.closing(sqlite3.connect(sqlite_path(store_url))) as conn:  # someone removed one
        conn.execute("DROP TRIGGER audit_events_no_delete")
    restore(file, actor=ADMIN, url=store_url)  # re-creates the append-only triggers in the store
    with contextlib.closing(sqlite3.connect(sqlite_path(store_url))) as conn:
        backup_schema.check(conn, head_revision(), "the restored store")  # raises on any difference
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            conn.execute("DELETE FROM audit_events")


def test_expected_schema_is_built_from_the_migrations() -> None:
    """The reference the checks use: every revision's own objects, so an older backup is judged by
    its revision (0002 has no audit log, the head has its triggers)."""
    old, head = backup_schema.expected("0002"), backup_schema.expected(head_revision())
    assert "audit_events" not in old and "facts" in old
    assert {"audit_events_no_update", "audit_events_no_delete"} <= {
        o.name for o in head.values() if o.kind == "trigger"
    }
    assert backup_schema.expected_tables("0002") < backup_schema.expected_tables(head_revision())


@pytest.mark.skipif(not on_postgres(), reason="pg_dump archives")
@needs_pg_tools
def test_pg_archive_functions_and_triggers_are_never_run(store_url: str, tmp_path: Path) -> None:
    add_accounts(store_url, ("root", "admin"), ("omar", "viewer"))
    ingest(tmp_path, "seed", store_url)
    engine = create_engine(store_url)
    with engine.begin() as conn:  # the crafted store the archive is made from
        conn.execute(text(
            "CREATE FUNCTION promote() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE users SET role = 'admin'; RETURN NEW; END $$"
        ))  # fmt: skip
        conn.execute(
            text(
                "CREATE TRIGGER promote_on_insert AFTER INSERT ON facts FOR EACH STATEMENT EXECUTE FUNCTION promote()"
            )
        )
        conn.execute(text("DROP TRIGGER audit_events_no_change ON audit_events"))
    engine.dispose()
    archive = tmp_path / "crafted.dump"
    uri = make_url(store_url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={archive}", f"--dbname={uri}"], check=True)
    listing = subprocess.run(
        ["pg_restore", "--list", str(archive)], check=True, capture_output=True, text=True
    )
    assert (
        "FUNCTION public promote()" in listing.stdout
        and "TRIGGER public facts promote_on_insert" in listing.stdout
    )

    restore(archive, actor=ADMIN, url=store_url)
    ingest(tmp_path, "after", store_url, seed=4)  # would fire the crafted trigger if it existed
    assert query(store_url, "SELECT role FROM users WHERE name = 'omar'") == [("viewer",)]
    assert query(store_url, "SELECT count(*) FROM pg_proc WHERE proname = 'promote'") == [(0,)]
    triggers = {row[0] for row in query(store_url, "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")}
    assert triggers == {"audit_events_no_change", "audit_events_no_truncate"}  # re-created from code
    with pytest.raises(Exception, match="append-only"):
        query(store_url, "DELETE FROM audit_events")


@pytest.mark.skipif(not on_postgres(), reason="pg_dump archives")
@needs_pg_tools
def test_pg_archive_with_other_tables_is_refused(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "seed", store_url)
    engine = create_engine(store_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE notes (x text)"))
    archive = tmp_path / "extra-table.dump"
    uri = make_url(store_url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={archive}", f"--dbname={uri}"], check=True)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE notes"))
    engine.dispose()
    before = snapshot(store_url)
    with pytest.raises(BackupError, match=r"extra: notes; missing: none.*Nothing was restored"):
        restore(archive, actor=ADMIN, url=store_url)
    assert snapshot(store_url) == before
