"""Rules for compound source titles, trucks lost from a convoy, parts of a convoy and plural convoy
mentions. Every sentence here is written for the test."""

from __future__ import annotations

from typing import Any

from tests.loaders.reports.conftest import facts_of


def _kind(facts: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [f for f in facts if f["kind"] == kind]


def _toll_sources(text: str) -> list[str]:
    tolls = _kind(facts_of(text, publisher="Relief Wire news"), "civilian_toll")
    assert len(tolls) == 1, tolls
    return tolls[0]["sources"]


def test_modifiers_stay_with_a_generic_source() -> None:
    assert _toll_sources("The interim authorities said 14 civilians were killed in Qarya on Monday.") == [
        "interim authorities"
    ]
    assert _toll_sources("Local council officials said 6 civilians were killed in Qarya on Monday.") == [
        "Local council officials"
    ]


def test_the_state_ministry_takes_the_state_named_before() -> None:
    text = (
        "In Kassala state, a market in Wad Sharifey was shelled on Monday; the state Ministry of Health "
        "reported 12 people killed."
    )
    assert _toll_sources(text) == ["Kassala state Ministry of Health"]


def test_the_camps_room_takes_the_camps_name() -> None:
    text = "Shelling on Kalma camp killed 9 civilians on Monday, according to the camp's Emergency Response Room."
    assert _toll_sources(text) == ["Kalma Emergency Response Room"]


def test_a_named_city_council_is_kept_as_written() -> None:
    assert _toll_sources("Kramatorsk city council said 8 civilians were killed on Monday.") == [
        "Kramatorsk city council"
    ]


def test_possessive_and_office_in_place_are_normalised() -> None:
    assert _toll_sources("The health office in Ibb reports that 5 civilians were killed on Monday.") == [
        "Ibb health office"
    ]
    assert _toll_sources("Kherson's governor said 3 civilians were killed on Monday.") == ["Kherson governor"]


def test_a_bracketed_source_on_a_tally_line() -> None:
    text = "Casualties Pokrovsk 1-5 Mar (regional military admin): 4 civilians killed, 9 injured."
    assert _toll_sources(text) == ["regional military admin"]


def test_trucks_lost_from_a_convoy_are_not_a_convoy() -> None:
    text = (
        "On Monday a convoy of 12 WFP trucks was ambushed on the road to Kismayo. Four trucks were set "
        "alight and their cargo lost."
    )
    convoys = _kind(facts_of(text), "convoy")
    assert [(c["trucks"], c["outcome"]) for c in convoys] == [(12, "attacked")]


def test_trucks_seized_from_a_convoy_join_it() -> None:
    text = (
        "Gunmen seized three trucks from a UNICEF convoy in Kismayo yesterday. The convoy of nine trucks "
        "was carrying vaccines."
    )
    convoys = _kind(facts_of(text), "convoy")
    assert len(convoys) == 1, convoys
    assert convoys[0]["trucks"] == 9
    assert convoys[0]["organisations"] == ["UNICEF"]
    assert convoys[0]["outcome"] == "attacked"


def test_it_included_inherits_the_outcome_and_day() -> None:
    text = "A convoy of 80 trucks reached Kaya on 3 March. It included 15 UNICEF trucks with water supplies."
    convoys = {c["trucks"]: c for c in _kind(facts_of(text), "convoy")}
    assert set(convoys) == {80, 15}
    assert convoys[15]["outcome"] == "delivered"
    assert convoys[15]["date"] == "2024-03-03"
    assert convoys[15]["location"] == "Kaya"


def test_a_plural_mention_gives_its_operators_to_the_counted_convoys() -> None:
    text = (
        "On Monday, joint convoys organized by the United Nations and the Syrian Arab Red Crescent reached "
        "Madaya. Into Madaya went 30 trucks with food."
    )
    convoys = _kind(facts_of(text), "convoy")
    assert len(convoys) == 1, convoys
    assert convoys[0]["trucks"] == 30
    assert convoys[0]["outcome"] == "delivered"
    assert set(convoys[0]["organisations"]) == {"UN", "SARC"}
