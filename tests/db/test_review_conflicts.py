"""Two editors saving one fact (issue 13, item 12): a form loaded before someone else's change may
not silently undo it. Each test is the attack (a stale save), then the refusal or the safe result."""

from __future__ import annotations

import threading

import pytest

from db.auth import Actor
from db.review import (
    ReviewConflict,
    ReviewError,
    confirm_fact,
    edit_fact,
    fact_version,
    reject_fact,
    set_review_status,
)
from db.writer import write_import
from tests.db.test_review import _changes, _fact, _sources, report_result

AMIRA, BEN = Actor("Amira", "editor"), Actor("Ben", "editor")


@pytest.fixture
def report(store_url: str) -> str:
    write_import(report_result(), actor=Actor("importer", "editor"))
    return store_url


def _loaded(url: str, kind: str) -> tuple[int, int]:
    """What a form holds when opened: the fact's id and version (read before the values)."""
    fact_id = int(_fact(url, kind)["id"])
    return fact_id, fact_version(fact_id, url)


def test_a_stale_save_of_the_same_field_is_refused(report: str) -> None:
    toll, version = _loaded(report, "civilian_toll")  # both open the fact: killed 25
    assert edit_fact(toll, {"killed": "27"}, expected={"killed": "25"}, version=version, actor=AMIRA) == {
        "killed": 27
    }
    with pytest.raises(
        ReviewConflict,
        match=r"fact #\d+ changed since you opened it, nothing was saved: killed was changed from 25 to 27 "
        r"by Amira at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(your 30 was not saved\)\. Reload the fact",
    ):
        edit_fact(toll, {"killed": "30"}, expected={"killed": "25"}, version=version, actor=BEN)
    assert _fact(report, "civilian_toll")["killed"] == 27
    assert [c[1] for c in _changes(report, toll)] == ["Amira"]  # Ben's save left no trace
    # Without a version the refusal still names the change, from the fact's latest changes.
    with pytest.raises(ReviewConflict, match="killed was changed from 25 to 27 by Amira"):
        edit_fact(toll, {"killed": "30"}, expected={"killed": "25"}, actor=BEN)


def test_a_save_of_another_field_keeps_the_other_change(report: str) -> None:
    toll, version = _loaded(report, "civilian_toll")
    edit_fact(toll, {"killed": "27"}, expected={"killed": "25"}, version=version, actor=AMIRA)
    # Ben's form still shows killed 25, but he changed only injured: only injured is sent and saved.
    changed = edit_fact(toll, {"injured": "3"}, expected={"injured": ""}, version=version, actor=BEN)
    assert changed == {"injured": 3}
    after = _fact(report, "civilian_toll")
    assert (after["killed"], after["injured"]) == (27, 3)
    # The same value someone else already saved is no conflict: nothing to do.
    assert edit_fact(toll, {"killed": "27"}, expected={"killed": "25"}, version=version, actor=BEN) == {}


def test_stale_organisations_are_refused(report: str) -> None:
    toll, version = _loaded(report, "civilian_toll")
    edit_fact(toll, {"sources": "SOHR; SAMS"}, expected={"sources": "SOHR"}, version=version, actor=AMIRA)
    with pytest.raises(ReviewConflict, match="sources was changed from SOHR to SAMS; SOHR by Amira"):
        edit_fact(toll, {"sources": "SOHR; MSF"}, expected={"sources": "SOHR"}, version=version, actor=BEN)
    assert _sources(report, toll) == ["SAMS", "SOHR"]
    # A form showing the same names in another order and spacing is not stale.
    edit_fact(toll, {"sources": "MSF"}, expected={"sources": "SOHR;  SAMS"}, actor=BEN)
    assert _sources(report, toll) == ["MSF"]


def test_confirming_or_rejecting_a_fact_changed_since_it_was_opened_is_refused(report: str) -> None:
    toll, version = _loaded(report, "civilian_toll")
    edit_fact(toll, {"killed": "27"}, expected={"killed": "25"}, version=version, actor=AMIRA)
    # Ben confirms what he saw (25): the store holds 27 now, which he has not seen.
    with pytest.raises(
        ReviewConflict,
        match=r"Amira edited it \(killed\) at .* UTC\. Nothing was done: .* before you confirm it",
    ):
        confirm_fact(toll, version=version, actor=BEN)
    with pytest.raises(ReviewConflict, match="before you reject it"):
        reject_fact(toll, version=version, reason="duplicate", actor=BEN)
    # Save and confirm from the stale form, even of an untouched field: refused whole.
    with pytest.raises(ReviewConflict, match="before you confirm it"):
        edit_fact(toll, {"injured": "3"}, expected={"injured": ""}, version=version, confirm=True, actor=BEN)
    fact = _fact(report, "civilian_toll")
    assert (fact["review_status"], fact["injured"]) == ("pending", None)
    # Reloaded, the confirmation goes through; a second stale confirmation changes nothing.
    assert confirm_fact(toll, version=fact_version(toll, report), actor=BEN) is True
    assert confirm_fact(toll, version=version, actor=AMIRA) is False
    with pytest.raises(ReviewConflict, match="Ben confirmed it at"):
        set_review_status(toll, "pending", version=version, actor=AMIRA)
    assert _fact(report, "civilian_toll")["review_status"] == "confirmed"


def test_every_changed_field_needs_its_loaded_value(report: str) -> None:
    toll, version = _loaded(report, "civilian_toll")
    with pytest.raises(ReviewError, match="injured: no loaded value sent"):
        edit_fact(
            toll, {"killed": "27", "injured": "3"}, expected={"killed": "25"}, version=version, actor=BEN
        )
    assert _changes(report, toll) == []


def test_two_simultaneous_saves_of_one_field_one_wins(report: str) -> None:
    """The check and the write are one transaction, with the fact's row locked on PostgreSQL: two
    saves racing from the same form state cannot both pass the check."""
    toll, version = _loaded(report, "civilian_toll")
    barrier = threading.Barrier(2)
    outcomes: dict[str, object] = {}

    def save(actor: Actor, value: str) -> None:
        barrier.wait()
        try:
            outcomes[actor.name] = edit_fact(
                toll, {"killed": value}, expected={"killed": "25"}, version=version, actor=actor, url=report
            )
        except ReviewConflict as exc:
            outcomes[actor.name] = exc

    threads = [threading.Thread(target=save, args=(a, v)) for a, v in ((AMIRA, "27"), (BEN, "30"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    refused = [name for name, result in outcomes.items() if isinstance(result, ReviewConflict)]
    assert len(refused) == 1, outcomes
    winner = "Ben" if refused == ["Amira"] else "Amira"
    assert _fact(report, "civilian_toll")["killed"] == {"Amira": 27, "Ben": 30}[winner]
    assert [c[1] for c in _changes(report, toll)] == [winner]
