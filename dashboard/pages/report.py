"""Weekly report: choose a week, a place and the variant, preview the report, download each format."""

from __future__ import annotations

import datetime as dt

import streamlit as st
import streamlit.components.v1 as components

from dashboard import data
from dashboard.filters import place_label, week_label, week_options
from dashboard.inert import inert
from dashboard.report.files import FORMATS, MIME, file_name, record_export, render
from dashboard.report.model import (
    DEFAULT_THRESHOLD,
    VARIANTS,
    ReportError,
    ReportOptions,
    WeeklyReport,
    build_report,
    min_threshold,
)
from dashboard.session import require_actor
from db.auth import Actor, report_action
from loaders.normalise.dates import week_start

LABELS = {"pdf": "PDF", "xlsx": "Excel (XLSX)", "html": "HTML (opens offline)", "csv": "CSV tables (zip)",
          "hxl": "HXL for HDX (zip)"}  # fmt: skip
VARIANT_HELP = ("Public: confirmed facts only, coordinates of the admin-2 area, counts of people below the "
                "threshold shown as '<5'. Internal: everything, pending facts included and marked.")  # fmt: skip


# The actor is part of both cache keys: build_report checks its role for the variant, and a report
# cached for an editor is never served to a viewer.
@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False)
def _report(key: data.StoreKey, options: ReportOptions, actor: Actor) -> WeeklyReport:
    return build_report(options, key[0], actor=actor)


@st.cache_data(ttl=data.TTL_SECONDS, show_spinner=False, max_entries=20)
def _file(key: data.StoreKey, options: ReportOptions, fmt: str, actor: Actor) -> bytes:
    return render(_report(key, options, actor), fmt)


def _downloaded(report: WeeklyReport, fmt: str, actor: Actor, url: str) -> None:
    """Download callback: the export's audit line (db.auth checks the role again)."""
    record_export(report, fmt, actor=actor, url=url)


st.title("Weekly report")
actor = require_actor()
span = data.data_range()
if span is None:
    st.info("The store holds no facts yet: load data first (`python -m cli demo` loads the demo dataset).")
    st.stop()

weeks = week_options(*span)
active = data.latest_activity()
default = weeks.index(week_start(active)) if active and week_start(active) in weeks else 0
places = {int(p["id"]): p for p in data.filter_places()}
left, middle, right = st.columns([2, 2, 1])
week: dt.date = left.selectbox("ISO week", weeks, index=default, format_func=week_label, key="report_week")
place = middle.selectbox(
    "Place", list(places), format_func=lambda i: place_label(places[i]), index=None, placeholder="every place",
    key="report_place", help="A place includes every place inside it.",
)  # fmt: skip
allowed = [v for v in VARIANTS if actor.may(report_action(v))]
variant = right.radio("Variant", allowed, horizontal=True, key="report_variant", help=VARIANT_HELP)
if len(allowed) < len(VARIANTS):
    right.caption("The internal variant needs the editor role.")
with st.expander("Title, label and suppression"):
    title = st.text_input("Title", key="report_title", placeholder="Access Monitor weekly report – WEEK")
    classification = st.text_input("Classification label", key="report_classification",
                                   placeholder="PUBLIC or INTERNAL – not for distribution")  # fmt: skip
    # build_report refuses a lower one too: the widget only saves a viewer the round trip.
    lowest = min_threshold(actor)
    threshold = st.number_input("Suppress counts of people below (public)", min_value=lowest, max_value=100,
                                value=max(DEFAULT_THRESHOLD, lowest), key="report_threshold",
                                help=None if lowest == 1 else f"{lowest} at least for a {actor.role}.")  # fmt: skip

options = ReportOptions(
    week, place, places[place]["name"] if place is not None else None, variant, int(threshold),
    title.strip() or None, classification.strip() or None,
)  # fmt: skip
key = data.store_key()
try:
    with st.spinner("Assembling the report…"):
        report = _report(key, options, actor)
except ReportError as exc:
    st.error(f"Report not made: {inert(exc)}")
    st.stop()
st.caption(inert(report.scope))  # names the place: stored text
if not report.has_data:
    st.info(f"No convoy, besieged-population or toll fact is dated in {week_label(week)}: the report shows "
            "what carries through it (besieged figures) and '–' (no report) for convoys and tolls.")  # fmt: skip

st.subheader("Download")
columns = st.columns(len(FORMATS))
for column, fmt in zip(columns, FORMATS, strict=True):
    if fmt == "pdf" and not st.session_state.get(f"report_pdf_ready_{hash(options)}"):
        if column.button(
            "Build PDF", key="report_build_pdf", help="Draws the charts in a browser: a few seconds."
        ):
            st.session_state[f"report_pdf_ready_{hash(options)}"] = True
            st.rerun()
        continue
    with st.spinner(f"Building {LABELS[fmt]}…"):
        payload = _file(key, options, fmt, actor)
    column.download_button(
        LABELS[fmt], payload, file_name=file_name(report, fmt), mime=MIME[fmt], key=f"report_download_{fmt}",
        on_click=_downloaded, args=(report, fmt, actor, key[0]),
    )  # fmt: skip

st.subheader("Preview")
components.html(_file(key, options, "html", actor).decode("utf-8"), height=900, scrolling=True)
