"""Curating the store after import: merging a place into another one, and undoing a merge.

Like db.writer, every change here is one transaction on the write engine and leaves a trace in
fact_changes, so a merge can be explained later ("these 12 facts were moved from 'Dooma' to Douma"),
and one audit line. Merging an unverified place (one added from a row or a sentence) needs the
editor role; merging a verified place (from the built-in gazetteer or a COD import) needs an admin
(db.auth "merge_verified"), since every later import naming it lands elsewhere.

A merge is undone from its own records (``unmerge_place``): the facts it moved come back (from
fact_changes), the child places it re-parented get their parent back and the alias it taught the
target is removed (both listed in the merge's audit line). Facts imported *after* the merge that
name the source place (their stored place text resolves to it once the merge is undone) move back
too: a later import of "Madaya" should count at Madaya, as it would have without the merge. Facts
someone moved by hand since (a place edit) stay where that person put them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, select, update

from db import rollups
from db.auth import Actor, audit, require
from db.gazetteer import PlaceIndex
from db.migrate import upgrade
from db.models import AuditEvent, Fact, FactChange, Import, Place, PlaceName
from db.reading import read_frame
from loaders.normalise.names import name_key
from loaders.records import PlaceRef


class CurationError(ValueError):
    """A curation request that cannot be carried out; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class Unmerged:
    """What ``unmerge_place`` did: counts of facts, child places and aliases it put back."""

    source: str
    target: str
    facts_back: int  # facts the merge had moved, moved back
    imported_back: int  # facts imported after the merge, naming the source, moved back
    stayed: int  # facts the merge had moved that someone moved elsewhere since: left there
    children: int  # child places given their parent back
    aliases: int  # names removed from the target
    recorded: bool  # False for a merge made before merges recorded children and aliases

    def describe(self) -> str:
        """One sentence for the CLI and the Data page."""
        text = (
            f"'{self.source}' is separate from '{self.target}' again: {self.facts_back} fact(s) moved back"
            f", {self.imported_back} fact(s) imported since the merge that name '{self.source}' moved too"
            f", {self.children} child place(s) and {self.aliases} alias(es) restored."
        )
        if self.stayed:
            text += f" {self.stayed} fact(s) were moved to another place since the merge and stay there."
        if not self.recorded:
            text += (
                " This merge predates recorded merges: its re-parented child places are unknown; "
                f"check the places under '{self.target}'."
            )
        return text


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _place(conn: Connection, place_id: int) -> dict[str, Any]:
    # FOR UPDATE (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises writers already): two people
    # merging or unmerging the same place at once take turns, the second sees the first's result.
    stmt = select(Place.__table__).where(Place.id == place_id).with_for_update()
    row = conn.execute(stmt).mappings().one_or_none()
    if row is None:
        raise CurationError(f"there is no place with id {place_id}; pick one from the Data page list")
    return dict(row)


def _require_for(actor: Actor, place: Mapping[str, Any]) -> None:
    """Editors curate unverified places; a verified (gazetteer) place needs an admin."""
    require(actor, "merge")
    if place["verified"]:
        require(actor, "merge_verified")


def _record_moves(
    conn: Connection, facts: list[int], action: str, user: str, now: dt.datetime, before: dict, after: dict
) -> None:
    for chunk in _chunks(facts):
        rows = [
            {"fact_id": f, "import_id": None, "action": action, "changed_by": user, "changed_at": now,
             "before": before, "after": after}
            for f in chunk
        ]  # fmt: skip
        conn.execute(insert(FactChange), rows)


def _chunks(ids: list[int], size: int = 5000) -> list[list[int]]:
    """Slices small enough for one statement's parameters (SQLite allows 32766)."""
    return [ids[i : i + size] for i in range(0, len(ids), size)]


