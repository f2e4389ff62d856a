"""The one write path: atomic, idempotent, updates and retractions, unverified places."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import db.writer as writer
from db.auth import Actor
from db.engine import write_engine
from db.models import Fact, FactChange, FactOrganisation, Import, ImportIssue, Organisation, Place
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from loaders.registry import load_file

TABLES = Path(__file__).resolve().parents[1] / "fixtures" / "inputs" / "tables"


def _count(url: str, model: type) -> int:
    with write_engine(url).connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def _snapshot(url: str) -> dict[str, int]:
    return {
        m.__tablename__: _count(url, m)
        for m in (Import, ImportIssue, Fact, FactOrganisation, Place, Organisation)
    }


def _toll(ext: str, killed: int, day: int, place: str = "Douma") -> FactRecord:
    return FactRecord(
        kind=FactKind.TOLL,
        place=PlaceRef(name=place, country="SYR"),
        provenance=Provenance(row=day, method="acled"),
        date=DateValue(dt.date(2018, 3, day)),
        period_start=dt.date(2018, 3, day),
        period_end=dt.date(2018, 3, day),
        killed=Quantity(value=killed),
        sources=["ACLED"],
        external_id=f"acled:{ext}",
    )


def _result(name: str, records: list[FactRecord], **meta: object) -> LoadResult:
    result = LoadResult(file=name, format="acled", sha256=name * 4, records=records, rows_in=len(records))
    result.meta.update(meta)
    return result


def test_table_import_counts_and_provenance(store_url: str) -> None:
    summary = write_import(load_file(TABLES / "convoys_semicolon_dmy.csv"), actor=Actor("tester", "editor"))
    assert (summary.status, summary.rows_in, summary.added, summary.rejected) == ("imported", 5, 3, 2)
    with write_engine(store_url).connect() as conn:
        row = conn.execute(
            text(
                "SELECT f.trucks, f.people_served, f.people_served_qualifier, f.outcome, f.source_row, f.method, "
                "f.review_status, f.reviewed_by, p.name, i.file_name FROM facts f JOIN places p ON p.id = f.place_id "
                "JOIN imports i ON i.id = f.import_id WHERE f.event_ref = 'C-0309'"
            )
        ).one()
        orgs = conn.execute(
            text(
                "SELECT o.short_name FROM fact_organisations fo JOIN organisations o ON o.id = fo.organisation_id "
                "JOIN facts f ON f.id = fo.fact_id WHERE f.event_ref = 'C-0309' ORDER BY 1"
            )
        ).scalars()
        issues = conn.execute(text('SELECT row, "column" FROM import_issues ORDER BY row')).all()
    assert tuple(row) == (13, 12000, "about", "attacked", 3, "table", "confirmed", "import:tester", "Douma",
                          "convoys_semicolon_dmy.csv")  # fmt: skip
    assert list(orgs) == ["ICRC", "SARC"]
    assert issues == [(6, "trucks"), (7, "outcome")]


def test_same_file_twice_adds_nothing(store_url: str, tmp_path: Path) -> None:
    first = write_import(load_file(TABLES / "convoys_semicolon_dmy.csv"), actor=Actor("a", "editor"))
    before = _snapshot(store_url)
    second = write_import(load_file(TABLES / "convoys_semicolon_dmy.csv"), actor=Actor("b", "editor"))
    assert second.status == "already imported" and second.import_id == first.import_id
    assert second.added == 0 and second.duplicate == 3
    assert _snapshot(store_url) == before
    # The same rows in a re-saved file (other name, other order): a new import, every row a duplicate.
    lines = (TABLES / "convoys_semicolon_dmy.csv").read_text(encoding="utf-8").splitlines()
    resaved = tmp_path / "resaved.csv"
    resaved.write_text("\n".join(lines[:2] + list(reversed(lines[2:]))) + "\n", encoding="utf-8")
    third = write_import(load_file(resaved), actor=Actor("c", "editor"))
    assert (third.status, third.added, third.duplicate, third.rejected) == ("imported", 0, 3, 2)
    assert _count(store_url, Fact) == 3


def test_failed_import_leaves_store_exactly_as_it_was(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_import(load_file(TABLES / "besieged_utf16.csv"), actor=Actor("a", "editor"))
    before = _snapshot(store_url)

    def explode(*_args: object, **_kw: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(writer, "_write_issues", explode)  # after facts and places were written
    with pytest.raises(RuntimeError, match="disk full"):
        write_import(load_file(TABLES / "convoys_semicolon_dmy.csv"), actor=Actor("a", "editor"))
    assert _snapshot(store_url) == before


def test_acled_style_update_and_retraction(store_url: str) -> None:
    write_import(
        _result("v1", [_toll("1", 3, 1), _toll("2", 5, 2), _toll("3", 7, 3)]), actor=Actor("a", "editor")
    )
    edited = _result(
        "v2", [_toll("1", 3, 1), _toll("2", 6, 2)], dataset="acled", countries=["SYR"],
        date_min=dt.date(2018, 3, 1), date_max=dt.date(2018, 3, 31),
    )  # fmt: skip
    summary = write_import(edited, actor=Actor("b", "editor"), retract_missing=True)
    assert (summary.added, summary.updated, summary.duplicate, summary.retracted) == (0, 1, 1, 1)
    with write_engine(store_url).connect() as conn:
        facts = dict(conn.execute(select(Fact.external_id, Fact.killed)).all())
        retracted = conn.execute(select(Fact.external_id).where(Fact.retracted.is_(True))).scalars().all()
        change = conn.execute(
            select(FactChange.action, FactChange.before, FactChange.after).where(
                FactChange.action == "update"
            )
        ).one()
    assert facts == {"acled:1": 3, "acled:2": 6, "acled:3": 7}
    assert retracted == ["acled:3"]
    assert change.before["killed"] == 5 and change.after["killed"] == 6


def test_unknown_place_added_unverified_under_its_admin_area(store_url: str) -> None:
    record = _toll("9", 2, 4, place="Beit Nayem")
    record.place = PlaceRef(name="Beit Nayem", admin1="Rural Damascus", country="SYR", lat=33.52, lon=36.42)
    summary = write_import(_result("unknown-place", [record]), actor=Actor("a", "editor"))
    assert summary.added == 1 and summary.places_added == 1
    with write_engine(store_url).connect() as conn:
        place = conn.execute(
            text(
                "SELECT p.verified, p.origin, p.lat, q.pcode FROM places p JOIN places q ON q.id = p.parent_id WHERE p.name = 'Beit Nayem'"
            )
        ).one()
    assert tuple(place) == (0, "row", 33.52, "SY03")


def test_known_place_resolved_through_aliases(store_url: str) -> None:
    summary = write_import(load_file(TABLES / "tolls_cp1256_tab.csv"), actor=Actor("a", "editor"))
    assert summary.places_added == 0  # الغوطة الشرقية and دوما are in the built-in gazetteer
    with write_engine(store_url).connect() as conn:
        names = (
            conn.execute(text("SELECT p.name FROM facts f JOIN places p ON p.id = f.place_id ORDER BY f.id"))
            .scalars()
            .all()
        )
    assert [n.lower() for n in names] == ["eastern ghouta", "douma"]


def test_red_crescent_means_sarc_in_syria(store_url: str) -> None:
    record = _toll("r1", 1, 5)
    record.sources = ["Syrian Arab Red Crescent", "Red Cross"]
    write_import(_result("orgs", [record]), actor=Actor("a", "editor"))
    with write_engine(store_url).connect() as conn:
        names = (
            conn.execute(
                text(
                    "SELECT o.short_name FROM fact_organisations fo JOIN organisations o ON o.id = fo.organisation_id ORDER BY 1"
                )
            )
            .scalars()
            .all()
        )
    assert names == ["ICRC", "SARC"]
