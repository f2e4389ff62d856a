"""The convoy_finals rollup (db.finals) follows every write that can change a convoy's final row:
a later update in another file, a row at another place, a review, an edit of the date or place,
a place merge, a retraction. After each, the stored rollup equals the base-path aggregation, and
the pages' convoy figures read from it equal those computed from the facts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from commands.ingest import DEMO_DIR
from db import convoys, rules
from db.curation import merge_place, unmerge_place
from db.engine import write_engine
from db.finals import refresh_convoys
from db.review import confirm_fact, edit_fact, reject_fact
from db.selection import Selection
from db.writer import write_import
from loaders.records import DateValue, FactKind, FactRecord, LoadResult, PlaceRef, Provenance, Quantity
from loaders.registry import load_file
from tests.conftest import ADMIN, EDITOR, fresh_store_url
from tests.db.test_rollups import _assert_in_step, _assert_pages_equal, _read, _stored

WINDOW = Selection(dt.date(2018, 2, 5), dt.date(2018, 4, 29))


def _convoy(
    ref: str | None, day: int, outcome: str, trucks: int | None = None, *, place: str = "Douma",
    method: str = "table", people: int | None = None,
) -> FactRecord:  # fmt: skip
    return FactRecord(
        kind=FactKind.CONVOY, place=PlaceRef(name=place, country="SYR"), provenance=Provenance(row=day, method=method),
        date=DateValue(dt.date(2018, 3, day)), event_ref=ref, outcome=outcome, trucks=Quantity(value=trucks),
        people_served=Quantity(value=people), organisations=["WFP"],
    )  # fmt: skip


def _file(name: str, records: list[FactRecord]) -> LoadResult:
    return LoadResult(
        file=name, format="table-csv", sha256=name.ljust(64, "0"), records=records, rows_in=len(records)
    )


def _final(store: str, key: str, scope: str = "confirmed") -> tuple:
    rows = _read(
        store,
        f"SELECT outcome, date, trucks FROM convoy_finals WHERE scope = '{scope}' AND convoy_key = '{key}'",
    )
    return rows[0] if rows else ()


def _fact_id(store: str, ref: str, outcome: str) -> int:
    return int(
        _read(store, f"SELECT id FROM facts WHERE event_ref = '{ref}' AND outcome = '{outcome}'")[0][0]
    )


def _check(store: str, step: str) -> None:
    _assert_in_step(store, step)
    _assert_pages_equal(store, step)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return fresh_store_url(tmp_path)


def test_convoy_finals_follow_every_write(url: str) -> None:
    write_import(load_file(DEMO_DIR / "tolls.csv"), actor=EDITOR, url=url)  # the toll rollups too
    write_import(
        _file("tracker-w10.csv", [
            _convoy("C-1", 5, "planned", 20, people=5000), _convoy("C-1", 6, "underway"),
            _convoy("C-2", 7, "blocked", 13, place="Madaya"), _convoy(None, 8, "delivered", 4),
        ]), actor=EDITOR, url=url,
    )  # fmt: skip
    _check(url, "first tracker")
    assert _final(url, "C-1") == ("underway", "2018-03-06", 20)  # trucks carried from the earlier row

    # A later file: C-1 delivered in the next week; C-2 gets through, reported at another place.
    write_import(
        _file("tracker-w11.csv", [_convoy("C-1", 14, "delivered"), _convoy("C-2", 15, "delivered", place="Harasta")]),
        actor=EDITOR, url=url,
    )  # fmt: skip
    _check(url, "later rows in another file")
    assert _final(url, "C-1") == ("delivered", "2018-03-14", 20)
    weekly = rules.weekly_from_counts(convoys.convoy_counts(WINDOW, url), WINDOW.weeks()).set_index("week")
    assert weekly.loc[dt.date(2018, 3, 5), "convoys"] == 1  # only the convoy without a reference
    assert weekly.loc[dt.date(2018, 3, 12), ["convoys", "delivered", "trucks"]].tolist() == [2, 2, 33]
    assert weekly.loc[dt.date(2018, 3, 12), ["trucks_reached", "people_reached"]].tolist() == [33, 5000]

    # A report's convoy row waits for review: it counts only with pending facts included.
    write_import(_file("flash.txt", [_convoy("C-1", 20, "attacked", method="text")]), actor=EDITOR, url=url)
    _check(url, "a pending row")
    assert _final(url, "C-1", "all")[0] == "attacked" and _final(url, "C-1")[0] == "delivered"
    attacked = _fact_id(url, "C-1", "attacked")
    confirm_fact(attacked, actor=EDITOR, url=url)
    _check(url, "the pending row confirmed")
    assert _final(url, "C-1")[:2] == ("attacked", "2018-03-20")
    # Attacked: C-1's 20 trucks and 5,000 people are planned, none reached (db.reach).
    weekly = rules.weekly_from_counts(convoys.convoy_counts(WINDOW, url), WINDOW.weeks()).set_index("week")
    assert weekly.loc[dt.date(2018, 3, 19), ["trucks", "trucks_reached", "people_served", "people_reached"]].tolist() == [
        20, 0, 5000, 0]  # fmt: skip
    reject_fact(attacked, actor=EDITOR, url=url)
    _check(url, "the row rejected")
    assert _final(url, "C-1")[0] == "delivered"

    # Edits: the final row's date moves before an earlier row; a row moves to another place.
    edit_fact(_fact_id(url, "C-1", "delivered"), {"date": "2018-03-02"}, actor=EDITOR, url=url)
    _check(url, "a date edit")
    assert _final(url, "C-1")[:2] == ("underway", "2018-03-06")
    edit_fact(_fact_id(url, "C-2", "delivered"), {"place_text": "Madaya"}, actor=EDITOR, url=url)
    _check(url, "a place edit")

    harasta, madaya = (
        int(_read(url, f"SELECT id FROM places WHERE name = '{n}'")[0][0]) for n in ("Harasta", "Madaya")
    )
    merge_place(madaya, harasta, actor=ADMIN, url=url)  # Madaya is a verified place: admins only
    _check(url, "a place merge")
    assert {
        r[0] for r in _read(url, "SELECT DISTINCT place_id FROM convoy_finals WHERE convoy_key = 'C-2'")
    } == {harasta}
    unmerge_place(madaya, actor=ADMIN, url=url)
    _check(url, "a place unmerge")
    c2_places = _read(url, "SELECT DISTINCT place_id FROM convoy_finals WHERE convoy_key = 'C-2'")
    assert {r[0] for r in c2_places} == {madaya}  # both of C-2's rows were at Madaya before the merge
    merge_place(madaya, harasta, actor=ADMIN, url=url)
    _check(url, "the place merged again")

    # An event dataset re-imported without a convoy's last row retracts that row.
    events = [_convoy("E-1", 21, "delivered", 8), _convoy("E-1", 22, "attacked")]
    for i, record in enumerate(events, start=1):
        record.external_id = f"ocha:{i}"
    write_import(_file("events-v1.csv", events), actor=EDITOR, url=url)
    assert _final(url, "E-1")[0] == "attacked"
    again = _file("events-v2.csv", events[:1])
    again.meta.update(
        dataset="ocha", countries=["SYR"], date_min=dt.date(2018, 3, 1), date_max=dt.date(2018, 3, 31)
    )
    assert write_import(again, actor=EDITOR, url=url, retract_missing=True).retracted == 1
    _check(url, "a retraction")
    assert _final(url, "E-1") == ("delivered", "2018-03-21", 8)

    before = _stored(url)["convoy_finals"]
    with write_engine(url).begin() as conn:
        refresh_convoys(conn, None)
    assert _stored(url)["convoy_finals"] == before
