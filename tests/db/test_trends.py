"""Trend queries and Overview alerts, with numbers worked out by hand.

Pure rules (db.rules) on small frames first, then db.trends on a store filled the real way (CSV
files through the registry and the writer).
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pandas as pd
import pytest

from db import analytics, queries, rules, trends
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import fresh_store_url
from tests.dashboard.seed import SEED_FILES, import_csv

D = dt.date
# 1 Syria > 2 Rural Damascus > 3 eastern Ghouta > 4 Douma, 5 Harasta; 6 Madaya under 2
PARENTS = {1: None, 2: 1, 3: 2, 4: 3, 5: 3, 6: 2}
W = D(2018, 3, 12)  # the alert week, Monday 12 - Sunday 18 March 2018


# ---- rules on frames --------------------------------------------------------------------------------


def _final(rows: list[tuple]) -> pd.DataFrame:
    cols = ["convoy_key", "date", "place_id", "place", "outcome", "trucks", "people_served", "source"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(import_id=frame["source"].map({"f.csv": 1, "g.csv": 2}))


def test_weekly_convoys_attempted_and_delivered_share() -> None:
    # Week of 5 Mar: delivered, items removed, blocked, planned -> 4 convoys, 3 attempted (planned is
    # not), 2 delivered (items removed counts: aid reached people) -> share 2/3.
    final = _final([("A", D(2018, 3, 5), 4, "Douma", "delivered", 10, 1000, "f.csv"),
                    ("B", D(2018, 3, 6), 4, "Douma", "items_removed", 46, None, "f.csv"),
                    ("C", D(2018, 3, 9), 6, "Madaya", "blocked", 13, None, "g.csv"),
                    ("D", D(2018, 3, 11), 6, "Madaya", "planned", 5, None, "g.csv"),
                    ("E", D(2018, 3, 19), 6, "Madaya", "postponed", None, None, "g.csv")])  # fmt: skip
    weekly = rules.weekly_convoys(final, rules.mondays(D(2018, 3, 5), D(2018, 3, 25))).set_index("week")
    w10 = weekly.loc[D(2018, 3, 5)]
    assert (w10["convoys"], w10["attempted"], w10["delivered_or_partial"]) == (4, 3, 2)
    assert w10["delivered_share"] == pytest.approx(0.667)
    assert (w10["trucks"], w10["people_served"], w10["sources"]) == (74, 1000, 2)
    assert (w10["delivered"], w10["items_removed"], w10["blocked"], w10["planned"]) == (1, 1, 1, 1)
    # 12 Mar: nothing at all; 19 Mar: only a postponed convoy -> nothing attempted, no share (not 0 %)
    assert weekly.loc[D(2018, 3, 12), "convoys"] == 0
    assert weekly.loc[D(2018, 3, 19), "attempted"] == 0 and pd.isna(
        weekly.loc[D(2018, 3, 19), "delivered_share"]
    )

    top = rules.top_destinations(final)
    assert top[["place", "convoys", "attempted", "delivered_or_partial", "blocked_or_attacked"]].values.tolist() == [
        ["Madaya", 3, 1, 0, 1], ["Douma", 2, 2, 2, 0],
    ]  # fmt: skip


def test_drop_contained_rows_per_group() -> None:
    frame = pd.DataFrame(
        {"week": [1, 1, 1, 2, 2], "place_id": [3, 4, 6, 4, 5], "v": [100, 40, 2, 40, 7]}
    )  # week 1: Douma (4) inside eastern Ghouta (3) is dropped; week 2 has no enclave figure
    kept = rules.drop_contained_rows(frame, ["week"], PARENTS)
    assert kept[["week", "place_id"]].values.tolist() == [[1, 3], [1, 6], [2, 4], [2, 5]]


def test_drop_contained_rows_equals_the_rule_group_by_group() -> None:
    """Random groups over a nested hierarchy: the vectorised drop keeps exactly what
    analytics.drop_contained keeps within each group."""
    rng = random.Random(7)
    parents = {1: None, 2: 1, 3: 2, 4: 3, 5: 3, 6: 2, 7: None, 8: 7, 9: 8}
    for _ in range(50):
        rows = {(rng.randint(1, 4), rng.choice("ab"), rng.randint(1, 9)) for _ in range(rng.randint(1, 25))}
        frame = pd.DataFrame(sorted(rows), columns=["day", "source", "place_id"])
        kept = rules.drop_contained_rows(frame, ["day", "source"], parents)
        expected = [
            (day, source, place)
            for (day, source), group in frame.groupby(["day", "source"])
            for place in sorted(analytics.drop_contained(group["place_id"], parents))
        ]
        assert sorted(map(tuple, kept.values.tolist())) == sorted(expected)


def _obs(rows: list[tuple]) -> pd.DataFrame:
    cols = ["place_id", "place", "date", "status", "pop_low", "pop_high"]
    return pd.DataFrame(rows, columns=cols)


OBS = _obs([(3, "eastern Ghouta", D(2018, 1, 5), "besieged", 393000, 393000),
            (4, "Douma", D(2018, 3, 13), "besieged", 140000, 140000),
            (6, "Madaya", D(2018, 1, 10), "besieged", 40000, 40000),
            (6, "Madaya", D(2018, 2, 1), "lifted", None, None),
            (6, "Madaya", D(2018, 3, 14), "besieged", 38000, 42000),
            (5, "Harasta", D(2018, 3, 1), "besieged", 20000, 20000)])  # fmt: skip


def test_besieged_by_week_carries_forward_and_equals_besieged_at() -> None:
    weeks = rules.mondays(D(2018, 1, 1), D(2018, 3, 18))
    by_week = rules.besieged_by_week(OBS, weeks, PARENTS)
    totals = rules.besieged_totals(by_week, weeks).set_index("week")
    # Week of 1 Jan (ends Sun 7 Jan): eastern Ghouta only. Week of 8 Jan: + Madaya (40,000).
    # Week of 29 Jan (ends 4 Feb): Madaya lifted on 1 Feb. Week of 12 Mar: Madaya again (38-42k);
    # Douma and Harasta sit inside eastern Ghouta, never added.
    assert totals.loc[D(2018, 1, 1), "besieged_low"] == 393000
    assert totals.loc[D(2018, 1, 8), "besieged_low"] == 433000
    assert totals.loc[D(2018, 1, 29), "besieged_high"] == 393000
    assert (totals.loc[W, "besieged_low"], totals.loc[W, "besieged_high"]) == (431000, 435000)
    for week in weeks:  # the vectorised rule is besieged_at for every week
        one = analytics.besieged_at(OBS, week + dt.timedelta(days=6), PARENTS)
        assert totals.loc[week, "besieged_low"] == int(one["pop_low"].sum())
        assert totals.loc[week, "places"] == len(one)


def test_newly_besieged_first_observation_or_after_lifted() -> None:
    obs = pd.concat([OBS, _obs([(7, "Yarmouk", D(2018, 3, 16), "besieged", 18000, 18000)])])
    parents = {**PARENTS, 7: 1}
    new = rules.newly_besieged(obs, W, parents)
    # Madaya: lifted on 1 Feb, besieged again on 14 Mar. Yarmouk: first observation.
    # Douma: first observation, but eastern Ghouta around it was already besieged: not "new".
    assert new[["place", "date", "pop_low", "pop_high"]].values.tolist() == [
        ["Madaya", D(2018, 3, 14), 38000, 42000], ["Yarmouk", D(2018, 3, 16), 18000, 18000],
    ]  # fmt: skip
    assert rules.newly_besieged(obs, D(2018, 3, 5), parents).empty  # nothing observed that week
    # The first week of eastern Ghouta: only the enclave is new, not a town observed with it.
    first = rules.newly_besieged(_obs([(3, "eastern Ghouta", D(2018, 1, 5), "besieged", 1, 1),
                                       (4, "Douma", D(2018, 1, 6), "besieged", 1, 1)]), D(2018, 1, 1), PARENTS)  # fmt: skip
    assert list(first["place"]) == ["eastern Ghouta"]


def _band(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["week", "killed_low", "killed_high", "injured_low", "injured_high"])


def test_toll_jumps_need_both_ends_up_more_than_a_quarter() -> None:
    # killed 100-120 -> 130-160: +30 % and +33 %: an alert. injured 200-200 -> 240-300: low only +20 %.
    band = _band([(D(2018, 3, 5), 100, 120, 200, 200), (W, 130, 160, 240, 300)])
    jumps = rules.toll_jumps(band, W)
    assert jumps.values.tolist() == [["killed", 100, 120, 130, 160, 0.3]]
    # exactly +25 % is not "more than"; a week with no figure before gives no percentage
    assert rules.toll_jumps(_band([(D(2018, 3, 5), 100, 100, 0, 0), (W, 125, 125, 50, 50)]), W).empty


def test_per_source_tolls_and_side_by_side() -> None:
    # SOHR: 70 over the week of 5 Mar for eastern Ghouta (10 a day) and 14 for Douma the same week
    # (inside eastern Ghouta: dropped for SOHR). MSF: 84 for Douma alone (MSF has no enclave figure).
    tolls = pd.DataFrame(
        [(1, 3, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 70.0, 70.0),
         (2, 4, "SOHR", D(2018, 3, 5), D(2018, 3, 11), False, 14.0, 14.0),
         (3, 4, "MSF", D(2018, 3, 5), D(2018, 3, 11), False, 84.0, 84.0)],
        columns=["id", "place_id", "source", "period_start", "period_end", "cumulative", "killed_low", "killed_high"],
    )  # fmt: skip
    tolls["injured_low"] = tolls["injured_high"] = float("nan")
    daily = rules.daily_by_source(tolls, PARENTS)
    weekly = rules.weekly_by_source(daily, [D(2018, 3, 5)])
    assert weekly[["source", "killed_low", "killed_high"]].values.tolist() == [
        ["MSF", 84, 84],
        ["SOHR", 70, 70],
    ]
    # Side by side over Wed 7 - Fri 9 Mar only: three days of each source's figures.
    compare = rules.compare_sources(
        daily, rules.reports_per_source(tolls, D(2018, 3, 7), D(2018, 3, 9)), D(2018, 3, 7), D(2018, 3, 9)
    )
    assert compare[["source", "reports", "killed_low"]].values.tolist() == [["MSF", 1, 36], ["SOHR", 2, 30]]


# ---- db.trends on a store ------------------------------------------------------------------------------

# Daraya: reports in the 12 weeks before the four silent weeks (19 Feb - 18 Mar), none since: silent.
# Zabadani: its only report is older than the 12 weeks: not silent, just old.
CONVOYS = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id
2017-10-01,Zabadani,Rural Damascus,SARC,5,500,delivered,Z-1
2018-01-15,Daraya,Rural Damascus,SARC,8,800,delivered,D-1
2018-03-13,Douma,Rural Damascus,UN; SARC,13,,blocked,C-10
2018-03-20,Douma,Rural Damascus,UN; SARC,13,5000,delivered,C-10
2018-03-14,Harasta,Rural Damascus,ICRC,6,,attacked,C-11
2018-03-15,Harasta,Rural Damascus,ICRC,6,,attacked,C-11
2018-03-13,Madaya,Rural Damascus,UN,20,4000,delivered,C-12
"""
BESIEGED = """date,place,admin1,population,status,sources
2018-01-05,Eastern Ghouta,Rural Damascus,393000,besieged,OCHA
2018-03-13,Douma,Rural Damascus,140000,besieged,OCHA
2018-01-10,Madaya,Rural Damascus,40000,besieged,OCHA
2018-02-01,Madaya,Rural Damascus,,lifted,OCHA
2018-03-14,Madaya,Rural Damascus,38000-42000,besieged,UN
2018-03-16,Yarmouk,Damascus,18000,besieged,UNRWA
"""
TOLLS = """period_start,period_end,place,admin1,killed,injured,sources
2018-03-05,2018-03-11,Eastern Ghouta,Rural Damascus,100,200,SOHR
2018-03-05,2018-03-11,Eastern Ghouta,Rural Damascus,120,200,SAMS
2018-03-12,2018-03-18,Eastern Ghouta,Rural Damascus,130,240,SOHR
2018-03-12,2018-03-18,Eastern Ghouta,Rural Damascus,160,300,SAMS
"""


