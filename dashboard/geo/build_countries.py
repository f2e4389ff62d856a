"""Build ``countries.geojson`` (the Map page's offline country outlines) from world-atlas TopoJSON.

world-atlas (npm) redistributes Natural Earth's public-domain admin-0 boundaries as TopoJSON. This
script decodes TopoJSON (quantised, delta-encoded arcs) into GeoJSON with the standard library only,
keeps the 1:50m outlines for the countries the tool is used in most (``REGION``) and the 1:110m ones
elsewhere, rounds coordinates to 3 decimals (about 100 m) and writes one FeatureCollection.

    cd /tmp && npm pack world-atlas && tar xzf world-atlas-*.tgz
    python -m dashboard.geo.build_countries /tmp/package dashboard/geo/countries.geojson
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

Position = list[float]
Ring = list[Position]
BBox = tuple[float, float, float, float]  # west, south, east, north

# Africa, Europe, the Middle East, Central and South Asia to Myanmar: 1:50m detail where most
# humanitarian-access crises of the past decades are; elsewhere 1:110m keeps the file small
# (1:50m everywhere would be 1.7 MB). A country is in the region when its mainland is.
REGION: BBox = (-20.0, -35.0, 100.0, 56.0)
DIGITS = 3


def decode_arcs(topology: dict[str, Any]) -> list[Ring]:
    """Absolute [lon, lat] positions of every arc. Quantised topologies (with a ``transform``)
    store each arc's first position as integers and the rest as deltas from the previous one."""
    transform = topology.get("transform")
    arcs: list[Ring] = []
    for arc in topology["arcs"]:
        if not transform:
            arcs.append([[float(p[0]), float(p[1])] for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        positions = []
        for point in arc:
            x, y = x + point[0], y + point[1]
            positions.append([x * sx + tx, y * sy + ty])
        arcs.append(positions)
    return arcs


def _ring(indexes: Sequence[int], arcs: list[Ring]) -> Ring:
    """Join arcs into a line; a negative index ~i means arc i reversed. Consecutive arcs share
    their meeting point, which is kept once."""
    out: Ring = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        out.extend(arc if not out else arc[1:])
    return out


def _point(position: Sequence[float], transform: dict[str, Any] | None) -> Position:
    if not transform:
        return [float(position[0]), float(position[1])]
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    return [position[0] * sx + tx, position[1] * sy + ty]


def geometry(obj: dict[str, Any], arcs: list[Ring], transform: dict[str, Any] | None = None) -> Any:
    """The GeoJSON geometry of one TopoJSON geometry object (None for a null geometry)."""
    kind = obj.get("type")
    if kind == "Polygon":
        return {"type": kind, "coordinates": [_ring(r, arcs) for r in obj["arcs"]]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [[_ring(r, arcs) for r in poly] for poly in obj["arcs"]]}
    if kind == "LineString":
        return {"type": kind, "coordinates": _ring(obj["arcs"], arcs)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [_ring(line, arcs) for line in obj["arcs"]]}
    if kind == "Point":
        return {"type": kind, "coordinates": _point(obj["coordinates"], transform)}
    if kind == "MultiPoint":
        return {"type": kind, "coordinates": [_point(p, transform) for p in obj["coordinates"]]}
    if kind == "GeometryCollection":
        return {"type": kind, "geometries": [geometry(g, arcs, transform) for g in obj["geometries"]]}
    return None


def features(topology: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The features of one named object (e.g. 'countries') as GeoJSON Feature dicts."""
    arcs = decode_arcs(topology)
    transform = topology.get("transform")
    collection = topology["objects"][name]
    members = collection["geometries"] if collection.get("type") == "GeometryCollection" else [collection]
    out = []
    for obj in members:
        feature: dict[str, Any] = {
            "type": "Feature",
            "properties": dict(obj.get("properties") or {}),
            "geometry": geometry(obj, arcs, transform),
        }
        if "id" in obj:
            feature["id"] = obj["id"]
        out.append(feature)
    return out


def round_ring(ring: Ring, digits: int = DIGITS) -> Ring:
    """Rounded positions without consecutive repeats; a closed ring stays closed."""
    out: Ring = []
    for lon, lat in ring:
        point = [round(lon, digits), round(lat, digits)]
        if not out or point != out[-1]:
            out.append(point)
    return out


def round_geometry(geom: Any, digits: int = DIGITS) -> Any:
    """Polygons rounded; rings that collapse below 4 positions (a triangle) are dropped."""
    if not geom:
        return geom
    if geom["type"] in ("Polygon", "MultiPolygon"):
        polygons = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        kept = []
        for polygon in polygons:
            outer, *holes = (round_ring(ring, digits) for ring in polygon)
            if len(outer) >= 4:  # an outer ring that collapsed takes its holes with it
                kept.append([outer, *(h for h in holes if len(h) >= 4)])
        if not kept:
            return None
        return {"type": "Polygon", "coordinates": kept[0]} if len(kept) == 1 else {
            "type": "MultiPolygon", "coordinates": kept
        }  # fmt: skip
    return geom


def bbox(geom: Any) -> BBox | None:
    points = list(_positions(geom))
    if not points:
        return None
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return min(lons), min(lats), max(lons), max(lats)


def main_polygon(geom: Any) -> Any:
    """The polygon with the most positions: a country's mainland, not its overseas islands."""
    if not geom or geom["type"] != "MultiPolygon":
        return geom
    return {"type": "Polygon", "coordinates": max(geom["coordinates"], key=lambda p: len(p[0]))}


def _positions(value: Any) -> Iterable[Position]:
    if isinstance(value, dict):
        yield from _positions(value.get("coordinates") or value.get("geometries") or [])
    elif isinstance(value, list) and value and isinstance(value[0], int | float):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _positions(item)


def intersects(a: BBox, b: BBox) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def _iso3(numeric: Any) -> str | None:
    import pycountry

    found = pycountry.countries.get(numeric=str(numeric)) if numeric else None
    return found.alpha_3 if found else None


def countries(detailed: dict[str, Any], coarse: dict[str, Any], region: BBox = REGION) -> dict[str, Any]:
    """One FeatureCollection: detailed outlines inside ``region``, coarse ones elsewhere.

    Each feature has properties name, iso3 (None where Natural Earth has no ISO code) and detail
    ('50m' or '110m').
    """
    chosen: dict[str, tuple[str, dict[str, Any]]] = {}
    for scale, topology in (("110m", coarse), ("50m", detailed)):
        for feature in features(topology, "countries"):
            geom = round_geometry(feature["geometry"])
            box = bbox(main_polygon(geom))
            if box is None:
                continue
            key = feature["properties"].get("name") or str(feature.get("id"))
            if scale == "50m" and not intersects(box, region):
                continue
            chosen[key] = (scale, {**feature, "geometry": geom})
    out = []
    for name, (scale, feature) in sorted(chosen.items()):
        props = {"name": name, "iso3": _iso3(feature.get("id")), "detail": scale}
        out.append({"type": "Feature", "properties": props, "geometry": feature["geometry"]})
    return {"type": "FeatureCollection", "features": out}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("package", type=Path, help="the unpacked world-atlas package folder")
    parser.add_argument("output", type=Path, help="the GeoJSON file to write")
    args = parser.parse_args(argv)
    detailed = json.loads((args.package / "countries-50m.json").read_text(encoding="utf-8"))
    coarse = json.loads((args.package / "countries-110m.json").read_text(encoding="utf-8"))
    collection = countries(detailed, coarse)
    args.output.write_text(
        json.dumps(collection, separators=(",", ":"), ensure_ascii=False), encoding="utf-8"
    )
    size = args.output.stat().st_size
    print(f"{args.output}: {len(collection['features'])} countries, {size / 1e6:.2f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
