"""The ``convoy_finals`` rollup: each convoy's final row (db.analytics.final_convoys, the rule the
pages count by) per review scope, so a page counts a window's convoys without reading every row of
every convoy in it.

A convoy is keyed as the base path keys it: its reference (``event_ref``), or ``fact:<id>`` for a
row without one. A write recomputes the convoys with a row at a place it touched (all rows of
each, wherever they are). Writers pass the places a changed row was at, before and after, and no
writer deletes a fact (a retracted or rejected row stays, marked), so every convoy whose final row
may have changed is found. Rows without a date are left out, as the window queries leave them out.
db.rollups.refresh calls it inside each writer's transaction (its lock taken).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator

import pandas as pd
from sqlalchemy import Connection, delete, func, or_, select

from db import analytics
from db.models import ConvoyFinal, Fact
from db.selection import SCOPES

CHUNK = 500  # keys or places per IN (...) list: well under SQLite's variable limit
COLUMNS = ["scope", "convoy_key", "fact_id", "date", "week", "place_id", "outcome", "import_id", "trucks",
           "people_served"]  # fmt: skip


def refresh_convoys(conn: Connection, places: Iterable[int] | None) -> None:
    """Recompute the final rows of the convoys with a row (live or not) at ``places`` (None: every
    convoy)."""
    if places is None:
        conn.execute(delete(ConvoyFinal))
        _write(conn, _finals(_rows(conn, None)))
        return
    ids = sorted({int(p) for p in places if p is not None})
    keys: set[str] = set()
    for chunk in _chunks(ids):
        here = select(Fact.event_ref, Fact.id).where(Fact.kind == "convoy", Fact.place_id.in_(chunk))
        keys.update(ref if ref is not None else f"fact:{fid}" for ref, fid in conn.execute(here))
    for chunk in _chunks(sorted(keys)):
        conn.execute(delete(ConvoyFinal).where(ConvoyFinal.convoy_key.in_(chunk)))
        _write(conn, _finals(_rows(conn, chunk)))


def _chunks(values: list) -> Iterator[list]:  # type: ignore[type-arg]
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _rows(conn: Connection, keys: list[str] | None) -> pd.DataFrame:
    """The live dated rows of the convoys ``keys`` (None: all), with the columns final_convoys reads."""
    stmt = select(
        Fact.id, Fact.event_ref, Fact.date, Fact.place_id, Fact.outcome, Fact.import_id, Fact.review_status,
        func.coalesce(Fact.trucks, Fact.trucks_high).label("trucks"),
        func.coalesce(Fact.people_served, Fact.people_served_high).label("people_served"),
    ).where(
        Fact.kind == "convoy", Fact.retracted.is_(False), Fact.review_status.in_(SCOPES["all"]),
        Fact.date.is_not(None),
    )  # fmt: skip
    if keys is not None:
        # A key 'fact:12' is fact 12 without a reference, or (rarely) a reference spelled so: both
        # are read, and final_convoys keys them alike, as the base path does.
        ids = [int(k[5:]) for k in keys if k.startswith("fact:") and k[5:].isdigit()]
        stmt = stmt.where(or_(Fact.event_ref.in_(keys), Fact.event_ref.is_(None) & Fact.id.in_(ids)))
    frame = pd.read_sql(stmt, conn)
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def _finals(rows: pd.DataFrame) -> list[tuple[object, ...]]:
    """One row per convoy and scope, ready to insert (plain Python values)."""
    out: list[tuple[object, ...]] = []
    for scope, statuses in SCOPES.items():
        final = analytics.final_convoys(rows[rows["review_status"].isin(statuses)])
        if final.empty:
            continue
        columns = [final[c].tolist() for c in
                   ("convoy_key", "id", "date", "place_id", "outcome", "import_id", "trucks", "people_served")]  # fmt: skip
        for key, fact_id, day, place, outcome, import_id, trucks, people in zip(*columns, strict=True):
            monday = day - dt.timedelta(days=day.weekday())
            out.append((scope, key, int(fact_id), day, monday, int(place),
                        None if outcome is None or outcome != outcome else outcome, int(import_id),
                        _int(trucks), _int(people)))  # fmt: skip
    return out


def _int(value: object) -> int | None:
    if value is None or value != value:  # NaN != NaN
        return None
    return int(value)  # type: ignore[call-overload]


def _write(conn: Connection, rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    if conn.dialect.name == "sqlite":  # the driver's own statement: dates as SQLite stores them
        rows = [(*r[:3], r[3].isoformat(), r[4].isoformat(), *r[5:]) for r in rows]  # type: ignore[attr-defined]
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO convoy_finals ({', '.join(COLUMNS)}) VALUES ({', '.join([mark] * len(COLUMNS))})"
    conn.exec_driver_sql(sql, rows)
