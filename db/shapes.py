"""The Map page's data: imported boundary polygons, and one figure per place for a metric and period.

Figures per place come from the same queries and counting rules as the rest of the dashboard
(db.queries, db.analytics): convoys once by final outcome, besieged populations carried forward with
contained places left out, tolls as a low–high range across sources (never summed across sources).
``upsert_shapes`` is the one write helper; it runs inside db.writer's import transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Select, insert, select, update

from db import queries, reach, tolls
from db.models import Fact, Place, PlaceShape
from db.queries import Scope
from db.reading import read_frame
from db.selection import Selection

CHUNK = 500
CONVOY_METRICS = {"convoys", "trucks", "people_served", "trucks_reached", "people_reached"}
TOLL_METRICS = {"killed", "injured"}
METRICS = (
    "convoys",
    "trucks",
    "people_served",
    "trucks_reached",
    "people_reached",
    "besieged",
    "killed",
    "injured",
)
# What "sources" counts for each metric, for the page's caption.
SOURCE_MEANING = {
    **dict.fromkeys(CONVOY_METRICS, "file(s) or report(s)"),
    "besieged": "observation(s) on the latest date",
    **dict.fromkeys(TOLL_METRICS, "estimating source(s)"),
}


def _read_ids(build: Callable[[list[int]], Select], ids: list[int], url: str | None) -> pd.DataFrame:
    """``build(chunk)`` -> a select over those ids; run in chunks (SQL parameter limits), concatenated."""
    frames = [read_frame(build(ids[i : i + CHUNK]), url) for i in range(0, len(ids), CHUNK)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def upsert_shapes(conn: Connection, shapes: dict[str, Any], source: str) -> int:
    """Store each {p-code: GeoJSON geometry} on the place with that p-code (replacing an older
    shape); p-codes no place has are ignored. Returns the number of shapes written."""
    by_pcode = {
        pcode.upper(): (place_id, level)
        for place_id, pcode, level in conn.execute(
            select(Place.id, Place.pcode, Place.admin_level).where(Place.pcode.is_not(None))
        )
        if pcode
    }
    rows = []
    for pcode, geometry in shapes.items():
        found = by_pcode.get(pcode.upper())
        if found is not None:
            text = json.dumps(geometry, separators=(",", ":"), ensure_ascii=False)
            rows.append({"place_id": found[0], "level": found[1], "geojson": text, "source": source})
    existing = set(conn.execute(select(PlaceShape.place_id)).scalars())
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        new = [r for r in chunk if r["place_id"] not in existing]
        if new:
            conn.execute(insert(PlaceShape), new)
        for row in chunk:
            if row["place_id"] in existing:
                values = {k: v for k, v in row.items() if k != "place_id"}
                conn.execute(
                    update(PlaceShape).where(PlaceShape.place_id == row["place_id"]).values(**values)
                )
    return len(rows)


def boundary_levels(url: str | None = None) -> list[int]:
    """Admin levels that have imported polygons, lowest first (level unknown comes back as -1)."""
    frame = read_frame(select(PlaceShape.level).distinct(), url)
    return sorted(-1 if pd.isna(v) else int(v) for v in frame["level"])


def boundaries(level: int | None = None, url: str | None = None) -> pd.DataFrame:
    """Imported polygons: place_id, pcode, name, level, geojson (the geometry as JSON text), source.

    ``level`` None gives every level; -1 the shapes whose level is unknown.
    """
    stmt = select(
        PlaceShape.place_id, Place.pcode, Place.name, PlaceShape.level, PlaceShape.geojson, PlaceShape.source
    ).join(Place, Place.id == PlaceShape.place_id)
    if level == -1:
        stmt = stmt.where(PlaceShape.level.is_(None))
    elif level is not None:
        stmt = stmt.where(PlaceShape.level == level)
    return read_frame(stmt.order_by(Place.pcode), url)


@dataclass(frozen=True, slots=True)
class PlaceFigures:
    """One metric per place. ``frame`` columns: place_id, place, parent, lat, lon, low, high, sources
    (lat/lon NaN when the place has none). ``sources`` is the total behind the whole map."""

    metric: str
    frame: pd.DataFrame
    sources: int


def place_figures(
    metric: str, start: dt.date, end: dt.date, scope: Scope = Scope(), url: str | None = None
) -> PlaceFigures:
    """The figure of every place with data for ``metric`` in [start, end], largest high first.

    convoys / trucks / people_served: convoys whose final date is in the period, by destination
    (trucks and people planned, whether the convoy arrived or not). trucks_reached / people_reached:
    the same convoys' reached figures (db.reach); a partially delivered convoy, whose reached figure
    is unknown, adds nothing, and the place's ``unknown`` column counts it.
    besieged: each place's population at ``end`` (latest figure carried forward).
    killed / injured: per day the lowest and highest source, summed over the period's days.
    """
    if metric in CONVOY_METRICS:
        figures, total = _convoys(metric, start, end, scope, url)
    elif metric == "besieged":
        figures, total = _besieged(end, scope, url)
    elif metric in TOLL_METRICS:
        figures, total = _tolls(metric, start, end, scope, url)
    else:
        raise ValueError(f"unknown map metric {metric!r}; choose one of {', '.join(METRICS)}")
    frame = _with_places(figures, url).sort_values(["high", "place"], ascending=[False, True])
    return PlaceFigures(metric, frame.reset_index(drop=True), total)


_COLUMNS = ["place_id", "low", "high", "sources"]


def _convoys(
    metric: str, start: dt.date, end: dt.date, scope: Scope, url: str | None
) -> tuple[pd.DataFrame, int]:
    rows = queries.convoy_rows(start, end, scope, url)
    if rows.empty:
        return pd.DataFrame(columns=_COLUMNS), 0
    imports = _import_ids(rows["id"].astype(int).tolist(), url)
    rows = rows.assign(import_id=rows["id"].astype(int).map(imports))
    if metric == "convoys":
        values = rows.groupby("place_id")["convoy_key"].count()
    else:
        rows = reach.add_reached(rows)
        values = rows.groupby("place_id")[metric].sum(min_count=1).fillna(0).round().astype("int64")
    out = pd.DataFrame({"low": values, "high": values})
    if metric in reach.FIGURES.values():
        out["unknown"] = reach.unknown_mask(rows).groupby(rows["place_id"]).sum().astype("int64")
    out["sources"] = rows.groupby("place_id")["import_id"].nunique()
    return out.reset_index(), int(rows["import_id"].nunique())


def _import_ids(fact_ids: list[int], url: str | None) -> dict[int, int]:
    frame = _read_ids(lambda chunk: select(Fact.id, Fact.import_id).where(Fact.id.in_(chunk)), fact_ids, url)
    return dict(zip(frame["id"].astype(int), frame["import_id"].astype(int), strict=True))


def _besieged(day: dt.date, scope: Scope, url: str | None) -> tuple[pd.DataFrame, int]:
    current = queries.besieged_current(day, scope, url)
    if current.empty:
        return pd.DataFrame(columns=_COLUMNS), 0
    out = current.rename(columns={"pop_low": "low", "pop_high": "high"})[_COLUMNS]
    return out, int(out["sources"].sum())


def _tolls(
    metric: str, start: dt.date, end: dt.date, scope: Scope, url: str | None
) -> tuple[pd.DataFrame, int]:
    return tolls.place_figures(Selection(start, end, include_pending=scope.include_pending), metric, url)


def _with_places(figures: pd.DataFrame, url: str | None) -> pd.DataFrame:
    """Add place, parent, lat, lon to a frame keyed by place_id."""
    cols = ["place_id", "place", "parent", "lat", "lon", "low", "high", "sources"]
    cols += ["unknown"] if "unknown" in figures else []  # reached figures: convoys with an unknown one
    if figures.empty:
        return pd.DataFrame(columns=cols)
    parent = Place.__table__.alias("parent")

    def build(chunk: list[int]) -> Select:
        return (
            select(Place.id.label("place_id"), Place.name.label("place"), parent.c.name.label("parent"),
                   Place.lat, Place.lon)
            .outerjoin(parent, parent.c.id == Place.parent_id)
            .where(Place.id.in_(chunk))
        )  # fmt: skip

    places = _read_ids(build, [int(i) for i in figures["place_id"]], url)
    merged = figures.assign(place_id=figures["place_id"].astype("int64")).merge(
        places, on="place_id", how="left"
    )
    for col in {"low", "high", "sources"} | ({"unknown"} & set(merged)):
        merged[col] = merged[col].fillna(0).astype("int64")
    return merged[cols]
