"""Access Monitor's own table layouts, as CSV (any delimiter, any supported encoding) or XLSX.

One layout per fact kind (loaders/vocab/table_layouts.toml). The header row may sit below a few
title rows; the kind is decided from the headers. Each data row becomes one fact or one issue.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.layouts import Column, Layout, best_layout
from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order, parse_date
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, split_rows
from loaders.normalise.vocab import parse_outcome, parse_siege_status
from loaders.records import (
    FactKind,
    FactRecord,
    LoadError,
    LoadResult,
    PlaceRef,
    Provenance,
    Quantity,
)
from loaders.safety import check_zip

HEADER_SEARCH_ROWS = 10
_TRUE = {"yes", "y", "true", "1", "x", "cumulative", "نعم"}
_FALSE = {"no", "n", "false", "0", "", "لا"}


class _RowError(ValueError):
    def __init__(self, column: str, reason: str, value: object = None):
        super().__init__(reason)
        self.column = column
        self.value = value


@dataclass(slots=True)
class _Table:
    rows: list[list[Any]]
    encoding: str | None
    delimiter: str | None


def _find_header(rows: list[list[Any]]) -> tuple[int, Layout, dict[int, Column]] | None:
    for idx, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        headers = ["" if cell is None else str(cell) for cell in row]
        found = best_layout(headers)
        if found:
            return idx, found[0], found[1]
    return None


def detect_rows(rows: list[list[str]]) -> int:
    """Score for a text table: 0 unless a header row matches one of our layouts."""
    found = _find_header(rows)
    if not found:
        return 0
    _, layout, matched = found
    return 10 + len(matched) - 5 * len(layout.missing(matched))


class _TableLoader:
    def __init__(self, fmt: str):
        self.format = fmt

    def detect(self, head: Any) -> int:
        if self.format == "table-xlsx":
            if not head.is_xlsx:
                return 0
            try:
                return max(detect_rows(_xlsx_rows(head.path, limit=HEADER_SEARCH_ROWS)), 1)
            except LoadError:
                return 1
        if head.is_xlsx or head.text is None or not head.rows:
            return 0
        return detect_rows(head.rows)

    def load(self, path: Path, **options: Any) -> LoadResult:
        return load_table(path, fmt=self.format, **options)


CSV_LOADER = _TableLoader("table-csv")
XLSX_LOADER = _TableLoader("table-xlsx")


def _xlsx_rows(path: Path, limit: int | None = None) -> list[list[Any]]:
    from openpyxl import load_workbook

    check_zip(path)  # zip bombs and XML entities are refused before openpyxl (itself on defusedxml) opens it
    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise LoadError(
            path.name, f"is not a readable XLSX workbook ({exc}); save it again from Excel"
        ) from None
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[Any]] = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(["" if v is None else v for v in row])
            if limit and len(rows) >= limit:
                break
        return rows
    finally:
        workbook.close()


def _read(path: Path, fmt: str, encoding: str | None, delimiter: str | None) -> _Table:
    if fmt == "table-xlsx":
        return _Table(_xlsx_rows(path), None, None)
    text, used = decode_bytes(path.read_bytes(), path.name, encoding)
    rows, delim = split_rows(text.lstrip("\ufeff"), delimiter)
    return _Table(rows, used, delim)


def load_table(
    path: Path,
    *,
    fmt: str = "table-csv",
    encoding: str | None = None,
    delimiter: str | None = None,
    date_order: DateOrder | str | None = None,
    progress: Callable[[int, int], None] | None = None,
    **_: Any,
) -> LoadResult:
    """Load one table. ``date_order`` ('dmy'/'mdy') overrides inference for slash dates."""
    from loaders.registry import sha256_file

    table = _read(path, fmt, encoding, delimiter)
    found = _find_header(table.rows)
    if not found:
        raise LoadError(
            path.name,
            "has no header row Access Monitor recognises in its first 10 rows; start from a "
            "template on the Import page (columns such as date, place, trucks, outcome)",
        )
    header_idx, layout, matched = found
    missing = layout.missing(matched)
    if missing:
        raise LoadError(
            path.name,
            f"looks like a {layout.kind.value} table but lacks the column(s) {', '.join(missing)} "
            f"(row {header_idx + 1}); add them or rename your headers (see the template)",
            row=header_idx + 1,
        )
    result = LoadResult(file=path.name, format=fmt, sha256=sha256_file(path), encoding=table.encoding)
    result.meta.update(
        {"kind": layout.kind.value, "header_row": header_idx + 1, "delimiter": table.delimiter}
    )
    unmatched = [str(h) for i, h in enumerate(table.rows[header_idx]) if i not in matched and str(h).strip()]
    if unmatched:
        result.add_issue(None, None, f"columns not used: {', '.join(unmatched)}", severity="warning")
    data = [(header_idx + 2 + n, row) for n, row in enumerate(table.rows[header_idx + 1 :])]
    data = [(num, row) for num, row in data if any(str(c).strip() for c in row)]
    order = _date_order(path.name, layout, matched, data, date_order)
    result.meta["date_order"] = order.value if order else None
    result.rows_in = len(data)
    width = len(table.rows[header_idx])
    for done, (row_no, row) in enumerate(data, 1):
        try:
            result.records.append(_row_record(layout, matched, row, row_no, order))
        except _RowError as err:
            result.add_issue(
                row_no, err.column, str(err), value=None if err.value is None else str(err.value)
            )
        extra = [str(c) for c in row[width:] if str(c).strip()]
        if extra:
            result.add_issue(
                row_no, None, f"{len(row)} cells but the header has {width}; ignored: {', '.join(extra)[:200]}",
                severity="warning",
            )  # fmt: skip
        if progress and (done % 1000 == 0 or done == len(data)):
            progress(done, len(data))
    return result


def _date_order(
    file: str,
    layout: Layout,
    matched: dict[int, Column],
    data: list[tuple[int, list[Any]]],
    declared: DateOrder | str | None,
) -> DateOrder | None:
    if declared:
        return DateOrder(str(declared).lower())
    positions = [pos for pos, col in matched.items() if col.type == "date"]
    values = (row[pos] for _, row in data for pos in positions if pos < len(row))
    try:
        return infer_date_order(values)
    except AmbiguousDateOrder as exc:
        raise LoadError(file, str(exc)) from None
    except ValueError as exc:
        raise LoadError(file, str(exc)) from None


def _cells(matched: dict[int, Column], row: list[Any]) -> Iterator[tuple[Column, Any]]:
    for pos, col in matched.items():
        value = row[pos] if pos < len(row) else ""
        if isinstance(value, str):
            value = value.strip()
        yield col, value


def _convert(col: Column, value: Any, order: DateOrder | None) -> Any:
    if value is None or value == "":
        return None
    try:
        if col.type == "date":
            return parse_date(value, order)
        if col.type == "count":
            return parse_count(value)
        if col.type == "float":
            return float(str(value).replace(",", "."))
        if col.type == "list":
            return [p.strip() for p in re.split(r"[;|]", str(value)) if p.strip()]
        if col.type == "outcome":
            return parse_outcome(str(value))
        if col.type == "status":
            return parse_siege_status(str(value))
        if col.type == "bool":
            text = str(value).strip().casefold()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
            raise ValueError(f"'{value}' is not yes or no")
        if col.type == "code" and isinstance(value, float) and value.is_integer():
            return str(int(value))  # XLSX turns codes like 2044 into floats
        return str(value).strip()
    except ValueError as exc:
        raise _RowError(col.name, str(exc), value) from None


def _row_record(
    layout: Layout, matched: dict[int, Column], row: list[Any], row_no: int, order: DateOrder | None
) -> FactRecord:
    values = {col.name: _convert(col, value, order) for col, value in _cells(matched, row)}
    for col in layout.columns:
        if col.required and col.name in values and values[col.name] is None:
            raise _RowError(col.name, f"'{col.name}' is empty; it is required ({col.help})")
    lat, lon = values.get("lat"), values.get("lon")
    if lat is not None and not -90 <= lat <= 90:
        raise _RowError("lat", f"latitude {lat} is outside -90..90; did you swap lat and lon?", lat)
    if lon is not None and not -180 <= lon <= 180:
        raise _RowError("lon", f"longitude {lon} is outside -180..180", lon)
    place = PlaceRef(
        name=values["place"],
        admin1=values.get("admin1"),
        admin2=values.get("admin2"),
        pcode=values.get("pcode"),
        lat=lat,
        lon=lon,
    )
    summary = "; ".join(f"{c.name}={v}" for c, v in _cells(matched, row) if v not in ("", None))
    record = FactRecord(
        kind=layout.kind,
        place=place,
        provenance=Provenance(row=row_no, method="table", evidence=summary[:500]),
        notes=values.get("notes"),
    )
    builder = {FactKind.CONVOY: _fill_convoy, FactKind.BESIEGED: _fill_besieged, FactKind.TOLL: _fill_toll}
    builder[layout.kind](record, values)
    return record


def _fill_convoy(record: FactRecord, values: dict[str, Any]) -> None:
    record.date = values["date"]
    record.period_start = record.period_end = record.date.value
    record.organisations = values.get("organisations") or []
    record.origin = values.get("origin")
    record.trucks = values.get("trucks") or Quantity()
    record.people_served = values.get("people_served") or Quantity()
    record.outcome, record.outcome_tags = values["outcome"]
    record.mode = (values.get("mode") or "").lower() or None
    record.event_ref = values.get("convoy_id")


def _fill_besieged(record: FactRecord, values: dict[str, Any]) -> None:
    record.date = values["date"]
    population: Quantity = values.get("population") or Quantity()
    record.status = values.get("status") or "besieged"
    if population.is_empty and population.qualifier != "vague" and record.status != "lifted":
        raise _RowError("population", "population is empty; give a figure, a range, or status 'lifted'")
    record.population = population
    record.besieging_party = values.get("besieging_party")
    since = values.get("siege_since")
    record.siege_since = since.value if since else None
    record.sources = values.get("sources") or []


def _fill_toll(record: FactRecord, values: dict[str, Any]) -> None:
    start = values["period_start"]
    end = values.get("period_end")
    record.killed = values.get("killed") or Quantity()
    record.injured = values.get("injured") or Quantity()
    if (
        record.killed.is_empty
        and record.injured.is_empty
        and "vague"
        not in (
            record.killed.qualifier,
            record.injured.qualifier,
        )
    ):
        raise _RowError("killed", "neither killed nor injured is given; fill at least one")
    record.period_start = start.value
    record.period_end = end.value if end else start.value
    if record.period_start and record.period_end and record.period_end < record.period_start:
        raise _RowError(
            "period_end", f"period ends ({record.period_end}) before it starts ({record.period_start})"
        )
    record.date = end if end and end.value else start
    record.sources = values["sources"]
    record.victim_group = (values.get("victim_group") or "civilians").lower().replace(" ", "_")
    record.cumulative = bool(values.get("cumulative"))
    if record.period_end and record.period_end > dt.date.today():
        raise _RowError("period_end", f"{record.period_end} is in the future; check the year")
