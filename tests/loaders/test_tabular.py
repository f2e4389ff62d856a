"""The project's own table layouts: CSV in any delimiter and encoding, XLSX, header aliases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from loaders.records import FactKind, LoadError
from loaders.registry import Format, detect_format, load_file

TABLES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "tables"


def test_convoy_tracker_with_title_row_semicolons_and_day_first_dates() -> None:
    result = load_file(TABLES / "convoys_semicolon_dmy.csv")
    assert result.format == Format.TABLE_CSV
    assert result.meta["kind"] == "convoy" and result.meta["header_row"] == 2
    assert result.meta["date_order"] == "dmy" and result.meta["delimiter"] == ";"
    assert result.rows_in == 5
    first = result.records[0]
    assert first.kind == FactKind.CONVOY
    assert first.date.value == dt.date(2018, 3, 9)
    assert first.place.name == "Douma" and first.place.admin1 == "Rural Damascus"
    assert first.organisations == ["ICRC", "SARC"]
    assert (first.trucks.value, first.people_served.value, first.people_served.qualifier) == (
        13,
        12000,
        "about",
    )
    assert (first.outcome, first.outcome_tags) == ("attacked", ["attacked", "delivered"])
    assert first.event_ref == "C-0309" and first.provenance.row == 3
    assert result.records[2].people_served.value == 7200
    rejected = {(i.row, i.column): i.reason for i in result.issues if i.severity == "rejected"}
    assert set(rejected) == {(6, "trucks"), (7, "outcome")}
    assert "'abc' is not a count" in rejected[(6, "trucks")]
    assert "'flying' is not a known convoy outcome" in rejected[(7, "outcome")]
    assert len(result.records) + result.rejected == result.rows_in


def test_utf16_besieged_table_with_arabic_names_and_ranges() -> None:
    result = load_file(TABLES / "besieged_utf16.csv")
    assert result.encoding == "utf-16" and result.meta["kind"] == "besieged_population"
    ghouta, douma, madaya, daraya = result.records
    assert (ghouta.population.low, ghouta.population.high) == (393000, 400000)
    assert ghouta.besieging_party == "Government of Syria" and ghouta.sources == ["OCHA"]
    assert (douma.population.value, douma.population.qualifier) == (140000, "about")
    assert madaya.place.name == "مضايا" and madaya.population.value == 40000
    assert daraya.status == "lifted" and daraya.population.is_empty
    (issue,) = [i for i in result.issues if i.severity == "rejected"]
    assert (issue.row, issue.column) == (6, "population") and "give a figure" in issue.reason


def test_windows_1256_tab_separated_tolls() -> None:
    result = load_file(TABLES / "tolls_cp1256_tab.csv")
    assert result.encoding == "cp1256" and result.meta["delimiter"] == "\t"
    ghouta, douma = result.records
    assert ghouta.place.name == "الغوطة الشرقية" and ghouta.place.admin1 == "ريف دمشق"
    assert (ghouta.killed.low, ghouta.killed.high) == (940, 1000)
    assert ghouta.sources == ["SOHR", "MSF"] and ghouta.cumulative is True
    assert (ghouta.period_start, ghouta.period_end) == (dt.date(2018, 2, 18), dt.date(2018, 3, 9))
    assert (douma.killed.value, douma.injured.value, douma.cumulative) == (120, 400, False)
    (issue,) = result.issues
    assert issue.row == 4 and "neither killed nor injured" in issue.reason


def test_ambiguous_dates_refused_with_how_to_declare() -> None:
    path = TABLES / "convoys_ambiguous_dates.csv"
    with pytest.raises(LoadError, match="--date-order dmy"):
        load_file(path)
    declared = load_file(path, date_order="mdy")
    assert [r.date.value for r in declared.records] == [dt.date(2018, 1, 2), dt.date(2018, 3, 4)]


def test_xlsx_table_with_typed_cells(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Convoy date", "Destination", "Trucks", "People reached", "Outcome", "Convoy ref"])
    ws.append([dt.datetime(2016, 1, 11), "Madaya", 44, 40000, "Delivered", 2044])
    ws.append([dt.datetime(2016, 1, 11), "Foah", 21, "20,000", "Delivered", 2045])
    path = tmp_path / "convoys.xlsx"
    wb.save(path)
    assert detect_format(path) == Format.TABLE_XLSX
    result = load_file(path)
    madaya, foah = result.records
    assert madaya.date.value == dt.date(2016, 1, 11) and madaya.trucks.value == 44
    assert madaya.event_ref == "2044" and foah.people_served.value == 20000


def test_missing_required_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("date,place,trucks\n2018-03-01,Douma,5\n", encoding="utf-8")
    with pytest.raises(LoadError, match="lacks the column"):
        load_file(path)


def test_empty_and_headerless_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(LoadError, match="is empty"):
        load_file(empty)
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(LoadError, match="not a format Access Monitor reads"):
        load_file(other)
