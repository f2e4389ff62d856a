"""The built-in gazetteer and organisation list, read from ``loaders/vocab``.

``gazetteer.csv`` columns: ``name, admin_level, place_type, pcode, parent, country, lat, lon,
alt_names``. ``parent`` is the parent's p-code, or its name when the parent has no p-code
(eastern Ghouta); ``alt_names`` are separated by ``|``. Syrian p-codes are OCHA COD codes
(SY01 governorates, SY0302 districts, C2338 communities); countries use their ISO3 as p-code;
places elsewhere have no p-code unless the real OCHA one is known.

``organisations.csv`` columns: ``short_name, full_name, kind, alias, country``, one alias per row.
``full_name`` and ``kind`` are given on an organisation's first row and may be left blank after.
``country`` (ISO3) marks an alias that means this organisation only in that country ("Red
Crescent" is SARC in Syria, PRCS in Palestine).

Both files are checked when read; a broken file raises :class:`GazetteerError` listing every
problem with its row, since a silently wrong gazetteer would misplace facts on the map.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path

from loaders.normalise.countries import country_iso3
from loaders.normalise.names import name_key
from loaders.records import OrganisationRecord, PlaceRecord

VOCAB = Path(__file__).resolve().parent / "vocab"
PLACE_COLUMNS = ["name", "admin_level", "place_type", "pcode", "parent", "country", "lat", "lon", "alt_names"]
ORG_COLUMNS = ["short_name", "full_name", "kind", "alias", "country"]
# place_type -> the admin level it implies (None: informal places, any level or none)
PLACE_TYPES: dict[str, int | None] = {
    "country": 0,
    "admin1": 1,
    "admin2": 2,
    "admin3": 3,
    "community": 4,
    "neighbourhood": None,
    "area": None,
    "camp": None,
    "crossing": None,
}
ORG_KINDS = {"un", "ngo", "ingo", "rcrc", "monitor", "government", "armed_group", "media", "unnamed"}
_MAX_LISTED = 15


class GazetteerError(ValueError):
    """A vocabulary file is broken. The message lists each problem with its row."""

    def __init__(self, path: Path, problems: list[str]):
        shown = problems[:_MAX_LISTED]
        more = f"\n  ... and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
        super().__init__(
            f"{path.name} has {len(problems)} problem(s); fix them in {path}:\n  " + "\n  ".join(shown) + more
        )
        self.problems = problems


def builtin_places() -> list[PlaceRecord]:
    """Every place of the built-in gazetteer (PlaceRecord.row = its CSV row)."""
    return list(_builtin_places())


def builtin_organisations() -> list[OrganisationRecord]:
    """Every organisation of the built-in list with its aliases."""
    return list(_builtin_organisations())


@lru_cache(maxsize=1)
def _builtin_places() -> tuple[PlaceRecord, ...]:
    return tuple(read_places(VOCAB / "gazetteer.csv"))


@lru_cache(maxsize=1)
def _builtin_organisations() -> tuple[OrganisationRecord, ...]:
    return tuple(read_organisations(VOCAB / "organisations.csv"))


def _read_rows(path: Path, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    """(row number, row) for each non-blank data row; header row = 1."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise GazetteerError(path, [f"cannot be read as UTF-8 text: {exc}"]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [cell.strip() for cell in next(reader, [])]
    missing = [col for col in columns if col not in header]
    if missing:
        raise GazetteerError(path, [f"row 1: missing column(s) {', '.join(missing)}; expected {columns}"])
    rows = []
    for row_no, cells in enumerate(reader, start=2):
        if any(cell.strip() for cell in cells):
            rows.append(
                (row_no, {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)})
            )
    return rows


# --------------------------------------------------------------------------- places


def read_places(path: Path) -> list[PlaceRecord]:
    """Read and check a gazetteer CSV. Raises GazetteerError listing every problem."""
    rows = _read_rows(path, PLACE_COLUMNS)
    problems: list[str] = []
    parsed = [(row_no, row, _place_problems(row)) for row_no, row in rows]
    problems += [f"row {row_no}: {p}" for row_no, _, found in parsed for p in found]
    by_pcode: dict[str, int] = {}
    by_name: dict[str, list[dict[str, str]]] = {}
    for row_no, row, _ in parsed:
        code = row["pcode"]
        if code and code in by_pcode:
            problems.append(f"row {row_no}: p-code {code} already used on row {by_pcode[code]}")
        elif code:
            by_pcode[code] = row_no
        by_name.setdefault(row["name"], []).append(row)
    places = []
    for row_no, row, _ in parsed:
        parent_pcode, parent_name, problem = _parent(row, by_pcode, by_name)
        if problem:
            problems.append(f"row {row_no}: {problem}")
        places.append(_place_record(row_no, row, parent_pcode, parent_name))
    problems += _cycles(places)
    if problems:
        raise GazetteerError(path, problems)
    return places


def _place_problems(row: dict[str, str]) -> list[str]:
    problems = []
    if not row["name"]:
        problems.append("name is empty")
    ptype, level = row["place_type"], row["admin_level"]
    if ptype not in PLACE_TYPES:
        problems.append(f"place_type {ptype!r} is not one of {', '.join(PLACE_TYPES)}")
    if level and (not level.isdigit() or int(level) > 4):
        problems.append(f"admin_level {level!r} is not empty or a number from 0 to 4")
    elif PLACE_TYPES.get(ptype) is not None and level != str(PLACE_TYPES[ptype]):
        problems.append(f"place_type {ptype} needs admin_level {PLACE_TYPES[ptype]}, not {level or 'empty'}")
    if country_iso3(row["country"]) != row["country"]:
        problems.append(f"country {row['country']!r} is not an ISO3 code")
    if ptype != "country" and not row["parent"]:
        problems.append(f"{row['name']} has no parent; give the parent's p-code or name")
    problems += _coordinate_problems(row["lat"], row["lon"])
    return problems


