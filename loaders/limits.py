"""Length caps for what a file may put in the store, and the clipping of issue texts.

A file comes from anyone with an import account, and whatever it holds is shown to every viewer:
a 2 MB "place name" from one CSV cell would appear in every page's sidebar, and a 40 MB JSON cell
copied into each issue's reason and value made 120 MB of import issues. So:

- names (places, admin areas, p-codes, organisations, sources, besieging parties, origins) and the
  short wordings kept beside figures are capped at the store's column lengths (db/models.py); a
  row whose text is longer is rejected with an issue naming the row, the field and the length.
  Facts read from prose (no row) cannot be rejected without breaking the accounting rule: their
  over-long fields are cut, with a warning;
- an issue's reason and value are clipped to ``ISSUE_TEXT`` characters, noting the original length
  (``Issue`` does it when it is made, so the summary, the stored issue and the CSV agree).

Pure: no SQLAlchemy (the db.pipeline reader process imports the loaders).
"""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

from loaders.records import FactRecord, LoadError, LoadResult, PlaceRecord, Quantity, Severity, clip

__all__ = [
    "FACT_FIELDS", "NAME", "PCODE", "REPORT_CHARS", "REPORT_PAGES", "TITLE", "Budget", "clip", "oversized_place",
    "reject_oversized",
]  # fmt: skip

NAME = 300  # places.name, place_names.name, organisation_aliases.alias, facts.place_text
PCODE = 50  # places.pcode
IDENTIFIER = 200  # facts.external_id, facts.event_ref
WORDING = 200  # facts.date_text and the quantities' *_text
TITLE = 500  # imports.title / documents.title are TEXT: a title longer than this is not a title
PUBLISHER = 300  # imports.publisher, documents.publisher

# What one report may cost: the extractor reads about 200,000 characters a second, so a report at
# the character cap takes about 10 s; a 200-page report is a book. A PDF whose pages repeat one
# large content stream (80 pages, 23 KB on disk) would otherwise take minutes and 500 MB.
REPORT_PAGES = 200
REPORT_CHARS = 2_000_000
REPORT_CONTENT_BYTES = 32 * 1024 * 1024  # decoded PDF page content, each page counted (shared or not)
REPORT_SECONDS_ENV = "ACCESS_MONITOR_REPORT_SECONDS"
DEFAULT_REPORT_SECONDS = 60.0
SPLIT = "split it into smaller files (by chapter or by month) and import each"

# FactRecord field (or "place.<field>") -> the most characters it may hold.
FACT_FIELDS: dict[str, int] = {
    "place.name": NAME, "place.admin1": NAME, "place.admin2": NAME, "place.admin3": NAME,
    "place.pcode": PCODE, "place.admin1_pcode": PCODE, "place.admin2_pcode": PCODE,
    "origin": NAME, "besieging_party": NAME, "external_id": IDENTIFIER, "event_ref": IDENTIFIER,
    "date": WORDING, "trucks": WORDING, "people_served": WORDING, "population": WORDING,
    "killed": WORDING, "injured": WORDING, "organisations": NAME, "sources": NAME,
}  # fmt: skip
_QUANTITIES = {"trucks", "people_served", "population", "killed", "injured"}


def _texts(record: FactRecord, name: str) -> list[str]:
    """The text(s) a field holds: one string, the wording of a quantity or date, or a list's items."""
    if name.startswith("place."):
        value: Any = getattr(record.place, name.removeprefix("place."))
    else:
        value = getattr(record, name)
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if name == "date" or name in _QUANTITIES:
        value = value.text
    return [value] if isinstance(value, str) else []


def _fits(r: FactRecord) -> bool:
    """True when every capped text of ``r`` fits: one expression, as this runs for every record of
    a million-row export; ``too_long`` says which field does not."""
    p = r.place
    return (
        max(len(p.name), len(p.admin1 or ""), len(p.admin2 or ""), len(p.admin3 or ""), len(r.origin or ""),
            len(r.besieging_party or ""), *map(len, r.organisations), *map(len, r.sources)) <= NAME
        and max(len(p.pcode or ""), len(p.admin1_pcode or ""), len(p.admin2_pcode or "")) <= PCODE
        and max(len(r.external_id or ""), len(r.event_ref or ""), len(r.date.text or ""), len(r.trucks.text or ""),
                len(r.people_served.text or ""), len(r.population.text or ""), len(r.killed.text or ""),
                len(r.injured.text or "")) <= WORDING
    )  # fmt: skip


def too_long(record: FactRecord) -> list[tuple[str, int, int]]:
    """(field, length, cap) for every text of ``record`` longer than its cap."""
    if _fits(record):
        return []
    found = []
    for name, cap in FACT_FIELDS.items():
        for text in _texts(record, name):
            if len(text) > cap:
                found.append((name, len(text), cap))
    return found


def column_of(name: str) -> str:
    """The column an issue names for a FactRecord field: 'place.name' is the place column."""
    return "place" if name == "place.name" else name.removeprefix("place.")


