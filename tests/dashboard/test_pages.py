"""AppTest over app.py: every page on an empty and a seeded store, and the keyed widgets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.data import csv_bytes, formula_safe
from db import queries
from db.queries import Scope
from db.reach import reached_text
from tests.dashboard.seed import LATEST_WEEK, ROOT, TOLLS_CSV, W10, Store, import_csv

APP = str(ROOT / "app.py")
DATA_PAGE = "dashboard/pages/data.py"
TIMEOUT = 30


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _expected(week: dt.date, url: str, include_pending: bool = False) -> dict[str, str]:
    """The headline figures straight from db.queries, written the way the page must show them."""
    scope = Scope(include_pending=include_pending)
    h = queries.week_headline(week, scope, url)

    def rng(name: str) -> str:
        low, high = h[f"{name}_low"], h[f"{name}_high"]
        if low is None:  # no report: unknown, shown '–'
            return "–"
        return f"{low:,}" if low == high else f"{low:,}–{high:,}"

    return {
        "Convoys": f"{h['convoys']:,}",
        "Trucks planned": f"{h['trucks']:,}",
        "Trucks reached": reached_text(h["trucks_reached"], h["reached_unknown"]),
        "People targeted": f"{h['people_served']:,}",
        "People reached": reached_text(h["people_reached"], h["reached_unknown"]),
        "People besieged": rng("besieged"),
        "Civilians killed": rng("killed"),
        "Civilians injured": rng("injured"),
        # The seeded store has besieged observations only: hard to reach and trapped are their own figures.
        "People hard to reach": "0",
        "People trapped": "0",
        "Places under siege": str(len(queries.besieged_current(week + dt.timedelta(days=6), scope, url))),
    }


def _text(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.subheader, *at.title]
    return "\n".join(str(p.value) for p in parts)


# ---- empty store -----------------------------------------------------------------------------


def test_overview_on_empty_store_says_how_to_load_data(empty_store: Store) -> None:
    at = _app()
    assert at.title[0].value == "Overview"
    message = at.info[0].value
    assert "make run" in message and "python -m cli ingest FILE" in message and "Import page" in message
    assert len(at.metric) == 0
    assert queries.latest_import_id(empty_store.url) is None  # the app applied the migrations itself


def test_a_new_import_shows_at_once(empty_store: Store, tmp_path: Path) -> None:
    """The cache is keyed by the latest import id: no waiting for the TTL after an import."""
    at = _app()
    assert "no facts yet" in at.info[0].value
    import_csv(tmp_path, "tolls.csv", TOLLS_CSV, empty_store.url)
    at.run()
    assert not at.exception
    assert at.selectbox(key="overview_week").value == W10
    assert _metrics(at)["Civilians killed"] == "940–1,000"


def test_data_page_on_empty_store(empty_store: Store) -> None:
    at = _app()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    assert at.title[0].value == "Data"
    assert "No imports yet" in at.info[0].value
    assert _metrics(at)["Imports"] == "0"
    assert not [s for s in at.selectbox if s.key == "data_import_select"]


# ---- seeded store ----------------------------------------------------------------------------


def test_overview_defaults_to_latest_week_and_shows_query_figures(seeded_store: Store) -> None:
    at = _app()
    week = at.selectbox(key="overview_week")
    assert week.value == LATEST_WEEK
    assert week.options[0].startswith("2018-W11 (12–18 Mar 2018)")
    assert week.options[-1].startswith("2018-W07")  # the first fact is on 14 Feb 2018
    assert _metrics(at) == _expected(LATEST_WEEK, seeded_store.url)
    assert len(at.get("plotly_chart")) == 6
    # The seed's tolls cover W09 and W10 only: W11 has no toll source, so killed is unknown, not 0.
    killed = next(m for m in at.metric if m.label == "Civilians killed")
    assert (killed.value, _metrics(at)["Civilians injured"]) == ("–", "–")
    assert "no report" in killed.proto.help


def test_changing_the_week_changes_the_metrics(seeded_store: Store) -> None:
    at = _app()
    before = _metrics(at)
    at.selectbox(key="overview_week").set_value(W10).run()
    assert not at.exception
    after = _metrics(at)
    assert after != before
    assert after == _expected(W10, seeded_store.url)
    # The seeded facts, independently of the query code: C-02 counts once (items removed, its 46 trucks
    # carried over from the planned row), Douma is inside eastern Ghouta, and two sources give a range.
    assert after["Convoys"] == "3"
    # C-01 14 Feb ... W10 holds C-02 (items removed, 46 trucks, 27,500 people: arrived), C-03 (blocked,
    # 13 trucks, 5,000 people: reached nothing) and C-06 (delivered, 4 trucks, 1,000 people).
    assert (after["Trucks planned"], after["Trucks reached"]) == ("63", "50")
    assert (after["People targeted"], after["People reached"]) == ("33,500", "28,500")
    assert after["People besieged"] == "433,000"
    assert after["Civilians killed"] == "940–1,000"
    assert after["Civilians injured"] == "3,000–3,500"
    assert "items removed 1" in _text(at) and "2 source(s)" in _text(at)


def test_include_pending_is_marked(seeded_store: Store) -> None:
    at = _app()
    assert "Confirmed facts only" in _text(at)
    at.checkbox(key="filters_include_pending").check().run()  # the global sidebar filter
    assert not at.exception
    assert "Includes pending (unreviewed) facts" in at.warning[0].value
    assert "(incl. pending)" in _text(at)
    assert _metrics(at) == _expected(LATEST_WEEK, seeded_store.url, include_pending=True)


def test_data_page_lists_imports_and_issues(seeded_store: Store) -> None:
    at = _app()
    at.switch_page(DATA_PAGE).run()
    assert not at.exception
    imports = at.dataframe[0].value
    assert list(imports["file"]) == ["tolls.csv", "besieged.csv", "convoys.csv"]  # newest first
    convoys = imports.set_index("file").loc["convoys.csv"]
    assert (convoys["rows in"], convoys["added"], convoys["rejected"]) == (8, 7, 1)
    metrics = _metrics(at)
    assert metrics["Imports"] == "3" and metrics["Convoy rows"] == "7"

    convoy_import = seeded_store.summaries["convoys.csv"].import_id
    at.selectbox(key="data_import_select").set_value(convoy_import).run()
    assert not at.exception
    issues = at.dataframe[1].value
    assert issues[["row", "column", "severity"]].values.tolist() == [[9, "place", "rejected"]]
    assert "'place' is empty" in issues["reason"][0]
    assert "**1** rejected" in _text(at)

    places = at.dataframe[2].value
    assert list(places["name"]) == ["Beit Sawa farms"]
    assert "merge" in _text(at)


def test_import_without_issues_says_so(seeded_store: Store) -> None:
    at = _app()
    at.switch_page(DATA_PAGE).run()
    tolls = seeded_store.summaries["tolls.csv"].import_id
    at.selectbox(key="data_import_select").set_value(tolls).run()
    assert "every row was stored" in at.success[0].value


def test_data_page_offers_a_template_per_layout(seeded_store: Store) -> None:
    at = _app()
    at.switch_page(DATA_PAGE).run()
    keys = {b.key for b in at.get("download_button")}
    for kind in ("convoy", "besieged_population", "civilian_toll"):
        assert {f"data_template_{kind}", f"data_columns_{kind}"} <= keys


def test_csv_export_is_formula_safe() -> None:
    frame = pd.DataFrame(
        {"reason": ["=HYPERLINK(1)", "+1", "-2", "@SUM", "\tx", "\rx", "fine", None], "row": range(8)}
    )
    safe = formula_safe(frame)
    assert safe["reason"].tolist()[:7] == ["'=HYPERLINK(1)", "'+1", "'-2", "'@SUM", "'\tx", "'\rx", "fine"]
    assert safe["row"].tolist() == list(range(8))  # numbers untouched
    raw = csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads UTF-8 (Arabic names) correctly
    assert b"'=HYPERLINK(1)" in raw


@pytest.mark.parametrize("week", [LATEST_WEEK, W10, dt.date(2018, 2, 26)])
def test_headline_equals_last_row_of_the_trend(seeded_store: Store, week: dt.date) -> None:
    """The page shows the trend frame's last row; it must agree with week_headline."""
    trend = queries.weekly_overview(week, 12, url=seeded_store.url).iloc[-1]
    headline = queries.week_headline(week, url=seeded_store.url)
    assert {k: None if pd.isna(trend[k]) else int(trend[k]) for k in headline} == headline


def test_data_page_merges_an_unverified_place(seeded_store: Store) -> None:
    from db.queries import known_places, unverified_places

    unverified = unverified_places(seeded_store.url)
    assert not unverified.empty
    source = int(unverified["id"][0])
    known = known_places(seeded_store.url)
    target = int(known.loc[known["name"] == "Douma", "id"].iloc[0])
    at = _app()
    at.switch_page(DATA_PAGE).run()
    at.selectbox(key="data_merge_source").set_value(source)
    at.selectbox(key="data_merge_target").set_value(target)
    merge = next(b for b in at.button if b.label == "Merge")
    merge.click().run()
    assert not at.exception
    assert any("fact(s) moved" in s.value for s in at.success)
    assert source not in set(unverified_places(seeded_store.url)["id"])
