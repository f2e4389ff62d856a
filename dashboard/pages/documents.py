"""Documents: every import, reports and tables. A report opens with its text, each extracted fact
highlighted in its kind's colour (dashed: pending, solid: confirmed), and the list of its facts."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard import data, review_data
from dashboard.cells import safe_table
from dashboard.highlight import KIND_LABELS, highlight_html, legend_html, spans_from_records
from dashboard.inert import inert

IMPORT_COLUMNS = {
    "import_id": "import", "file_name": "file", "title": "title", "publisher": "publisher",
    "published": "published", "format": "format", "imported_at": "imported at (UTC)", "rows_in": "rows in",
    "facts": "facts", "pending": "pending", "confirmed": "confirmed", "rejected": "rejected",
}  # fmt: skip
FACT_COLUMNS = {
    "id": "fact", "kind": "kind", "review_status": "review status", "place": "place", "when": "date or period",
    "figures": "figures", "outcome": "outcome", "evidence": "evidence", "reviewed_by": "reviewed by",
}  # fmt: skip


def text_or(value: Any, fallback: str) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return fallback
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def import_label(row: pd.Series) -> str:
    what = "report" if row["has_text"] else "table"
    name = text_or(row["title"], row["file_name"])
    when = text_or(row["published"], pd.Timestamp(row["imported_at"]).strftime("imported %Y-%m-%d"))
    return f"#{row['import_id']} {name} ({what}, {when})"


def when(row: pd.Series) -> str:
    start, end = text_or(row["period_start"], ""), text_or(row["period_end"], "")
    if start and row["kind"] == "civilian_toll":
        return start if end in ("", start) else f"{start} to {end}"
    return text_or(row["date"], text_or(row["date_text"], ""))


def default_import(ids: list[int]) -> int:
    """The import named in the address (?import=12), else the newest."""
    wanted = st.query_params.get("import")
    return int(wanted) if wanted and wanted.isdigit() and int(wanted) in ids else ids[0]


def show_report(doc: dict[str, Any], row: pd.Series) -> None:
    # Title, publisher and file name come from the report: inert() keeps them plain text.
    st.subheader(inert(text_or(doc["title"], doc["file_name"])))
    st.caption(
        inert(f"{text_or(doc['publisher'], 'Publisher unknown')} · published {text_or(doc['published'], 'date unknown')} "
              f"· {doc['file_name']} ({doc['format']}, {doc['content_type']})")
    )  # fmt: skip
    cols = st.columns(4)
    for col, (label, name) in zip(
        cols,
        (("Facts", "facts"), ("Pending", "pending"), ("Confirmed", "confirmed"), ("Rejected", "rejected")),
        strict=True,
    ):
        col.metric(label, f"{int(row[name]):,}")
    facts = review_data.document_facts(int(doc["import_id"]))
    st.html(legend_html())
    with st.container(height=520):
        st.html(highlight_html(doc["text"], spans_from_records(facts.to_dict("records"))))
    st.subheader("Facts in this report")
    if facts.empty:
        st.caption("No facts were extracted from this report.")
        return
    table = facts.assign(
        kind=facts["kind"].map(lambda k: KIND_LABELS.get(k, k)),
        when=[when(r) for _, r in facts.iterrows()],
    )
    st.dataframe(
        safe_table(table[list(FACT_COLUMNS)].rename(columns=FACT_COLUMNS)), hide_index=True, width="stretch"
    )
    if int(row["pending"]):
        st.caption(f"{int(row['pending'])} fact(s) wait for review on the **Review** page.")


def show_table_import(row: pd.Series) -> None:
    st.subheader(inert(row["file_name"]))
    st.caption(
        f"A {inert(row['format'])} import by {inert(row['imported_by'])}, "
        f"{pd.Timestamp(row['imported_at']).strftime('%Y-%m-%d %H:%M')} UTC. Its rows became facts directly "
        "(confirmed on import); there is no text to highlight."
    )
    counts = (("Rows in", "rows_in"), ("Added", "added"), ("Updated", "updated"), ("Duplicate", "duplicate"),
              ("Skipped", "skipped"), ("Rejected", "rows_rejected"))  # fmt: skip
    for col, (label, name) in zip(st.columns(len(counts)), counts, strict=True):
        col.metric(label, f"{int(row[name]):,}")
    st.info(
        f"Rejected and skipped rows, with their reasons and a CSV download, are on the **Data** page "
        f"(choose import #{row['import_id']})."
    )


st.title("Documents")
imports = review_data.imports_with_counts()
if imports.empty:
    st.info(
        "No imports yet. Reports (`.txt`, `.md`, `.html`, `.pdf`, `.docx`) and tables imported with "
        "`python -m cli ingest FILE` appear here; a report opens with its extracted facts highlighted."
    )
    st.caption(f"Store: {inert(data.store_label())}")
    st.stop()

reports = int(imports["has_text"].sum())
st.caption(
    f"{len(imports)} import(s), newest first: {reports} report(s) with text, {len(imports) - reports} table(s)."
)
shown = imports.assign(published=imports["published"].map(lambda v: text_or(v, "")))
st.dataframe(
    safe_table(shown[list(IMPORT_COLUMNS)].rename(columns=IMPORT_COLUMNS)), hide_index=True, width="stretch"
)

labels = {int(r["import_id"]): import_label(r) for _, r in imports.iterrows()}
ids = list(labels)
chosen = st.selectbox(
    "Open", ids, index=ids.index(default_import(ids)), format_func=labels.get, key="documents_import"
)
row = imports.loc[imports["import_id"] == chosen].iloc[0]
doc = review_data.document(int(chosen)) if row["has_text"] else None
if doc is not None:
    show_report(doc, row)
else:
    show_table_import(row)
st.caption(f"Store: {inert(data.store_label())}")
