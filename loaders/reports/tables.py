"""Convoy rows in text tables ('WFP-01 | Hodeidah port > Sanaa | 22 | wheat flour | arrived Sanaa 13 Nov').

A table is about convoys when its caption or header mentions trucks, truckloads, convoys or
movements. Columns are found by header words (TRUCKS, ROUTE, STATUS, CARGO ...); without a header
the first count that is not a date is the truck count and the caption names the place. A 'Total'
row is an aggregate over the other rows' dates.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace

from loaders.reports.analysis import DocContext
from loaders.reports.dates import DateMention, date_spans, find_dates
from loaders.reports.drafts import Draft, choose_place, usable
from loaders.reports.numbers import find_numbers
from loaders.reports.orgs import OPERATOR_KINDS, org_matcher
from loaders.reports.places import PlaceMention, matcher, unknown_places
from loaders.reports.sentences import Table, TableRow
from loaders.reports.vocab import vocab

_ABOUT_CONVOYS = re.compile(r"\b(?:trucks?|truckloads?|lorr(?:y|ies)|convoys?|movements?)\b", re.I)
_COLUMNS = {
    "trucks": re.compile(r"truck|lorr|load|vehicles", re.I),
    "origin": re.compile(r"^(?:from|origin|departure|start)\b", re.I),
    "dest": re.compile(r"^(?:to|destination|where|location|place|area)\b", re.I),
    "route": re.compile(r"route", re.I),
    "status": re.compile(r"status|outcome|result|remarks", re.I),
    "cargo": re.compile(r"cargo|items|content|beneficiar|people|supplies", re.I),
    "org": re.compile(r"convoy|agency|organi[sz]ation|partner|operator|actor|^orgs?\b", re.I),
    "mode": re.compile(r"^(?:mode|means|transport)\b", re.I),
    "date": re.compile(r"date|day", re.I),
}
_ARROW = re.compile(r"\s*(?:>|→|->|–>|—>|\bto\b)\s*")


def convoy_tables(doc: DocContext, tables: list[Table]) -> list[Draft]:
    out: list[Draft] = []
    for table in tables:
        if not _ABOUT_CONVOYS.search(" ".join([table.caption, *table.header])):
            continue
        columns = _columns(table.header)
        caption_places = matcher().find(table.caption)
        drafts = [_row(doc, table, row, columns, caption_places) for row in table.rows]
        _date_totals(drafts)
        out.extend(
            d
            for d in drafts
            if not d.trucks.is_empty or not d.people_served.is_empty or (d.mode == "airdrop" and d.place)
        )
    return out


def _columns(header: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        for name, pattern in _COLUMNS.items():
            if name not in found and pattern.search(cell):
                found[name] = i
                break
    return found


def _cell(row: TableRow, columns: dict[str, int], name: str) -> str:
    i = columns.get(name)
    return row.cells[i] if i is not None and i < len(row.cells) else ""


def _row(
    doc: DocContext, table: Table, row: TableRow, columns: dict[str, int], caption: list[PlaceMention]
) -> Draft:
    text = " | ".join(row.cells)
    draft = Draft("convoy", -1, row.start, row.end, mode="road", new=True)
    dates = find_dates(text, doc.published)
    numbers = [n for n in find_numbers(text, date_spans(dates)) if n.value is not None or n.low is not None]
    truck_cell = _cell(row, columns, "trucks")
    if truck_cell:
        numbers_in = find_numbers(truck_cell)
        if numbers_in:
            draft.trucks = numbers_in[0].quantity(truck_cell)
    elif numbers and not columns:
        first = numbers[0]
        word = re.search(r"([A-Za-z]+)\s*$", text[: first.start])
        draft.trucks = first.quantity(f"{word.group(1)} {first.text}" if word else first.text)
    cargo = _cell(row, columns, "cargo")
    people = [
        n
        for n in find_numbers(cargo)
        if re.match(r"\s*(?:people|persons|individuals|beneficiaries)", cargo[n.end :])
    ]
    if people:
        draft.people_served = people[0].quantity(cargo[people[0].start : people[0].end + 7])
    status = _cell(row, columns, "status") or text
    draft.outcome_tags = [name for name, pattern in vocab().outcomes if pattern.search(status)]
    if re.search(r"air ?drop|parachut", _cell(row, columns, "mode"), re.I):
        draft.mode = "airdrop"
    status_dates = find_dates(status, doc.published) if status is not text else dates
    date_cell = _cell(row, columns, "date")
    column_dates = [d for d in find_dates(date_cell, doc.published) if d.first] if date_cell else []
    future = bool(set(draft.outcome_tags) & {"planned", "postponed"})
    # The movement's day is the DATE column; a planned movement's day is the one its status gives.
    chosen = (
        ([d for d in status_dates if d.first] if future else [])
        or column_dates
        or [d for d in status_dates if d.first]
        or [d for d in dates if d.first]
    )
    draft.date = chosen[0] if chosen else None
    draft.organisations = [
        o.resolve(doc.country)
        for o in org_matcher().find(_cell(row, columns, "org") or row.cells[0])
        if o.kind in OPERATOR_KINDS
    ]
    route = _cell(row, columns, "route")
    if not route and _cell(row, columns, "dest"):
        route = f"{_cell(row, columns, 'origin')} > {_cell(row, columns, 'dest')}".strip(" >")
    _route(draft, route, caption, table)
    draft.aggregate = bool(re.match(r"\s*(?:total|sum|overall)\b", row.cells[0] if row.cells else "", re.I))
    return draft


def _route(draft: Draft, route: str, caption: list[PlaceMention], table: Table) -> None:
    places = matcher()
    if route:
        parts = _ARROW.split(route, maxsplit=1)
        dest_text = parts[-1]
        found = places.find(dest_text)
        found += unknown_places(" in " + dest_text, [], [])
        draft.place, draft.parts = choose_place(usable(found, dest_text), dest_text)
        if len(parts) == 2:
            origin = places.find(parts[0])
            draft.origin = origin[0].text if origin else parts[0].strip() or None
    if draft.place is None and caption:
        draft.place, draft.parts = choose_place(usable(caption, table.caption), table.caption)
    draft.place_strength = 3 if draft.place else 0


def _date_totals(drafts: list[Draft]) -> None:
    """A 'Total' row covers the dates of the rows above it."""
    days = [d.date.first for d in drafts if not d.aggregate and d.date and d.date.first]
    if not days:
        return
    first: dt.date = min(days)
    last: dt.date = max(days)
    for d in drafts:
        if d.aggregate and d.date is None:
            d.date = DateMention(0, 0, "", first, last, "period", "context")
            d.date_basis = "context"
    for d in drafts:
        if d.date is not None and d.date.basis is None:
            d.date = replace(d.date, basis="explicit_no_year+pubdate")
