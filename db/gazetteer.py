"""The gazetteer inside the store: resolve a row's place, add unverified places, upsert COD places.

Resolution order: p-code; then the folded name (every alias, Arabic included) narrowed by the
row's admin areas and country; a name no place carries is added as an *unverified* place built
from the row's own names, admin areas and coordinates. A missing place never rejects a row.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select, update

from db.models import Place, PlaceName
from loaders.normalise.names import name_key
from loaders.records import PlaceRecord, PlaceRef


@dataclass(slots=True)
class _Entry:
    id: int
    name: str
    admin_level: int | None
    pcode: str | None
    parent_id: int | None
    country: str | None
    lat: float | None
    lon: float | None
    verified: bool
    origin: str
    merged_into_id: int | None


@dataclass(slots=True)
class PlaceIndex:
    """An in-memory view of the places table for one import (built once, updated as it adds)."""

    conn: Connection
    entries: dict[int, _Entry] = field(default_factory=dict)
    by_pcode: dict[str, int] = field(default_factory=dict)
    by_key: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    keys_of: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    @classmethod
    def load(cls, conn: Connection) -> PlaceIndex:
        index = cls(conn)
        cols = [
            Place.id, Place.name, Place.admin_level, Place.pcode, Place.parent_id, Place.country,
            Place.lat, Place.lon, Place.verified, Place.origin, Place.merged_into_id,
        ]  # fmt: skip
        for row in conn.execute(select(*cols)):
            index._remember(_Entry(*row))  # type: ignore[arg-type]  # columns match _Entry's fields
        for place_id, key in conn.execute(select(PlaceName.place_id, PlaceName.key)):
            index.by_key[key].add(place_id)
            index.keys_of[place_id].add(key)
        return index

    def _remember(self, entry: _Entry) -> None:
        self.entries[entry.id] = entry
        if entry.pcode:
            self.by_pcode[entry.pcode.upper()] = entry.id

    def _final(self, place_id: int) -> int:
        seen: set[int] = set()
        while (merged := self.entries[place_id].merged_into_id) and place_id not in seen:
            seen.add(place_id)
            place_id = merged
        return place_id

    def ancestors(self, place_id: int) -> list[int]:
        out: list[int] = []
        current = self.entries[place_id].parent_id
        while current is not None and current not in out:
            out.append(current)
            current = self.entries[current].parent_id
        return out

    def _ancestor_keys(self, place_id: int) -> set[str]:
        keys: set[str] = set()
        for anc in self.ancestors(place_id):
            entry = self.entries[anc]
            keys |= self.keys_of[anc]
            if entry.pcode:
                keys.add(entry.pcode.upper())
        return keys

    def resolve(self, ref: PlaceRef) -> int | None:
        """The place id a reference means, or None when the gazetteer has no such place."""
        if ref.pcode and ref.pcode.strip().upper() in self.by_pcode:
            return self._final(self.by_pcode[ref.pcode.strip().upper()])
        candidates = {self._final(i) for i in self.by_key.get(name_key(ref.name), set())}
        if ref.country:
            candidates = {c for c in candidates if self.entries[c].country in (None, ref.country)}
        if len(candidates) <= 1:
            return next(iter(candidates), None)
        if ref.admin_level is not None:
            same_level = {c for c in candidates if self.entries[c].admin_level == ref.admin_level}
            candidates = same_level or candidates
            if len(candidates) == 1:
                return next(iter(candidates))
        context = {name_key(v) for v in (ref.admin1, ref.admin2, ref.admin3) if v}
        context |= {v.upper() for v in (ref.admin1_pcode, ref.admin2_pcode) if v}
        if context:
            fitting = {c for c in candidates if context & self._ancestor_keys(c)}
            if fitting:
                candidates = fitting

        # Still ambiguous: prefer the curated entry (built-in), the verified, then the most specific
        # ("Duma" in a report means the town more often than the district named after it).
        def rank(c: int) -> tuple[bool, bool, int, int]:
            entry = self.entries[c]
            level = entry.admin_level if entry.admin_level is not None else 3
            return (entry.origin != "builtin", not entry.verified, -level, c)

        return min(candidates, key=rank)

    def add_names(self, place_id: int, names: list[str]) -> None:
        existing = self.keys_of[place_id]
        rows = []
        for name in names:
            key = name_key(name)
            if key and key not in existing:
                existing.add(key)
                rows.append({"place_id": place_id, "name": name, "key": key})
                self.by_key[key].add(place_id)
        if rows:
            self.conn.execute(insert(PlaceName), rows)

    def add_place(self, values: dict, names: list[str]) -> int:
        place_id = self.conn.execute(insert(Place).values(**values).returning(Place.id)).scalar_one()
        self._remember(
            _Entry(
                place_id, values["name"], values.get("admin_level"), values.get("pcode"), values.get("parent_id"),
                values.get("country"), values.get("lat"), values.get("lon"), values.get("verified", True),
                values["origin"], None,
            )
        )  # fmt: skip
        self.add_names(place_id, [values["name"], *names])
        return place_id

    def resolve_or_add(self, ref: PlaceRef, import_id: int | None, origin: str = "row") -> tuple[int, bool]:
        """(place id, added?) — adds an unverified place when nothing matches."""
        found = self.resolve(ref)
        if found is not None:
            return found, False
        parent = None
        areas = ((3, ref.admin3, None), (2, ref.admin2, ref.admin2_pcode), (1, ref.admin1, ref.admin1_pcode))
        for level, name, pcode in areas:
            if name or pcode:
                parent = self.resolve(
                    PlaceRef(name=name or "", pcode=pcode, country=ref.country, admin_level=level)
                )
                if parent is not None:
                    break
        if parent is None and ref.country:
            parent = self.by_pcode.get(ref.country.upper())
        country = ref.country or (self.entries[parent].country if parent else None)
        values = {
            "name": ref.name.strip(), "admin_level": ref.admin_level, "pcode": ref.pcode or None,
            "parent_id": parent, "country": country, "lat": ref.lat, "lon": ref.lon,
            "verified": False, "origin": origin, "created_import_id": import_id,
        }  # fmt: skip
        return self.add_place(values, []), True


def upsert_places(
    conn: Connection, records: list[PlaceRecord], origin: str, import_id: int | None
) -> dict[str, int]:
    """Insert or enrich gazetteer places. Returns counts: added, updated, unchanged.

    An existing place keeps its name and parent (curated names such as "Douma" beat the COD's
    "Duma"); it gains the new names, and coordinates, level and p-code where it had none.
    """
    index = PlaceIndex.load(conn)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    pending_parents: list[tuple[int, PlaceRecord]] = []
    ordered = sorted(records, key=lambda r: (r.admin_level is None, r.admin_level or 0))
    for rec in ordered:
        names = [rec.name, *rec.alt_names]
        existing = index.by_pcode.get(rec.pcode.upper()) if rec.pcode else None
        if existing is None and not rec.pcode:
            # Without a p-code only the same name at the same level is the same place: Hodeidah
            # city (no p-code) is not Hodeidah governorate.
            found = index.resolve(PlaceRef(name=rec.name, country=rec.country, admin_level=rec.admin_level))
            if found is not None and index.entries[found].admin_level == rec.admin_level:
                existing = found
        if existing is None:
            place_id = index.add_place(
                {
                    "name": rec.name, "admin_level": rec.admin_level, "place_type": rec.place_type,
                    "pcode": rec.pcode, "country": rec.country, "lat": rec.lat, "lon": rec.lon,
                    "verified": True, "origin": origin, "created_import_id": import_id,
                },
                list(rec.alt_names),
            )  # fmt: skip
            counts["added"] += 1
            pending_parents.append((place_id, rec))
            continue
        entry = index.entries[existing]
        changes = {}
        for column, value in (
            ("lat", rec.lat),
            ("lon", rec.lon),
            ("admin_level", rec.admin_level),
            ("country", rec.country),
        ):
            if value is not None and getattr(entry, column) is None:
                changes[column] = value
                setattr(entry, column, value)
        if rec.pcode and not entry.pcode:
            changes["pcode"] = rec.pcode
            entry.pcode = rec.pcode
            index.by_pcode[rec.pcode.upper()] = existing
        if not entry.verified:
            changes["verified"] = True
            entry.verified = True
        before = len(index.keys_of[existing])
        index.add_names(existing, names)
        grew = len(index.keys_of[existing]) > before
        if changes:
            conn.execute(update(Place).where(Place.id == existing).values(**changes))
        counts["updated" if changes or grew else "unchanged"] += 1
        if entry.parent_id is None:
            pending_parents.append((existing, rec))
    for place_id, rec in pending_parents:
        parent = None
        if rec.parent_pcode:
            parent = index.by_pcode.get(rec.parent_pcode.upper())
        if parent is None and rec.parent_name:
            parent = index.resolve(PlaceRef(name=rec.parent_name, country=rec.country))
        if parent is not None and parent != place_id:
            conn.execute(update(Place).where(Place.id == place_id).values(parent_id=parent))
            index.entries[place_id].parent_id = parent
    return counts
