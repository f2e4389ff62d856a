"""Organisation aliases inside the store: "Red Cross" -> ICRC; "Red Crescent" in Syria -> SARC."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, insert, select

from db.models import Organisation, OrganisationAlias
from loaders.normalise.names import name_key
from loaders.records import OrganisationRecord


@dataclass(slots=True)
class OrganisationIndex:
    conn: Connection
    by_key: dict[tuple[str, str | None], int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls, conn: Connection) -> OrganisationIndex:
        index = cls(conn)
        for org_id, short in conn.execute(select(Organisation.id, Organisation.short_name)):
            index.names[org_id] = short
        for org_id, key, country in conn.execute(
            select(OrganisationAlias.organisation_id, OrganisationAlias.key, OrganisationAlias.country)
        ):
            index.by_key[(key, country)] = org_id
        return index

    def resolve(self, name: str, country: str | None = None) -> int | None:
        key = name_key(name)
        if country and (key, country) in self.by_key:
            return self.by_key[(key, country)]
        return self.by_key.get((key, None))

    def resolve_or_add(self, name: str, country: str | None = None) -> int:
        """An unknown name becomes an unverified organisation of its own (shown for merging)."""
        found = self.resolve(name, country)
        if found is not None:
            return found
        clean = " ".join(name.split())[:100]
        org_id = self.conn.execute(
            insert(Organisation)
            .values(short_name=clean, full_name=clean, verified=False)
            .returning(Organisation.id)
        ).scalar_one()
        self.names[org_id] = clean
        self._add_alias(org_id, clean, None)
        return org_id

    def _add_alias(self, org_id: int, alias: str, country: str | None) -> None:
        key = name_key(alias)
        if not key or (key, country) in self.by_key:
            return
        self.conn.execute(
            insert(OrganisationAlias).values(organisation_id=org_id, alias=alias, key=key, country=country)
        )
        self.by_key[(key, country)] = org_id


def upsert_organisations(conn: Connection, records: list[OrganisationRecord]) -> int:
    """Insert built-in organisations and their aliases; existing ones gain missing aliases."""
    index = OrganisationIndex.load(conn)
    by_short = {short: org_id for org_id, short in index.names.items()}
    added = 0
    for rec in records:
        org_id = by_short.get(rec.short_name)
        if org_id is None:
            org_id = conn.execute(
                insert(Organisation)
                .values(short_name=rec.short_name, full_name=rec.full_name, kind=rec.kind, verified=True)
                .returning(Organisation.id)
            ).scalar_one()
            by_short[rec.short_name] = org_id
            index.names[org_id] = rec.short_name
            added += 1
        for alias in (rec.short_name, rec.full_name, *rec.aliases):
            index._add_alias(org_id, alias, None)
        for alias, country in rec.country_aliases:
            index._add_alias(org_id, alias, country)
    return added
