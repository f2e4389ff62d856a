"""Every format read back: the figures equal the query results for 2018-W10 of the demo data, and
hostile text (a formula title, an HTML place name) comes out inert; Arabic survives the PDF."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from dashboard.report import csvzip, html, hxl, pdf, xlsx
from dashboard.report.model import ReportOptions, WeeklyReport, build_report
from db import trends
from tests.conftest import EDITOR
from tests.dashboard.report.conftest import ARABIC_PLACE, FORMULA, HTML_PLACE, W10
from tests.dashboard.report.readback import (
    parse_html,
    pdf_images,
    pdf_text,
    sheet_rows,
    workbook,
    zip_csvs,
)

END = W10 + dt.timedelta(days=6)
SEL = trends.Selection(W10, END, include_pending=True)


def _reached(value: float) -> str:
    """A convoy's reached figure as the report prints it: '–' when unknown."""
    return "–" if value != value else f"{int(value):,}"


def _span(low: float, high: float) -> str:
    # Toll columns are floats when a week of the window has no source (unknown is NaN, not 0).
    low, high = int(low), int(high)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


@pytest.fixture(scope="module")
def demo_report(demo_store: str) -> WeeklyReport:
    return build_report(ReportOptions(W10, variant="internal"), demo_store, actor=EDITOR)


@pytest.fixture(scope="module")
def tricky_report(tricky_store: str) -> WeeklyReport:
    return build_report(ReportOptions(W10, variant="public", title=FORMULA), tricky_store, actor=EDITOR)


@pytest.fixture(scope="module")
def expected(demo_store: str) -> dict[str, object]:
    """The figures straight from the queries (db.trends), as the report must show them."""
    first = W10 - dt.timedelta(weeks=11)
    trend = trends.weekly_overview(trends.Selection(first, END, include_pending=True), demo_store)
    this = trend.iloc[-1]
    return {
        "headline": {
            "convoys": f"{this['convoys']:,}", "trucks": f"{this['trucks']:,}",
            "people_served": f"{this['people_served']:,}",
            "besieged": _span(this["besieged_low"], this["besieged_high"]),
            "killed": _span(this["killed_low"], this["killed_high"]),
            "injured": _span(this["injured_low"], this["injured_high"]),
        },
        "raw": this,
        "convoys": trends.convoy_facts(SEL, demo_store).sort_values("date"),
        "besieged": trends.besieged_table(SEL, demo_store).sort_values("place"),
        "compare": trends.toll_trends(SEL, demo_store)["compare"],
    }  # fmt: skip


# ---- HTML ----------------------------------------------------------------------------------------


def test_html_figures_equal_the_queries(demo_report: WeeklyReport, expected: dict) -> None:
    page = parse_html(html.render(demo_report))
    for key, value in expected["headline"].items():
        assert page.rows_by_key[key][1] == value, key
    assert page.rows_by_key["killed"][1] == "274–493"
    convoys = expected["convoys"]
    rows = page.tables["convoys"][1:]
    assert [r[0] for r in rows] == [d.isoformat() for d in convoys["date"]]
    assert [r[1] for r in rows] == convoys["place"].tolist()
    assert [r[3] for r in rows] == [f"{t:,}" for t in convoys["trucks"]]
    assert [r[4] for r in rows] == [_reached(t) for t in convoys["trucks_reached"]]
    assert [r[5] for r in rows] == [f"{p:,}" for p in convoys["people_served"]]
    assert [r[6] for r in rows] == [_reached(p) for p in convoys["people_reached"]]
    assert page.tables["convoys"][0][3:7] == [
        "Trucks planned",
        "Trucks reached",
        "People targeted",
        "People reached",
    ]
    besieged = expected["besieged"]
    assert [r[0] for r in page.tables["besieged"][1:]] == besieged["place"].tolist()
    assert [r[2] for r in page.tables["besieged"][1:]] == [
        f"– (last {_span(a, b)})" if gone else _span(a, b)
        for a, b, gone in zip(besieged["pop_low"], besieged["pop_high"], besieged["expired"], strict=True)
    ]
    # By hand (2018-W10 ends Sun 11 Mar 2018): Foah and Kefraya's last figure (8,000, 30 Jun 2017) is
    # 254 days old: expired, unknown, its last figure kept; Rukban (31 Jan 2018) is hard to reach, 39 days.
    rows = {r[0]: r for r in page.tables["besieged"][1:]}
    assert (
        rows["Foah and Kefraya"][2] == "– (last 8,000)"
        and "254 days old (expired" in rows["Foah and Kefraya"][4]
    )
    assert rows["Rukban"][1] == "Hard to reach" and rows["Rukban"][4] == "39 days old"
    tolls = {r[1]: r for r in page.tables["tolls"][1:]}
    for c in expected["compare"].itertuples():
        assert tolls[c.source][3] == _span(c.killed_low, c.killed_high), c.source
    assert tolls["all sources (low–high)"][3] == expected["headline"]["killed"]
    assert {r[0] for r in page.tables["sources"][1:]} == {"besieged.csv", "convoys.csv", "tolls.csv"}
    assert page.ids["classification"] == "INTERNAL – not for distribution"


