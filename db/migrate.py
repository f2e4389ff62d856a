"""Bring a store to the current schema and seed the built-in vocabularies. Safe to run at every start.

Several processes may start at once (four ingests, the dashboard): the check-and-upgrade runs
inside one write transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so
only the first applies migrations and the rest find the store current.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from db.engine import is_sqlite, write_engine

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x4143434D  # "ACCM": PostgreSQL advisory lock key for migrations
_done: set[str] = set()


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head() or ""


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(url: str | None = None) -> Engine:
    """Apply pending migrations and seed vocabularies once per process; return the write engine."""
    engine = write_engine(url)
    key = str(engine.url)
    if key in _done:
        return engine
    head = head_revision()
    with engine.connect() as conn, conn.begin():
        if not is_sqlite(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
        if current_revision(conn) != head:
            command.upgrade(alembic_config(conn), "head")
        from db.seed import seed_vocabularies

        seed_vocabularies(conn)
    _done.add(key)
    return engine


def forget(url: str | None = None) -> None:
    """Tests: let the next ``upgrade`` check the store again."""
    _done.discard(str(write_engine(url).url))