def _store(folder: Path, files: dict[str, str]) -> str:
    url = fresh_store_url(folder)
    upgrade(url)
    for name, text in files.items():
        import_csv(folder, name, text, url)
    return url


@pytest.fixture(scope="module")
def alert_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _store(tmp_path_factory.mktemp("alerts"), {"convoys.csv": CONVOYS, "besieged.csv": BESIEGED,
                                                     "tolls.csv": TOLLS})  # fmt: skip
    yield url
    forget(url)
    dispose_all()


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = _store(tmp_path_factory.mktemp("seed"), SEED_FILES)
    yield url
    forget(url)
    dispose_all()


def _place(url: str, name: str) -> int:
    places = trends.filter_places(url)
    return int(places.loc[places["name"] == name, "id"].iloc[0])


def test_alerts_of_the_week(alert_store: str) -> None:
    sel = trends.Selection(D(2018, 1, 1), D(2018, 3, 18))
    alerts = trends.alerts(W, sel, alert_store)
    got = alerts[["alert", "place"]].values.tolist()
    assert got == [
        ["convoy", "Douma"],  # blocked on 13 Mar (delivered a week later: the block is still news)
        ["convoy", "Harasta"],  # attacked, reported twice: one alert, the latest report
        ["besieged", "Madaya"],  # besieged again after "lifted" on 1 Feb
        ["besieged", "Yarmouk"],  # first observation; Douma is inside eastern Ghouta, already besieged
        ["toll", ""],  # killed 100-120 -> 130-160; injured 200 -> 240-300 is +20 % at the low end
        ["still_silent", ""],  # Daraya fell silent in the week of 12 Feb: listed, not raised again
    ]
    messages = alerts["message"].tolist()
    assert messages[1] == "A convoy to Harasta (6 trucks) was attacked on 15 Mar 2018."
    assert messages[2] == "Madaya is newly reported besieged (38,000–42,000 people, 14 Mar 2018)."
    assert messages[4] == "Civilians killed: 130–160 this week, up from 100–120 the week before (+30%)."
    assert messages[5] == "Still no report from: Daraya (since 15 Jan 2018)."


