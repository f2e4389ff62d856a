"""AppTest over the analytics pages (Convoys, Besieged populations, Civilian tolls) and the
Overview alerts: no exception on an empty and a seeded store, the numbers shown equal db.trends,
every chart has a CSV download and says how many sources are behind it."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.data import chart_csv
from db import trends
from tests.dashboard.seed import ROOT, W10, Store

D = dt.date
APP = str(ROOT / "app.py")
PAGES = {
    "convoys": "dashboard/pages/convoys.py",
    "besieged": "dashboard/pages/besieged.py",
    "tolls": "dashboard/pages/tolls.py",
}
# The seeded store's default window: the 12 weeks up to 2018-W11, cut at the week of its first fact.
SEL = trends.Selection(D(2018, 2, 12), D(2018, 3, 18))


def _app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    if page:
        at.switch_page(PAGES[page]).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _charts_have_csv_and_sources(at: AppTest, prefix: str) -> None:
    charts = at.get("plotly_chart")
    downloads = [b for b in at.get("download_button") if b.key.startswith(prefix) and b.key.endswith("_csv")]
    chart_downloads = [b for b in downloads if b.key != f"{prefix}_table_csv"]
    assert charts and len(chart_downloads) == len(charts)
    notes = [c.value for c in at.caption if c.value.startswith("From ")]
    assert len(notes) >= len(charts)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_on_empty_store(empty_store: Store, page: str) -> None:
    at = _app(page)
    assert "no facts yet" in at.info[0].value
    assert not at.metric and not at.get("plotly_chart")


def test_convoys_page_shows_the_query_numbers(seeded_store: Store) -> None:
    at = _app("convoys")
    weekly = trends.weekly_convoys(SEL, seeded_store.url)
    attempted, delivered = int(weekly["attempted"].sum()), int(weekly["delivered_or_partial"].sum())
    assert _metrics(at) == {
        "Convoys": f"{int(weekly['convoys'].sum()):,}",
        "Trucks planned": f"{int(weekly['trucks'].sum()):,}",
        "Trucks reached": f"{int(weekly['trucks_reached'].sum()):,}",
        "People targeted": f"{int(weekly['people_served'].sum()):,}",
        "People reached": f"{int(weekly['people_reached'].sum()):,}",
        "Delivered share": f"{delivered / attempted:.0%}",
    }
    # By hand: 6 convoys, all attempted; C-03 blocked -> 5 of 6 delivered (C-02's items removed counts).
    assert _metrics(at)["Delivered share"] == "83%" and (attempted, delivered) == (6, 5)
    assert len(at.get("plotly_chart")) == 5
    _charts_have_csv_and_sources(at, "convoys")
    assert "From 6 convoys in 1 file or report (convoys.csv)." in [c.value for c in at.caption]
    table = at.dataframe[0].value
    assert list(table["convoy id"]) == list(trends.convoy_facts(SEL, seeded_store.url)["event_ref"])
    assert table.set_index("convoy id").loc["C-02", "source"] == "convoys.csv, row 4"


def test_convoy_row_opens_its_source(seeded_store: Store) -> None:
    at = _app("convoys")
    rows = trends.convoy_facts(SEL, seeded_store.url).set_index("convoy_key")
    at.selectbox(key="convoys_source").set_value(int(rows.loc["C-02", "id"])).run()
    assert not at.exception
    text = "\n".join(m.value for m in at.markdown)
    assert "**File:** convoys.csv (table-csv), row 4" in text
    assert "items_removed" in at.code[0].value  # the row as read: its evidence summary


def test_besieged_page_shows_the_query_numbers(seeded_store: Store) -> None:
    at = _app("besieged")
    table = trends.besieged_table(SEL, seeded_store.url)
    metrics = _metrics(at)
    assert metrics["People besieged on 18 Mar 2018"] == _range(
        table["pop_low"].sum(), table["pop_high"].sum()
    )
    assert metrics["People besieged on 18 Mar 2018"] == "430,000–440,000"  # eastern Ghouta 390-400k + Madaya
    assert metrics["Places under siege"] == "2"
    shown = at.dataframe[0].value
    assert (
        shown[["place", "low", "high", "source"]].values.tolist()
        == table[["place", "pop_low", "pop_high", "sources"]].values.tolist()
    )
    assert shown["population"].tolist() == ["390,000–400,000", "40,000"]
    _charts_have_csv_and_sources(at, "besieged")
    chart = at.get("plotly_chart")[0]
    traces = {t["name"]: t["y"] for t in json.loads(chart.proto.spec)["data"]}
    by_week = trends.besieged_by_week(SEL, seeded_store.url)
    ghouta = by_week[by_week["place"] == "eastern Ghouta"]["pop_low"].tolist()
    assert traces["eastern Ghouta"][-len(ghouta) :] == ghouta == [393000, 393000, 390000]


def test_tolls_page_shows_the_query_numbers(seeded_store: Store) -> None:
    at = _app("tolls")
    frames = trends.toll_trends(SEL, seeded_store.url)
    last = frames["band"].iloc[-1]
    metrics = _metrics(at)
    assert (
        metrics["Civilians killed"]
        == _range(last["killed_low_total"], last["killed_high_total"])
        == "1,240–1,300"
    )
    assert metrics["Civilians injured"] == "4,200–4,700"
    assert metrics["Sources"] == "2"
    pd.testing.assert_frame_equal(
        at.dataframe[0].value.reset_index(drop=True), frames["compare"], check_dtype=False
    )
    _charts_have_csv_and_sources(at, "tolls")
    at.radio(key="tolls_measure").set_value("injured").run()
    assert not at.exception


def test_overview_alerts(seeded_store: Store) -> None:
    at = _app()
    assert "No alerts this week." in [s.value for s in at.success]  # 2018-W11: one delivered convoy
    at.selectbox(key="overview_week").set_value(W10).run()
    assert not at.exception
    warnings = [w.value for w in at.warning]
    expected = trends.alerts(W10, SEL, seeded_store.url)
    assert len(warnings) == len(expected) == 4
    # C-02's items removed at a checkpoint (5 Mar, its row gives no truck count) is an access alert too.
    assert warnings[:2] == [
        "**Convoy blocked, attacked or items removed:** A convoy to Douma had items removed on 5 Mar 2018.",
        "**Convoy blocked, attacked or items removed:** A convoy to Douma (13 trucks) was blocked on 9 Mar 2018.",
    ]
    # 300 killed the week before, 940-1,000 this week: both ends up far more than 25 %
    assert warnings[2].startswith(
        "**Toll up more than 25 %:** Civilians killed: 940–1,000 this week, up from 300"
    )
    assert warnings[3].startswith("**Toll up more than 25 %:** Civilians injured: 3,000–3,500")
    _charts_have_csv_and_sources(at, "overview")


def test_chart_csv_labels_weeks_and_is_formula_safe() -> None:
    frame = pd.DataFrame({"week": [D(2018, 3, 5)], "source": ["=cmd"], "killed_low": [940]})
    text = chart_csv(frame).decode("utf-8-sig")
    assert text.splitlines() == ["week,source,killed_low", "2018-W10 (5–11 Mar 2018),'=cmd,940"]


def test_a_week_without_convoys_or_tolls_shows_dashes(seeded_store: Store) -> None:
    # 2018-W08 (19-25 Feb) of the seed: Madaya's besieged figure (20 Feb), no convoy (C-01 is 14 Feb,
    # C-04 27 Feb) and no toll report (they start 26 Feb): unknown, never 0.
    at = _app()
    at.selectbox(key="overview_week").set_value(D(2018, 2, 19)).run()
    assert not at.exception
    metrics = _metrics(at)
    for label in ("Convoys", "Trucks planned", "Trucks reached", "People targeted", "People reached",
                  "Civilians killed", "Civilians injured"):  # fmt: skip
        assert metrics[label] == "–", label
    helps = {m.label: m.proto.help for m in at.metric}
    assert "no convoy reported" in helps["Convoys"] and "no report" in helps["Civilians killed"]
    assert metrics["People besieged"] not in ("–", "0")
    # The Convoys page over the same dates says the same.
    at.switch_page(PAGES["convoys"]).run()
    at.date_input(key="filters_dates").set_value((D(2018, 2, 19), D(2018, 2, 25))).run()
    assert not at.exception
    metrics = _metrics(at)
    shown = [metrics[k] for k in ("Convoys", "Trucks planned", "People reached", "Delivered share")]
    assert shown == ["–"] * 4
    # And the Civilian tolls page: no source over those dates, so killed and injured are unknown.
    at.switch_page(PAGES["tolls"]).run()
    at.date_input(key="filters_dates").set_value((D(2018, 2, 19), D(2018, 2, 25))).run()
    assert not at.exception
    metrics = _metrics(at)
    assert (metrics["Civilians killed"], metrics["Civilians injured"], metrics["Sources"]) == ("–", "–", "0")
