"""Map definitions: pure functions from place figures and local GeoJSON to a plotly Figure.

Works with no internet: MapLibre traces (``Scattermap``, ``Choroplethmap``) on the ``white-bg``
style, which has no tiles, and every boundary inline as GeoJSON (never a URL). Never ``scatter_geo``
or ``layout.geo``: plotly fetches their world outlines from a CDN. No text on the map either: map
text needs glyphs (fonts) from a server.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import format_range
from dashboard.filters import iso_week
from dashboard.inert import plot_text
from db.reach import reached_text
from loaders.geometry import MAX_FEATURE_VERTICES, simplify, vertices
from loaders.geometry import problem as geometry_problem

MAP_STYLE = "white-bg"
HEIGHT = 560
MIN_SIZE, MAX_SIZE = 6, 44  # marker diameters in pixels
LAND, COASTLINE, ADMIN_LINE = "#F2EFE9", "#9A9A9A", "#5B6B7B"
COLOURSCALE = "Viridis"  # perceptually uniform and colour-blind safe
METRIC_LABELS = {
    "convoys": "Convoys",
    "trucks": "Trucks planned",
    "trucks_reached": "Trucks reached",
    "people_served": "People targeted",
    "people_reached": "People reached",
    "besieged": "People besieged",
    "killed": "Civilians killed",
    "injured": "Civilians injured",
}
RANGED = {"besieged", "killed", "injured"}  # low–high across sources
BBox = tuple[float, float, float, float]  # west, south, east, north
WORLD: BBox = (-170.0, -55.0, 180.0, 75.0)
MIN_SPAN = 1.5  # degrees


@dataclass(frozen=True, slots=True)
class MapView:
    """What the Map page shows: one metric over a period, sized by the low or high end of a range."""

    metric: str
    start: Any  # datetime.date
    end: Any
    size_by: str = "high"  # or "low"
    include_pending: bool = False
    week: bool = False  # the period is one ISO week

    def describe(self) -> str:
        label = METRIC_LABELS[self.metric]
        period = f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"
        if self.week:
            period = f"week {iso_week(self.start)} ({period})"
        scope = "confirmed and pending (unreviewed) facts" if self.include_pending else "confirmed facts only"
        if self.metric == "besieged":
            what = (
                f"{label} per place on {self.end:%-d %b %Y}, the end of {period}: each place's latest "
                "figure carried forward; a town inside an enclave with its own figure is not shown twice"
            )
        elif self.metric in RANGED:
            what = f"{label} per place, {period}: lowest to highest source, never summed across sources"
        else:
            what = f"{label} per destination, {period}: each convoy counted once, by its final outcome"
            if self.metric in ("trucks_reached", "people_reached"):
                what += (" (only convoys that arrived: delivered or items removed; a partially delivered convoy's "
                         "reached figure is unknown)")  # fmt: skip
            elif self.metric in ("trucks", "people_served"):
                what += ", whether it arrived or not"
        sized = f"; circles sized by the {self.size_by} end of the range" if self.metric in RANGED else ""
        return f"{what}{sized}; {scope}."


def marker_sizes(values: Iterable[float]) -> list[float]:
    """Diameters whose *area* grows with the value (the eye compares areas); zero gets the minimum."""
    numbers = [max(float(v), 0.0) for v in values]
    top = max(numbers, default=0.0)
    if top <= 0:
        return [float(MIN_SIZE)] * len(numbers)
    return [round(MIN_SIZE + (MAX_SIZE - MIN_SIZE) * math.sqrt(v / top), 2) for v in numbers]


def _positions(value: Any) -> Iterable[list[float]]:
    if isinstance(value, dict):
        yield from _positions(value.get("coordinates") or value.get("geometries") or [])
    elif isinstance(value, list | tuple) and value and isinstance(value[0], int | float):
        yield list(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _positions(item)


def bbox(geometry: Any) -> BBox | None:
    """(west, south, east, north) of any GeoJSON geometry, or None when it has no positions."""
    points = list(_positions(geometry))
    if not points:
        return None
    return (
        min(p[0] for p in points),
        min(p[1] for p in points),
        max(p[0] for p in points),
        max(p[1] for p in points),
    )


def with_bboxes(collection: dict[str, Any]) -> dict[str, Any]:
    """The collection with each feature's ``bbox`` member filled in (computed once, then cached)."""
    features = [{**f, "bbox": f.get("bbox") or bbox(f.get("geometry"))} for f in collection["features"]]
    return {"type": "FeatureCollection", "features": features}


