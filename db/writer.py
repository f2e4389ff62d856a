"""The only module that commits. One import = one transaction, its import record included.

``write_import`` takes a loader's LoadResult and, inside one write transaction (``BEGIN
IMMEDIATE`` on SQLite), records the import, resolves places and organisations, inserts new
facts, updates facts whose source edited them (same external id, other content), counts
duplicates, stores every issue and, on request, retracts events a re-export no longer holds.
Any exception rolls all of it back: the store is exactly as it was. The caller's role is checked
first (editors and admins import), and the import's audit line is written in the same transaction.
FactWriter records the places and organisations an import touched (for incremental rollups).

A LoadResult is written as one batch; a loaders.stream.LoadStream batch by batch while a thread,
or for a big file a process, reads and prepares the next ones (db.pipeline). The per-record work
is db.bulk's.
"""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, RowMapping, insert, select, update
from sqlalchemy.exc import IntegrityError

from db.auth import Actor, audit, require
from db.bulk import CHUNK, Counts, FactWriter
from db.gazetteer import upsert_places
from db.migrate import upgrade
from db.models import Document, Fact, FactChange, FactOrganisation, Import, Place
from db.pipeline import prepared_batches
from db.rows import STRUCTURED_METHODS
from loaders.records import FactRecord, Issue, LoadResult, Severity
from loaders.stream import LoadStream, from_result

__all__ = ["CHUNK", "STRUCTURED_METHODS", "ImportSummary", "write_import"]
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


def write_import(
    result: LoadResult | LoadStream,
    *,
    actor: Actor,
    url: str | None = None,
    retract_missing: bool = False,
    progress: Progress | None = None,
) -> ImportSummary:
    """Store one loaded file atomically as ``actor`` (an editor or admin; recorded as the importer).
    Re-importing the same content adds nothing. Raises db.auth.PermissionDenied for a viewer.

    ``result`` is a LoadResult (every record in memory) or a loaders.stream.LoadStream (batches
    read while they are written: constant memory for a million-row export). For a stream the
    summary keeps every rejected row and warning but only the first SKIPPED_KEPT skipped rows
    (all of them are stored with the import)."""
    require(actor, "import")
    engine = upgrade(url)
    stream = result if isinstance(result, LoadStream) else from_result(result)
    head = stream.result
    summary = ImportSummary(file=head.file, format=head.format, status="imported", rows_in=head.rows_in)
    if not isinstance(result, LoadStream):
        summary.issues = list(result.issues)
    try:
        with engine.begin() as conn:
            previous = (
                conn.execute(select(Import.__table__).where(Import.sha256 == head.sha256))
                .mappings()
                .one_or_none()
            )
            if previous is not None:
                _audit_import(conn, actor, _already(summary, previous))
                return summary
            _write(
                conn,
                stream,
                actor,
                summary,
                retract_missing,
                progress,
                keep=not isinstance(result, LoadStream),
            )
        _refresh_statistics(engine, summary)
    except IntegrityError as exc:
        # PostgreSQL: another session committed the same file between our check and insert.
        if "sha256" not in str(exc.orig):
            raise
        with engine.begin() as conn:
            previous = (
                conn.execute(select(Import.__table__).where(Import.sha256 == head.sha256)).mappings().one()
            )
            _audit_import(conn, actor, _already(summary, previous))
    return summary


def _write(
    conn: Connection,
    stream: LoadStream,
    actor: Actor,
    summary: ImportSummary,
    retract_missing: bool,
    progress: Progress | None,
    keep: bool,
) -> None:
    """Everything one import writes, inside the caller's transaction."""
    head = stream.result
    import_id = _insert_import(conn, head, actor.name)
    summary.import_id = import_id
    _write_document(conn, head, import_id)
    _write_places(conn, head, import_id, summary)
    sqlite = conn.dialect.name == "sqlite"
    facts = FactWriter(conn, import_id, actor.name, sqlite, external_ids=set() if retract_missing else None)
    skipped = rejected = 0
    was_enabled = gc.isenabled()
    gc.disable()  # a million small objects pass through: collection passes would find no cycles
    try:
        for batch in prepared_batches(stream, (actor.name, facts.now, sqlite)):
            facts.write_prepared(batch.facts, _stage(progress, facts.counts, len(batch.facts)))
            _write_issues(facts, batch.issues)
            facts.write_skipped(batch.skipped)
            skipped += len(batch.skipped)
            skipped += sum(1 for i in batch.issues if i.row is not None and i.severity == Severity.SKIPPED)
            rejected += sum(1 for i in batch.issues if i.row is not None and i.severity == Severity.REJECTED)
            if not keep:
                _keep_issues(summary, batch.issues)
                if batch.skipped and len(summary.issues) < SKIPPED_KEPT:
                    summary.issues += batch.skipped_issues(head.file, SKIPPED_KEPT - len(summary.issues))
    finally:
        if was_enabled:
            gc.enable()
    summary.rows_in = head.rows_in  # complete now that the stream is exhausted
    summary.added += facts.counts.added
    summary.updated += facts.counts.updated
    summary.duplicate += facts.counts.duplicate
    summary.places_added += facts.counts.places_added
    if retract_missing:
        summary.retracted = _retract_missing(conn, head, facts, actor.name)
    summary.skipped, summary.rejected = skipped, rejected
    _check_accounting(summary)
    # Imported here, after the rows are read: the rollups need pandas (~60 MB), and while a big
    # file streams, this process and its reader process stay smaller without it.
    from db import rollups

    rollups.refresh(conn, facts.touched_places, facts.touched_orgs)
    conn.execute(
        update(Import)
        .where(Import.id == import_id)
        .values(
            rows_in=summary.rows_in, added=summary.added, updated=summary.updated, duplicate=summary.duplicate,
            skipped=summary.skipped, rejected=summary.rejected, retracted=summary.retracted,
            places_added=summary.places_added, options=_options(head),
        )
    )  # fmt: skip
    _audit_import(conn, actor, summary)


