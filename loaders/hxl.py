"""HXL-tagged CSV -> convoys, besieged populations or civilian tolls.

The hashtag row may be any of the first five rows (usually row 2 under a text header, sometimes
row 1 alone). Tags map to fields through ``vocab/hxl_tags.toml`` (matched in ``loaders.hxl_tags``),
which also decides the fact kind of the whole file from the fields present and holds profiles for
known datasets (HDX HAPI conflict events: monthly ACLED aggregates, of which only
``civilian_targeting`` rows are tolls).

Row numbers are the file's own row numbers (the hashtag row counts), so they match a spreadsheet.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.hxl_tags import Column, fact_kind, find_tag_row, map_columns, match_profile, tag_vocab
from loaders.normalise.countries import country_iso3
from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order, parse_date
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, fold, split_rows
from loaders.normalise.vocab import parse_outcome, parse_siege_status
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

_DATE_FIELDS = ("date", "date_start", "date_end", "date_reported")


class RowError(ValueError):
    """A cell is wrong: the row is REJECTED (or SKIPPED when ``skip``) with this column and reason."""

    def __init__(self, field: str, reason: str, value: str | None = None, skip: bool = False):
        super().__init__(reason)
        self.field, self.value, self.skip = field, value, skip


def detect(head: Head) -> int:
    """70 for an HXL file with fact tags, 60 for other HXL (refused on load with a reason), else 0.

    Below ACLED's 90: an HDX copy of an ACLED export carries a hashtag row but is read as ACLED.
    """
    if head.text is None or head.json_value is not None:
        return 0
    at = find_tag_row(head.rows)
    if at is None:
        return 0
    fields, _ = map_columns(head.rows[at], [])
    return 70 if fact_kind(fields) else 60


@dataclass(slots=True)
class Row:
    """One data row read through the column map."""

    number: int
    cells: list[str]
    fields: dict[str, list[Column]]

    def column(self, field: str) -> Column | None:
        """The column that gives ``field`` on this row (first non-empty candidate)."""
        candidates = self.fields.get(field, [])
        for col in candidates:
            if col.index < len(self.cells) and self.cells[col.index].strip():
                return col
        return candidates[0] if candidates else None

    def get(self, field: str) -> str:
        col = self.column(field)
        return self.cells[col.index].strip() if col and col.index < len(self.cells) else ""

    def label(self, field: str) -> str:
        col = self.column(field)
        return col.label if col else field


@dataclass(slots=True)
class FileContext:
    kind: FactKind
    order: DateOrder | None
    profile: dict[str, Any]
    default_sources: list[str]


# --- cells -----------------------------------------------------------------------------------


def _count(row: Row, field: str) -> Quantity:
    raw = row.get(field)
    try:
        return parse_count(raw)
    except ValueError as exc:
        raise RowError(field, str(exc), raw) from None


def _date(row: Row, field: str, ctx: FileContext) -> DateValue:
    raw = row.get(field)
    try:
        return parse_date(raw, ctx.order)
    except ValueError as exc:
        raise RowError(field, str(exc), raw) from None


def _coordinate(row: Row, field: str, limit: float, result: LoadResult) -> float | None:
    raw = row.get(field)
    if not raw:
        return None
    try:
        value = float(raw.replace(",", "."))
        if abs(value) <= limit:
            return value
    except ValueError:
        pass
    result.add_issue(
        row.number,
        row.label(field),
        f"'{raw}' is not a coordinate; stored without it",
        severity=Severity.WARNING,
    )
    return None


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;|]", text) if part.strip()]


def _place(row: Row, result: LoadResult) -> PlaceRef:
    """The most detailed place the row names; REJECTED when it names none."""
    level_name = [(lvl, row.get(f"adm{lvl}_name"), row.get(f"adm{lvl}_code")) for lvl in (3, 2, 1)]
    named = [(lvl, name or code, code) for lvl, name, code in level_name if name or code]
    if row.get("loc_name") or row.get("loc_code"):
        name, pcode, level = row.get("loc_name") or row.get("loc_code"), row.get("loc_code"), None
    elif named:
        level, name, pcode = named[0]
    else:
        raise RowError("loc_name", "no place: fill #loc (or #adm1/#adm2 name or p-code)")
    declared = row.get("admin_level")
    country = country_iso3(row.get("country")) or country_iso3(row.get("country_name"))
    return PlaceRef(
        name=name,
        admin1=row.get("adm1_name") or None,
        admin2=row.get("adm2_name") or None,
        admin3=row.get("adm3_name") or None,
        pcode=pcode or None,
        admin1_pcode=row.get("adm1_code") or None,
        admin2_pcode=row.get("adm2_code") or None,
        country=country,
        lat=_coordinate(row, "lat", 90, result),
        lon=_coordinate(row, "lon", 180, result),
        admin_level=int(declared) if declared.isdigit() else level,
    )


def _precision(start: dt.date, end: dt.date) -> str:
    """A period that is exactly one calendar month or ISO week keeps that precision."""
    if start.day == 1 and end == start.replace(day=calendar.monthrange(start.year, start.month)[1]):
        return Precision.MONTH
    if start.weekday() == 0 and (end - start).days == 6:
        return Precision.WEEK
    return Precision.DAY


def _last_day(date: DateValue) -> dt.date:
    """Last day a date of week, month or year precision covers ('2018-03' -> 2018-03-31)."""
    day = date.value or dt.date.min
    if date.precision == Precision.MONTH:
        return day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if date.precision == Precision.WEEK:
        return day + dt.timedelta(days=6)
    return day.replace(month=12, day=31) if date.precision == Precision.YEAR else day


def _period(row: Row, ctx: FileContext) -> tuple[DateValue, dt.date, dt.date]:
    start = _date(row, "date_start", ctx)
    if start.value is None:
        start = _date(row, "date", ctx)
    if start.value is None:
        start = _date(row, "date_reported", ctx)
    if start.value is None:
        raise RowError("date", "no date: fill #date (or #date+start and #date+end)")
    end = _date(row, "date_end", ctx).value or _last_day(start)
    if end < start.value:
        raise RowError("date_end", f"the period ends ({end}) before it starts ({start.value})")
    precision = start.precision if end == _last_day(start) else _precision(start.value, end)
    return DateValue(start.value, precision, start.text), start.value, end


def _sources(row: Row, ctx: FileContext) -> list[str]:
    return (
        ctx.profile.get("sources")
        or _split(row.get("source"))
        or _split(row.get("org"))
        or ctx.default_sources
    )


def _notes(row: Row, ctx: FileContext) -> str | None:
    parts = [row.get("notes")]
    if template := ctx.profile.get("notes"):
        parts.append(template.format(events=row.get("events") or "?"))
    if row.get("sector"):
        parts.append(f"sector: {row.get('sector')}")
    return "; ".join(p for p in parts if p) or None


def _external_id(row: Row, ctx: FileContext) -> str | None:
    if not ctx.profile.get("external_id_prefix"):
        return None
    keys = [row.get(f) for f in ctx.profile["external_id_fields"]]
    if not all(keys):
        return None
    return ":".join([ctx.profile["external_id_prefix"], *keys])


def _provenance(row: Row) -> Provenance:
    """Row number and a short summary of the cells read ("#date=2025-01-01; #affected+killed=6")."""
    cells = [f"{col.tag}={row.get(f)}" for f in row.fields if (col := row.column(f)) and row.get(f)]
    return Provenance(row=row.number, method="hxl", evidence="; ".join(cells)[:300])


# --- one fact per row: each builder returns the fields of its kind ---------------------------


def _toll(row: Row, ctx: FileContext) -> dict[str, Any]:
    killed, injured = _count(row, "killed"), _count(row, "injured")
    if killed.is_empty and injured.is_empty:
        raise RowError("killed", "no killed or injured figure", skip=True)
    if not (killed.upper or injured.upper):
        # Same rule as the ACLED loader: zero casualties is no toll to record.
        raise RowError("killed", "no fatalities reported: 0 killed and no injured", row.get("killed"), True)
    rules = [c.rule for f in ("killed", "injured") if (c := row.column(f))]
    group = next((r["victim_group"] for r in rules if "victim_group" in r), "civilians")
    return {"killed": killed, "injured": injured, "victim_group": group, "sources": _sources(row, ctx)}


def _besieged(row: Row, ctx: FileContext) -> dict[str, Any]:
    col = row.column("population")
    status = col.rule.get("status") if col else None
    if raw := row.get("status"):
        try:
            status = parse_siege_status(raw)
        except ValueError as exc:
            raise RowError("status", str(exc), raw) from None
    if status is None:
        raise RowError("status", "no status: fill #status with besieged, hard_to_reach, trapped or lifted")
    population = _count(row, "population")
    if population.is_empty and status != "lifted":  # a lifted siege is news even without a figure
        raise RowError("population", "no population figure", skip=True)
    return {"population": population, "status": status, "sources": _sources(row, ctx)}


def _convoy(row: Row, ctx: FileContext) -> dict[str, Any]:
    try:
        outcome, outcome_tags = parse_outcome(row.get("status"))
    except ValueError as exc:
        raise RowError("status", str(exc), row.get("status") or None) from None
    return {
        "organisations": _split(row.get("org") or row.get("org_code")),
        "sources": _split(row.get("source")),
        "origin": row.get("origin") or None,
        "trucks": _count(row, "trucks"),
        "people_served": _count(row, "reached"),
        "outcome": outcome,
        "outcome_tags": outcome_tags,
        "mode": row.get("mode") or None,
    }


_BUILDERS = {FactKind.TOLL: _toll, FactKind.BESIEGED: _besieged, FactKind.CONVOY: _convoy}


def _record(row: Row, ctx: FileContext, result: LoadResult) -> FactRecord:
    event_type = row.get("event_type")
    if ctx.kind == FactKind.TOLL and (reason := tag_vocab()["skip_event_types"].get(fold(event_type))):
        raise RowError("event_type", reason, event_type, skip=True)
    specific = _BUILDERS[ctx.kind](row, ctx)
    date, start, end = _period(row, ctx)
    if ctx.kind == FactKind.TOLL:  # a toll covers a period; the others are observed on a day
        specific |= {"period_start": start, "period_end": end}
    return FactRecord(
        kind=ctx.kind,
        place=_place(row, result),
        provenance=_provenance(row),
        date=date,
        external_id=_external_id(row, ctx),
        event_ref=row.get("event_id") or None,
        notes=_notes(row, ctx),
        **specific,
    )


# --- the file ----------------------------------------------------------------------------------


def _date_order(rows: list[Row], declared: object, file: str) -> DateOrder | None:
    if declared:
        return DateOrder(str(declared))
    try:
        return infer_date_order(row.get(f) for row in rows for f in _DATE_FIELDS)
    except ValueError as exc:  # AmbiguousDateOrder too: the message says how to declare the order
        column = None if isinstance(exc, AmbiguousDateOrder) else "#date"
        raise LoadError(file, str(exc), column=column) from None


def _read(path: Path, encoding: str | None) -> tuple[list[str], list[str], list[list[str]], int, str]:
    """(tags, text headers, data rows, row number of the first data row - 1, encoding)."""
    text, used = decode_bytes(path.read_bytes(), path.name, encoding)
    table, _ = split_rows(text)
    at = find_tag_row(table)
    if at is None:
        raise LoadError(
            path.name,
            "has no HXL hashtag row in its first 5 rows; add one (e.g. #date, #adm1+name, "
            "#affected+killed) or import it as a table",
        )
    headers = table[at - 1] if at > 0 else []
    return table[at], headers, table[at + 1 :], at + 1, used


def load(path: Path, **options: Any) -> LoadResult:
    """Load an HXL-tagged CSV into facts of the one kind its tags describe."""
    path = Path(path)
    tags, headers, table, offset, encoding = _read(path, options.get("encoding"))
    fields, unread = map_columns(tags, headers)
    kind = fact_kind(fields)
    if kind is None:
        found = ", ".join(t.strip() for t in tags if t.strip())[:300]
        raise LoadError(
            path.name,
            f"HXL file but no fact tags: found {found}. A civilian-toll file needs #affected+killed "
            "or #affected+injured, a besieged-population file #population+besieged (or #population "
            "with #status), a convoy file #indicator+trucks (or #reached with #status); the tag map "
            "is loaders/vocab/hxl_tags.toml",
        )
    rows = [
        Row(offset + i + 1, cells, fields) for i, cells in enumerate(table) if any(c.strip() for c in cells)
    ]
    result = LoadResult(
        file=path.name, format=Format.HXL, sha256=sha256_file(path), rows_in=len(rows), encoding=encoding
    )
    profile_name, profile = match_profile(tags)
    ctx = FileContext(kind, _date_order(rows, options.get("date_order"), path.name), profile, [])
    if options.get("source"):
        ctx.default_sources = _split(str(options["source"]))
    _file_warnings(result, kind, fields, unread, ctx)
    result.meta = {"dataset": profile_name or "hxl", "kind": str(kind)}
    progress = options.get("progress")
    for done, row in enumerate(rows, start=1):
        _load_row(row, ctx, result)
        if progress and (done % 500 == 0 or done == len(rows)):
            progress(done, len(rows))
    return result


def _load_row(row: Row, ctx: FileContext, result: LoadResult) -> None:
    try:
        result.records.append(_record(row, ctx, result))
    except RowError as err:
        severity = Severity.SKIPPED if err.skip else Severity.REJECTED
        result.add_issue(row.number, row.label(err.field), str(err), severity=severity, value=err.value)


def _file_warnings(
    result: LoadResult, kind: FactKind, fields: dict[str, list[Column]], unread: list[str], ctx: FileContext
) -> None:
    if unread:
        result.add_issue(
            None,
            None,
            f"columns {', '.join(unread)} count part of a group (women, children ...); only totals are read",
            severity=Severity.WARNING,
        )
    if kind != FactKind.CONVOY and not (
        ctx.profile or ctx.default_sources or "source" in fields or "org" in fields
    ):
        result.add_issue(
            None,
            "#meta+source",
            "no #meta+source column: the facts have no source; add the column or give the source on import",
            severity=Severity.WARNING,
        )
