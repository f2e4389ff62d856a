"""Rollup tables: what the dashboard pages aggregate, kept pre-computed so a page reads a few
thousand rows instead of a million facts.

- ``toll_days``: each source's civilian toll per place and day (db.analytics.source_days: reports
  spread over their days, cumulative series as increments, events added, statements not), for the
  confirmed facts (scope 'confirmed') and for confirmed + pending ('all');
- ``toll_reports``: how many toll reports each source gave per place, file and period (the
  "from N reports in M files" notes);
- ``place_counts``: live facts per place, kind and review status (sidebar, Data page, store counts);
- ``organisation_counts``: live facts naming each organisation, per role;
- ``toll_weeks``: the store-wide toll band per ISO week (db.rules.toll_week_band over toll_days),
  recomputed for the weeks whose toll_days changed;
- ``convoy_finals``: each convoy's final row (db.analytics.final_convoys) per scope, recomputed for
  the convoys with a row at a place written to.

Every writer calls ``refresh`` in its own transaction with the places and organisations it touched
(an import, a review or edit, a place merge, a retraction), so the rollups are never out of step
with the facts: a reader sees both from the same snapshot. A place is recomputed whole (a
cumulative series needs its earlier reports), which costs milliseconds for a few thousand facts.
``rebuild`` recomputes everything (migration 0005, ``python -m cli rollups``); tests check the
rollups against the base-table aggregation.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Date, bindparam, delete, func, insert, select, text

from db import analytics, rules
from db.auth import Actor, require
from db.finals import refresh_convoys
from db.migrate import upgrade
from db.models import (
    Fact,
    FactOrganisation,
    Organisation,
    OrganisationCount,
    Place,
    PlaceCount,
    TollDay,
    TollReport,
    TollWeek,
)
from db.selection import SCOPES, toll_values, typed_toll_rows

CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit
INSERT_BATCH = 20_000
TOLL_PLACES = 4  # places whose toll facts are read and rolled up together


def scope_of(include_pending: bool) -> str:
    return "all" if include_pending else "confirmed"


ROLLUP_LOCK = 7_240_417  # PostgreSQL advisory lock key: one rollup refresh at a time


def _serialise(conn: Connection) -> None:
    """PostgreSQL runs writers side by side: two imports refreshing the same place would each
    delete the old rows and insert new ones, and the second insert would collide. A transaction
    lock makes refreshes take turns (SQLite writers already do: BEGIN IMMEDIATE); each one then
    reads the facts the other committed."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({ROLLUP_LOCK})")


def refresh(conn: Connection, places: Iterable[int] | None, organisations: Iterable[int] | None = ()) -> None:
    """Recompute the rollups of ``places`` and ``organisations`` (None: all of them) inside the
    caller's transaction."""
    span = refresh_places(conn, places)
    if places is None:  # everything: weeks outside today's days go too
        refresh_toll_weeks(conn, None)
    elif span is not None:
        refresh_toll_weeks(conn, span)
    refresh_convoys(conn, places)
    refresh_organisations(conn, organisations)


def rebuild(conn: Connection) -> None:
    """Recompute every rollup from the facts."""
    refresh(conn, None, None)


def rebuild_store(*, actor: Actor, url: str | None = None) -> None:
    """Recompute every rollup from the facts as ``actor`` (an admin), in one transaction: after
    facts were changed by hand in SQL, which no refresh saw. Readers see the old rollups until it
    commits."""
    require(actor, "settings")
    with upgrade(url).begin() as conn:
        rebuild(conn)


