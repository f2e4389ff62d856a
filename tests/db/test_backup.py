"""db.backup: backup and restore round trips while the dashboard reads and imports are written.

The round trip runs on the engine the suite runs on (SQLite, or PostgreSQL with
ACCESS_MONITOR_TEST_PG; there it needs pg_dump and pg_restore and is skipped without them).
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, select, text

from db import queries
from db.auth import Actor, PermissionDenied
from db.backup import BackupError, backup, restore
from db.engine import read_engine
from db.migrate import alembic_config, head_revision
from db.models import AuditEvent
from db.queries import Scope
from db.writer import write_import
from loaders.registry import load_file
from tests.conftest import on_postgres
from tests.db.restore_helpers import backup_dir

__all__ = ["backup_dir"]  # pre-restore backups in the test's folder (an autouse fixture)
ADMIN = Actor("backup-admin", "admin")
EDITOR = Actor("backup-editor", "editor")
PLACES = ["Douma", "Harasta", "Saqba", "Madaya", "Zabadani", "Daraya"]

needs_pg_tools = pytest.mark.skipif(
    on_postgres() and not (shutil.which("pg_dump") and shutil.which("pg_restore")),
    reason="pg_dump / pg_restore not installed",
)


def _toll_file(folder: Path, name: str, rows: int, seed: int) -> Path:
    rng = random.Random(seed)
    lines = ["period_start,period_end,place,killed,injured,sources,notes"]
    for n in range(rows):
        day = dt.date(2017, 1, 1) + dt.timedelta(days=n % 300)
        lines.append(
            f"{day},,{rng.choice(PLACES)},{rng.randint(0, 40)},{rng.randint(0, 90)},SOHR,{name} row {n}"
        )
    path = folder / f"{name}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _ingest(folder: Path, name: str, url: str, rows: int = 200, seed: int = 0) -> int:
    return write_import(load_file(_toll_file(folder, name, rows, seed)), actor=EDITOR, url=url).added


def _state(url: str) -> dict[str, int]:
    """Row counts of the main tables, after checking that every import holds all its facts."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            partial = conn.execute(
                text(
                    "SELECT i.id FROM imports i LEFT JOIN facts f ON f.import_id = i.id "
                    "GROUP BY i.id, i.added HAVING count(f.id) <> i.added"
                )
            ).all()
            assert partial == [], f"imports with missing facts: {partial}"
            if url.startswith("sqlite"):
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("imports", "facts", "places", "import_issues")
            }
    finally:
        engine.dispose()


class _Loop(threading.Thread):
    """Runs ``step`` until stopped, keeping every exception."""

    def __init__(self, step: Callable[[int], None]):
        super().__init__(daemon=True)
        self.step, self.stop, self.errors, self.rounds = step, threading.Event(), [], 0

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.step(self.rounds)
            except Exception as exc:  # collected and asserted on by the test
                self.errors.append(exc)
            self.rounds += 1

    def finish(self) -> None:
        self.stop.set()
        self.join(timeout=120)
        assert not self.is_alive()


def _dashboard_reader(url: str) -> _Loop:
    """What the dashboard does: the store counts, the imports list and the weekly overview, on
    the read engine, while one connection stays open the whole time."""
    held = read_engine(url).connect()

    def step(_: int) -> None:
        held.execute(text("SELECT count(*) FROM facts")).scalar_one()
        held.commit()
        queries.store_counts(url)
        queries.imports(url)
        queries.weekly_overview(dt.date(2017, 6, 5), 8, Scope(), url)
        time.sleep(0.01)

    reader = _Loop(step)
    reader.held = held  # type: ignore[attr-defined]
    return reader


def _writer(folder: Path, url: str, prefix: str, count: int) -> _Loop:
    """Imports ``count`` files one after another (each its own transaction), then idles."""

    def step(n: int) -> None:
        if n < count:
            _ingest(folder, f"{prefix}{n}", url, rows=150, seed=1000 + n)
            if n == count - 1:
                writer.done.set()

    writer = _Loop(step)
    writer.done = threading.Event()  # type: ignore[attr-defined]
    return writer


def _finish_writer(writer: _Loop) -> None:
    assert writer.done.wait(timeout=120)  # type: ignore[attr-defined]
    writer.finish()
    assert writer.errors == []


@needs_pg_tools
def test_round_trip_while_reading_and_importing(store_url: str, tmp_path: Path) -> None:
    for n in range(3):
        _ingest(tmp_path, f"seed{n}", store_url, seed=n)
    file = tmp_path / "backups" / "store.backup"
    file.parent.mkdir()
    reader = _dashboard_reader(store_url)
    reader.start()

    # 1. Backup while an import stream commits: the backup holds whole imports only.
    writer = _writer(tmp_path, store_url, "during-backup-", count=4)
    writer.start()
    time.sleep(0.3)
    info = backup(file, actor=ADMIN, url=store_url)
    _finish_writer(writer)
    assert sorted(p.name for p in file.parent.iterdir()) == ["store.backup"]  # no partial file left
    assert info.revision == head_revision() and info.size > 0
    after_writes = _state(store_url)

    # 2. Restore while another import stream commits: whatever lands after the restore lands whole.
    writer = _writer(tmp_path, store_url, "during-restore-", count=3)
    writer.start()
    time.sleep(0.2)
    restore(file, actor=ADMIN, url=store_url)
    _finish_writer(writer)
    _state(store_url)

    # 3. Restore again, quietly: the store is exactly the backup, while the reader still reads.
    restored = restore(file, actor=ADMIN, url=store_url)
    counts = _state(store_url)
    reader.finish()
    reader.held.close()  # type: ignore[attr-defined]
    assert reader.errors == [], [str(e.__cause__ or e)[:300] for e in reader.errors]
    assert reader.rounds >= 3
    assert 3 <= counts["imports"] <= after_writes["imports"]
    if info.counts:  # SQLite: the backup's own counts
        assert counts == {k: info.counts[k] for k in counts} == restored.counts
    assert restore(file, actor=ADMIN, url=store_url).revision == head_revision()
    assert _state(store_url) == counts


