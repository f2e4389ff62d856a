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
from dashboard.inert import inert
from dashboard.session import current_actor, require_actor
from db import queries
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


def merged_places() -> pd.DataFrame:
    """Places merged into another one, for undoing: id, name, verified, into_id, into."""
    from db.curation import merged_places as merged

    return merged(database_url())


def unmerge_place(source_id: int) -> str:
    """Undo a place merge (db.curation) as the current actor; returns what was put back, in words.
    Raises db.auth.PermissionDenied for a viewer, or an editor undoing a verified place's merge."""
    from db.curation import unmerge_place as unmerge

    return unmerge(source_id, actor=require_actor(), url=database_url()).describe()


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


# ---- trends ----
# The analytics pages (Convoys, Besieged populations, Civilian tolls), the Overview under the global
# filters, and its alerts: cached wrappers around db.trends, and the panel every chart is shown in
# (the chart, how many sources are behind it, its data as CSV).

from db import convoys as _convoys  # noqa: E402
from db import sieges as _sieges  # noqa: E402
from db import tolls as _tolls  # noqa: E402
from db import trends as _trends  # noqa: E402
from db.rules import provenance_summary as _provenance  # noqa: E402
from db.sieges import Ages  # noqa: E402


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
    """Convoys per week by final outcome, trucks and people planned and reached, delivered share."""
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
def _besieged_by_week(key: StoreKey, sel: Selection, limits: Ages) -> pd.DataFrame:
    return _trends.besieged_by_week(sel, key[0], obs=_besieged_observations(key, sel), limits=limits)


def besieged_by_week(sel: Selection) -> pd.DataFrame:
    """Each place's carried-forward figure at the end of every week (db.trends.besieged_by_week)."""
    return _besieged_by_week(store_key(), _scoped(sel), siege_ages())


def besieged_table(sel: Selection) -> pd.DataFrame:
    """The figures standing at the window's end, expired ones listed (db.trends.besieged_table)."""
    key, sel = store_key(), _scoped(sel)
    return _trends.besieged_table(sel, key[0], obs=_besieged_observations(key, sel), limits=siege_ages())


def siege_ages() -> Ages:
    """The stale and expiry ages in force (db.sieges.ages: read from the environment there)."""
    return _sieges.ages()


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _toll_rows(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _trends.toll_rows(sel, key[0])


def toll_rows(sel: Selection) -> pd.DataFrame:
    """Toll reports behind the window (db.trends.toll_rows): every row, for tables and exports."""
    return _toll_rows(store_key(), _scoped(sel))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _toll_reports(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _tolls.report_counts(sel, key[0])


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _convoy_counts(key: StoreKey, sel: Selection) -> pd.DataFrame:
    return _convoys.convoy_counts(sel, key[0])


def convoy_note(sel: Selection) -> str:
    """'From N convoys in M files or reports (names).' for the convoy charts, from the window's
    convoy counts (db.convoys.convoy_counts) rather than every convoy's row."""
    return _note(
        _convoys.convoy_summary(_convoy_counts(store_key(), _scoped(sel))), "convoy", by_source=False
    )


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
def _trend_overview(key: StoreKey, sel: Selection, limits: Ages) -> pd.DataFrame:
    fetched = {"counts": _convoy_counts(key, sel), "obs": _besieged_observations(key, sel)}
    return _trends.weekly_overview(sel, key[0], **fetched, limits=limits)


def trend_overview(sel: Selection) -> pd.DataFrame:
    """The Overview's weekly figures under the global filters (db.trends.weekly_overview)."""
    return _trend_overview(store_key(), _scoped(sel), siege_ages())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _alerts(key: StoreKey, week: dt.date, sel: Selection) -> pd.DataFrame:
    return _trends.alerts(
        week,
        sel,
        key[0],
        weekly=_trend_overview(key, sel, siege_ages()),
        obs=_besieged_observations(key, sel),
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
    where.caption(inert(note))  # type: ignore[attr-defined]  # names sources and files: stored text
    where.download_button(  # type: ignore[attr-defined]
        "Download the data (CSV)", chart_csv(frame), file_name=f"{key}.csv", mime="text/csv", key=f"{key}_csv"
    )
