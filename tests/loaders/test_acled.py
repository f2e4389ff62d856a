"""ACLED exports: layouts, which events are civilian tolls, bad cells, and the real Afghanistan file."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from loaders import acled, hxl
from loaders.records import FactKind, LoadError, Precision, Severity
from loaders.registry import Format, read_head

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "acled"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
AFG = SHARED / "acled" / "acled_afg_2020-03_pre2023_layout.csv"


def _issues(result, severity):
    return {i.row: i for i in result.issues if i.severity == severity}


def test_detect_scores_acled_header_above_hxl():
    for name in ("acled_pre2023_sample.csv", "acled_2023_sample.csv", "acled_api2018_sample.csv"):
        head = read_head(FIXTURES / name)
        assert acled.detect(head) == 90
        assert hxl.detect(head) == 0


def test_pre2023_layout_keeps_civilian_events_only():
    result = acled.load(FIXTURES / "acled_pre2023_sample.csv")
    result.check_accounting()
    assert result.format == Format.ACLED
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (9, 3, 3, 3)
    by_row = {r.provenance.row: r for r in result.records}
    assert set(by_row) == {3, 5, 10}

    douma = by_row[3]
    assert douma.kind == FactKind.TOLL
    assert douma.killed.value == 3 and douma.injured.is_empty
    assert douma.date.value == dt.date(2020, 3, 15) and douma.date.precision == Precision.DAY
    assert douma.date.text == "15 March 2020"
    assert (douma.period_start, douma.period_end) == (dt.date(2020, 3, 15), dt.date(2020, 3, 15))
    assert douma.place.name == "Douma" and douma.place.admin1 == "Rural Damascus"
    assert (douma.place.admin2, douma.place.admin3, douma.place.country) == ("Duma", "Duma", "SYR")
    assert (douma.place.lat, douma.place.lon) == (33.5711, 36.4019)
    assert douma.sources == ["ACLED"]
    assert douma.external_id == "acled:SYR90002"
    # quoted notes with commas and doubled quotes survive intact; the source column is appended
    assert douma.notes.startswith("On 15 March 2020, gunmen shot dead 3 civilians, including a woman,")
    assert '"Unknown" perpetrators' in douma.notes
    assert douma.notes.endswith("[ACLED source: SOHR; Syria Direct]")
    assert douma.provenance.method == "acled" and "SYR90002" in douma.provenance.evidence

    # shelling with civilians as actor2 (inter2 7, interaction 17) is a civilian toll
    assert by_row[5].killed.value == 2 and by_row[5].external_id == "acled:SYR90004"
    # time_precision 2 keeps the date, at week precision; iso3 empty -> numeric iso 760
    assert by_row[10].date.precision == Precision.WEEK
    assert by_row[10].date.value == dt.date(2020, 3, 18)
    assert by_row[10].place.country == "SYR"


def test_pre2023_skips_and_rejects_with_reasons():
    result = acled.load(FIXTURES / "acled_pre2023_sample.csv")
    skipped = _issues(result, Severity.SKIPPED)
    assert skipped[2].reason == "Battles: fatalities are not a civilian toll"
    assert skipped[4].reason.startswith("no fatalities reported")
    assert skipped[6].reason.startswith("Explosions/Remote violence not aimed at civilians")
    rejected = _issues(result, Severity.REJECTED)
    assert (rejected[7].column, rejected[7].value) == ("fatalities", "abc")
    assert "is not a count" in rejected[7].reason
    assert (rejected[8].column, rejected[8].value) == ("fatalities", "-2")
    assert "negative" in rejected[8].reason
    assert rejected[9].column == "event_date" and "31 February 2020" in rejected[9].reason


def test_scope_meta_covers_every_dated_row():
    result = acled.load(FIXTURES / "acled_pre2023_sample.csv")
    assert result.meta == {
        "dataset": "acled",
        "layout": "pre2023",
        "countries": ["SYR"],
        "date_min": dt.date(2020, 3, 14),
        "date_max": dt.date(2020, 3, 18),
    }


def test_2023_layout_uses_civilian_targeting():
    result = acled.load(FIXTURES / "acled_2023_sample.csv")
    result.check_accounting()
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (8, 4, 3, 1)
    by_id = {r.external_id: r for r in result.records}
    assert set(by_id) == {"acled:SYR120002", "acled:SYR120003", "acled:SYR120005", "acled:PSE9001"}
    strike = by_id["acled:SYR120003"]
    assert strike.killed.value == 6 and strike.date.value == dt.date(2024, 11, 4)
    assert "killing 6 civilians, injuring 20, and destroying shops" in strike.notes
    assert by_id["acled:SYR120005"].date.precision == Precision.MONTH  # time_precision 3
    assert by_id["acled:PSE9001"].place.country == "PSE"  # numeric iso 275
    skipped = _issues(result, Severity.SKIPPED)
    assert skipped[2].reason == "Battles: fatalities are not a civilian toll"
    assert skipped[5].reason.startswith("Explosions/Remote violence not aimed at civilians")
    assert skipped[7].reason == "Protests: fatalities are not a civilian toll"
    assert _issues(result, Severity.REJECTED)[8].column == "fatalities"
    assert result.meta["countries"] == ["PSE", "SYR"]
    assert result.meta["layout"] == "post2023"


def test_api2018_layout_reads_remote_violence_and_ignores_gwno():
    result = acled.load(FIXTURES / "acled_api2018_sample.csv")
    result.check_accounting()
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (4, 2, 2, 0)
    aleppo, deir = result.records
    assert aleppo.killed.value == 12 and aleppo.date.value == dt.date(2016, 1, 15)  # DD/MM/YYYY
    assert aleppo.place.country == "SYR"  # gwno 652 is not ISO 652 (Saint Barthelemy)
    assert deir.killed.value == 85
    reasons = sorted(i.reason for i in result.issues)
    assert reasons == [
        "Battle-No change of territory: fatalities are not a civilian toll",
        "Riots/Protests: fatalities are not a civilian toll",
    ]


def test_hdx_copy_with_hashtag_row(tmp_path):
    lines = (FIXTURES / "acled_2023_sample.csv").read_text(encoding="utf-8").splitlines()
    tags = ",".join("#" + name.replace("_", "+") for name in lines[0].split(","))
    path = tmp_path / "conflict_data_syr.csv"
    path.write_text("\n".join([lines[0], tags, *lines[1:]]) + "\n", encoding="utf-8")
    head = read_head(path)
    assert acled.detect(head) > hxl.detect(head) > 0
    result = acled.load(path)
    result.check_accounting()
    assert result.rows_in == 8 and len(result.records) == 4
    assert result.records[0].provenance.row == 4  # header 1, hashtags 2, first event 3


def test_repeated_event_id_is_rejected(tmp_path):
    lines = (FIXTURES / "acled_2023_sample.csv").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "dup.csv"
    path.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    result = acled.load(path)
    result.check_accounting()
    last = result.issues[-1]
    assert (last.row, last.severity) == (10, Severity.REJECTED)
    assert "repeats row 3" in last.reason


def test_file_without_acled_header_is_refused(tmp_path):
    path = tmp_path / "other.csv"
    path.write_text("date,place,killed\n2020-01-01,Douma,3\n", encoding="utf-8")
    with pytest.raises(LoadError, match="no ACLED header"):
        acled.load(path)


@pytest.mark.skipif(not AFG.exists(), reason="shared/data ACLED file absent")
def test_real_afghanistan_export():
    calls: list[tuple[int, int]] = []
    result = acled.load(AFG, progress=lambda done, total: calls.append((done, total)))
    result.check_accounting()
    assert result.rows_in == 496
    assert (len(result.records), result.skipped, result.rejected) == (20, 476, 0)
    assert calls[-1] == (496, 496)
    assert result.meta["countries"] == ["AFG"]
    assert (result.meta["date_min"], result.meta["date_max"]) == (dt.date(2020, 3, 1), dt.date(2020, 3, 21))
    reasons = Counter(i.reason for i in result.issues if i.severity == Severity.SKIPPED)
    assert reasons["Battles: fatalities are not a civilian toll"] == 375
    assert (
        reasons["Explosions/Remote violence not aimed at civilians: fatalities are not a civilian toll"] == 75
    )
    assert reasons["Strategic developments: fatalities are not a civilian toll"] == 12
    assert reasons["Protests: fatalities are not a civilian toll"] == 3
    assert sum(n for r, n in reasons.items() if r.startswith("no fatalities reported")) == 11
    assert sum(r.killed.value for r in result.records) == 31
    kabul = next(r for r in result.records if r.external_id == "acled:AFG44667")
    assert kabul.killed.value == 1 and kabul.place.name == "Kabul" and kabul.place.country == "AFG"
    assert kabul.date.value == dt.date(2020, 3, 21) and kabul.provenance.row == 3
    assert len({r.external_id for r in result.records}) == 20
