"""OCHA COD admin boundaries or points as GeoJSON: ``GEOJSON_LOADER`` (``detect``, ``load``).

Reads the 2015-era OCHA Syria attributes (``NAME_EN, NAM_EN_REF, NAME_ARA, PCODE, ADMIN1_COD
...``), the current COD attributes (``ADM1_EN, ADM1_AR, ADM1_PCODE ...``) and the Damascus
neighbourhood layout (``HAY_EN, HAY_PCODE, CITY_PCODE``). Accounting, ancestors in
``result.meta["parent_places"]``, gazetteer conventions and options are those of ``loaders.cod``,
whose helpers this module shares.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from pathlib import Path
from typing import Any

from loaders.cod import (
    LAT_KEYS,
    LON_KEYS,
    Collector,
    Progress,
    coordinate,
    country_of,
    make_place,
    option_country,
    text_or_none,
    tick,
    wide_chain,
    wide_levels,
)
from loaders.geometry import feature_budget, simplify, vertices
from loaders.geometry import problem as geometry_problem
from loaders.normalise.text import decode_bytes, fold
from loaders.records import LoadError, LoadResult, PlaceRecord, Severity, clip
from loaders.registry import Format, Head, sha256_file

_PCODE_LEVEL = re.compile(r"^[A-Z]{2}((?:\d\d)+)$")  # SY07 -> 1, SY0705 -> 2, SY070500 -> 3
_NOT_NAMES = {"unknown", "n a", "na", "none", "null"}
_BROKEN = re.compile(r"[\udc80-\udcff]+")  # bytes that were not UTF-8, kept by surrogateescape


class _GeojsonLoader:
    """COD admin boundaries or points as a GeoJSON FeatureCollection."""

    def detect(self, head: Head) -> int:
        raw = head.raw.lower()
        if b'"featurecollection"' not in raw and b'"feature"' not in raw:
            return 0
        return 85 if b'pcode"' in raw or b'"admin1_cod"' in raw else 0

    def load(self, path: Path, **options: Any) -> LoadResult:
        text, encoding = _decode_geojson(path.read_bytes(), path.name, options.get("encoding"))
        try:
            doc = json.loads(text.lstrip("\ufeff"))
        except json.JSONDecodeError as exc:
            raise LoadError(
                path.name, f"is not valid JSON (line {exc.lineno}: {exc.msg}); export it again"
            ) from None
        if isinstance(doc, dict) and doc.get("type") == "Feature":
            doc = {"type": "FeatureCollection", "features": [doc]}
        if not isinstance(doc, dict) or not isinstance(doc.get("features"), list):
            raise LoadError(
                path.name, "is JSON but not a GeoJSON FeatureCollection; export the layer as GeoJSON"
            )
        result = LoadResult(path.name, Format.COD_GEOJSON.value, sha256_file(path), encoding=encoding)
        result.rows_in = len(doc["features"])
        _load_features(result, doc["features"], option_country(options), options.get("progress"))
        return result


def _decode_geojson(data: bytes, file: str, encoding: str | None) -> tuple[str, str]:
    """GeoJSON is UTF-8. A few names cut mid-character (shapefile field widths) must not cost the
    file: their bytes are kept as surrogates and each damaged name is reported by its feature.
    Mostly-invalid UTF-8 is a legacy export instead: decode_bytes picks the code page."""
    if encoding or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return decode_bytes(data, file, encoding)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        text = data.decode("utf-8-sig", "surrogateescape")
    broken = sum(len(m.group()) for m in _BROKEN.finditer(text))
    high = sum(1 for byte in data if byte > 127)
    if broken * 100 > high:  # more than 1% of the non-ASCII bytes: not UTF-8 at all
        return decode_bytes(data, file)
    return text, "utf-8"


def _load_features(result: LoadResult, features: list[Any], country: str | None, progress: Progress) -> None:
    collect = Collector(result)
    shapes = _Shapes(result, features)
    for row, feature in enumerate(features, start=1):
        tick(progress, row, len(features))
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            result.add_issue(row, None, f"feature {row} has no properties object; it names no place")
            continue
        # Checked before anything is read from it: a stored geometry is drawn for every user.
        bad = geometry_problem(feature.get("geometry"))
        if bad:
            result.add_issue(
                row, "geometry", f"feature {row} ({_label(props)}): property 'geometry': {bad}; the feature "
                "is not imported. Repair the geometry in QGIS (Vector > Geometry Tools > Check Validity)",
            )  # fmt: skip
            continue
        props, damaged = _repair(props)
        chain, reason, column = _feature_chain(props, country, row)
        if reason:
            severity = Severity.SKIPPED if column == "name" else Severity.REJECTED
            result.add_issue(row, column if column != "name" else None, reason, severity=severity)
            continue
        place = _with_point(chain[-1], props, feature.get("geometry"), result)
        if collect.add(place, "PCODE", chain[:-1]):
            shapes.keep(place, feature.get("geometry"))
            for key, kept in damaged:
                result.add_issue(
                    row,
                    key,
                    f"{key} of feature {row} ({place.name}, p-code {place.pcode}) is not valid UTF-8: a "
                    f"cut-off character was dropped; stored as {kept!r}. Correct the name in the source file",
                    severity=Severity.WARNING,
                    value=kept,
                )
    collect.finish()
    shapes.finish()


def _label(props: dict[str, Any]) -> str:
    """A feature's p-code or name for a message (the first property that looks like one)."""
    for key, value in props.items():
        if isinstance(value, str) and value and ("PCODE" in key.upper() or key.upper().endswith("_EN")):
            return clip(value, 60)
    return "no p-code"


