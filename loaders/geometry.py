"""GeoJSON geometry: checked before it is stored, and reduced to a vertex budget.

Boundary polygons are drawn on the Map page for every user, so what an import stores must be safe
to draw: a non-numeric coordinate used to crash the page for everyone, and a one-million-vertex
polygon sent 20 MB with every map view. ``problem`` says what is wrong with a geometry (numbers,
finite, WGS84 longitude and latitude ranges, closed rings, the nesting its type requires);
``simplify`` keeps at most a budget of vertices per feature with a top-down Douglas-Peucker that
stops at the budget (numpy, no GEOS: shapely is not a dependency).
"""

from __future__ import annotations

import heapq
import math
from typing import Any

MAX_FEATURE_VERTICES = 5_000  # an admin-3 boundary at 100 m detail holds a few thousand
MAX_TOTAL_VERTICES = 500_000  # all polygons of one file: ~10 MB of JSON, the most a map view should get
MIN_FEATURE_VERTICES = 64  # a budget split over thousands of communities still draws each one
MIN_RING = 4  # a closed ring: three corners and the first again
_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _position_problem(pos: Any, where: str) -> str | None:
    if _number(pos):
        return f"{where} is one number where a [longitude, latitude] pair belongs: nested too shallow for its type"
    if isinstance(pos, list | tuple) and any(isinstance(v, list | tuple) for v in pos):
        return f"{where} is a list of lists where a [longitude, latitude] pair belongs: nested too deep for its type"
    if not isinstance(pos, list | tuple) or len(pos) < 2:
        return f"{where} is not a [longitude, latitude] pair"
    if not all(_number(v) for v in pos):
        shown = ", ".join(repr(v)[:40] for v in pos[:3])
        return f"{where} holds something that is not a number ([{shown}])"
    lon, lat = float(pos[0]), float(pos[1])
    if not all(math.isfinite(float(v)) for v in pos):
        return f"{where} holds an infinite or NaN coordinate"
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return (
            f"{where} is ({lon:g}, {lat:g}), outside longitude -180..180 / latitude -90..90: the layer is "
            "probably in a projected system; export it as GeoJSON in WGS84 (EPSG:4326)"
        )
    return None


def _walk(coords: Any, depth: int, where: str) -> str | None:
    """The first problem in ``coords`` nested ``depth`` list levels above positions."""
    if depth == 0:
        return _position_problem(coords, where)
    if not isinstance(coords, list | tuple):
        return f"{where} should be a list nested {depth} deep, not {type(coords).__name__}"
    for i, item in enumerate(coords):
        found = _walk(item, depth - 1, f"{where}[{i}]")
        if found:
            return found
    return None


def _rings_problem(polygons: list[Any]) -> str | None:
    for p, polygon in enumerate(polygons):
        if not polygon:
            return f"polygon {p} has no rings"
        for r, ring in enumerate(polygon):
            if len(ring) < MIN_RING:
                return f"ring {r} of polygon {p} has {len(ring)} positions; a closed ring needs at least {MIN_RING}"
            if list(ring[0][:2]) != list(ring[-1][:2]):
                return f"ring {r} of polygon {p} is not closed (its last position differs from its first)"
    return None


def problem(geometry: Any) -> str | None:
    """Why ``geometry`` cannot be stored and drawn, or None when it can (None geometry is fine)."""
    if geometry is None:
        return None
    if not isinstance(geometry, dict):
        return f"geometry is {type(geometry).__name__}, not a GeoJSON geometry object"
    kind = geometry.get("type")
    if kind == "GeometryCollection":
        parts = geometry.get("geometries")
        if not isinstance(parts, list):
            return "GeometryCollection has no geometries list"
        for i, part in enumerate(parts):
            if isinstance(part, dict) and part.get("type") == "GeometryCollection":
                return "GeometryCollection inside a GeometryCollection is not allowed"
            found = problem(part)
            if found:
                return f"geometries[{i}]: {found}"
        return None
    if kind not in _DEPTH:
        return f"geometry type {str(kind)[:40]!r} is not a GeoJSON geometry type"
    coords = geometry.get("coordinates")
    if coords is None:
        return f"{kind} has no coordinates"
    found = _walk(coords, _DEPTH[kind], "coordinates")
    if found:
        return found
    if kind == "Polygon":
        return _rings_problem([coords])
    if kind == "MultiPolygon":
        return _rings_problem(coords)
    return None


