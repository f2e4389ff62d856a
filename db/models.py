"""The store's schema as SQLAlchemy 2 typed models. Portable: SQLite and PostgreSQL alike.

Facts of the three kinds share one ``facts`` table (a ``kind`` column and nullable kind-specific
columns): the dashboard's weekly queries then scan one indexed table, and provenance and review
columns exist once. Quantities are stored as value / low / high / qualifier / text.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    pass


class Import(Base):
    """One file or report taken in. ``sha256`` is unique: the same content twice adds nothing."""

    __tablename__ = "imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    file_name: Mapped[str] = mapped_column(String(500))
    format: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str | None] = mapped_column(String(50))
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(300))
    published: Mapped[dt.date | None] = mapped_column(Date)
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    imported_by: Mapped[str] = mapped_column(String(200))
    encoding: Mapped[str | None] = mapped_column(String(50))
    rows_in: Mapped[int] = mapped_column(Integer, default=0)
    added: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    retracted: Mapped[int] = mapped_column(Integer, default=0)
    places_added: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict | None] = mapped_column(JSON)

    issues: Mapped[list[ImportIssue]] = relationship(back_populates="import_", cascade="all, delete-orphan")


class ImportIssue(Base):
    """A reject, skip or warning of one import: file row, column, reason."""

    __tablename__ = "import_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), index=True)
    row: Mapped[int | None] = mapped_column(Integer)
    column: Mapped[str | None] = mapped_column(String(200))
    severity: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text)

    import_: Mapped[Import] = relationship(back_populates="issues")


class Place(Base):
    """A gazetteer entry. ``verified`` is False for places added from a row or sentence."""

    __tablename__ = "places"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    admin_level: Mapped[int | None] = mapped_column(Integer)
    place_type: Mapped[str | None] = mapped_column(String(30))
    pcode: Mapped[str | None] = mapped_column(String(50), unique=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"), index=True)
    country: Mapped[str | None] = mapped_column(String(3))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    origin: Mapped[str] = mapped_column(String(20))  # builtin | cod | row | text
    created_import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("places.id"))

    names: Mapped[list[PlaceName]] = relationship(back_populates="place", cascade="all, delete-orphan")


class PlaceName(Base):
    """Every name a place goes by (its own, transliterations, Arabic), with a folded lookup key."""

    __tablename__ = "place_names"
    __table_args__ = (UniqueConstraint("place_id", "key", name="uq_place_names_place_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), index=True)

    place: Mapped[Place] = relationship(back_populates="names")


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    short_name: Mapped[str] = mapped_column(String(100), unique=True)
    full_name: Mapped[str | None] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(30))
    verified: Mapped[bool] = mapped_column(Boolean, default=True)

    aliases: Mapped[list[OrganisationAlias]] = relationship(cascade="all, delete-orphan")


class OrganisationAlias(Base):
    """A name for an organisation; ``country`` set when the name means it only there."""

    __tablename__ = "organisation_aliases"
    __table_args__ = (UniqueConstraint("key", "country", name="uq_org_alias_key_country"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    alias: Mapped[str] = mapped_column(String(300))
    key: Mapped[str] = mapped_column(String(300), index=True)
    country: Mapped[str | None] = mapped_column(String(3))


class Fact(Base):
    """A convoy, besieged-population observation or civilian-toll report, with its provenance."""

    __tablename__ = "facts"
    __table_args__ = (
        # Covering (the filters read no table rows): the window and silent-place queries, and the
        # per-place counts the rollups recompute.
        Index("ix_facts_kind_date", "kind", "date", "place_id", "review_status", "retracted"),
        Index("ix_facts_place_kind", "place_id", "kind", "review_status", "retracted", "date"),
        Index("ix_facts_date", "date"),
        # The few retracted facts, for organisation counts (all links minus the retracted ones).
        Index(
            "ix_facts_retracted",
            "id",
            sqlite_where=text("retracted = 1"),
            postgresql_where=text("retracted = true"),
        ),
        Index("ix_facts_external", "external_id"),
        Index("ix_facts_event_ref", "event_ref"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id"), index=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    event_ref: Mapped[str | None] = mapped_column(String(200))
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id"))
    place_text: Mapped[str] = mapped_column(String(300))
    date: Mapped[dt.date | None] = mapped_column(Date)
    date_precision: Mapped[str | None] = mapped_column(String(10))
    date_text: Mapped[str | None] = mapped_column(String(200))
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    # convoy
    origin_text: Mapped[str | None] = mapped_column(String(300))
    outcome: Mapped[str | None] = mapped_column(String(30))
    outcome_tags: Mapped[str | None] = mapped_column(String(200))  # ';'-joined
    mode: Mapped[str | None] = mapped_column(String(30))
    trucks: Mapped[int | None] = mapped_column(Integer)
    trucks_low: Mapped[int | None] = mapped_column(Integer)
    trucks_high: Mapped[int | None] = mapped_column(Integer)
    trucks_qualifier: Mapped[str | None] = mapped_column(String(20))
    trucks_text: Mapped[str | None] = mapped_column(String(200))
    people_served: Mapped[int | None] = mapped_column(Integer)
    people_served_low: Mapped[int | None] = mapped_column(Integer)
    people_served_high: Mapped[int | None] = mapped_column(Integer)
    people_served_qualifier: Mapped[str | None] = mapped_column(String(20))
    people_served_text: Mapped[str | None] = mapped_column(String(200))
    # besieged population
    population: Mapped[int | None] = mapped_column(Integer)
    population_low: Mapped[int | None] = mapped_column(Integer)
    population_high: Mapped[int | None] = mapped_column(Integer)
    population_qualifier: Mapped[str | None] = mapped_column(String(20))
    population_text: Mapped[str | None] = mapped_column(String(200))
    status: Mapped[str | None] = mapped_column(String(30))
    besieging_party: Mapped[str | None] = mapped_column(String(300))
    siege_since: Mapped[dt.date | None] = mapped_column(Date)
    # civilian toll
    killed: Mapped[int | None] = mapped_column(Integer)
    killed_low: Mapped[int | None] = mapped_column(Integer)
    killed_high: Mapped[int | None] = mapped_column(Integer)
    killed_qualifier: Mapped[str | None] = mapped_column(String(20))
    killed_text: Mapped[str | None] = mapped_column(String(200))
    injured: Mapped[int | None] = mapped_column(Integer)
    injured_low: Mapped[int | None] = mapped_column(Integer)
    injured_high: Mapped[int | None] = mapped_column(Integer)
    injured_qualifier: Mapped[str | None] = mapped_column(String(20))
    injured_text: Mapped[str | None] = mapped_column(String(200))
    victim_group: Mapped[str | None] = mapped_column(String(30))
    cumulative: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)
    # provenance and review
    source_row: Mapped[int | None] = mapped_column(Integer)
    span_start: Mapped[int | None] = mapped_column(Integer)
    span_end: Mapped[int | None] = mapped_column(Integer)
    method: Mapped[str] = mapped_column(String(20))
    evidence: Mapped[str | None] = mapped_column(Text)
    review_status: Mapped[str] = mapped_column(String(20), default="pending")
    reviewed_by: Mapped[str | None] = mapped_column(String(200))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retracted: Mapped[bool] = mapped_column(Boolean, default=False)


class FactOrganisation(Base):
    """Who ran a convoy (role operator) or who estimated a figure (role source)."""

    __tablename__ = "fact_organisations"

    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    __table_args__ = (Index("ix_fact_organisations_org_role", "organisation_id", "role"),)


class FactChange(Base):
    """Append-only history of a fact: created, updated by a re-import, retracted, reviewed, edited."""

    __tablename__ = "fact_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    fact_id: Mapped[int] = mapped_column(ForeignKey("facts.id", ondelete="CASCADE"), index=True)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))
    action: Mapped[str] = mapped_column(String(20))
    changed_by: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class Document(Base):
    """The text of an imported report (prose), so a fact's character span can be shown in place."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("imports.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(String(300))
    published: Mapped[dt.date | None] = mapped_column(Date)
    content_type: Mapped[str] = mapped_column(String(50))  # text/plain, text/html, application/pdf ...
    text: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """Small key/value state, e.g. the hash of the built-in gazetteer last seeded."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class PlaceShape(Base):
    """The boundary polygon of a place, from an imported OCHA COD GeoJSON layer (drawn on the Map page).

    ``geojson`` is the feature's geometry as given (display simplifies it); ``source`` the file name.
    """

    __tablename__ = "place_shapes"

    id: Mapped[int] = mapped_column(primary_key=True)
    place_id: Mapped[int] = mapped_column(ForeignKey("places.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int | None] = mapped_column(Integer)
    geojson: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(500))


class User(Base):
    """An account: a name, an argon2 password hash (never the password), a role and whether it may log in."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # viewer | editor | admin
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    last_login: Mapped[dt.datetime | None] = mapped_column(DateTime)