class _Shapes:
    """Polygons go to ``result.meta["shapes"]`` ({p-code: geometry}) for the Map page, each cut to
    its share of the file's vertex budget (loaders.geometry); points do not."""

    def __init__(self, result: LoadResult, features: list[Any]) -> None:
        self.result = result
        polygons = sum(1 for f in features if isinstance(f, dict) and _is_polygon(f.get("geometry")))
        self.budget = feature_budget(polygons)
        self.simplified = 0
        self.largest = 0

    def keep(self, place: PlaceRecord, geometry: Any) -> None:
        if not place.pcode or not _is_polygon(geometry):
            return
        size = vertices(geometry)
        if size > self.budget:
            geometry = simplify(geometry, self.budget)
            self.simplified += 1
            self.largest = max(self.largest, size)
        self.result.meta.setdefault("shapes", {})[place.pcode] = geometry

    def finish(self) -> None:
        if self.simplified:
            self.result.add_issue(
                None, "geometry", f"{self.simplified:,} boundaries were simplified to at most {self.budget:,} "
                f"vertices each (the largest had {self.largest:,}) so that the map stays quick to draw; the "
                "places and their centres are as given", severity=Severity.WARNING,
            )  # fmt: skip


def _is_polygon(geometry: Any) -> bool:
    return isinstance(geometry, dict) and geometry.get("type") in ("Polygon", "MultiPolygon")


