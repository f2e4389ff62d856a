"""The dashboard's only door to the store: cached wrappers around db.queries, plus CSV exports.

Every cached function is keyed by the store URL and its data version (imports, fact changes,
places, merges), so pointing the app at another store, importing a file or merging a place shows at
once; the short TTL is a safety net.
Pages call these functions and never open sessions or write SQL.

Roles: the only role-dependent data is pending (unreviewed) facts and the internal report. Every
cached function that can return pending facts has the decision in its cache key (``include_pending``
in a Selection, or a ``pending`` argument), and the public wrappers force it off for a viewer
(``pending_allowed``), so an editor's cached result is never served to a viewer. Writes take the
current actor (dashboard.session) and the db functions check its role again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace as _replace

import pandas as pd
import streamlit as st

from dashboard.cells import defuse_frame
from dashboard.session import current_actor, require_actor
from db import queries
from db.auth import Actor
from db.engine import database_url
from db.queries import Scope
from db.trends import Selection

TTL_SECONDS = 60


# (store URL, data version): what identifies the store's current content for caching.
StoreKey = tuple[str, str]


def store_key() -> StoreKey:
    url = database_url()
    return url, queries.data_version(url)


def pending_allowed() -> bool:
    """Whether the current actor may see pending (unreviewed) facts: editors and admins."""
    actor = current_actor()
    return actor is not None and actor.may("read_pending")


def _scoped(sel: Selection) -> Selection:
    """``sel`` with include_pending forced off for a viewer (and in the cache key with it)."""
    return sel if not sel.include_pending or pending_allowed() else _replace(sel, include_pending=False)


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
    return _weekly_overview(store_key(), last_week, weeks, include_pending and pending_allowed())


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


def merge_place(source_id: int, target_id: int) -> int:
    """Merge an unverified place into a known one (db.curation) as the current actor; returns the
    facts moved. Raises db.auth.PermissionDenied for a viewer."""
    from db.curation import merge_place as merge

    return merge(source_id, target_id, actor=require_actor(), url=database_url())


def store_counts() -> dict[str, int]:
    """Live facts per kind, plus 'imports' and 'places'."""
    return _store_counts(store_key())


def store_label() -> str:
    """The store's URL with any password hidden, for the page footers."""
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas (dashboard.cells)."""
    return defuse_frame(frame)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Formula-safe CSV in UTF-8 with a BOM, so Excel shows Arabic names correctly."""
    return formula_safe(frame).to_csv(index=False).encode("utf-8-sig")


# ---- review and documents ----
# Read wrappers around db.documents (cached like the rest) and the review writes (db.review).
# Imports are local so this section stays self-contained at the end of the file.


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
    from db import documents

    detail = documents.fact_detail(fact_id, key[0])
    return None if detail is not None and detail["review_status"] == "pending" and not pending else detail


def fact_detail(fact_id: int) -> dict | None:
    """Every column of one fact plus place, organisations, sources and its document's title (None
    for a pending fact when the actor is a viewer)."""
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


def review_fact(fact_id: int, action: str, reason: str | None = None) -> bool:
    """Confirm, reject or reopen one fact (db.review) as the current actor; False when it already had
    that status. Raises db.auth.PermissionDenied for a viewer."""
    from db import review

    status = {"confirm": "confirmed", "reject": "rejected", "reopen": "pending"}[action]
    return review.set_review_status(fact_id, status, actor=require_actor(), reason=reason, url=database_url())


def edit_fact(fact_id: int, changes: dict, confirm: bool = False) -> dict:
    """Save an analyst's edits (db.review.edit_fact) as the current actor; returns the fields that changed."""
    from db import review

    return review.edit_fact(fact_id, changes, actor=require_actor(), confirm=confirm, url=database_url())


# ---- map and import ----
# The Map page's figures and boundaries, and the Import page's upload (load, then store, as the CLI).

import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from db.shapes import PlaceFigures  # noqa: E402
from db.writer import ImportSummary  # noqa: E402

COUNTRIES_FILE = Path(__file__).resolve().parent / "geo" / "countries.geojson"
MAX_UPLOAD_ENV = "ACCESS_MONITOR_MAX_UPLOAD_MB"
DEFAULT_MAX_UPLOAD_MB = 50
# Imported admin polygons are drawn at about 500 m precision: plenty at the zoom a country needs.
SHAPE_TOLERANCE = 0.005


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _place_figures(key: StoreKey, metric: str, start: dt.date, end: dt.date, pending: bool) -> PlaceFigures:
    from db.shapes import place_figures as figures

    return figures(metric, start, end, Scope(include_pending=pending), key[0])


