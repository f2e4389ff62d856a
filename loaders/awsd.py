"""Aid Worker Security Database (AWSD) incident export -> aid-worker civilian-toll facts.

One row per incident (35 columns: ``Incident ID``, ``Year``/``Month``/``Day``, ``Country`` ...
``Total killed``, ``Total wounded`` ... ``Details``). Each incident with someone killed or wounded
becomes one toll with ``victim_group="aid_workers"``; kidnapping-only incidents are skipped (no
toll to keep), with the kidnapped count in the reason.

The 2016 export mixes UTF-8 sequences and single Windows-1252 bytes in one file, so it is decoded
line by line: UTF-8 first, else cp1252, and every row read as cp1252 gets a WARNING issue.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.normalise.countries import country_iso3
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, fold, sniff_delimiter
from loaders.records import (
    DateValue,
    FactKind,
    FactRecord,
    LoadError,
    LoadResult,
    PlaceRef,
    Precision,
    Provenance,
    Quantity,
    Severity,
)
from loaders.registry import Format, Head, sha256_file

_VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "awsd.toml"
_SIGNATURE = ("incident id", "total killed", "means of attack")
_REQUIRED = ("Incident ID", "Year", "Total killed", "Total wounded")
_COLUMNS = (
    "Incident ID", "Year", "Month", "Day", "Country", "Region", "District", "City",
    "Total killed", "Total wounded", "Total kidnapped", "Nationals killed", "Internationals killed",
    "Means of attack", "Attack context", "Location", "Latitude", "Longitude", "Details",
)  # fmt: skip
_SPLIT = ("Nationals killed", "Internationals killed")
_LEGACY = "cp1252"


class _RowError(ValueError):
    def __init__(self, column: str | None, reason: str, value: object = None):
        super().__init__(reason)
        self.column = column
        self.value = None if value is None else str(value)


class _Skip(Exception):
    pass


@lru_cache(maxsize=1)
def _vocab() -> dict[str, dict[str, str]]:
    return tomllib.loads(_VOCAB_FILE.read_text(encoding="utf-8"))


def detect(head: Head) -> int:
    """90 when the first row holds AWSD's own column names, else 0."""
    if head.is_xlsx:
        return 0
    header = head.rows[0] if head.rows else _first_line(head.raw)
    folded = {fold(cell) for cell in header}
    return 90 if all(key in folded for key in _SIGNATURE) else 0


def _first_line(raw: bytes) -> list[str]:
    # latin-1 never fails, and the header is ASCII: good enough to read column names.
    line = raw.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("latin-1")
    return next(csv.reader([line]), [])


def load(path: Path, **options: Any) -> LoadResult:
    """Read an AWSD CSV export. Options: ``encoding`` (one codec for the whole file), ``progress``."""
    path = Path(path)
    raw = path.read_bytes()
    text, encoding, legacy_lines = _decode_lines(raw, path.name, options.get("encoding"))
    result = LoadResult(file=path.name, format=Format.AWSD, sha256=sha256_file(path), encoding=encoding)
    result.publisher = "Humanitarian Outcomes (Aid Worker Security Database)"
    rows = _read_rows(text)
    if not rows:
        raise LoadError(path.name, "has no rows; export the incident data from aidworkersecurity.org again")
    columns = _columns(path.name, rows[0][1])
    _warn_legacy(result, rows[0][1], rows[0][2], legacy_lines, columns, 1)
    progress = options.get("progress")
    data = rows[1:]
    result.rows_in = len(data)
    seen: dict[str, int] = {}
    width = len(rows[0][1])
    for done, (row_no, cells, lines) in enumerate(data, start=1):
        _warn_legacy(result, cells, lines, legacy_lines, columns, row_no)
        _load_row(result, row_no, cells, columns, seen, width)
        if progress and (done % 200 == 0 or done == len(data)):
            progress(done, len(data))
    result.meta["cp1252_rows"] = sorted({i.row for i in result.issues if i.reason.startswith("not UTF-8")})
    return result


def _decode_lines(raw: bytes, file: str, encoding: str | None) -> tuple[str, str, dict[int, bool]]:
    """Text, encoding label and {physical line: replaced?} for lines read as cp1252."""
    if encoding or raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text, used = decode_bytes(raw, file, encoding)
        return text, used, {}
    lines: list[str] = []
    legacy: dict[int, bool] = {}
    for number, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        try:
            lines.append(line.decode("utf-8"))
            continue
        except UnicodeDecodeError:
            pass
        try:
            lines.append(line.decode(_LEGACY))
            legacy[number] = False
        except UnicodeDecodeError:
            # Bytes cp1252 leaves undefined (0x81, 0x8D ...): replaced, and the warning says so.
            lines.append(line.decode(_LEGACY, errors="replace"))
            legacy[number] = True
    label = "utf-8" if not legacy else f"utf-8 with {len(legacy)} line(s) in {_LEGACY}"
    return "\n".join(lines), label, legacy


