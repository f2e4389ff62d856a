"""What the restore tests share: a store with accounts, facts and audit lines, and snapshots of it."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from db.auth import Actor, add_user
from db.backup_common import BACKUP_DIR_ENV
from db.writer import write_import
from loaders.registry import load_file
from tests.conftest import on_postgres

ADMIN = Actor("restore-admin", "admin")
EDITOR = Actor("restore-editor", "editor")
PASSWORD = "Tamarind-Lantern-4417"

needs_pg_tools = pytest.mark.skipif(
    on_postgres() and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump / pg_restore not installed",
)


@pytest.fixture(autouse=True)
def backup_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Pre-restore backups in the test's folder (on PostgreSQL they would go to data/backups/)."""
    folder = tmp_path / "pre-restore-backups"
    monkeypatch.setenv(BACKUP_DIR_ENV, str(folder))
    yield folder


def ingest(folder: Path, name: str, url: str, rows: int = 40, seed: int = 0) -> int:
    lines = ["period_start,period_end,place,killed,injured,sources,notes"]
    for n in range(rows):
        day = dt.date(2017, 1, 1) + dt.timedelta(days=(n + seed) % 300)
        lines.append(f"{day},,Douma,{n % 7},{(n + seed) % 11},SOHR,{name} row {n}")
    path = folder / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return write_import(load_file(path), actor=EDITOR, url=url).added


def add_accounts(url: str, *names_roles: tuple[str, str]) -> None:
    for name, role in names_roles:
        add_user(name, PASSWORD, role, actor=ADMIN, url=url)


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql))]
    finally:
        engine.dispose()


def users(url: str) -> list[tuple[Any, ...]]:
    """Every account as it is stored, hash included."""
    return query(
        url, "SELECT id, name, password_hash, role, disabled, created_at, last_login FROM users ORDER BY id"
    )


def audit_lines(url: str) -> list[tuple[Any, ...]]:
    return query(url, "SELECT at, user_name, action, target FROM audit_events ORDER BY id")


def counts(url: str) -> dict[str, int]:
    return {t: query(url, f"SELECT count(*) FROM {t}")[0][0] for t in ("imports", "facts", "places")}


def snapshot(url: str) -> dict[str, Any]:
    """Everything a restore must keep or may replace: counts, accounts, the audit log."""
    return {"counts": counts(url), "users": users(url), "audit": audit_lines(url)}
