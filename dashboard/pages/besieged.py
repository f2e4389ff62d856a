"""Besieged populations: people under siege over time by place, and the current table."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.charts import format_count, format_range
from dashboard.filters import format_day
from dashboard.inert import inert
from dashboard.layout import filtered_page
from db.trends import besieged_behind

HELP = """
**How besieged populations are counted.** Each place's latest observation stands until a newer
one or a report that the siege was lifted (it is *carried forward* week after week). Sources
observing the same place on the same day give a low–high range. A town is left out of a total
while the enclave containing it (Douma inside eastern Ghouta) has its own figure, so nobody is
counted twice.
"""

filters = filtered_page(
    "Besieged populations",
    "Load besieged-population tables (`make run` loads the demo data, `python -m cli ingest FILE` your own files) to see them here.",
    "How besieged populations are counted",
    HELP,
)
sel = filters.selection()

obs = data.besieged_observations(sel)
by_week = data.besieged_by_week(sel)
current = data.besieged_table(sel)
note = data.sources_note(besieged_behind(obs, by_week), "observation")

cols = st.columns(3)
cols[0].metric(f"People besieged on {format_day(sel.end)}",
               format_range(int(current["pop_low"].sum()), int(current["pop_high"].sum())))  # fmt: skip
cols[1].metric("Places under siege", format_count(len(current)))
cols[2].metric("Observations up to then", format_count(len(obs)))

data.show_chart(charts.besieged_by_place(by_week), by_week.drop(columns="place_id"), "besieged_places", note)

st.subheader(f"Under siege on {format_day(sel.end)}")
if current.empty:
    st.caption("No place is under siege on this date under these filters.")
    st.stop()
table = current.assign(
    population=[format_range(lo, hi) for lo, hi in zip(current["pop_low"], current["pop_high"], strict=True)]
)[["place", "population", "pop_low", "pop_high", "as_of", "sources", "besieging_party", "status"]]
table = table.rename(columns={"pop_low": "low", "pop_high": "high", "as_of": "as of", "sources": "source",
                              "besieging_party": "besieging party"})  # fmt: skip
st.dataframe(safe_table(table), hide_index=True, width="stretch")
st.caption(inert(data.sources_note(obs.merge(current[["place_id", "as_of"]], left_on=["place_id", "date"],
                                       right_on=["place_id", "as_of"]), "observation")))  # fmt: skip
st.download_button("Download this table (CSV)", data.csv_bytes(table), file_name="besieged.csv",
                   mime="text/csv", key="besieged_table_csv")  # fmt: skip