def test_alerts_follow_the_place_filter(alert_store: str) -> None:
    ghouta = _place(alert_store, "eastern Ghouta")
    assert _place(alert_store, "Douma") in trends.selected_places(ghouta, alert_store)
    sel = trends.Selection(D(2018, 1, 1), D(2018, 3, 18), place_id=ghouta)
    alerts = trends.alerts(W, sel, alert_store)
    assert alerts[["alert", "place"]].values.tolist() == [
        ["convoy", "Douma"],
        ["convoy", "Harasta"],
        ["toll", ""],
    ]
    # 26 Feb: no convoy, siege or toll news; silent since before 5 Feb: Daraya (15 Jan), Madaya
    # (lifted 1 Feb) and eastern Ghouta (5 Jan). Zabadani's only report (Oct 2017) is too old to count.
    # Madaya's last report (1 Feb) is in the week four weeks before (29 Jan - 4 Feb): it falls silent
    # now; Daraya and eastern Ghouta fell silent earlier: one compact line.
    late = trends.alerts(D(2018, 2, 26), trends.Selection(D(2018, 1, 1), D(2018, 3, 18)), alert_store)
    assert late[["alert", "place"]].values.tolist() == [["silent", "Madaya"], ["still_silent", ""]]
    assert late["message"].tolist()[1] == (
        "Still no report from: Daraya (since 15 Jan 2018); eastern Ghouta (since 5 Jan 2018)."
    )