def vertices(geometry: Any) -> int:
    """The number of positions in a valid geometry."""
    if not isinstance(geometry, dict):
        return 0
    if geometry.get("type") == "GeometryCollection":
        return sum(vertices(g) for g in geometry.get("geometries") or [])
    depth = _DEPTH.get(str(geometry.get("type")), -1)
    coords: Any = geometry.get("coordinates")
    if depth < 0 or coords is None:
        return 0
    if depth == 0:
        return 1
    for _ in range(depth - 1):
        coords = [item for part in coords for item in part]
    return len(coords)


# --------------------------------------------------------------------------- simplification


def _farthest(points: Any, start: int, end: int) -> tuple[float, int]:
    """(distance, index) of the point between ``start`` and ``end`` farthest from their chord."""
    import numpy as np

    inner = points[start + 1 : end]
    a, b = points[start], points[end]
    chord = b - a
    length = math.hypot(chord[0], chord[1])
    if length == 0:  # a closed ring's chord: distance to the point itself
        dist = np.hypot(inner[:, 0] - a[0], inner[:, 1] - a[1])
    else:
        dist = np.abs(chord[0] * (inner[:, 1] - a[1]) - chord[1] * (inner[:, 0] - a[0])) / length
    i = int(np.argmax(dist))
    return float(dist[i]), start + 1 + i


def simplify_line(line: list[Any], budget: int) -> list[list[float]]:
    """At most ``budget`` positions of ``line`` (at least its two ends): top-down Douglas-Peucker
    that always splits the segment with the farthest point next, so it stops exactly at the
    budget. The first and last positions stay, so a closed ring stays closed."""
    if len(line) <= budget:
        return [[float(v) for v in p[:2]] for p in line]
    import numpy as np  # here: the loaders stay quick to import in db.pipeline's reader process

    points = np.asarray([p[:2] for p in line], dtype=float)
    keep = {0, len(points) - 1}
    heap: list[tuple[float, int, int, int]] = []

    def push(start: int, end: int) -> None:
        if end - start > 1:
            dist, at = _farthest(points, start, end)
            heapq.heappush(heap, (-dist, at, start, end))

    push(0, len(points) - 1)
    while heap and len(keep) < budget:
        _, at, start, end = heapq.heappop(heap)
        keep.add(at)
        push(start, at)
        push(at, end)
    return points[sorted(keep)].tolist()


def _ring_budgets(polygons: list[Any], budget: int) -> list[list[int]]:
    """Each ring's share of ``budget``, by its size, outer rings first and the biggest first;
    rings that no longer fit get 0 (dropped)."""
    rings = [(p, r, len(ring)) for p, polygon in enumerate(polygons) for r, ring in enumerate(polygon)]
    total = sum(n for _, _, n in rings)
    shares = [[0] * len(polygon) for polygon in polygons]
    left = budget
    for p, r, n in sorted(rings, key=lambda item: (item[1] > 0, -item[2])):
        if left < MIN_RING or (r > 0 and shares[p][0] == 0):
            continue  # out of budget, or a hole whose outer ring was dropped
        share = min(n, max(MIN_RING, budget * n // max(total, 1)), left)
        shares[p][r] = share
        left -= share
    return shares


def simplify(geometry: dict[str, Any], budget: int = MAX_FEATURE_VERTICES) -> dict[str, Any]:
    """A (Multi)Polygon with at most about ``budget`` vertices (each ring keeps at least 4 and
    stays closed; holes and islands too small for the budget are dropped); other geometries and
    polygons already within the budget are returned as they are."""
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon") or vertices(geometry) <= budget:
        return geometry
    polygons = [geometry["coordinates"]] if kind == "Polygon" else geometry["coordinates"]
    out = []
    for polygon, shares in zip(polygons, _ring_budgets(polygons, budget), strict=True):
        kept = [simplify_line(ring, share) for ring, share in zip(polygon, shares, strict=True) if share]
        if kept:
            out.append(kept)
    if kind == "Polygon":
        return {"type": "Polygon", "coordinates": out[0]}
    return {"type": "MultiPolygon", "coordinates": out}


def feature_budget(polygons: int) -> int:
    """Vertices each of ``polygons`` features may keep: the per-feature cap, shared out of the
    file's total budget, never below MIN_FEATURE_VERTICES."""
    if polygons <= 0:
        return MAX_FEATURE_VERTICES
    return max(MIN_FEATURE_VERTICES, min(MAX_FEATURE_VERTICES, MAX_TOTAL_VERTICES // polygons))
