"""Map: places as circles sized and coloured by a metric over a week or a date range, drawn offline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, map_data, maps
from dashboard.cells import safe_table
from dashboard.charts import format_range
from dashboard.filters import week_label, week_options
from dashboard.inert import inert
from dashboard.maps import METRIC_LABELS, RANGED, MapView
from db.shapes import SOURCE_MEANING
from loaders.normalise.dates import week_start

PERIODS = {"week": "One ISO week", "range": "Date range"}
SIZE_BY = {"high": "high end", "low": "low end"}
CONFIG: dict[str, Any] = {"displaylogo": False, "scrollZoom": True}


NO_BOUNDARIES = "none"


def level_label(level: int | str) -> str:
    if level == NO_BOUNDARIES:
        return "none"
    return "level unknown" if level == -1 else f"admin {level}"


def choose_period(span: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date, bool]:
    """(start, end, is one week) from the sidebar."""
    period = st.radio(
        "Period", list(PERIODS), format_func=lambda p: PERIODS[p], key="map_period", horizontal=True
    )
    if period == "week":
        weeks = week_options(*span)
        active = data.latest_activity()
        default = weeks.index(week_start(active)) if active and week_start(active) in weeks else 0
        week = st.selectbox("ISO week", weeks, index=default, format_func=week_label, key="map_week")
        return week, week + dt.timedelta(days=6), True
    chosen = st.date_input(
        "Dates", value=span, min_value=span[0], max_value=span[1], key="map_range", format="YYYY-MM-DD"
    )
    dates = list(chosen) if isinstance(chosen, list | tuple) else [chosen]
    dates = [d for d in dates if d is not None] or list(span)  # half-picked range: first day only
    return dates[0], dates[-1], False


def show_table(frame: pd.DataFrame, view: MapView) -> None:
    label = METRIC_LABELS[view.metric]
    table = pd.DataFrame(
        {
            "place": frame["place"], "in": frame["parent"],
            label: maps.figure_texts(frame),
            "low": frame["low"], "high": frame["high"], "sources": frame["sources"],
            "lat": frame["lat"], "lon": frame["lon"],
        }
    )  # fmt: skip
    with st.expander(f"The figures as a table ({len(table)} place(s))"):
        st.dataframe(safe_table(table), hide_index=True, width="stretch")
        st.download_button(
            "Download as CSV", data.csv_bytes(table), file_name=f"map-{view.metric}-{view.start}-{view.end}.csv",
            mime="text/csv", key="map_download", on_click="ignore",
        )  # fmt: skip


def show_unlocated(frame: pd.DataFrame, view: MapView) -> None:
    missing = frame[frame["lat"].isna() | frame["lon"].isna()]
    if missing.empty:
        return
    listed = ", ".join(
        f"{inert(r.place)} ({format_range(r.low, r.high)})" for r in missing.itertuples()
    )  # every one, not the first few: these figures appear nowhere else on the map
    if not map_data.exact_allowed():  # a viewer's map has area coordinates only
        st.warning(
            f"{len(missing)} place(s) with {METRIC_LABELS[view.metric].lower()} are in no admin area with "
            f"coordinates and are not on the map: {listed}. An editor can place them."
        )
        return
    st.warning(
        f"{len(missing)} place(s) with {METRIC_LABELS[view.metric].lower()} have no coordinates and are not "
        f"on the map: {listed}. Merge each into a known place on the Data page, or import an OCHA COD "
        "gazetteer that has them."
    )


st.title("Map")
countries = map_data.country_outlines()
levels = map_data.boundary_levels()
span = data.data_range()

with st.sidebar:
    level: int | str = NO_BOUNDARIES
    if levels:
        level = st.selectbox(
            "Admin boundaries", [NO_BOUNDARIES, *levels], index=1, format_func=level_label, key="map_boundary_level",
            help="Polygons from the OCHA COD GeoJSON files imported on the Import page.",
        )  # fmt: skip
admin = map_data.admin_boundaries(int(level)) if level != NO_BOUNDARIES else None
boundary_note = "Country outlines: Natural Earth (public domain)"
if admin:
    boundary_note += f"; {level_label(level)} boundaries imported from OCHA COD files"
if admin and admin.get("skipped"):  # stored before imports checked geometry: left out, not a crash
    st.warning(
        f"{len(admin['skipped'])} boundary shape(s) have damaged geometry and are not drawn; import the "
        "OCHA COD GeoJSON layer again to replace them."
    )

if span is None:
    st.info(
        "**The store holds no facts yet**, so the map has no places to show. Import convoy, "
        "besieged-population or toll files on the **Import** page (or run `make run` for the demo data)."
    )
    st.plotly_chart(
        maps.place_map(pd.DataFrame(), "convoys", countries=countries, admin=admin), config=CONFIG
    )
    st.caption(f"{boundary_note}. Store: {inert(data.store_label())}")
    st.stop()

with st.sidebar:
    metric = str(
        st.selectbox("Metric", list(METRIC_LABELS), format_func=lambda m: METRIC_LABELS[m], key="map_metric")
    )
    start, end, one_week = choose_period(span)
    size_by = "high"
    if metric in RANGED:
        size_by = st.radio(  # type: ignore[assignment]  # options are the SIZE_BY keys
            "Size circles by", list(SIZE_BY), format_func=lambda s: SIZE_BY[s], key="map_size_by", horizontal=True,
            help="Sources disagree: a place's figure is a range from the lowest to the highest source.",
        )  # fmt: skip
    include_pending = data.pending_allowed() and st.checkbox(
        "include pending (unreviewed) facts", key="map_include_pending",
        help="Facts extracted from reports wait for a reviewer; tick to count them already.",
    )  # fmt: skip

view = MapView(metric, start, end, size_by, include_pending, week=one_week)
st.caption(view.describe())
if include_pending:
    st.warning("Includes pending (unreviewed) facts: figures may change after review.")

figures = map_data.place_figures(metric, start, end, include_pending)
frame = figures.frame
st.plotly_chart(
    maps.place_map(frame, metric, size_by, countries, admin), width="stretch", config=CONFIG, key="map_chart"
)
if frame.empty:
    st.info(f"No {METRIC_LABELS[metric].lower()} recorded from {start:%-d %b %Y} to {end:%-d %b %Y}.")
else:
    # Viewers see the public variant's positions: each place at its admin-2 area (map_data).
    blurred = " Each place is drawn at its admin-2 area, as in the public report."
    where = "" if map_data.exact_allowed() else blurred
    st.caption(
        f"{len(frame)} place(s); {figures.sources} {SOURCE_MEANING[metric]} behind this map. {boundary_note}.{where}"
    )
    show_unlocated(frame, view)
    show_table(frame, view)
st.caption(f"Store: {inert(data.store_label())}")