def _message(name: str, length: int, cap: int) -> str:
    what = column_of(name).replace("_", " ")
    return (
        f"{what} is {length:,} characters long, over the {cap:,} Access Monitor keeps; a name or "
        "wording this long is a pasted paragraph or a wrong column: correct the cell and import again"
    )


def _cut(record: FactRecord) -> FactRecord:
    """The record with every over-long text cut to its cap (facts read from prose)."""
    place_changes: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    for name, cap in FACT_FIELDS.items():
        if name.startswith("place."):
            attr = name.removeprefix("place.")
            value = getattr(record.place, attr)
            if isinstance(value, str) and len(value) > cap:
                place_changes[attr] = value[:cap]
            continue
        value = getattr(record, name)
        if isinstance(value, list):
            changes[name] = [v[:cap] if isinstance(v, str) else v for v in value]
        elif isinstance(value, str) and len(value) > cap:
            changes[name] = value[:cap]
        elif isinstance(value, Quantity) and value.text and len(value.text) > cap:
            changes[name] = dataclasses.replace(value, text=value.text[:cap])
        elif name == "date" and record.date.text and len(record.date.text) > cap:
            changes[name] = dataclasses.replace(record.date, text=record.date.text[:cap])
    if place_changes:
        changes["place"] = dataclasses.replace(record.place, **place_changes)
    return dataclasses.replace(record, **changes) if changes else record


def reject_oversized(result: LoadResult) -> int:
    """Turn each record of a row with a name or wording over its cap into a REJECTED issue for that
    row (its value clipped by Issue); cut those of facts read from prose, with a WARNING. Also
    clips the report's title and publisher. Returns the number of records rejected."""
    if result.title and len(result.title) > TITLE:
        result.add_issue(
            None, "title", _message("title", len(result.title), TITLE), severity=Severity.WARNING
        )
        result.title = result.title[:TITLE]
    if result.publisher and len(result.publisher) > PUBLISHER:
        result.add_issue(
            None,
            "publisher",
            _message("publisher", len(result.publisher), PUBLISHER),
            severity=Severity.WARNING,
        )
        result.publisher = result.publisher[:PUBLISHER]
    kept: list[FactRecord] = []
    rejected = 0
    for record in result.records:
        problems = too_long(record)
        if not problems:
            kept.append(record)
            continue
        name, length, cap = problems[0]
        value = next(t for t in _texts(record, name) if len(t) > cap)
        column, reason = column_of(name), _message(name, length, cap)
        if record.provenance.row is None:
            result.add_issue(None, column, reason, severity=Severity.WARNING, value=value)
            kept.append(_cut(record))
        else:
            result.add_issue(record.provenance.row, column, reason, value=value)
            rejected += 1
    result.records = kept
    return rejected


def oversized_place(place: PlaceRecord) -> tuple[str, str, str] | None:
    """(column, reason, value) when a gazetteer entry's name, alternative names or p-code are
    longer than the store keeps; None when it fits."""
    checks = [
        ("name", place.name, NAME),
        ("pcode", place.pcode, PCODE),
        ("parent_pcode", place.parent_pcode, PCODE),
    ]
    checks += [("alt_names", alt, NAME) for alt in place.alt_names]
    for column, value, cap in checks:
        if value and len(value) > cap:
            return column, _message(column, len(value), cap), value
    return None


# --------------------------------------------------------------------------- a report's budget


def report_seconds() -> float:
    """Seconds one report may take to read and extract: $ACCESS_MONITOR_REPORT_SECONDS, default 60."""
    raw = os.environ.get(REPORT_SECONDS_ENV, "").strip()
    try:
        seconds = float(raw) if raw else DEFAULT_REPORT_SECONDS
    except ValueError:
        seconds = DEFAULT_REPORT_SECONDS
    return seconds if seconds > 0 else DEFAULT_REPORT_SECONDS


class Budget:
    """The time and characters one report may use. ``check`` is called between pages, paragraphs
    and batches of sentences, and raises LoadError naming the file, the limit and the next step."""

    def __init__(self, file: str, seconds: float | None = None, chars: int = REPORT_CHARS) -> None:
        self.file = file
        self.seconds = report_seconds() if seconds is None else seconds
        self.chars = chars
        self.started = time.monotonic()

    def check(self, where: str) -> None:
        if time.monotonic() - self.started > self.seconds:
            raise LoadError(
                self.file, f"took more than {self.seconds:,.0f} seconds to read ({where}), the most one report "
                f"may take; nothing was stored. A report this slow is very long or crafted: {SPLIT}, or ask "
                f"an administrator to raise {REPORT_SECONDS_ENV}",
            )  # fmt: skip

    def count(self, chars: int, where: str) -> None:
        """Refuse as soon as the text read so far (``chars``) is over the cap."""
        if chars > self.chars:
            raise LoadError(
                self.file, f"holds more than {self.chars:,} characters of text ({where}), the most Access "
                f"Monitor reads from one report; nothing was stored. {SPLIT[0].upper()}{SPLIT[1:]}",
            )  # fmt: skip
        self.check(where)