def test_restore_refuses_files_that_are_not_backups_of_this_engine(store_url: str, tmp_path: Path) -> None:
    _ingest(tmp_path, "seed", store_url)
    before = _state(store_url)
    other = "SQLite" if on_postgres() else "PostgreSQL"
    cases = {
        "notes.txt": (b"just some text\n", "is not an Access Monitor backup"),
        "other.backup": (b"SQLite format 3\x00" if on_postgres() else b"PGDMP\x01\x0e", f"is a {other.lower()} backup but the store is"),
    }  # fmt: skip
    for name, (data, message) in cases.items():
        path = tmp_path / name
        path.write_bytes(data + bytes(200))
        with pytest.raises(BackupError, match=message):
            restore(path, actor=ADMIN, url=store_url)
    with pytest.raises(BackupError, match="does not exist"):
        restore(tmp_path / "missing.backup", actor=ADMIN, url=store_url)
    assert _state(store_url) == before


@pytest.mark.skipif(on_postgres(), reason="SQLite files")
def test_restore_refuses_a_foreign_or_newer_sqlite_file(store_url: str, tmp_path: Path) -> None:
    _ingest(tmp_path, "seed", store_url)
    before = _state(store_url)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE notes (x)")
    with pytest.raises(BackupError, match="is a SQLite file but not an Access Monitor store"):
        restore(foreign, actor=ADMIN, url=store_url)
    newer = tmp_path / "newer.backup"
    backup(newer, actor=ADMIN, url=store_url)
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    with pytest.raises(BackupError, match="made by a newer version"):
        restore(newer, actor=ADMIN, url=store_url)
    assert _state(store_url) == before


@pytest.mark.skipif(on_postgres(), reason="downgrades a SQLite backup file in place")
def test_restore_upgrades_an_older_backup(store_url: str, tmp_path: Path) -> None:
    _ingest(tmp_path, "seed", store_url)
    counts = _state(store_url)
    old = tmp_path / "old.backup"
    backup(old, actor=ADMIN, url=store_url)
    engine = create_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
    engine.dispose()
    with sqlite3.connect(old) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0].startswith("0002")
    _ingest(tmp_path, "later", store_url, seed=9)
    info = restore(old, actor=ADMIN, url=store_url)
    assert info.revision is not None and info.revision.startswith("0002")
    assert _state(store_url) == counts
    with create_engine(store_url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
        assert conn.execute(text("SELECT count(*) FROM place_shapes")).scalar_one() == 0  # 0003 re-applied


@pytest.mark.skipif(not on_postgres() or not shutil.which("pg_dump"), reason="PostgreSQL with pg_dump")
def test_restore_upgrades_an_older_pg_dump(store_url: str, tmp_path: Path) -> None:
    """A dump taken at schema 0002: the tables later migrations add are dropped and made afresh."""
    import subprocess

    from sqlalchemy.engine import make_url

    from db.engine import dispose_all
    from db.migrate import forget

    _ingest(tmp_path, "seed", store_url)
    counts = _state(store_url)
    engine = create_engine(store_url)
    with engine.begin() as conn:
        command.downgrade(alembic_config(conn), "0002")
    engine.dispose()
    old = tmp_path / "old.dump"
    uri = make_url(store_url).set(drivername="postgresql").render_as_string(hide_password=False)
    subprocess.run(["pg_dump", "--format=custom", f"--file={old}", f"--dbname={uri}"], check=True)
    dispose_all()
    forget(store_url)
    _ingest(tmp_path, "later", store_url, seed=9)  # upgrades the store to head again, then imports
    info = restore(old, actor=ADMIN, url=store_url)
    assert info.revision is not None and info.revision.startswith("0002")
    assert _state(store_url) == counts
    with create_engine(store_url).connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
        assert conn.execute(text("SELECT count(*) FROM place_shapes")).scalar_one() == 0


def test_only_admins_back_up_and_restore(store_url: str, tmp_path: Path) -> None:
    for actor in (EDITOR, Actor("reader", "viewer")):
        with pytest.raises(PermissionDenied, match="may not back up the store"):
            backup(tmp_path / "x.backup", actor=actor, url=store_url)
        with pytest.raises(PermissionDenied, match="may not restore the store"):
            restore(tmp_path / "x.backup", actor=actor, url=store_url)
    assert not (tmp_path / "x.backup").exists()


@needs_pg_tools
def test_backup_and_restore_are_audited_and_the_log_survives(store_url: str, tmp_path: Path) -> None:
    _ingest(tmp_path, "seed", store_url)
    file = tmp_path / "audited.backup"
    backup(file, actor=ADMIN, url=store_url)
    _ingest(tmp_path, "after-the-backup", store_url, seed=5)  # audited after the backup was made
    restore(file, actor=ADMIN, url=store_url)
    with create_engine(store_url).connect() as conn:
        events = conn.execute(
            select(AuditEvent.user, AuditEvent.action, AuditEvent.target).order_by(AuditEvent.id)
        ).all()
    assert [(user, action) for user, action, _ in events] == [
        (EDITOR.name, "import"), (ADMIN.name, "backup"), (EDITOR.name, "import"), (ADMIN.name, "restore"),
    ]  # fmt: skip
    assert events[2].target == "after-the-backup.csv" and events[3].target == str(file.resolve())
    assert _state(store_url)["imports"] == 1  # the import after the backup is gone; its audit line is not
