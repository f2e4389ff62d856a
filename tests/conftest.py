"""Shared fixtures: a fresh store per test, the shared/ data folder when it exists.

Stores are SQLite files by default. With ``ACCESS_MONITOR_TEST_PG`` set to a PostgreSQL server URL
(``postgresql+psycopg://postgres@127.0.0.1:54329/postgres``), every store is a fresh database on
that server instead, so the same suite runs on both engines (.ci/run does both).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db.auth import Actor
from db.engine import dispose_all
from db.migrate import forget

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "inputs"
SHARED_DATA = Path(os.environ.get("ACCESS_MONITOR_SHARED", ROOT.parent / "shared")) / "data"
PG_SERVER = os.environ.get("ACCESS_MONITOR_TEST_PG")
_created: list[str] = []  # PostgreSQL test databases, dropped when the session ends
# Who acts in tests that are not about roles (write_import, review, merge and export take an actor).
EDITOR = Actor("tester", "editor")
VIEWER = Actor("viewer", "viewer")
ADMIN = Actor("admin", "admin")


def on_postgres() -> bool:
    return bool(PG_SERVER)


def fresh_store_url(folder: Path, name: str = "store") -> str:
    """A URL for a new, empty store: a SQLite file in ``folder``, or a new PostgreSQL database."""
    if not PG_SERVER:
        return f"sqlite:///{folder / f'{name}.db'}"
    database = f"am_test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    _created.append(database)
    return make_url(PG_SERVER).set(database=database).render_as_string(hide_password=False)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Drop the PostgreSQL databases this session created (FORCE closes leftover connections)."""
    if not PG_SERVER or not _created:
        return
    dispose_all()
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for database in _created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty store; DATABASE_URL points at it for the test's duration."""
    url = fresh_store_url(tmp_path)
    monkeypatch.setenv("DATABASE_URL", url)
    dispose_all()
    yield url
    forget(url)
    dispose_all()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data folder not found at {SHARED_DATA}")
    return SHARED_DATA
