"""Review and documents for the dashboard: cached reads of db.documents (keyed like every
dashboard.data wrapper, with the pending decision in the key) and the review writes (db.review) as
the current actor. Pages call these and never write SQL."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.data import TTL_SECONDS, StoreKey, pending_allowed, store_key
from dashboard.session import require_actor
from db.engine import database_url


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _pending_facts(key: StoreKey, kind: str | None, import_id: int | None, pending: bool) -> pd.DataFrame:
    from db import documents

    facts = documents.pending_facts(kind, import_id, key[0])
    return facts if pending else facts.iloc[0:0]


def pending_facts(kind: str | None = None, import_id: int | None = None) -> pd.DataFrame:
    """Pending facts to review, newest document first (columns as db.documents.pending_facts); none
    for a viewer."""
    return _pending_facts(store_key(), kind, import_id, pending_allowed())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _fact_detail(key: StoreKey, fact_id: int, pending: bool) -> dict | None:
    from db import documents, review

    # The version first: a change landing between the two reads makes the form look older than its
    # values, which can only refuse a save (ask for a reload), never let a stale one through.
    version = review.fact_version(fact_id, key[0])
    detail = documents.fact_detail(fact_id, key[0])
    if detail is None or (detail["review_status"] == "pending" and not pending):
        return None
    return detail | {"version": version}


def fact_detail(fact_id: int) -> dict | None:
    """Every column of one fact plus place, organisations, sources, its document's title and
    ``version`` (db.review.fact_version, for the save); None for a pending fact when the actor is a
    viewer."""
    return _fact_detail(store_key(), fact_id, pending_allowed())


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
def _document_facts(key: StoreKey, import_id: int, pending: bool) -> pd.DataFrame:
    from db import documents

    facts = documents.document_facts(import_id, key[0])
    return facts if pending else facts[facts["review_status"] != "pending"].reset_index(drop=True)


def document_facts(import_id: int) -> pd.DataFrame:
    """Every fact of one import in text order, with review status, span and a figures summary
    (pending facts left out for a viewer)."""
    return _document_facts(store_key(), import_id, pending_allowed())


def review_fact(fact_id: int, action: str, reason: str | None = None, version: int | None = None) -> bool:
    """Confirm, reject or reopen one fact (db.review) as the current actor; False when it already had
    that status. With ``version`` (as fact_detail gave it) a fact changed since is refused
    (db.review.ReviewConflict). Raises db.auth.PermissionDenied for a viewer."""
    from db import review

    status = {"confirm": "confirmed", "reject": "rejected", "reopen": "pending"}[action]
    return review.set_review_status(
        fact_id, status, actor=require_actor(), reason=reason, version=version, url=database_url()
    )


def edit_fact(
    fact_id: int,
    changes: dict,
    confirm: bool = False,
    expected: dict | None = None,
    version: int | None = None,
) -> dict:
    """Save an analyst's edits (db.review.edit_fact) as the current actor; returns the fields that
    changed. ``expected``: what the form showed for each changed field; ``version``: fact_detail's."""
    from db import review

    return review.edit_fact(
        fact_id, changes, actor=require_actor(), confirm=confirm, expected=expected, version=version,
        url=database_url(),
    )  # fmt: skip
