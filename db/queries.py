"""Read queries. Each returns a DataFrame (or a small dict of figures) and runs on the read engine.

The counting rules live in db.analytics; this module only fetches the rows they need.
Dates come back as ``datetime.date`` (SQLite stores them as text; we parse them here, once).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import and_, case, func, literal, or_, select

from db import analytics, reach, sieges
from db.engine import read_engine
from db.migrate import upgrade
from db.models import (
    AuditEvent,
    Fact,
    FactChange,
    FactOrganisation,
    Import,
    ImportIssue,
    Organisation,
    Place,
    PlaceCount,
)
from db.reading import read_frame
from db.selection import toll_values, typed_toll_rows
from loaders.normalise.dates import week_start

OUTCOMES = [
    "delivered", "partially_delivered", "items_removed", "blocked", "attacked", "aborted", "failed",
    "postponed", "planned", "underway",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Scope:
    """Which facts count: review statuses included (confirmed only unless asked)."""

    include_pending: bool = False

    def statuses(self) -> list[str]:
        return ["confirmed", "pending"] if self.include_pending else ["confirmed"]


def _live(kind: str, scope: Scope) -> list:
    return [Fact.kind == kind, Fact.retracted.is_(False), Fact.review_status.in_(scope.statuses())]


def place_parents(url: str | None = None) -> analytics.ParentMap:
    """Each place's parent (None at the top). Read as plain rows, not a DataFrame: every page asks
    for it, and building a frame of the whole gazetteer only to turn it into a dict cost ~2 ms."""
    upgrade(url)
    with read_engine(url).connect() as conn:
        return dict(conn.execute(select(Place.id, Place.parent_id)).all())


def data_range(url: str | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last fact date in the store, or None when it holds no facts."""
    # Two scalar subqueries: each min/max alone is one index lookup (together they scan the table).
    frame = read_frame(
        select(select(func.min(Fact.date)).scalar_subquery().label("first"),
               select(func.max(Fact.date)).scalar_subquery().label("last")),
        url,
    )  # fmt: skip
    if frame.empty or frame["first"].isna().all():
        return None
    return pd.to_datetime(frame["first"][0]).date(), pd.to_datetime(frame["last"][0]).date()


# ---- convoys ---------------------------------------------------------------------------------


def convoy_rows(start: dt.date, end: dt.date, scope: Scope = Scope(), url: str | None = None) -> pd.DataFrame:
    """Final convoy rows whose final date falls in [start, end].

    Columns: id, event_ref, convoy_key, date, place_id, place, outcome, outcome_tags, trucks,
    people_served.
    """
    base = (
        select(
            Fact.id, Fact.event_ref, Fact.date, Fact.place_id, Place.name.label("place"), Fact.outcome, Fact.outcome_tags,
            func.coalesce(Fact.trucks, Fact.trucks_high).label("trucks"),
            func.coalesce(Fact.people_served, Fact.people_served_high).label("people_served"),
        )
        .join(Place, Place.id == Fact.place_id)
        .where(*_live("convoy", scope))
    )  # fmt: skip
    in_window = base.where(Fact.date.between(start, end))
    refs = select(Fact.event_ref).where(
        *_live("convoy", scope), Fact.date.between(start, end), Fact.event_ref.is_not(None)
    )
    stmt = in_window.union_all(base.where(Fact.event_ref.in_(refs), or_(Fact.date < start, Fact.date > end)))
    rows = read_frame(stmt, url, ("date",))
    final = analytics.final_convoys(rows)
    if final.empty:
        return final
    return final[(final["date"] >= start) & (final["date"] <= end)].reset_index(drop=True)


# ---- besieged populations --------------------------------------------------------------------


def besieged_observations(until: dt.date, scope: Scope = Scope(), url: str | None = None) -> pd.DataFrame:
    """Every besieged-population row up to ``until``: place_id, place, date, status, pop_low, pop_high."""
    stmt = (
        select(
            Fact.place_id, Place.name.label("place"), Fact.date, Fact.status,
            func.coalesce(Fact.population, Fact.population_low).label("pop_low"),
            func.coalesce(Fact.population, Fact.population_high).label("pop_high"),
        )
        .join(Place, Place.id == Fact.place_id)
        .where(*_live("besieged_population", scope), Fact.date <= until)
    )  # fmt: skip
    return read_frame(stmt, url, ("date",))


def besieged_current(day: dt.date, scope: Scope = Scope(), url: str | None = None) -> pd.DataFrame:
    """Places counted in "people besieged" at ``day`` with their latest figure (db.sieges: besieged
    status only, lifted and expired figures and contained places left out)."""
    obs = besieged_observations(day, scope, url)
    current = sieges.counted(analytics.besieged_at(obs, day, place_parents(url)))
    names = obs.drop_duplicates("place_id").set_index("place_id")["place"] if not obs.empty else pd.Series()
    return current.assign(place=current["place_id"].map(names))


# ---- civilian tolls --------------------------------------------------------------------------