def _repair(props: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Drop undecodable bytes from property values; list (key, repaired value) for each one hit."""
    damaged = []
    fixed = dict(props)
    for key, value in props.items():
        if isinstance(value, str) and _BROKEN.search(value):
            fixed[key] = _BROKEN.sub("", value).strip()
            damaged.append((key, fixed[key]))
    return fixed, damaged


def _feature_chain(
    props: dict[str, Any], country: str | None, row: int
) -> tuple[list[PlaceRecord], str | None, str | None]:
    """(places top level first, reason, column). The last place is the feature's own."""
    upper = {key.upper(): value for key, value in props.items()}
    if "HAY_PCODE" in upper:
        return _neighbourhood(upper, country, row)
    if "PCODE" in upper:
        return _legacy_chain(upper, country, row)
    levels = wide_levels(props)
    if any(lv.pcode for lv in levels.values()):
        chain, reason = wide_chain(props, levels, country, row)
        return chain, reason, None
    return (
        [],
        "no p-code property (expected PCODE, ADM1_PCODE ... or HAY_PCODE); is this an OCHA COD layer?",
        None,
    )


def _neighbourhood(
    props: dict[str, Any], country: str | None, row: int
) -> tuple[list[PlaceRecord], str | None, str | None]:
    pcode, name, city = (
        text_or_none(props.get("HAY_PCODE")),
        text_or_none(props.get("HAY_EN")),
        text_or_none(props.get("CITY_PCODE")),
    )
    if not pcode:
        return [], "HAY_PCODE is empty; fill in the neighbourhood p-code", "HAY_PCODE"
    if not name or fold(name) in _NOT_NAMES:
        return [], f"neighbourhood {pcode} is named {name or 'nothing'!r}: no place name to match", "name"
    alts = [props.get("HAY_AR"), props.get("HAY_ARA")]
    chain = [make_place(name, None, pcode, city, country, row, alts, "neighbourhood")]
    city_name = text_or_none(props.get("CITY_NAME"))
    if city and city_name:
        chain.insert(0, make_place(city_name, 4, city, None, country, row))
    return chain, None, None


def _legacy_chain(
    props: dict[str, Any], country: str | None, row: int
) -> tuple[list[PlaceRecord], str | None, str | None]:
    """2015-era OCHA layout: NAME_EN / NAM_EN_REF / NAME_ARA / PCODE plus ADMINn_COD ancestors."""
    pcode = text_or_none(props.get("PCODE"))
    if not pcode:
        return [], "PCODE is empty; fill in the place's p-code", "PCODE"
    ancestors = [n for n in (1, 2, 3) if text_or_none(props.get(f"ADMIN{n}_COD"))]
    level = max(ancestors) + 1 if ancestors else _level_from_pcode(pcode)
    country = country or country_of(text_or_none(props.get("ADMIN1_COD")) or pcode)
    chain, parent = [], None
    for n in ancestors:
        code = text_or_none(props.get(f"ADMIN{n}_COD")) or ""
        level_name = text_or_none(props.get(f"ADMIN{n}_EN")) or code
        chain.append(make_place(level_name, n, code, parent, country, row, [props.get(f"ADMIN{n}_ARA")]))
        parent = code
    alts = [props.get("NAM_EN_REF"), props.get("NAME_ARA")]
    name = text_or_none(props.get("NAME_EN")) or next(filter(None, map(text_or_none, alts)), None)
    if not name:
        return [], f"no name for p-code {pcode} in NAME_EN, NAM_EN_REF or NAME_ARA; fill one in", "NAME_EN"
    chain.append(make_place(name, level, pcode, parent, country, row, alts))
    return chain, None, None


def _level_from_pcode(pcode: str) -> int | None:
    match = _PCODE_LEVEL.match(pcode)
    return len(match.group(1)) // 2 if match else None


def _with_point(place: PlaceRecord, props: dict[str, Any], geometry: Any, result: LoadResult) -> PlaceRecord:
    """Coordinates from LATITUDE/LONGITUDE properties, else the geometry's centroid."""
    lat = lon = None
    for key, value in props.items():
        if fold(key) in LAT_KEYS:
            lat = coordinate(value, 90)
        elif fold(key) in LON_KEYS:
            lon = coordinate(value, 180)
    if lat is None or lon is None:
        try:
            lat, lon = _centroid(geometry) or (None, None)
        except (TypeError, ValueError, IndexError, KeyError):
            reason = f"geometry of {place.pcode} could not be read; stored without coordinates"
            result.add_issue(place.row, "geometry", reason, severity=Severity.WARNING)
            return place
    return dataclasses.replace(place, lat=lat, lon=lon) if lat is not None and lon is not None else place


def _centroid(geometry: Any) -> tuple[float, float] | None:
    """(lat, lon): mean of points, or area-weighted centroid of the outer rings of polygons."""
    if not isinstance(geometry, dict) or geometry.get("coordinates") is None:
        return None
    kind, coords = geometry.get("type"), geometry["coordinates"]
    if kind in ("Point", "MultiPoint", "LineString"):
        points = [coords] if kind == "Point" else coords
        return _mean(points)
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    total = sx = sy = 0.0
    for polygon in polygons:
        area, cx, cy = _ring_centroid(polygon[0])
        total, sx, sy = total + area, sx + cx * area, sy + cy * area
    if total > 0:
        return round(sy / total, 6), round(sx / total, 6)
    return _mean([pt for polygon in polygons for pt in polygon[0]]) if polygons else None


def _mean(points: list[list[float]]) -> tuple[float, float] | None:
    if not points:
        return None
    return (
        round(sum(float(p[1]) for p in points) / len(points), 6),
        round(sum(float(p[0]) for p in points) / len(points), 6),
    )


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(|area|, x, y) of a ring by the shoelace formula, shifted to its first vertex for precision."""
    x0, y0 = float(ring[0][0]), float(ring[0][1])
    area = cx = cy = 0.0
    for (xa, ya), (xb, yb) in itertools.pairwise(ring):
        ax, ay, bx, by = float(xa) - x0, float(ya) - y0, float(xb) - x0, float(yb) - y0
        cross = ax * by - bx * ay
        area += cross
        cx += (ax + bx) * cross
        cy += (ay + by) * cross
    if area == 0:
        return 0.0, x0, y0
    return abs(area) / 2, x0 + cx / (3 * area), y0 + cy / (3 * area)


GEOJSON_LOADER = _GeojsonLoader()
