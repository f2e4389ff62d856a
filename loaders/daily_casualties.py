"""Tech for Palestine daily casualty series (Gaza, West Bank, Lebanon) -> civilian-toll facts.

A JSON array, one object per report date: ``report_date``, ``report_source``, ``report_period``
(hours covered), daily ``killed``/``injured`` and cumulative ``killed_cum``/``injured_cum``, plus
``ext_*`` fields that Tech for Palestine extrapolated to fill gaps. Non-``ext_`` fields are omitted
on days they were not reported. Row numbers are the 1-based index of the element.

Choices (documented here because the dashboard's sums depend on them):

* ``ext_*`` figures are never stored: they are estimates, not reports.
* Daily figures present -> one toll over the days the report covers: ``report_period`` 24 -> the
  report date, 48 -> two days ending on it, and so on (a missing period counts as one day).
* Only cumulative figures present -> a cumulative toll (``cumulative=True``) from the series start
  (2023-10-07 for Gaza) to the report date. We do not derive a daily figure from the previous
  report: that is what the ``ext_*`` fields already do, and a stored fact should be a reported one.
* ``report_period`` 0 means no report of its own that day (the next report's period covers it);
  with all daily figures 0 it is SKIPPED, so the dashboard shows no false "0 killed" day. With
  non-zero figures it is stored on the report date.
* ``report_source`` "missing" (no official report) with no reported figures is SKIPPED; when Tech
  for Palestine still gives non-``ext_`` figures, they are stored with source "Tech for Palestine"
  and a note saying no official report was available.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, fold
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

_VOCAB_FILE = Path(__file__).resolve().parent / "vocab" / "daily_casualties.toml"
_COMPILER = "Tech for Palestine"
_MISSING = "missing"
# Fields that are the record's own figures or its bookkeeping; everything else numeric goes to notes.
_OWN = {"report_date", "report_source", "report_period", "killed", "injured"}


class _RowError(ValueError):
    def __init__(self, column: str | None, reason: str, value: object = None):
        super().__init__(reason)
        self.column = column
        self.value = None if value is None else str(value)


class _Skip(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Series:
    place: PlaceRef
    start: dt.date | None
    default_source: str | None


@lru_cache(maxsize=1)
def _vocab() -> dict[str, Any]:
    return tomllib.loads(_VOCAB_FILE.read_text(encoding="utf-8"))


def detect(head: Head) -> int:
    """90 for a JSON array whose first object has report_date and killed_cum or ext_killed_cum."""
    value = head.json_value
    if isinstance(value, list):
        first = value[0] if value else None
        ok = (
            isinstance(first, dict)
            and "report_date" in first
            and ({"killed_cum", "ext_killed_cum"} & first.keys())
        )
        return 90 if ok else 0
    text = (head.text or "").lstrip("\ufeff \r\n\t")
    # Files of 256 KB or more are not parsed by read_head: look at the first object's text instead.
    opening = text[:3000]
    # 'killed_cum"' matches both "killed_cum" and "ext_killed_cum".
    if text.startswith("[") and '"report_date"' in opening and 'killed_cum"' in opening:
        return 80
    return 0


def load(path: Path, **options: Any) -> LoadResult:
    """Read a daily casualty JSON file.

    Options: ``place`` (a PlaceRef, or a series key or name from loaders/vocab/daily_casualties.toml:
    "gaza", "west_bank", "lebanon"; default chosen from the file name), ``series_start`` (first day
    the cumulative figures count from, date or YYYY-MM-DD), ``encoding``, ``progress``.
    """
    path = Path(path)
    text, encoding = decode_bytes(path.read_bytes(), path.name, options.get("encoding"))
    data = _parse_array(path.name, text)
    series = _series(path, options.get("place"), options.get("series_start"), data)
    result = LoadResult(
        file=path.name, format=Format.DAILY_CASUALTIES, sha256=sha256_file(path), encoding=encoding
    )
    result.publisher = _COMPILER
    result.rows_in = len(data)
    result.meta["place"] = series.place.name
    result.meta["series_start"] = series.start.isoformat() if series.start else None
    progress = options.get("progress")
    seen: dict[dt.date, int] = {}
    for row_no, item in enumerate(data, start=1):
        try:
            result.records.append(_record(item, row_no, path.stem, series, seen, result))
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
        raise LoadError(file, "is not a JSON array of daily reports; download casualties_daily.json again")
    return data


def _series(path: Path, place: Any, start: Any, data: list[Any]) -> _Series:
    entries: dict[str, dict[str, Any]] = _vocab()["series"]
    if isinstance(place, PlaceRef):
        key = None
    elif place:
        key = next((k for k, e in entries.items() if fold(str(place)) in (fold(k), fold(e["name"]))), None)
        if key is None:
            choices = ", ".join(entries)
            raise LoadError(
                path.name, f"place '{place}' is not a known series; use one of {choices} or pass a PlaceRef"
            )
    else:
        name = path.name.lower()
        key = next((k for k, e in entries.items() if any(m in name for m in e["match"])), "gaza")
    entry = entries.get(key or "", {})
    if not isinstance(place, PlaceRef):
        place = PlaceRef(name=entry["name"], country=entry["country"], admin_level=entry.get("admin_level"))
    return _Series(
        place, _start(path.name, start or entry.get("series_start"), data), entry.get("default_source")
    )


def _start(file: str, start: Any, data: list[Any]) -> dt.date | None:
    if isinstance(start, dt.date):
        return start
    if start:
        try:
            return dt.date.fromisoformat(str(start))
        except ValueError:
            raise LoadError(file, f"series_start '{start}' is not a date; write YYYY-MM-DD") from None
    dates = [_iso(item.get("report_date")) for item in data if isinstance(item, dict)]
    return min((d for d in dates if d), default=None)


def _iso(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def _record(
    item: Any, row_no: int, stem: str, series: _Series, seen: dict[dt.date, int], result: LoadResult
) -> FactRecord:
    if not isinstance(item, dict):
        raise _RowError(None, f"element is a JSON {type(item).__name__}, not a daily report object")
    day = _report_date(item, seen, row_no)
    figures = _figures(item)  # may reject the row: before any warning is added
    days = _days(item, row_no, result)
    code, sources = _sources(item, series, row_no, result)
    if code == _MISSING and not figures:
        raise _Skip(
            f"{day}: no official report (report_source 'missing') and no reported figures; "
            "the ext_* extrapolations are not stored"
        )
    if not figures:
        raise _Skip(f"{day}: no killed or injured figures reported; the ext_* extrapolations are not stored")
    daily = {k: v for k, v in figures.items() if k in ("killed", "injured")}
    if days == 0 and daily and not any(q.lower for q in daily.values()):
        raise _Skip(
            f"{day}: report_period 0 (no report of its own; the next report covers this day) "
            "with 0 killed and 0 injured"
        )
    record = FactRecord(
        kind=FactKind.TOLL,
        place=series.place,
        provenance=Provenance(row=row_no, method="json", evidence=_evidence(item)),
        date=DateValue(day, Precision.DAY, str(item["report_date"])),
        sources=sources,
        external_id=f"tfp:{stem}:{day.isoformat()}",
    )
    if daily:
        record.killed, record.injured = daily.get("killed", Quantity()), daily.get("injured", Quantity())
        record.period_start, record.period_end = day - dt.timedelta(days=max(days, 1) - 1), day
    else:
        record.killed, record.injured = (
            figures.get("killed_cum", Quantity()),
            figures.get("injured_cum", Quantity()),
        )
        record.cumulative = True
        record.period_start, record.period_end = min(series.start or day, day), day
    record.notes = _notes(item, code, days, bool(daily))
    return record


def _report_date(item: dict[str, Any], seen: dict[dt.date, int], row_no: int) -> dt.date:
    raw = item.get("report_date")
    day = _iso(raw)
    if day is None:
        raise _RowError("report_date", f"report_date '{raw}' is not a date; write YYYY-MM-DD", raw)
    if day in seen:
        raise _RowError(
            "report_date", f"report_date {day} is already element {seen[day]}; keep one report per date", raw
        )
    seen[day] = row_no
    return day


def _sources(
    item: dict[str, Any], series: _Series, row_no: int, result: LoadResult
) -> tuple[str | None, list[str]]:
    code = item.get("report_source")
    code = str(code).strip() if code not in (None, "") else None
    if code == _MISSING:
        return code, [_COMPILER]
    if code is None:
        return None, [series.default_source or _COMPILER]
    known: dict[str, str] = _vocab()["sources"]
    if code not in known:
        result.add_issue(
            row_no,
            "report_source",
            f"report_source '{code}' is not one of {', '.join(known)}, "
            f"'{_MISSING}'; stored with '{code}' as the source",
            severity=Severity.WARNING,
            value=code,
        )
    return code, [known.get(code, code)]


def _days(item: dict[str, Any], row_no: int, result: LoadResult) -> int:
    """Days the report covers: report_period hours / 24, rounded up; 0 = no report of its own."""
    raw = item.get("report_period")
    if raw is None:
        return 1
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or raw < 0:
        raise _RowError("report_period", f"report_period '{raw}' is not a number of hours (24, 48 ...)", raw)
    if raw % 24:
        result.add_issue(
            row_no,
            "report_period",
            f"report_period {raw} h is not whole days; counted as {math.ceil(raw / 24)} day(s)",
            severity=Severity.WARNING,
            value=str(raw),
        )
    return math.ceil(raw / 24)


def _figures(item: dict[str, Any]) -> dict[str, Quantity]:
    """Reported killed/injured (daily, else OCHA-verified daily) and cumulative figures, by field."""
    verified = item.get("verified")
    if not isinstance(verified, dict):
        verified = {}
    found: dict[str, Quantity] = {}
    for key in ("killed", "injured", "killed_cum", "injured_cum"):
        raw = item.get(key, verified.get(key) if key in ("killed", "injured") else None)
        if raw is None:
            continue
        try:
            found[key] = parse_count(raw)
        except ValueError as exc:
            raise _RowError(key, f"{key}: {exc}", raw) from None
    return {k: q for k, q in found.items() if not q.is_empty}


def _notes(item: dict[str, Any], code: str | None, days: int, daily: bool) -> str:
    parts = [f"Tech for Palestine daily series, report_source {code or 'not given'}"]
    if code == _MISSING:
        parts.append(
            "no official report was available for this date; figures as compiled by Tech for Palestine"
        )
    if days == 0:
        parts.append("report_period 0: figures stored on the report date")
    elif daily:
        parts.append(f"covers {days * 24} h ending on the report date")
    else:
        parts.append("cumulative figures only (no daily figure reported)")
    if daily and "killed" not in item and "injured" not in item:
        parts.append("daily figures are the OCHA-verified ones")
    own = _OWN if daily else _OWN | {"killed_cum", "injured_cum"}
    extra = ", ".join(f"{k}={v}" for k, v in _flat(item) if k not in own and not k.startswith("ext_"))
    if extra:
        parts.append(f"also reported: {extra}")
    return "; ".join(parts)


def _flat(item: dict[str, Any]) -> list[tuple[str, Any]]:
    pairs: list[tuple[str, Any]] = []
    for key, value in item.items():
        if isinstance(value, dict):
            pairs.extend((f"{key}.{k}", v) for k, v in value.items() if not isinstance(v, (dict, list)))
        elif not isinstance(value, list):
            pairs.append((key, value))
    return pairs


def _evidence(item: dict[str, Any]) -> str:
    own = {k: v for k, v in _flat(item) if not k.startswith("ext_")}
    return json.dumps(own, ensure_ascii=False)[:500]
