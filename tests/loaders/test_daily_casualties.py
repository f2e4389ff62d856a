"""Tech for Palestine daily casualty JSON (Gaza, Lebanon, West Bank styles) and the real Gaza file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from loaders import awsd, daily_casualties, kika
from loaders.records import LoadError, PlaceRef, Severity
from loaders.registry import Format, Head, read_head

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "daily_casualties"
GAZA = FIXTURES / "casualties_daily.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL = SHARED / "gaza" / "casualties_daily.json"


@pytest.fixture(scope="module")
def gaza():
    res = daily_casualties.load(GAZA)
    res.check_accounting()
    return res


def _on(res, day: str):
    return next(r for r in res.records if r.date.value == dt.date.fromisoformat(day))


def test_detect(tmp_path):
    head = read_head(GAZA)
    assert daily_casualties.detect(head) == 90
    assert kika.detect(head) == 0 and awsd.detect(head) == 0
    big = Head(path=tmp_path / "big.json", raw=b"", text=GAZA.read_text(encoding="utf-8"))
    assert daily_casualties.detect(big) == 80
    for name in ("lebanon_casualties_daily.json", "west_bank_daily.json"):
        assert daily_casualties.detect(read_head(FIXTURES / name)) == 90


def test_counts_and_place(gaza):
    assert gaza.format == Format.DAILY_CASUALTIES
    assert (gaza.rows_in, len(gaza.records), gaza.skipped, gaza.rejected) == (8, 5, 2, 1)
    assert all(r.place == PlaceRef(name="Gaza Strip", country="PSE", admin_level=1) for r in gaza.records)
    assert gaza.meta["series_start"] == "2023-10-07"


def test_daily_report(gaza):
    rec = _on(gaza, "2023-10-07")
    assert rec.killed.value == 232 and rec.injured.is_empty  # injured_cum only: not a daily figure
    assert rec.period_start == rec.period_end == dt.date(2023, 10, 7)
    assert rec.sources == ["Gaza MoH"] and not rec.cumulative
    assert rec.external_id == "tfp:casualties_daily:2023-10-07"
    assert "injured_cum=1610" in rec.notes and "ext_" not in rec.notes


def test_48h_report_covers_two_days(gaza):
    rec = _on(gaza, "2023-10-10")
    assert (rec.killed.value, rec.injured.value) == (460, 1200)
    assert (rec.period_start, rec.period_end) == (dt.date(2023, 10, 9), dt.date(2023, 10, 10))
    assert "covers 48 h" in rec.notes


def test_cumulative_only_report(gaza):
    rec = _on(gaza, "2023-10-12")
    assert rec.cumulative and (rec.killed.value, rec.injured.value) == (1417, 6268)
    assert (rec.period_start, rec.period_end) == (dt.date(2023, 10, 7), dt.date(2023, 10, 12))
    assert rec.sources == ["Gaza GMO"]


def test_missing_source_with_reported_figure_is_kept(gaza):
    rec = _on(gaza, "2023-10-13")
    assert rec.killed.value == 483 and rec.sources == ["Tech for Palestine"]
    assert "no official report" in rec.notes


def test_skips_and_rejects(gaza):
    issues = {i.row: i for i in gaza.issues}
    assert issues[3].severity == Severity.SKIPPED and "report_period 0" in issues[3].reason
    assert issues[5].severity == Severity.SKIPPED and "'missing'" in issues[5].reason
    assert (
        issues[8].severity == Severity.REJECTED and issues[8].column == "killed" and issues[8].value == "-5"
    )


def test_lebanon_file_defaults_and_long_period():
    res = daily_casualties.load(FIXTURES / "lebanon_casualties_daily.json")
    res.check_accounting()
    first = res.records[0]
    assert first.place.name == "Lebanon" and first.place.country == "LBN"
    assert first.sources == ["Lebanon MoPH"]
    assert (first.period_start, first.period_end) == (dt.date(2026, 3, 2), dt.date(2026, 3, 5))
    assert first.external_id == "tfp:lebanon_casualties_daily:2026-03-05"


def test_west_bank_verified_daily_and_flash_cumulative():
    res = daily_casualties.load(FIXTURES / "west_bank_daily.json")
    res.check_accounting()
    daily, cumulative = res.records
    assert daily.place.name == "West Bank" and daily.sources == ["OCHA"]
    assert (daily.killed.value, daily.injured.value, daily.cumulative) == (6, 197, False)
    assert "OCHA-verified" in daily.notes
    assert (cumulative.killed.value, cumulative.injured.value, cumulative.cumulative) == (13, 194, True)
    assert cumulative.period_start == dt.date(2023, 10, 7)


def test_place_option(tmp_path):
    res = daily_casualties.load(GAZA, place="west_bank")
    assert res.records[0].place.name == "West Bank"
    custom = PlaceRef(name="Rafah", country="PSE", admin_level=2)
    assert daily_casualties.load(GAZA, place=custom).records[0].place == custom
    with pytest.raises(LoadError, match="not a known series"):
        daily_casualties.load(GAZA, place="Atlantis")


def test_duplicate_date_and_bad_date_rejected(tmp_path):
    path = tmp_path / "casualties_daily.json"
    reports = [
        {"report_date": "2024-01-01", "report_source": "mohtel", "report_period": 24, "killed": 5},
        {"report_date": "2024-01-01", "report_source": "mohtel", "report_period": 24, "killed": 6},
        {"report_date": "01/02/2024", "report_source": "mohtel", "report_period": 24, "killed": 7},
    ]
    path.write_text(json.dumps(reports), encoding="utf-8")
    res = daily_casualties.load(path)
    res.check_accounting()
    assert [(i.row, i.column) for i in res.issues] == [(2, "report_date"), (3, "report_date")]


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip("shared/data/gaza is not available")
    res = daily_casualties.load(REAL)
    res.check_accounting()
    return res


def test_real_file_counts(real):
    head = read_head(REAL)
    assert head.json_value is None and daily_casualties.detect(head) == 80
    assert (real.rows_in, len(real.records), real.skipped, real.rejected) == (1051, 950, 101, 0)
    reasons = [i.reason for i in real.issues if i.severity == Severity.SKIPPED]
    assert sum("report_period 0" in r for r in reasons) == 83
    assert sum("'missing'" in r for r in reasons) == 16


def test_real_file_values(real):
    first = _on(real, "2023-10-07")
    assert first.killed.value == 232
    rec = _on(real, "2024-08-12")
    assert (rec.killed.value, rec.injured.value) == (107, 150)
    assert (rec.period_start, rec.period_end) == (dt.date(2024, 8, 11), dt.date(2024, 8, 12))
    cum = _on(real, "2023-12-01")
    assert cum.cumulative and cum.killed.value == 14800 and cum.sources == ["Gaza MoH"]
    assert sum(r.cumulative for r in real.records) == 20