def _source_key():  # type: ignore[no-untyped-def]
    """One key per fact for "who estimated it": the sorted short names of its sources."""
    return (
        select(FactOrganisation.fact_id, func.min(Organisation.short_name).label("first_source"),
               func.count().label("n_sources"))
        .join(Organisation, Organisation.id == FactOrganisation.organisation_id)
        .where(FactOrganisation.role == "source")
        .group_by(FactOrganisation.fact_id)
        .subquery()
    )  # fmt: skip


def toll_rows(
    start: dt.date,
    end: dt.date,
    scope: Scope = Scope(),
    url: str | None = None,
    victim_group: str = "civilians",
) -> pd.DataFrame:
    """Toll rows overlapping [start, end] (and earlier rows of cumulative series, for increments)."""
    src = _source_key()
    period_end = func.coalesce(Fact.period_end, Fact.period_start)
    stmt = (
        select(
            Fact.id, Fact.place_id, Fact.period_start, period_end.label("period_end"), Fact.cumulative,
            func.coalesce(src.c.first_source, literal("unknown source")).label("first_source"),
            func.coalesce(src.c.n_sources, 0).label("n_sources"),
            *toll_values(),
            Fact.external_id.is_not(None).label("is_event"),
        )
        .outerjoin(src, src.c.fact_id == Fact.id)
        .where(
            *_live("civilian_toll", scope), Fact.victim_group == victim_group, Fact.period_start.is_not(None),
            Fact.period_start <= end,
            case((Fact.cumulative.is_(True), literal(True)), else_=period_end >= start),
        )
    )  # fmt: skip
    return typed_toll_rows(read_frame(stmt, url, ("period_start", "period_end")))


# ---- overview --------------------------------------------------------------------------------


def weekly_overview(
    last_week: dt.date, weeks: int = 12, scope: Scope = Scope(), url: str | None = None
) -> pd.DataFrame:
    """One row per ISO week ending with ``last_week`` (a Monday).

    Columns: week (Monday), convoys, trucks and people_served (planned), trucks_reached,
    people_reached and reached_unknown (db.reach), besieged_low, besieged_high,
    killed_low, killed_high, injured_low, injured_high, plus one column per convoy outcome.
    """
    last_week = week_start(last_week)
    first_week = last_week - dt.timedelta(weeks=weeks - 1)
    week_list = [first_week + dt.timedelta(weeks=i) for i in range(weeks)]
    end = last_week + dt.timedelta(days=6)
    out = pd.DataFrame({"week": week_list})

    convoys = convoy_rows(first_week, end, scope, url)
    if not convoys.empty:
        convoys["week"] = convoys["date"].map(week_start)
        counts = convoys.pivot_table(index="week", columns="outcome", values="convoy_key", aggfunc="count")
        convoys = reach.add_reached(convoys).assign(reached_unknown=reach.unknown_mask(convoys))
        totals = convoys.groupby("week").agg(
            convoys=("convoy_key", "count"), trucks=("trucks", "sum"), people_served=("people_served", "sum"),
            trucks_reached=("trucks_reached", "sum"), people_reached=("people_reached", "sum"),
            reached_unknown=("reached_unknown", "sum"),
        )  # fmt: skip
        out = out.merge(totals, left_on="week", right_index=True, how="left")
        out = out.merge(counts, left_on="week", right_index=True, how="left")
    for col in ["convoys", "trucks", "people_served", "trucks_reached", "people_reached", "reached_unknown",
                *OUTCOMES]:  # fmt: skip
        if col not in out:
            out[col] = 0
        out[col] = out[col].fillna(0).astype("int64")

    parents = place_parents(url)
    obs = besieged_observations(end, scope, url)
    lows, highs = [], []
    for week in week_list:
        current = sieges.counted(analytics.besieged_at(obs, week + dt.timedelta(days=6), parents))
        lows.append(int(current["pop_low"].fillna(0).sum()) if not current.empty else 0)
        highs.append(int(current["pop_high"].fillna(0).sum()) if not current.empty else 0)
    out["besieged_low"], out["besieged_high"] = lows, highs

    tolls = analytics.weekly_tolls(toll_rows(first_week, end, scope, url), parents)
    out = out.merge(tolls, on="week", how="left")
    for col in ("killed_low", "killed_high", "injured_low", "injured_high", "sources"):
        out[col] = out[col].fillna(0).astype("int64")
    return unknown_tolls(out.rename(columns={"sources": "toll_sources"}))


TOLL_COLUMNS = ("killed_low", "killed_high", "injured_low", "injured_high")


def unknown_tolls(weekly: pd.DataFrame) -> pd.DataFrame:
    """Killed and injured of a week without any toll source as unknown (NaN), not 0: the band and
    its rollup hold 0 there, which would read as "nobody was killed". Shown as '–' (no report)."""
    silent = weekly["toll_sources"] == 0
    if not silent.any():
        return weekly
    return weekly.assign(**{v: weekly[v].astype("float64").mask(silent) for v in TOLL_COLUMNS})


def week_headline(week: dt.date, scope: Scope = Scope(), url: str | None = None) -> dict[str, int | None]:
    """The headline figures of one ISO week: the last row of ``weekly_overview`` (None: unknown)."""
    row = weekly_overview(week, weeks=1, scope=scope, url=url).iloc[0]
    return {k: None if pd.isna(v) else int(v) for k, v in row.items() if k != "week"}


