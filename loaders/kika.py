"""Insecurity Insight (SiND) aid-worker KIKA export -> aid-worker civilian-toll facts.

The file is a JSON array of incident objects (41 keys: ``Date``, ``Country ISO``, ``Admin 1``,
``Latitude`` ... ``Aid Workers Killed``, ``Aid Workers Injured`` ... ``SiND Event ID``). Counts and
coordinates are strings (``"1"``, ``"31.44"``) and may be null. Each incident with an aid worker
killed or injured becomes one toll with ``victim_group="aid_workers"``; kidnapping- or arrest-only
incidents are skipped. Row numbers are the 1-based index of the element in the array.

``Location of Incident`` holds the kind of site ("Road", "Home", "Health Building"), not a place
name, so it goes into the notes; the place is ``Admin 1`` (or the country when that is "No
Information") with the row's coordinates.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.normalise.countries import country_iso3, country_name
from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order, parse_date
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, fold
from loaders.records import (
    DateValue,
    FactKind,
    FactRecord,
    LoadError,
    LoadResult,
    PlaceRef,
    Provenance,
    Quantity,
    Severity,
)
from loaders.registry import Format, Head, sha256_file

_VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "kika.toml"
_ID = "SiND Event ID"
_KILLED = "Aid Workers Killed"
_INJURED = "Aid Workers Injured"
# Extra facts kept in the notes, in this order: (key, label).
_NOTE_KEYS = (
    ("Aid Workers Kidnapped", "Kidnapped"),
    ("Aid Workers Arrested", "Arrested"),
    ("Aid Workers Killed in Captivity", "Killed in captivity"),
    ("Known Kidnapping or Arrest Outcome", "Kidnapping/arrest outcome"),
    ("Reported Perpetrator", "Perpetrator"),
    ("Reported Perpetrator Name", "Perpetrator name"),
    ("Weapon Carried/Used", "Weapon"),
    ("Location of Incident", "Site"),
    ("Programme Focus", "Programme"),
    ("Geo Precision", "Geo precision"),
)


class _RowError(ValueError):
    def __init__(self, column: str | None, reason: str, value: object = None):
        super().__init__(reason)
        self.column = column
        self.value = None if value is None else str(value)


class _Skip(Exception):
    pass


@lru_cache(maxsize=1)
def _no_information() -> frozenset[str]:
    data = tomllib.loads(_VOCAB_FILE.read_text(encoding="utf-8"))
    return frozenset(fold(word) for word in data["no_information"])


def detect(head: Head) -> int:
    """90 for a JSON array whose first object has the SiND id and killed keys, else 0."""
    value = head.json_value
    if isinstance(value, list):
        first = value[0] if value else None
        return 90 if isinstance(first, dict) and _ID in first and _KILLED in first else 0
    text = (head.text or "").lstrip("\ufeff \r\n\t")
    # Files of 256 KB or more are not parsed by read_head: look for the key names instead.
    if text.startswith("[") and f'"{_ID}"' in text and f'"{_KILLED}"' in text:
        return 80
    return 0


def load(path: Path, **options: Any) -> LoadResult:
    """Read a KIKA JSON export. Options: ``encoding``, ``date_order`` (dmy|mdy), ``progress``."""
    path = Path(path)
    text, encoding = decode_bytes(path.read_bytes(), path.name, options.get("encoding"))
    data = _parse_array(path.name, text)
    result = LoadResult(file=path.name, format=Format.KIKA, sha256=sha256_file(path), encoding=encoding)
    result.publisher = "Insecurity Insight"
    result.rows_in = len(data)
    order = _date_order(path.name, data, options.get("date_order"))
    progress = options.get("progress")
    seen: dict[str, int] = {}
    for row_no, item in enumerate(data, start=1):
        try:
            result.records.append(_record(item, row_no, order, seen, result))
        except _RowError as exc:
            result.add_issue(row_no, exc.column, str(exc), value=exc.value)
        except _Skip as exc:
            result.add_issue(row_no, None, str(exc), severity=Severity.SKIPPED)
        if progress and (row_no % 200 == 0 or row_no == len(data)):
            progress(row_no, len(data))
    return result


def _parse_array(file: str, text: str) -> list[Any]:
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise LoadError(
            file, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); download it again"
        ) from None
    if not isinstance(data, list):
        raise LoadError(
            file, "is not a JSON array of incidents; download the aid-worker KIKA incident list again"
        )
    return data


def _date_order(file: str, data: list[Any], given: str | None) -> DateOrder | None:
    if given:
        return DateOrder(given)
    try:
        return infer_date_order(item.get("Date") for item in data if isinstance(item, dict))
    except (AmbiguousDateOrder, ValueError) as exc:
        raise LoadError(file, str(exc)) from None


def _record(
    item: Any, row_no: int, order: DateOrder | None, seen: dict[str, int], result: LoadResult
) -> FactRecord:
    if not isinstance(item, dict):
        raise _RowError(None, f"element is a JSON {type(item).__name__}, not an incident object")
    event_id = _text(item.get(_ID))
    if event_id is None:
        raise _RowError(_ID, f"'{_ID}' is empty; every SiND incident has one")
    event_id = re.sub(r"\.0$", "", event_id)  # 44580.0 from a spreadsheet round trip is 44580
    if event_id in seen:
        raise _RowError(
            _ID, f"event {event_id} is already element {seen[event_id]}; remove the copy", event_id
        )
    seen[event_id] = row_no
    date = _date(item, order)
    killed, injured = _count(item, _KILLED), _count(item, _INJURED)
    if not (killed.lower or injured.lower):
        others = ", ".join(f"{label.lower()} {item.get(key) or 0}" for key, label in _NOTE_KEYS[:2])
        raise _Skip(f"event {event_id}: no aid worker killed or injured ({others}); no toll to keep")
    return FactRecord(
        kind=FactKind.TOLL,
        place=_place(item, row_no, result),
        provenance=Provenance(row=row_no, method="json", evidence=_evidence(item, event_id)),
        date=date,
        period_start=date.value,
        period_end=date.value,
        organisations=_organisations(item),
        sources=["Insecurity Insight"],
        killed=killed,
        injured=injured,
        victim_group="aid_workers",
        external_id=f"kika:{event_id}",
        notes=_notes(item),
    )


def _text(value: Any) -> str | None:
    """A cell as stripped text; None for null, blank and "No information"."""
    if value is None or isinstance(value, (dict, list)):
        return None
    text = str(value).strip()
    return None if not text or fold(text) in _no_information() else text


def _date(item: dict[str, Any], order: DateOrder | None) -> DateValue:
    raw = item.get("Date")
    try:
        date = parse_date(raw, order)
    except ValueError as exc:
        raise _RowError("Date", str(exc), raw) from None
    if date.value is None:
        raise _RowError("Date", "Date is empty; give the incident date as YYYY-MM-DD", raw)
    return date


def _count(item: dict[str, Any], key: str) -> Quantity:
    raw = item.get(key)
    try:
        return parse_count(raw)
    except ValueError as exc:
        raise _RowError(key, f"{key}: {exc}", raw) from None


def _place(item: dict[str, Any], row_no: int, result: LoadResult) -> PlaceRef:
    iso_raw, country_raw = _text(item.get("Country ISO")), _text(item.get("Country"))
    iso3 = country_iso3(iso_raw) or country_iso3(country_raw)
    if not iso3 and (iso_raw or country_raw):
        result.add_issue(
            row_no,
            "Country ISO",
            f"country '{iso_raw or country_raw}' has no ISO3 code; stored without one",
            severity=Severity.WARNING,
            value=iso_raw or country_raw,
        )
    admin1 = _text(item.get("Admin 1"))
    name, level = (admin1, 1) if admin1 else (country_name(iso3) or country_raw or "Unknown", 0)
    lat, lon = _coordinates(item, row_no, result)
    return PlaceRef(name=name, admin1=admin1, country=iso3, lat=lat, lon=lon, admin_level=level)


def _coordinates(item: dict[str, Any], row_no: int, result: LoadResult) -> tuple[float | None, float | None]:
    lat_raw, lon_raw = item.get("Latitude"), item.get("Longitude")
    if _text(lat_raw) is None and _text(lon_raw) is None:
        return None, None
    try:
        lat, lon = float(lat_raw), float(lon_raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        lat = lon = 999.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        result.add_issue(
            row_no,
            "Latitude",
            f"coordinates '{lat_raw}, {lon_raw}' are not a latitude and longitude; "
            "stored without coordinates",
            severity=Severity.WARNING,
            value=f"{lat_raw},{lon_raw}",
        )
        return None, None
    return lat, lon


def _organisations(item: dict[str, Any]) -> list[str]:
    raw = _text(item.get("Organisation Affected"))
    if raw is None:
        return []
    found: list[str] = []
    for part in raw.split(","):
        name = _text(part)
        if name and name not in found:
            found.append(name)
    return found


def _notes(item: dict[str, Any]) -> str:
    parts = []
    for key, label in _NOTE_KEYS:
        value = _text(item.get(key))
        if value is not None and value != "0":
            parts.append(f"{label}: {value}")
    description = _text(item.get("Event Description"))
    if description:
        parts.append(f"Description: {description}")
    return ". ".join(parts)


def _evidence(item: dict[str, Any], event_id: str) -> str:
    keys = ("Date", "Country ISO", "Admin 1", _KILLED, _INJURED, "Aid Workers Kidnapped")
    summary = "; ".join(f"{k}={item.get(k)}" for k in keys if item.get(k) not in (None, ""))
    return f"{_ID}={event_id}; {summary}"[:500]
