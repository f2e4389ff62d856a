"""Trucks and people planned vs reached (db.reach), worked by hand: a convoy that never arrived
reaches nothing, a partially delivered one reaches an unknown part, items removed counts as reached
and raises the access alert. Rules on frames first, then a store filled the real way (a CSV through
the registry and the writer), read through the rollup and the base path."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from db import convoys, queries, reach, rules, shapes, trends
from db.engine import dispose_all
from db.migrate import forget, upgrade
from db.queries import Scope
from tests.conftest import fresh_store_url
from tests.dashboard.seed import import_csv

D = dt.date
W10, W11 = D(2018, 3, 5), D(2018, 3, 12)
SEL = trends.Selection(W10, D(2018, 3, 18))

# W10: one blocked convoy for 12,000 people on 30 trucks, one delivered for 1,000 on 5 trucks.
# W11: one partially delivered (10 trucks, 4,000 people; no reached figure), one with items removed
# at a checkpoint (8 trucks, 3,000 people: arrived), one planned (2 trucks, 500 people).
CONVOYS_CSV = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id
2018-03-06,Madaya,Rural Damascus,UN; SARC,30,12000,blocked,R-1
2018-03-07,Douma,Rural Damascus,UN; SARC,5,1000,delivered,R-2
2018-03-13,Douma,Rural Damascus,UN; SARC,10,4000,partially delivered,R-3
2018-03-14,Harasta,Rural Damascus,ICRC,8,3000,items removed,R-4
2018-03-16,Madaya,Rural Damascus,UN,2,500,planned,R-5
"""


# ---- the rule on one convoy and on frames ------------------------------------------------------


def test_reached_per_convoy() -> None:
    assert reach.reached("delivered", 5) == 5 and reach.reached("items_removed", 8) == 8
    for outcome in ("blocked", "attacked", "aborted", "failed", "postponed", "planned", "underway", None):
        assert reach.reached(outcome, 30) == 0, outcome
    assert math.isnan(reach.reached("partially_delivered", 10))  # unknown, never the planned 10
    assert math.isnan(reach.reached("delivered", None))  # arrived, count unknown


def test_outcome_tags_decide_whether_an_attacked_convoy_arrived() -> None:
    assert reach.arrival("attacked", "attacked;delivered") == "arrived"  # hit, but offloaded
    assert reach.arrival("attacked", "attacked") == "none" and reach.arrival("attacked", None) == "none"
    assert reach.arrival("blocked", "blocked;partially_delivered") == "partial"
    assert reach.arrival("attacked", "attacked;items_removed") == "arrived"
    assert reach.reached("attacked", 13, "attacked;delivered") == 13


def test_reached_text_says_unknown() -> None:
    assert reach.reached_text(1000, 0) == "1,000"
    assert reach.reached_text(1000, 1) == "1,000 + unknown"
    assert reach.reached_text(0, 2) == "–"
    assert reach.reached_text(0, 0) == "0"
    assert reach.reached_text("<5", 1) == "<5 + unknown" and reach.reached_text("<5", 0) == "<5"


def _final(rows: list[tuple]) -> pd.DataFrame:
    cols = ["convoy_key", "date", "place_id", "place", "outcome", "trucks", "people_served", "source"]
    return pd.DataFrame(rows, columns=cols).assign(import_id=1)


def test_weekly_planned_and_reached_by_hand() -> None:
    final = _final([("A", D(2018, 3, 6), 6, "Madaya", "blocked", 30, 12000, "f.csv"),
                    ("B", D(2018, 3, 7), 4, "Douma", "delivered", 5, 1000, "f.csv"),
                    ("C", D(2018, 3, 13), 4, "Douma", "partially_delivered", 10, 4000, "f.csv"),
                    ("E", D(2018, 3, 14), 5, "Harasta", "items_removed", 8, 3000, "f.csv"),
                    ("F", D(2018, 3, 15), 5, "Harasta", "attacked", 7, 900, "f.csv")])  # fmt: skip
    weekly = rules.weekly_convoys(final, [W10, W11]).set_index("week")
    cols = ["trucks", "trucks_reached", "people_served", "people_reached", "reached_unknown"]
    assert weekly.loc[W10, cols].tolist() == [35, 5, 13000, 1000, 0]
    # W11: 10 + 8 + 7 trucks planned; reached: items removed 8 and the partial convoy's unknown part.
    assert weekly.loc[W11, cols].tolist() == [25, 8, 7900, 3000, 1]
    # The delivered share counts the same convoys as arrived (partial included): 2 of 3 attempted.
    assert weekly.loc[W11, "delivered_or_partial"] == 2
    per_convoy = reach.add_reached(final).set_index("convoy_key")
    assert per_convoy.loc[["A", "B", "E", "F"], "people_reached"].tolist() == [0, 1000, 3000, 0]
    assert pd.isna(per_convoy.loc["C", "people_reached"]) and pd.isna(per_convoy.loc["C", "trucks_reached"])