class AuditEvent(Base):
    """Append-only log of who did what: logins, imports, reviews, edits, merges, exports, account changes.

    Written in the same transaction as the action it records (db.auth.audit); triggers created by
    migration 0004 refuse UPDATE and DELETE on both engines. ``user`` is a name, not a foreign key:
    single-user mode and failed logins record names that have no account.
    """

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_user_action", "user_name", "action"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_utcnow)
    user: Mapped[str] = mapped_column("user_name", String(200))  # "user" is reserved on PostgreSQL
    action: Mapped[str] = mapped_column(String(30))
    target: Mapped[str | None] = mapped_column(String(500))
    details: Mapped[dict | None] = mapped_column(JSON)


class LoginThrottle(Base):
    """Failed logins in a row per ``name:<name>`` and ``client:<address>`` (db.throttle, migration 0007):
    the lock they earned and the failures not yet written to the audit log as one collapsed line."""

    __tablename__ = "login_throttle"
    __table_args__ = (Index("ix_login_throttle_last_failure", "last_failure"),)

    key: Mapped[str] = mapped_column(String(320), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[dt.datetime] = mapped_column(DateTime)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    audit_since: Mapped[dt.datetime | None] = mapped_column(DateTime)
    unaudited: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict | None] = mapped_column(JSON)