def test_silent_alert_fires_once(alert_store: str) -> None:
    # Daraya's last report is 15 Jan (a Monday). Week of 5 Feb: the four weeks 15 Jan - 11 Feb hold it,
    # not silent. Week of 12 Feb (22 Jan - 18 Feb): silent for the first time: the alert. Weeks of
    # 19 Feb ... 12 Mar: still silent, named on the compact line only, never a new alert.
    sel = trends.Selection(D(2018, 1, 1), D(2018, 3, 18))
    raised, listed = [], []
    for week in [D(2018, 2, 5) + dt.timedelta(weeks=i) for i in range(6)]:
        alerts = trends.alerts(week, sel, alert_store)
        if ((alerts["alert"] == "silent") & (alerts["place"] == "Daraya")).any():
            raised.append(week)
        still = alerts.loc[alerts["alert"] == "still_silent", "message"]
        assert len(still) <= 1  # one line per report, whatever the number of places
        if still.str.contains("Daraya (since 15 Jan 2018)", regex=False).any():
            listed.append(week)
    assert raised == [D(2018, 2, 12)]
    assert listed == [D(2018, 2, 19), D(2018, 2, 26), D(2018, 3, 5), D(2018, 3, 12)]


def test_silent_places_windows(alert_store: str) -> None:
    sel = trends.Selection(D(2018, 1, 1), D(2018, 3, 18))
    # Week of 5 Feb: silent window 15 Jan - 11 Feb, baseline 23 Oct - 14 Jan. Daraya reported on
    # 15 Jan (in the window), Madaya on 1 Feb; eastern Ghouta last on 5 Jan: silent.
    assert list(trends.silent_places(D(2018, 2, 5), sel, alert_store)["place"]) == ["eastern Ghouta"]
    # On the week of 12 Feb (window 22 Jan - 18 Feb): Daraya silent; Madaya lifted on 1 Feb (a report).
    assert list(trends.silent_places(D(2018, 2, 12), sel, alert_store)["place"]) == [
        "Daraya",
        "eastern Ghouta",
    ]


