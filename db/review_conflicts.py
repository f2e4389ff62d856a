"""Two editors, one fact: a save made from a form loaded before someone else's change is refused
instead of silently undoing that change (optimistic concurrency, no lock held while a person types).

A fact's *version* is the id of its latest row in fact_changes (0 when it has none): every write to
a fact (import update, retraction, review, edit, place merge) records one, so no schema change is
needed. The Review page loads a fact with its version and, on save, sends only the fields the
analyst changed together with the values the form showed for them:

- an edit is refused when a changed field's stored value is no longer the one the form showed
  (someone changed that field since) and is not already what the analyst typed; edits of other
  fields go through and keep the other person's change;
- a confirmation, rejection or reopening with a version is refused when the fact changed at all
  since it was loaded: a confirmation vouches for values the analyst has seen.

The refusal (ReviewConflict) names who changed what and when, from fact_changes, and says to reload.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, func, select

from db.engine import read_engine
from db.migrate import upgrade
from db.models import FactChange
from db.review_fields import ReviewError

_VERBS = {
    "edit": "edited", "confirm": "confirmed", "reject": "rejected", "reopen": "reopened",
    "update": "re-imported", "retract": "retracted", "place_merge": "merged the place of",
    "place_unmerge": "unmerged the place of",
}  # fmt: skip


class ReviewConflict(ReviewError):
    """The fact changed since the form was loaded; the message names who changed what and when."""


def current_version(conn: Connection, fact_id: int) -> int:
    """The fact's version inside the caller's transaction: its latest fact_changes id, 0 for none."""
    stmt = select(func.coalesce(func.max(FactChange.id), 0)).where(FactChange.fact_id == fact_id)
    return int(conn.execute(stmt).scalar_one())


def fact_version(fact_id: int, url: str | None = None) -> int:
    """The fact's version now, for a form to send back with its save (read it *before* the values)."""
    upgrade(url)
    with read_engine(url).connect() as conn:
        return current_version(conn, fact_id)


def canonical(value: Any) -> Any:
    """A value as compared for staleness: blanks are None, text has its spacing folded, names are
    an order-free tuple (the form shows 'SARC; UN' for what the store links as UN, SARC)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        return " ".join(value.split())
    if isinstance(value, list | tuple):
        return tuple(sorted((" ".join(str(v).split()) for v in value), key=str.casefold))
    return value


def check_fields(
    conn: Connection,
    fact_id: int,
    stored: Mapping[str, Any],
    wanted: Mapping[str, Any],
    loaded: Mapping[str, Any],
    version: int | None,
) -> None:
    """Refuse the edit when a field the analyst changed was changed by someone else since the form
    was loaded. ``stored``, ``wanted`` and ``loaded`` map each changed field to its value now in the
    store, typed by the analyst, and shown by the form (each passed through ``canonical``)."""
    stale = [f for f in wanted if stored[f] != loaded[f] and stored[f] != wanted[f]]
    if not stale:
        return
    changes = _changes_since(conn, fact_id, version)
    parts = []
    for name in stale:
        last = next((c for c in reversed(changes) if name in (c.after or {})), None)
        now, was, yours = (_shown(v) for v in (stored[name], loaded[name], wanted[name]))
        if last is None:
            parts.append(f"{name} is now {now}, not the {was} your form showed (your {yours} was not saved)")
        else:
            parts.append(
                f"{name} was changed from {was} to {now} by {last.changed_by} at {_when(last.changed_at)}"
                f" (your {yours} was not saved)"
            )
    raise ReviewConflict(
        f"fact #{fact_id} changed since you opened it, nothing was saved: {'; '.join(parts)}. "
        "Reload the fact to see the current values, then make your change again."
    )


def check_unchanged(conn: Connection, fact_id: int, version: int, doing: str) -> None:
    """Refuse ``doing`` ('confirm', 'reject', ...) when the fact changed at all since ``version``."""
    if current_version(conn, fact_id) == version:
        return
    done = []
    for change in _changes_since(conn, fact_id, version):
        fields = [k for k in (change.after or {}) if k != "reason"]
        what = f" ({', '.join(fields)})" if change.action in ("edit", "update") and fields else ""
        verb = _VERBS.get(change.action, change.action)
        done.append(f"{change.changed_by} {verb} it{what} at {_when(change.changed_at)}")
    raise ReviewConflict(
        f"fact #{fact_id} changed since you opened it: {'; '.join(done)}. Nothing was done: reload the "
        f"fact and check its current values before you {doing} it."
    )


def _changes_since(conn: Connection, fact_id: int, version: int | None) -> list[Row[Any]]:
    stmt = (
        select(FactChange.action, FactChange.changed_by, FactChange.changed_at, FactChange.after)
        .where(FactChange.fact_id == fact_id)
        .order_by(FactChange.id)
    )
    if version is not None:
        stmt = stmt.where(FactChange.id > version)
    return list(conn.execute(stmt))


def _when(at: dt.datetime | None) -> str:
    return "an unknown time" if at is None else f"{at:%Y-%m-%d %H:%M} UTC"


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, tuple):
        return "; ".join(value) or "(empty)"
    if isinstance(value, dt.date):
        return value.isoformat()
    return repr(value) if isinstance(value, str) else str(value)