def test_html_opens_offline(demo_report: WeeklyReport) -> None:
    page = parse_html(html.render(demo_report))
    remote = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
    loaded = [(t, n, v) for t, n, v in page.attributes if n in ("src", "href", "srcset", "data", "poster")]
    assert not [a for a in loaded if remote.match(a[2])], "scripts, styles, fonts and images must be inline"
    assert not [a for a in page.attributes if a[0] == "link"]
    assert all("@import" not in s and not re.search(r"url\(\s*['\"]?(https?:)?//", s) for s in page.styles)
    assert any("Plotly" in s and len(s) > 1_000_000 for s in page.scripts)  # plotly.js itself, inlined
    assert len([s for s in page.scripts if "Plotly.newPlot" in s]) == 6


def test_html_escapes_every_text(tricky_report: WeeklyReport) -> None:
    page = parse_html(html.render(tricky_report))
    assert page.ids["title"] == FORMULA
    assert HTML_PLACE in [r[1] for r in page.tables["convoys"][1:]]
    assert HTML_PLACE in page.ids["alerts"]
    assert not any("alert(1)" in s for s in page.scripts)
    assert not [a for a in page.attributes if a[0] == "b"]  # no tag came from the place name
    assert ARABIC_PLACE in [r[1] for r in page.tables["convoys"][1:]]
    assert "<5" in [r[5] for r in page.tables["convoys"][1:]]  # 2 people targeted, suppressed


# ---- PDF -----------------------------------------------------------------------------------------


def test_pdf_figures_equal_the_queries(demo_report: WeeklyReport, expected: dict) -> None:
    text = pdf_text(pdf.pdf_bytes(demo_report, draw_charts=False))
    flat = text.replace("\n", " ")
    for key, value in expected["headline"].items():
        assert value in flat, key
    for c in expected["convoys"].itertuples():
        assert f"{c.date.isoformat()} {c.place}" in flat
        reached = f"{_reached(c.trucks_reached)} {c.people_served:,} {_reached(c.people_reached)}"
        assert f"{c.trucks:,} {reached}" in flat
    for c in expected["compare"].itertuples():
        assert f"{c.source} {c.reports} {_span(c.killed_low, c.killed_high)}" in flat
    for b in expected["besieged"].itertuples():
        assert _span(b.pop_low, b.pop_high) in flat
    assert "Charts are not drawn in this PDF" in flat and "apt-get install chromium" in flat
    assert "INTERNAL – not for distribution" in text


def test_pdf_text_is_literal_and_arabic_survives(tricky_report: WeeklyReport) -> None:
    text = pdf_text(pdf.pdf_bytes(tricky_report, draw_charts=False))
    lines = text.splitlines()
    assert FORMULA in lines
    assert ARABIC_PLACE in re.split(r"\s+", text)  # shaped by HarfBuzz, extracted in logical order
    assert HTML_PLACE in text.replace("\n", "")  # a long cell may wrap; the text itself is literal


