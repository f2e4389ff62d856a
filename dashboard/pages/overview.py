"""Overview: one ISO week's headline figures and the 12 weeks leading up to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.charts import format_count, format_range
from dashboard.filters import OverviewFilters, sidebar_filters, week_label, week_options
from dashboard.inert import inert
from dashboard.sieges import display_table, expired_note, total_text, week_total_text
from db.queries import OUTCOMES
from db.reach import reached_text
from loaders.normalise.dates import week_start

EMPTY_STORE = """
**The store holds no facts yet.** Load some data to see the overview:

- `make run` loads the demo dataset (eastern Ghouta, 2018) and starts the dashboard;
- `python -m cli demo` loads only the demo dataset into this store;
- the **Import page** (or `python -m cli ingest FILE ...`) takes your own convoy,
  besieged-population or toll tables (templates on the **Data** page), HXL files, ACLED exports
  and reports.
"""

st.title("Overview")

span = data.data_range()
if span is None:
    st.info(EMPTY_STORE)
    st.caption(f"Store: {inert(data.store_label())}")
    st.stop()

filters = sidebar_filters(
    span, data.latest_activity(), data.filter_places(), data.filter_organisations(), data.pending_allowed()
)
first, last = max(span[0], filters.start), min(span[1], filters.end)
if first > last:
    st.info(
        f"{inert(filters.describe())} The store holds facts from {span[0]} to {span[1]}: widen the dates."
    )
    st.stop()
weeks = week_options(first, last)
# Default: the latest week with convoys or tolls (a trailing besieged observation is no "news").
active = data.latest_activity()
default = weeks.index(week_start(active)) if active and week_start(active) in weeks else 0
with st.sidebar:
    week = st.selectbox("ISO week", weeks, index=default, format_func=week_label, key="overview_week")
include_pending = filters.include_pending
overview = OverviewFilters(week=week, include_pending=include_pending)
suffix = " (incl. pending)" if include_pending else ""

st.caption(f"{inert(filters.describe())} Headline week {week_label(week)}, with up to {overview.trend_weeks} "
           "weeks of trend before it.")  # fmt: skip
if include_pending:
    st.warning("Includes pending (unreviewed) facts: figures may change after review.")

# The trend window: up to 12 weeks ending with the chosen week, never before the filters' start or
# the store's first fact (earlier weeks would read as zeros; they are unknown).
trend_start = max(week - dt.timedelta(weeks=overview.trend_weeks - 1), week_start(first))
sel = replace(filters.selection(), start=trend_start, end=week + dt.timedelta(days=6))
trend = data.trend_overview(sel)
this = trend.iloc[-1]
previous = trend.iloc[-2] if len(trend) > 1 else None


NO_CONVOY = "– : no convoy reported this week (unknown, not 0)."


def _no_convoy(column: DeltaGenerator, label: str) -> bool:
    """A convoy figure of a week without any convoy report: '–', not 0 (True when shown so)."""
    if int(this["convoys"]):
        return False
    column.metric(label, "–", help=NO_CONVOY)
    return True


def _metric(column: DeltaGenerator, label: str, col: str, help: str | None = None) -> None:
    """A count with its change from the previous week (no arrow when nothing changed)."""
    if _no_convoy(column, label):
        return
    change = None if previous is None else int(this[col]) - int(previous[col])
    column.metric(
        label,
        format_count(this[col]),
        None if change is None else f"{change:+,} vs previous week",
        delta_color="off",
        delta_arrow="off" if change == 0 else "auto",
        help=help,
    )


def _reached_metric(column: DeltaGenerator, label: str, col: str, help: str) -> None:
    """A reached figure (db.reach): '1,000 + unknown' when partially delivered convoys have no
    reached figure; no change shown then (an unknown part cannot be compared)."""
    if _no_convoy(column, label):
        return
    unknown = int(this["reached_unknown"])
    known = previous is not None and not unknown and not int(previous["reached_unknown"])
    change = int(this[col]) - int(previous[col]) if known else None  # type: ignore[index]
    if unknown:
        help += f" {unknown} partially delivered convoy(s) this week have no reached figure: unknown, not 0."
    column.metric(
        label,
        reached_text(this[col], unknown),
        None if change is None else f"{change:+,} vs previous week",
        delta_color="off",
        delta_arrow="off" if change == 0 else "auto",
        help=help,
    )


# Planned figures named as the metrics name them in tables and CSVs (the store's column is people_served).
PLANNED_NAMES = {"trucks": "trucks_planned", "people_served": "people_targeted"}
REACHED_HELP = ("Only convoys that arrived: delivered and items removed count their figure; blocked, attacked, "
                "aborted, failed, planned, postponed and underway convoys reach nothing.")  # fmt: skip

st.subheader(f"Week {week_label(week)}{suffix}")
row1 = st.columns(5)
_metric(row1[0], "Convoys", "convoys", "Each convoy counted once, by its final outcome in this week.")
_metric(row1[1], "Trucks planned", "trucks",
        "Trucks of every convoy of this week, whether it arrived or not; a convoy without a truck count adds 0.")  # fmt: skip
_reached_metric(row1[2], "Trucks reached", "trucks_reached", REACHED_HELP)
_metric(row1[3], "People targeted", "people_served",
        "People every convoy of this week was meant for, whether it arrived or not; a convoy without a figure adds 0.")  # fmt: skip
_reached_metric(row1[4], "People reached", "people_reached", REACHED_HELP)
row2 = st.columns(3)
row2[0].metric(
    "People besieged",
    week_total_text(
        this["besieged_low"], this["besieged_high"], this["besieged_places"], this["besieged_unknown"]
    ),
    help="Besieged observations only (hard to reach and trapped are shown below, never added in): latest "
    "figure per place at the end of the week, low–high when sources differ; a figure with no newer "
    "observation for the expiry age leaves the total (–: only such figures).",
)
sources = int(this["toll_sources"])
toll_help = f"Lowest to highest source, never summed across sources; {sources} source(s) this week."
if not sources:  # unknown, not 0 (db.trends.unknown_tolls)
    toll_help = "– : no report. No toll source gave a figure for this week: unknown, not 0."
row2[1].metric("Civilians killed", format_range(this["killed_low"], this["killed_high"]), help=toll_help)
row2[2].metric("Civilians injured", format_range(this["injured_low"], this["injured_high"]), help=toll_help)

limits = data.siege_ages()
standing = data.besieged_table(sel)  # at the end of the headline week: sel ends on its Sunday
row3 = st.columns(3)
row3[0].metric(
    "People hard to reach",
    total_text(standing, "hard_to_reach"),
    help="Its own figure, never added into people besieged.",
)
row3[1].metric(
    "People trapped",
    total_text(standing, "trapped"),
    help="Its own figure, never added into people besieged.",
)
row3[2].metric("Places under siege", format_count(int(this["besieged_places"])))
if not standing.empty:
    with st.expander(
        f"Besieged, hard-to-reach and trapped figures at the end of {week_label(week)}, with their age"
    ):
        st.dataframe(safe_table(display_table(standing)), hide_index=True, width="stretch")
        st.caption(f"Stale after {limits.stale_days} days; after {limits.expire_days} days without a newer "
                   "observation a figure leaves the totals (–).")  # fmt: skip
gone = expired_note(standing, limits)
if gone:
    st.caption(inert(gone))

by_outcome = [f"{charts.LABELS[o].lower()} {int(this[o]):,}" for o in OUTCOMES if int(this[o])]
outcomes_text = (
    "Convoys by final outcome: " + " · ".join(by_outcome) + "." if by_outcome else "No convoys this week."
)
st.caption(f"{outcomes_text} Civilian tolls this week come from {sources} source(s).")


ALERT_TITLES = {
    "convoy": "Convoy blocked, attacked or items removed", "besieged": "Newly besieged", "toll": "Toll up more than 25 %",
    "silent": "No report for four weeks",
}  # fmt: skip


def show_alerts(alerts: pd.DataFrame) -> None:
    """One line per alert, grouped by kind; a quiet week says so."""
    st.subheader("Alerts")
    if alerts.empty:
        st.success("No alerts this week.")
        return
    for kind, title in ALERT_TITLES.items():
        for message in alerts.loc[alerts["alert"] == kind, "message"]:
            st.warning(f"**{title}:** {inert(message)}")  # the message names places: stored text
    for message in alerts.loc[alerts["alert"] == "still_silent", "message"]:  # one compact line, no alert
        st.caption(inert(message))
    st.caption("Toll alert: both ends of the low–high band rose by more than 25 % on the week before. "
               "No report: no fact of any kind for four weeks, from a place with reports in the 12 weeks before; "
               "it is raised once, in the week the place falls silent, then listed on the 'still no report' line.")  # fmt: skip


show_alerts(data.alerts(week, sel))

st.subheader(f"{len(trend)} week(s) to {week_label(week)}{suffix}")
convoy_note = data.convoy_note(sel)
obs = data.besieged_observations(sel)
besieged_note = data.sources_note(obs[obs["date"] <= sel.end], "observation")
toll_note = data.toll_note(sel)
outcome_cols = ["week", "convoys", *OUTCOMES]
left, right = st.columns(2)
panels = [
    (charts.convoys_by_outcome_bar(trend), outcome_cols, convoy_note),
    (
        charts.trend_lines(trend, ["trucks", "trucks_reached"]),
        ["week", "trucks", "trucks_reached", "reached_unknown"],
        convoy_note,
    ),
    (
        charts.trend_lines(trend, ["people_served", "people_reached"]),
        ["week", "people_served", "people_reached", "reached_unknown"],
        convoy_note,
    ),
    (charts.besieged_range_band(trend), ["week", "besieged_low", "besieged_high"], besieged_note),
    (charts.killed_range_band(trend), ["week", "killed_low", "killed_high", "toll_sources"], toll_note),
    (charts.injured_range_band(trend), ["week", "injured_low", "injured_high", "toll_sources"], toll_note),
]
for i, (figure, columns, note) in enumerate(panels):
    frame = trend[columns].rename(columns=PLANNED_NAMES)
    data.show_chart(figure, frame, f"overview_chart{i + 1}", note, left if i % 2 == 0 else right)

with st.expander("The figures as a table"):
    shown = trend.assign(week=trend["week"].map(week_label)).rename(columns=PLANNED_NAMES)
    st.dataframe(safe_table(shown), hide_index=True, width="stretch")
    st.download_button(
        "Download as CSV", data.csv_bytes(shown), file_name=f"overview-{shown['week'].iloc[-1][:8]}.csv",
        mime="text/csv", key="overview_download",
    )  # fmt: skip
st.caption(f"Store: {inert(data.store_label())}")
