"""Rollup tables: what the dashboard pages aggregate, kept pre-computed so a page reads a few
thousand rows instead of a million facts.

- ``toll_days``: each source's civilian toll per place and day (db.analytics.source_days: reports
  spread over their days, cumulative series as increments, events added, statements not), for the
  confirmed facts (scope 'confirmed') and for confirmed + pending ('all');
- ``toll_reports``: how many toll reports each source gave per place, file and period (the
  "from N reports in M files" notes);
- ``place_counts``: live facts per place, kind and review status (sidebar, Data page, store counts);
- ``organisation_counts``: live facts naming each organisation, per role.

Every writer calls ``refresh`` in its own transaction with the places and organisations it touched
(an import, a review or edit, a place merge, a retraction), so the rollups are never out of step
with the facts: a reader sees both from the same snapshot. A place is recomputed whole (a
cumulative series needs its earlier reports), which costs milliseconds for a few thousand facts.
``rebuild`` recomputes everything (migration 0005, ``python -m cli rollups``); tests check the
rollups against the base-table aggregation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, func, insert, select

from db import analytics
from db.models import (
    Fact,
    FactOrganisation,
    Organisation,
    OrganisationCount,
    PlaceCount,
    TollDay,
    TollReport,
)

SCOPES: dict[str, tuple[str, ...]] = {"confirmed": ("confirmed",), "all": ("confirmed", "pending")}
CHUNK = 500  # ids per IN (...) list: well under SQLite's variable limit
INSERT_BATCH = 20_000


def scope_of(include_pending: bool) -> str:
    return "all" if include_pending else "confirmed"


def refresh(conn: Connection, places: Iterable[int] | None, organisations: Iterable[int] | None = ()) -> None:
    """Recompute the rollups of ``places`` and ``organisations`` (None: all of them) inside the
    caller's transaction."""
    refresh_places(conn, places)
    refresh_organisations(conn, organisations)


def rebuild(conn: Connection) -> None:
    """Recompute every rollup from the facts."""
    refresh(conn, None, None)


def _chunks(ids: list[int] | None) -> Iterator[list[int] | None]:
    if ids is None:
        yield None
        return
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _ids(values: Iterable[int] | None) -> list[int] | None:
    return None if values is None else sorted({int(v) for v in values if v is not None})


# ---- places: counts and tolls ------------------------------------------------------------------------


def refresh_places(conn: Connection, places: Iterable[int] | None) -> None:
    ids = _ids(places)
    if ids == []:
        return
    for chunk in _chunks(ids):
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
        days, reports = toll_rollup(_toll_facts(conn, chunk))
        _insert(conn, TollDay, days)
        _insert(conn, TollReport, reports)


def _toll_facts(conn: Connection, places: list[int] | None) -> pd.DataFrame:
    """The live toll facts of ``places`` with what source_days needs, plus review status, victim
    group and import (the same "who estimated it" key as db.queries.toll_rows)."""
    stmt = (
        select(
            Fact.id, Fact.place_id, Fact.period_start,
            func.coalesce(Fact.period_end, Fact.period_start).label("period_end"), Fact.cumulative,
            func.coalesce(Fact.killed, Fact.killed_low).label("killed_low"),
            func.coalesce(Fact.killed, Fact.killed_high).label("killed_high"),
            func.coalesce(Fact.injured, Fact.injured_low).label("injured_low"),
            func.coalesce(Fact.injured, Fact.injured_high).label("injured_high"),
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
    if frame.empty:
        return frame.assign(source=pd.Series(dtype="object"))
    for col in ("period_start", "period_end"):
        frame[col] = pd.to_datetime(frame[col]).dt.date
    more = frame["n_sources"].map(lambda n: "" if n <= 1 else f" +{n - 1}")
    frame["source"] = frame["first_source"].fillna("unknown source") + more
    frame["cumulative"] = frame["cumulative"].astype(bool)
    frame["is_event"] = frame["is_event"].astype(bool)
    for col in analytics.TOLL_VALUES:
        frame[col] = frame[col].astype("float64")
    return frame.drop(columns=["first_source", "n_sources"])


def toll_rollup(facts: pd.DataFrame) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The toll_days and toll_reports rows of these toll facts (every scope and victim group)."""
    days: list[dict[str, Any]] = []
    reports: list[dict[str, Any]] = []
    if facts.empty:
        return days, reports
    for scope, statuses in SCOPES.items():
        in_scope = facts[facts["review_status"].isin(statuses)]
        for group, rows in in_scope.groupby("victim_group"):
            per_day = analytics.source_days(rows)
            per_day = per_day.assign(
                day=pd.to_datetime(per_day["day"]).dt.date, scope=scope, victim_group=group
            )
            per_day = per_day.astype(object).where(per_day.notna(), None)
            days.extend(per_day.to_dict("records"))
            counts = rows.groupby(["period_end", "period_start", "place_id", "source", "import_id"]).size()
            counted = counts.rename("reports").reset_index().assign(scope=scope, victim_group=group)
            reports.extend(counted.to_dict("records"))
    return days, reports


def _insert(conn: Connection, table: type, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), INSERT_BATCH):
        conn.execute(insert(table), rows[i : i + INSERT_BATCH])


# ---- organisations --------------------------------------------------------------------------------------


def refresh_organisations(conn: Connection, organisations: Iterable[int] | None) -> None:
    """Live facts per organisation and role: every link minus the links of retracted facts (the
    retracted ones are few and indexed, so no fact row is read for the others)."""
    ids = _ids(organisations)
    if ids == []:
        return
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
        rows = [{"organisation_id": o, "role": r, "facts": n} for (o, r), n in counts.items() if n > 0]
        _insert(conn, OrganisationCount, rows)
