"""The record and issue types every loader returns.

A loader reads one file and returns a :class:`LoadResult`: validated fact records, place records
(for gazetteer files) and a list of :class:`Issue` for every row it did not turn into a record.
Nothing here touches a database: the writer in ``db/`` resolves places and organisations and
decides what is new, duplicate or updated.

Accounting rule, checked by the writer and the tests::

    rows_in == len(records) + len(places) + skipped + rejected
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field, fields
from enum import StrEnum
from operator import attrgetter
from typing import Any, TypeVar

T = TypeVar("T")


def _pickles_fast(cls: type[T]) -> type[T]:
    """Pickle a frozen slotted dataclass as its constructor call. The default for those classes
    (dataclasses' __getstate__/__setstate__) calls dataclasses.fields() for every object: most of
    the time of sending a browser import's records back from its worker process (loaders.worker)."""
    names = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    state = attrgetter(*names)

    def __reduce__(self: Any) -> tuple[type, tuple[Any, ...]]:
        return (cls, state(self))

    cls.__reduce__ = __reduce__  # type: ignore[method-assign,assignment]
    return cls


class FactKind(StrEnum):
    CONVOY = "convoy"
    BESIEGED = "besieged_population"
    TOLL = "civilian_toll"


class Outcome(StrEnum):
    """Convoy outcome vocabulary, ordered from planned to final."""

    PLANNED = "planned"
    POSTPONED = "postponed"
    UNDERWAY = "underway"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"
    ITEMS_REMOVED = "items_removed"
    BLOCKED = "blocked"
    ATTACKED = "attacked"
    ABORTED = "aborted"
    FAILED = "failed"


class Qualifier(StrEnum):
    AT_LEAST = "at_least"
    MORE_THAN = "more_than"
    ABOUT = "about"
    NEARLY = "nearly"
    UP_TO = "up_to"
    VAGUE = "vague"


class Precision(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class Severity(StrEnum):
    REJECTED = "rejected"  # the row is not stored
    SKIPPED = "skipped"  # the row is valid but holds no fact we keep (e.g. an ACLED battle)
    WARNING = "warning"  # the row is stored; something about it needs a look


@_pickles_fast
@dataclass(frozen=True, slots=True)
class Quantity:
    """A count as reported: one value, or a low–high range, with its qualifier and wording."""

    value: int | None = None
    low: int | None = None
    high: int | None = None
    qualifier: str | None = None
    text: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.value is None and self.low is None and self.high is None

    @property
    def lower(self) -> int | None:
        return self.value if self.value is not None else self.low

    @property
    def upper(self) -> int | None:
        return self.value if self.value is not None else self.high


EMPTY = Quantity()


@_pickles_fast
@dataclass(frozen=True, slots=True)
class DateValue:
    """A date with its precision and the wording it came from (``value`` may be None)."""

    value: dt.date | None = None
    precision: str = Precision.DAY
    text: str | None = None


NO_DATE = DateValue(precision=Precision.DAY)


@_pickles_fast
@dataclass(frozen=True, slots=True)
class PlaceRef:
    """A place as a row or sentence names it; the writer resolves it against the gazetteer."""

    name: str
    admin1: str | None = None
    admin2: str | None = None
    admin3: str | None = None
    pcode: str | None = None
    admin1_pcode: str | None = None
    admin2_pcode: str | None = None
    country: str | None = None  # ISO3 when known
    lat: float | None = None
    lon: float | None = None
    admin_level: int | None = None


@_pickles_fast
@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a fact came from inside its file: a row (1-based, header = row 1) or a character span."""

    row: int | None = None
    span_start: int | None = None
    span_end: int | None = None
    method: str = "table"  # table | hxl | acled | json | text
    evidence: str | None = None  # the sentence or a short row summary


@dataclass(slots=True)
class FactRecord:
    """One convoy, besieged-population observation or civilian-toll report."""

    kind: FactKind
    place: PlaceRef
    provenance: Provenance
    date: DateValue = NO_DATE
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    organisations: list[str] = field(default_factory=list)  # convoys: who ran it
    sources: list[str] = field(default_factory=list)  # tolls, besieged: who estimated it
    # convoy
    origin: str | None = None
    trucks: Quantity = EMPTY
    people_served: Quantity = EMPTY
    outcome: str | None = None
    outcome_tags: list[str] = field(default_factory=list)
    mode: str | None = None
    # besieged population
    population: Quantity = EMPTY
    status: str | None = None  # besieged | trapped | hard_to_reach | lifted
    besieging_party: str | None = None
    siege_since: dt.date | None = None
    # civilian toll
    killed: Quantity = EMPTY
    injured: Quantity = EMPTY
    victim_group: str = "civilians"  # civilians | aid_workers
    cumulative: bool = False  # "since the start of the offensive"
    # text extraction: how the place and date were read from prose
    location_parts: list[str] = field(default_factory=list)  # ["Douma", "eastern Ghouta"]
    date_basis: str | None = (
        None  # explicit | explicit_no_year+pubdate | relative_to_pubdate | pubdate | context
    )
    # common
    external_id: str | None = None  # unique in its dataset, prefixed: "acled:SYR1234", "awsd:2044"
    event_ref: str | None = None  # one real-world event across rows (a convoy's status updates)
    notes: str | None = None

    def fingerprint(self) -> str:
        """Content hash that identifies the same fact reported by the same source.

        Row numbers and import ids are left out on purpose: the same fact in a re-saved file
        (other row order, other file name) is a duplicate, not a new fact.
        """
        if self.external_id:
            basis: dict[str, Any] = {"kind": self.kind, "external_id": self.external_id}
        else:
            basis = self.content()
        raw = json.dumps(basis, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()

    def content(self) -> dict[str, Any]:
        """Every field that states the fact (not where it was found)."""
        data = asdict(self)
        data.pop("provenance")
        data["organisations"] = sorted(self.organisations)
        data["sources"] = sorted(self.sources)
        data["outcome_tags"] = sorted(self.outcome_tags)
        return data


@dataclass(frozen=True, slots=True)
class PlaceRecord:
    """A gazetteer entry from a COD file or the built-in gazetteer."""

    name: str
    admin_level: int | None  # 0 country, 1 governorate, 2 district, 3 sub-district, 4 community
    pcode: str | None = None
    parent_pcode: str | None = None
    parent_name: str | None = None  # used when the parent has no p-code (eastern Ghouta)
    country: str | None = None  # ISO3
    lat: float | None = None
    lon: float | None = None
    alt_names: tuple[str, ...] = ()  # transliteration variants and Arabic names
    place_type: str | None = None  # country admin1 admin2 admin3 community neighbourhood area camp crossing
    row: int | None = None


@dataclass(frozen=True, slots=True)
class OrganisationRecord:
    """An organisation and the names it goes by. ``country_aliases`` hold names that mean this
    organisation only in one country ("Red Crescent" is SARC in Syria, PRCS in Gaza)."""

    short_name: str
    full_name: str
    kind: str | None = None  # un, ngo, ingo, rcrc, monitor, government, armed_group, media
    aliases: tuple[str, ...] = ()
    country_aliases: tuple[tuple[str, str], ...] = ()  # (alias, ISO3)


ISSUE_TEXT = 500  # characters of an issue's reason or value kept (a cell may hold 40 MB)


def clip(text: str, limit: int = ISSUE_TEXT) -> str:
    """``text``, or its first ``limit`` characters noting how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text):,} characters)"


