"""Curating the store after import: merging an unverified place into a known one.

Like db.writer, every change here is one transaction on the write engine and leaves a trace in
fact_changes, so a merge can be explained later ("these 12 facts were moved from 'Dooma' to Douma"),
and one audit line. Merging needs the editor role (db.auth).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update

from db import rollups
from db.auth import Actor, audit, require
from db.gazetteer import PlaceIndex
from db.migrate import upgrade
from db.models import Fact, FactChange, Place


class CurationError(ValueError):
    """A curation request that cannot be carried out; the message says why and what to do."""


def merge_place(source_id: int, target_id: int, *, actor: Actor, url: str | None = None) -> int:
    """Merge place ``source_id`` into ``target_id`` as ``actor`` (an editor or admin): its facts
    move, its names become aliases.

    Returns the number of facts moved. The source place stays (marked merged) so that later
    imports naming it resolve straight to the target.
    """
    require(actor, "merge")
    user = actor.name
    if source_id == target_id:
        raise CurationError("a place cannot be merged into itself; choose another target")
    engine = upgrade(url)
    with engine.begin() as conn:
        places = Place.__table__
        source = conn.execute(select(places).where(places.c.id == source_id)).mappings().one_or_none()
        target = conn.execute(select(places).where(places.c.id == target_id)).mappings().one_or_none()
        if source is None or target is None:
            missing = source_id if source is None else target_id
            raise CurationError(f"there is no place with id {missing}; pick one from the Data page list")
        if source["merged_into_id"] is not None:
            raise CurationError(
                f"'{source['name']}' was already merged (into place {source['merged_into_id']})"
            )
        index = PlaceIndex.load(conn)
        if source_id in index.ancestors(target_id):
            raise CurationError(
                f"'{target['name']}' lies inside '{source['name']}'; merge the other way round"
            )
        moved = conn.execute(select(Fact.id).where(Fact.place_id == source_id)).scalars().all()
        conn.execute(update(Fact).where(Fact.place_id == source_id).values(place_id=target_id))
        conn.execute(update(Place).where(Place.parent_id == source_id).values(parent_id=target_id))
        conn.execute(update(Place).where(Place.id == source_id).values(merged_into_id=target_id))
        index.add_names(target_id, [source["name"]])
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        if moved:
            conn.execute(
                insert(FactChange),
                [
                    {
                        "fact_id": fact_id, "import_id": None, "action": "place_merge", "changed_by": user,
                        "changed_at": now, "before": {"place_id": source_id, "place": source["name"]},
                        "after": {"place_id": target_id, "place": target["name"]},
                    }
                    for fact_id in moved
                ],
            )  # fmt: skip
        rollups.refresh(conn, [source_id, target_id])
        details = {"from": source["name"], "into": target["name"], "facts_moved": len(moved)}
        audit(conn, actor, "merge", f"place {source_id} into {target_id}", details)
    return len(moved)