def _coordinate_problems(lat: str, lon: str) -> list[str]:
    if not lat and not lon:
        return []
    try:
        lat_f, lon_f = float(lat), float(lon)
    except ValueError:
        return [f"lat/lon {lat!r}, {lon!r} must both be decimal numbers (or both empty)"]
    if not (-90 <= lat_f <= 90 and -180 <= lon_f <= 180):
        return [f"lat/lon {lat}, {lon} is out of range (lat -90..90, lon -180..180)"]
    return []


def _parent(
    row: dict[str, str], by_pcode: dict[str, int], by_name: dict[str, list[dict[str, str]]]
) -> tuple[str | None, str | None, str | None]:
    """(parent_pcode, parent_name, problem). A parent named but holding a p-code gets the p-code."""
    ref = row["parent"]
    if not ref:
        return None, None, None
    if ref in by_pcode:
        return ref, None, None
    named = by_name.get(ref, [])
    if len(named) != 1:
        why = "no place has this p-code or name" if not named else f"{len(named)} places have this name"
        return None, None, f"parent {ref!r} of {row['name']}: {why}"
    return (named[0]["pcode"] or None), (None if named[0]["pcode"] else ref), None


def _place_record(
    row_no: int, row: dict[str, str], parent_pcode: str | None, parent_name: str | None
) -> PlaceRecord:
    has_point = not _coordinate_problems(row["lat"], row["lon"]) and row["lat"]
    alts = tuple(
        dict.fromkeys(
            a.strip() for a in row["alt_names"].split("|") if a.strip() and a.strip() != row["name"]
        )
    )
    return PlaceRecord(
        name=row["name"],
        admin_level=int(row["admin_level"]) if row["admin_level"].isdigit() else None,
        pcode=row["pcode"] or None,
        parent_pcode=parent_pcode,
        parent_name=parent_name,
        country=row["country"] or None,
        lat=float(row["lat"]) if has_point else None,
        lon=float(row["lon"]) if has_point else None,
        alt_names=alts,
        place_type=row["place_type"] or None,
        row=row_no,
    )


def _cycles(places: list[PlaceRecord]) -> list[str]:
    """A parent chain that comes back to itself would loop forever in the writer."""
    parent_of = {(p.pcode or p.name): (p.parent_pcode or p.parent_name) for p in places}
    problems = []
    for place in places:
        seen: set[str] = set()
        key: str | None = place.pcode or place.name
        while key is not None and key not in seen:
            seen.add(key)
            key = parent_of.get(key)
        if key is not None:
            problems.append(f"row {place.row}: the parent chain of {place.name} loops back through {key}")
    return problems


# --------------------------------------------------------------------------- organisations


def read_organisations(path: Path) -> list[OrganisationRecord]:
    """Read and check an organisation CSV. Raises GazetteerError listing every problem."""
    problems: list[str] = []
    orgs: dict[str, dict] = {}
    for row_no, row in _read_rows(path, ORG_COLUMNS):
        problems += [f"row {row_no}: {p}" for p in _org_row(orgs, row)]
    problems += _alias_clashes(orgs)
    if problems:
        raise GazetteerError(path, problems)
    return [
        OrganisationRecord(
            short_name=short,
            full_name=org["full_name"],
            kind=org["kind"],
            aliases=tuple(org["aliases"]),
            country_aliases=tuple(org["country_aliases"]),
        )
        for short, org in orgs.items()
    ]


def _org_row(orgs: dict[str, dict], row: dict[str, str]) -> list[str]:
    short, full, kind, alias, country = (row[col] for col in ORG_COLUMNS)
    if not short:
        return ["short_name is empty"]
    problems = []
    if short not in orgs:
        if not full or kind not in ORG_KINDS:
            problems.append(f"first row of {short} needs full_name and a kind from {sorted(ORG_KINDS)}")
        orgs[short] = {"full_name": full or short, "kind": kind or None, "aliases": [], "country_aliases": []}
    org = orgs[short]
    if (full and full != org["full_name"]) or (kind and kind != org["kind"]):
        problems.append(f"{short}: full_name/kind differ from its first row; leave them blank or repeat them")
    if country and country_iso3(country) != country:
        problems.append(f"country {country!r} of alias {alias!r} is not an ISO3 code")
    if alias and country:
        org["country_aliases"].append((alias, country))
    elif alias:
        org["aliases"].append(alias)
    return problems


def _alias_clashes(orgs: dict[str, dict]) -> list[str]:
    """Each name (or name in one country) must point to one organisation only."""
    owner: dict[tuple[str, str], str] = {}
    problems = []
    for short, org in orgs.items():
        names = [(n, "") for n in (short, org["full_name"], *org["aliases"])] + org["country_aliases"]
        for name, country in names:
            key = (name_key(name), country)
            if owner.setdefault(key, short) != short:
                where = f" in {country}" if country else ""
                problems.append(f"alias {name!r}{where} is used by both {owner[key]} and {short}")
    return problems
