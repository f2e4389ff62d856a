"""Convoys: weekly convoys by final outcome, trucks and people planned and reached, share delivered, top
destinations, and every convoy with the source it came from."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import charts, data
from dashboard.cells import safe_table
from dashboard.inert import inert
from dashboard.layout import filtered_page
from db.reach import reached_text

HELP = """
**How convoys are counted.** A convoy is counted once, in the week of its *final* report (its
latest row with the same convoy id), by that report's outcome; a truck or people figure missing
from the final row is taken from the convoy's earlier rows.
**Attempted** = every final outcome except *planned*, *postponed* and *underway* (the convoy set
off, or was stopped on the way). **Delivered share** = convoys delivered, partially delivered or
with items removed (aid reached people, even with items taken out at a checkpoint), divided by
convoys attempted. Weeks with nothing attempted have no share.
**Planned and reached.** *Trucks planned* and *people targeted* add up every convoy, whether it
arrived or not. *Trucks reached* and *people reached* add up only convoys that arrived: delivered
or with items removed. A partially delivered convoy's reached figure is unknown (no reached figure
is stored for it): a sum that includes one reads "1,000 + unknown", and its week leaves a gap in
the reached line. Blocked, attacked, aborted, failed, planned, postponed and underway convoys
reach nothing, unless their report also says the aid arrived ("attacked; delivered").
"""

TABLE_COLUMNS = {
    "date": "date", "place": "place", "outcome": "final outcome", "trucks": "trucks planned",
    "trucks_reached": "trucks reached", "people_served": "people targeted", "people_reached": "people reached",
    "operators": "run by", "event_ref": "convoy id",
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
unknown = int(weekly["reached_unknown"].sum())
reached_help = "Only convoys that arrived (delivered or items removed)" + (
    f"; {unknown} partially delivered convoy(s) have no reached figure: unknown, not 0." if unknown else "."
)
cols = st.columns(6)
if int(weekly["convoys"].sum()):
    cols[0].metric("Convoys", f"{int(weekly['convoys'].sum()):,}")
    cols[1].metric("Trucks planned", f"{int(weekly['trucks'].sum()):,}", help="Every convoy, arrived or not.")
    cols[2].metric("Trucks reached", reached_text(weekly["trucks_reached"].sum(), unknown), help=reached_help)
    cols[3].metric(
        "People targeted", f"{int(weekly['people_served'].sum()):,}", help="Every convoy, arrived or not."
    )
    cols[4].metric("People reached", reached_text(weekly["people_reached"].sum(), unknown), help=reached_help)
else:  # no convoy reported in these dates: unknown ('–'), not "0 trucks"
    for col, label in zip(cols[:5], ("Convoys", "Trucks planned", "Trucks reached", "People targeted",
                                     "People reached"), strict=True):  # fmt: skip
        col.metric(label, "–", help="– : no convoy reported in these dates (unknown, not 0).")
cols[5].metric(
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
    charts.trend_lines(weekly, ["trucks", "trucks_reached"]),
    weekly[["week", "trucks", "trucks_reached", "reached_unknown"]], "convoys_trucks", note, left,
)  # fmt: skip
data.show_chart(
    charts.trend_lines(weekly, ["people_served", "people_reached"]),
    weekly[["week", "people_served", "people_reached", "reached_unknown"]], "convoys_people", note, right,
)  # fmt: skip
top = data.top_destinations(sel)
# Its trucks and people are planned figures (every convoy, arrived or not): named so in the data.
named = {"trucks": "trucks_planned", "people_served": "people_targeted"}
data.show_chart(
    charts.top_destinations_bar(top), top.drop(columns="place_id").rename(columns=named), "convoys_top", note
)

st.subheader(f"{len(rows):,} convoy(s), newest first")
if rows.empty:
    st.caption("No convoys match these filters.")
    st.stop()


def origin(row: pd.Series) -> str:
    """Where the row came from, in a few words: 'convoys.csv, row 4' or 'Report title (text)'."""
    if row["method"] == "text" or pd.isna(row["source_row"]):
        return f"{row['source']} (text)"
    return f"{row['source']}, row {int(row['source_row'])}"


# An unknown reached figure (partially delivered) reads "–", never 0 or blank.
reached = {
    c: rows[c].map(lambda v: "–" if pd.isna(v) else f"{int(v):,}")
    for c in ("trucks_reached", "people_reached")
}
table = rows.assign(origin=rows.apply(origin, axis=1), **reached)[list(TABLE_COLUMNS)].rename(
    columns=TABLE_COLUMNS
)
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
