"""OCHA common operational dataset (COD) gazetteers: admin p-code tables and admin GeoJSON.

Two loaders, one per format, each with ``detect(head)`` and ``load(path, **options)``:

* ``PCODES_LOADER`` reads admin tables (CSV). Either the HDX global p-code list (``Location, Admin
  Level, P-Code, Name, Parent P-Code, Valid from date``: one row per place), or the wide COD
  tabular layout (``ADM1_EN, ADM1_AR, ADM1_PCODE, ADM2_EN, ADM2_PCODE ...`` or ``admin1Name_en,
  admin1Pcode ...``: one row per deepest-level place, its ancestors repeated on every row).
* ``GEOJSON_LOADER`` reads admin boundaries or points: the 2015-era OCHA Syria attributes
  (``NAME_EN, NAM_EN_REF, NAME_ARA, PCODE, ADMIN1_COD ...``), the current COD attributes
  (``ADM1_EN, ADM1_AR, ADM1_PCODE ...``) and the Damascus neighbourhood layout (``HAY_EN,
  HAY_PCODE, CITY_PCODE``).

Accounting: each row or feature gives exactly one PlaceRecord (its deepest level) or one issue.
Ancestors named on the rows (the ADM1 columns of an ADM2 table, the ADMIN3 names on community
points) are not rows of their own, so they go to ``result.meta["parent_places"]`` (a list of
PlaceRecord, one per distinct p-code not already in ``result.places``, ``row`` = first row naming
it) instead of ``result.places``.

Conventions shared with the built-in gazetteer: level-1 places get the country ISO3 as parent
p-code (the global list does the same); neighbourhoods get ``admin_level=None`` and
``place_type="neighbourhood"``; Arabic and reference names go to ``alt_names``. Options:
``country`` (ISO3 or name: fills the country where p-codes do not tell it, and keeps only that
country's rows of the global list), ``encoding``, ``progress``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from loaders.normalise.countries import country_iso3
from loaders.normalise.text import decode_bytes, fold, split_rows
from loaders.records import LoadError, LoadResult, PlaceRecord, Severity
from loaders.registry import Format, Head, sha256_file

Progress = Callable[[int, int], None] | None

_GLOBAL_HEADER = ["location", "admin level", "p code", "name", "parent p code"]
# Wide admin columns after fold() without spaces: adm1en, admin1nameen, adm1pcode, admin1pcode,
# adm1ref, admin1refnameen, adm1alt1en, adm1ar, admin1namear, adm1name.
_WIDE_COLUMN = re.compile(r"^adm(?:in)?(\d)(?:name)?(pcode|en|ar|ref|refname(?:en)?|alt\d?(?:en|ar)|)$")
_PCODE_LEVEL = re.compile(r"^[A-Z]{2}((?:\d\d)+)$")  # SY07 -> 1, SY0705 -> 2, SY070500 -> 3
_LAT_KEYS = {"lat", "latitude", "center lat", "centre lat"}
_LON_KEYS = {"lon", "long", "longitude", "center lon", "centre lon"}
_PLACE_TYPES = {0: "country", 1: "admin1", 2: "admin2", 3: "admin3", 4: "community"}
_NOT_NAMES = {"unknown", "n a", "na", "none", "null"}
_BROKEN = re.compile(r"[\udc80-\udcff]+")  # bytes that were not UTF-8, kept by surrogateescape


@dataclasses.dataclass(slots=True)
class _Level:
    """The columns (or properties) that describe one admin level of a wide row."""

    pcode: str | None = None
    name: str | None = None
    alts: list[str] = dataclasses.field(default_factory=list)


def _wide_levels(keys: Iterable[str]) -> dict[int, _Level]:
    """Admin level -> the keys holding its p-code, English name and other names."""
    levels: dict[int, _Level] = {}
    for key in keys:
        match = _WIDE_COLUMN.match(fold(key).replace(" ", ""))
        if not match:
            continue
        slot = levels.setdefault(int(match.group(1)), _Level())
        role = match.group(2)
        if role == "pcode":
            slot.pcode = key
        elif role in ("en", "") and slot.name is None:
            slot.name = key
        else:
            slot.alts.append(key)
    return levels


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _alt_names(name: str, values: Iterable[Any]) -> tuple[str, ...]:
    seen, alts = {name}, []
    for text in filter(None, map(_text, values)):
        if text not in seen:
            seen.add(text)
            alts.append(text)
    return tuple(alts)


def _country_of(pcode: str | None) -> str | None:
    """ISO3 from a p-code's ISO2 prefix (SY0302 -> SYR); None for C#### community codes."""
    if pcode and len(pcode) >= 2 and pcode[:2].isalpha():
        return country_iso3(pcode[:2])
    return None


