"""`cli ingest` has the upload size limit by default (issue 13, item 8); --max-mb lifts it."""

from __future__ import annotations

from pathlib import Path

import pytest

import cli
from loaders.safety import MAX_UPLOAD_ENV

TABLES = Path(__file__).resolve().parent / "fixtures" / "inputs" / "tables"
FILE = TABLES / "convoys_semicolon_dmy.csv"


def test_ingest_refuses_files_over_the_upload_limit_by_default(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, "0.0001")  # about 100 bytes: the file is larger
    assert cli.main(["ingest", str(FILE)]) == 1
    out = capsys.readouterr().out
    assert "refused" in out and "over the" in out and MAX_UPLOAD_ENV in out
    assert cli.main(["ingest", "--max-mb", "1", str(FILE)]) == 0  # an explicit limit wins
    capsys.readouterr()


def test_max_mb_zero_lifts_the_limit(
    store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(MAX_UPLOAD_ENV, "0.0001")
    assert cli.main(["ingest", "--max-mb", "0", str(FILE)]) == 0
    assert "refused" not in capsys.readouterr().out


def test_default_limit_is_the_upload_limit(
    tmp_path: Path, store_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the variable: 50 MB, as for uploads (a sparse 51 MB file is refused by its size,
    before anything reads it)."""
    monkeypatch.delenv(MAX_UPLOAD_ENV, raising=False)
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.write(b"date,place,trucks,outcome\n")
        fh.truncate(51 * 1024 * 1024)
    assert cli.main(["ingest", str(big)]) == 1
    assert "is 51 MB, over the 50 MB limit for one file" in " ".join(capsys.readouterr().out.split())
