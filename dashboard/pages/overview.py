"""Overview: one ISO week's headline figures and the 12 weeks leading up to it."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashboard import charts, data
from dashboard.charts import format_count, format_range
from dashboard.filters import OverviewFilters, week_label, week_options
from db.queries import OUTCOMES
from loaders.normalise.dates import week_start

EMPTY_STORE = """
**The store holds no facts yet.** Load some data to see the overview:

- `make run` loads the demo dataset (eastern Ghouta, 2018) and starts the dashboard;
- `python -m cli demo` loads only the demo dataset into this store;
- `python -m cli ingest FILE ...` imports your own convoy, besieged-population or toll tables
  (templates on the **Data** page), HXL files or ACLED exports.

An Import page in the dashboard comes later.
"""

st.title("Overview")

span = data.data_range()
if span is None:
    st.info(EMPTY_STORE)
    st.caption(f"Store: {data.store_label()}")
    st.stop()

weeks = week_options(*span)
# Default: the latest week with convoys or tolls (a trailing besieged observation is no "news").
active = data.latest_activity()
default = weeks.index(week_start(active)) if active and week_start(active) in weeks else 0
with st.sidebar:
    week = st.selectbox("ISO week", weeks, index=default, format_func=week_label, key="overview_week")
    include_pending = st.checkbox(
        "include pending (unreviewed) facts",
        key="overview_include_pending",
        help="Facts extracted from reports wait for a reviewer; tick to count them already.",
    )
filters = OverviewFilters(week=week, include_pending=include_pending)
suffix = " (incl. pending)" if include_pending else ""

st.caption(filters.describe())
if include_pending:
    st.warning("Includes pending (unreviewed) facts: figures may change after review.")

trend = data.weekly_overview(filters.week, filters.trend_weeks, filters.include_pending)
# Weeks before the store's first fact would read as zeros; they are unknown, so leave them out.
trend = trend[trend["week"] >= week_start(span[0])].reset_index(drop=True)
this = trend.iloc[-1]
previous = trend.iloc[-2] if len(trend) > 1 else None


def _metric(column: DeltaGenerator, label: str, col: str, help: str | None = None) -> None:
    """A count with its change from the previous week (no arrow when nothing changed)."""
    change = None if previous is None else int(this[col]) - int(previous[col])
    column.metric(
        label,
        format_count(this[col]),
        None if change is None else f"{change:+,} vs previous week",
        delta_color="off",
        delta_arrow="off" if change == 0 else "auto",
        help=help,
    )


st.subheader(f"Week {week_label(filters.week)}{suffix}")
row1 = st.columns(3)
_metric(row1[0], "Convoys", "convoys", "Each convoy counted once, by its final outcome in this week.")
_metric(row1[1], "Trucks", "trucks", "Trucks of this week's convoys; a convoy without a truck count adds 0.")
_metric(row1[2], "People served", "people_served", "A convoy without a people-served figure adds 0.")
row2 = st.columns(3)
row2[0].metric(
    "People besieged",
    format_range(this["besieged_low"], this["besieged_high"]),
    help="Latest figure per place at the end of the week; low–high when sources differ.",
)
sources = int(this["toll_sources"])
toll_help = f"Lowest to highest source, never summed across sources; {sources} source(s) this week."
row2[1].metric("Civilians killed", format_range(this["killed_low"], this["killed_high"]), help=toll_help)
row2[2].metric("Civilians injured", format_range(this["injured_low"], this["injured_high"]), help=toll_help)

by_outcome = [f"{charts.LABELS[o].lower()} {int(this[o]):,}" for o in OUTCOMES if int(this[o])]
outcomes_text = (
    "Convoys by final outcome: " + " · ".join(by_outcome) + "." if by_outcome else "No convoys this week."
)
st.caption(f"{outcomes_text} Civilian tolls this week come from {sources} source(s).")


def _chart(column: DeltaGenerator, figure: go.Figure) -> None:
    column.plotly_chart(figure, width="stretch", config={"displaylogo": False})


st.subheader(f"{len(trend)} week(s) to {week_label(filters.week)}{suffix}")
left, right = st.columns(2)
_chart(left, charts.convoys_by_outcome_bar(trend))
_chart(right, charts.trend_lines(trend, ["trucks"]))
_chart(left, charts.trend_lines(trend, ["people_served"]))
_chart(right, charts.besieged_range_band(trend))
_chart(left, charts.killed_range_band(trend))
_chart(right, charts.injured_range_band(trend))

with st.expander("The figures as a table"):
    shown = trend.assign(week=trend["week"].map(week_label))
    st.dataframe(shown, hide_index=True, width="stretch")
    st.download_button(
        "Download as CSV", data.csv_bytes(shown), file_name=f"overview-{shown['week'].iloc[-1][:8]}.csv",
        mime="text/csv", key="overview_download",
    )  # fmt: skip
st.caption(f"Store: {data.store_label()}")
