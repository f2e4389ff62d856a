"""Issue 13 items 13 and 15 (backups): private files, the store's own path refused, a full disk and
another page size end in clear messages, and the CLI around restore."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from psycopg.errors import DiskFull
from sqlalchemy.exc import OperationalError

import cli
from db import backup_pg, backup_sqlite, writer
from db.backup import BackupError, backup, restore
from db.backup_common import sqlite_path
from tests.conftest import on_postgres
from tests.db.restore_helpers import ADMIN, backup_dir, counts, ingest, needs_pg_tools, snapshot

__all__ = ["backup_dir"]
sqlite_only = pytest.mark.skipif(on_postgres(), reason="SQLite files")
DISK_FULL = sqlite3.OperationalError("database or disk is full")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@needs_pg_tools
def test_backups_and_pre_restore_copies_are_private(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "seed", store_url)
    old = os.umask(0)  # even with a umask that lets everyone read
    try:
        file = tmp_path / "store.backup"
        backup(file, actor=ADMIN, url=store_url)
        assert _mode(file) == 0o600
        file.chmod(0o644)
        backup(file, actor=ADMIN, url=store_url)  # replacing a readable file makes it private too
        assert _mode(file) == 0o600
        info = restore(file, actor=ADMIN, url=store_url)
    finally:
        os.umask(old)
    assert info.pre_restore is not None and _mode(info.pre_restore) == 0o600
    assert _mode(info.pre_restore.parent) == 0o700


@sqlite_only
def test_a_backup_onto_the_store_or_its_side_files_is_refused(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "seed", store_url)
    store = sqlite_path(store_url)
    before = snapshot(store_url)
    link = tmp_path / "innocent.backup"
    link.symlink_to(store)
    for dest in (store, Path(f"{store}-wal"), Path(f"{store}-shm"), Path(f"{store}-journal"), link):
        with pytest.raises(BackupError, match=r"is the store itself.*write the backup to another file"):
            backup(dest, actor=ADMIN, url=store_url)
    assert snapshot(store_url) == before and link.is_symlink()


@sqlite_only
def test_a_full_disk_during_backup_is_a_clear_message(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ingest(tmp_path, "seed", store_url)

    def full(*_args: object) -> None:
        raise DISK_FULL

    monkeypatch.setattr(backup_sqlite, "file_facts", full)
    with pytest.raises(BackupError, match=r"no backup written: the disk holding .* is full.*free space"):
        backup(tmp_path / "store.backup", actor=ADMIN, url=store_url)
    assert sorted(p.name for p in tmp_path.iterdir() if "backup" in p.name) == []  # no partial file


@needs_pg_tools
@pytest.mark.parametrize("step", ["migrate_to_head", "before_commit"])
def test_a_full_disk_during_restore_is_a_clear_message(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    ingest(tmp_path, "seed", store_url)
    file = tmp_path / "store.backup"
    backup(file, actor=ADMIN, url=store_url)
    ingest(tmp_path, "later", store_url, seed=3)
    before = snapshot(store_url)

    def full(_conn: object) -> None:
        if on_postgres():  # the server's own error (SQLSTATE 53100)
            raise OperationalError("COPY ...", {}, DiskFull("could not extend file: No space left on device"))
        raise OperationalError("INSERT INTO facts ...", {}, DISK_FULL)

    monkeypatch.setattr(backup_pg if on_postgres() else backup_sqlite, step, full)
    with pytest.raises(
        BackupError, match=r"nothing restored: the disk holding .* is full.*Nothing was changed"
    ):
        restore(file, actor=ADMIN, url=store_url)
    assert snapshot(store_url) == before


@needs_pg_tools
def test_a_full_disk_during_an_import_is_a_clear_message(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(tmp_path, "seed", store_url)
    before = snapshot(store_url)
    real = writer._write_issues

    def full(*args: object) -> None:  # after the facts are written, inside the import's transaction
        real(*args)  # type: ignore[arg-type]
        error = DiskFull("could not extend file: No space left on device") if on_postgres() else DISK_FULL
        raise OperationalError("INSERT INTO import_issues ...", {}, error)

    monkeypatch.setattr(writer, "_write_issues", full)
    table = tmp_path / "more.csv"
    table.write_text("period_start,place,killed,sources\n2018-03-01,Douma,4,SOHR\n", encoding="utf-8")
    assert cli.main(["ingest", str(table)]) == 1
    printed = capsys.readouterr()
    assert "disk holding the store is full" in printed.out + printed.err and "Traceback" not in printed.err
    assert snapshot(store_url) == before


@sqlite_only
def test_a_backup_with_another_page_size_restores(store_url: str, tmp_path: Path) -> None:
    ingest(tmp_path, "seed", store_url)
    file = tmp_path / "store.backup"
    backup(file, actor=ADMIN, url=store_url)
    backed_up = counts(store_url)
    with contextlib.closing(sqlite3.connect(file)) as conn:
        conn.execute("PRAGMA page_size = 16384")
        conn.execute("VACUUM")
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 16384
    ingest(tmp_path, "later", store_url, seed=3)
    restore(file, actor=ADMIN, url=store_url)
    assert counts(store_url) == backed_up
    with contextlib.closing(sqlite3.connect(sqlite_path(store_url))) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@needs_pg_tools
def test_restore_cli_keeps_accounts_and_undoes(
    store_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ingest(tmp_path, "seed", store_url)
    file = tmp_path / "store.backup"
    assert cli.main(["backup", str(file)]) == 0
    assert "readable by its owner only" in capsys.readouterr().out
    ingest(tmp_path, "later", store_url, seed=3)
    later = counts(store_url)
    assert cli.main(["restore", str(file)]) == 0
    printed = capsys.readouterr().out
    assert "accounts kept from the live store" in printed and "restore --undo" in printed
    assert counts(store_url) != later
    assert cli.main(["restore", "--undo"]) == 0
    assert counts(store_url) == later
    assert cli.main(["restore"]) == 2  # neither a file nor --undo
    assert "give either a backup FILE or --undo" in capsys.readouterr().err
