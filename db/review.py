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
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from db import rollups
from db.auth import Actor, audit, require
from db.gazetteer import PlaceIndex
from db.migrate import upgrade
from db.models import Fact, FactChange, FactOrganisation, Organisation, Place
from db.organisations import OrganisationIndex
from db.rows import QUANTITIES
from loaders.records import Outcome, PlaceRef, Qualifier

REVIEW_STATUSES = ("pending", "confirmed", "rejected")
SIEGE_STATUSES = ("besieged", "trapped", "hard_to_reach", "lifted")
OUTCOMES = tuple(o.value for o in Outcome)
QUALIFIERS = tuple(q.value for q in Qualifier)
ORG_ROLES = {"organisations": "operator", "sources": "source"}
_ACTIONS = {"pending": "reopen", "confirmed": "confirm", "rejected": "reject"}


def quantity_fields(name: str) -> tuple[str, ...]:
    """The editable columns of one quantity: value, low, high, qualifier."""
    return (name, f"{name}_low", f"{name}_high", f"{name}_qualifier")


# What an analyst can edit, per kind, in the order the Review page's form shows it.
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "convoy": (
        "place_text", "date", *quantity_fields("trucks"), *quantity_fields("people_served"), "outcome",
        "organisations",
    ),
    "besieged_population": (
        "place_text", "date", *quantity_fields("population"), "status", "besieging_party", "sources",
    ),
    "civilian_toll": (
        "place_text", "date", "period_start", "period_end", *quantity_fields("killed"),
        *quantity_fields("injured"), "sources",
    ),
}  # fmt: skip
_ALL_FIELDS = {f for fields in FIELDS_BY_KIND.values() for f in fields}
_COUNT_FIELDS = {f for q in QUANTITIES for f in (q, f"{q}_low", f"{q}_high")}
_DATE_FIELDS = {"date", "period_start", "period_end"}
_TEXT_LIMITS = {"place_text": 300, "besieging_party": 300}