def place_figures(metric: str, start: dt.date, end: dt.date, include_pending: bool = False) -> PlaceFigures:
    """One figure per place for the Map page (db.shapes.place_figures)."""
    return _place_figures(store_key(), metric, start, end, include_pending and pending_allowed())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _boundary_levels(key: StoreKey) -> list[int]:
    from db.shapes import boundary_levels as levels

    return levels(key[0])


def boundary_levels() -> list[int]:
    """Admin levels with imported polygons (-1: level unknown)."""
    return _boundary_levels(store_key())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _admin_boundaries(key: StoreKey, level: int) -> dict[str, Any]:
    from dashboard.maps import admin_collection
    from db.shapes import boundaries

    shapes = boundaries(level, key[0])
    shapes["geometry"] = shapes["geojson"].map(json.loads)
    return admin_collection(shapes, SHAPE_TOLERANCE)


def admin_boundaries(level: int) -> dict[str, Any]:
    """The imported polygons of one admin level as a display-ready GeoJSON FeatureCollection."""
    return _admin_boundaries(store_key(), level)


@st.cache_resource(show_spinner=False)
def country_outlines() -> dict[str, Any]:
    """Natural Earth country outlines shipped in dashboard/geo (read once per process; do not modify)."""
    from dashboard.maps import with_bboxes

    return with_bboxes(json.loads(COUNTRIES_FILE.read_text(encoding="utf-8")))


def max_upload_mb() -> int:
    """The upload limit in MB: $ACCESS_MONITOR_MAX_UPLOAD_MB, default 50."""
    raw = os.environ.get(MAX_UPLOAD_ENV, "")
    return int(raw) if raw.strip().isdigit() and int(raw) > 0 else DEFAULT_MAX_UPLOAD_MB


# Extensions each loader format reads; a format added later that is not listed here makes the
# uploader accept any file (the registry still refuses what no loader claims).
_EXTENSIONS = {
    "table-csv": ["csv", "tsv", "txt"], "table-xlsx": ["xlsx", "xlsm"], "hxl": ["csv", "xlsx"],
    "acled": ["csv", "xlsx"], "awsd": ["csv", "xlsx"], "insecurity-insight-kika": ["json", "csv", "xlsx"],
    "daily-casualties-json": ["json"], "cod-pcodes": ["csv", "xlsx"], "cod-geojson": ["geojson", "json"],
}  # fmt: skip
_REPORT_EXTENSIONS = ["txt", "md", "html", "htm", "pdf", "docx"]


def upload_types() -> list[str] | None:
    """File extensions the Import page accepts, from the loader formats registered now."""
    from loaders.registry import Format

    types: set[str] = set()
    for fmt in Format:
        if fmt.value in _EXTENSIONS:
            types.update(_EXTENSIONS[fmt.value])
        elif "report" in fmt.value or "text" in fmt.value:
            types.update(_REPORT_EXTENSIONS)
        else:
            return None
    return sorted(types)


def reports_accepted() -> bool:
    """True once a report (prose) loader is registered: the Import page then asks for a publication date."""
    from loaders.registry import Format

    return any("report" in fmt.value or "text" in fmt.value for fmt in Format)


# (stage, done, total); stage is "reading" (the loader) or "storing" (the writer).
ImportProgress = Callable[[str, int, int], None]


@dataclass(slots=True)
class UploadOutcome:
    """One uploaded file: its summary, or why it was refused (nothing stored then)."""

    file: str
    summary: ImportSummary | None = None
    refused: str | None = None

    def rejects(self) -> pd.DataFrame:
        """The rejected rows: file, row, column, reason, value (for the CSV download)."""
        issues = self.summary.issues if self.summary else []
        rows = [
            {"file": i.file, "row": i.row, "column": i.column, "reason": i.reason, "value": i.value}
            for i in issues
            if i.severity == "rejected"
        ]
        return pd.DataFrame(rows, columns=["file", "row", "column", "reason", "value"])


