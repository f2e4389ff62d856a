"""Merging an unverified place into a known one."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from db.auth import Actor
from db.curation import CurationError, merge_place
from db.engine import write_engine
from db.queries import unverified_places
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity


def _result(name: str, place: str) -> LoadResult:
    record = FactRecord(
        kind=FactKind.TOLL,
        place=PlaceRef(name=place, admin1="Rural Damascus", country="SYR"),
        provenance=Provenance(row=2, method="table"),
        date=DateValue(dt.date(2018, 3, 1)),
        period_start=dt.date(2018, 3, 1),
        period_end=dt.date(2018, 3, 1),
        killed=Quantity(value=4),
        sources=["SOHR"],
    )
    return LoadResult(file=name, format="table-csv", sha256=name * 8, records=[record], rows_in=1)


def _place_id(url: str, where: str) -> int:
    with write_engine(url).connect() as conn:
        return conn.execute(text(f"SELECT id FROM places WHERE {where}")).scalar_one()


def test_merge_moves_facts_and_teaches_the_alias(store_url: str) -> None:
    write_import(_result("first", "Dooma"), actor=Actor("a", "editor"))
    listed = unverified_places(store_url)
    assert list(listed["name"]) == ["Dooma"] and listed["facts"][0] == 1
    source = int(listed["id"][0])
    douma = _place_id(store_url, "pcode = 'C2338'")
    assert merge_place(source, douma, actor=Actor("analyst", "editor")) == 1
    assert unverified_places(store_url).empty
    # The next file naming "Dooma" lands on Douma directly, and adds no new place.
    summary = write_import(_result("second", "Dooma"), actor=Actor("a", "editor"))
    assert summary.places_added == 0
    with write_engine(store_url).connect() as conn:
        places = conn.execute(text("SELECT DISTINCT place_id FROM facts")).scalars().all()
        change = conn.execute(text("SELECT changed_by, action FROM fact_changes")).one()
    assert places == [douma]
    assert tuple(change) == ("analyst", "place_merge")


def test_merge_refuses_nonsense(store_url: str) -> None:
    write_import(_result("first", "Dooma"), actor=Actor("a", "editor"))
    source = int(unverified_places(store_url)["id"][0])
    with pytest.raises(CurationError, match="into itself"):
        merge_place(source, source, actor=Actor("a", "editor"))
    with pytest.raises(CurationError, match="no place with id"):
        merge_place(source, 10**9, actor=Actor("a", "editor"))
    ghouta = _place_id(store_url, "name = 'eastern Ghouta'")
    douma = _place_id(store_url, "pcode = 'C2338'")
    with pytest.raises(CurationError, match="merge the other way round"):
        merge_place(ghouta, douma, actor=Actor("a", "editor"))