def _chunks(ids: list[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _ids(values: Iterable[int] | None) -> list[int] | None:
    return None if values is None else sorted({int(v) for v in values if v is not None})


# ---- places: counts and tolls ------------------------------------------------------------------------


def refresh_places(conn: Connection, places: Iterable[int] | None) -> tuple[dt.date, dt.date] | None:
    """Recompute toll_days, toll_reports and place_counts of ``places`` (None: all). Returns the
    first and last day of the toll_days rows removed or written (None when there were none), the
    weeks whose band may have changed."""
    ids = _ids(places)
    if ids == []:
        return None
    _serialise(conn)
    span = _DaySpan()
    for chunk in _chunks(ids):
        old = select(func.min(TollDay.day), func.max(TollDay.day))
        span.add(*conn.execute(old if chunk is None else old.where(TollDay.place_id.in_(chunk))).one())
        for table in (TollDay, TollReport, PlaceCount):
            stmt = delete(table)
            conn.execute(stmt if chunk is None else stmt.where(table.place_id.in_(chunk)))
        counts = (
            select(Fact.place_id, Fact.kind, Fact.review_status, func.count())
            .where(Fact.retracted.is_(False))
            .group_by(Fact.place_id, Fact.kind, Fact.review_status)
        )
        if chunk is not None:
            counts = counts.where(Fact.place_id.in_(chunk))
        conn.execute(insert(PlaceCount).from_select(["place_id", "kind", "review_status", "facts"], counts))
    # Tolls a few places at a time: memory stays bounded however many facts a rebuild reads.
    with_tolls = select(PlaceCount.place_id).where(PlaceCount.kind == "civilian_toll").distinct()
    wanted = None if ids is None else set(ids)
    toll_places = sorted(p for (p,) in conn.execute(with_tolls) if wanted is None or p in wanted)
    for i in range(0, len(toll_places), TOLL_PLACES):
        days, reports = toll_rollup(_toll_facts(conn, toll_places[i : i + TOLL_PLACES]))
        if not days.empty:
            span.add(min(days["day"]), max(days["day"]))
        _insert(conn, "toll_days", days)
        _insert(conn, "toll_reports", reports)
    return span.value()


class _DaySpan:
    """The first and last of the days seen (text on SQLite, dates elsewhere)."""

    def __init__(self) -> None:
        self.days: list[dt.date] = []

    def add(self, first: object, last: object) -> None:
        for day in (first, last):
            if day is not None:
                self.days.append(_date(day))

    def value(self) -> tuple[dt.date, dt.date] | None:
        return (min(self.days), max(self.days)) if self.days else None


def _toll_facts(conn: Connection, places: list[int] | None) -> pd.DataFrame:
    """The live toll facts of ``places`` with what source_days needs, plus review status, victim
    group and import (the same "who estimated it" key as db.queries.toll_rows)."""
    stmt = (
        select(
            Fact.id, Fact.place_id, Fact.period_start,
            func.coalesce(Fact.period_end, Fact.period_start).label("period_end"), Fact.cumulative,
            *toll_values(),
            Fact.external_id.is_not(None).label("is_event"), Fact.import_id, Fact.review_status,
            Fact.victim_group, func.min(Organisation.short_name).label("first_source"),
            func.count(Organisation.id).label("n_sources"),
        )
        .outerjoin(FactOrganisation, (FactOrganisation.fact_id == Fact.id) & (FactOrganisation.role == "source"))
        .outerjoin(Organisation, Organisation.id == FactOrganisation.organisation_id)
        .where(
            Fact.kind == "civilian_toll", Fact.retracted.is_(False), Fact.review_status.in_(SCOPES["all"]),
            Fact.period_start.is_not(None),
        )
        .group_by(Fact.id)
    )  # fmt: skip
    if places is not None:
        stmt = stmt.where(Fact.place_id.in_(places))
    frame = pd.read_sql(stmt, conn)
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    return typed_toll_rows(frame)


DAY_COLUMNS = ["scope", "victim_group", "day", "place_id", "source", *analytics.TOLL_VALUES]
REPORT_COLUMNS = [
    "scope",
    "victim_group",
    "period_end",
    "period_start",
    "place_id",
    "source",
    "import_id",
    "reports",
]


def toll_rollup(facts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The toll_days and toll_reports rows of these toll facts (every scope and victim group)."""
    days: list[pd.DataFrame] = []
    reports: list[pd.DataFrame] = []
    if facts.empty:
        return pd.DataFrame(columns=DAY_COLUMNS), pd.DataFrame(columns=REPORT_COLUMNS)
    done: dict[tuple[str, int], tuple[pd.DataFrame, pd.DataFrame]] = {}
    for scope, statuses in SCOPES.items():
        in_scope = facts[facts["review_status"].isin(statuses)]
        for group, rows in in_scope.groupby("victim_group"):
            # 'confirmed' rows are a subset of 'all' rows: the same count means the same rows
            # (no pending facts), so the figures computed for one scope serve the other.
            key = (group, len(rows))
            if key not in done:
                per_day = analytics.source_days(rows)
                per_day = per_day.assign(day=pd.to_datetime(per_day["day"]).dt.date)
                counts = rows.groupby(
                    ["period_end", "period_start", "place_id", "source", "import_id"]
                ).size()
                done[key] = (per_day, counts.rename("reports").reset_index())
            per_day, counted = done[key]
            days.append(per_day.assign(scope=scope, victim_group=group)[DAY_COLUMNS])
            reports.append(counted.assign(scope=scope, victim_group=group)[REPORT_COLUMNS])
    return pd.concat(days, ignore_index=True), pd.concat(reports, ignore_index=True)


def _insert(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """Write a frame's rows with the driver's executemany (no per-row SQLAlchemy work: a full
    rebuild writes a few hundred thousand rows); NaN becomes NULL, dates ISO text on SQLite."""
    if frame.empty:
        return
    sqlite = conn.dialect.name == "sqlite"
    columns = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == object and sqlite and isinstance(col.iloc[0], dt.date):
            values = [d.isoformat() for d in col]
        elif col.dtype.kind == "f":
            values = [None if v != v else v for v in col.tolist()]  # NaN != NaN
        else:
            values = col.tolist()
        columns.append(values)
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table} ({', '.join(frame.columns)}) VALUES ({', '.join([mark] * len(columns))})"
    rows = list(zip(*columns, strict=True))
    for i in range(0, len(rows), INSERT_BATCH):
        conn.exec_driver_sql(sql, rows[i : i + INSERT_BATCH])


# ---- toll weeks ----------------------------------------------------------------------------------------

WEEKS_AT_ONCE = 26  # weeks of toll_days read together: memory stays bounded on a full rebuild


def refresh_toll_weeks(conn: Connection, span: tuple[dt.date, dt.date] | None) -> None:
    """Recompute toll_weeks for the weeks touching ``span`` (first and last day; None: every week)
    from toll_days, already refreshed in this transaction."""
    if span is None:
        conn.execute(delete(TollWeek))
        first, last = conn.execute(select(func.min(TollDay.day), func.max(TollDay.day))).one()
        if first is None:
            return
        span = (_date(first), _date(last))
    weeks = rules.mondays(*span)
    parents = {
        int(i): (None if p is None else int(p)) for i, p in conn.execute(select(Place.id, Place.parent_id))
    }
    # Without pending toll facts both scopes hold the same days: compute once, store twice.
    pending = select(PlaceCount.place_id).where(
        PlaceCount.kind == "civilian_toll", PlaceCount.review_status == "pending"
    )
    scopes = list(SCOPES) if conn.execute(pending.limit(1)).first() else ["all"]
    for i in range(0, len(weeks), WEEKS_AT_ONCE):
        block = weeks[i : i + WEEKS_AT_ONCE]
        start, end = block[0], block[-1] + dt.timedelta(days=6)
        conn.execute(delete(TollWeek).where(TollWeek.week.between(start, end)))
        rows = []
        for scope in scopes:
            for group, per_source in _days_by_group(conn, scope, start, end):
                kept = rules.source_days_kept(per_source, parents)
                band = rules.toll_week_band(per_source, kept, parents, block)
                band = band[band["sources"] > 0]
                for stored in SCOPES if len(scopes) == 1 else [scope]:
                    rows.append(band.assign(scope=stored, victim_group=group))
        if rows:
            _insert(conn, "toll_weeks", pd.concat(rows, ignore_index=True)[WEEK_COLUMNS])


_DAYS_SQL = text(
    "SELECT victim_group, day, place_id, source, killed_low, killed_high, injured_low, injured_high "
    "FROM toll_days WHERE scope = :scope AND day BETWEEN :start AND :end"
).bindparams(bindparam("start", type_=Date), bindparam("end", type_=Date))


def _days_by_group(
    conn: Connection, scope: str, start: dt.date, end: dt.date
) -> Iterator[tuple[str, pd.DataFrame]]:
    """toll_days rows of one scope between two days, per victim group, as db.tolls.source_days
    gives them. Read untyped and column by column: a full rebuild reads every row of the table."""
    rows = conn.execute(_DAYS_SQL, {"scope": scope, "start": start, "end": end}).fetchall()
    if not rows:
        return
    group, day, place, source, *values = (list(c) for c in zip(*rows, strict=True))
    frame = pd.DataFrame(
        {"victim_group": group, "day": pd.to_datetime(day), "place_id": place, "source": source}
    )
    frame["place_id"] = frame["place_id"].astype("int64")
    for col, column in zip(analytics.TOLL_VALUES, values, strict=True):
        frame[col] = np.array(column, dtype="float64")  # NULL -> NaN
    for name, per_source in frame.groupby("victim_group"):
        yield str(name), per_source.drop(columns="victim_group").reset_index(drop=True)


WEEK_COLUMNS = ["scope", "victim_group", "week", *analytics.TOLL_VALUES, "sources"]


def _date(value: object) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


# ---- organisations --------------------------------------------------------------------------------------


def refresh_organisations(conn: Connection, organisations: Iterable[int] | None) -> None:
    """Live facts per organisation and role: every link minus the links of retracted facts (the
    retracted ones are few and indexed, so no fact row is read for the others)."""
    ids = _ids(organisations)
    if ids == []:
        return
    _serialise(conn)
    for chunk in _chunks(ids):
        wipe = delete(OrganisationCount)
        conn.execute(wipe if chunk is None else wipe.where(OrganisationCount.organisation_id.in_(chunk)))
        keys = (FactOrganisation.organisation_id, FactOrganisation.role)
        links = select(*keys, func.count()).group_by(*keys)
        gone = (
            select(*keys, func.count())
            .join(Fact, Fact.id == FactOrganisation.fact_id)
            .where(Fact.retracted == True)  # noqa: E712 -- the form the partial index ix_facts_retracted matches
            .group_by(*keys)
        )
        if chunk is not None:
            links = links.where(FactOrganisation.organisation_id.in_(chunk))
            gone = gone.where(FactOrganisation.organisation_id.in_(chunk))
        counts = {(org, role): n for org, role, n in conn.execute(links)}
        for org, role, n in conn.execute(gone):
            counts[(org, role)] -= n
        rows = [(o, r, n) for (o, r), n in counts.items() if n > 0]
        _insert(conn, "organisation_counts", pd.DataFrame(rows, columns=["organisation_id", "role", "facts"]))
