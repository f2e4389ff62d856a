"""Merging a place into another (unverified: editors; verified: admins) and undoing a merge."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from db import curation
from db.auth import Actor, PermissionDenied
from db.curation import CurationError, merge_place, unmerge_place
from db.engine import write_engine
from db.queries import unverified_places
from db.review import edit_fact
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from tests.db.test_rollups import _assert_in_step


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
        merge_place(ghouta, douma, actor=Actor("a", "admin"))  # eastern Ghouta is verified: admins only


# ---- verified places need an admin; a merge can be undone (issue 13, item 9) --------------------

EDITOR_A, ADMIN_A = Actor("amal", "editor"), Actor("root", "admin")


def _tolls(name: str, *places: str | PlaceRef, day: int = 1) -> LoadResult:
    records = [
        FactRecord(
            kind=FactKind.TOLL,
            place=p if isinstance(p, PlaceRef) else PlaceRef(name=p, country="SYR"),
            provenance=Provenance(row=i + 2, method="table"),
            date=DateValue(dt.date(2018, 3, day + i)),
            period_start=dt.date(2018, 3, day + i),
            period_end=dt.date(2018, 3, day + i),
            killed=Quantity(value=i + 1),
            sources=["SOHR"],
        )
        for i, p in enumerate(places)
    ]
    return LoadResult(file=name, format="table-csv", sha256=name * 8, records=records, rows_in=len(records))


def _rows(url: str, sql: str) -> list[tuple]:
    with write_engine(url).connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def _state(url: str) -> dict[str, list[tuple]]:
    """Everything a merge or unmerge may touch."""
    return {
        "facts": _rows(url, "SELECT id, place_id FROM facts ORDER BY id"),
        "places": _rows(url, "SELECT id, parent_id, merged_into_id FROM places ORDER BY id"),
        "names": _rows(url, "SELECT id, place_id, key FROM place_names ORDER BY id"),
        "changes": _rows(url, "SELECT id FROM fact_changes ORDER BY id"),
        "audit": _rows(url, "SELECT id FROM audit_events ORDER BY id"),
        "counts": _rows(
            url, "SELECT place_id, kind, review_status, facts FROM place_counts ORDER BY 1, 2, 3"
        ),
    }


def _at(url: str, place_id: int) -> list[int]:
    return [r[0] for r in _rows(url, f"SELECT id FROM facts WHERE place_id = {place_id} ORDER BY id")]


def test_an_editor_may_not_merge_a_verified_place(store_url: str) -> None:
    write_import(_tolls("w1", "Madaya", "Rukban"), actor=EDITOR_A)
    madaya, rukban = _place_id(store_url, "name = 'Madaya'"), _place_id(store_url, "name = 'Rukban'")
    before = _state(store_url)
    with pytest.raises(
        PermissionDenied, match=r"editor 'amal' may not merge or unmerge verified .* admin role"
    ):
        merge_place(madaya, rukban, actor=EDITOR_A)
    assert _state(store_url) == before  # nothing moved, no audit line
    assert merge_place(madaya, rukban, actor=ADMIN_A) == 1


def test_unmerge_restores_facts_children_aliases_and_rollups(store_url: str) -> None:
    child = PlaceRef(name="Baqqin Spring", admin2="Madaya", country="SYR")  # added under Madaya
    write_import(_tolls("w1", "Madaya", "Madaya", "Rukban", child), actor=EDITOR_A)
    madaya, rukban = _place_id(store_url, "name = 'Madaya'"), _place_id(store_url, "name = 'Rukban'")
    spring = _place_id(store_url, "name = 'Baqqin Spring'")
    assert _rows(store_url, f"SELECT parent_id FROM places WHERE id = {spring}") == [(madaya,)]
    before = _state(store_url)
    at_madaya, at_rukban = _at(store_url, madaya), _at(store_url, rukban)

    # The attack of the issue: Madaya merged into Rukban, and later Madaya imports land at Rukban.
    assert merge_place(madaya, rukban, actor=ADMIN_A) == 2
    assert _rows(store_url, f"SELECT parent_id FROM places WHERE id = {spring}") == [(rukban,)]
    write_import(_tolls("w2", "Madaya", day=10), actor=EDITOR_A)
    later = max(r[0] for r in _rows(store_url, "SELECT id FROM facts"))
    assert later in _at(store_url, rukban)
    # Someone moves one of the merged facts by hand: that decision survives the unmerge.
    moved_by_hand = at_madaya[0]
    edit_fact(moved_by_hand, {"place_text": "Douma"}, actor=EDITOR_A)
    douma = _place_id(store_url, "pcode = 'C2338'")

    with pytest.raises(PermissionDenied, match="editor 'amal' may not merge or unmerge verified"):
        unmerge_place(madaya, actor=EDITOR_A)
    done = unmerge_place(madaya, actor=ADMIN_A)
    assert (done.facts_back, done.imported_back, done.stayed, done.children, done.aliases) == (1, 1, 1, 1, 1)
    assert "1 fact(s) were moved to another place since the merge and stay there" in done.describe()

    assert _at(store_url, madaya) == [*at_madaya[1:], later]
    assert _at(store_url, rukban) == at_rukban
    assert moved_by_hand in _at(store_url, douma)
    after = _state(store_url)
    assert after["places"] == before["places"]  # parent link back, merged_into_id cleared
    assert after["names"] == before["names"]  # the alias "Madaya" on Rukban is gone
    _assert_in_step(store_url, "unmerge")
    actions = _rows(
        store_url, "SELECT action, changed_by FROM fact_changes WHERE action LIKE 'place_%' ORDER BY id"
    )
    assert actions[-2:] == [("place_unmerge", "root")] * 2
    audit = _rows(store_url, "SELECT action, user_name, target FROM audit_events ORDER BY id DESC")[0]
    assert audit == ("unmerge", "root", f"place {madaya} from {rukban}")

    # The next file naming Madaya lands at Madaya, and adds no place.
    summary = write_import(_tolls("w3", "Madaya", day=20), actor=EDITOR_A)
    assert summary.places_added == 0
    assert max(r[0] for r in _rows(store_url, "SELECT id FROM facts")) in _at(store_url, madaya)
    with pytest.raises(CurationError, match="is not merged; nothing to undo"):
        unmerge_place(madaya, actor=ADMIN_A)


def test_merged_again_then_unmerged_and_chains_in_order(store_url: str) -> None:
    write_import(_result("first", "Dooma"), actor=EDITOR_A)
    dooma = int(unverified_places(store_url)["id"][0])
    douma = _place_id(store_url, "pcode = 'C2338'")
    harasta = _place_id(store_url, "name = 'Harasta'")
    fact = _at(store_url, dooma)
    for _ in range(2):  # an editor may merge and unmerge an unverified place, repeatedly
        merge_place(dooma, douma, actor=EDITOR_A)
        assert _at(store_url, dooma) == []
        assert unmerge_place(dooma, actor=EDITOR_A).facts_back == 1
        assert _at(store_url, dooma) == fact
    merge_place(dooma, douma, actor=EDITOR_A)
    with pytest.raises(CurationError, match=r"was already merged .* places unmerge"):
        merge_place(dooma, harasta, actor=EDITOR_A)
    with pytest.raises(CurationError, match=r"was itself merged .* merge into that place instead"):
        merge_place(harasta, dooma, actor=ADMIN_A)
    merge_place(douma, harasta, actor=ADMIN_A)
    assert fact[0] in _at(store_url, harasta)
    with pytest.raises(CurationError, match="undo that first: python -m cli places unmerge"):
        unmerge_place(dooma, actor=EDITOR_A)
    unmerge_place(douma, actor=ADMIN_A)
    unmerge_place(dooma, actor=EDITOR_A)
    assert _at(store_url, dooma) == fact
    _assert_in_step(store_url, "chained unmerges")


def test_unmerge_of_a_merge_recorded_before_unmerge_existed(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Merges audited before this change name neither children nor aliases: the alias is found by
    its key, the facts from fact_changes, and the message says the children are unknown."""
    write_import(_result("first", "Dooma"), actor=EDITOR_A)
    dooma = int(unverified_places(store_url)["id"][0])
    douma = _place_id(store_url, "pcode = 'C2338'")
    names = _state(store_url)["names"]
    real_audit = curation.audit

    def old_audit(conn, actor, action, target=None, details=None):  # type: ignore[no-untyped-def]
        old = {k: v for k, v in (details or {}).items() if k in ("from", "into", "facts_moved")}
        real_audit(conn, actor, action, target, old)

    monkeypatch.setattr(curation, "audit", old_audit)
    merge_place(dooma, douma, actor=EDITOR_A)
    monkeypatch.undo()
    done = unmerge_place(dooma, actor=EDITOR_A)
    assert (done.facts_back, done.aliases, done.recorded) == (1, 1, False)
    assert "child places are unknown" in done.describe()
    assert _state(store_url)["names"] == names


def test_data_version_moves_on_every_merge_and_unmerge(store_url: str) -> None:
    """The dashboard's cache token: merging a place whose facts were moved away by hand, then
    undoing it, leaves every count as it was before; the token must still move each time."""
    from db.queries import data_version

    write_import(_result("first", "Dooma"), actor=Actor("a", "editor"))
    source = int(unverified_places(store_url)["id"][0])
    douma = _place_id(store_url, "pcode = 'C2338'")
    with write_engine(store_url).connect() as conn:
        fact = conn.execute(text("SELECT id FROM facts")).scalar_one()
    edit_fact(fact, {"place_text": "Douma"}, actor=EDITOR_A)
    seen = [data_version(store_url)]
    merge_place(source, douma, actor=EDITOR_A)
    seen.append(data_version(store_url))
    unmerge_place(source, actor=EDITOR_A)
    seen.append(data_version(store_url))
    assert len(set(seen)) == len(seen), seen