@dataclass(frozen=True, slots=True)
class Issue:
    """Something about one row or the whole file (row None) that a user must see. The reason and
    the value are clipped to ISSUE_TEXT characters: an issue quotes a cell, it does not carry it."""

    file: str
    row: int | None
    column: str | None
    reason: str
    severity: str = Severity.REJECTED
    value: str | None = None

    def __post_init__(self) -> None:
        # Frozen: set through object.__setattr__, as dataclasses do for frozen classes.
        if isinstance(self.reason, str) and len(self.reason) > ISSUE_TEXT:
            object.__setattr__(self, "reason", clip(self.reason))
        if isinstance(self.value, str) and len(self.value) > ISSUE_TEXT:
            object.__setattr__(self, "value", clip(self.value))
        if isinstance(self.column, str) and len(self.column) > 200:  # import_issues.column is VARCHAR(200)
            object.__setattr__(self, "column", clip(self.column, 150))

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.reason}"


class LoadError(Exception):
    """The whole file cannot be read. The message says what was wrong and what to do next."""

    def __init__(self, file: str, reason: str, row: int | None = None, column: str | None = None):
        self.issue = Issue(file=file, row=row, column=column, reason=reason)
        super().__init__(str(self.issue))

    def __reduce__(self) -> tuple[type, tuple[str, str, int | None, str | None]]:
        # Raised in an import's reader process and re-raised in the writer's (db.pipeline).
        i = self.issue
        return (type(self), (i.file, i.reason, i.row, i.column))


@dataclass(slots=True)
class LoadResult:
    """What a loader returns for one file."""

    file: str
    format: str
    sha256: str
    records: list[FactRecord] = field(default_factory=list)
    places: list[PlaceRecord] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_in: int = 0
    encoding: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    title: str | None = None
    text: str | None = None  # a report's full text: fact spans index into it
    content_type: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def rejected(self) -> int:
        return sum(1 for i in self.issues if i.severity == Severity.REJECTED and i.row is not None)

    @property
    def skipped(self) -> int:
        return sum(1 for i in self.issues if i.severity == Severity.SKIPPED and i.row is not None)

    def add_issue(self, row: int | None, column: str | None, reason: str, **kw: Any) -> None:
        self.issues.append(Issue(file=self.file, row=row, column=column, reason=reason, **kw))

    def check_accounting(self) -> None:
        """Raise if a row went missing: every row in is a record, a skip or a reject."""
        accounted = len(self.records) + len(self.places) + self.skipped + self.rejected
        if accounted != self.rows_in:
            raise AssertionError(
                f"{self.file}: {self.rows_in} rows in but {accounted} accounted for "
                f"({len(self.records)} facts, {len(self.places)} places, "
                f"{self.skipped} skipped, {self.rejected} rejected)"
            )