def import_upload(
    name: str, data: bytes, options: dict[str, Any], actor: Actor, progress: ImportProgress | None = None
) -> UploadOutcome:
    """Load and store one uploaded file the way ``cli ingest`` does, as ``actor`` (checked first:
    db.auth.PermissionDenied for a viewer). The bytes are saved under their original name (the
    loader records it with the import) in a temporary folder deleted afterwards. ``options``:
    date_order, encoding, published (reports), retract_missing (ACLED); empty values are left out.
    Refuses files over ``max_upload_mb()`` before parsing them."""
    from db.auth import require
    from db.writer import write_import
    from loaders.records import LoadError
    from loaders.registry import load_file

    require(actor, "import")

    file = Path(name.replace("\\", "/")).name or "upload"
    limit = max_upload_mb()
    if len(data) > limit * 1024 * 1024:
        return UploadOutcome(
            file, refused=f"{file}: {len(data) / 1e6:.1f} MB is over the {limit} MB upload limit. Import it "
            f"with `python -m cli ingest {file}`, or ask an administrator to raise {MAX_UPLOAD_ENV}.",
        )  # fmt: skip
    chosen = {k: v for k, v in options.items() if v not in (None, "", False)}
    retract = bool(chosen.pop("retract_missing", False))

    def stage(step: str) -> Callable[[int, int], None] | None:
        return (lambda done, total: progress(step, done, total)) if progress else None

    with tempfile.TemporaryDirectory(prefix="access-monitor-upload-") as folder:
        path = Path(folder) / file
        path.write_bytes(data)
        try:
            result = load_file(path, progress=stage("reading"), **chosen)
        except LoadError as exc:
            return UploadOutcome(file, refused=str(exc))
        summary = write_import(
            result, actor=actor, url=database_url(), retract_missing=retract, progress=stage("storing")
        )
    return UploadOutcome(file, summary=summary)


# ---- trends ----
# The analytics pages (Convoys, Besieged populations, Civilian tolls), the Overview under the global
# filters, and its alerts: cached wrappers around db.trends, and the panel every chart is shown in
# (the chart, how many sources are behind it, its data as CSV).

from db import tolls as _tolls  # noqa: E402
from db import trends as _trends  # noqa: E402
from db.rules import provenance_summary as _provenance  # noqa: E402


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _filter_places(key: StoreKey) -> pd.DataFrame:
    return _trends.filter_places(key[0])


def filter_places() -> list[dict]:
    """The sidebar's places: id, name, parent_id, facts, inside (see db.trends.filter_places)."""
    return _filter_places(store_key()).to_dict("records")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _filter_organisations(key: StoreKey) -> pd.DataFrame:
    return _trends.filter_organisations(key[0])


