"""The only module that commits. One import = one transaction, its import record included.

``write_import`` takes a loader's LoadResult and, inside one write transaction (``BEGIN
IMMEDIATE`` on SQLite), records the import, resolves places and organisations, inserts new
facts, updates facts whose source edited them (same external id, other content), counts
duplicates, stores every issue and, on request, retracts events a re-export no longer holds.
Any exception rolls all of it back: the store is exactly as it was. The caller's role is checked
first (editors and admins import), and the import's audit line is written in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.auth import Actor, audit, require
from db.gazetteer import PlaceIndex, upsert_places
from db.migrate import upgrade
from db.models import QUANTITIES, Document, Fact, FactChange, FactOrganisation, Import, ImportIssue, Place
from db.organisations import OrganisationIndex
from loaders.records import FactRecord, Issue, LoadResult, Severity

CHUNK = 2000
STRUCTURED_METHODS = {"table", "hxl", "acled", "json"}  # "text" (prose extraction) waits for review
Progress = Callable[[int, int], None]


@dataclass(slots=True)
class ImportSummary:
    """What one import did. ``status`` is 'imported' or 'already imported'."""

    file: str
    format: str
    status: str
    import_id: int | None = None
    rows_in: int = 0
    added: int = 0
    updated: int = 0
    duplicate: int = 0
    skipped: int = 0
    rejected: int = 0
    retracted: int = 0
    places_added: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def stored(self) -> int:
        return self.added + self.updated


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _content_hash(record: FactRecord) -> str:
    raw = json.dumps(record.content(), sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def write_import(
    result: LoadResult,
    *,
    actor: Actor,
    url: str | None = None,
    retract_missing: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Store one loaded file atomically as ``actor`` (an editor or admin; recorded as the importer).
    Re-importing the same content adds nothing. Raises db.auth.PermissionDenied for a viewer."""
    require(actor, "import")
    user = actor.name
    engine = upgrade(url)
    summary = ImportSummary(file=result.file, format=result.format, status="imported", rows_in=result.rows_in)
    summary.issues = list(result.issues)
    try:
        with engine.begin() as conn:
            previous = conn.execute(
                select(Import.id).where(Import.sha256 == result.sha256)
            ).scalar_one_or_none()
            if previous is not None:
                _audit_import(conn, actor, _already(summary, previous, result))
                return summary
            import_id = _insert_import(conn, result, user)
            summary.import_id = import_id
            _write_document(conn, result, import_id)
            _write_places(conn, result, import_id, summary)
            _write_facts(conn, result, import_id, user, summary, progress)
            if retract_missing:
                summary.retracted = _retract_missing(conn, result, import_id, user)
            _write_issues(conn, result, import_id)
            summary.skipped, summary.rejected = result.skipped, result.rejected
            _check_accounting(summary)
            conn.execute(
                update(Import)
                .where(Import.id == import_id)
                .values(
                    added=summary.added, updated=summary.updated, duplicate=summary.duplicate,
                    skipped=summary.skipped, rejected=summary.rejected, retracted=summary.retracted,
                    places_added=summary.places_added,
                )
            )  # fmt: skip
            _audit_import(conn, actor, summary)
    except IntegrityError as exc:
        # PostgreSQL: another session committed the same file between our check and insert.
        if "sha256" not in str(exc.orig):
            raise
        with engine.begin() as conn:
            previous = conn.execute(select(Import.id).where(Import.sha256 == result.sha256)).scalar_one()
            _audit_import(conn, actor, _already(summary, previous, result))
    return summary


def _audit_import(conn: Connection, actor: Actor, s: ImportSummary) -> None:
    counts = {k: getattr(s, k) for k in ("rows_in", "added", "updated", "duplicate", "skipped", "rejected",
                                         "retracted", "places_added")}  # fmt: skip
    audit(conn, actor, "import", s.file, {"import_id": s.import_id, "format": s.format, "status": s.status,
                                          **counts})  # fmt: skip


def _already(summary: ImportSummary, previous: int, result: LoadResult) -> ImportSummary:
    summary.status = "already imported"
    summary.import_id = previous
    summary.duplicate = len(result.records) + len(result.places)
    summary.skipped, summary.rejected = result.skipped, result.rejected
    return summary


def _check_accounting(s: ImportSummary) -> None:
    accounted = s.added + s.updated + s.duplicate + s.skipped + s.rejected
    if accounted != s.rows_in:
        raise RuntimeError(
            f"{s.file}: {s.rows_in} rows in but {accounted} accounted for; nothing was stored. "
            "Please report this file to the maintainers."
        )


