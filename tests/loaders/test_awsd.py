"""AWSD incident export: fixture in the real 35-column layout, edge cases inline, and the real file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders import awsd, daily_casualties, kika
from loaders.records import LoadError, Severity
from loaders.registry import Format, read_head

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "awsd" / "awsd_incidents.csv"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL = SHARED / "awsd" / "security_incidents2016-10-03.csv"
HEADER = FIXTURE.read_bytes().split(b"\n", 1)[0]


@pytest.fixture(scope="module")
def result():
    res = awsd.load(FIXTURE)
    res.check_accounting()
    return res


def _by_id(res, incident: str):
    return next(r for r in res.records if r.external_id == f"awsd:{incident}")


def _issues(res, severity):
    return {i.row: i for i in res.issues if i.severity == severity}


def test_detect_claims_awsd_and_others_do_not():
    head = read_head(FIXTURE)
    assert awsd.detect(head) == 90
    assert kika.detect(head) == 0
    assert daily_casualties.detect(head) == 0


def test_counts_and_format(result):
    assert result.format == Format.AWSD
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (8, 4, 1, 3)
    assert len(result.sha256) == 64


def test_day_precise_syrian_incident(result):
    rec = _by_id(result, "1701")
    assert rec.provenance.row == 2
    assert (rec.killed.value, rec.injured.value) == (2, 1)
    assert rec.victim_group == "aid_workers"
    assert rec.date.value == dt.date(2014, 3, 12) and rec.date.precision == "day"
    assert rec.period_start == rec.period_end == dt.date(2014, 3, 12)
    assert rec.place.name == "Aleppo" and rec.place.admin1 == "Aleppo" and rec.place.admin2 == "Jebel Saman"
    assert rec.place.country == "SYR" and (rec.place.lat, rec.place.lon) == (36.2021, 37.1343)
    assert rec.organisations == ["UN", "LNGO/NRCS"]
    assert rec.sources == ["AWSD"]
    assert "Means of attack: AB (aerial bombardment" in rec.notes
    assert "Attack context: C (combat / crossfire)" in rec.notes
    assert rec.notes.startswith("Kidnapped: 0")


def test_empty_month_and_day_give_year_precision(result):
    rec = _by_id(result, "35")
    assert rec.date.precision == "year" and rec.date.text == "1997"
    assert (rec.period_start, rec.period_end) == (dt.date(1997, 1, 1), dt.date(1997, 12, 31))
    assert rec.place.name == "Afghanistan" and rec.place.admin_level == 0
    assert rec.place.lat is None and rec.place.lon is None


def test_month_without_day_and_cp1252_byte(result):
    rec = _by_id(result, "1302")
    assert rec.date.precision == "month" and rec.date.text == "2004-07"
    assert (rec.period_start, rec.period_end) == (dt.date(2004, 7, 1), dt.date(2004, 7, 31))
    assert "Révolutionaires" in rec.notes  # decoded as cp1252, not replaced
    assert "VBIED-S (vehicle-borne IED, suicide)" in rec.notes  # stray space in the code
    assert rec.place.country == "COD"
    warning = _issues(result, Severity.WARNING)[4]
    assert warning.column == "Details" and "cp1252" in warning.reason and warning.value == "Révolutionaires"
    assert result.meta["cp1252_rows"] == [4]
    assert "cp1252" in result.encoding


def test_utf8_row_has_no_warning_and_vocab_country(result):
    rec = _by_id(result, "2090")
    assert rec.place.name == "Khán Yûnis" and rec.place.country == "PSE"
    assert 7 not in _issues(result, Severity.WARNING)


def test_kidnapping_only_is_skipped_with_reason(result):
    issue = _issues(result, Severity.SKIPPED)[5]
    assert "kidnapped: 3" in issue.reason and "1810" in issue.reason


def test_rejections_name_column_and_value(result):
    rejected = _issues(result, Severity.REJECTED)
    assert rejected[6].column == "Total killed" and rejected[6].value == "two"
    assert "is not a count" in rejected[6].reason
    assert rejected[8].column == "Incident ID" and "already on row 2" in rejected[8].reason
    assert rejected[9].column == "Day" and "not a real date" in rejected[9].reason


def test_byte_undefined_in_cp1252_is_replaced_with_warning(tmp_path):
    row = b"7,2010,5,1,Kenya,,,Nairobi,0,1,0,0,0,0,1,0,0,1,0,0,0,0,1,0,0,1,1,0,0,S,IA,R,-1.28,36.82," + (
        b'"odd \x81 byte"'
    )
    path = tmp_path / "awsd.csv"
    path.write_bytes(HEADER + b"\r\n" + row + b"\r\n")
    res = awsd.load(path)
    res.check_accounting()
    assert len(res.records) == 1 and "\ufffd" in res.records[0].notes
    [warning] = [i for i in res.issues if i.severity == Severity.WARNING]
    assert warning.row == 2 and "replaced" in warning.reason


def test_extra_cell_is_rejected_and_split_mismatch_warned(tmp_path):
    ragged = b"8,2010,5,1,Kenya,,,Nairobi,0,1,0,0,0,0,1,0,0,1,0,0,0,0,1,0,0,1,1,0,0,S,IA,R,-1.28,36.82,a,b"
    mismatch = b"9,2010,5,2,Kenya,,,Nairobi,0,1,0,0,0,0,1,0,0,1,0,0,0,0,3,0,0,3,3,0,0,S,IA,R,-1.28,36.82,x"
    path = tmp_path / "awsd.csv"
    path.write_bytes(b"\n".join([HEADER, ragged, mismatch]))
    res = awsd.load(path)
    res.check_accounting()
    assert [(i.row, i.severity, i.column) for i in res.issues] == [
        (2, Severity.REJECTED, None),
        (3, Severity.WARNING, "Total killed"),
    ]
    assert "more cells than the header" in res.issues[0].reason
    assert res.records[0].killed.value == 3


def test_missing_required_column_is_a_load_error(tmp_path):
    path = tmp_path / "awsd.csv"
    path.write_text('"Incident ID",Year,"Means of attack"\n1,2010,S\n', encoding="utf-8")
    with pytest.raises(LoadError, match="Total killed"):
        awsd.load(path)


def test_progress_is_reported(tmp_path):
    calls: list[tuple[int, int]] = []
    awsd.load(FIXTURE, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (8, 8)


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip("shared/data/awsd is not available")
    res = awsd.load(REAL)
    res.check_accounting()
    return res


def test_real_file_counts(real):
    assert awsd.detect(read_head(REAL)) == 90
    assert (real.rows_in, len(real.records), real.skipped, real.rejected) == (2088, 1651, 437, 0)
    assert real.meta["cp1252_rows"] == [1194, 1883]


def test_real_file_syrian_incident(real):
    rec = _by_id(real, "2166")
    assert rec.place.name == "Khan Touman" and rec.place.admin1 == "Aleppo" and rec.place.country == "SYR"
    assert (rec.killed.value, rec.injured.value) == (4, 1)
    assert rec.date.value == dt.date(2016, 9, 21)
    assert rec.organisations == ["INGO"]
    syrian = [r for r in real.records if r.place.country == "SYR"]
    assert len(syrian) == 83


def test_real_file_warnings(real):
    warnings = [i for i in real.issues if i.severity == Severity.WARNING]
    assert len(warnings) == 9  # 2 cp1252 rows, 6 rows without any place, Kashmir without ISO3
    assert {i.value for i in warnings if "cp1252" in i.reason} == {"Révolutionaires", "Ümraniye"}
