"""The global sidebar filters: the sentence they say, their defaults, and that they change what
every page shows (a place includes the places inside it; choices survive a page switch)."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from dashboard.filters import Filters, default_range
from db import trends
from tests.dashboard.seed import ROOT, Store

D = dt.date
APP = str(ROOT / "app.py")
CONVOYS, TOLLS = "dashboard/pages/convoys.py", "dashboard/pages/tolls.py"


def test_describe_says_what_is_shown() -> None:
    plain = Filters(D(2017, 12, 25), D(2018, 3, 18))
    assert plain.describe() == "Confirmed facts only, 25 Dec 2017 – 18 Mar 2018, in every place."
    narrow = Filters(D(2018, 3, 5), D(2018, 3, 11), place_id=3, place_name="eastern Ghouta", organisation_id=9,
                     organisation_name="SOHR", include_pending=True)  # fmt: skip
    assert narrow.describe() == (
        "Confirmed and pending (unreviewed) facts, 5 Mar 2018 – 11 Mar 2018, in eastern Ghouta and the places "
        "inside it, where SOHR ran the convoy or gave the figure."
    )
    assert narrow.selection() == trends.Selection(D(2018, 3, 5), D(2018, 3, 11), 3, 9, True)


def test_default_range_is_twelve_weeks_to_the_latest_active_week() -> None:
    # Latest convoy or toll on Thu 15 Mar 2018 -> weeks of 25 Dec 2017 .. 12 Mar 2018 (Monday to Sunday).
    assert default_range(D(2015, 1, 21), D(2018, 3, 30), D(2018, 3, 15)) == (D(2017, 12, 25), D(2018, 3, 18))
    # A short store: never before the week of its first fact.
    assert default_range(D(2018, 2, 14), D(2018, 3, 15), D(2018, 3, 15)) == (D(2018, 2, 12), D(2018, 3, 18))


def _app(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _place(url: str, name: str) -> int:
    places = trends.filter_places(url)
    return int(places.loc[places["name"] == name, "id"].iloc[0])


def test_place_filter_includes_the_places_inside(seeded_store: Store) -> None:
    at = _app(CONVOYS)
    assert _metrics(at)["Convoys"] == "6"
    ghouta = _place(seeded_store.url, "eastern Ghouta")
    at.selectbox(key="filters_place").set_value(ghouta).run()
    assert not at.exception
    # No convoy names eastern Ghouta itself; its four go to Douma, inside it.
    sel = trends.Selection(D(2018, 2, 12), D(2018, 3, 18), place_id=ghouta)
    assert _metrics(at)["Convoys"] == "4" == str(len(trends.convoy_facts(sel, seeded_store.url)))
    assert "in eastern Ghouta and the places inside it" in at.caption[0].value
    # The choice follows to another page (the tolls there are eastern Ghouta's own).
    at.switch_page(TOLLS).run()
    assert not at.exception
    assert at.selectbox(key="filters_place").value == ghouta
    assert "in eastern Ghouta and the places inside it" in at.caption[0].value


def test_dates_and_organisation_filters(seeded_store: Store) -> None:
    at = _app(CONVOYS)
    at.date_input(key="filters_dates").set_value((D(2018, 3, 5), D(2018, 3, 11))).run()
    assert not at.exception
    assert _metrics(at)["Convoys"] == "3"  # C-02 (items removed), C-03 (blocked), C-06
    assert at.caption[0].value.startswith("Confirmed facts only, 5 Mar 2018 – 11 Mar 2018")

    orgs = trends.filter_organisations(seeded_store.url).set_index("name")
    at.switch_page(TOLLS).run()
    assert _metrics(at)["Sources"] == "2"
    at.selectbox(key="filters_organisation").set_value(int(orgs.loc["SOHR", "id"])).run()
    assert not at.exception
    metrics = _metrics(at)
    assert metrics["Sources"] == "1" and metrics["Civilians killed"] == "940"  # SOHR's week of 5 Mar only
