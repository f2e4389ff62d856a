"""Unknown is '–' (no report), never 0, and a quiet week is reported: on a small hand-worked store.

Madaya: besieged 40,000 from Mon 8 Jan 2018 (OCHA); a convoy delivered on 10 Jan (10 trucks);
SOHR gave killed 10 for 8-14 Jan with no injured figure, then killed 4 and injured 2 for 5-11 Feb.
Weeks: W02 (8 Jan) has everything; W03 (15 Jan), W04 (22 Jan) and W05 (29 Jan) have no dated fact,
but the siege carries through them (20 days old on Sun 28 Jan, the end of W04).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard.report import html, hxl, tables, xlsx
from dashboard.report.model import ReportError, ReportOptions, WeeklyReport, build_report
from db import trends
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import EDITOR, fresh_store_url
from tests.dashboard.report.readback import parse_html, sheet_rows, workbook
from tests.dashboard.seed import import_csv

W02, W04 = dt.date(2018, 1, 8), dt.date(2018, 1, 22)
CONVOYS = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id
2018-01-10,Madaya,Rural Damascus,SARC,10,5000,delivered,M-1
"""
BESIEGED = """date,place,admin1,population,status,sources
2018-01-08,Madaya,Rural Damascus,40000,besieged,OCHA
"""
TOLLS = """period_start,period_end,place,admin1,killed,injured,sources
2018-01-08,2018-01-14,Madaya,Rural Damascus,10,,SOHR
2018-02-05,2018-02-11,Madaya,Rural Damascus,4,2,SOHR
"""
FILES = {"convoys.csv": CONVOYS, "besieged.csv": BESIEGED, "tolls.csv": TOLLS}


def load(folder: Path, url: str) -> None:
    for name, text in FILES.items():
        import_csv(folder, name, text, url)


@pytest.fixture(scope="module")
def quiet_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("quiet")
    url = fresh_store_url(folder)
    upgrade(url)
    load(folder, url)
    yield url
    forget(url)
    dispose_all()


def _report(url: str, week: dt.date) -> WeeklyReport:
    return build_report(ReportOptions(week, variant="internal"), url, actor=EDITOR)


def test_a_quiet_week_reports_what_carries_through(quiet_store: str) -> None:
    report = _report(quiet_store, W04)
    assert not report.has_data  # nothing dated in W04 ...
    got = {h.key: h for h in report.headlines}
    # ... but Madaya's 40,000 carries through it (8 Jan, 20 days old on Sun 28 Jan: not stale)
    assert (got["besieged"].low, got["besieged"].high) == (40000, 40000)
    assert report.besieged["pop_low"].tolist() == [40000]
    # no convoy reported, no toll source: unknown, never 0
    for key in ("convoys", "trucks", "trucks_reached", "people_served", "killed", "injured"):
        assert (got[key].low, got[key].high) == (None, None), key
    assert report.convoys.empty and report.tolls.empty
    page = parse_html(html.render(report))
    assert page.rows_by_key["besieged"][1] == "40,000"
    assert page.rows_by_key["killed"][1] == page.rows_by_key["convoys"][1] == "–"
    assert 'title="no report"' in html.render(report)
    assert any(note.startswith("– means no report (unknown), never 0") for note in report.notes)


def test_xlsx_summary_shows_a_dash_not_zero(quiet_store: str) -> None:
    report = _report(quiet_store, W04)
    summary = {r["Figure"]: r for r in sheet_rows(workbook(xlsx.xlsx_bytes(report)), "Summary", 9)}
    assert summary["Civilians killed"]["This week (low)"] == "–"
    assert summary["Civilians killed"]["This week (high)"] == "–"
    assert summary["Convoys"]["This week (low)"] == "–"
    assert summary["People besieged (end of week)"]["This week (low)"] == 40000
    # CSV cells of the same table stay empty (None), not 0 and not '–'
    assert tables.export_tables(report)["summary"].set_index("Figure").loc["Civilians killed"].iloc[0] is None


def test_the_trend_leaves_gaps_for_weeks_without_reports(quiet_store: str) -> None:
    report = _report(quiet_store, W04)
    killed = report.figures[4]  # charts.killed_range_band
    assert [list(t.y) for t in killed.data] == [[10, None, None], [10, None, None]]  # W02, W03, W04
    assert report.trend["killed_low"].tolist() == [10, None, None]


def test_a_source_without_an_injured_figure_gives_unknown_injured(quiet_store: str) -> None:
    report = _report(quiet_store, W02)
    source = report.tolls[report.tolls["row_type"] == "source"].iloc[0]
    assert (source["source"], source["killed_low"], source["killed_high"]) == ("SOHR", 10, 10)
    assert (source["injured_low"], source["injured_high"]) == (None, None)
    exported = tables.export_tables(report)["tolls"].iloc[0]
    assert exported["Killed (low)"] == 10 and exported["Injured (low)"] is None
    # HXL: the injured cells of that row are empty, not 0
    rows = list(csv.reader(io.StringIO(hxl.hxl_files(report)["tolls.csv"].decode("utf-8-sig"))))
    cells = dict(zip(rows[1], rows[2], strict=True))
    assert cells["#affected+killed+min"] == "10" and cells["#affected+injured+min"] == ""
    # The Civilian tolls page's sources table: the same source, injured unknown (NaN), not 0.
    compare = trends.toll_trends(trends.Selection(W02, W02 + dt.timedelta(days=6)), quiet_store)["compare"]
    assert compare["killed_low"].tolist() == [10]
    assert compare["injured_low"].isna().tolist() == [True]


def test_weeks_outside_the_data_are_refused(quiet_store: str) -> None:
    with pytest.raises(ReportError, match=r"2017-W52 is outside the data.*2018-W02"):
        _report(quiet_store, dt.date(2017, 12, 25))  # ends the day before the first fact
    after_today = dt.date.today() + dt.timedelta(days=7 - dt.date.today().weekday())
    with pytest.raises(ReportError, match="outside the data"):
        _report(quiet_store, after_today)
    with pytest.raises(ReportError, match="outside the data"):
        _report(quiet_store, dt.date(2018, 1, 1))  # W01 ends on Sun 7 Jan, the day before the first fact
    # Any week in between is made, even one after the last fact (sieges carry on past it).
    assert not _report(quiet_store, dt.date(2018, 3, 5)).has_data
