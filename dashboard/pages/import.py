"""Import: upload a file in the browser, watch it load and store, then see what happened to each row."""

from __future__ import annotations

import datetime as dt

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from dashboard import data, uploads
from dashboard.cells import safe_table
from dashboard.inert import inert
from dashboard.session import require_actor
from dashboard.uploads import UploadOutcome
from db.auth import Actor

DATE_ORDERS = {"": "detect from the file", "dmy": "day first (31/12/2018)", "mdy": "month first (12/31/2018)"}
COUNTS = [
    ("rows_in", "Rows in"), ("added", "Added"), ("updated", "Updated"), ("duplicate", "Duplicate"),
    ("skipped", "Skipped"), ("rejected", "Rejected"), ("places_added", "New places"),
]  # fmt: skip


def options_form() -> dict[str, object]:
    """The optional loader and writer options; empty ones are left to detection."""
    with st.expander("Options (usually not needed)"):
        date_order = st.radio(
            "Date order of slash dates", list(DATE_ORDERS), format_func=lambda o: DATE_ORDERS[o], key="import_date_order",
            help="Only for files whose dates could be read either way (03/04/2018).",
        )  # fmt: skip
        encoding = st.text_input(
            "Text encoding", key="import_encoding", placeholder="detect (e.g. cp1256 for old Arabic files)"
        )
        published = None
        if uploads.reports_accepted():
            published = st.date_input(
                "Publication date (reports)", value=None, key="import_published", format="YYYY-MM-DD",
                help="Dates such as 'on Tuesday' or '12 March' are read relative to it.",
            )  # fmt: skip
        retract = st.checkbox(
            "Retract events missing from this export (ACLED)", key="import_retract",
            help="For a re-export of the same ACLED query: events of its countries and dates that are no "
            "longer in the file are marked retracted (kept, with history, but no longer counted).",
        )  # fmt: skip
    options: dict[str, object] = {
        "date_order": date_order,
        "encoding": encoding.strip(),
        "retract_missing": retract,
    }
    if isinstance(published, dt.date):
        options["published"] = published
    return options


def show_outcome(outcome: UploadOutcome) -> None:
    if outcome.refused:
        st.error(f"Not imported; nothing was stored. {inert(outcome.refused)}")  # quotes the file
        return
    summary = outcome.summary
    assert summary is not None
    if summary.status == "already imported":
        st.info(
            f"{inert(summary.file)} was already imported (import #{summary.import_id}): the same content adds nothing."
        )
    else:
        st.success(
            f"{inert(summary.file)} imported as {inert(summary.format)} (import #{summary.import_id})."
        )
    cols = st.columns(len(COUNTS))
    for col, (attr, label) in zip(cols, COUNTS, strict=True):
        col.metric(label, f"{getattr(summary, attr):,}")
    if summary.retracted:
        st.caption(f"{summary.retracted:,} earlier event(s) retracted: missing from this export.")
    rejects = outcome.rejects()
    if rejects.empty:
        st.caption("No row was rejected.")
        return
    st.warning(
        f"{len(rejects):,} row(s) rejected and not stored: fix them in your file and import it again "
        "(the rows already stored count as duplicates then)."
    )
    if len(rejects) > REJECTS_SHOWN:  # a 50 MB file can reject a million rows: the download has them all
        st.caption(
            f"The first {REJECTS_SHOWN:,} of {len(rejects):,} rejected rows; the download holds them all."
        )
    st.dataframe(safe_table(rejects.head(REJECTS_SHOWN)), hide_index=True, width="stretch")
    st.download_button(
        "Download the rejected rows (CSV)", data.csv_bytes(rejects), file_name=f"{summary.file}-rejected.csv",
        mime="text/csv", key="import_rejects_download", on_click="ignore",
    )  # fmt: skip


REJECTS_SHOWN = 1_000


def run_import(upload: UploadedFile, options: dict[str, object], actor: Actor) -> UploadOutcome:
    bar = st.progress(0.0, text=f"Reading {upload.name} …")

    def progress(stage: str, done: int, total: int) -> None:
        # Reading fills the first half of the bar, storing the second.
        share = done / total if total else 0.0
        value = 0.5 * share if stage == "reading" else 0.5 + 0.5 * share
        bar.progress(min(value, 1.0), text=f"{stage.capitalize()} {upload.name}: {done:,} of {total:,} rows")

    try:
        outcome = uploads.import_upload(upload.name, upload.getvalue(), options, actor, progress)
    finally:
        bar.empty()
    return outcome


st.title("Import")
actor = require_actor()
if not actor.may("import"):
    st.info(f"Importing files needs the editor role; {inert(actor.name)} is a {actor.role}. Ask an admin.")
    st.stop()
limit = uploads.max_upload_mb()

st.caption(
    "Upload a convoy, besieged-population or toll table (CSV or XLSX; templates on the Data page), an HXL file, "
    "an ACLED export, an AWSD or Insecurity Insight incident file, daily casualty JSON, or an OCHA COD gazetteer "
    f"(p-code table or GeoJSON){', or a report' if uploads.reports_accepted() else ''}. "
    f"Up to {limit} MB per file. The same file imported twice adds nothing. Imported as {inert(actor.name)}: "
    "recorded with the import and on every fact it stores."
)
upload = st.file_uploader(
    "File to import", type=uploads.upload_types(), key="import_file", max_upload_size=limit
)
options = options_form()
clicked = st.button("Import", type="primary", key="import_submit", disabled=upload is None)
if clicked and upload is not None:
    try:
        st.session_state["import_outcome"] = run_import(upload, options, actor)
    except Exception as exc:  # a loader or writer bug: nothing was stored (one transaction)
        st.session_state.pop("import_outcome", None)
        st.error(
            f"The import failed and nothing was stored: {inert(exc)}. Please report this file to the maintainers."
        )
outcome = st.session_state.get("import_outcome")
if isinstance(outcome, UploadOutcome):
    show_outcome(outcome)
st.caption(f"Store: {inert(data.store_label())}")
