"""Sieges that end and age (issue 14, item 2), worked out by hand: a lift reaches the places inside,
hard to reach and trapped are their own figures, stale after 90 days, expired after 180, both ages
settings. Pure rules on small frames first (db.sieges through db.analytics and db.rules), then the
read functions (db.trends, db.queries, db.shapes) on stores filled the real way: a small hand-made
one, the demo file, and a 2018 store with a 2025 file imported on top."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from db import analytics, queries, rules, shapes, sieges, trends
from db.engine import dispose_all
from db.migrate import forget, upgrade
from tests.conftest import fresh_store_url
from tests.dashboard.seed import ROOT, import_csv

D = dt.date
DAY = dt.timedelta(days=1)
# 1 Syria > 2 Rural Damascus > 3 eastern Ghouta > 4 Douma, 5 Harasta; 6 Madaya under 2; 7 Rukban, 8 Mosul under 1
PARENTS = {1: None, 2: 1, 3: 2, 4: 3, 5: 3, 6: 2, 7: 1, 8: 1}
WIDE = sieges.Ages(10_000, 20_000)  # ages that never bite: the lift rule alone


def _obs(rows: list[tuple]) -> pd.DataFrame:
    cols = ["place_id", "place", "date", "status", "pop_low", "pop_high"]
    frame = pd.DataFrame(rows, columns=cols)
    return frame.assign(source="OCHA", besieging_party="Government of Syria")


GHOUTA = _obs([(3, "eastern Ghouta", D(2018, 2, 28), "besieged", 393000, 400000),
               (4, "Douma", D(2018, 2, 28), "besieged", 140000, 140000),
               (5, "Harasta", D(2018, 2, 28), "besieged", 15000, 20000),
               (3, "eastern Ghouta", D(2018, 4, 14), "lifted", 400000, 400000),
               (4, "Douma", D(2018, 4, 14), "lifted", 140000, 140000)])  # fmt: skip


def _places(frame: pd.DataFrame) -> list[int]:
    return sorted(frame["place_id"].tolist())


# ---- the lift reaches the places inside ------------------------------------------------------------


def test_a_lifted_enclave_lifts_the_towns_inside() -> None:
    # 13 Apr: eastern Ghouta stands; Douma and Harasta are inside it (not added again).
    assert _places(analytics.besieged_at(GHOUTA, D(2018, 4, 13), PARENTS, WIDE)) == [3]
    # 14 Apr: eastern Ghouta and Douma lifted; Harasta's 28 Feb figure is older than the lift: gone too.
    for day in (D(2018, 4, 14), D(2018, 11, 5), D(2025, 6, 1)):
        assert analytics.besieged_at(GHOUTA, day, PARENTS, WIDE).empty, day
        assert rules.besieged_table(GHOUTA, day, PARENTS, WIDE).empty, day
    weeks = rules.mondays(D(2018, 4, 2), D(2018, 4, 22))  # weeks ending 8, 15 and 22 Apr
    totals = rules.besieged_totals(rules.besieged_by_week(GHOUTA, weeks, PARENTS, WIDE), weeks)
    assert totals["besieged_low"].tolist() == [393000, 0, 0]
    assert totals["places"].tolist() == [1, 0, 0]


def test_a_newer_observation_of_the_town_after_the_lift_stands() -> None:
    again = pd.concat([GHOUTA, _obs([(5, "Harasta", D(2018, 5, 2), "besieged", 5000, 5000)])])
    assert analytics.besieged_at(again, D(2018, 5, 1), PARENTS, WIDE).empty
    now = analytics.besieged_at(again, D(2018, 5, 2), PARENTS, WIDE)
    assert now[["place_id", "pop_low", "as_of"]].values.tolist() == [[5, 5000, D(2018, 5, 2)]]
    # A town figure dated on the lift day itself is not newer than the lift.
    same_day = pd.concat([GHOUTA, _obs([(5, "Harasta", D(2018, 4, 14), "besieged", 5000, 5000)])])
    assert analytics.besieged_at(same_day, D(2018, 4, 20), PARENTS, WIDE).empty
    # A lift that is still in the future at the date asked about does not count yet.
    assert _places(analytics.besieged_at(GHOUTA, D(2018, 3, 1), PARENTS, WIDE)) == [3]


# ---- hard to reach and trapped are their own figures ----------------------------------------------------

FIGURES = _obs([(6, "Madaya", D(2018, 3, 1), "besieged", 40000, 40000),
                (7, "Rukban", D(2018, 1, 31), "hard_to_reach", 50000, 50000),
                (8, "Mosul", D(2018, 3, 5), "trapped", 3000, 5000),
                (4, "Douma", D(2018, 3, 5), "besieged", 140000, 140000),
                (3, "eastern Ghouta", D(2018, 3, 1), "hard_to_reach", 390000, 390000)])  # fmt: skip


def test_hard_to_reach_and_trapped_are_never_added_into_besieged() -> None:
    weeks = [D(2018, 3, 5)]  # ends Sun 11 Mar
    totals = rules.besieged_totals(rules.besieged_by_week(FIGURES, weeks, PARENTS, WIDE), weeks).iloc[0]
    # People besieged: Madaya 40,000 + Douma 140,000 (a besieged town inside an enclave reported only as
    # hard to reach is counted: containment is within one figure). Rukban is not in it.
    assert (totals["besieged_low"], totals["besieged_high"], totals["places"]) == (180000, 180000, 2)
    assert (totals["hard_to_reach_low"], totals["hard_to_reach_high"]) == (
        440000,
        440000,
    )  # Rukban + eastern Ghouta
    assert (totals["trapped_low"], totals["trapped_high"]) == (3000, 5000)
    table = rules.besieged_table(FIGURES, D(2018, 3, 11), PARENTS, WIDE).set_index("place")
    assert table.loc["Rukban", "figure"] == "hard_to_reach" and table.loc["Mosul", "figure"] == "trapped"
    besieged = sieges.counted(analytics.besieged_at(FIGURES, D(2018, 3, 11), PARENTS, WIDE))
    assert _places(besieged) == [4, 6]


# ---- ages ------------------------------------------------------------------------------------------------

MADAYA = _obs([(6, "Madaya", D(2018, 1, 1), "besieged", 40000, 40000)])


def test_stale_after_90_days_expired_after_180() -> None:
    limits = sieges.Ages(90, 180)
    # 1 Jan + 90 days = 1 Apr (31 + 28 + 31); + 180 days = 30 Jun (90 + 30 + 31 + 29).
    cases = {D(2018, 4, 1): (90, False, False), D(2018, 4, 2): (91, True, False),
             D(2018, 6, 30): (180, True, False), D(2018, 7, 1): (181, True, True)}  # fmt: skip
    for day, expected in cases.items():
        row = analytics.besieged_at(MADAYA, day, PARENTS, limits).iloc[0]
        assert (row["age_days"], row["stale"], row["expired"]) == expected, day
        assert len(sieges.counted(analytics.besieged_at(MADAYA, day, PARENTS, limits))) == (
            0 if expected[2] else 1
        )
    # Weeks ending Sun 1 Jul (181 days): out of the total, counted as unknown; ending 24 Jun: in it, stale.
    weeks = [D(2018, 6, 18), D(2018, 6, 25)]
    by_week = rules.besieged_by_week(MADAYA, weeks, PARENTS, limits)
    assert by_week[["age_days", "stale", "expired"]].values.tolist() == [
        [174, True, False],
        [181, True, True],
    ]
    totals = rules.besieged_totals(by_week, weeks)
    assert totals[["besieged_low", "places", "besieged_unknown"]].values.tolist() == [
        [40000, 1, 0],
        [0, 0, 1],
    ]
    # The table keeps the expired figure: its last figure and date, with its age.
    table = rules.besieged_table(MADAYA, D(2018, 7, 1), PARENTS, limits)
    assert table[["place", "pop_low", "as_of", "age_days", "expired"]].values.tolist() == [
        ["Madaya", 40000, D(2018, 1, 1), 181, True]
    ]
    assert sieges.age_text(181, True, True) == "181 days old (expired: not in totals)"
    assert sieges.age_text(91, True, False) == "91 days old (stale)"
    assert sieges.age_text(1, False, False) == "1 day old"


def test_an_expired_enclave_does_not_hide_a_current_town() -> None:
    obs = _obs([(3, "eastern Ghouta", D(2017, 1, 1), "besieged", 300000, 300000),
                (4, "Douma", D(2018, 3, 1), "besieged", 140000, 140000),
                (5, "Harasta", D(2017, 1, 1), "besieged", 20000, 20000)])  # fmt: skip
    table = rules.besieged_table(obs, D(2018, 3, 10), PARENTS, sieges.Ages(90, 180))
    # Douma counts; eastern Ghouta is listed as expired; Harasta, expired inside an expired enclave, is
    # covered by the enclave's line.
    assert table[["place", "expired"]].values.tolist() == [["Douma", False], ["eastern Ghouta", True]]


def test_the_ages_are_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sieges.STALE_ENV, raising=False)
    monkeypatch.delenv(sieges.EXPIRE_ENV, raising=False)
    assert sieges.ages() == sieges.Ages(90, 180)
    day = D(2018, 3, 3)  # 61 days after 1 Jan
    assert len(sieges.counted(analytics.besieged_at(MADAYA, day, PARENTS))) == 1
    monkeypatch.setenv(sieges.STALE_ENV, "30")
    monkeypatch.setenv(sieges.EXPIRE_ENV, "60")
    assert sieges.ages() == sieges.Ages(30, 60)
    row = analytics.besieged_at(MADAYA, day, PARENTS).iloc[0]  # the setting in force, read by the rule
    assert (row["stale"], row["expired"]) == (True, True)
    assert rules.besieged_totals(rules.besieged_by_week(MADAYA, [D(2018, 2, 26)], PARENTS), [D(2018, 2, 26)])[
        "besieged_unknown"
    ].tolist() == [1]
    monkeypatch.setenv(sieges.EXPIRE_ENV, "10")  # never expired before stale
    assert sieges.ages() == sieges.Ages(30, 30)
    monkeypatch.setenv(sieges.STALE_ENV, "ninety")  # a typo falls back to the default, not to 0
    monkeypatch.setenv(sieges.EXPIRE_ENV, "-5")
    assert sieges.ages() == sieges.Ages(90, 180)


def test_the_existing_rules_still_hold() -> None:
    # Same-date sources give a range; the latest date replaces an older figure.
    obs = _obs([(6, "Madaya", D(2018, 3, 1), "besieged", 40000, 40000),
                (6, "Madaya", D(2018, 3, 1), "besieged", 38000, 38000),
                (6, "Madaya", D(2018, 2, 1), "besieged", 60000, 60000)])  # fmt: skip
    row = analytics.besieged_at(obs, D(2018, 3, 5), PARENTS).iloc[0]
    assert (row["pop_low"], row["pop_high"], row["sources"]) == (38000, 40000, 2)


# ---- read functions on stores ------------------------------------------------------------------------

BESIEGED_2018 = """date,place,admin1,population,status,sources
2018-02-20,Madaya,Rural Damascus,40000,besieged,OCHA
2018-02-28,Eastern Ghouta,Rural Damascus,393000-400000,besieged,OCHA
2018-02-28,Harasta,Rural Damascus,15000-20000,besieged,OCHA
2018-04-14,Eastern Ghouta,Rural Damascus,400000,lifted,UN
2018-01-31,Rukban,Homs,50000,hard_to_reach,UN
"""
CONVOYS_2025 = """date,place,admin1,organisations,trucks,people_served,outcome,convoy_id,notes
2025-05-13,Madaya,Rural Damascus,UN; SARC,10,5000,delivered,Z-01,
"""


def _store(folder: Path, files: dict[str, str]) -> str:
    url = fresh_store_url(folder)
    upgrade(url)
    for name, text in files.items():
        import_csv(folder, name, text, url)
    return url


@pytest.fixture
def store_2018(tmp_path: Path) -> str:
    url = _store(tmp_path, {"besieged.csv": BESIEGED_2018})
    yield url
    forget(url)
    dispose_all()


def _week(monday: dt.date) -> trends.Selection:
    return trends.Selection(monday, monday + 6 * DAY)


def test_read_functions_follow_the_rules(store_2018: str) -> None:
    sel = _week(D(2018, 4, 9))  # ends Sun 15 Apr: the day after the lift
    table = trends.besieged_table(sel, store_2018)
    # Harasta went with eastern Ghouta; Madaya (20 Feb, 54 days) stands; Rukban is hard to reach.
    assert table[["place", "figure", "pop_low", "age_days", "stale"]].values.tolist() == [
        ["Rukban", "hard_to_reach", 50000, 74, False], ["Madaya", "besieged", 40000, 54, False],
    ]  # fmt: skip
    weekly = trends.weekly_overview(trends.Selection(D(2018, 4, 2), D(2018, 4, 15)), store_2018)
    # Week ending 8 Apr: eastern Ghouta 393-400k + Madaya 40k; week ending 15 Apr: Madaya only.
    assert weekly[["besieged_low", "besieged_high", "besieged_places"]].values.tolist() == [
        [433000, 440000, 2], [40000, 40000, 1],
    ]  # fmt: skip
    assert weekly["hard_to_reach_low"].tolist() == [50000, 50000]
    plain = queries.weekly_overview(D(2018, 4, 9), weeks=2, url=store_2018)
    assert plain[["besieged_low", "besieged_high"]].values.tolist() == [[433000, 440000], [40000, 40000]]
    current = queries.besieged_current(D(2018, 4, 15), url=store_2018)
    assert current["place"].tolist() == ["Madaya"]  # the Map's besieged figure: besieged only
    figures, _ = shapes._besieged(D(2018, 4, 15), queries.Scope(), store_2018)
    assert figures["low"].tolist() == [40000]
    # Madaya (20 Feb) is 180 days old on Sun 19 Aug: still counted; a week later, out of every total.
    late = _week(D(2018, 8, 13))  # ends Sun 19 Aug: 180 days after 20 Feb
    assert trends.weekly_overview(late, store_2018)["besieged_low"].tolist() == [40000]
    later = _week(D(2018, 8, 20))  # ends 26 Aug: 187 days
    row = trends.weekly_overview(later, store_2018).iloc[0]
    assert (row["besieged_low"], row["besieged_places"], row["besieged_unknown"]) == (0, 0, 1)
    assert queries.besieged_current(D(2018, 8, 26), url=store_2018).empty
    assert trends.besieged_table(later, store_2018).set_index("place").loc["Madaya", "expired"]


def test_a_2025_import_does_not_show_2018_figures_as_besieged(store_2018: str, tmp_path: Path) -> None:
    import_csv(tmp_path, "convoys-2025.csv", CONVOYS_2025, store_2018)
    import_csv(tmp_path, "besieged-2025.csv",
               "date,place,admin1,population,status,sources\n2025-05-10,Yarmouk,Damascus,3000,besieged,UNRWA\n",
               store_2018)  # fmt: skip
    week = _week(D(2025, 5, 12))
    row = trends.weekly_overview(week, store_2018).iloc[0]
    # Only 2025's Yarmouk counts; Madaya (2018) expired; Rukban (2018, hard to reach) expired too.
    assert (row["besieged_low"], row["besieged_places"], row["besieged_unknown"]) == (3000, 1, 1)
    assert row["hard_to_reach_low"] == 0
    table = trends.besieged_table(week, store_2018)
    assert table[["place", "expired", "as_of"]].values.tolist() == [
        ["Yarmouk", False, D(2025, 5, 10)], ["Rukban", True, D(2018, 1, 31)], ["Madaya", True, D(2018, 2, 20)],
    ]  # fmt: skip
    assert queries.besieged_current(D(2025, 5, 18), url=store_2018)["place"].tolist() == ["Yarmouk"]


DEMO = ROOT / "demo" / "besieged.csv"


@pytest.mark.skipif(not DEMO.exists(), reason="demo/besieged.csv not in this checkout")
def test_harasta_in_the_demo_after_april_2018(tmp_path: Path) -> None:
    url = _store(tmp_path, {"besieged.csv": DEMO.read_text(encoding="utf-8")})
    try:
        for monday in (D(2018, 4, 9), D(2018, 5, 7), D(2018, 11, 5)):
            # Harasta (28 Feb 2018) is inside eastern Ghouta, lifted 14 Apr 2018: never listed again,
            # whatever the ages (so the lift, not the age, removes it).
            for limits in (None, WIDE):
                table = trends.besieged_table(_week(monday), url, limits=limits)
                assert "Harasta" not in table["place"].tolist(), (monday, limits)
        # Week ending 13 May 2018, default ages: no besieged figure left but Yarmouk's and Foah and
        # Kefraya's of 30 Jun 2017 (317 days: expired), so "people besieged" is unknown, not Harasta's
        # 15,000-20,000; Rukban (31 Jan, 102 days) is hard to reach and stale.
        row = trends.weekly_overview(_week(D(2018, 5, 7)), url).iloc[0]
        assert (row["besieged_low"], row["besieged_places"], row["besieged_unknown"]) == (0, 0, 2)
        assert (row["hard_to_reach_low"], row["hard_to_reach_high"]) == (50000, 50000)
        table = trends.besieged_table(_week(D(2018, 5, 7)), url).set_index("place")
        assert bool(table.loc["Rukban", "stale"]) and not bool(table.loc["Rukban", "expired"])
    finally:
        forget(url)
        dispose_all()