def filter_organisations() -> list[dict]:
    """The sidebar's organisations: id, name, roles, facts."""
    return _filter_organisations(store_key()).to_dict("records")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _convoy_facts(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.convoy_facts(sel, key[0])


def convoy_facts(sel: Selection) -> pd.DataFrame:
    """Final convoys in the window with their provenance (db.trends.convoy_facts)."""
    return _convoy_facts(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _weekly_convoys(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.weekly_convoys(sel, key[0], rows=_convoy_facts(key, sel))


def weekly_convoys(sel: Selection) -> pd.DataFrame:
    """Convoys per week by final outcome, trucks, people served, delivered share."""
    return _weekly_convoys(store_key(), _scoped(sel))


def top_destinations(sel: Selection, limit: int = 10) -> pd.DataFrame:
    """The places most convoys went to (from the cached convoy rows)."""
    key, sel = store_key(), _scoped(sel)
    return _trends.top_destinations(sel, limit, key[0], rows=_convoy_facts(key, sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _fact_provenance(key: StoreKey, fact_id: int) -> dict:
    return _trends.fact_provenance(fact_id, key[0])


def fact_provenance(fact_id: int) -> dict:
    """Where one fact came from: file and row, or report and evidence (db.trends.fact_provenance)."""
    return _fact_provenance(store_key(), fact_id)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _besieged_observations(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.besieged_observations(sel, key[0])


def besieged_observations(sel: Selection) -> pd.DataFrame:
    """Besieged-population rows up to the window's end (db.trends.besieged_observations)."""
    return _besieged_observations(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _besieged_by_week(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.besieged_by_week(sel, key[0], obs=_besieged_observations(key, sel))


def besieged_by_week(sel: Selection) -> pd.DataFrame:
    """Each place's carried-forward figure at the end of every week (db.trends.besieged_by_week)."""
    return _besieged_by_week(store_key(), _scoped(sel))


def besieged_table(sel: Selection) -> pd.DataFrame:
    """Places under siege at the window's end (db.trends.besieged_table)."""
    key, sel = store_key(), _scoped(sel)
    return _trends.besieged_table(sel, key[0], obs=_besieged_observations(key, sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _toll_rows(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.toll_rows(sel, key[0])


def toll_rows(sel: Selection) -> pd.DataFrame:
    """Toll reports behind the window (db.trends.toll_rows): every row, for tables and exports."""
    return _toll_rows(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _toll_reports(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _tolls.report_counts(sel, key[0])


def toll_note(sel: Selection) -> str:
    """'From N toll reports by K sources (names), in M files or reports.' for the toll charts:
    the reports overlapping the window (db.tolls.report_counts)."""
    return _note(_tolls.report_summary(_toll_reports(store_key(), _scoped(sel))), "toll report")


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _toll_trends(key: StoreKey, sel: Selection) -> dict[str, pd.DataFrame]:
    return _trends.toll_trends(sel, key[0])


def toll_trends(sel: Selection) -> dict[str, pd.DataFrame]:
    """'band', 'by_source' and 'compare' frames of db.trends.toll_trends."""
    return _toll_trends(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _trend_overview(key: StoreKey, sel: Selection) -> pd.DataFrame:
    fetched = {"convoys": _convoy_facts(key, sel), "obs": _besieged_observations(key, sel)}
    return _trends.weekly_overview(sel, key[0], **fetched)


def trend_overview(sel: Selection) -> pd.DataFrame:
    """The Overview's weekly figures under the global filters (db.trends.weekly_overview)."""
    return _trend_overview(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _alerts(key: StoreKey, week: dt.date, sel: Selection) -> pd.DataFrame:
    return _trends.alerts(
        week, sel, key[0], weekly=_trend_overview(key, sel), obs=_besieged_observations(key, sel)
    )


def alerts(week: dt.date, sel: Selection) -> pd.DataFrame:
    """The Overview's alerts for one week: alert, place, date, message (db.trends.alerts)."""
    return _alerts(store_key(), week, _scoped(sel))


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def sources_note(rows: pd.DataFrame, facts: str, by_source: bool = True) -> str:
    """How many sources are behind a chart, for rows with columns id, import_id, source:
    'From 3 toll reports by 2 sources (SAMS, SOHR), in 1 file or report.' With ``by_source``
    False (convoys, whose source is the file or report): 'From 6 convoys in 1 file or report
    (convoys.csv).' ``facts``: the singular noun ('toll report')."""
    return _note(_provenance(rows), facts, by_source)


def _note(summary: dict[str, object], facts: str, by_source: bool = True) -> str:
    names: list[str] = summary["sources"]  # type: ignore[assignment]
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    listed = f" ({shown})" if names else ""
    n, imports = int(summary["facts"]), int(summary["imports"])  # type: ignore[call-overload]
    if not by_source:
        return f"From {_count(n, facts)} in {_plural_files(imports)}{listed}."
    return f"From {_count(n, facts)} by {_count(len(names), 'source')}{listed}, in {_plural_files(imports)}."


def _plural_files(n: int) -> str:
    return f"{n:,} file or report" if n == 1 else f"{n:,} files or reports"


def chart_csv(frame: pd.DataFrame) -> bytes:
    """A chart's data as formula-safe CSV; weeks written as '2018-W10 (5–11 Mar 2018)'."""
    from dashboard.filters import week_label

    out = frame.copy()
    if "week" in out:
        out["week"] = out["week"].map(week_label)
    return csv_bytes(out)


def show_chart(figure: object, frame: pd.DataFrame, key: str, note: str, container: object = None) -> None:
    """A chart, the sentence saying how many sources are behind it, and its data as CSV (keys
    ``{key}_chart`` and ``{key}_csv``). ``container``: a column to draw in (default: the page)."""
    where = container or st
    where.plotly_chart(figure, width="stretch", config={"displaylogo": False}, key=f"{key}_chart")  # type: ignore[attr-defined]
    where.caption(note)  # type: ignore[attr-defined]
    where.download_button(  # type: ignore[attr-defined]
        "Download the data (CSV)", chart_csv(frame), file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv"
    )


# ---- accounts and the audit log (the Audit and users page; admins only, checked in db.auth) ----
# Not cached: an admin expects to see a change the moment it is made.


def audit_events(
    user: str | None = None,
    action: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> pd.DataFrame:
    """Audit lines, newest first: id, at, user, action, target, details (db.auth.audit_events)."""
    from db import auth

    return auth.audit_events(
        require_actor(), user=user, action=action, start=start, end=end, url=database_url()
    )


def users() -> pd.DataFrame:
    """Every account: name, role, disabled, created_at, last_login."""
    from db import auth

    return auth.list_users(require_actor(), database_url())


def add_user(name: str, password: str, role: str) -> None:
    from db import auth

    auth.add_user(name, password, role, actor=require_actor(), url=database_url())


def set_role(name: str, role: str) -> bool:
    from db import auth

    return auth.set_role(name, role, actor=require_actor(), url=database_url())


def disable_user(name: str) -> bool:
    from db import auth

    return auth.disable_user(name, actor=require_actor(), url=database_url())
