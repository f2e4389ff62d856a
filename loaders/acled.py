"""ACLED event exports -> civilian tolls.

Reads the three column layouts ACLED has published (the <=2018 alphabetical API layout, the
pre-2023 layout and the 2023+ layout with ``civilian_targeting``; see ``vocab/acled.toml``). One
event row is one civilian toll when ACLED codes its victims as civilians; battles, protests and
other events are SKIPPED with a reason, because their fatalities include combatants.

A civilian event with 0 fatalities is SKIPPED too ("no fatalities reported"): ACLED gives no
injured count, so such an event (an abduction, a non-lethal attack) has no toll figure to keep.

``result.meta`` holds the export's scope (countries, first and last event date) so that the
writer can retract events that a re-export of the same scope no longer holds.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.normalise.countries import country_iso3
from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order, parse_date
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, fold, split_rows
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

VOCAB = Path(__file__).parent / "vocab" / "acled.toml"
_HEADER_SEARCH = 3  # a stray line such as "(Sample)" may precede the header


@lru_cache(maxsize=1)
def _vocab() -> dict[str, Any]:
    with VOCAB.open("rb") as fh:
        return tomllib.load(fh)


def _key(header: str) -> str:
    """'Event_ID_Cnty' -> 'event_id_cnty', with old column names renamed to current ones."""
    key = fold(header.lstrip("\ufeff")).replace(" ", "_")
    return _vocab()["columns"].get(key, key)


def _find_header(rows: list[list[str]]) -> int | None:
    required = set(_vocab()["required_columns"])
    for index, row in enumerate(rows[:_HEADER_SEARCH]):
        if required <= {_key(cell) for cell in row}:
            return index
    return None


def detect(head: Head) -> int:
    """90 when the header holds event_id_cnty, event_date, event_type and fatalities."""
    if head.text is None or head.json_value is not None:
        return 0
    return 90 if _find_header(head.rows) is not None else 0


@dataclass(slots=True)
class _Row:
    """One data row as a dict of current ACLED column names, with its spreadsheet row number."""

    number: int
    cells: dict[str, str]

    def get(self, name: str) -> str:
        return self.cells.get(name, "").strip()


def _layout(columns: set[str]) -> str:
    for name, markers in _vocab()["layouts"].items():
        if columns & set(markers):
            return name
    return "pre2023"


def _civilian_skip_reason(row: _Row, layout: str) -> str | None:
    """None when the event is a civilian toll; otherwise the reason it is skipped."""
    civ = _vocab()["civilian"]
    event_type = row.get("event_type")
    if event_type in civ["event_types"]:
        return None
    if layout == "post2023":
        if row.get("civilian_targeting") == civ["targeting_value"]:
            return None
    elif event_type in civ["remote_violence_types"]:
        code = civ["civilian_inter_code"]
        if row.get("inter2") == code or row.get("interaction").endswith(code):
            return None
    if event_type in civ["remote_violence_types"]:
        return f"{event_type} not aimed at civilians: fatalities are not a civilian toll"
    return f"{event_type or 'no event type'}: fatalities are not a civilian toll"


def _read_rows(path: Path, encoding: str | None) -> tuple[list[_Row], str, str]:
    """(data rows, layout, encoding). Raises LoadError when the file has no ACLED header."""
    text, used = decode_bytes(path.read_bytes(), path.name, encoding)
    table, _ = split_rows(text)
    header_at = _find_header(table)
    if header_at is None:
        raise LoadError(
            path.name,
            "has no ACLED header (event_id_cnty, event_date, event_type, fatalities); export the "
            "file again from ACLED with all columns, or import it as a table",
        )
    header = [_key(cell) for cell in table[header_at]]
    start = header_at + 1
    # HDX copies of ACLED exports carry an HXL hashtag row under the header: not data.
    if start < len(table) and sum(c.startswith("#") for c in table[start]) > len(header) // 2:
        start += 1
    rows = [
        _Row(number=i + 1, cells=dict(zip(header, cells, strict=False)))
        for i, cells in enumerate(table)
        if i >= start and any(cells)
    ]
    return rows, _layout(set(header)), used


def _date_order(rows: list[_Row], path: Path, declared: object) -> DateOrder:
    if declared:
        return DateOrder(str(declared))
    try:
        return infer_date_order(r.get("event_date") for r in rows) or DateOrder.DMY
    except AmbiguousDateOrder:
        return DateOrder.DMY  # ACLED writes slash dates day-first
    except ValueError as exc:
        raise LoadError(path.name, str(exc), column="event_date") from None


def _country(row: _Row, layout: str) -> str | None:
    iso3 = country_iso3(row.get("iso3"))
    # `iso` is the ISO numeric code; the <=2018 layout has `gwno` instead, which is not ISO.
    if not iso3 and layout != "api2018" and row.get("iso").isdigit():
        iso3 = country_iso3(row.get("iso"))
    return iso3 or country_iso3(row.get("country"))


def _coordinate(row: _Row, column: str, result: LoadResult) -> float | None:
    raw = row.get(column)
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = None
    limit = 90 if column == "latitude" else 180
    if value is None or abs(value) > limit:
        result.add_issue(
            row.number,
            column,
            f"'{raw}' is not a {column}; the event is stored without coordinates",
            severity=Severity.WARNING,
            value=raw,
        )
        return None
    return value


def _parse_fatalities(row: _Row, result: LoadResult) -> Quantity | None:
    """The fatalities count, or None after adding a REJECTED issue."""
    raw = row.get("fatalities")
    if raw.startswith("-") and raw[1:].strip().isdigit():
        result.add_issue(
            row.number, "fatalities", f"'{raw}' is negative: fatalities cannot be below 0", value=raw
        )
        return None
    try:
        quantity = parse_count(raw)
    except ValueError as exc:
        result.add_issue(row.number, "fatalities", str(exc), value=raw)
        return None
    if (quantity.value is None and not quantity.is_empty) or quantity.qualifier:
        result.add_issue(
            row.number,
            "fatalities",
            f"'{raw}' is not an ACLED fatality count: ACLED writes one whole number (0 when none)",
            value=raw,
        )
        return None
    return quantity


def _parse_event_date(row: _Row, order: DateOrder, result: LoadResult) -> DateValue | None:
    raw = row.get("event_date")
    try:
        date = parse_date(raw, order)
    except ValueError as exc:
        result.add_issue(row.number, "event_date", str(exc), value=raw)
        return None
    if date.value is None:
        result.add_issue(row.number, "event_date", "event_date is empty; every ACLED event has a date")
        return None
    precision = _vocab()["time_precision"].get(row.get("time_precision"), date.precision)
    return DateValue(date.value, precision, date.text)


def _record(row: _Row, date: DateValue, killed: Quantity, layout: str, result: LoadResult) -> FactRecord:
    event_id = row.get("event_id_cnty")
    notes = row.get("notes") or None
    if row.get("source"):
        notes = f"{notes or ''} [ACLED source: {row.get('source')}]".strip()
    place = PlaceRef(
        name=row.get("location"),
        admin1=row.get("admin1") or None,
        admin2=row.get("admin2") or None,
        admin3=row.get("admin3") or None,
        country=_country(row, layout),
        lat=_coordinate(row, "latitude", result),
        lon=_coordinate(row, "longitude", result),
    )
    evidence = (
        f"{event_id} {date.text}: {row.get('event_type')} / {row.get('sub_event_type') or '-'} "
        f"at {place.name} ({place.admin1 or '-'}), fatalities {killed.value}"
    )
    return FactRecord(
        kind=FactKind.TOLL,
        place=place,
        provenance=Provenance(row=row.number, method="acled", evidence=evidence),
        date=date,
        period_start=date.value,
        period_end=date.value,
        sources=["ACLED"],
        killed=killed,
        external_id=f"acled:{event_id}",
        notes=notes,
    )


def _load_row(row: _Row, ctx: _Context) -> None:
    """Turn one row into a record or exactly one REJECTED/SKIPPED issue."""
    result = ctx.result
    event_id = row.get("event_id_cnty")
    if not event_id:
        result.add_issue(row.number, "event_id_cnty", "no event_id_cnty; export the file again from ACLED")
        return
    if event_id in ctx.seen:
        result.add_issue(
            row.number, "event_id_cnty", f"event {event_id} repeats row {ctx.seen[event_id]}", value=event_id
        )
        return
    ctx.seen[event_id] = row.number
    date = _parse_event_date(row, ctx.order, result)
    if date is None:
        return
    ctx.note_scope(date.value, _country(row, ctx.layout))
    killed = _parse_fatalities(row, result)
    if killed is None:
        return
    reason = _civilian_skip_reason(row, ctx.layout)
    if reason is None and not killed.value:
        # ACLED counts no injured: a civilian event without deaths has no toll figure to keep.
        reason = "no fatalities reported: ACLED gives no injured count, so there is no toll to keep"
    if reason:
        result.add_issue(
            row.number, "event_type", reason, severity=Severity.SKIPPED, value=row.get("event_type")
        )
        return
    result.records.append(_record(row, date, killed, ctx.layout, result))


@dataclass(slots=True)
class _Context:
    result: LoadResult
    layout: str
    order: DateOrder
    seen: dict[str, int]
    countries: set[str]
    dates: list[dt.date]

    def note_scope(self, day: dt.date | None, country: str | None) -> None:
        if day:
            self.dates.append(day)
        if country:
            self.countries.add(country)


def load(path: Path, **options: Any) -> LoadResult:
    """Load an ACLED export: one civilian toll per civilian event with fatalities."""
    path = Path(path)
    rows, layout, encoding = _read_rows(path, options.get("encoding"))
    result = LoadResult(
        file=path.name,
        format=Format.ACLED,
        sha256=sha256_file(path),
        rows_in=len(rows),
        encoding=encoding,
        publisher="ACLED",
    )
    ctx = _Context(result, layout, _date_order(rows, path, options.get("date_order")), {}, set(), [])
    progress: Callable[[int, int], None] | None = options.get("progress")
    for done, row in enumerate(rows, start=1):
        _load_row(row, ctx)
        if progress and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows))
    result.meta = {
        "dataset": "acled",
        "layout": layout,
        "countries": sorted(ctx.countries),
        "date_min": min(ctx.dates, default=None),
        "date_max": max(ctx.dates, default=None),
    }
    return result
