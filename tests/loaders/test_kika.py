"""Insecurity Insight aid-worker KIKA JSON: fixture in the real 41-key layout, edge cases, real file."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from loaders import awsd, daily_casualties, kika
from loaders.records import LoadError, Severity
from loaders.registry import Format, Head, read_head

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "kika" / "kika_incidents.json"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REAL = SHARED / "insecurity_insight" / "aidWorkerKIKA.json"


@pytest.fixture(scope="module")
def result():
    res = kika.load(FIXTURE)
    res.check_accounting()
    return res


def _by_id(res, event: str):
    return next(r for r in res.records if r.external_id == f"kika:{event}")


def test_detect_small_and_large_files(tmp_path):
    head = read_head(FIXTURE)
    assert head.json_value is not None
    assert kika.detect(head) == 90
    assert awsd.detect(head) == 0 and daily_casualties.detect(head) == 0
    # A file of 256 KB or more: read_head gives text only.
    big = Head(path=tmp_path / "big.json", raw=b"", text=FIXTURE.read_text(encoding="utf-8")[:5000])
    assert kika.detect(big) == 80


def test_counts_and_format(result):
    assert result.format == Format.KIKA
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (7, 4, 1, 2)


def test_string_counts_and_place(result):
    rec = _by_id(result, "44580")
    assert rec.provenance.row == 1 and rec.provenance.method == "json"
    assert (rec.killed.value, rec.injured.value) == (1, 0)
    assert rec.victim_group == "aid_workers" and rec.sources == ["Insecurity Insight"]
    assert rec.date.value == dt.date(2024, 2, 26) and rec.period_start == rec.period_end == rec.date.value
    assert rec.place.name == "Gaza Strip" and rec.place.admin1 == "Gaza Strip" and rec.place.country == "PSE"
    assert rec.place.lat == pytest.approx(31.4427238495)
    assert rec.organisations == ["Red Cross (Nat Soc)"]
    assert "Geo precision: (2) 25 km precision." in rec.notes  # trailing space stripped
    assert "Perpetrator name: Israeli Defence Forces" in rec.notes


def test_null_coordinates_and_split_organisations(result):
    rec = _by_id(result, "43101")
    assert rec.place.lat is None and rec.place.lon is None
    assert rec.place.name == "Idlib Governorate" and rec.place.country == "SYR"
    assert rec.organisations == ["INGO", "LNGO"]
    assert (rec.killed.value, rec.injured.value) == (0, 2)
    assert "Site: Road" in rec.notes


def test_no_information_admin1_falls_back_to_country(result):
    rec = _by_id(result, "38002")
    assert rec.place.name == "South Sudan" and rec.place.admin1 is None and rec.place.admin_level == 0
    assert rec.killed.value == 3


def test_null_killed_is_empty_not_zero(result):
    rec = _by_id(result, "30011")
    assert rec.killed.is_empty and rec.injured.value == 1


def test_skipped_and_rejected_rows(result):
    issues = {i.row: i for i in result.issues}
    assert issues[3].severity == Severity.SKIPPED and "kidnapped 2" in issues[3].reason
    assert issues[5].severity == Severity.REJECTED and issues[5].column == "Aid Workers Injured"
    assert issues[5].value == "one"
    assert issues[6].severity == Severity.REJECTED and issues[6].column == "SiND Event ID"


def test_not_an_array_is_a_load_error(tmp_path):
    path = tmp_path / "kika.json"
    path.write_text(json.dumps({"SiND Event ID": 1}), encoding="utf-8")
    with pytest.raises(LoadError, match="not a JSON array"):
        kika.load(path)


def test_element_that_is_not_an_object_is_rejected(tmp_path):
    path = tmp_path / "kika.json"
    items = [*json.loads(FIXTURE.read_text(encoding="utf-8"))[:1], "oops"]
    path.write_text(json.dumps(items), encoding="utf-8")
    res = kika.load(path)
    res.check_accounting()
    assert [(i.row, i.severity) for i in res.issues] == [(2, Severity.REJECTED)]


@pytest.fixture(scope="module")
def real():
    if not REAL.exists():
        pytest.skip("shared/data/insecurity_insight is not available")
    res = kika.load(REAL)
    res.check_accounting()
    return res


def test_real_file_counts(real):
    head = read_head(REAL)
    assert head.json_value is None and kika.detect(head) == 80
    assert (real.rows_in, len(real.records), real.skipped, real.rejected) == (1299, 834, 465, 0)
    assert not [i for i in real.issues if i.severity == Severity.WARNING]


def test_real_file_syrian_incident(real):
    rec = _by_id(real, "44543")
    assert rec.place.name == "Ar-Raqqah Governorate" and rec.place.country == "SYR"
    assert rec.killed.value == 3 and rec.injured.value == 0
    assert rec.date.value == dt.date(2024, 1, 27)
    assert rec.organisations == ["NGO"]
    assert len([r for r in real.records if r.place.country == "SYR"]) == 75