def _coordinate(value: Any, limit: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def _place(
    name: str,
    level: int | None,
    pcode: str,
    parent: str | None,
    country: str | None,
    row: int,
    alts: Iterable[Any] = (),
    place_type: str | None = None,
) -> PlaceRecord:
    return PlaceRecord(
        name=name,
        admin_level=level,
        pcode=pcode,
        parent_pcode=parent or (country if level == 1 else None),
        country=country,
        alt_names=_alt_names(name, alts),
        row=row,
        place_type=place_type or _PLACE_TYPES.get(level if level is not None else -1),
    )


class _Collector:
    """Adds places to a result: rejects repeated p-codes, gathers ancestors for meta."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        self.seen: dict[str, int] = {}
        self.parents: dict[str, PlaceRecord] = {}

    def add(self, place: PlaceRecord, column: str | None, ancestors: Iterable[PlaceRecord] = ()) -> bool:
        code = place.pcode or ""
        if code in self.seen:
            self.result.add_issue(
                place.row,
                column,
                f"p-code {code} already given on row {self.seen[code]}; remove one",
                value=code,
            )
            return False
        self.seen[code] = place.row or 0
        self.result.places.append(place)
        for ancestor in ancestors:
            self.parents.setdefault(ancestor.pcode or "", ancestor)
        return True

    def finish(self) -> None:
        self.result.meta["parent_places"] = [p for code, p in self.parents.items() if code not in self.seen]
        levels: dict[str, int] = {}
        for place in self.result.places:
            levels[str(place.admin_level)] = levels.get(str(place.admin_level), 0) + 1
        self.result.meta["levels"] = levels
        missing = sum(1 for place in self.result.places if not place.country)
        if missing:
            reason = (
                f"{missing} places have no country (their p-codes do not say it); load with country='SYR'"
            )
            self.result.add_issue(None, None, reason + " or the right ISO3", severity=Severity.WARNING)


def _tick(progress: Progress, done: int, total: int) -> None:
    if progress and (done % 500 == 0 or done == total):
        progress(done, total)


def _option_country(options: dict[str, Any]) -> str | None:
    value = options.get("country")
    if not value:
        return None
    iso3 = country_iso3(value)
    if not iso3:
        raise LoadError(
            "options", f"country={value!r} is not a country name or ISO code; use e.g. country='SYR'"
        )
    return iso3


# --------------------------------------------------------------------------- p-code tables


class _PcodesLoader:
    """HDX global p-code list or a wide COD admin table (CSV)."""

    def detect(self, head: Head) -> int:
        if not head.rows or not head.rows[0]:
            return 0
        header = [fold(cell.lstrip("\ufeff")) for cell in head.rows[0]]
        if all(col in header for col in _GLOBAL_HEADER):
            return 90
        levels = _wide_levels(head.rows[0])
        admin_cols = sum(
            len(lv.alts) + (lv.name is not None) + (lv.pcode is not None) for lv in levels.values()
        )
        if any(lv.pcode for lv in levels.values()) and admin_cols * 2 >= len(header):
            return 70
        return 0

    def load(self, path: Path, **options: Any) -> LoadResult:
        text, encoding = decode_bytes(path.read_bytes(), path.name, options.get("encoding"))
        rows, _ = split_rows(text.lstrip("\ufeff"))
        if not rows or not any(rows[0]):
            raise LoadError(path.name, "has no header row; export the p-code table again with its header")
        result = LoadResult(path.name, Format.COD_PCODES.value, sha256_file(path), encoding=encoding)
        first = 3 if len(rows) > 1 and rows[1] and rows[1][0].startswith("#") else 2  # skip an HXL row
        body = [(n, row) for n, row in enumerate(rows[first - 1 :], start=first) if any(row)]
        result.rows_in = len(body)
        country, header = _option_country(options), rows[0]
        if all(col in [fold(h) for h in header] for col in _GLOBAL_HEADER):
            _load_global(result, header, body, country, options.get("progress"))
            return result
        levels = _wide_levels(header)
        if not any(lv.pcode for lv in levels.values()):
            raise LoadError(
                path.name,
                "has no p-code columns (expected 'P-Code' with 'Admin Level', or ADM1_PCODE / admin1Pcode "
                "style columns); check that this is an OCHA COD admin table",
            )
        _load_wide(result, header, levels, body, country, options.get("progress"))
        return result


def _load_global(
    result: LoadResult,
    header: list[str],
    body: list[tuple[int, list[str]]],
    country: str | None,
    progress: Progress,
) -> None:
    index = {fold(h): i for i, h in enumerate(header)}
    collect = _Collector(result)
    for done, (row_no, row) in enumerate(body, start=1):
        _tick(progress, done, len(body))
        cells = {col: (row[index[col]] if index[col] < len(row) else "") for col in _GLOBAL_HEADER}
        row_country = country_iso3(cells["location"])
        if country and row_country != country:
            reason = f"country {cells['location']!r} is not the one asked for ({country})"
            result.add_issue(row_no, "Location", reason, severity=Severity.SKIPPED, value=cells["location"])
            continue
        problem = _global_row_problem(cells)
        if problem:
            result.add_issue(row_no, problem[0], problem[1], value=cells[fold(problem[0])] or None)
            continue
        level, pcode = int(cells["admin level"]), cells["p code"]
        place = _place(
            cells["name"], level, pcode, cells["parent p code"], row_country or _country_of(pcode), row_no
        )
        collect.add(place, "P-Code")
    collect.finish()


def _global_row_problem(cells: dict[str, str]) -> tuple[str, str] | None:
    """(column, reason) when a global p-code row cannot be stored, else None."""
    if not cells["p code"]:
        return "P-Code", "P-Code is empty; fill in the place's p-code or delete the row"
    if not cells["name"]:
        return "Name", f"Name is empty for p-code {cells['p code']}; fill in the place name"
    if not cells["admin level"].isdigit() or int(cells["admin level"]) > 5:
        return "Admin Level", f"Admin Level {cells['admin level']!r} is not a whole number from 0 to 5"
    return None


def _load_wide(
    result: LoadResult,
    header: list[str],
    levels: dict[int, _Level],
    body: list[tuple[int, list[str]]],
    country: str | None,
    progress: Progress,
) -> None:
    lat_key = next((h for h in header if fold(h) in _LAT_KEYS), None)
    lon_key = next((h for h in header if fold(h) in _LON_KEYS), None)
    collect = _Collector(result)
    for done, (row_no, row) in enumerate(body, start=1):
        _tick(progress, done, len(body))
        values = dict(zip(header, row, strict=False))
        chain, reason = _wide_chain(values, levels, country, row_no)
        if reason:
            result.add_issue(row_no, None, reason)
            continue
        lat = _coordinate(values.get(lat_key or ""), 90)
        lon = _coordinate(values.get(lon_key or ""), 180)
        place = (
            dataclasses.replace(chain[-1], lat=lat, lon=lon)
            if lat is not None and lon is not None
            else chain[-1]
        )
        collect.add(place, levels[place.admin_level or 0].pcode, chain[:-1])
    collect.finish()


def _wide_chain(
    values: dict[str, Any], levels: dict[int, _Level], country: str | None, row_no: int
) -> tuple[list[PlaceRecord], str | None]:
    """The places named on one wide row or feature, top level first (level 0 left out), or a reason."""
    if not country and 0 in levels and levels[0].pcode:
        country = country_iso3(_text(values.get(levels[0].pcode)))
    chain: list[PlaceRecord] = []
    for level in sorted(lv for lv in levels if lv > 0):
        slot = levels[level]
        pcode = _text(values.get(slot.pcode)) if slot.pcode else None
        alts = [values.get(key) for key in slot.alts]
        name = _text(values.get(slot.name)) if slot.name else None
        name = name or next(filter(None, map(_text, alts)), None)
        if not pcode and name:
            if any(_text(values.get(levels[lv].pcode or "")) for lv in levels if lv > level):
                continue  # an upper level without its code: the deeper level still identifies the row
            return [], f"{slot.pcode or 'the p-code column'} is empty for {name}; fill in its p-code"
        if not pcode:
            continue
        if not name:
            return [], f"no name for p-code {pcode} (its level-{level} name columns are empty); fill it in"
        parent = chain[-1].pcode if chain else None
        chain.append(_place(name, level, pcode, parent, country or _country_of(pcode), row_no, alts))
    if not chain:
        return [], "no p-code in any admin level column; fill in the p-code or delete the row"
    return chain, None


PCODES_LOADER = _PcodesLoader()

# --------------------------------------------------------------------------- GeoJSON


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
        _load_features(result, doc["features"], _option_country(options), options.get("progress"))
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
    collect = _Collector(result)
    for row, feature in enumerate(features, start=1):
        _tick(progress, row, len(features))
        props = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(props, dict):
            result.add_issue(row, None, f"feature {row} has no properties object; it names no place")
            continue
        props, damaged = _repair(props)
        chain, reason, column = _feature_chain(props, country, row)
        if reason:
            severity = Severity.SKIPPED if column == "name" else Severity.REJECTED
            result.add_issue(row, column if column != "name" else None, reason, severity=severity)
            continue
        place = _with_point(chain[-1], props, feature.get("geometry"), result)
        if collect.add(place, "PCODE", chain[:-1]):
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
    levels = _wide_levels(props)
    if any(lv.pcode for lv in levels.values()):
        chain, reason = _wide_chain(props, levels, country, row)
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
        _text(props.get("HAY_PCODE")),
        _text(props.get("HAY_EN")),
        _text(props.get("CITY_PCODE")),
    )
    if not pcode:
        return [], "HAY_PCODE is empty; fill in the neighbourhood p-code", "HAY_PCODE"
    if not name or fold(name) in _NOT_NAMES:
        return [], f"neighbourhood {pcode} is named {name or 'nothing'!r}: no place name to match", "name"
    alts = [props.get("HAY_AR"), props.get("HAY_ARA")]
    chain = [_place(name, None, pcode, city, country, row, alts, "neighbourhood")]
    city_name = _text(props.get("CITY_NAME"))
    if city and city_name:
        chain.insert(0, _place(city_name, 4, city, None, country, row))
    return chain, None, None


def _legacy_chain(
    props: dict[str, Any], country: str | None, row: int
) -> tuple[list[PlaceRecord], str | None, str | None]:
    """2015-era OCHA layout: NAME_EN / NAM_EN_REF / NAME_ARA / PCODE plus ADMINn_COD ancestors."""
    pcode = _text(props.get("PCODE"))
    if not pcode:
        return [], "PCODE is empty; fill in the place's p-code", "PCODE"
    ancestors = [n for n in (1, 2, 3) if _text(props.get(f"ADMIN{n}_COD"))]
    level = max(ancestors) + 1 if ancestors else _level_from_pcode(pcode)
    country = country or _country_of(_text(props.get("ADMIN1_COD")) or pcode)
    chain, parent = [], None
    for n in ancestors:
        code = _text(props.get(f"ADMIN{n}_COD")) or ""
        name = _text(props.get(f"ADMIN{n}_EN")) or code
        chain.append(_place(name, n, code, parent, country, row, [props.get(f"ADMIN{n}_ARA")]))
        parent = code
    alts = [props.get("NAM_EN_REF"), props.get("NAME_ARA")]
    name = _text(props.get("NAME_EN")) or next(filter(None, map(_text, alts)), None)
    if not name:
        return [], f"no name for p-code {pcode} in NAME_EN, NAM_EN_REF or NAME_ARA; fill one in", "NAME_EN"
    chain.append(_place(name, level, pcode, parent, country, row, alts))
    return chain, None, None


def _level_from_pcode(pcode: str) -> int | None:
    match = _PCODE_LEVEL.match(pcode)
    return len(match.group(1)) // 2 if match else None


def _with_point(place: PlaceRecord, props: dict[str, Any], geometry: Any, result: LoadResult) -> PlaceRecord:
    """Coordinates from LATITUDE/LONGITUDE properties, else the geometry's centroid."""
    lat = lon = None
    for key, value in props.items():
        if fold(key) in _LAT_KEYS:
            lat = _coordinate(value, 90)
        elif fold(key) in _LON_KEYS:
            lon = _coordinate(value, 180)
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