def merge_place(source_id: int, target_id: int, *, actor: Actor, url: str | None = None) -> int:
    """Merge place ``source_id`` into ``target_id`` as ``actor``: its facts move, its name becomes
    an alias of the target, its child places move under the target.

    Returns the number of facts moved. The source place stays (marked merged) so that later
    imports naming it resolve straight to the target, and so that ``unmerge_place`` can undo it.
    An unverified source needs an editor, a verified one an admin (PermissionDenied otherwise).
    """
    require(actor, "merge")
    now = _utcnow()
    if source_id == target_id:
        raise CurationError("a place cannot be merged into itself; choose another target")
    engine = upgrade(url)
    with engine.begin() as conn:
        source, target = _place(conn, source_id), _place(conn, target_id)
        _require_for(actor, source)
        if source["merged_into_id"] is not None:
            raise CurationError(
                f"'{source['name']}' was already merged (into place {source['merged_into_id']}); "
                f"undo that first with: python -m cli places unmerge {source_id}"
            )
        if target["merged_into_id"] is not None:
            raise CurationError(
                f"'{target['name']}' was itself merged into place {target['merged_into_id']}; "
                "merge into that place instead"
            )
        index = PlaceIndex.load(conn)
        if source_id in index.ancestors(target_id):
            raise CurationError(
                f"'{target['name']}' lies inside '{source['name']}'; merge the other way round"
            )
        moved = list(conn.execute(select(Fact.id).where(Fact.place_id == source_id)).scalars())
        children = list(conn.execute(select(Place.id).where(Place.parent_id == source_id)).scalars())
        conn.execute(update(Fact).where(Fact.place_id == source_id).values(place_id=target_id))
        conn.execute(update(Place).where(Place.parent_id == source_id).values(parent_id=target_id))
        conn.execute(update(Place).where(Place.id == source_id).values(merged_into_id=target_id))
        names_before = set(
            conn.execute(select(PlaceName.id).where(PlaceName.place_id == target_id)).scalars()
        )
        index.add_names(target_id, [source["name"]])
        names_after = set(conn.execute(select(PlaceName.id).where(PlaceName.place_id == target_id)).scalars())
        _record_moves(
            conn, moved, "place_merge", actor.name, now,
            {"place_id": source_id, "place": source["name"]}, {"place_id": target_id, "place": target["name"]},
        )  # fmt: skip
        rollups.refresh(conn, [source_id, target_id])
        # The audit line is the merge's record of what facts cannot show: unmerge_place reads it.
        details = {
            "from": source["name"], "into": target["name"], "facts_moved": len(moved), "at": now.isoformat(),
            "verified": bool(source["verified"]), "children": children,
            "aliases": sorted(names_after - names_before),
        }  # fmt: skip
        audit(conn, actor, "merge", f"place {source_id} into {target_id}", details)
    return len(moved)


def unmerge_place(source_id: int, *, actor: Actor, url: str | None = None) -> Unmerged:
    """Undo the merge of place ``source_id`` as ``actor`` (same roles as merging it), in one
    transaction; see the module docstring for which facts move back. Raises CurationError when the
    place is not merged, or when its target was merged on since (undo that merge first)."""
    require(actor, "merge")
    with upgrade(url).begin() as conn:
        source = _place(conn, source_id)
        _require_for(actor, source)
        target_id = source["merged_into_id"]
        if target_id is None:
            raise CurationError(f"'{source['name']}' (place {source_id}) is not merged; nothing to undo")
        target = _place(conn, target_id)
        if target["merged_into_id"] is not None:
            raise CurationError(
                f"'{target['name']}' was merged into place {target['merged_into_id']} after '{source['name']}' "
                f"was merged into it; undo that first: python -m cli places unmerge {target_id}"
            )
        merge_line = conn.execute(
            select(AuditEvent.at, AuditEvent.details)
            .where(AuditEvent.action == "merge", AuditEvent.target == f"place {source_id} into {target_id}")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        ).one_or_none()
        details: dict[str, Any] = (merge_line.details if merge_line else None) or {}
        recorded = "children" in details
        merged_at = (
            dt.datetime.fromisoformat(details["at"]) if "at" in details
            else _last_move_time(conn, source_id, target_id) or (merge_line.at if merge_line else None)
        )  # fmt: skip

        back, stayed = _facts_moved_by_merge(conn, source_id, target_id, merged_at)
        children = [int(c) for c in details.get("children", [])]
        if children:
            children = list(
                conn.execute(
                    select(Place.id).where(Place.id.in_(children), Place.parent_id == target_id)
                ).scalars()
            )
            conn.execute(update(Place).where(Place.id.in_(children)).values(parent_id=source_id))
        aliases = _added_aliases(conn, source, target, details)
        if aliases:
            conn.execute(delete(PlaceName).where(PlaceName.id.in_(aliases)))
        conn.execute(update(Place).where(Place.id == source_id).values(merged_into_id=None))
        # Resolution is asked only once the merge is undone: the index must see Madaya as itself.
        later = _later_imports(conn, source_id, target_id, merged_at, exclude=set(back))
        moved = back + later
        for chunk in _chunks(moved):
            conn.execute(update(Fact).where(Fact.id.in_(chunk)).values(place_id=source_id))
        _record_moves(
            conn, moved, "place_unmerge", actor.name, _utcnow(),
            {"place_id": target_id, "place": target["name"]}, {"place_id": source_id, "place": source["name"]},
        )  # fmt: skip
        rollups.refresh(conn, [source_id, target_id])
        result = Unmerged(
            source["name"], target["name"], len(back), len(later), len(stayed), len(children), len(aliases), recorded
        )  # fmt: skip
        audit(
            conn, actor, "unmerge", f"place {source_id} from {target_id}",
            {"from": target["name"], "back_to": source["name"], "facts_back": len(back),
             "imported_back": len(later), "stayed": len(stayed), "children": children, "aliases_removed": aliases},
        )  # fmt: skip
    return result


def _last_move_time(conn: Connection, source_id: int, target_id: int) -> dt.datetime | None:
    """When a merge recorded before merges noted their time happened: its latest recorded fact
    move from source to target (None when it moved no facts)."""
    rows = conn.execute(
        select(FactChange.changed_at, FactChange.before, FactChange.after).where(
            FactChange.action == "place_merge"
        )
    )
    times = [at for at, before, after in rows if _is_move(before, after, source_id, target_id)]
    return max(times, default=None)


