"""HXL-tagged CSV: tag row position, tag matching, fact kinds, bad cells, and the real HDX files."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from loaders import acled, hxl, hxl_tags
from loaders.records import DateValue, FactKind, LoadError, Precision, Qualifier, Severity
from loaders.registry import Format, read_head

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "hxl"
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
HAPI = SHARED / "hapi" / "hdx_hapi_conflict_event_syr_2025.csv"


def _issues(result, severity):
    return {i.row: i for i in result.issues if i.severity == severity and i.row is not None}


def test_parse_tag_ignores_order_case_and_spaces():
    assert hxl_tags.parse_tag("#Affected +killed+F") == ("affected", frozenset({"killed", "f"}))
    assert hxl_tags.parse_tag("#adm1 + name") == ("adm1", frozenset({"name"}))
    assert hxl_tags.parse_tag("# not a tag") is None
    assert hxl_tags.parse_tag("Date") is None


def test_find_tag_row_in_first_five_rows():
    assert hxl_tags.find_tag_row([["#date", "#loc"], ["2020-01-01", "Douma"]]) == 0
    assert hxl_tags.find_tag_row([["Date", "Place"], ["#date", "#loc"]]) == 1
    title = [["Convoys 2016"], ["Date", "Place", "Notes"], ["#date", "#loc", ""]]
    assert hxl_tags.find_tag_row(title) == 2
    assert hxl_tags.find_tag_row([["Date", "Place"], ["2020-01-01", "#hashtag in text"]]) is None


def test_tag_matching_picks_most_specific_rule_and_alternates():
    tags = [
        "#loc+name",
        "#loc+origin",
        "#adm1+name+provider",
        "#adm1+name",
        "#adm1+code",
        "#affected+killed+f",
    ]
    fields, unread = hxl_tags.map_columns(tags, [])
    assert [c.index for c in fields["loc_name"]] == [0]
    assert [c.index for c in fields["origin"]] == [1]
    assert [c.index for c in fields["adm1_name"]] == [3, 2]  # provider name is the second choice
    assert [c.index for c in fields["adm1_code"]] == [4]
    assert unread == ["#affected+killed+f"] and "killed" not in fields


def test_toll_with_tag_row_on_line_2():
    path = FIXTURES / "hxl_toll_row2.csv"
    assert hxl.detect(read_head(path)) == 70 and acled.detect(read_head(path)) == 0
    result = hxl.load(path)
    result.check_accounting()
    assert result.format == Format.HXL and result.meta["kind"] == FactKind.TOLL
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (5, 2, 1, 2)
    aleppo, khan = result.records
    assert aleppo.provenance.row == 3  # text header is row 1, hashtags row 2
    assert (aleppo.killed.low, aleppo.killed.high, aleppo.killed.text) == (940, 1000, "940-1,000")
    assert aleppo.place.name == "Eastern Aleppo" and aleppo.place.admin1 == "Aleppo"
    assert (aleppo.place.lat, aleppo.place.lon) == (36.2021, 37.1343)
    assert aleppo.sources == ["SOHR"] and aleppo.notes == "Final week of the siege, figures vary"
    assert aleppo.period_start == aleppo.period_end == dt.date(2016, 12, 15)
    assert khan.killed.value == 86  # the +children column is a part, not the total
    assert (khan.injured.value, khan.injured.qualifier) == (300, Qualifier.AT_LEAST)
    assert khan.sources == ["WHO", "MSF"]
    rejected = _issues(result, Severity.REJECTED)
    assert rejected[4].column == "Date (#date)" and "2016-13-45" in rejected[4].reason
    assert rejected[7].column == "Civilians killed (#affected+killed)" and rejected[7].value == "abc"
    assert _issues(result, Severity.SKIPPED)[5].reason.startswith("no fatalities reported")
    warnings = [i for i in result.issues if i.severity == Severity.WARNING]
    assert len(warnings) == 1 and "#affected+killed+children" in warnings[0].reason


def test_besieged_with_tag_row_on_line_1():
    result = hxl.load(FIXTURES / "hxl_besieged_row1.csv")
    result.check_accounting()
    assert result.meta["kind"] == FactKind.BESIEGED
    assert (result.rows_in, len(result.records), result.skipped, result.rejected) == (6, 5, 0, 1)
    by_row = {r.provenance.row: r for r in result.records}
    douma = by_row[2]  # no text header: the hashtag row is row 1
    assert (douma.population.value, douma.population.qualifier) == (90000, Qualifier.ABOUT)
    assert douma.status == "besieged" and douma.place.pcode == "C2338" and douma.place.admin2 == "Duma"
    assert by_row[3].status == "besieged"  # empty #status: the +besieged attribute says it
    assert by_row[4].sources == ["OCHA", "SARC"]
    assert by_row[5].status == "lifted" and by_row[5].population.is_empty  # lifted needs no figure
    assert by_row[7].status == "hard_to_reach" and by_row[7].date.value == dt.date(2017, 4, 30)
    rejected = _issues(result, Severity.REJECTED)
    assert rejected[6].column == "#status" and rejected[6].value == "encircled-ish"


def test_convoys_with_semicolon_delimiter():
    result = hxl.load(FIXTURES / "hxl_convoy_semicolon.csv")
    result.check_accounting()
    assert result.meta["kind"] == FactKind.CONVOY
    assert (result.rows_in, len(result.records), result.rejected) == (4, 3, 1)
    madaya, foah, darayya = result.records
    assert madaya.organisations == ["UN", "ICRC", "SARC"] and madaya.trucks.value == 44
    assert madaya.people_served.value == 40000 and madaya.outcome == "delivered"
    assert madaya.event_ref == "C-2016-001" and madaya.date.value == dt.date(2016, 1, 11)
    assert foah.outcome == "blocked" and foah.organisations == ["ICRC", "SARC"]
    assert darayya.outcome == "attacked" and darayya.outcome_tags == ["attacked", "delivered"]
    rejected = _issues(result, Severity.REJECTED)
    assert rejected[6].column == "Outcome (#status)" and "went missing" in rejected[6].reason


def test_month_period_and_provider_fallback(tmp_path):
    path = tmp_path / "monthly.csv"
    path.write_text(
        "#date+start,#date+end,#adm1+name+provider,#adm1+name,#affected+killed,#meta+source\n"
        "2018-02-01,2018-02-28,Rif Dimashq,,120,SNHR\n"
        "2018-03,,Rif Dimashq,Rural Damascus,45,SNHR\n"
        "2018-03-05,2018-03-11,,Rural Damascus,7,SNHR\n"
        "2018-03-11,2018-03-05,,Rural Damascus,7,SNHR\n",
        encoding="utf-8",
    )
    result = hxl.load(path)
    result.check_accounting()
    feb, march, week = result.records
    assert feb.place.name == "Rif Dimashq" and feb.date.precision == Precision.MONTH
    assert march.place.name == "Rural Damascus"
    assert (march.period_start, march.period_end) == (dt.date(2018, 3, 1), dt.date(2018, 3, 31))
    assert march.date.precision == Precision.MONTH
    assert week.date.precision == Precision.WEEK
    assert "ends (2018-03-05) before it starts" in _issues(result, Severity.REJECTED)[5].reason


def test_ambiguous_slash_dates_need_a_declared_order(tmp_path):
    path = tmp_path / "dates.csv"
    path.write_text("#date,#loc,#affected+killed\n03/04/2018,Douma,5\n", encoding="utf-8")
    with pytest.raises(LoadError, match="declare the order"):
        hxl.load(path)
    result = hxl.load(path, date_order="dmy")
    assert result.records[0].date.value == dt.date(2018, 4, 3)
    assert any("no #meta+source" in i.reason for i in result.issues)  # no source column: warned


def test_file_without_tag_row_is_refused(tmp_path):
    path = tmp_path / "plain.csv"
    path.write_text("date,place,killed\n2020-01-01,Douma,3\n", encoding="utf-8")
    assert hxl.detect(read_head(path)) == 0
    with pytest.raises(LoadError, match="no HXL hashtag row"):
        hxl.load(path)


@pytest.mark.parametrize("name", ["hashtag.hxl.csv", "attribute.hxl.csv"])
def test_hxl_dictionaries_are_refused(name):
    path = SHARED / "hxl" / name
    if not path.exists():
        pytest.skip("shared/data HXL dictionaries absent")
    assert hxl.detect(read_head(path)) == 60
    with pytest.raises(LoadError, match=r"HXL file but no fact tags: found #valid_"):
        hxl.load(path)


@pytest.fixture(scope="module")
def hapi():
    if not HAPI.exists():
        pytest.skip("shared/data HDX HAPI file absent")
    return hxl.load(HAPI)


def test_hapi_counts(hapi):
    hapi.check_accounting()
    assert hxl.detect(read_head(HAPI)) == 70 and acled.detect(read_head(HAPI)) == 0
    assert hapi.meta == {"dataset": "hdx_hapi_conflict_event", "kind": FactKind.TOLL}
    assert (hapi.rows_in, len(hapi.records), hapi.skipped, hapi.rejected) == (186, 34, 152, 0)
    reasons = Counter(i.reason for i in hapi.issues)
    assert reasons == {
        "political violence: fatalities include combatants": 62,
        "demonstrations: fatalities are not a civilian toll": 62,
        "no fatalities reported: 0 killed and no injured": 28,
    }
    assert sum(r.killed.value for r in hapi.records) == 106
    assert len({r.external_id for r in hapi.records}) == 34


def test_hapi_district_row(hapi):
    jebel = next(r for r in hapi.records if r.place.pcode == "SY0200")
    assert jebel.provenance.row == 4 and jebel.killed.value == 6
    assert jebel.date == DateValue(dt.date(2025, 1, 1), Precision.MONTH, "2025-01-01")
    assert (jebel.period_start, jebel.period_end) == (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    place = jebel.place
    assert (place.name, place.admin2, place.admin_level) == ("Jebel Saman", "Jebel Saman", 2)
    assert place.admin2_pcode == "SY0200"
    assert (place.admin1, place.admin1_pcode, place.country) == ("Aleppo", "SY02", "SYR")
    assert jebel.sources == ["ACLED", "HDX HAPI"]
    assert jebel.external_id == "hapi:SY0200:civilian_targeting:2025-01-01"
    assert "events in period: 9" in jebel.notes
    azaz = next(r for r in hapi.records if r.place.pcode == "SY0204")
    assert azaz.place.name == "A'zaz" and azaz.killed.value == 2  # p-code name, not provider "Azaz"


def test_hapi_reimport_is_idempotent(hapi):
    again = hxl.load(HAPI)
    assert [r.fingerprint() for r in again.records] == [r.fingerprint() for r in hapi.records]
