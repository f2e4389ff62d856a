"""Counting rules with figures worked out by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from db import analytics

D = dt.date
# 1 Syria > 2 Rural Damascus > 3 eastern Ghouta > 4 Douma, 5 Harasta; 6 Madaya under 2
PARENTS = {1: None, 2: 1, 3: 2, 4: 3, 5: 3, 6: 2}


def test_final_convoy_outcome_and_filled_gaps() -> None:
    rows = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "event_ref": ["C1", "C1", "C1", None],
            "date": [D(2018, 3, 1), D(2018, 3, 3), D(2018, 3, 5), D(2018, 3, 5)],
            "outcome": ["planned", "postponed", "delivered", "blocked"],
            "trucks": [46.0, None, None, 9.0],
            "people_served": [27500.0, None, 27500.0, None],
        }
    )
    final = analytics.final_convoys(rows).set_index("convoy_key")
    assert list(final["outcome"]) == ["delivered", "blocked"]
    assert final.loc["C1", "trucks"] == 46  # carried from the planned row
    assert len(final) == 2


def test_besieged_carried_forward_ranges_and_no_double_count() -> None:
    obs = pd.DataFrame(
        {
            "place_id": [3, 3, 4, 6, 6, 5],
            "date": [
                D(2018, 1, 1),
                D(2018, 1, 1),
                D(2018, 1, 1),
                D(2016, 1, 1),
                D(2017, 4, 1),
                D(2018, 2, 1),
            ],
            "status": ["besieged", "besieged", "besieged", "besieged", "lifted", "besieged"],
            "pop_low": [393000, 400000, 140000, 40000, None, 20000],
            "pop_high": [393000, 400000, 140000, 40000, None, 20000],
        }
    )
    current = analytics.besieged_at(obs, D(2018, 3, 4), PARENTS)
    # eastern Ghouta's own figure (two sources: 393,000-400,000) stands for Douma and Harasta;
    # Madaya's siege was lifted in April 2017.
    assert list(current["place_id"]) == [3]
    assert (current["pop_low"][0], current["pop_high"][0], current["sources"][0]) == (393000, 400000, 2)
    earlier = analytics.besieged_at(obs, D(2016, 6, 1), PARENTS)
    assert list(earlier["place_id"]) == [6] and earlier["pop_low"][0] == 40000


def _tolls(rows: list[tuple]) -> pd.DataFrame:
    cols = [
        "id",
        "place_id",
        "source",
        "period_start",
        "period_end",
        "cumulative",
        "killed_low",
        "killed_high",
    ]
    frame = pd.DataFrame(rows, columns=cols)
    frame["injured_low"] = frame["injured_high"] = float("nan")
    return frame


def test_tolls_range_across_sources_never_summed() -> None:
    # Week of Monday 2018-03-05: SOHR says 70 for eastern Ghouta over the week, MSF says 84.
    tolls = _tolls([(1, 3, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 70, 70),
                    (2, 3, "MSF", D(2018, 3, 5), D(2018, 3, 11), False, 84, 84)])  # fmt: skip
    week = analytics.weekly_tolls(tolls, PARENTS).iloc[0]
    assert (week["killed_low"], week["killed_high"], week["sources"]) == (70, 84, 2)


def test_period_toll_spread_evenly_over_days() -> None:
    # 140 killed over 14 days (Mon 26 Feb - Sun 11 Mar) = 10 a day: 70 in each week.
    tolls = _tolls([(1, 4, "SAMS", D(2018, 2, 26), D(2018, 3, 11), False, 140, 140)])
    weeks = analytics.weekly_tolls(tolls, PARENTS)
    assert list(weeks["week"]) == [D(2018, 2, 26), D(2018, 3, 5)]
    assert list(weeks["killed_low"]) == [70, 70]


def test_cumulative_reports_become_increments_of_the_same_source() -> None:
    # SOHR cumulative since Sun 18 Feb: 750 by Sun 4 Mar (15 days, 50 a day), 940 by Sun 11 Mar -> 190
    # in the week of 5 Mar.
    tolls = _tolls([(1, 3, "SOHR", D(2018, 2, 18), D(2018, 3, 4), True, 750, 750),
                    (2, 3, "SOHR", D(2018, 2, 18), D(2018, 3, 11), True, 940, 940)])  # fmt: skip
    weeks = analytics.weekly_tolls(tolls, PARENTS).set_index("week")
    assert weeks.loc[D(2018, 3, 5), "killed_low"] == 190
    assert weeks.loc[D(2018, 2, 12), "killed_low"] == 50 and weeks.loc[D(2018, 2, 19), "killed_low"] == 350
    assert weeks["killed_low"].sum() == 940  # nothing counted twice


def test_town_and_enclave_tolls_not_double_counted() -> None:
    tolls = _tolls([(1, 3, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 100, 100),
                    (2, 4, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 40, 40),
                    (3, 6, "SAMS", D(2018, 3, 5), D(2018, 3, 11), False, 2, 2)])  # fmt: skip
    week = analytics.weekly_tolls(tolls, PARENTS).iloc[0]
    assert week["killed_low"] == 102  # eastern Ghouta (contains Douma) + Madaya


def test_same_source_daily_inside_weekly_is_not_summed() -> None:
    # SOHR: 70 for the week (10 a day) and 45 for Monday alone. Monday is 45 (the larger statement,
    # not 55); the other six days 10 each: 105 for the week. SAMS says 90 for Wednesday only:
    # Wednesday runs from 10 (SOHR) to 90 (SAMS), so the week is 105 to 185.
    tolls = _tolls([(1, 3, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 70, 70),
                    (2, 3, "SOHR", D(2018, 3, 5), D(2018, 3, 5), False, 45, 45),
                    (3, 3, "SAMS", D(2018, 3, 7), D(2018, 3, 7), False, 90, 90)])  # fmt: skip
    week = analytics.weekly_tolls(tolls, PARENTS).iloc[0]
    assert (week["killed_low"], week["killed_high"], week["sources"]) == (105, 185, 2)


def test_distinct_events_of_one_source_add_up() -> None:
    # Two ACLED events in Douma on the same day (3 and 5 killed) are two incidents: 8, not 5.
    tolls = _tolls([(1, 4, "ACLED", D(2018, 3, 6), D(2018, 3, 6), False, 3, 3),
                    (2, 4, "ACLED", D(2018, 3, 6), D(2018, 3, 6), False, 5, 5)])  # fmt: skip
    tolls["is_event"] = True
    day = analytics.daily_tolls(tolls, PARENTS).iloc[0]
    assert (day["killed_low"], day["killed_high"]) == (8, 8)
    tolls["is_event"] = False  # the same figures as two statements of one monitor: alternatives
    day = analytics.daily_tolls(tolls, PARENTS).iloc[0]
    assert (day["killed_low"], day["killed_high"]) == (5, 5)