def _read_rows(text: str) -> list[tuple[int, list[str], range]]:
    """(spreadsheet row, cells, physical lines) for every non-blank record; header first."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
    rows: list[tuple[int, list[str], range]] = []
    last_line = 0
    for cells in reader:
        lines = range(last_line + 1, reader.line_num + 1)
        last_line = reader.line_num
        if any(cell.strip() for cell in cells):
            rows.append((len(rows) + 1, cells, lines))
    return rows


def _columns(file: str, header: list[str]) -> dict[str, int]:
    folded = {fold(name): idx for idx, name in enumerate(header)}
    wanted = {*_COLUMNS, *_vocab()["organisation_columns"]}
    columns = {name: folded[fold(name)] for name in wanted if fold(name) in folded}
    missing = [name for name in _REQUIRED if name not in columns]
    if missing:
        raise LoadError(
            file,
            f"has no {', '.join(repr(m) for m in missing)} column; this does not look like a complete "
            "AWSD export: download the incident data again with all columns",
        )
    return columns


def _warn_legacy(
    result: LoadResult,
    cells: list[str],
    lines: range,
    legacy: dict[int, bool],
    columns: dict[str, int],
    row_no: int,
) -> None:
    hits = [line for line in lines if line in legacy]
    if not hits:
        return
    replaced = any(legacy[line] for line in hits)
    names = {idx: name for name, idx in columns.items()}
    idx, cell = next(((i, c) for i, c in enumerate(cells) if any(ord(ch) > 127 for ch in c)), (None, None))
    reason = f"not UTF-8: decoded as Windows-1252 ({_LEGACY})"
    if replaced:
        reason += "; bytes that code page does not define were replaced by '\ufffd'"
    reason += "; check the accented text, or save the file as UTF-8"
    word = next((w for w in (cell or "").split() if any(ord(ch) > 127 for ch in w)), None)
    result.add_issue(
        row_no, names.get(idx) if idx is not None else None, reason, severity=Severity.WARNING, value=word
    )


def _load_row(
    result: LoadResult,
    row_no: int,
    cells: list[str],
    columns: dict[str, int],
    seen: dict[str, int],
    width: int,
) -> None:
    values = {name: (cells[idx].strip() if idx < len(cells) else "") for name, idx in columns.items()}
    try:
        if any(cell.strip() for cell in cells[width:]):
            raise _RowError(
                None, "has more cells than the header; a Details text probably holds an unquoted comma"
            )
        record = _record(values, row_no, seen, result)
    except _RowError as exc:
        result.add_issue(row_no, exc.column, str(exc), value=exc.value)
    except _Skip as exc:
        result.add_issue(row_no, None, str(exc), severity=Severity.SKIPPED)
    else:
        result.records.append(record)


def _record(values: dict[str, str], row_no: int, seen: dict[str, int], result: LoadResult) -> FactRecord:
    incident = values["Incident ID"]
    if not incident:
        raise _RowError("Incident ID", "Incident ID is empty; every AWSD incident has one")
    if incident in seen:
        raise _RowError(
            "Incident ID",
            f"Incident ID {incident} is already on row {seen[incident]}; remove the copy",
            incident,
        )
    killed, wounded = _count(values, "Total killed"), _count(values, "Total wounded")
    kidnapped = _count(values, "Total kidnapped")
    date, start, end = _incident_date(values)
    if not (killed.lower or wounded.lower):
        seen[incident] = row_no
        raise _Skip(
            f"incident {incident}: no aid worker killed or wounded (kidnapped: {kidnapped.text or 0}); "
            "kidnapping-only incidents hold no toll"
        )
    seen[incident] = row_no
    organisations = _organisations(values)  # may reject the row: before any warning is added
    _check_split(values, killed, row_no, result)
    return FactRecord(
        kind=FactKind.TOLL,
        place=_place(values, row_no, result),
        provenance=Provenance(row=row_no, method="table", evidence=_evidence(values)),
        date=date,
        period_start=start,
        period_end=end,
        organisations=organisations,
        sources=["AWSD"],
        killed=killed,
        injured=wounded,
        victim_group="aid_workers",
        external_id=f"awsd:{incident}",
        notes=_notes(values, kidnapped),
    )


def _count(values: dict[str, str], column: str) -> Quantity:
    raw = values.get(column, "")
    try:
        return parse_count(raw)
    except ValueError as exc:
        raise _RowError(column, f"{column}: {exc}", raw) from None


def _incident_date(values: dict[str, str]) -> tuple[DateValue, dt.date, dt.date]:
    """Date with the precision the Year/Month/Day cells give, and the days it may fall on."""
    year_text, month_text, day_text = values["Year"], values.get("Month", ""), values.get("Day", "")
    if not re.fullmatch(r"\d{4}", year_text):
        raise _RowError(
            "Year", f"Year '{year_text}' is not a year; write four digits such as 2015", year_text
        )
    year = int(year_text)
    if not month_text:
        if day_text:
            raise _RowError(
                "Day", f"Day {day_text} is given without a Month; fill Month or clear Day", day_text
            )
        return (
            DateValue(dt.date(year, 1, 1), Precision.YEAR, year_text),
            dt.date(year, 1, 1),
            dt.date(year, 12, 31),
        )
    month = _whole(month_text, "Month", 12)
    first = dt.date(year, month, 1)
    if not day_text:
        last = dt.date(year, month, calendar.monthrange(year, month)[1])
        return DateValue(first, Precision.MONTH, f"{year}-{month:02d}"), first, last
    day = _whole(day_text, "Day", 31)
    try:
        value = dt.date(year, month, day)
    except ValueError:
        raise _RowError(
            "Day", f"{year}-{month:02d}-{day:02d} is not a real date; check Month and Day", day_text
        ) from None
    return DateValue(value, Precision.DAY, value.isoformat()), value, value


def _whole(text: str, column: str, top: int) -> int:
    if not re.fullmatch(r"\d{1,2}", text) or not 1 <= int(text) <= top:
        raise _RowError(column, f"{column} '{text}' is not a number from 1 to {top}", text)
    return int(text)


def _place(values: dict[str, str], row_no: int, result: LoadResult) -> PlaceRef:
    country_raw = values.get("Country", "")
    iso3 = _vocab()["countries"].get(fold(country_raw)) or country_iso3(country_raw)
    if country_raw and not iso3:
        result.add_issue(
            row_no,
            "Country",
            f"country '{country_raw}' has no ISO3 code; stored without one",
            severity=Severity.WARNING,
            value=country_raw,
        )
    region, district, city = (values.get(k) or None for k in ("Region", "District", "City"))
    levels = ((city, None), (district, 2), (region, 1), (country_raw or None, 0))
    name, level = next(((n, lvl) for n, lvl in levels if n), ("Unknown", None))
    if name == "Unknown":
        result.add_issue(
            row_no,
            "Country",
            "no country, region, district or city given; stored at place 'Unknown'",
            severity=Severity.WARNING,
        )
    lat, lon = _coordinates(values, row_no, result)
    return PlaceRef(
        name=name, admin1=region, admin2=district, country=iso3, lat=lat, lon=lon, admin_level=level
    )


def _coordinates(
    values: dict[str, str], row_no: int, result: LoadResult
) -> tuple[float | None, float | None]:
    lat_text, lon_text = values.get("Latitude", ""), values.get("Longitude", "")
    if not lat_text and not lon_text:
        return None, None
    try:
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        lat = lon = 999.0
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        result.add_issue(
            row_no,
            "Latitude",
            f"coordinates '{lat_text}, {lon_text}' are not a latitude and longitude; "
            "stored without coordinates",
            severity=Severity.WARNING,
            value=f"{lat_text},{lon_text}",
        )
        return None, None
    return lat, lon


def _organisations(values: dict[str, str]) -> list[str]:
    found = []
    for column, label in _vocab()["organisation_columns"].items():
        try:
            staff = parse_count(values.get(column, ""))
        except ValueError as exc:
            raise _RowError(column, f"{column}: {exc}", values.get(column)) from None
        if staff.lower:
            found.append(label)
    return found


def _check_split(values: dict[str, str], killed: Quantity, row_no: int, result: LoadResult) -> None:
    """Nationals + internationals killed should equal Total killed; a mismatch is worth a look."""
    try:
        nationals, internationals = (parse_count(values.get(c, "")).value for c in _SPLIT)
    except ValueError:
        return
    if None in (killed.value, nationals, internationals):
        return
    if nationals + internationals != killed.value:  # type: ignore[operator]
        result.add_issue(
            row_no,
            "Total killed",
            f"Total killed {killed.value} is not nationals {nationals} + "
            f"internationals {internationals}; stored Total killed",
            severity=Severity.WARNING,
        )


def _decode_code(table: str, raw: str) -> str:
    code = re.sub(r"\s+", "", raw)
    meaning = _vocab()[table].get(code)
    return f"{code} ({meaning})" if meaning else f"{code} (code not in the AWSD key)"


def _notes(values: dict[str, str], kidnapped: Quantity) -> str:
    parts = [f"Kidnapped: {kidnapped.value if kidnapped.value is not None else 'not given'}"]
    for column, table in (
        ("Means of attack", "means_of_attack"),
        ("Attack context", "attack_context"),
        ("Location", "location"),
    ):
        if values.get(column):
            parts.append(f"{column}: {_decode_code(table, values[column])}")
    if values.get("Details"):
        parts.append(f"Details: {values['Details']}")
    return ". ".join(parts)


def _evidence(values: dict[str, str]) -> str:
    keys = (
        "Incident ID",
        "Year",
        "Month",
        "Day",
        "Country",
        "City",
        "Total killed",
        "Total wounded",
        "Total kidnapped",
    )
    return "; ".join(f"{k}={values[k]}" for k in keys if values.get(k))[:500]
