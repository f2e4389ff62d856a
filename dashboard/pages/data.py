"""Data: what was imported and what went wrong, places to merge, and the table templates."""

from __future__ import annotations

import csv
import io

import pandas as pd
import streamlit as st

from dashboard import data
from dashboard.cells import safe_table
from dashboard.inert import inert
from dashboard.session import may
from loaders.layouts import Layout, layouts

IMPORT_COLUMNS = {
    "id": "import", "imported_at": "imported at (UTC)", "file_name": "file", "format": "format",
    "kind": "kind",
    "imported_by": "by", "rows_in": "rows in", "added": "added", "updated": "updated",
    "duplicate": "duplicate", "skipped": "skipped", "rejected": "rejected", "retracted": "retracted",
    "places_added": "new places",
}  # fmt: skip
ISSUES_PER_PAGE = 200


def import_label(row: pd.Series) -> str:
    when = pd.Timestamp(row["imported_at"]).strftime("%Y-%m-%d %H:%M")
    return f"#{row['id']} {row['file_name']} ({when}, {row['rejected']} rejected, {row['skipped']} skipped)"


def columns_csv(layout: Layout) -> str:
    """Each column of a layout with whether it is required, its aliases and its help."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["column", "required", "type", "aliases", "help"])
    for col in layout.columns:
        required = "yes" if col.required else (f"at least one of '{col.one_of}'" if col.one_of else "no")
        writer.writerow([col.name, required, col.type, "; ".join(col.aliases), col.help])
    return buffer.getvalue()


def show_imports() -> None:
    st.subheader("Imports")
    table = data.imports()
    if table.empty:
        st.info(
            "No imports yet. `make run` loads the demo data; `python -m cli ingest FILE` imports your own "
            "files (templates below)."
        )
        return
    st.caption(f"{len(table)} import(s), newest first. Each file's rows end up added, updated, duplicate, "
               "skipped or rejected.")  # fmt: skip
    shown = safe_table(table[list(IMPORT_COLUMNS)].rename(columns=IMPORT_COLUMNS))
    st.dataframe(shown, hide_index=True, width="stretch")
    rows = {int(r["id"]): import_label(r) for _, r in table.iterrows()}
    chosen = st.selectbox("Issues of import", list(rows), format_func=rows.get, key="data_import_select")
    show_issues(int(chosen), str(table.loc[table["id"] == chosen, "file_name"].iloc[0]))


def show_issues(import_id: int, file_name: str) -> None:
    issues = data.import_issues(import_id)
    if issues.empty:
        st.success(f"{inert(file_name)}: every row was stored; no issues.")
        return
    counts = issues["severity"].value_counts()
    st.markdown(
        " · ".join(f"**{counts.get(s, 0)}** {s}" for s in ("rejected", "skipped", "warning"))
        + " — rejected rows were not stored: fix them in your file and import it again."
    )
    # One page of issues at a time: an export with 900,000 skipped rows is not sent to the browser whole.
    pages = max(1, -(-len(issues) // ISSUES_PER_PAGE))
    page = 1
    if pages > 1:
        page = int(st.number_input(f"Page (of {pages:,})", 1, pages, 1, key="data_issues_page"))
        st.caption(f"Issues {(page - 1) * ISSUES_PER_PAGE + 1:,} to {min(page * ISSUES_PER_PAGE, len(issues)):,} "
                   f"of {len(issues):,}; the download holds them all.")  # fmt: skip
    shown = issues.iloc[(page - 1) * ISSUES_PER_PAGE : page * ISSUES_PER_PAGE]
    st.dataframe(safe_table(shown), hide_index=True, width="stretch")
    st.download_button(
        "Download these issues (CSV)", data.csv_bytes(issues.assign(file=file_name)),
        file_name=f"import-{import_id}-issues.csv", mime="text/csv", key="data_issues_download",
    )  # fmt: skip


def show_unverified_places() -> None:
    st.subheader("Unverified places")
    places = data.unverified_places()
    if places.empty:
        st.caption("Every place in the store is a known gazetteer place.")
        return
    st.caption(
        f"{len(places)} place(s) were added from rows because no known place matched their name, "
        "p-code or admin areas. Their facts count already; merge each into the known place it means "
        "(or import an OCHA COD gazetteer) so that totals do not split one town in two."
    )
    shown = places.rename(columns={"id": "place id", "facts": "facts", "first_seen_in": "first seen in"})
    if not may("export_internal"):  # viewers see no exact coordinates (as in the public report)
        shown = shown.drop(columns=["lat", "lon"], errors="ignore")
    st.dataframe(safe_table(shown), hide_index=True, width="stretch")
    if may("merge"):
        show_merge_form(places)
    else:
        st.caption("Merging places needs the editor role.")


def place_label(row: pd.Series) -> str:
    parent = f", in {row['parent']}" if isinstance(row.get("parent"), str) else ""
    return f"{row['name']}{parent} ({row.get('country') or '?'}, id {row['id']})"


def show_merge_form(places: pd.DataFrame) -> None:
    known = data.known_places()
    sources = {int(r["id"]): place_label(r) for _, r in places.iterrows()}
    targets = {int(r["id"]): place_label(r) for _, r in known.iterrows()}
    with st.form("data_merge_form"):
        source = st.selectbox(
            "Unverified place", list(sources), format_func=sources.get, key="data_merge_source"
        )
        target = st.selectbox(
            "is the known place", list(targets), format_func=targets.get, key="data_merge_target",
            index=None, placeholder="type to search the gazetteer",
        )  # fmt: skip
        submitted = st.form_submit_button("Merge")
    if submitted:
        if target is None:
            st.warning("Choose the known place first.")
            return
        from db.curation import CurationError

        try:
            moved = data.merge_place(int(source), int(target))
        except CurationError as exc:
            st.error(f"Not merged: {inert(exc)}")
            return
        st.success(f"Merged {inert(sources[source])} into {inert(targets[target])}: {moved} fact(s) moved.")


def show_merged_places() -> None:
    """Undo a merge: its facts, child places and alias go back (db.curation.unmerge_place)."""
    merged = data.merged_places()
    if merged.empty or not may("merge"):
        return
    st.subheader("Merged places")
    st.caption(
        "A merge can be undone: the facts it moved go back, and so do facts imported since that name "
        "the merged place. Verified (gazetteer) places are merged and unmerged by admins only."
    )
    # Selectbox options are plain text (no Markdown): names go in as they are.
    labels = {
        int(r["id"]): f"{r['name']} (id {r['id']}{', verified' if r['verified'] else ''}) → {r['into']}"
        for _, r in merged.iterrows()
    }
    with st.form("data_unmerge_form"):
        source = st.selectbox("Merged place", list(labels), format_func=labels.get, key="data_unmerge_source")
        submitted = st.form_submit_button("Undo merge")
    if submitted and source is not None:
        from db.auth import PermissionDenied
        from db.curation import CurationError

        try:
            done = data.unmerge_place(int(source))
        except (CurationError, PermissionDenied) as exc:
            st.error(f"Not unmerged: {inert(exc)}")
            return
        st.success(inert(done))


def show_templates() -> None:
    st.subheader("Table templates")
    st.caption("Start a file from a template: the header row names the columns Access Monitor reads.")
    for kind, layout in layouts().items():
        with st.expander(f"{kind.value.replace('_', ' ')}: {layout.description}"):
            left, right = st.columns(2)
            left.download_button(
                "Template (CSV)", layout.template_csv(), file_name=f"{kind.value}_template.csv",
                mime="text/csv", key=f"data_template_{kind.value}",
            )  # fmt: skip
            right.download_button(
                "Column guide (CSV)", columns_csv(layout), file_name=f"{kind.value}_columns.csv",
                mime="text/csv", key=f"data_columns_{kind.value}",
            )  # fmt: skip
            guide = pd.read_csv(io.StringIO(columns_csv(layout)), dtype=str, keep_default_na=False)
            st.dataframe(safe_table(guide), hide_index=True, width="stretch")


st.title("Data")
counts = data.store_counts()
cols = st.columns(5)
cols[0].metric("Convoy rows", f"{counts.get('convoy', 0):,}")
cols[1].metric("Besieged observations", f"{counts.get('besieged_population', 0):,}")
cols[2].metric("Toll reports", f"{counts.get('civilian_toll', 0):,}")
cols[3].metric("Imports", f"{counts.get('imports', 0):,}")
cols[4].metric("Places", f"{counts.get('places', 0):,}")
show_imports()
show_unverified_places()
show_merged_places()
show_templates()
st.caption(f"Store: {inert(data.store_label())}")
