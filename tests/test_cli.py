"""The command line as a scheduled job uses it: exit codes, summary table, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli

TABLES = Path(__file__).resolve().parent / "fixtures" / "inputs" / "tables"


def test_ingest_prints_summary_and_rejects(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--user", "amal", "ingest", str(TABLES / "convoys_semicolon_dmy.csv")]) == 0
    out = capsys.readouterr().out
    assert "Import summary" in out and "convoys_semicolon_dmy.csv" in out
    assert "2 row(s) rejected" in out
    assert "row 6, column 'trucks': 'abc' is not a count" in out
    # The same file again: recognised, nothing added.
    assert cli.main(["ingest", str(TABLES / "convoys_semicolon_dmy.csv")]) == 0
    assert "already imported" in capsys.readouterr().out


def test_refused_file_exits_1_with_the_reason(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = cli.main(
        ["ingest", str(TABLES / "convoys_ambiguous_dates.csv"), str(TABLES / "besieged_utf16.csv")]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "refused" in out and "--date-order dmy" in out
    assert "besieged_utf16.csv" in out and "imported" in out  # the good file still landed
    assert cli.main(["ingest", "--date-order", "mdy", str(TABLES / "convoys_ambiguous_dates.csv")]) == 0


def test_places_import_refuses_fact_files(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["places", "import", str(TABLES / "besieged_utf16.csv")]) == 1
    assert "not a gazetteer" in capsys.readouterr().out


def test_demo_loads_once(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "convoys.csv" in out and "tolls.csv" in out and "refused" not in out
    assert cli.main(["demo"]) == 0
    assert "already holds facts" in capsys.readouterr().out


def test_places_unverified_and_merge(
    store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    table = tmp_path / "tolls.csv"
    table.write_text(
        "period_start,place,admin1,killed,sources\n2018-03-01,Dooma,Rural Damascus,4,SOHR\n", encoding="utf-8"
    )
    assert cli.main(["ingest", str(table)]) == 0
    capsys.readouterr()
    assert cli.main(["places", "unverified"]) == 0
    listing = capsys.readouterr().out
    assert "Dooma" in listing and "places merge" in listing
    assert cli.main(["places", "merge", "999999", "1"]) == 1


def test_backup_and_restore_commands(
    store_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACCESS_MONITOR_BACKUP_DIR", str(tmp_path / "pre-restore"))  # not data/backups/
    assert cli.main(["ingest", str(TABLES / "besieged_utf16.csv")]) == 0
    backup = tmp_path / "store.backup"
    assert cli.main(["backup", str(backup)]) == 0
    assert backup.exists() and backup.stat().st_size > 0
    assert cli.main(["ingest", str(TABLES / "convoys_semicolon_dmy.csv")]) == 0
    assert cli.main(["restore", str(backup)]) == 0
    capsys.readouterr()
    from db.queries import store_counts

    counts = store_counts(store_url)
    assert counts.get("besieged_population") == 4 and not counts.get("convoy")  # back to the backup
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello", encoding="utf-8")
    assert cli.main(["restore", str(not_a_backup)]) == 1
    assert "not restored" in capsys.readouterr().err


def test_ingest_size_limit_is_optional(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ingest", "--max-mb", "0.0001", str(TABLES / "convoys_semicolon_dmy.csv")]) == 1
    assert "refused" in capsys.readouterr().out
    assert cli.main(["ingest", str(TABLES / "convoys_semicolon_dmy.csv")]) == 0


def test_rollups_command_repairs_summary_tables(store_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Facts changed by hand in SQL leave the rollups behind; `cli rollups` recomputes them."""
    from sqlalchemy import text

    from db.engine import write_engine
    from db.queries import store_counts

    assert cli.main(["ingest", str(TABLES / "convoys_semicolon_dmy.csv")]) == 0
    with write_engine(store_url).begin() as conn:
        conn.execute(text("UPDATE facts SET retracted = TRUE"))  # by hand: no refresh runs
    assert store_counts(store_url).get("convoy") == 3  # the summary still counts them
    assert cli.main(["rollups"]) == 0
    assert "Rollups rebuilt from 0 live facts" in capsys.readouterr().out
    assert store_counts(store_url).get("convoy", 0) == 0
