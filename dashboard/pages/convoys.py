"""Convoys: weekly convoys by final outcome, trucks and people served, share delivered, top
destinations, and every convoy with the source it came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.inert import inert
from dashboard.layout import filtered_page

HELP = """
**How convoys are counted.** A convoy is counted once, in the week of its *final* report (its
latest row with the same convoy id), by that report's outcome; a truck or people figure missing
from the final row is taken from the convoy's earlier rows.
**Attempted** = every final outcome except *planned*, *postponed* and *underway* (the convoy set
off, or was stopped on the way). **Delivered share** = convoys delivered, partially delivered or
with items removed (aid reached people, even with items taken out at a checkpoint), divided by
convoys attempted. Weeks with nothing attempted have no share.
"""

TABLE_COLUMNS = {
    "date": "date", "place": "place", "outcome": "final outcome", "trucks": "trucks",
    "people_served": "people served", "operators": "run by", "event_ref": "convoy id",
    "origin": "source",
}  # fmt: skip

filters = filtered_page(
    "Convoys",
    "Load convoy tables (`make run` loads the demo data, `python -m cli ingest FILE` your own files) to see convoys here.",
    "How convoys are counted",
    HELP,
)
sel = filters.selection()

rows = data.convoy_facts(sel)
weekly = data.weekly_convoys(sel)
note = data.sources_note(rows, "convoy", by_source=False)
attempted, delivered = int(weekly["attempted"].sum()), int(weekly["delivered_or_partial"].sum())
cols = st.columns(4)
cols[0].metric("Convoys", f"{int(weekly['convoys'].sum()):,}")
cols[1].metric("Trucks", f"{int(weekly['trucks'].sum()):,}")
cols[2].metric("People served", f"{int(weekly['people_served'].sum()):,}")
cols[3].metric(
    "Delivered share", f"{delivered / attempted:.0%}" if attempted else "–",
    help=f"{delivered:,} of {attempted:,} attempted convoys delivered (fully, partly or with items removed).",
)  # fmt: skip

left, right = st.columns(2)
outcome_cols = ["week", "convoys", *[o for o in charts.OUTCOME_COLOURS if o in weekly]]
data.show_chart(charts.convoys_by_outcome_bar(weekly), weekly[outcome_cols], "convoys_outcomes", note, left)
data.show_chart(
    charts.delivered_share_line(weekly), weekly[["week", "attempted", "delivered_or_partial", "delivered_share"]],
    "convoys_share", note, right,
)  # fmt: skip
data.show_chart(
    charts.trend_lines(weekly, "trucks"), weekly[["week", "trucks"]], "convoys_trucks", note, left
)
data.show_chart(
    charts.trend_lines(weekly, "people_served"), weekly[["week", "people_served"]], "convoys_people", note, right
)  # fmt: skip
top = data.top_destinations(sel)
data.show_chart(charts.top_destinations_bar(top), top.drop(columns="place_id"), "convoys_top", note)

st.subheader(f"{len(rows):,} convoy(s), newest first")
if rows.empty:
    st.caption("No convoys match these filters.")
    st.stop()


def origin(row: pd.Series) -> str:
    """Where the row came from, in a few words: 'convoys.csv, row 4' or 'Report title (text)'."""
    if row["method"] == "text" or pd.isna(row["source_row"]):
        return f"{row['source']} (text)"
    return f"{row['source']}, row {int(row['source_row'])}"


table = rows.assign(origin=rows.apply(origin, axis=1))[list(TABLE_COLUMNS)].rename(columns=TABLE_COLUMNS)
st.dataframe(safe_table(table), hide_index=True, width="stretch")
st.download_button("Download these convoys (CSV)", data.csv_bytes(table), file_name="convoys.csv",
                   mime="text/csv", key="convoys_table_csv")  # fmt: skip

labels = {
    int(r.id): f"{r.date} · {r.place} · {r.outcome} · {origin(pd.Series(r._asdict()))}"
    for r in rows.itertuples()
}
chosen = st.selectbox("Open the source of a convoy", list(labels), format_func=labels.get, index=None,
                      placeholder="choose a convoy", key="convoys_source")  # fmt: skip
if chosen is not None:
    source = data.fact_provenance(int(chosen))
    # Every stored value goes through inert(): titles, publishers, file and user names are imported text.
    with st.expander(f"Source of convoy {inert(labels[chosen])}", expanded=True):
        if source.get("title"):
            st.markdown(f"**Report:** {inert(source['title'])} ({inert(source.get('publisher') or 'publisher unknown')}, "
                        f"{inert(source.get('published') or 'date unknown')}); file {inert(source['file_name'])}")  # fmt: skip
        else:
            st.markdown(
                f"**File:** {inert(source['file_name'])} ({inert(source['format'])}), row {inert(source['source_row'])}"
            )
        st.markdown(f"**Imported** {source['imported_at']:%Y-%m-%d %H:%M} by {inert(source['imported_by'])} "
                    f"(import #{source['import_id']}); read by **{inert(source['method'])}**; "
                    f"review: {inert(source['review_status'])}.")  # fmt: skip
        if source.get("excerpt"):
            st.markdown("**Evidence in the report** (between « »):")
            st.text(source["excerpt"])
        elif source.get("evidence"):
            st.markdown("**Evidence:**")
            st.code(source["evidence"], language=None)
