"""OCHA common operational dataset (COD) gazetteers: admin p-code tables, and the helpers shared
with the admin GeoJSON loader (``loaders.cod_geojson``).

``PCODES_LOADER`` (``detect(head)`` and ``load(path, **options)``) reads admin tables (CSV).
Either the HDX global p-code list (``Location, Admin Level, P-Code, Name, Parent P-Code, Valid
from date``: one row per place), or the wide COD tabular layout (``ADM1_EN, ADM1_AR, ADM1_PCODE,
ADM2_EN, ADM2_PCODE ...`` or ``admin1Name_en, admin1Pcode ...``: one row per deepest-level place,
its ancestors repeated on every row).

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
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from loaders.limits import oversized_place
from loaders.normalise.countries import country_iso3
from loaders.normalise.text import decode_bytes, fold, split_rows
from loaders.records import LoadError, LoadResult, PlaceRecord, Severity
from loaders.registry import Format, Head, sha256_file

Progress = Callable[[int, int], None] | None

_GLOBAL_HEADER = ["location", "admin level", "p code", "name", "parent p code"]
# Wide admin columns after fold() without spaces: adm1en, admin1nameen, adm1pcode, admin1pcode,
# adm1ref, admin1refnameen, adm1alt1en, adm1ar, admin1namear, adm1name.
_WIDE_COLUMN = re.compile(r"^adm(?:in)?(\d)(?:name)?(pcode|en|ar|ref|refname(?:en)?|alt\d?(?:en|ar)|)$")
LAT_KEYS = {"lat", "latitude", "center lat", "centre lat"}
LON_KEYS = {"lon", "long", "longitude", "center lon", "centre lon"}
_PLACE_TYPES = {0: "country", 1: "admin1", 2: "admin2", 3: "admin3", 4: "community"}


@dataclasses.dataclass(slots=True)
class _Level:
    """The columns (or properties) that describe one admin level of a wide row."""

    pcode: str | None = None
    name: str | None = None
    alts: list[str] = dataclasses.field(default_factory=list)


def wide_levels(keys: Iterable[str]) -> dict[int, _Level]:
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


def text_or_none(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _alt_names(name: str, values: Iterable[Any]) -> tuple[str, ...]:
    seen, alts = {name}, []
    for text in filter(None, map(text_or_none, values)):
        if text not in seen:
            seen.add(text)
            alts.append(text)
    return tuple(alts)


def country_of(pcode: str | None) -> str | None:
    """ISO3 from a p-code's ISO2 prefix (SY0302 -> SYR); None for C#### community codes."""
    if pcode and len(pcode) >= 2 and pcode[:2].isalpha():
        return country_iso3(pcode[:2])
    return None


def coordinate(value: Any, limit: float) -> float | None:
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -limit <= number <= limit else None


def make_place(
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


class Collector:
    """Adds places to a result: rejects repeated p-codes, gathers ancestors for meta."""

    def __init__(self, result: LoadResult) -> None:
        self.result = result
        self.seen: dict[str, int] = {}
        self.parents: dict[str, PlaceRecord] = {}

    def add(self, place: PlaceRecord, column: str | None, ancestors: Iterable[PlaceRecord] = ()) -> bool:
        ancestors = list(ancestors)
        for entry in (*ancestors, place):  # a 2 MB name in one cell would reach every sidebar
            found = oversized_place(entry)
            if found is not None:
                self.result.add_issue(place.row, found[0], found[1], value=found[2])
                return False
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


def tick(progress: Progress, done: int, total: int) -> None:
    if progress and (done % 500 == 0 or done == total):
        progress(done, total)


def option_country(options: dict[str, Any]) -> str | None:
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
        levels = wide_levels(head.rows[0])
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
        country, header = option_country(options), rows[0]
        if all(col in [fold(h) for h in header] for col in _GLOBAL_HEADER):
            _load_global(result, header, body, country, options.get("progress"))
            return result
        levels = wide_levels(header)
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
    collect = Collector(result)
    for done, (row_no, row) in enumerate(body, start=1):
        tick(progress, done, len(body))
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
        place = make_place(
            cells["name"], level, pcode, cells["parent p code"], row_country or country_of(pcode), row_no
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
    lat_key = next((h for h in header if fold(h) in LAT_KEYS), None)
    lon_key = next((h for h in header if fold(h) in LON_KEYS), None)
    collect = Collector(result)
    for done, (row_no, row) in enumerate(body, start=1):
        tick(progress, done, len(body))
        values = dict(zip(header, row, strict=False))
        chain, reason = wide_chain(values, levels, country, row_no)
        if reason:
            result.add_issue(row_no, None, reason)
            continue
        lat = coordinate(values.get(lat_key or ""), 90)
        lon = coordinate(values.get(lon_key or ""), 180)
        place = (
            dataclasses.replace(chain[-1], lat=lat, lon=lon)
            if lat is not None and lon is not None
            else chain[-1]
        )
        collect.add(place, levels[place.admin_level or 0].pcode, chain[:-1])
    collect.finish()


def wide_chain(
    values: dict[str, Any], levels: dict[int, _Level], country: str | None, row_no: int
) -> tuple[list[PlaceRecord], str | None]:
    """The places named on one wide row or feature, top level first (level 0 left out), or a reason."""
    if not country and 0 in levels and levels[0].pcode:
        country = country_iso3(text_or_none(values.get(levels[0].pcode)))
    chain: list[PlaceRecord] = []
    for level in sorted(lv for lv in levels if lv > 0):
        slot = levels[level]
        pcode = text_or_none(values.get(slot.pcode)) if slot.pcode else None
        alts = [values.get(key) for key in slot.alts]
        name = text_or_none(values.get(slot.name)) if slot.name else None
        name = name or next(filter(None, map(text_or_none, alts)), None)
        if not pcode and name:
            if any(text_or_none(values.get(levels[lv].pcode or "")) for lv in levels if lv > level):
                continue  # an upper level without its code: the deeper level still identifies the row
            return [], f"{slot.pcode or 'the p-code column'} is empty for {name}; fill in its p-code"
        if not pcode:
            continue
        if not name:
            return [], f"no name for p-code {pcode} (its level-{level} name columns are empty); fill it in"
        parent = chain[-1].pcode if chain else None
        chain.append(make_place(name, level, pcode, parent, country or country_of(pcode), row_no, alts))
    if not chain:
        return [], "no p-code in any admin level column; fill in the p-code or delete the row"
    return chain, None


PCODES_LOADER = _PcodesLoader()
