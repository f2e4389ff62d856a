"""Dashboard fixtures: temp-file SQLite stores (never the live data/ store), empty or demo-like.

The demo-like store is filled the real way: small CSVs in the project's table layouts, read by
loaders.registry.load_file and stored by db.writer.write_import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import session
from dashboard.session import SESSION_KEY, SINGLE_USER_ENV
from db import auth
from db.auth import Actor
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import fresh_store_url
from tests.dashboard.seed import SEED_FILES, Store, import_csv


@pytest.fixture(autouse=True)
def single_user_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """Page tests run through AppTest, which makes no HTTP request: opt in to single-user mode as admin
    (as `make run` opts in) and present the Host a browser on this machine sends. Tests of the
    refusals (tests/dashboard/test_single_user.py) undo either."""
    monkeypatch.setenv(SINGLE_USER_ENV, "admin")
    monkeypatch.setattr(session, "request_headers", lambda: [("Host", f"localhost:{session.server_port()}")])


def _reset(url: str) -> None:
    forget(url)
    dispose_all()
    st.cache_data.clear()


def _seed(folder: Path) -> Store:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "store.db"
    url = fresh_store_url(folder)
    upgrade(url)
    summaries = {name: import_csv(folder, name, text, url) for name, text in SEED_FILES.items()}
    _reset(url)
    return Store(url, path, summaries)


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Built once; tests only read it (the app never writes except migrations, already applied)."""
    return _seed(tmp_path_factory.mktemp("seeded"))


def _use(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", store_url)
    _reset(store_url)


@pytest.fixture
def seeded_store(seeded_template: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    _use(seeded_template.url, monkeypatch)
    yield seeded_template
    _reset(seeded_template.url)


@pytest.fixture
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Store]:
    path = tmp_path / "empty.db"
    url = fresh_store_url(tmp_path, "empty")
    _use(url, monkeypatch)
    yield Store(url, path, {})
    _reset(url)


PASSWORD = "correct horse battery"


def login(at: AppTest, url: str, name: str, role: str, minutes: int = 60) -> AppTest:
    """Log ``at``'s session in as account ``name`` (created with ``role`` when missing). Once an
    account exists the app requires a login, as on a team server."""
    if auth.current_role(name, url) is None:
        auth.add_user(name, PASSWORD, role, actor=Actor("test-setup", "admin"), url=url)
    expires = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    at.session_state[SESSION_KEY] = {"name": name, "role": role, "expires": expires}
    return at
