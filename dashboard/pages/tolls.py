"""Civilian tolls: weekly killed and injured per source with the low–high band, the sources side
by side for a place and period, and the running total."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.charts import format_range
from dashboard.filters import format_day
from dashboard.inert import inert
from dashboard.layout import filtered_page

HELP = """
**How tolls are counted.** Figures from different sources are never added up: for a place and a
day the toll runs from the lowest source to the highest. A report over a period is spread evenly
over its days, so a week gets the share of the days it holds; a cumulative figure ("since the
start of the offensive") becomes the increase since the same source's previous report. A town is
left out on a day its enclave has its own figure. The running total starts at the first week
shown.
"""

filters = filtered_page(
    "Civilian tolls",
    "Load toll tables, ACLED exports or reports (`make run` loads the demo data) to see civilian tolls here.",
    "How tolls are counted",
    HELP,
)
sel = filters.selection()

frames = data.toll_trends(sel)
band, by_source, compare = frames["band"], frames["by_source"], frames["compare"]
note = data.toll_note(sel)
total = band.iloc[-1] if not band.empty else None

cols = st.columns(3)
for col, measure in zip(cols[:2], ("killed", "injured"), strict=True):
    value = (
        format_range(total[f"{measure}_low_total"], total[f"{measure}_high_total"])
        if total is not None and not compare.empty
        else "–"  # no source gave a figure: unknown, not 0
    )
    col.metric(f"Civilians {measure}", value,
               help=f"{format_day(sel.start)} – {format_day(sel.end)}: lowest to highest source, never summed; – : no report.")  # fmt: skip
cols[2].metric("Sources", f"{len(compare):,}")

measure = st.radio("Show", ["killed", "injured"], horizontal=True, key="tolls_measure",
                   format_func=lambda m: f"civilians {m}")  # fmt: skip
per_source = by_source[["week", "source", f"{measure}_low", f"{measure}_high"]]
band_cols = ["week", f"{measure}_low", f"{measure}_high", "sources"]
data.show_chart(charts.toll_by_source(band, by_source, measure),
                band[band_cols].merge(per_source, on="week", how="left", suffixes=("", "_source")),
                "tolls_weekly", note)  # fmt: skip
left, right = st.columns(2)
data.show_chart(charts.sources_side_by_side(compare), compare, "tolls_compare", note, left)
data.show_chart(charts.cumulative_curve(band, measure),
                band[["week", f"{measure}_low_total", f"{measure}_high_total"]], "tolls_cumulative", note, right)  # fmt: skip

st.subheader("Sources side by side")
place = filters.place_name or "every place"
st.caption(
    f"{inert(place)}, {format_day(sel.start)} – {format_day(sel.end)}: each source's own figures, never added up."
)
st.dataframe(safe_table(compare), hide_index=True, width="stretch")
