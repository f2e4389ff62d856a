"""The SQLite store file and its -wal/-shm companions are created readable by their owner only (0600),
whatever the umask (issue 13 item 15: they were world-readable)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.auth import add_user
from db.engine import create_private, dispose_all
from db.migrate import forget
from tests.conftest import ADMIN, on_postgres


@pytest.fixture
def open_umask() -> Iterator[None]:
    before = os.umask(0o022)  # the usual default: files world-readable
    yield
    os.umask(before)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(on_postgres(), reason="a PostgreSQL store has no file of ours")
def test_a_new_store_and_its_wal_are_owner_only(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "data" / "store.db"
    url = f"sqlite:///{path}"
    try:
        add_user("amal", "lemon tree at dusk", "editor", actor=ADMIN, url=url)  # migrates, then writes
        files = {p.name: _mode(p) for p in path.parent.iterdir()}
        assert files["store.db"] == 0o600
        assert {"store.db-wal", "store.db-shm"} <= set(files)  # WAL mode: open while the engine lives
        assert set(files.values()) == {0o600}, files
    finally:
        forget(url)
        dispose_all()


def test_an_existing_file_is_left_as_it_is(tmp_path: Path, open_umask: None) -> None:
    path = tmp_path / "shared.db"
    path.write_bytes(b"")
    path.chmod(0o640)  # an admin's deliberate choice (a group that backs up the store)
    create_private(path)
    assert _mode(path) == 0o640
    fresh = tmp_path / "fresh.db"
    create_private(fresh)
    assert _mode(fresh) == 0o600 and fresh.stat().st_size == 0
