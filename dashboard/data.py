"""The dashboard's only door to the store: cached wrappers around db.queries, plus CSV exports.

Every cached function is keyed by the store URL and its data version (imports, fact changes,
places, merges), so pointing the app at another store, importing a file or merging a place shows at
once; the short TTL is a safety net.
Pages call these functions and never open sessions or write SQL.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from db import queries
from db.engine import database_url
from db.queries import Scope

TTL_SECONDS = 60
# Spreadsheet programs run cells that start with these as formulas ("CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# (store URL, data version): what identifies the store's current content for caching.
StoreKey = tuple[str, str]


def store_key() -> StoreKey:
    url = database_url()
    return url, queries.data_version(url)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _data_range(key: StoreKey) -> tuple[dt.date, dt.date] | None:
    return queries.data_range(key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _weekly_overview(key: StoreKey, last_week: dt.date, weeks: int, include_pending: bool) -> pd.DataFrame:
    return queries.weekly_overview(last_week, weeks, Scope(include_pending=include_pending), key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _imports(key: StoreKey) -> pd.DataFrame:
    return queries.imports(key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _import_issues(key: StoreKey, import_id: int) -> pd.DataFrame:
    return queries.import_issues(import_id, key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _unverified_places(key: StoreKey) -> pd.DataFrame:
    return queries.unverified_places(key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _store_counts(key: StoreKey) -> dict[str, int]:
    return queries.store_counts(key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _latest_activity(key: StoreKey) -> dt.date | None:
    return queries.latest_activity(key[0])


def latest_activity() -> dt.date | None:
    """The last date with a convoy or toll: the Overview's default week."""
    return _latest_activity(store_key())


def data_range() -> tuple[dt.date, dt.date] | None:
    """First and last fact date in the store, or None when it holds no facts."""
    return _data_range(store_key())


def weekly_overview(last_week: dt.date, weeks: int = 12, include_pending: bool = False) -> pd.DataFrame:
    """One row per ISO week ending with ``last_week``; columns as db.queries.weekly_overview."""
    return _weekly_overview(store_key(), last_week, weeks, include_pending)


def imports() -> pd.DataFrame:
    """Every import, newest first, with its counts (see db.queries.imports)."""
    return _imports(store_key())


def import_issues(import_id: int) -> pd.DataFrame:
    """Rejects, skips and warnings of one import: row, column, severity, reason, value."""
    return _import_issues(store_key(), import_id)


def unverified_places() -> pd.DataFrame:
    """Places added from rows, waiting to be merged into a known place."""
    return _unverified_places(store_key())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _known_places(key: StoreKey) -> pd.DataFrame:
    return queries.known_places(key[0])


def known_places() -> pd.DataFrame:
    """Verified places to merge into: id, name, admin_level, parent, country."""
    return _known_places(store_key())


def merge_place(source_id: int, target_id: int, user: str) -> int:
    """Merge an unverified place into a known one (db.curation); returns the facts moved."""
    from db.curation import merge_place as merge

    return merge(source_id, target_id, user=user, url=database_url())


def store_counts() -> dict[str, int]:
    """Live facts per kind, plus 'imports' and 'places'."""
    return _store_counts(store_key())


def store_label() -> str:
    """The store's URL with any password hidden, for the page footers."""
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas: a leading = + - @ tab or CR gets a '."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(
                lambda v: "'" + v if isinstance(v, str) and v.startswith(_FORMULA_START) else v
            )
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Formula-safe CSV in UTF-8 with a BOM, so Excel shows Arabic names correctly."""
    return formula_safe(frame).to_csv(index=False).encode("utf-8-sig")


# ---- review and documents ----
# Read wrappers around db.documents (cached like the rest) and the review writes (db.review).
# Imports are local so this section stays self-contained at the end of the file.


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _pending_facts(key: StoreKey, kind: str | None, import_id: int | None) -> pd.DataFrame:
    from db import documents

    return documents.pending_facts(kind, import_id, key[0])


def pending_facts(kind: str | None = None, import_id: int | None = None) -> pd.DataFrame:
    """Pending facts to review, newest document first (columns as db.documents.pending_facts)."""
    return _pending_facts(store_key(), kind, import_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _fact_detail(key: StoreKey, fact_id: int) -> dict | None:
    from db import documents

    return documents.fact_detail(fact_id, key[0])


def fact_detail(fact_id: int) -> dict | None:
    """Every column of one fact plus place, organisations, sources and its document's title."""
    return _fact_detail(store_key(), fact_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _fact_history(key: StoreKey, fact_id: int) -> pd.DataFrame:
    from db import documents

    return documents.fact_history(fact_id, key[0])


def fact_history(fact_id: int) -> pd.DataFrame:
    """A fact's changes, one row per changed field: changed_at, changed_by, action, field, before, after."""
    return _fact_history(store_key(), fact_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _imports_with_counts(key: StoreKey) -> pd.DataFrame:
    from db import documents

    return documents.imports_with_counts(key[0])


def imports_with_counts() -> pd.DataFrame:
    """Every import with publisher, published date and its facts counted by review status."""
    return _imports_with_counts(store_key())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _document(key: StoreKey, import_id: int) -> dict | None:
    from db import documents

    return documents.document(import_id, key[0])


def document(import_id: int) -> dict | None:
    """A report's stored text and metadata; None for a table import."""
    return _document(store_key(), import_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _document_facts(key: StoreKey, import_id: int) -> pd.DataFrame:
    from db import documents

    return documents.document_facts(import_id, key[0])


def document_facts(import_id: int) -> pd.DataFrame:
    """Every fact of one import in text order, with review status, span and a figures summary."""
    return _document_facts(store_key(), import_id)


def review_fact(fact_id: int, action: str, user: str, reason: str | None = None) -> bool:
    """Confirm, reject or reopen one fact (db.review); False when it already had that status."""
    from db import review

    status = {"confirm": "confirmed", "reject": "rejected", "reopen": "pending"}[action]
    return review.set_review_status(fact_id, status, user=user, reason=reason, url=database_url())


def edit_fact(fact_id: int, changes: dict, user: str, confirm: bool = False) -> dict:
    """Save an analyst's edits (db.review.edit_fact); returns the fields that changed."""
    from db import review

    return review.edit_fact(fact_id, changes, user=user, confirm=confirm, url=database_url())