def features_near(collection: dict[str, Any], view: BBox, margin: float = 8.0) -> dict[str, Any]:
    """Only the features whose bbox touches the view plus ``margin`` degrees: the browser gets the
    neighbouring countries, not the whole world."""
    west, south, east, north = view[0] - margin, view[1] - margin, view[2] + margin, view[3] + margin
    kept = [
        f
        for f in collection["features"]
        if (box := f.get("bbox") or bbox(f.get("geometry")))
        and box[0] <= east and west <= box[2] and box[1] <= north and south <= box[3]
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": kept}


def simplify_ring(ring: list[list[float]], tolerance: float, digits: int = 4) -> list[list[float]]:
    """Rounded positions, dropping each one closer than ``tolerance`` degrees to the last kept
    (radial distance). The closing position is kept; a ring that would collapse stays as rounded."""
    rounded = [[round(float(p[0]), digits), round(float(p[1]), digits)] for p in ring]
    if len(rounded) < 4:
        return rounded
    kept = [rounded[0]]
    for point in rounded[1:-1]:
        last = kept[-1]
        if abs(point[0] - last[0]) > tolerance or abs(point[1] - last[1]) > tolerance:
            kept.append(point)
    kept.append(rounded[-1])
    return kept if len(kept) >= 4 else rounded


def simplify_geometry(geometry: Any, tolerance: float = 0.005) -> Any:
    """A (Multi)Polygon light enough for the browser; other geometries pass through."""
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return geometry
    if geometry["type"] == "Polygon":
        return {
            "type": "Polygon",
            "coordinates": [simplify_ring(r, tolerance) for r in geometry["coordinates"]],
        }
    polygons = [[simplify_ring(r, tolerance) for r in poly] for poly in geometry["coordinates"]]
    return {"type": "MultiPolygon", "coordinates": polygons}


def view_of(points: pd.DataFrame, admin: dict[str, Any] | None = None) -> BBox:
    """The area to show: the points, else the imported boundaries, else the world."""
    located = points.dropna(subset=["lat", "lon"]) if not points.empty else points
    if not located.empty:
        lons, lats = located["lon"].astype(float), located["lat"].astype(float)
        return float(lons.min()), float(lats.min()), float(lons.max()), float(lats.max())
    found = (f.get("bbox") or bbox(f.get("geometry")) for f in (admin or {}).get("features", []))
    boxes: list[BBox] = [b for b in found if b]
    if boxes:
        return (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
    return WORLD


def centre_and_zoom(view: BBox) -> tuple[dict[str, float], float]:
    """A centre and a zoom that fit ``view`` in a map about 900 × HEIGHT pixels (Web Mercator:
    each zoom level halves the degrees shown; 256 px show 360° at zoom 0)."""
    west, south, east, north = view
    centre = {"lon": (west + east) / 2, "lat": (south + north) / 2}
    # At least about 1.5° across: a lone town is shown with its surroundings, not street-level.
    span_lon = max(east - west, MIN_SPAN) * 1.3
    span_lat = max(north - south, MIN_SPAN) * 1.3 / max(math.cos(math.radians(centre["lat"])), 0.2)
    zoom_lon = math.log2(900 * 360 / (256 * span_lon))
    zoom_lat = math.log2(HEIGHT * 360 / (256 * span_lat))
    return centre, round(max(0.5, min(zoom_lon, zoom_lat, 11.0)), 2)


def _admin_trace(admin: dict[str, Any]) -> go.Choroplethmap:
    features = admin["features"]
    return go.Choroplethmap(
        geojson={"type": "FeatureCollection", "features": features}, locations=[f["id"] for f in features],
        featureidkey="id",
        z=[0] * len(features), colorscale=[[0, "rgba(91,107,123,0.06)"], [1, "rgba(91,107,123,0.06)"]],
        showscale=False, marker={"line": {"color": ADMIN_LINE, "width": 1}},
        text=[plot_text(f["properties"].get("name", "")) for f in features], name="admin boundaries",
        hovertemplate="%{text}<extra></extra>",
    )  # fmt: skip


def figure_texts(points: pd.DataFrame) -> list[str]:
    """Each place's figure as shown: '940–1,000'; a reached figure with partially delivered convoys
    (column unknown, db.shapes) as '1,000 + unknown' or '–' (db.reach.reached_text)."""
    if "unknown" in points:
        return [reached_text(v, n) for v, n in zip(points["low"], points["unknown"], strict=True)]
    return [format_range(lo, hi) for lo, hi in zip(points["low"], points["high"], strict=True)]


def _points_trace(points: pd.DataFrame, label: str, size_by: str) -> go.Scattermap:
    values = points[size_by].astype(float).tolist()
    figures = figure_texts(points)
    custom = list(zip(figures, points["sources"].astype(int), strict=True))
    return go.Scattermap(
        lat=points["lat"].astype(float).tolist(), lon=points["lon"].astype(float).tolist(), mode="markers",
        text=[plot_text(p) for p in points["place"]], customdata=custom, name=label,  # names: stored text
        marker={
            "size": marker_sizes(values), "color": values, "colorscale": COLOURSCALE, "opacity": 0.8,
            "cmin": 0, "cmax": max(max(values, default=0), 1),  # colours from zero, like the sizes
            "showscale": True, "colorbar": {"title": {"text": label}, "thickness": 12},
        },
        hovertemplate=f"<b>%{{text}}</b><br>{label}: %{{customdata[0]}}<br>sources: %{{customdata[1]}}<extra></extra>",
    )  # fmt: skip


def place_map(
    points: pd.DataFrame,
    metric: str,
    size_by: str = "high",
    countries: dict[str, Any] | None = None,
    admin: dict[str, Any] | None = None,
    title: str | None = None,
) -> go.Figure:
    """Places as circles sized (by area) and coloured by ``metric``, over country outlines and the
    user's admin boundaries.

    ``points`` columns: place, lat, lon, low, high, sources (rows without lat/lon are left to the
    caller to list). ``countries`` and ``admin`` are GeoJSON FeatureCollections; admin features need
    an ``id`` (the p-code) and a ``name`` property. ``size_by`` is 'low' or 'high'.
    """
    label = METRIC_LABELS.get(metric, metric)
    located = points.dropna(subset=["lat", "lon"]) if not points.empty else points
    view = view_of(located, admin)
    fig = go.Figure()
    if admin and admin.get("features"):
        fig.add_trace(_admin_trace(admin))
    if not located.empty:
        fig.add_trace(_points_trace(located, label, size_by))
    layers = []
    if countries and countries.get("features"):
        near = features_near(countries, view)
        # One fill layer with an outline: the outlines travel to the browser once, not twice.
        layers = [
            {"sourcetype": "geojson", "source": near, "type": "fill", "color": LAND,
             "fill": {"outlinecolor": COASTLINE}, "below": "traces"},
        ]  # fmt: skip
    centre, zoom = centre_and_zoom(view)
    fig.update_layout(
        map={"style": MAP_STYLE, "center": centre, "zoom": zoom, "layers": layers},
        title={"text": title or f"{label} by place"},
        height=HEIGHT, margin={"l": 0, "r": 0, "t": 40, "b": 0}, showlegend=False,
    )  # fmt: skip
    return fig


def admin_collection(shapes: pd.DataFrame, tolerance: float = 0.005) -> dict[str, Any]:
    """A FeatureCollection from db.shapes.boundaries rows (geometry already parsed into dicts in
    column ``geometry``), simplified for display, each feature's id its p-code.

    A geometry stored before imports checked them (a non-numeric coordinate, an open ring) is left
    out and its place named in the collection's ``skipped`` member, for the page to mention: one
    bad shape must not take the map away from every user."""
    features = []
    skipped: list[str] = []
    for row in shapes.itertuples():
        if not isinstance(row.geometry, dict) or geometry_problem(row.geometry):
            skipped.append(f"{row.name} ({row.pcode})")
            continue
        if vertices(row.geometry) > MAX_FEATURE_VERTICES:
            row_geometry = simplify(row.geometry, MAX_FEATURE_VERTICES)
        else:
            row_geometry = row.geometry
        geometry = simplify_geometry(row_geometry, tolerance)
        features.append(
            {"type": "Feature", "id": row.pcode, "properties": {"name": row.name, "level": row.level},
             "geometry": geometry, "bbox": bbox(geometry)}
        )  # fmt: skip
    return {"type": "FeatureCollection", "features": features, "skipped": skipped}
