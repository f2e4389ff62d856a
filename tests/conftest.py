"""Shared fixtures: a fresh store per test, the shared/ data folder when it exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from db.engine import dispose_all
from db.migrate import forget

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "inputs"
SHARED_DATA = Path(os.environ.get("ACCESS_MONITOR_SHARED", ROOT.parent / "shared")) / "data"


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A new, empty SQLite store file; DATABASE_URL points at it for the test's duration."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
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