def _is_move(before: Any, after: Any, source_id: Any, target_id: Any) -> bool:
    return (
        isinstance(before, dict) and isinstance(after, dict)
        and before.get("place_id") == source_id and after.get("place_id") == target_id
    )  # fmt: skip


def _facts_moved_by_merge(
    conn: Connection, source_id: int, target_id: int, merged_at: dt.datetime | None
) -> tuple[list[int], list[int]]:
    """(facts at the target whose last place change is this merge, facts it moved that left since).

    The last change that set a fact's place decides: a fact moved from source to target by the
    merge and not moved since goes back; one edited to another place since, or moved back by an
    earlier unmerge and merged again, follows its latest record."""
    at_target = select(Fact.id).where(Fact.place_id == target_id)
    history = conn.execute(
        select(FactChange.fact_id, FactChange.action, FactChange.before, FactChange.after)
        .where(FactChange.fact_id.in_(at_target))
        .order_by(FactChange.id)
    )
    # Per fact, its place changes still in force: an unmerge cancels the merge it reversed, so
    # after undoing Douma -> Harasta, Dooma -> Douma is again the latest (merges undone in order).
    moves: dict[int, list[tuple[str, Any, Any]]] = {}
    for fact_id, action, before, after in history:
        if not (isinstance(after, dict) and "place_id" in after):
            continue
        stack = moves.setdefault(fact_id, [])
        if action == "place_unmerge" and stack and stack[-1][0] == "place_merge":
            _, m_before, m_after = stack[-1]
            if _is_move(m_before, m_after, after["place_id"], (before or {}).get("place_id")):
                stack.pop()
                continue
        stack.append((action, before, after))
    back = sorted(
        f for f, stack in moves.items()
        if stack and stack[-1][0] == "place_merge" and _is_move(stack[-1][1], stack[-1][2], source_id, target_id)
    )  # fmt: skip
    stayed: list[int] = []
    if merged_at is not None:
        merges = conn.execute(
            select(FactChange.fact_id, Fact.place_id, FactChange.before, FactChange.after)
            .join(Fact, Fact.id == FactChange.fact_id)
            .where(FactChange.action == "place_merge", FactChange.changed_at >= merged_at)
        )
        stayed = sorted(
            {f for f, now_at, before, after in merges
             if now_at != target_id and _is_move(before, after, source_id, target_id)}
        )  # fmt: skip
    return back, stayed


def _added_aliases(
    conn: Connection, source: Mapping[str, Any], target: Mapping[str, Any], details: Mapping[str, Any]
) -> list[int]:
    """The target's name rows the merge added: listed in its audit line; for older merges, the
    target's names with the source's key (never the target's own name)."""
    names = select(PlaceName.id, PlaceName.key).where(PlaceName.place_id == target["id"])
    if "aliases" in details:
        wanted = {int(i) for i in details["aliases"]}
        return sorted(i for i, _ in conn.execute(names) if i in wanted)
    key, own = name_key(source["name"]), name_key(target["name"])
    return sorted(i for i, k in conn.execute(names) if k == key and k != own)


def _later_imports(
    conn: Connection, source_id: int, target_id: int, merged_at: dt.datetime | None, exclude: set[int]
) -> list[int]:
    """Facts imported after the merge that landed at the target only because of it: their place
    text now resolves to the source, and no one has set their place since (no place change)."""
    if merged_at is None:
        return []
    later = (
        select(Fact.id)
        .join(Import, Import.id == Fact.import_id)
        .where(Fact.place_id == target_id, Import.imported_at >= merged_at)
    )
    candidates = [
        (f, text)
        for f, text in conn.execute(select(Fact.id, Fact.place_text).where(Fact.id.in_(later)))
        if f not in exclude
    ]
    if not candidates:
        return []
    touched = {
        f for f, after in conn.execute(
            select(FactChange.fact_id, FactChange.after).where(FactChange.fact_id.in_(later))
        )
        if isinstance(after, dict) and "place_id" in after
    }  # fmt: skip
    index = PlaceIndex.load(conn)
    country = index.entries[source_id].country
    out = []
    for fact_id, place_text in candidates:
        if fact_id not in touched and index.resolve(PlaceRef(name=place_text, country=country)) == source_id:
            out.append(fact_id)
    return sorted(out)


def merged_places(url: str | None = None) -> pd.DataFrame:
    """Places merged into another one, for undoing: id, name, verified, into_id, into (name)."""
    target = Place.__table__.alias("target")
    stmt = (
        select(
            Place.id, Place.name, Place.verified, target.c.id.label("into_id"), target.c.name.label("into")
        )
        .join(target, target.c.id == Place.merged_into_id)
        .order_by(Place.name, Place.id)
    )
    return read_frame(stmt, url)
