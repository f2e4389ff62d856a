"""Planned vs reached on the pages and in the weekly report, worked by hand: a blocked convoy for
12,000 people on 30 trucks and a delivered one for 1,000 on 5 trucks in 2018-W10 give people
targeted 13,000, reached 1,000, trucks planned 35, reached 5; in 2018-W11 a partially delivered
convoy without a reached figure makes the reached sums "… + unknown" (tests/db/test_reach.py has the
store and the read functions)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import maps
from dashboard.report import csvzip, html, hxl, xlsx
from dashboard.report.model import ReportOptions, build_report
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import EDITOR, fresh_store_url
from tests.dashboard.report.readback import parse_html, sheet_rows, workbook, zip_csvs
from tests.dashboard.seed import ROOT, import_csv
from tests.db.test_reach import CONVOYS_CSV, W10, W11

APP = str(ROOT / "app.py")


@pytest.fixture
def reach_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = fresh_store_url(tmp_path)
    upgrade(url)
    import_csv(tmp_path, "convoys.csv", CONVOYS_CSV, url)
    monkeypatch.setenv("DATABASE_URL", url)
    forget(url)
    dispose_all()
    st.cache_data.clear()
    yield url
    forget(url)
    dispose_all()
    st.cache_data.clear()


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_names_planned_and_reached(reach_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="overview_week").set_value(W10).run()
    assert not at.exception
    shown = _metrics(at)
    assert (shown["Trucks planned"], shown["Trucks reached"]) == ("35", "5")
    assert (shown["People targeted"], shown["People reached"]) == ("13,000", "1,000")
    assert "People served" not in shown and "Trucks" not in shown
    table = at.dataframe[0].value  # "The figures as a table": the same names
    assert {"trucks_planned", "trucks_reached", "people_targeted", "people_reached"} <= set(table.columns)
    assert "people_served" not in table.columns and table["people_targeted"].iloc[-1] == 13000
    at.selectbox(key="overview_week").set_value(W11).run()
    shown = _metrics(at)
    # Partially delivered (10 trucks, 4,000 people, no reached figure) + items removed (8, 3,000).
    assert (shown["Trucks planned"], shown["Trucks reached"]) == ("20", "8 + unknown")
    assert (shown["People targeted"], shown["People reached"]) == ("7,500", "3,000 + unknown")
    reached = next(m for m in at.metric if m.label == "People reached")
    assert "1 partially delivered convoy(s)" in reached.help
    alerts = [w.value for w in at.warning]
    assert (
        "**Convoy blocked, attacked or items removed:** A convoy to Harasta (8 trucks) had items removed on 14 Mar 2018."
        in alerts
    )


def test_convoys_page_shows_unknown_reached_as_a_dash(reach_url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("dashboard/pages/convoys.py").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = _metrics(at)
    assert (shown["Trucks planned"], shown["Trucks reached"]) == ("55", "13 + unknown")
    assert (shown["People targeted"], shown["People reached"]) == ("20,500", "4,000 + unknown")
    table = at.dataframe[0].value.set_index("convoy id")
    assert table.loc["R-3", "people reached"] == "–" and table.loc["R-3", "people targeted"] == 4000
    assert table.loc["R-1", "people reached"] == "0" and table.loc["R-4", "trucks reached"] == "8"


def test_report_summary_xlsx_and_hxl(reach_url: str) -> None:
    report = build_report(ReportOptions(W10, variant="internal"), reach_url, actor=EDITOR)
    heads = {h.key: (h.label, h.low) for h in report.headlines}
    assert heads["trucks"] == ("Trucks planned", 35) and heads["trucks_reached"] == ("Trucks reached", 5)
    assert heads["people_served"] == ("People targeted", 13000)
    assert heads["people_reached"] == ("People reached", 1000)
    summary = {r["Figure"]: r for r in sheet_rows(workbook(xlsx.xlsx_bytes(report)), "Summary", header_row=9)}
    assert {f: summary[f]["This week (low)"] for f in
            ("Trucks planned", "Trucks reached", "People targeted", "People reached")} == {
        "Trucks planned": 35, "Trucks reached": 5, "People targeted": 13000, "People reached": 1000}  # fmt: skip
    header, tags, *rows = zip_csvs(hxl.hxl_zip(report))["convoys.csv"]
    by_ref = {r[tags.index("#activity+code")]: r for r in rows}
    assert (by_ref["R-1"][tags.index("#targeted+ind")], by_ref["R-1"][tags.index("#reached+ind")]) == (
        "12000",
        "0",
    )
    assert (by_ref["R-2"][tags.index("#targeted+ind")], by_ref["R-2"][tags.index("#reached+ind")]) == (
        "1000",
        "1000",
    )
    assert header[tags.index("#targeted+ind")] == "People targeted"

    # 2018-W11: the partially delivered convoy's reached figure is unknown, in every format.
    later = build_report(ReportOptions(W11, variant="internal"), reach_url, actor=EDITOR)
    heads = {h.key: h for h in later.headlines}
    assert (heads["people_reached"].low, heads["trucks_reached"].low) == ("3,000 + unknown", "8 + unknown")
    assert heads["people_reached"].change() is None  # an unknown part cannot be compared
    assert heads["people_served"].low == 7500
    page = parse_html(html.render(later))
    assert page.rows_by_key["people_reached"][1] == "3,000 + unknown"
    convoys = {r[1]: r for r in page.tables["convoys"][1:]}
    assert convoys["Douma"][4:7] == ["–", "4,000", "–"]  # trucks reached, people targeted, people reached
    summary = {r["Figure"]: r for r in sheet_rows(workbook(xlsx.xlsx_bytes(later)), "Summary", header_row=9)}
    assert summary["People reached"]["This week (low)"] == "3,000 + unknown"
    sheet = {r["Convoy reference"]: r for r in sheet_rows(workbook(xlsx.xlsx_bytes(later)), "Convoys")}
    assert (sheet["R-3"]["People targeted"], sheet["R-3"]["People reached"]) == (4000, "–")
    assert any("partially delivered convoy's reached figure is unknown" in n for n in later.notes)
    header, tags, *rows = zip_csvs(hxl.hxl_zip(later))["convoys.csv"]
    r3 = next(r for r in rows if r[tags.index("#activity+code")] == "R-3")
    assert (r3[tags.index("#targeted+ind")], r3[tags.index("#reached+ind")]) == ("4000", "")
    csv = zip_csvs(csvzip.csv_zip(later))["convoys.csv"]
    r3 = next(r for r in csv[1:] if r[csv[0].index("Convoy reference")] == "R-3")
    assert r3[csv[0].index("People reached")] == "–"


def test_public_report_suppresses_the_known_part_and_keeps_unknown(reach_url: str) -> None:
    report = build_report(ReportOptions(W11, variant="public", threshold=5000), reach_url, actor=EDITOR)
    heads = {h.key: h for h in report.headlines}
    assert heads["people_reached"].low == "<5000 + unknown"  # 3,000 known: below the threshold
    assert heads["people_served"].low == 7500 and heads["trucks_reached"].low == "8 + unknown"


def test_map_names_the_figure_and_shows_unknown_reached() -> None:
    points = pd.DataFrame({"low": [8, 0, 1000], "high": [8, 0, 1000], "unknown": [0, 1, 1]})
    assert maps.figure_texts(points) == ["8", "–", "1,000 + unknown"]
    reached = maps.MapView("people_reached", W11, W11 + dt.timedelta(days=6)).describe()
    assert reached.startswith("People reached per destination") and "only convoys that arrived" in reached
    targeted = maps.MapView("people_served", W11, W11 + dt.timedelta(days=6)).describe()
    assert targeted.startswith("People targeted per destination") and "whether it arrived or not" in targeted
