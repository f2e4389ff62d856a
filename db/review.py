"""Analyst review of facts: confirm, reject or edit one fact, each in one write transaction.

Every change leaves a row in fact_changes (who, when, before, after; only the fields that changed),
so a figure can always be traced back to the text and to the people who vouched for it. Facts of
any method can be reviewed; extracted text arrives *pending*, structured imports *confirmed*.

Edits store what the analyst typed and recompute nothing else: correcting ``killed`` leaves
``killed_low``, ``killed_high`` and the original wording untouched (they are fields of their own).
Two edits carry their bookkeeping along, and both are recorded: a new ``place_text`` is resolved
through the gazetteer again (otherwise the fact would stay counted at the old place), and a typed
``date`` is a day (``date_precision`` becomes 'day', or empty when the date is cleared).

Reviewing and editing need the editor role (db.auth); each change also leaves one audit line, in
the same transaction. A request that changes nothing (already confirmed, identical values) leaves none.

Two people may have the same fact open: a save can carry what the form showed (``expected``) and
the fact's version when it was loaded, and is then refused (ReviewConflict) instead of undoing
someone else's change; see db.review_conflicts. The fields and their parsing: db.review_fields.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from db import review_conflicts, rollups
from db.auth import Actor, audit, require
from db.gazetteer import PlaceIndex
from db.migrate import upgrade
from db.models import Fact, FactChange, FactOrganisation, Organisation, Place
from db.organisations import OrganisationIndex
from db.review_conflicts import ReviewConflict, canonical, check_unchanged, fact_version
from db.review_fields import (
    FIELDS_BY_KIND,
    ORG_ROLES,
    OUTCOMES,
    QUALIFIERS,
    REVIEW_STATUSES,
    SIEGE_STATUSES,
    ReviewError,
    check_consistency,
    check_fields,
    parse_value,
    quantity_fields,
)  # fmt: skip
from loaders.records import PlaceRef

__all__ = [
    "FIELDS_BY_KIND", "ORG_ROLES", "OUTCOMES", "QUALIFIERS", "REVIEW_STATUSES", "SIEGE_STATUSES", "ReviewConflict",
    "ReviewError", "confirm_fact", "edit_fact", "fact_version", "parse_value", "quantity_fields", "reject_fact",
    "set_review_status",
]  # fmt: skip
_ACTIONS = {"pending": "reopen", "confirmed": "confirm", "rejected": "reject"}


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# ---- reading and writing one fact ---------------------------------------------------------------


def _load(conn: Connection, fact_id: int) -> dict[str, Any]:
    # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers): a concurrent
    # save of the same fact waits here, then sees this one's change in its staleness check.
    stmt = select(Fact.__table__).where(Fact.id == fact_id).with_for_update()
    row = conn.execute(stmt).mappings().one_or_none()
    if row is None:
        raise ReviewError(f"there is no fact with id {fact_id}; pick one from the Review page's list")
    return dict(row)


def _org_names(conn: Connection, fact_id: int, role: str) -> list[str]:
    stmt = (
        select(Organisation.short_name)
        .join(FactOrganisation, FactOrganisation.organisation_id == Organisation.id)
        .where(FactOrganisation.fact_id == fact_id, FactOrganisation.role == role)
        .order_by(Organisation.short_name)
    )
    return list(conn.execute(stmt).scalars())


def _record(conn: Connection, fact_id: int, action: str, user: str, before: dict, after: dict) -> None:
    conn.execute(
        insert(FactChange).values(
            fact_id=fact_id, import_id=None, action=action, changed_by=user, changed_at=_utcnow(),
            before={k: _jsonable(v) for k, v in before.items()},
            after={k: _jsonable(v) for k, v in after.items()},
        )
    )  # fmt: skip


def _set_status(conn: Connection, fact: dict[str, Any], status: str, user: str, reason: str | None) -> bool:
    if fact["review_status"] == status:
        return False
    reviewed: dict[str, Any] = {"reviewed_by": None, "reviewed_at": None}
    if status != "pending":
        reviewed = {"reviewed_by": user, "reviewed_at": _utcnow()}
    conn.execute(update(Fact).where(Fact.id == fact["id"]).values(review_status=status, **reviewed))
    rollups.refresh(conn, [fact["place_id"]])
    after: dict[str, Any] = {"review_status": status}
    if reason and reason.strip():
        after["reason"] = reason.strip()
    _record(conn, fact["id"], _ACTIONS[status], user, {"review_status": fact["review_status"]}, after)
    return True


def set_review_status(
    fact_id: int,
    status: str,
    *,
    actor: Actor,
    reason: str | None = None,
    version: int | None = None,
    url: str | None = None,
) -> bool:
    """Set a fact's review status (pending, confirmed, rejected) as ``actor`` (an editor or admin).
    False when it already had it. With ``version`` (db.review_conflicts.fact_version, read when the
    fact was shown) a fact changed since is refused with ReviewConflict instead."""
    require(actor, "review")
    if status not in REVIEW_STATUSES:
        raise ReviewError(
            f"review_status: '{status}' is not allowed; use one of: {', '.join(REVIEW_STATUSES)}"
        )
    with upgrade(url).begin() as conn:
        fact = _load(conn, fact_id)
        if version is not None and fact["review_status"] != status:
            check_unchanged(conn, fact_id, version, _ACTIONS[status])
        changed = _set_status(conn, fact, status, actor.name, reason)
        if changed:
            details = {"from": fact["review_status"], "to": status, "reason": (reason or "").strip() or None}
            audit(conn, actor, "review", f"fact {fact_id}", details)
        return changed


def confirm_fact(fact_id: int, *, actor: Actor, version: int | None = None, url: str | None = None) -> bool:
    """Confirm a fact: it counts in every chart from now on. False when it was confirmed already."""
    return set_review_status(fact_id, "confirmed", actor=actor, version=version, url=url)


def reject_fact(
    fact_id: int,
    *,
    actor: Actor,
    reason: str | None = None,
    version: int | None = None,
    url: str | None = None,
) -> bool:
    """Reject a fact: it stays in the store (and its document) but never counts."""
    return set_review_status(fact_id, "rejected", actor=actor, reason=reason, version=version, url=url)


def edit_fact(
    fact_id: int,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    confirm: bool = False,
    expected: Mapping[str, Any] | None = None,
    version: int | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """Apply an analyst's edits to one fact; return the fields that changed with their new values.

    ``changes`` maps field names (see FIELDS_BY_KIND) to typed values: numbers as int or digits,
    dates as ``datetime.date`` or 'YYYY-MM-DD', organisations and sources as a list or 'UN; SARC'.
    Empty text clears a field. Values equal to the stored ones are ignored. With ``confirm`` the fact
    is also confirmed, in the same transaction. Raises ReviewError and changes nothing on bad input;
    PermissionDenied for a viewer.

    Saving from a form (db.review_conflicts): ``expected`` holds, for every field in ``changes``,
    the value the form showed; a field someone else changed since is refused (ReviewConflict), a
    field no one touched is saved without undoing anyone's change to the others. ``version`` (the
    fact's version when the form was loaded) names those changes, and a confirmation of a fact
    changed since is refused.
    """
    require(actor, "edit")
    user = actor.name
    with upgrade(url).begin() as conn:
        fact = _load(conn, fact_id)
        old_orgs = _linked(conn, fact_id)
        check_fields(fact["kind"], changes)
        parsed = {name: parse_value(name, raw) for name, raw in changes.items()}
        if expected is not None:
            _check_stale(conn, fact, parsed, expected, version)
        if confirm and version is not None and fact["review_status"] != "confirmed":
            check_unchanged(conn, fact_id, version, "confirm")
        columns = {k: v for k, v in parsed.items() if k not in ORG_ROLES and fact[k] != v}
        check_consistency({**fact, **columns}, set(columns))
        before = {k: fact[k] for k in columns}
        after = dict(columns)
        _bookkeeping(conn, fact, columns, before, after)
        if columns:
            conn.execute(update(Fact).where(Fact.id == fact_id).values(**columns))
        for name in ORG_ROLES.keys() & parsed.keys():
            old, new = _replace_orgs(conn, fact, ORG_ROLES[name], parsed[name])
            if old != new:
                before[name], after[name] = "; ".join(old), "; ".join(new)
        if after:
            _record(conn, fact_id, "edit", user, before, after)
            places = {fact["place_id"], columns.get("place_id", fact["place_id"])}
            rollups.refresh(conn, places, old_orgs | _linked(conn, fact_id))
        confirmed = confirm and _set_status(conn, fact, "confirmed", user, None)
        if after or confirmed:
            details = {"fields": sorted(after), "confirmed": confirmed}
            audit(conn, actor, "edit", f"fact {fact_id}", details)
    return {k: _jsonable(v) for k, v in after.items()}


def _check_stale(
    conn: Connection,
    fact: dict[str, Any],
    parsed: dict[str, Any],
    expected: Mapping[str, Any],
    version: int | None,
) -> None:
    """Compare what the form showed with what is stored now, for the fields being changed."""
    missing = [name for name in parsed if name not in expected]
    if missing:
        raise ReviewError(
            f"{', '.join(missing)}: no loaded value sent; send the value the form showed for every changed field"
        )
    loaded = {}
    for name in parsed:
        try:
            loaded[name] = canonical(parse_value(name, expected[name]))
        except ReviewError:  # a value the form showed but the parser refuses: compare it as text
            loaded[name] = canonical(expected[name])
    stored = {
        name: canonical(_org_names(conn, fact["id"], ORG_ROLES[name]) if name in ORG_ROLES else fact[name])
        for name in parsed
    }
    wanted = {name: canonical(value) for name, value in parsed.items()}
    review_conflicts.check_fields(conn, fact["id"], stored, wanted, loaded, version)


def _bookkeeping(
    conn: Connection, fact: dict[str, Any], columns: dict[str, Any], before: dict, after: dict
) -> None:
    """The columns that follow an edited place or date (see the module docstring)."""
    extra: dict[str, Any] = {}
    if "place_text" in columns:
        index = PlaceIndex.load(conn)
        country = index.entries[fact["place_id"]].country if fact["place_id"] in index.entries else None
        origin = "text" if fact["method"] == "text" else "row"
        ref = PlaceRef(name=columns["place_text"], country=country)
        extra["place_id"], _ = index.resolve_or_add(ref, fact["import_id"], origin=origin)
    if "date" in columns:
        extra["date_precision"] = "day" if columns["date"] is not None else None
    for name, value in extra.items():
        if fact[name] != value:
            columns[name] = value
            before[name], after[name] = fact[name], value


def _linked(conn: Connection, fact_id: int) -> set[int]:
    """The organisations a fact names (any role): their rollup counts follow an edit."""
    stmt = select(FactOrganisation.organisation_id).where(FactOrganisation.fact_id == fact_id)
    return set(conn.execute(stmt).scalars())


def _replace_orgs(conn: Connection, fact: dict[str, Any], role: str, names: list[str]) -> tuple[list, list]:
    """Link the fact to ``names`` for ``role``; (old short names, new short names), both sorted."""
    old = _org_names(conn, fact["id"], role)
    country = conn.execute(select(Place.country).where(Place.id == fact["place_id"])).scalar_one_or_none()
    index = OrganisationIndex.load(conn)
    ids = {index.resolve_or_add(name, country) for name in names}
    new = sorted(index.names[i] for i in ids)
    if new != old:
        conn.execute(
            delete(FactOrganisation).where(
                FactOrganisation.fact_id == fact["id"], FactOrganisation.role == role
            )
        )
        if ids:
            rows = [{"fact_id": fact["id"], "organisation_id": i, "role": role} for i in sorted(ids)]
            conn.execute(insert(FactOrganisation), rows)
    return old, new