# ---- data management ---------------------------------------------------------------------------


def imports(url: str | None = None) -> pd.DataFrame:
    """Every import, newest first, with its counts."""
    stmt = select(
        Import.id, Import.imported_at, Import.file_name, Import.format, Import.kind, Import.imported_by,
        Import.encoding, Import.rows_in, Import.added, Import.updated, Import.duplicate, Import.skipped,
        Import.rejected, Import.retracted, Import.places_added,
    ).order_by(Import.id.desc())  # fmt: skip
    return read_frame(stmt, url)


def import_issues(import_id: int, url: str | None = None) -> pd.DataFrame:
    """Rejects, skips and warnings of one import: row, column, severity, reason, value."""
    stmt = (
        select(
            ImportIssue.row, ImportIssue.column, ImportIssue.severity, ImportIssue.reason, ImportIssue.value
        )
        .where(ImportIssue.import_id == import_id)
        .order_by(ImportIssue.row.is_(None).desc(), ImportIssue.row, ImportIssue.id)
    )
    return read_frame(stmt, url)


def unverified_places(url: str | None = None) -> pd.DataFrame:
    """Places added from rows (not in the gazetteer), for merging: id, name, country, parent, lat, lon,
    facts (live ones)."""
    parent = Place.__table__.alias("parent")
    facts = (
        select(PlaceCount.place_id, func.sum(PlaceCount.facts).label("facts"))
        .group_by(PlaceCount.place_id)
        .subquery()
    )
    stmt = (
        select(
            Place.id, Place.name, Place.country, parent.c.name.label("parent"), Place.lat, Place.lon,
            func.coalesce(facts.c.facts, 0).label("facts"), Import.file_name.label("first_seen_in"),
        )
        .outerjoin(parent, parent.c.id == Place.parent_id)
        .outerjoin(facts, facts.c.place_id == Place.id)
        .outerjoin(Import, Import.id == Place.created_import_id)
        .where(and_(Place.verified.is_(False), Place.merged_into_id.is_(None)))
        .order_by(Place.name)
    )  # fmt: skip
    return read_frame(stmt, url)


def store_counts(url: str | None = None) -> dict[str, int]:
    """Facts per kind (live ones), imports and places: for the Data page header and tests."""
    kinds = read_frame(
        select(PlaceCount.kind, func.sum(PlaceCount.facts).label("n")).group_by(PlaceCount.kind), url
    )
    counts = {row.kind: int(row.n) for row in kinds.itertuples()}
    counts["imports"] = int(read_frame(select(func.count().label("n")).select_from(Import), url)["n"][0])
    counts["places"] = int(read_frame(select(func.count().label("n")).select_from(Place), url)["n"][0])
    return counts


def latest_import_id(url: str | None = None) -> int | None:
    """The newest import's id, None for an empty store."""
    frame = read_frame(select(func.max(Import.id).label("id")), url)
    value = frame["id"][0] if not frame.empty else None
    return None if value is None or pd.isna(value) else int(value)


def data_version(url: str | None = None) -> str:
    """A token that changes whenever what the dashboard shows may change: a new import, a fact
    edited, reviewed, retracted or moved, a place added or merged. The dashboard keys its cache on it.
    """
    stmt = select(
        select(func.max(Import.id)).scalar_subquery().label("imports"),
        select(func.max(FactChange.id)).scalar_subquery().label("changes"),
        select(func.max(Place.id)).scalar_subquery().label("places"),
        select(func.count()).where(Place.merged_into_id.is_not(None)).scalar_subquery().label("merged"),
        # A merge undone and another made leave the counts above as they were; a restore may bring
        # back lower ids: the audit line each of them writes moves the token.
        select(func.max(AuditEvent.id))
        .where(AuditEvent.action.in_(("merge", "unmerge", "restore")))
        .scalar_subquery()
        .label("curation"),
    )
    row = read_frame(stmt, url).iloc[0]
    return ":".join("-" if pd.isna(v) else str(int(v)) for v in row)


def latest_activity(url: str | None = None) -> dt.date | None:
    """The last date with a live convoy or civilian toll (the Overview's default week); falls back
    to the last fact of any kind."""
    active = select(func.max(Fact.date).label("last")).where(
        Fact.retracted.is_(False), Fact.kind.in_(["convoy", "civilian_toll"])
    )
    frame = read_frame(active, url)
    value = frame["last"][0]
    if value is None or pd.isna(value):
        span = data_range(url)
        return span[1] if span else None
    return pd.to_datetime(value).date()


def known_places(url: str | None = None) -> pd.DataFrame:
    """Verified gazetteer places a row's place can be merged into: id, name, admin_level, parent, country."""
    parent = Place.__table__.alias("parent")
    stmt = (
        select(Place.id, Place.name, Place.admin_level, parent.c.name.label("parent"), Place.country)
        .outerjoin(parent, parent.c.id == Place.parent_id)
        .where(Place.verified.is_(True), Place.merged_into_id.is_(None))
        .order_by(Place.name, Place.id)
    )
    return read_frame(stmt, url)
