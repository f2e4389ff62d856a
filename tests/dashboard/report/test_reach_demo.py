"""The issue's measured convoy cases on the demo dataset (demo/convoys.csv), planned vs reached
(db.reach), through the read functions and the weekly report.

2017-W33 (14-20 Aug 2017): Zamalka, blocked at the Wafideen checkpoint, 30 trucks for 25,000 people;
Deir ez-Zor airdrop delivered for 5,000 -> trucks planned 30, reached 0; people targeted 30,000,
reached 5,000 (the headline used to say "30 trucks, 30,000 people served").
2016-W38 (19-25 Sep 2016): Orum al-Kubra, 31 trucks for 78,000, hit by an air strike (attacked);
eastern Aleppo, 40 trucks withdrawn (aborted); delivered: Deir ez-Zor 2,500, Foah and Kefraya
20,000, Madaya 40,000 (postponed on the 20th, delivered on the 25th: counted once, delivered) and
Zabadani 1,000, none with a truck count -> trucks planned 71, reached 0; people targeted 141,500,
reached 63,500.
"""

from __future__ import annotations

import datetime as dt

import pytest

from dashboard.report import hxl, xlsx
from dashboard.report.model import ReportOptions, build_report
from db import queries, trends
from tests.conftest import EDITOR
from tests.dashboard.report.readback import sheet_rows, workbook, zip_csvs

W33_2017, W38_2016 = dt.date(2017, 8, 14), dt.date(2016, 9, 19)
FIGURES = ["trucks", "trucks_reached", "people_served", "people_reached", "reached_unknown"]


@pytest.mark.parametrize(
    ("week", "expected"), [(W33_2017, [30, 0, 30000, 5000, 0]), (W38_2016, [71, 0, 141500, 63500, 0])]
)
def test_measured_weeks_planned_and_reached(demo_store: str, week: dt.date, expected: list[int]) -> None:
    headline = queries.week_headline(week, url=demo_store)
    assert [headline[c] for c in FIGURES] == expected
    weekly = trends.weekly_convoys(trends.Selection(week, week + dt.timedelta(days=6)), demo_store)
    assert weekly[FIGURES].iloc[0].tolist() == expected


def test_measured_week_in_the_report_summary_and_hxl(demo_store: str) -> None:
    report = build_report(ReportOptions(W33_2017, variant="internal"), demo_store, actor=EDITOR)
    summary = {r["Figure"]: r for r in sheet_rows(workbook(xlsx.xlsx_bytes(report)), "Summary", header_row=9)}
    assert [summary[f]["This week (low)"] for f in ("Trucks planned", "Trucks reached")] == [30, 0]
    assert [summary[f]["This week (low)"] for f in ("People targeted", "People reached")] == [30000, 5000]
    _, tags, *rows = zip_csvs(hxl.hxl_zip(report))["convoys.csv"]
    by_place = {r[tags.index("#loc+name")]: r for r in rows}
    # The blocked convoy's 25,000 are #targeted; it reached nobody.
    assert (
        by_place["Zamalka"][tags.index("#targeted+ind")],
        by_place["Zamalka"][tags.index("#reached+ind")],
    ) == (
        "25000",
        "0",
    )


def test_demo_blocked_convoys_reach_nothing(demo_store: str) -> None:
    span = queries.data_range(demo_store)
    assert span is not None
    sel = trends.Selection(span[0], span[1])
    rows = trends.convoy_facts(sel, demo_store)
    blocked = rows[rows["outcome"] == "blocked"]
    assert (len(blocked), blocked["trucks"].sum(), blocked["people_served"].sum()) == (15, 192, 148500)
    assert blocked["trucks_reached"].sum() == 0 and blocked["people_reached"].sum() == 0
    weekly = trends.weekly_convoys(sel, demo_store)
    arrived = rows[rows["outcome"].isin(["delivered", "items_removed"])]
    assert weekly["people_reached"].sum() == arrived["people_served"].sum()
    assert weekly["trucks_reached"].sum() == arrived["trucks"].sum()
    partial = rows[rows["outcome"] == "partially_delivered"]
    assert weekly["reached_unknown"].sum() == len(partial) > 0  # the demo's partial deliveries: unknown
    assert weekly["people_served"].sum() - weekly["people_reached"].sum() >= blocked["people_served"].sum()
