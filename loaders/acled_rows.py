"""One ACLED event row -> one civilian toll, one SKIPPED or one REJECTED issue (loaders.acled reads the file).

An export of a million rows holds a few thousand distinct dates, a handful of event types and
fatality counts, a few countries: each is parsed once per distinct value (the caches of
:class:`RowReader`), so a row costs little more than reading it. Cells are addressed by column
position, and stripped only when read.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from loaders.normalise.countries import country_iso3
from loaders.normalise.dates import DateOrder, _slash_parts, parse_date
from loaders.normalise.numbers import clean_number_text, parse_count
from loaders.records import (
    DateValue,
    FactKind,
    FactRecord,
    Issue,
    PlaceRef,
    Provenance,
    Quantity,
    Severity,
)

VOCAB = Path(__file__).parent / "vocab" / "acled.toml"
_EMPTY_DATE = "event_date is empty; every ACLED event has a date"
_NO_FATALITIES = "no fatalities reported: ACLED gives no injured count, so there is no toll to keep"


@lru_cache(maxsize=1)
def vocab() -> dict[str, Any]:
    with VOCAB.open("rb") as fh:
        return tomllib.load(fh)


def layout_of(columns: set[str]) -> str:
    for name, markers in vocab()["layouts"].items():
        if columns & set(markers):
            return name
    return "pre2023"


@dataclass(slots=True)
class RowReader:
    """Turns data rows (lists of cells, unstripped) into records and issues for one file."""

    file: str
    header: list[str]
    layout: str
    order: DateOrder
    seen: dict[str, int] = field(default_factory=dict)
    countries: set[str] = field(default_factory=set)
    date_min: dt.date | None = None
    date_max: dt.date | None = None
    # Slash dates seen with a day part over 12 / a month part over 12 (infer_date_order's evidence).
    first_big: bool = False
    second_big: bool = False
    _index: dict[str, int] = field(default_factory=dict)
    _width: int = 0
    _cols: tuple[int, ...] = ()
    _record_cols: tuple[int, ...] = ()
    # Caches keyed by the raw (unstripped) cells: each distinct value is parsed once.
    _dates: dict[tuple[str, str], DateValue | str] = field(default_factory=dict)
    _counts: dict[str, Quantity | str] = field(default_factory=dict)
    _country: dict[tuple[str, str, str], str | None] = field(default_factory=dict)
    _skip: dict[tuple[str, str, str, str], tuple[str | None, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._index = {name: i for i, name in enumerate(self.header)}  # a repeated column: the last wins
        self._width = len(self.header) + 1
        # Rows are padded with one empty cell at the end: a missing column reads that cell (-1).
        self._cols = tuple(
            self._index.get(name, -1)
            for name in ("event_id_cnty", "event_date", "time_precision", "fatalities", "event_type",
                         "civilian_targeting", "inter2", "interaction", "iso3", "iso", "country")
        )  # fmt: skip
        self._record_cols = tuple(
            self._index.get(name, -1)
            for name in ("event_id_cnty", "notes", "source", "location", "admin1", "admin2", "admin3", "event_type",
                         "sub_event_type")
        )  # fmt: skip

    def get(self, cells: list[str], name: str) -> str:
        """The stripped cell of column ``name`` ("" when the file has no such column)."""
        return cells[self._index.get(name, -1)].strip()

    def read(self, number: int, cells: list[str], records: list[FactRecord], issues: list[Issue]) -> None:
        """Append one record or exactly one REJECTED/SKIPPED issue (plus any WARNING) for the row.
        ``cells`` is padded in place."""
        cells.append("")
        if len(cells) < self._width:
            cells.extend([""] * (self._width - len(cells)))
        i_id, i_date, i_prec, i_fat, i_type, i_target, i_inter2, i_interaction, i_iso3, i_iso, i_country = (
            self._cols
        )
        event_id = cells[i_id].strip()
        date = self._date(cells[i_date], cells[i_prec])
        if not event_id:
            issues.append(
                self._issue(number, "event_id_cnty", "no event_id_cnty; export the file again from ACLED")
            )
            return
        if isinstance(date, str):
            raw = cells[i_date].strip()
            issues.append(self._issue(number, "event_date", date, None if date == _EMPTY_DATE else raw))
            return
        day = date.value
        assert day is not None  # empty dates are issues above
        if self.date_min is None or day < self.date_min:
            self.date_min = day
        if self.date_max is None or day > self.date_max:
            self.date_max = day
        country = self._country_of(cells[i_iso3], cells[i_iso], cells[i_country])
        if country:
            self.countries.add(country)
        killed = self._fatalities(cells[i_fat])
        if isinstance(killed, str):
            issues.append(self._issue(number, "fatalities", killed, cells[i_fat].strip()))
            return
        reason, event_type = self._skip_reason(
            cells[i_type], cells[i_target], cells[i_inter2], cells[i_interaction]
        )
        if reason is None and not killed.value:
            reason = _NO_FATALITIES
        if reason:
            issues.append(self._issue(number, "event_type", reason, event_type, Severity.SKIPPED))
            return
        # Repeated ids are checked among the rows kept only: remembering every id of a million-row
        # export would hold ~100 MB, and a repeated row that is skipped anyway changes nothing.
        first = self.seen.setdefault(event_id, number)
        if first != number:
            issues.append(
                self._issue(number, "event_id_cnty", f"event {event_id} repeats row {first}", event_id)
            )
            return
        records.append(self._record(number, cells, date, killed, country, issues))

    def _issue(
        self, row: int, column: str, reason: str, value: str | None = None, severity: str = Severity.REJECTED
    ) -> Issue:
        return Issue(self.file, row, column, reason, severity, value)

    # ---- per distinct value -------------------------------------------------------------------

    def _date(self, raw: str, precision_code: str) -> DateValue | str:
        """The event date with ACLED's time precision, or the reason it is rejected."""
        key = (raw, precision_code)
        found = self._dates.get(key)
        if found is None:
            found = self._dates[key] = self._parse_date(raw.strip(), precision_code.strip())
        return found

    def _parse_date(self, raw: str, precision_code: str) -> DateValue | str:
        parts = _slash_parts(clean_number_text(raw))
        if parts is not None:
            self.first_big |= parts[0] > 12
            self.second_big |= parts[1] > 12
        try:
            date = parse_date(raw, self.order)
        except ValueError as exc:
            return str(exc)
        if date.value is None:
            return _EMPTY_DATE
        precision = vocab()["time_precision"].get(precision_code, date.precision)
        return DateValue(date.value, precision, date.text)

    def _fatalities(self, raw: str) -> Quantity | str:
        found = self._counts.get(raw)
        if found is None:
            found = self._counts[raw] = _parse_fatalities(raw.strip())
        return found

    def _country_of(self, iso3_raw: str, iso_raw: str, country_raw: str) -> str | None:
        key = (iso3_raw, iso_raw, country_raw)
        if key not in self._country:
            iso3 = country_iso3(iso3_raw.strip())
            # `iso` is the ISO numeric code; the <=2018 layout has `gwno` instead, which is not ISO.
            if not iso3 and self.layout != "api2018" and iso_raw.strip().isdigit():
                iso3 = country_iso3(iso_raw.strip())
            self._country[key] = iso3 or country_iso3(country_raw.strip())
        return self._country[key]

    def _skip_reason(
        self, event_type: str, targeting: str, inter2: str, interaction: str
    ) -> tuple[str | None, str]:
        """(why the event is skipped or None, the stripped event type)."""
        key = (event_type, targeting, inter2, interaction)
        found = self._skip.get(key)
        if found is None:
            kind, aim, other, pair = (v.strip() for v in key)
            found = self._skip[key] = (_civilian_skip_reason(kind, aim, other, pair, self.layout), kind)
        return found

    # ---- the record ---------------------------------------------------------------------------

    def _coordinate(self, number: int, cells: list[str], column: str, issues: list[Issue]) -> float | None:
        raw = self.get(cells, column)
        if not raw:
            return None
        try:
            value: float | None = float(raw)
        except ValueError:
            value = None
        limit = 90 if column == "latitude" else 180
        if value is None or abs(value) > limit:
            reason = f"'{raw}' is not a {column}; the event is stored without coordinates"
            issues.append(self._issue(number, column, reason, raw, Severity.WARNING))
            return None
        return value

    def _record(
        self, number: int, cells: list[str], date: DateValue, killed: Quantity, country: str | None,
        issues: list[Issue],
    ) -> FactRecord:  # fmt: skip
        event_id, notes, source, location, admin1, admin2, admin3, event_type, sub_event_type = (
            cells[i].strip() for i in self._record_cols
        )
        note: str | None = notes or None
        if source:
            note = f"{notes} [ACLED source: {source}]".strip()
        place = PlaceRef(
            name=location, admin1=admin1 or None, admin2=admin2 or None, admin3=admin3 or None, country=country,
            lat=self._coordinate(number, cells, "latitude", issues),
            lon=self._coordinate(number, cells, "longitude", issues),
        )  # fmt: skip
        evidence = (
            f"{event_id} {date.text}: {event_type} / {sub_event_type or '-'} "
            f"at {place.name} ({place.admin1 or '-'}), fatalities {killed.value}"
        )
        return FactRecord(
            kind=FactKind.TOLL, place=place, provenance=Provenance(row=number, method="acled", evidence=evidence),
            date=date, period_start=date.value, period_end=date.value, sources=["ACLED"], killed=killed,
            external_id=f"acled:{event_id}", notes=note,
        )  # fmt: skip


def _parse_fatalities(raw: str) -> Quantity | str:
    """The fatalities count, or the reason the row is rejected."""
    if raw.startswith("-") and raw[1:].strip().isdigit():
        return f"'{raw}' is negative: fatalities cannot be below 0"
    try:
        quantity = parse_count(raw)
    except ValueError as exc:
        return str(exc)
    if (quantity.value is None and not quantity.is_empty) or quantity.qualifier:
        return f"'{raw}' is not an ACLED fatality count: ACLED writes one whole number (0 when none)"
    return quantity


def _civilian_skip_reason(
    event_type: str, targeting: str, inter2: str, interaction: str, layout: str
) -> str | None:
    """None when the event is a civilian toll; otherwise the reason it is skipped."""
    civ = vocab()["civilian"]
    if event_type in civ["event_types"]:
        return None
    if layout == "post2023":
        if targeting == civ["targeting_value"]:
            return None
    elif event_type in civ["remote_violence_types"]:
        code = civ["civilian_inter_code"]
        if inter2 == code or interaction.endswith(code):
            return None
    if event_type in civ["remote_violence_types"]:
        return f"{event_type} not aimed at civilians: fatalities are not a civilian toll"
    return f"{event_type or 'no event type'}: fatalities are not a civilian toll"