def _insert_import(conn: Connection, result: LoadResult, user: str) -> int:
    options = {k: v for k, v in result.meta.items() if isinstance(v, str | int | float | bool | type(None))}
    return conn.execute(
        insert(Import)
        .values(
            sha256=result.sha256, file_name=result.file, format=result.format, kind=result.meta.get("kind"),
            title=result.title, publisher=result.publisher, published=result.published,
            imported_at=_utcnow(), imported_by=user, encoding=result.encoding, rows_in=result.rows_in,
            options=options,
        )
        .returning(Import.id)
    ).scalar_one()  # fmt: skip


def _write_document(conn: Connection, result: LoadResult, import_id: int) -> None:
    if result.text is None:
        return
    conn.execute(
        insert(Document).values(
            import_id=import_id, title=result.title, publisher=result.publisher, published=result.published,
            content_type=result.content_type or "text/plain", text=result.text,
        )
    )  # fmt: skip


def _write_places(conn: Connection, result: LoadResult, import_id: int, summary: ImportSummary) -> None:
    if not result.places:
        return
    parents = list(result.meta.get("parent_places") or [])
    if parents:
        upsert_places(conn, parents, origin="cod", import_id=import_id)
    counts = upsert_places(conn, result.places, origin="cod", import_id=import_id)
    summary.added += counts["added"]
    summary.updated += counts["updated"]
    summary.duplicate += counts["unchanged"]
    summary.places_added += counts["added"]
    if result.meta.get("shapes"):  # COD polygons, drawn on the Map page
        from db.shapes import upsert_shapes

        upsert_shapes(conn, result.meta["shapes"], result.file)


def _fact_values(record: FactRecord, place_id: int, import_id: int, user: str) -> dict[str, Any]:
    structured = record.provenance.method in STRUCTURED_METHODS
    values: dict[str, Any] = {
        "kind": str(record.kind), "import_id": import_id, "fingerprint": record.fingerprint(),
        "content_hash": _content_hash(record), "external_id": record.external_id, "event_ref": record.event_ref,
        "place_id": place_id, "place_text": record.place.name[:300], "date": record.date.value,
        "date_precision": str(record.date.precision) if record.date.value else None,
        "date_text": record.date.text, "period_start": record.period_start, "period_end": record.period_end,
        "origin_text": record.origin, "outcome": record.outcome,
        "outcome_tags": ";".join(record.outcome_tags) or None, "mode": record.mode,
        "status": record.status, "besieging_party": record.besieging_party, "siege_since": record.siege_since,
        "victim_group": record.victim_group if record.kind == "civilian_toll" else None,
        "cumulative": record.cumulative, "notes": record.notes, "source_row": record.provenance.row,
        "span_start": record.provenance.span_start, "span_end": record.provenance.span_end,
        "method": record.provenance.method, "evidence": record.provenance.evidence,
        # Structured imports are vouched for by whoever imported them; extracted text waits for review.
        "review_status": "confirmed" if structured else "pending",
        "reviewed_by": f"import:{user}" if structured else None,
        "reviewed_at": _utcnow() if structured else None, "retracted": False,
    }  # fmt: skip
    for name in QUANTITIES:
        q = getattr(record, name)
        values.update(
            {name: q.value, f"{name}_low": q.low, f"{name}_high": q.high,
             f"{name}_qualifier": str(q.qualifier) if q.qualifier else None, f"{name}_text": q.text}
        )  # fmt: skip
    return values


def _write_facts(
    conn: Connection,
    result: LoadResult,
    import_id: int,
    user: str,
    summary: ImportSummary,
    progress: Progress | None,
) -> None:
    if not result.records:
        return
    places = PlaceIndex.load(conn)
    orgs = OrganisationIndex.load(conn)
    seen: set[str] = set()
    done = 0
    for chunk in _chunks(result.records, CHUNK):
        prepared = [(rec, rec.fingerprint()) for rec in chunk]
        existing = {
            fp: (fid, chash)
            for fid, fp, chash in conn.execute(
                select(Fact.id, Fact.fingerprint, Fact.content_hash).where(
                    Fact.fingerprint.in_([p[1] for p in prepared])
                )
            )
        }
        new_rows: list[dict[str, Any]] = []
        links: list[tuple[str, FactRecord, str | None]] = []
        for rec, fp in prepared:
            if fp in seen:
                summary.duplicate += 1
                continue
            seen.add(fp)
            place_id, added = places.resolve_or_add(rec.place, import_id)
            summary.places_added += added
            values = _fact_values(rec, place_id, import_id, user)
            country = rec.place.country or places.entries[place_id].country
            if fp in existing:
                fact_id, old_hash = existing[fp]
                if old_hash == values["content_hash"]:
                    summary.duplicate += 1
                else:
                    _update_fact(conn, fact_id, values, import_id, user)
                    _link_orgs(conn, orgs, fact_id, rec, country, replace=True)
                    summary.updated += 1
                continue
            new_rows.append(values)
            links.append((fp, rec, country))
        if new_rows:
            ids = dict(
                (fp, fid)
                for fid, fp in conn.execute(insert(Fact).returning(Fact.id, Fact.fingerprint), new_rows)
            )
            link_rows = []
            for fp, rec, country in links:
                link_rows.extend(_org_rows(orgs, ids[fp], rec, country))
            if link_rows:
                conn.execute(insert(FactOrganisation), link_rows)
            summary.added += len(new_rows)
        done += len(chunk)
        if progress:
            progress(done, len(result.records))


