"""Chart definitions, checked through fig.data and fig.layout (never pixels)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard import charts
from dashboard.filters import OverviewFilters, week_label, week_options
from db.queries import OUTCOMES


@pytest.fixture
def frame() -> pd.DataFrame:
    """Three weeks in the shape of db.queries.weekly_overview."""
    weeks = [dt.date(2018, 2, 26), dt.date(2018, 3, 5), dt.date(2018, 3, 12)]
    out = pd.DataFrame(
        {
            "week": weeks,
            "convoys": [1, 3, 1],
            "trucks": [20, 59, 13],
            "people_served": [4000, 33500, 0],
            "besieged_low": [433000, 393000, 390000],
            "besieged_high": [433000, 393000, 400000],
            "killed_low": [300, 940, 0],
            "killed_high": [300, 1000, 0],
            "injured_low": [1200, 3000, 0],
            "injured_high": [1200, 3500, 0],
            "toll_sources": [1, 2, 0],
        }
    )
    for outcome in OUTCOMES:
        out[outcome] = 0
    out["delivered"] = [1, 1, 1]
    out["items_removed"] = [0, 1, 0]
    out["blocked"] = [0, 1, 0]
    return out


def test_trend_lines_one_trace_per_metric(frame: pd.DataFrame) -> None:
    fig = charts.trend_lines(frame, "trucks")
    assert len(fig.data) == 1
    assert fig.data[0].name == "Trucks planned"
    assert list(fig.data[0].x) == ["2018-W09", "2018-W10", "2018-W11"]
    assert list(fig.data[0].y) == [20, 59, 13]
    assert fig.layout.title.text == "Trucks planned per week"
    assert fig.layout.yaxis.dtick is None  # large counts: plotly picks the ticks

    two = charts.trend_lines(frame, ["trucks", "convoys"], title="Both")
    assert [t.name for t in two.data] == ["Trucks planned", "Convoys"]
    assert list(two.data[1].y) == [1, 3, 1]
    assert two.layout.title.text == "Both"


def test_reached_lines_leave_a_gap_where_a_reached_figure_is_unknown(frame: pd.DataFrame) -> None:
    # W10: a partially delivered convoy without a reached figure -> its week's reached sum is unknown.
    weekly = frame.assign(trucks_reached=[20, 46, 13], reached_unknown=[0, 1, 0])
    fig = charts.trend_lines(weekly, ["trucks", "trucks_reached"])
    assert [t.name for t in fig.data] == ["Trucks planned", "Trucks reached"]
    assert list(fig.data[0].y) == [20, 59, 13]
    assert list(fig.data[1].y) == [20, None, 13]
    assert "unknown" in fig.layout.title.subtitle.text
    known = charts.trend_lines(weekly.assign(reached_unknown=0), ["trucks_reached"])
    assert list(known.data[0].y) == [20, 46, 13] and not known.layout.title.subtitle.text


def test_convoys_by_outcome_bar_stacks_only_outcomes_that_occur(frame: pd.DataFrame) -> None:
    fig = charts.convoys_by_outcome_bar(frame)
    assert fig.layout.barmode == "stack"
    assert [t.type for t in fig.data] == ["bar"] * 3
    assert [t.name for t in fig.data] == ["Delivered", "Items removed", "Blocked"]
    by_name = {t.name: list(t.y) for t in fig.data}
    assert by_name == {"Delivered": [1, 1, 1], "Items removed": [0, 1, 0], "Blocked": [0, 1, 0]}
    # stacked heights add up to the convoys column
    assert [sum(v) for v in zip(*by_name.values(), strict=True)] == frame["convoys"].tolist()
    assert fig.data[0].marker.color == charts.OUTCOME_COLOURS["delivered"]
    # small counts get whole-number ticks, and the axis reaches the top of the tallest stack (3)
    assert fig.layout.yaxis.dtick == 1 and fig.layout.yaxis.range[1] >= 3


def test_convoys_by_outcome_bar_says_when_there_are_none(frame: pd.DataFrame) -> None:
    empty = frame.assign(**{o: 0 for o in OUTCOMES}, convoys=0)
    fig = charts.convoys_by_outcome_bar(empty)
    assert fig.data == ()
    assert "no convoys" in fig.layout.title.subtitle.text


def test_killed_range_band_has_low_and_filled_high(frame: pd.DataFrame) -> None:
    fig = charts.killed_range_band(frame)
    low, high = fig.data
    assert (low.name, high.name) == ("low", "high")
    # W11 has no toll source: a gap (None), not a drop to 0
    assert list(low.y) == [300, 940, None]
    assert list(high.y) == [300, 1000, None]
    assert high.fill == "tonexty" and low.fill is None
    # the number of sources behind each week rides along for the hover, and the subtitle says it
    assert list(high.customdata) == [1, 2, 0]
    assert "sources per week: 0–2" in fig.layout.title.subtitle.text
    assert "never summed" in fig.layout.title.subtitle.text
    assert "gap: no report" in fig.layout.title.subtitle.text


def test_injured_and_besieged_bands(frame: pd.DataFrame) -> None:
    injured = charts.injured_range_band(frame)
    assert list(injured.data[1].y) == [1200, 3500, None]  # no source in W11: a gap
    besieged = charts.besieged_range_band(frame)
    assert list(besieged.data[0].y) == [433000, 393000, 390000]
    assert list(besieged.data[1].y) == [433000, 393000, 400000]
    assert besieged.data[1].customdata is None  # no source counts for besieged figures
    assert "latest figure per place" in besieged.layout.title.subtitle.text


def test_number_formats() -> None:
    assert charts.format_count(12400) == "12,400"
    assert charts.format_range(940, 1000) == "940–1,000"
    assert charts.format_range(393000, 393000) == "393,000"


def test_week_labels_and_options() -> None:
    assert week_label(dt.date(2018, 3, 5)) == "2018-W10 (5–11 Mar 2018)"
    assert week_label(dt.date(2018, 2, 26)) == "2018-W09 (26 Feb–4 Mar 2018)"
    assert week_label(dt.date(2018, 12, 31)) == "2019-W01 (31 Dec 2018–6 Jan 2019)"
    assert week_options(dt.date(2018, 2, 28), dt.date(2018, 3, 15)) == [
        dt.date(2018, 3, 12), dt.date(2018, 3, 5), dt.date(2018, 2, 26),
    ]  # fmt: skip
    sentence = OverviewFilters(dt.date(2018, 3, 5), include_pending=True).describe()
    assert sentence.startswith("Week 2018-W10 (5–11 Mar 2018), with up to 12 weeks of trend")
    assert "pending" in sentence


# ---- analytics pages ------------------------------------------------------------------------------


def test_delivered_share_line_leaves_gaps_for_weeks_with_nothing_attempted() -> None:
    weekly = pd.DataFrame({"week": [dt.date(2018, 3, 5), dt.date(2018, 3, 12)], "delivered_share": [0.667, None],
                           "delivered_or_partial": [2, 0], "attempted": [3, 0]})  # fmt: skip
    fig = charts.delivered_share_line(weekly)
    assert list(fig.data[0].y) == [66.7, None]
    assert [list(c) for c in fig.data[0].customdata] == [[2, 3], [0, 0]]
    assert fig.layout.yaxis.ticksuffix == "%" and list(fig.layout.yaxis.range) == [0, 105]
    assert "not planned, postponed or underway" in fig.layout.title.subtitle.text


def test_top_destinations_bar_splits_outcomes_largest_on_top() -> None:
    top = pd.DataFrame({"place": ["Douma", "Madaya"], "convoys": [4, 1], "delivered_or_partial": [3, 1],
                        "blocked_or_attacked": [1, 0]})  # fmt: skip
    fig = charts.top_destinations_bar(top)
    assert [t.name for t in fig.data] == [
        "Delivered (fully or partly)",
        "Blocked or attacked",
        "Other outcomes",
    ]
    assert list(fig.data[0].y) == ["Madaya", "Douma"]  # plotly draws the first category at the bottom
    assert list(fig.data[0].x) == [1, 3] and list(fig.data[1].x) == [0, 1] and list(fig.data[2].x) == [0, 0]
    assert fig.data[0].orientation == "h" and fig.layout.barmode == "stack"


def test_besieged_by_place_stacks_places_and_draws_the_high_total() -> None:
    weeks = [dt.date(2018, 3, 5), dt.date(2018, 3, 12)]
    frame = pd.DataFrame({"week": [weeks[0], weeks[1], weeks[1]], "place": ["Madaya", "Madaya", "eastern Ghouta"],
                          "pop_low": [40000, 40000, 390000], "pop_high": [40000, 40000, 400000]})  # fmt: skip
    fig = charts.besieged_by_place(frame)
    assert [t.name for t in fig.data] == ["eastern Ghouta", "Madaya", "Total (highest figures)"]
    assert list(fig.data[0].y) == [0, 390000] and fig.data[0].stackgroup == "places"
    assert list(fig.data[2].y) == [40000, 440000] and fig.data[2].stackgroup is None
    assert list(fig.data[0].x) == ["2018-W10", "2018-W11"]
    assert charts.besieged_by_place(frame.iloc[0:0]).data == ()


def test_toll_charts_show_sources_side_by_side_never_summed() -> None:
    week = dt.date(2018, 3, 5)
    band = pd.DataFrame({"week": [week], "killed_low": [940], "killed_high": [1000], "injured_low": [3000],
                         "injured_high": [3500], "sources": [2], "killed_low_total": [940],
                         "killed_high_total": [1000]})  # fmt: skip
    by_source = pd.DataFrame({"week": [week, week], "source": ["SAMS", "SOHR"], "killed_low": [1000, 940],
                              "killed_high": [1000, 940]})  # fmt: skip
    fig = charts.toll_by_source(band, by_source, "killed")
    assert [t.name for t in fig.data] == ["low", "high", "SAMS", "SOHR"]
    assert list(fig.data[1].y) == [1000] and list(fig.data[3].y) == [940]
    assert "sources per week: 2" in fig.layout.title.subtitle.text

    compare = pd.DataFrame({"source": ["MSF", "SOHR"], "killed_low": [80, 940], "killed_high": [84, 940],
                            "injured_low": [0, 3000], "injured_high": [0, 3000]})  # fmt: skip
    side = charts.sources_side_by_side(compare)
    assert side.layout.barmode == "group" and [t.name for t in side.data] == [
        "Civilians killed",
        "Civilians injured",
    ]
    assert list(side.data[0].y) == [84, 940] and list(side.data[0].error_y.arrayminus) == [4, 0]

    cumulative = charts.cumulative_curve(band, "killed")
    assert list(cumulative.data[0].y) == [940] and list(cumulative.data[1].y) == [1000]
    assert "running total" in cumulative.layout.title.text


def test_unknown_weeks_are_gaps_and_dashes(frame: pd.DataFrame) -> None:
    # As db.trends gives it: a week without a toll source holds NaN (unknown), not 0.
    unknown = frame.assign(killed_low=[300.0, 940.0, float("nan")], killed_high=[300.0, 1000.0, float("nan")])
    fig = charts.killed_range_band(unknown)
    assert [list(t.y) for t in fig.data] == [[300, 940, None], [300, 1000, None]]
    assert charts.format_range(float("nan"), float("nan")) == "–"
    assert charts.format_count(None) == "–"
    assert charts.format_range(940, 1000) == "940–1,000" and charts.format_range(5.0, float("nan")) == "5"