SKIPPED_KEPT = 1000
STATISTICS_AFTER = 1000  # facts changed by one import before the planner statistics are refreshed


def _refresh_statistics(engine: Engine, summary: ImportSummary) -> None:
    """A big import changes the shape of the data: refresh SQLite's planner statistics (sampled,
    so milliseconds even on a million facts) or the page queries may pick a slow plan.
    PostgreSQL's autovacuum does this by itself."""
    if (
        engine.dialect.name != "sqlite"
        or summary.added + summary.updated + summary.retracted < STATISTICS_AFTER
    ):
        return
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA analysis_limit = 1000")
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


def _stage(progress: Progress | None, counts: Counts, size: int) -> Callable[[int], None] | None:
    """Progress of one batch as (facts written so far, facts written once this batch is done)."""
    if progress is None:
        return None
    start = counts.added + counts.updated + counts.duplicate

    def report(done: int) -> None:
        progress(start + done, start + size)

    return report


def _keep_issues(summary: ImportSummary, issues: list[Issue]) -> None:
    for issue in issues:
        if issue.severity != Severity.SKIPPED or len(summary.issues) < SKIPPED_KEPT:
            summary.issues.append(issue)


def _audit_import(conn: Connection, actor: Actor, s: ImportSummary) -> None:
    counts = {k: getattr(s, k) for k in ("rows_in", "added", "updated", "duplicate", "skipped", "rejected",
                                         "retracted", "places_added")}  # fmt: skip
    audit(conn, actor, "import", s.file, {"import_id": s.import_id, "format": s.format, "status": s.status,
                                          **counts})  # fmt: skip


def _already(summary: ImportSummary, previous: RowMapping) -> ImportSummary:
    """The same content was imported before: every fact of it is a duplicate now (its counts are
    the earlier import's, which read the same bytes)."""
    summary.status = "already imported"
    summary.import_id = previous["id"]
    summary.rows_in = previous["rows_in"]
    summary.duplicate = previous["added"] + previous["updated"] + previous["duplicate"]
    summary.skipped, summary.rejected = previous["skipped"], previous["rejected"]
    return summary


def _check_accounting(s: ImportSummary) -> None:
    accounted = s.added + s.updated + s.duplicate + s.skipped + s.rejected
    if accounted != s.rows_in:
        raise RuntimeError(
            f"{s.file}: {s.rows_in} rows in but {accounted} accounted for; nothing was stored. "
            "Please report this file to the maintainers."
        )


def _options(result: LoadResult) -> dict[str, Any]:
    return {k: v for k, v in result.meta.items() if isinstance(v, str | int | float | bool | type(None))}


def _insert_import(conn: Connection, result: LoadResult, user: str) -> int:
    options = _options(result)
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


def _retract_missing(conn: Connection, result: LoadResult, facts: FactWriter, user: str) -> int:
    """Retract events of the same dataset and scope (countries, date range) the file no longer has."""
    meta = result.meta
    dataset, date_min, date_max = meta.get("dataset"), meta.get("date_min"), meta.get("date_max")
    if not dataset or not date_min or not date_max:
        return 0
    present = facts.external_ids or set()
    query = (
        select(Fact.id, Fact.external_id, Fact.place_id)
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
    gone = [(fid, place_id) for fid, ext, place_id in conn.execute(query) if ext not in present]
    for fact_id, place_id in gone:
        facts.touched_places.add(place_id)
        facts.touched_orgs.update(
            conn.execute(
                select(FactOrganisation.organisation_id).where(FactOrganisation.fact_id == fact_id)
            ).scalars()
        )
        conn.execute(update(Fact).where(Fact.id == fact_id).values(retracted=True))
        conn.execute(
            insert(FactChange).values(
                fact_id=fact_id, import_id=facts.import_id, action="retract", changed_by=user, changed_at=_utcnow(),
                before={"retracted": False}, after={"retracted": True, "reason": f"missing from {result.file}"},
            )
        )  # fmt: skip
    return len(gone)


def _write_issues(facts: FactWriter, issues: list[Issue]) -> None:
    facts.write_issues(issues)


def is_rejection(issue: Issue) -> bool:
    return issue.severity == Severity.REJECTED