def test_pdf_without_a_browser_still_builds(
    tricky_report: WeeklyReport, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BROWSER_PATH", "/nonexistent/chromium")
    monkeypatch.setenv("PATH", "/nonexistent")
    data = pdf.pdf_bytes(tricky_report)
    flat = pdf_text(data).replace("\n", " ")
    assert "Charts are not drawn in this PDF: no browser could draw them" in flat
    assert "BROWSER_PATH" in flat and pdf_images(data) == 0


@pytest.mark.skipif(not (shutil.which("chromium") or shutil.which("google-chrome")), reason="no browser")
def test_pdf_draws_the_charts_with_a_browser(demo_report: WeeklyReport) -> None:
    data = pdf.pdf_bytes(demo_report)
    assert pdf_images(data) == len(demo_report.figures) == 6
    assert "Charts are not drawn" not in pdf_text(data)


# ---- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_figures_equal_the_queries(demo_report: WeeklyReport, expected: dict) -> None:
    wb = workbook(xlsx.xlsx_bytes(demo_report))
    assert wb.sheetnames[:5] == ["Summary", "Convoys", "Besieged", "Tolls", "Sources"]
    summary = {r["Figure"]: r for r in sheet_rows(wb, "Summary", header_row=9)}
    raw = expected["raw"]
    assert summary["Convoys"]["This week (low)"] == raw["convoys"] == 2
    assert (
        summary["Civilians killed"]["This week (low)"],
        summary["Civilians killed"]["This week (high)"],
    ) == (274, 493)
    assert summary["Trucks planned"]["This week (high)"] == raw["trucks"]
    assert summary["Trucks reached"]["This week (high)"] == raw["trucks_reached"]
    assert summary["People targeted"]["This week (high)"] == raw["people_served"]
    assert summary["People reached"]["This week (high)"] == raw["people_reached"]
    assert summary["People besieged (end of week)"]["This week (high)"] == raw["besieged_high"]
    convoys = sheet_rows(wb, "Convoys")
    assert [r["Trucks planned"] for r in convoys] == expected["convoys"]["trucks"].tolist()
    assert [r["Date"].date() for r in convoys] == expected["convoys"]["date"].tolist()  # typed: dates
    assert [r["People targeted"] for r in convoys] == expected["convoys"]["people_served"].tolist()
    assert [r["People reached"] for r in convoys] == expected["convoys"]["people_reached"].tolist()
    tolls = {r["Source"]: r for r in sheet_rows(wb, "Tolls")}
    for c in expected["compare"].itertuples():
        assert (tolls[c.source]["Killed (low)"], tolls[c.source]["Killed (high)"]) == (
            c.killed_low,
            c.killed_high,
        )
    besieged = sheet_rows(wb, "Besieged")
    assert [r["Population (low)"] for r in besieged] == expected["besieged"]["pop_low"].tolist()
    for name in ("Convoys", "Besieged", "Tolls", "Sources", "Trend"):
        assert wb[name].freeze_panes == "A2"
        assert all(wb[name].column_dimensions[c].width for c in "ABC")


def test_xlsx_never_writes_a_formula(tricky_report: WeeklyReport) -> None:
    wb = workbook(xlsx.xlsx_bytes(tricky_report))
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    title = wb["Summary"]["B1"]
    assert title.value == FORMULA and title.data_type == "s" and title.quotePrefix
    convoys = {r["Place"]: r for r in sheet_rows(wb, "Convoys")}
    assert convoys[ARABIC_PLACE]["Organisations"] == FORMULA
    assert convoys[ARABIC_PLACE]["People targeted"] == "<5" and convoys[ARABIC_PLACE]["Trucks planned"] == 3
    assert HTML_PLACE in convoys


# ---- CSV and HXL ---------------------------------------------------------------------------------


def test_csv_zip_figures_and_formula_safety(
    demo_report: WeeklyReport, tricky_report: WeeklyReport, expected: dict
) -> None:
    files = zip_csvs(csvzip.csv_zip(demo_report))
    assert {"summary.csv", "convoys.csv", "besieged.csv", "tolls.csv", "sources.csv", "alerts.csv"} <= set(
        files
    )
    summary = {r[0]: r for r in files["summary.csv"][1:]}
    assert summary["Civilians killed"][1:3] == ["274", "493"]
    assert summary["Convoys"][1] == str(expected["raw"]["convoys"])
    header, *rows = files["convoys.csv"]
    assert [r[header.index("Trucks planned")] for r in rows] == [
        str(t) for t in expected["convoys"]["trucks"]
    ]
    tricky = zip_csvs(csvzip.csv_zip(tricky_report))
    about = dict(r for r in tricky["about.csv"][1:])
    assert about["Report"] == "'" + FORMULA
    header, *rows = tricky["convoys.csv"]
    by_place = {r[header.index("Place")]: r for r in rows}
    assert by_place[ARABIC_PLACE][header.index("Organisations")] == "'" + FORMULA
    assert by_place[ARABIC_PLACE][header.index("People targeted")] == "<5"
    assert HTML_PLACE in by_place
    cells = [c for f in tricky.values() for r in f for c in r]
    numbers = re.compile(r"^-?\d+(\.\d+)?$")  # a negative change is a number, and stays one
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r") and not numbers.match(c)]


def test_hxl_is_tagged_and_formula_safe(tricky_report: WeeklyReport) -> None:
    files = zip_csvs(hxl.hxl_zip(tricky_report))
    assert set(files) == {"convoys.csv", "besieged.csv", "tolls.csv"}
    _, tags, *rows = files["tolls.csv"]
    assert {
        "#date+start",
        "#adm1+name",
        "#loc+name",
        "#affected+killed+min",
        "#affected+killed+max",
        "#meta+source",
    } <= set(tags)
    ranged = next(r for r in rows if r[tags.index("#meta+type")] == "range")
    assert (ranged[tags.index("#affected+killed+min")], ranged[tags.index("#affected+killed+max")]) == (
        "274",
        "493",
    )
    assert ranged[tags.index("#adm1+name")] == "Rural Damascus"
    _, tags, *rows = files["besieged.csv"]
    assert "#population+min" in tags and "#date" in tags
    _, tags, *rows = files["convoys.csv"]
    by_place = {r[tags.index("#loc+name")]: r for r in rows}
    assert by_place[ARABIC_PLACE][tags.index("#org+impl")] == "'" + FORMULA
    assert by_place[ARABIC_PLACE][tags.index("#reached+ind")] == "<5"
    assert by_place[ARABIC_PLACE][tags.index("#targeted+ind")] == "<5"
