"""The top of every analytics page: title, the empty-store message, the shared sidebar filters,
the sentence saying what is shown, the pending warning and the counting rules. One place, so the
pages stay a description of their own charts."""

from __future__ import annotations

import streamlit as st

from dashboard import data
from dashboard.filters import Filters, sidebar_filters
from dashboard.inert import inert


def filtered_page(title: str, empty: str, rules_title: str, rules: str) -> Filters:
    """Draw the page header and return the sidebar's Filters; stops the page on an empty store."""
    st.title(title)
    span = data.data_range()
    if span is None:
        st.info(f"**The store holds no facts yet.** {empty}")
        st.stop()
    filters = sidebar_filters(
        span,
        data.latest_activity(),
        data.filter_places(),
        data.filter_organisations(),
        data.pending_allowed(),
    )
    st.caption(inert(filters.describe()))  # names place and organisation: stored text
    if filters.include_pending:
        st.warning("Includes pending (unreviewed) facts: figures may change after review.")
    with st.expander(rules_title):
        st.markdown(rules)
    return filters
