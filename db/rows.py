"""Records -> rows of the facts table, made without the store: db.bulk writes them.

Kept apart from db.bulk (and free of SQLAlchemy) because it runs in an import's reader process
(db.pipeline), which should start fast and stay small. ``ROW_COLUMNS`` is the facts table's
column order without the id; db.bulk checks it against the model when it is imported.
"""

from __future__ import annotations

import datetime as dt
from operator import attrgetter
from typing import Any

from db.hashing import Hasher
from loaders.records import FactRecord

QUANTITIES = ("trucks", "people_served", "population", "killed", "injured")
STRUCTURED_METHODS = {"table", "hxl", "acled", "json"}  # "text" (prose extraction) waits for review
_QUANTITY_PARTS = ("", "_low", "_high", "_qualifier", "_text")
ROW_COLUMNS = (
    "kind", "import_id", "fingerprint", "content_hash", "external_id", "event_ref", "place_id", "place_text", "date",
    "date_precision", "date_text", "period_start", "period_end", "origin_text", "outcome", "outcome_tags", "mode",
    *(q + part for q in QUANTITIES[:3] for part in _QUANTITY_PARTS), "status", "besieging_party", "siege_since",
    *(q + part for q in QUANTITIES[3:] for part in _QUANTITY_PARTS), "victim_group", "cumulative", "notes",
    "source_row", "span_start", "span_end", "method", "evidence", "review_status", "reviewed_by", "reviewed_at",
    "retracted",
)  # fmt: skip


def sqlite_datetime(value: dt.datetime) -> str:
    """SQLAlchemy's SQLite DATETIME text form (always with microseconds)."""
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


PLACE_KEY = (
    "name",
    "admin1",
    "admin2",
    "admin3",
    "pcode",
    "admin1_pcode",
    "admin2_pcode",
    "country",
    "admin_level",
)
PlaceKey = tuple[Any, ...]  # a PlaceRef's PLACE_KEY fields: what it resolves by
place_key = attrgetter(*PLACE_KEY)
Prepared = tuple[str, str, list[Any], PlaceKey, float | None, float | None, list[str], list[str], str | None]
"""A record made ready to store without the store: (fingerprint, content hash, its facts row with
import_id and place_id left empty, place key, lat, lon, operating organisations, sources,
external id). Made in the reader thread or process (db.pipeline), so the writer's own work is the
store's."""

IMPORT_AT, PLACE_AT = ROW_COLUMNS.index("import_id"), ROW_COLUMNS.index("place_id")
COUNTRY_AT = PLACE_KEY.index("country")


class RowMaker:
    """Records -> Prepared: hashing and the facts row, everything that needs no connection."""

    def __init__(self, user: str, now: dt.datetime, sqlite: bool):
        self.user, self.sqlite = user, sqlite
        self._now = sqlite_datetime(now) if sqlite else now
        self._days: dict[dt.date, str] = {}
        self._places: dict[PlaceKey, PlaceKey] = {}
        self._hasher = Hasher()

    def prepare(self, records: list[FactRecord]) -> list[Prepared]:
        fingerprint, content_hash, values = self._hasher.fingerprint, self._hasher.content_hash, self.values
        out: list[Prepared] = []
        places = self._places
        for rec in records:
            fp, digest = fingerprint(rec), content_hash(rec)
            # A place as its key (one object per distinct key, pickled once per batch on the way
            # from a reader process) and its coordinates, which differ from event to event.
            key = place_key(rec.place)
            key = places.setdefault(key, key)
            out.append((fp, digest, values(rec, fp, digest), key, rec.place.lat, rec.place.lon,
                        rec.organisations, rec.sources, rec.external_id))  # fmt: skip
        if len(places) > 100_000:
            places.clear()
        return out

    def _day(self, value: dt.date | None) -> str | dt.date | None:
        if value is None or not self.sqlite:
            return value
        found = self._days.get(value)
        if found is None:
            found = self._days[value] = value.isoformat()
        return found

    def values(self, rec: FactRecord, fingerprint: str, content_hash: str = "") -> list[Any]:
        """The fact's row in FACT_COLUMNS order (dates as text on SQLite), import and place empty."""
        structured = rec.provenance.method in STRUCTURED_METHODS
        prov, date, day = rec.provenance, rec.date, self._day
        row: list[Any] = [
            str(rec.kind), None, fingerprint, content_hash, rec.external_id, rec.event_ref, None,
            rec.place.name[:300], day(date.value), str(date.precision) if date.value else None, date.text,
            day(rec.period_start), day(rec.period_end), rec.origin, rec.outcome, ";".join(rec.outcome_tags) or None,
            rec.mode,
        ]  # fmt: skip
        for name in QUANTITIES[:3]:
            q = getattr(rec, name)
            row += (q.value, q.low, q.high, str(q.qualifier) if q.qualifier else None, q.text)
            if name == "population":
                row += (rec.status, rec.besieging_party, day(rec.siege_since))
        for name in QUANTITIES[3:]:
            q = getattr(rec, name)
            row += (q.value, q.low, q.high, str(q.qualifier) if q.qualifier else None, q.text)
        row += (
            rec.victim_group if rec.kind == "civilian_toll" else None, rec.cumulative, rec.notes, prov.row,
            prov.span_start, prov.span_end, prov.method, prov.evidence,
            # Structured imports are vouched for by whoever imported them; extracted text waits for review.
            "confirmed" if structured else "pending", f"import:{self.user}" if structured else None,
            self._now if structured else None, False,
        )  # fmt: skip
        return row
