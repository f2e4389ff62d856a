"""Writing facts in bulk: the part of db.writer that runs once per record.

db.writer owns the transaction; :class:`FactWriter` turns batches of records into rows inside it.
On SQLite it writes through the driver's ``executemany`` with prepared statements and ids it
assigns itself (the write lock is held since ``BEGIN IMMEDIATE``, so ``max(id) + 1`` is ours); on
PostgreSQL it streams rows with ``COPY ... FROM STDIN`` (psycopg), with ids drawn from the facts'
sequence beforehand, so writers side by side never collide. Places and organisations
are resolved once per distinct reference, fingerprints are checked against the store once per
chunk, and dates are formatted once per distinct day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from db.gazetteer import PlaceIndex
from db.models import Fact, FactChange, FactOrganisation
from db.organisations import OrganisationIndex
from db.rows import (
    COUNTRY_AT,
    IMPORT_AT,
    PLACE_AT,
    PLACE_KEY,
    ROW_COLUMNS,
    PlaceKey,
    Prepared,
    RowMaker,
)
from loaders.records import ISSUE_TEXT, FactRecord, Issue, PlaceRef, Severity, clip
from loaders.stream import SkippedRow

CHUNK = 2000
SQLITE_CACHE_KIB = -8192  # negative: KiB
FACT_COLUMNS = [c.name for c in Fact.__table__.columns if c.name != "id"]
if tuple(FACT_COLUMNS) != ROW_COLUMNS:  # a migration changed the facts table: db.rows must follow
    raise ImportError(f"db.rows.ROW_COLUMNS is out of date; the facts columns are {FACT_COLUMNS}")
_DATE_COLUMNS = {"date", "period_start", "period_end", "siege_since"}
_ISSUE_SQL = 'INSERT INTO import_issues (import_id, "row", "column", severity, reason, value) VALUES (?, ?, ?, ?, ?, ?)'
_LINK_SQL = "INSERT INTO fact_organisations (fact_id, organisation_id, role) VALUES (?, ?, ?)"
_ISSUE_COLUMNS = ("import_id", "row", "column", "severity", "reason", "value")
# PostgreSQL: n ids reserved from the facts' sequence in one round trip.
_PG_IDS = "SELECT nextval(pg_get_serial_sequence('facts', 'id')) FROM generate_series(1, %s)"
_FACT_SQL = (
    f"INSERT INTO facts (id, {', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * (len(FACT_COLUMNS) + 1))})"
)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(slots=True)
class Counts:
    added: int = 0
    updated: int = 0
    duplicate: int = 0
    places_added: int = 0


@dataclass
class FactWriter:
    """Writes the facts of one import; remembers the places and organisations it touched."""

    conn: Connection
    import_id: int
    user: str
    sqlite: bool
    counts: Counts = field(default_factory=Counts)
    touched_places: set[int] = field(default_factory=set)
    touched_orgs: set[int] = field(default_factory=set)
    external_ids: set[str] | None = None  # collected when missing events are to be retracted
    # Fingerprints written by this import, as 128-bit ints (the first half of the SHA-256): a
    # million-row import keeps ~40 % less than with the hex strings, and a collision is ~1e-27.
    _seen: set[int] = field(default_factory=set)
    _places: dict[tuple[Any, ...], int] = field(default_factory=dict)
    _orgs: dict[tuple[str, str | None], int] = field(default_factory=dict)
    _next_id: int = 0

    def __post_init__(self) -> None:
        self.place_index = PlaceIndex.load(self.conn)
        self.org_index = OrganisationIndex.load(self.conn)
        self.now = utcnow()
        self.rows = RowMaker(self.user, self.now, self.sqlite)
        self._cursor = self.conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if self.sqlite:
            # The fingerprint index takes random inserts: a bigger page cache (default 2 MiB) halves
            # a million-row import. Per connection, so it stays with the write engine's connection.
            self._cursor.execute(f"PRAGMA cache_size={SQLITE_CACHE_KIB}")
            self._next_id = (self.conn.execute(select(func.max(Fact.id))).scalar() or 0) + 1

    # ---- resolution, once per distinct value ------------------------------------------------------

    def _place(self, key: PlaceKey, lat: float | None, lon: float | None) -> int:
        """The place id of a key; a new place takes the coordinates of the first event naming it."""
        found = self._places.get(key)
        if found is None:
            ref = PlaceRef(**dict(zip(PLACE_KEY, key, strict=True)), lat=lat, lon=lon)
            found, added = self.place_index.resolve_or_add(ref, self.import_id)
            if added:  # a new place may change how other names resolve: start the cache again
                self.counts.places_added += 1
                self._places.clear()
            self._places[key] = found
        return found

    def _org(self, name: str, country: str | None) -> int:
        key = (name, country)
        found = self._orgs.get(key)
        if found is None:
            before = len(self.org_index.names)
            found = self.org_index.resolve_or_add(name, country)
            if len(self.org_index.names) != before:
                self._orgs.clear()
            self._orgs[key] = found
        return found

    def links(
        self, fact_id: int, organisations: list[str], sources: list[str], country: str | None
    ) -> list[tuple[int, int, str]]:
        rows: dict[tuple[int, str], tuple[int, int, str]] = {}
        for role, names in (("operator", organisations), ("source", sources)):
            for name in names:
                if name and name.strip():
                    org_id = self._org(name, country)
                    rows[(org_id, role)] = (fact_id, org_id, role)
                    self.touched_orgs.add(org_id)
        return list(rows.values())

    # ---- rows ------------------------------------------------------------------------------------

    def write(self, records: list[FactRecord], progress: Callable[[int], None] | None = None) -> None:
        """Store one batch of records (prepared here; see write_prepared)."""
        self.write_prepared(self.rows.prepare(records), progress)

    def write_prepared(self, facts: list[Prepared], progress: Callable[[int], None] | None = None) -> None:
        """Store one batch: new facts inserted, changed ones updated, the rest counted duplicate."""
        for start in range(0, len(facts), CHUNK):
            self._chunk(facts[start : start + CHUNK])
            if progress:
                progress(min(start + CHUNK, len(facts)))

    def _existing(self, fingerprints: list[str]) -> dict[str, tuple[int, str]]:
        if self.sqlite:  # the driver's own statement: SQLAlchemy compiles an IN list anew per call
            marks = ",".join("?" * len(fingerprints))
            sql = f"SELECT id, fingerprint, content_hash FROM facts WHERE fingerprint IN ({marks})"
            return {fp: (fid, chash) for fid, fp, chash in self._cursor.execute(sql, fingerprints)}
        stmt = select(Fact.id, Fact.fingerprint, Fact.content_hash).where(Fact.fingerprint.in_(fingerprints))
        return {fp: (fid, chash) for fid, fp, chash in self.conn.execute(stmt)}

    def _chunk(self, chunk: list[Prepared]) -> None:
        existing = self._existing([p[0] for p in chunk])
        new: list[tuple[list[Any], list[str], list[str], str | None]] = []
        for fp, content_hash, row, place, lat, lon, organisations, sources, external_id in chunk:
            if self.external_ids is not None and external_id:
                self.external_ids.add(external_id)
            seen = int(fp[:32], 16)
            if seen in self._seen:
                self.counts.duplicate += 1
                continue
            self._seen.add(seen)
            place_id = self._place(place, lat, lon)
            row[IMPORT_AT], row[PLACE_AT] = self.import_id, place_id
            country = place[COUNTRY_AT] or self.place_index.entries[place_id].country
            if fp not in existing:
                new.append((row, organisations, sources, country))
                self.touched_places.add(place_id)
            elif existing[fp][1] == content_hash:
                self.counts.duplicate += 1
            else:
                self._update(existing[fp][0], row, organisations, sources, country)
        if new:
            self._insert(new)

    def _insert(self, new: list[tuple[list[Any], list[str], list[str], str | None]]) -> None:
        links: list[tuple[int, int, str]] = []
        if self.sqlite:
            first = self._next_id
            self._next_id += len(new)
            self._cursor.executemany(_FACT_SQL, [(first + i, *row) for i, (row, _, _, _) in enumerate(new)])
            for i, (_, organisations, sources, country) in enumerate(new):
                links += self.links(first + i, organisations, sources, country)
            if links:
                self._cursor.executemany(_LINK_SQL, links)
        else:
            ids = [fid for (fid,) in self._cursor.execute(_PG_IDS, (len(new),))]
            self._copy(
                "facts",
                ["id", *FACT_COLUMNS],
                [(fid, *row) for fid, (row, _, _, _) in zip(ids, new, strict=True)],
            )
            for fid, (_, organisations, sources, country) in zip(ids, new, strict=True):
                links += self.links(fid, organisations, sources, country)
            self._copy("fact_organisations", ["fact_id", "organisation_id", "role"], links)
        self.counts.added += len(new)

    def _copy(self, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
        """PostgreSQL: stream ``rows`` into ``table`` with COPY (an order of magnitude faster than
        executemany for the hundreds of thousands of rows a big import writes)."""
        if not rows:
            return
        names = ", ".join(f'"{c}"' for c in columns)
        with self._cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def _update(
        self, fact_id: int, row: list[Any], organisations: list[str], sources: list[str], country: str | None
    ) -> None:
        values = dict(zip(FACT_COLUMNS, row, strict=True))
        before = snapshot(self.conn, fact_id)
        self.touched_places.add(before["place_id"])
        self.touched_places.add(values["place_id"])
        self.touched_orgs.update(
            self.conn.execute(select(FactOrganisation.organisation_id).where(FactOrganisation.fact_id == fact_id))
            .scalars()
        )  # fmt: skip
        changed = {k: _typed(k, v) for k, v in values.items() if k != "fingerprint"}
        self.conn.execute(update(Fact).where(Fact.id == fact_id).values(**changed))
        after = snapshot(self.conn, fact_id)
        diff_before = {k: before[k] for k in before if before[k] != after[k]}
        self.conn.execute(
            insert(FactChange).values(
                fact_id=fact_id, import_id=self.import_id, action="update", changed_by=self.user,
                changed_at=utcnow(), before=diff_before, after={k: after[k] for k in diff_before},
            )
        )  # fmt: skip
        self.conn.execute(delete(FactOrganisation).where(FactOrganisation.fact_id == fact_id))
        links = self.links(fact_id, organisations, sources, country)
        if links:
            self.conn.execute(
                insert(FactOrganisation),
                [{"fact_id": f, "organisation_id": o, "role": r} for f, o, r in links],
            )
        self.counts.updated += 1

    def write_issues(self, issues: list[Issue]) -> None:
        rows = [(self.import_id, i.row, i.column, str(i.severity), i.reason, i.value) for i in issues]
        if not rows:
            return
        if self.sqlite:
            self._cursor.executemany(_ISSUE_SQL, rows)
            return
        self._copy("import_issues", list(_ISSUE_COLUMNS), rows)

    def write_skipped(self, rows: list[SkippedRow]) -> None:
        """SKIPPED rows handed over compactly by the loader: (row, column, reason, value); reasons
        and values clipped like an Issue's (loaders.records.clip)."""
        if not rows:
            return
        if max(len(r[2]) + len(r[3] or "") for r in rows) > ISSUE_TEXT:
            rows = [(r, c, clip(why), clip(v) if v else v) for r, c, why, v in rows]
        if self.sqlite:  # the import id and severity written into the statement: the tuples go as they are
            self._cursor.executemany(
                f'INSERT INTO import_issues (import_id, "row", "column", severity, reason, value) '
                f"VALUES ({int(self.import_id)}, ?, ?, '{Severity.SKIPPED}', ?, ?)",
                rows,
            )
            return
        skipped = str(Severity.SKIPPED)
        self._copy("import_issues", list(_ISSUE_COLUMNS),
                   [(self.import_id, r, c, skipped, why, v) for r, c, why, v in rows])  # fmt: skip


def _typed(column: str, value: Any) -> Any:
    """Values for a SQLAlchemy statement: text dates of the SQLite fast path back to dates."""
    if isinstance(value, str) and column in _DATE_COLUMNS:
        return dt.date.fromisoformat(value)
    if isinstance(value, str) and column == "reviewed_at":
        return dt.datetime.fromisoformat(value)
    return value


def snapshot(conn: Connection, fact_id: int) -> dict[str, Any]:
    row = conn.execute(select(Fact.__table__).where(Fact.id == fact_id)).mappings().one()
    return {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in row.items()}