# ---- rollups (db.rollups keeps them equal to the facts, inside each writing transaction) ----------


class TollDay(Base):
    """Each source's civilian toll for one place and day: analytics.source_days of the live facts,
    for ``scope`` 'confirmed' (confirmed facts) or 'all' (confirmed and pending). Reports spread over
    their days, cumulative series as increments, events added up, overlapping statements not."""

    __tablename__ = "toll_days"
    __table_args__ = (Index("ix_toll_days_place", "place_id"),)

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    victim_group: Mapped[str] = mapped_column(String(30), primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    place_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    killed_low: Mapped[float | None] = mapped_column(Float)
    killed_high: Mapped[float | None] = mapped_column(Float)
    injured_low: Mapped[float | None] = mapped_column(Float)
    injured_high: Mapped[float | None] = mapped_column(Float)


class TollReport(Base):
    """How many toll reports (fact rows) each source gave per place, file and period: the "from N
    reports in M files" note without reading the facts."""

    __tablename__ = "toll_reports"
    __table_args__ = (Index("ix_toll_reports_place", "place_id"),)

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    victim_group: Mapped[str] = mapped_column(String(30), primary_key=True)
    period_end: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    period_start: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    place_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(300), primary_key=True)
    import_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reports: Mapped[int] = mapped_column(Integer)


class TollWeek(Base):
    """The Overview's civilian toll band for one ISO week, store-wide (no place filter): the sum
    over the week's days of the lowest and highest source per place and day, places inside
    another place with a figure that day left out (db.rules.toll_week_band over toll_days), and
    how many sources gave a figure. Whole numbers, as the band is shown."""

    __tablename__ = "toll_weeks"

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    victim_group: Mapped[str] = mapped_column(String(30), primary_key=True)
    week: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    killed_low: Mapped[int] = mapped_column(Integer)
    killed_high: Mapped[int] = mapped_column(Integer)
    injured_low: Mapped[int] = mapped_column(Integer)
    injured_high: Mapped[int] = mapped_column(Integer)
    sources: Mapped[int] = mapped_column(Integer)


class ConvoyFinal(Base):
    """Each convoy's final row (db.analytics.final_convoys: its latest row, truck and people
    counts filled from earlier rows) for ``scope`` 'confirmed' or 'all', across the whole store.
    The Overview and Convoys pages count convoys per week from it instead of re-reading every row
    of every convoy in the window."""

    __tablename__ = "convoy_finals"
    __table_args__ = (
        # Covering: the weekly counts read no table rows.
        Index(
            "ix_convoy_finals_window",
            "scope",
            "date",
            "week",
            "outcome",
            "import_id",
            "trucks",
            "people_served",
        ),
        Index("ix_convoy_finals_place", "place_id"),
    )

    scope: Mapped[str] = mapped_column(String(10), primary_key=True)
    convoy_key: Mapped[str] = mapped_column(String(220), primary_key=True)
    fact_id: Mapped[int] = mapped_column(Integer)
    date: Mapped[dt.date | None] = mapped_column(Date)
    week: Mapped[dt.date | None] = mapped_column(Date)
    place_id: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str | None] = mapped_column(String(30))
    import_id: Mapped[int] = mapped_column(Integer)
    trucks: Mapped[int | None] = mapped_column(Integer)
    people_served: Mapped[int | None] = mapped_column(Integer)


class PlaceCount(Base):
    """Live (not retracted) facts per place, kind and review status."""

    __tablename__ = "place_counts"

    place_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    review_status: Mapped[str] = mapped_column(String(20), primary_key=True)
    facts: Mapped[int] = mapped_column(Integer)


class OrganisationCount(Base):
    """Live facts naming each organisation, per role (operator, source)."""

    __tablename__ = "organisation_counts"

    organisation_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    facts: Mapped[int] = mapped_column(Integer)
