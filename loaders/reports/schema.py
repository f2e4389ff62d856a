"""Drafts to FactRecords, and FactRecords to the annotation schema of the sample reports
(``kind``, ``location``, ``trucks``/``trucks_low``/``trucks_high``/``trucks_text``/``trucks_qualifier``,
``evidence`` {start, end, text} ...), the form ``cli extract --json`` prints and the scorer reads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from loaders.records import DateValue, FactKind, FactRecord, PlaceRef, Precision, Provenance, Quantity
from loaders.reports.drafts import Draft

QUANTITIES = ("trucks", "people_served", "population", "killed", "injured")
_STATUS_OUT = {"hard_to_reach": "besieged_or_hard_to_reach"}


def to_record(d: Draft, text: str, published: dt.date | None, country: str | None) -> FactRecord:
    place = d.place
    name = place.name if place else "unknown place"
    found = place.place if place else None
    # GeoNames places carry coordinates so the store can add them, unverified, with a location.
    ref = PlaceRef(
        name=name, country=(place.country if place else None) or country,
        lat=found.lat if found else None, lon=found.lon if found else None,
    )  # fmt: skip
    evidence = text[d.start : d.end]
    rec = FactRecord(
        kind=FactKind(d.kind),
        place=ref,
        provenance=Provenance(span_start=d.start, span_end=d.end, method="text", evidence=evidence),
        location_parts=list(dict.fromkeys(d.parts or ([name] if place else []))),
        organisations=list(d.organisations),
        sources=list(d.sources),
        notes=_notes(d),
    )
    for q in QUANTITIES:
        setattr(rec, q, getattr(d, q))
    if d.kind == "convoy":
        _convoy(rec, d)
    elif d.kind == "besieged_population":
        _besieged(rec, d, published)
    else:
        _toll(rec, d)
    return rec


def _notes(d: Draft) -> str | None:
    notes = list(d.notes)
    if d.place is not None and d.place.place is None:
        notes.append(f"place '{d.place.name}' is not in the gazetteer (unresolved)")
    elif d.place is not None and d.place.place is not None and d.place.place.lat is not None:
        notes.append(f"place '{d.place.name}' found in GeoNames (unverified)")
    if d.place is None:
        notes.append("no place found in the text")
    return "; ".join(notes) or None


def _date_value(d: Draft) -> DateValue:
    if d.date is None:
        return DateValue()
    precision = d.date.precision if d.date.precision in {p.value for p in Precision} else Precision.DAY
    return DateValue(d.date.first, precision, d.date.text or None)


def _basis(d: Draft) -> str | None:
    if d.date is None or d.date.first is None:
        return None
    return d.date_basis or d.date.basis


def _convoy(rec: FactRecord, d: Draft) -> None:
    rec.outcome = d.outcome_tags[0] if d.outcome_tags else None
    rec.outcome_tags = list(d.outcome_tags)
    rec.origin = d.origin
    rec.mode = d.mode or "road"
    rec.cumulative = d.aggregate
    rec.date_basis = _basis(d)
    if d.date is not None and d.date.first and d.date.last != d.date.first:
        rec.period_start, rec.period_end = d.date.first, d.date.last
        rec.date = DateValue(None, Precision.DAY, d.date.text) if d.aggregate else _date_value(d)
        if not d.aggregate:
            rec.period_start = rec.period_end = None
    else:
        rec.date = _date_value(d)


def _besieged(rec: FactRecord, d: Draft, published: dt.date | None) -> None:
    rec.status = d.status
    rec.besieging_party = d.party
    rec.siege_since = d.since.first if d.since else None
    if d.date is not None and d.date.first:
        rec.date = _date_value(d)
        rec.date_basis = _basis(d)
    elif published is not None:
        rec.date = DateValue(published, Precision.DAY, "publication date")
        rec.date_basis = "pubdate"


def _toll(rec: FactRecord, d: Draft) -> None:
    rec.date_basis = _basis(d)
    if d.date is None:
        return
    rec.date = _date_value(d)
    if d.date.first is None:
        return
    rec.period_start = d.date.first
    rec.period_end = None if d.date.since else (d.date.last or d.date.first)
    rec.cumulative = d.date.since


# --------------------------------------------------------------------------- annotation schema


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _quantity(prefix: str, q: Quantity) -> dict[str, Any]:
    return {
        prefix: q.value, f"{prefix}_low": q.low, f"{prefix}_high": q.high,
        f"{prefix}_text": q.text if not q.is_empty or q.qualifier else None,
        f"{prefix}_qualifier": str(q.qualifier) if q.qualifier else None,
    }  # fmt: skip


def to_schema(rec: FactRecord) -> dict[str, Any]:
    """One FactRecord as an annotation-schema dict (the sample reports' *.expected.json form)."""
    out: dict[str, Any] = {
        "kind": str(rec.kind), "location": rec.place.name, "location_parts": list(rec.location_parts),
        "date": _iso(rec.date.value), "period_start": _iso(rec.period_start), "period_end": _iso(rec.period_end),
        "date_basis": rec.date_basis, "date_text": rec.date.text,
    }  # fmt: skip
    for name in QUANTITIES:
        out.update(_quantity(name, getattr(rec, name)))
    approximate = any(getattr(rec, q).qualifier or getattr(rec, q).low is not None for q in QUANTITIES)
    out.update(
        {"organisations": list(rec.organisations), "sources": list(rec.sources), "approximate": approximate}
    )
    if rec.kind == FactKind.CONVOY:
        out.update({"outcome": rec.outcome, "outcome_tags": list(rec.outcome_tags), "origin": rec.origin,
                    "mode": rec.mode, "aggregate": rec.cumulative})  # fmt: skip
    elif rec.kind == FactKind.BESIEGED:
        out.update({"status": _STATUS_OUT.get(rec.status or "", rec.status), "besieging_party": rec.besieging_party,
                    "siege_since": _iso(rec.siege_since)})  # fmt: skip
    prov = rec.provenance
    out["evidence"] = {"start": prov.span_start, "end": prov.span_end, "text": prov.evidence}
    out["notes"] = rec.notes
    return out