def test_weekly_overview_equals_the_unfiltered_query(seed_store: str) -> None:
    sel = trends.Selection(D(2018, 2, 12), D(2018, 3, 18))
    mine = trends.weekly_overview(sel, seed_store)
    theirs = queries.weekly_overview(D(2018, 3, 12), 5, url=seed_store)
    assert mine["week"].tolist() == theirs["week"].tolist()
    for col in theirs.columns.drop("week"):
        assert mine[col].fillna(-1).tolist() == theirs[col].fillna(-1).tolist(), col
    # Weeks without a toll source are unknown (NaN, shown '–'), never 0: W07, W08 and W11 here.
    assert mine["killed_low"].isna().tolist() == [True, True, False, False, True]


def test_convoy_trends_with_filters(seed_store: str) -> None:
    sel = trends.Selection(D(2018, 2, 12), D(2018, 3, 18))
    rows = trends.convoy_facts(sel, seed_store)
    # C-01..C-06 (C-07 was rejected); C-02 counts once, as items removed, with 46 trucks carried over
    assert sorted(rows["convoy_key"]) == ["C-01", "C-02", "C-03", "C-04", "C-05", "C-06"]
    c02 = rows.set_index("convoy_key").loc["C-02"]
    assert (c02["outcome"], c02["trucks"], c02["source"], c02["source_row"]) == (
        "items_removed",
        46,
        "convoys.csv",
        4,
    )
    weekly = trends.weekly_convoys(sel, seed_store).set_index("week")
    assert weekly["convoys"].sum() == 6 and weekly.loc[D(2018, 3, 5), "delivered_share"] == pytest.approx(
        0.667
    )
    ghouta = trends.Selection(sel.start, sel.end, place_id=_place(seed_store, "eastern Ghouta"))
    assert sorted(trends.convoy_facts(ghouta, seed_store)["place"]) == ["Douma"] * 4  # Douma is inside
    orgs = trends.filter_organisations(seed_store).set_index("name")
    icrc = trends.Selection(sel.start, sel.end, organisation_id=int(orgs.loc["ICRC", "id"]))
    assert sorted(trends.convoy_facts(icrc, seed_store)["convoy_key"]) == ["C-01", "C-02", "C-03", "C-05"]
    top = trends.top_destinations(sel, url=seed_store)
    assert top[["place", "convoys", "trucks"]].values.tolist()[0] == ["Douma", 4, 81]


def test_besieged_and_toll_trends(seed_store: str) -> None:
    sel = trends.Selection(D(2018, 2, 12), D(2018, 3, 18))
    table = trends.besieged_table(sel, seed_store)
    assert table[["place", "pop_low", "pop_high", "as_of", "sources"]].values.tolist() == [
        ["eastern Ghouta", 390000, 400000, D(2018, 3, 12), "SAMS"], ["Madaya", 40000, 40000, D(2018, 2, 20), "OCHA"],
    ]  # fmt: skip
    frames = trends.toll_trends(sel, seed_store)
    band = frames["band"].set_index("week")
    assert (band.loc[D(2018, 3, 5), "killed_low"], band.loc[D(2018, 3, 5), "killed_high"]) == (940, 1000)
    assert (band["killed_low_total"].iloc[-1], band["killed_high_total"].iloc[-1]) == (1240, 1300)
    compare = frames["compare"]
    assert compare[["source", "reports", "killed_low", "injured_low"]].values.tolist() == [
        ["SAMS", 1, 1000, 3500], ["SOHR", 2, 1240, 4200],
    ]  # fmt: skip
    # A window cutting a period report: Sat 10 - Sun 11 Mar holds 2 of SOHR's 7 days (940 -> 268.6)
    short = trends.toll_trends(trends.Selection(D(2018, 3, 10), D(2018, 3, 11)), seed_store)["compare"]
    assert short.set_index("source").loc["SOHR", "killed_low"] == round(940 * 2 / 7)
    sohr = trends.filter_organisations(seed_store).set_index("name").loc["SOHR", "id"]
    only = trends.toll_trends(trends.Selection(sel.start, sel.end, organisation_id=int(sohr)), seed_store)
    assert list(only["compare"]["source"]) == ["SOHR"]