# ---- a store filled the real way ------------------------------------------------------------------


@pytest.fixture
def reach_store(tmp_path: Path) -> Iterator[str]:
    url = fresh_store_url(tmp_path)
    upgrade(url)
    import_csv(tmp_path, "convoys.csv", CONVOYS_CSV, url)
    yield url
    forget(url)
    dispose_all()


def test_store_reads_give_targeted_13000_reached_1000(reach_store: str) -> None:
    cols = ["convoys", "trucks", "trucks_reached", "people_served", "people_reached", "reached_unknown"]
    fast = trends.weekly_convoys(SEL, reach_store).set_index("week")  # the convoy_finals rollup
    slow = rules.weekly_convoys(convoys.convoy_facts(SEL, reach_store, base=True), SEL.weeks()).set_index(
        "week"
    )
    for weekly in (fast, slow):
        assert weekly.loc[W10, cols].tolist() == [2, 35, 5, 13000, 1000, 0]
        assert weekly.loc[W11, cols].tolist() == [3, 20, 8, 7500, 3000, 1]
    headline = queries.week_headline(W10, Scope(), reach_store)
    assert [headline[c] for c in cols] == [2, 35, 5, 13000, 1000, 0]
    overview = trends.weekly_overview(SEL, reach_store).set_index("week")
    assert overview.loc[W11, cols].tolist() == [3, 20, 8, 7500, 3000, 1]
    rows = convoys.convoy_facts(SEL, reach_store).set_index("event_ref")
    assert rows.loc[["R-1", "R-2", "R-4", "R-5"], "trucks_reached"].tolist() == [0, 5, 8, 0]
    assert pd.isna(rows.loc["R-3", "people_reached"])  # partially delivered: unknown, not 4,000


def test_items_removed_raises_the_access_alert(reach_store: str) -> None:
    alerts = trends.alerts(W11, SEL, reach_store)
    convoy = alerts[alerts["alert"] == "convoy"]
    assert convoy["message"].tolist() == ["A convoy to Harasta (8 trucks) had items removed on 14 Mar 2018."]
    blocked = trends.alerts(W10, trends.Selection(W10, D(2018, 3, 11)), reach_store)
    assert blocked.loc[blocked["alert"] == "convoy", "message"].tolist() == [
        "A convoy to Madaya (30 trucks) was blocked on 6 Mar 2018."
    ]


def test_map_reached_per_destination(reach_store: str) -> None:
    targeted = shapes.place_figures("people_served", W10, D(2018, 3, 11), url=reach_store).frame
    reached = shapes.place_figures("people_reached", W10, D(2018, 3, 11), url=reach_store).frame
    assert dict(zip(targeted["place"], targeted["high"], strict=True)) == {"Madaya": 12000, "Douma": 1000}
    assert dict(zip(reached["place"], reached["high"], strict=True)) == {"Douma": 1000, "Madaya": 0}
    w11 = shapes.place_figures("trucks_reached", W11, D(2018, 3, 18), url=reach_store).frame.set_index(
        "place"
    )
    assert w11.loc["Harasta", ["high", "unknown"]].tolist() == [8, 0]
    assert w11.loc["Douma", ["high", "unknown"]].tolist() == [0, 1]  # partially delivered: unknown


ATTACKED_CSV = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id
2018-03-19,Douma,Rural Damascus,ICRC,6,2000,attacked; delivered,T-1
2018-03-20,Harasta,Rural Damascus,ICRC,7,900,attacked,T-2
"""


def test_attacked_but_delivered_counts_as_reached(tmp_path: Path) -> None:
    url = fresh_store_url(tmp_path)
    upgrade(url)
    try:
        import_csv(tmp_path, "attacks.csv", ATTACKED_CSV, url)
        week = D(2018, 3, 19)
        sel = trends.Selection(week, D(2018, 3, 25))
        cols = ["attacked", "trucks", "trucks_reached", "people_served", "people_reached"]
        fast = trends.weekly_convoys(sel, url)
        slow = rules.weekly_convoys(convoys.convoy_facts(sel, url, base=True), sel.weeks())
        for weekly in (fast, slow):
            assert weekly[cols].iloc[0].tolist() == [2, 13, 6, 2900, 2000]
        headline = queries.week_headline(week, Scope(), url)
        assert [headline[c] for c in cols] == [2, 13, 6, 2900, 2000]
    finally:
        forget(url)
        dispose_all()