def _org_rows(
    orgs: OrganisationIndex, fact_id: int, rec: FactRecord, country: str | None
) -> list[dict[str, Any]]:
    rows: dict[tuple[int, str], dict[str, Any]] = {}
    for role, names in (("operator", rec.organisations), ("source", rec.sources)):
        for name in names:
            if name and name.strip():
                org_id = orgs.resolve_or_add(name, country)
                rows[(org_id, role)] = {"fact_id": fact_id, "organisation_id": org_id, "role": role}
    return list(rows.values())


def _link_orgs(
    conn: Connection,
    orgs: OrganisationIndex,
    fact_id: int,
    rec: FactRecord,
    country: str | None,
    replace: bool,
) -> None:
    if replace:
        conn.execute(delete(FactOrganisation).where(FactOrganisation.fact_id == fact_id))
    rows = _org_rows(orgs, fact_id, rec, country)
    if rows:
        conn.execute(insert(FactOrganisation), rows)


def _snapshot(conn: Connection, fact_id: int) -> dict[str, Any]:
    row = conn.execute(select(Fact.__table__).where(Fact.id == fact_id)).mappings().one()
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}


def _update_fact(conn: Connection, fact_id: int, values: dict[str, Any], import_id: int, user: str) -> None:
    before = _snapshot(conn, fact_id)
    changed = {k: v for k, v in values.items() if k != "fingerprint"}
    conn.execute(update(Fact).where(Fact.id == fact_id).values(**changed))
    after = _snapshot(conn, fact_id)
    diff_before = {k: before[k] for k in before if before[k] != after[k]}
    diff_after = {k: after[k] for k in diff_before}
    conn.execute(
        insert(FactChange).values(
            fact_id=fact_id, import_id=import_id, action="update", changed_by=user, changed_at=_utcnow(),
            before=diff_before, after=diff_after,
        )
    )  # fmt: skip


def _retract_missing(conn: Connection, result: LoadResult, import_id: int, user: str) -> int:
    """Retract events of the same dataset and scope (countries, date range) the file no longer has."""
    meta = result.meta
    dataset, date_min, date_max = meta.get("dataset"), meta.get("date_min"), meta.get("date_max")
    if not dataset or not date_min or not date_max:
        return 0
    present = {r.external_id for r in result.records if r.external_id}
    query = (
        select(Fact.id, Fact.external_id)
        .join(Place, Place.id == Fact.place_id)
        .where(
            Fact.external_id.like(f"{dataset}:%"),
            Fact.retracted.is_(False),
            Fact.date >= date_min,
            Fact.date <= date_max,
        )
    )
    if meta.get("countries"):
        query = query.where(Place.country.in_(meta["countries"]))
    gone = [fid for fid, ext in conn.execute(query) if ext not in present]
    for fact_id in gone:
        conn.execute(update(Fact).where(Fact.id == fact_id).values(retracted=True))
        conn.execute(
            insert(FactChange).values(
                fact_id=fact_id, import_id=import_id, action="retract", changed_by=user, changed_at=_utcnow(),
                before={"retracted": False}, after={"retracted": True, "reason": f"missing from {result.file}"},
            )
        )  # fmt: skip
    return len(gone)


def _write_issues(conn: Connection, result: LoadResult, import_id: int) -> None:
    rows = [
        {"import_id": import_id, "row": i.row, "column": i.column, "severity": str(i.severity),
         "reason": i.reason, "value": i.value}
        for i in result.issues
    ]  # fmt: skip
    for chunk in _chunks(rows, CHUNK):
        conn.execute(insert(ImportIssue), chunk)


def is_rejection(issue: Issue) -> bool:
    return issue.severity == Severity.REJECTED