class ReviewError(ValueError):
    """A review request that cannot be carried out; the message names the field and what to do."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


# ---- parsing what the analyst typed -------------------------------------------------------------


def _blank(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _parse_count(name: str, raw: Any) -> int | None:
    if _blank(raw):
        return None
    if isinstance(raw, bool) or (isinstance(raw, float) and not raw.is_integer()):
        raise ReviewError(
            f"{name}: {raw!r} is not a whole number; type digits such as 1200, or leave it empty"
        )
    if isinstance(raw, int | float):
        value = int(raw)
    else:
        digits = str(raw).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        if not digits.isdigit():
            raise ReviewError(
                f"{name}: '{raw}' is not a whole number; type digits such as 1200, or leave it empty"
            )
        value = int(digits)
    if value < 0:
        raise ReviewError(f"{name}: {value} is negative; a count is 0 or more")
    return value


def _parse_date(name: str, raw: Any) -> dt.date | None:
    if _blank(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ReviewError(
            f"{name}: '{raw}' is not a date; write it as YYYY-MM-DD, or leave it empty"
        ) from None


def _parse_choice(name: str, raw: Any, choices: tuple[str, ...]) -> str | None:
    if _blank(raw):
        return None
    value = str(raw).strip()
    if value not in choices:
        raise ReviewError(f"{name}: '{value}' is not allowed; use one of: {', '.join(choices)}")
    return value


def _parse_text(name: str, raw: Any) -> str | None:
    if _blank(raw):
        if name == "place_text":
            raise ReviewError("place_text: the place cannot be empty; type the place as the text names it")
        return None
    if not isinstance(raw, str):
        raise ReviewError(f"{name}: expected text, got {type(raw).__name__}")
    value = " ".join(raw.split())
    limit = _TEXT_LIMITS.get(name, 300)
    if len(value) > limit:
        raise ReviewError(f"{name}: {len(value)} characters is too long; keep it under {limit}")
    return value


def _parse_names(name: str, raw: Any) -> list[str]:
    """'UN; SARC' or ['UN', 'SARC'] -> ['UN', 'SARC'] (';' separates: names may hold commas)."""
    if _blank(raw):
        return []
    if isinstance(raw, str):
        parts = raw.split(";")
    elif isinstance(raw, list | tuple):
        parts = [str(p) for p in raw]
    else:
        raise ReviewError(f"{name}: expected names separated by ';', got {type(raw).__name__}")
    names = [" ".join(p.split()) for p in parts if p.strip()]
    if any(len(n) > 100 for n in names):
        raise ReviewError(f"{name}: a name is longer than 100 characters; separate names with ';'")
    return names


def parse_value(field: str, raw: Any) -> Any:
    """The stored form of one typed value; raises ReviewError naming the field when it is bad."""
    if field in _COUNT_FIELDS:
        return _parse_count(field, raw)
    if field in _DATE_FIELDS:
        return _parse_date(field, raw)
    if field.endswith("_qualifier"):
        return _parse_choice(field, raw, QUALIFIERS)
    if field == "outcome":
        return _parse_choice(field, raw, OUTCOMES)
    if field == "status":
        return _parse_choice(field, raw, SIEGE_STATUSES)
    if field in ORG_ROLES:
        return _parse_names(field, raw)
    return _parse_text(field, raw)


def _check_fields(kind: str, changes: Mapping[str, Any]) -> None:
    allowed = FIELDS_BY_KIND.get(kind, ())
    for name in changes:
        if name in allowed:
            continue
        label = kind.replace("_", " ")
        if name in _ALL_FIELDS:
            raise ReviewError(f"{name}: not a field of a {label} fact; editable: {', '.join(allowed)}")
        raise ReviewError(
            f"unknown field '{name}'; a {label} fact's editable fields are: {', '.join(allowed)}"
        )


def _check_consistency(row: Mapping[str, Any], touched: set[str]) -> None:
    for q in QUANTITIES:
        if not touched & set(quantity_fields(q)):
            continue
        low, high = row[f"{q}_low"], row[f"{q}_high"]
        if low is not None and high is not None and low > high:
            raise ReviewError(f"{q}_low: {low:,} is above {q}_high {high:,}; swap them or fix one")
        if row[q] is not None and (low is not None or high is not None):
            raise ReviewError(f"{q}: give either a value or a low–high range, not both; clear the other")
    if touched & {"period_start", "period_end"}:
        start, end = row["period_start"], row["period_end"]
        if start is not None and end is not None and start > end:
            raise ReviewError(f"period_end: {end} is before period_start {start}; fix one of them")


# ---- reading and writing one fact ---------------------------------------------------------------


def _load(conn: Connection, fact_id: int) -> dict[str, Any]:
    row = conn.execute(select(Fact.__table__).where(Fact.id == fact_id)).mappings().one_or_none()
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
    fact_id: int, status: str, *, actor: Actor, reason: str | None = None, url: str | None = None
) -> bool:
    """Set a fact's review status (pending, confirmed, rejected) as ``actor`` (an editor or admin).
    False when it already had it."""
    require(actor, "review")
    if status not in REVIEW_STATUSES:
        raise ReviewError(
            f"review_status: '{status}' is not allowed; use one of: {', '.join(REVIEW_STATUSES)}"
        )
    with upgrade(url).begin() as conn:
        fact = _load(conn, fact_id)
        changed = _set_status(conn, fact, status, actor.name, reason)
        if changed:
            details = {"from": fact["review_status"], "to": status, "reason": (reason or "").strip() or None}
            audit(conn, actor, "review", f"fact {fact_id}", details)
        return changed


def confirm_fact(fact_id: int, *, actor: Actor, url: str | None = None) -> bool:
    """Confirm a fact: it counts in every chart from now on. False when it was confirmed already."""
    return set_review_status(fact_id, "confirmed", actor=actor, url=url)


def reject_fact(fact_id: int, *, actor: Actor, reason: str | None = None, url: str | None = None) -> bool:
    """Reject a fact: it stays in the store (and its document) but never counts."""
    return set_review_status(fact_id, "rejected", actor=actor, reason=reason, url=url)


def edit_fact(
    fact_id: int,
    changes: Mapping[str, Any],
    *,
    actor: Actor,
    confirm: bool = False,
    url: str | None = None,
) -> dict[str, Any]:
    """Apply an analyst's edits to one fact; return the fields that changed with their new values.

    ``changes`` maps field names (see FIELDS_BY_KIND) to typed values: numbers as int or digits,
    dates as ``datetime.date`` or 'YYYY-MM-DD', organisations and sources as a list or 'UN; SARC'.
    Empty text clears a field. Values equal to the stored ones are ignored. With ``confirm`` the fact
    is also confirmed, in the same transaction. Raises ReviewError and changes nothing on bad input;
    PermissionDenied for a viewer.
    """
    require(actor, "edit")
    user = actor.name
    with upgrade(url).begin() as conn:
        fact = _load(conn, fact_id)
        old_orgs = _linked(conn, fact_id)
        _check_fields(fact["kind"], changes)
        parsed = {name: parse_value(name, raw) for name, raw in changes.items()}
        columns = {k: v for k, v in parsed.items() if k not in ORG_ROLES and fact[k] != v}
        _check_consistency({**fact, **columns}, set(columns))
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
