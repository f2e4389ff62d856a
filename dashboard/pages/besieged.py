"""Besieged populations: people under siege over time by place, and the current table."""

from __future__ import annotations

import streamlit as st

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.charts import format_count
from dashboard.filters import format_day
from dashboard.inert import inert
from dashboard.layout import filtered_page
from dashboard.sieges import display_table, expired_note, total_text
from db.sieges import counted
from db.trends import besieged_behind

HELP = """
**How besieged populations are counted.** Each place's latest observation stands until a newer
one or a report that the siege was lifted (it is *carried forward* week after week); a siege lifted
on an enclave ends it for every town inside (Harasta with eastern Ghouta), unless the town has a
newer observation of its own. Sources observing the same place on the same day give a low–high
range. A town is left out of a total while the enclave containing it (Douma inside eastern Ghouta)
has its own figure, so nobody is counted twice. *People besieged* counts besieged observations only:
hard-to-reach and trapped populations are their own figures, never added in. Every figure shows its
age: older than the stale age it is marked *stale*; older than the expiry age it leaves the totals
and shows as unknown (–) with its last figure and date.
"""

filters = filtered_page(
    "Besieged populations",
    "Load besieged-population tables (`make run` loads the demo data, `python -m cli ingest FILE` your own files) to see them here.",
    "How besieged populations are counted",
    HELP,
)
sel = filters.selection()
limits = data.siege_ages()

obs = data.besieged_observations(sel)
by_week = data.besieged_by_week(sel)
besieged_weeks = counted(by_week)  # the chart shows people besieged only, as the total does
current = data.besieged_table(sel)
note = data.sources_note(besieged_behind(obs, besieged_weeks), "observation")

cols = st.columns(4)
cols[0].metric(f"People besieged on {format_day(sel.end)}", total_text(current),
               help="Besieged observations only; stale figures counted, expired ones left out (–: only expired figures).")  # fmt: skip
cols[1].metric(
    "People hard to reach",
    total_text(current, "hard_to_reach"),
    help="Its own figure, never added into people besieged.",
)
cols[2].metric(
    "People trapped", total_text(current, "trapped"), help="Its own figure, never added into people besieged."
)
cols[3].metric("Places under siege", format_count(len(counted(current))))
st.caption(f"Observations up to then: {format_count(len(obs))}. A figure is stale after {limits.stale_days} days "
           f"and leaves the totals after {limits.expire_days} days without a newer observation.")  # fmt: skip

data.show_chart(
    charts.besieged_by_place(besieged_weeks), besieged_weeks.drop(columns="place_id"), "besieged_places", note
)

st.subheader(f"Standing figures on {format_day(sel.end)}")
if current.empty:
    st.caption("No place is under siege, hard to reach or trapped on this date under these filters.")
    st.stop()
table = display_table(current)
st.dataframe(safe_table(table), hide_index=True, width="stretch")
gone = expired_note(current, limits)
if gone:
    st.caption(inert(gone))
st.caption(inert(data.sources_note(obs.merge(current[["place_id", "as_of"]], left_on=["place_id", "date"],
                                       right_on=["place_id", "as_of"]), "observation")))  # fmt: skip
st.download_button("Download this table (CSV)", data.csv_bytes(table), file_name="besieged.csv",
                   mime="text/csv", key="besieged_table_csv")  # fmt: skip
