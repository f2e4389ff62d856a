"""The columnar ACLED path (pyarrow, rules once per distinct value) gives exactly what the row
path (csv module, RowReader.read per row) gives: the same records, issues, counts and scope, on
regular files and on files that make it hand over to the row path part-way."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import acled_gen
from loaders import acled, acled_columns
from loaders.records import LoadResult, Severity
from loaders.stream import collect


def _both(
    path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int = 64 << 10, **options
) -> tuple[LoadResult, LoadResult]:
    monkeypatch.setattr(acled_columns, "CHUNK_BYTES", chunk)  # many chunks even for a small file
    rows = collect(acled.stream(path, batch_rows=700, columnar=False, **options))
    columns = collect(acled.stream(path, batch_rows=700, **options))
    return rows, columns


def _assert_same(rows: LoadResult, columns: LoadResult) -> None:
    assert columns.rows_in == rows.rows_in
    assert columns.records == rows.records
    assert columns.issues == rows.issues
    assert columns.meta == rows.meta
    columns.check_accounting()


@pytest.fixture
def export(tmp_path: Path) -> Path:
    path = acled_gen.write(tmp_path / "acled_gen.csv", 4000, seed=11)
    lines = path.read_text(encoding="utf-8").splitlines()
    # Things real exports hold now and then: a repeated event, bad cells, an event without an id.
    lines.append(lines[9])
    lines[20] = lines[20].replace(lines[20].split(",")[1], "31 Febtember 2019", 1)
    lines[30] = "," + lines[30].split(",", 1)[1]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_columnar_path_equals_row_path(export: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows, columns = _both(export, monkeypatch)
    _assert_same(rows, columns)
    assert len(columns.records) > 300 and columns.skipped > 3000
    assert {i.column for i in columns.issues if i.severity == Severity.REJECTED} >= {
        "event_id_cnty", "event_date"
    }  # fmt: skip


def test_columnar_path_on_the_sample_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "acled"
    for path in sorted(fixtures.glob("*.csv")):
        _assert_same(*_both(path, monkeypatch))


def test_quoted_line_breaks_bom_and_semicolons(
    export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = export.read_text(encoding="utf-8").splitlines()
    header, body = lines[0].split(","), [line.split(",") for line in lines[1:]]
    notes = header.index("notes")
    for i in range(0, len(body), 7):  # notes spread over two lines, with quotes and semicolons inside
        body[i][notes] = f'"On {i}; a ""convoy""\nwas hit"'
    text = "\n".join(";".join(cells) for cells in [header, *body]) + "\n"
    path = tmp_path / "semicolons.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    rows, columns = _both(path, monkeypatch, chunk=32 << 10)
    _assert_same(rows, columns)
    assert any("was hit" in (r.notes or "") and "\n" in (r.notes or "") for r in columns.records)


@pytest.mark.parametrize("where", [5, 1500, 3990])
def test_irregular_row_hands_over_to_the_row_path(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  where: int) -> None:  # fmt: skip
    lines = export.read_text(encoding="utf-8").splitlines()
    lines[where] = ",".join(lines[where].split(",")[:5])  # a short row: pyarrow cannot read it as a table row
    lines.insert(where + 40, "")  # and a blank line further down
    path = tmp_path / "irregular.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    handed_over = []
    tables = acled_columns.tables

    def watched(*args, **kwargs):
        try:
            yield from tables(*args, **kwargs)
        except acled_columns.Irregular:
            handed_over.append(True)
            raise

    monkeypatch.setattr(acled_columns, "tables", watched)
    rows, columns = _both(path, monkeypatch)
    _assert_same(rows, columns)
    assert handed_over == [True]
    assert columns.rows_in == len(lines) - 2  # the header and the blank line are not data rows


def test_hxl_row_and_stray_first_line(export: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = export.read_text(encoding="utf-8").splitlines()
    hashtags = ",".join("#x" for _ in lines[0].split(","))
    path = tmp_path / "hdx.csv"
    path.write_text("\n".join(["(Sample)", lines[0], hashtags, *lines[1:]]) + "\n", encoding="utf-8")
    rows, columns = _both(path, monkeypatch)
    _assert_same(rows, columns)
    assert min(r.provenance.row for r in columns.records) >= 4


def test_records_end_keeps_quoted_line_breaks_whole() -> None:
    assert acled_columns._records_end(b'a,b\n"x\ny",2\n"open\n') == len(b'a,b\n"x\ny",2\n')
    assert acled_columns._records_end(b'"x\ny') == 0


def test_carriage_return_line_ends_are_read_by_the_row_path(export: Path, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    path = tmp_path / "old_mac.csv"
    path.write_bytes(export.read_bytes().replace(b"\n", b"\r"))
    rows, columns = _both(path, monkeypatch)
    _assert_same(rows, columns)
    assert columns.rows_in == 4001 and len(columns.records) > 300
