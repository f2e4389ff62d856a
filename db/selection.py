"""What the sidebar filters select, as SQL clauses shared by the read queries of the analytics
pages (db.trends, db.tolls)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from sqlalchemy import ColumnElement, and_, exists, func, select

from db import rules
from db.models import Fact, FactOrganisation, Organisation, Place


@dataclass(frozen=True, slots=True)
class Selection:
    """What the sidebar filters ask for: dates (inclusive), a place with every place inside it, an
    organisation (ran the convoy or gave the figure) and whether pending facts count."""

    start: dt.date
    end: dt.date
    place_id: int | None = None
    organisation_id: int | None = None
    include_pending: bool = False

    def weeks(self) -> list[dt.date]:
        return rules.mondays(self.start, self.end)


@lru_cache(maxsize=256)
def subtree(place_id: int):  # type: ignore[no-untyped-def]
    """One shared (so a statement may use it twice) recursive CTE of ``place_id`` and every place below it (eastern Ghouta -> Douma, Harasta ...)."""
    top = select(Place.id.label("id")).where(Place.id == place_id).cte("subtree", recursive=True)
    below = top.alias("above")
    return top.union_all(select(Place.id).where(Place.parent_id == below.c.id))


# The review scopes the rollups are kept for: confirmed facts, and confirmed + pending.
SCOPES: dict[str, tuple[str, ...]] = {"confirmed": ("confirmed",), "all": ("confirmed", "pending")}


def sel_statuses(sel: Selection) -> list[str]:
    """The review statuses that count: confirmed, and pending when asked."""
    return ["confirmed", "pending"] if sel.include_pending else ["confirmed"]


def where(kind: str, sel: Selection) -> list[ColumnElement[bool]]:
    statuses = sel_statuses(sel)
    clauses = [Fact.kind == kind, Fact.retracted.is_(False), Fact.review_status.in_(statuses)]
    if sel.place_id is not None:
        tree = subtree(sel.place_id)
        clauses.append(Fact.place_id.in_(select(tree.c.id)))
    if sel.organisation_id is not None:
        clauses.append(
            exists().where(
                FactOrganisation.fact_id == Fact.id, FactOrganisation.organisation_id == sel.organisation_id
            )
        )
    return clauses


def org_columns(role: str):  # type: ignore[no-untyped-def]
    """Correlated subqueries: the first organisation name of a fact in ``role`` and how many there are."""
    link = and_(FactOrganisation.fact_id == Fact.id, FactOrganisation.role == role)
    first = (
        select(func.min(Organisation.short_name))
        .join(FactOrganisation, FactOrganisation.organisation_id == Organisation.id)
        .where(link)
        .scalar_subquery()
    )
    count = select(func.count()).select_from(FactOrganisation).where(link).scalar_subquery()
    return first, count


def source_name(first: object, count: object) -> str:
    """The "who estimated it" key of one fact: its first source's name, '+N' for more sources
    (``first``, ``count``: org_columns("source"); missing as None or NaN)."""
    n = int(count) if isinstance(count, (int, float)) and count == count else 0  # NaN != NaN
    more = "" if n <= 1 else f" +{n - 1}"
    return (first if isinstance(first, str) else "unknown source") + more


def source_key(frame: pd.DataFrame) -> pd.Series:
    """source_name for every row of a frame with first_source and n_sources columns."""
    names = map(source_name, frame["first_source"].tolist(), frame["n_sources"].tolist())
    return pd.Series(list(names), index=frame.index)


def toll_values() -> list:
    """killed_low, killed_high, injured_low, injured_high of a toll fact: a single figure is both
    ends of its range."""
    return [
        func.coalesce(Fact.killed, Fact.killed_low).label("killed_low"),
        func.coalesce(Fact.killed, Fact.killed_high).label("killed_high"),
        func.coalesce(Fact.injured, Fact.injured_low).label("injured_low"),
        func.coalesce(Fact.injured, Fact.injured_high).label("injured_high"),
    ]


def typed_toll_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A toll query's rows ready for db.analytics: ``source`` from first_source / n_sources (which
    are dropped), cumulative and is_event as booleans, the figures as floats (NULL -> NaN)."""
    frame = frame.copy()
    frame["source"] = source_key(frame) if not frame.empty else pd.Series(dtype="object")
    frame["cumulative"] = frame["cumulative"].astype(bool)
    frame["is_event"] = frame["is_event"].astype(bool)
    for col in rules.TOLL_VALUES:
        frame[col] = frame[col].astype("float64")
    return frame.drop(columns=["first_source", "n_sources"])
