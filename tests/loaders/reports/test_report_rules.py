"""The extraction rules, each on sentences written for the test (published Wednesday 6 March 2024)."""

from __future__ import annotations

import pytest

from tests.loaders.reports.conftest import facts_of


def only(facts: list[dict], kind: str) -> list[dict]:
    return [f for f in facts if f["kind"] == kind]


# --------------------------------------------------------------------------- civilian tolls


def test_toll_killed_and_wounded_in_one_sentence() -> None:
    (t,) = facts_of(
        "Air strikes hit the market in Saraqeb on Monday, killing 14 civilians and wounding 30, residents said."
    )
    assert (t["kind"], t["location"], t["killed"], t["injured"]) == ("civilian_toll", "Saraqeb", 14, 30)
    assert (t["period_start"], t["period_end"]) == ("2024-03-04", "2024-03-04")
    assert t["sources"] == ["residents"]
    assert t["evidence"]["text"].startswith("Air strikes hit")


def test_toll_range_qualifier_and_breakdown() -> None:
    (t,) = facts_of(
        "Medical sources said between 40 and 55 civilians were killed in Harasta last week, at least 12 of them "
        "children, and that several hundred people were wounded."
    )
    assert (t["killed"], t["killed_low"], t["killed_high"]) == (None, 40, 55)
    assert (t["injured"], t["injured_qualifier"], t["injured_text"]) == (None, "vague", "several hundred")
    assert (t["period_start"], t["period_end"]) == ("2024-02-26", "2024-03-03")
    assert t["approximate"] is True and t["sources"] == ["medical sources"]


def test_breakdown_lists_are_not_tolls() -> None:
    facts = facts_of(
        "The UN said 61 civilians were killed in Idlib in February, including 20 women, 9 boys and 11 girls."
    )
    assert [(f["killed"], f["period_start"]) for f in facts] == [(61, "2024-02-01")]


@pytest.mark.parametrize(
    "sentence",
    [
        "Clashes near Taftanaz killed 23 soldiers and 40 fighters on Monday.",
        "Turkey said five of its soldiers were killed and five wounded near Taftanaz.",
        "At least 90 people, including 70 militants, were killed in Taftanaz on Monday.",
        "Dozens of people were killed or wounded in Taftanaz on Monday.",
        "Eight children have died of malnutrition in Taftanaz since January.",
    ],
)
def test_not_civilian_tolls(sentence: str) -> None:
    assert only(facts_of(sentence), "civilian_toll") == []


def test_only_the_civilians_among_the_dead() -> None:
    (t,) = facts_of(
        "Officials said 60 people were killed in Hodeidah, including 45 Houthi fighters; a doctor said nine of the dead were civilians."
    )
    assert t["killed"] == 9


def test_updated_death_toll() -> None:
    (t,) = facts_of(
        "The death toll from Tuesday's strike on the bakery in Khan Younis rose to 31 on Wednesday, the health ministry said."
    )
    assert (t["killed"], t["location"], t["period_start"]) == (31, "Khan Younis", "2024-03-05")
    assert t["sources"] == ["Gaza MoH"]


def test_toll_place_and_date_from_the_previous_sentence() -> None:
    facts = facts_of(
        "A car bomb exploded at a checkpoint in Azaz on 2 March. The blast killed 19 people, 5 of them children."
    )
    (t,) = facts
    assert (t["location"], t["killed"], t["period_start"]) == ("A'zaz", 19, "2024-03-02")


# --------------------------------------------------------------------------- besieged populations


def test_besieged_population_with_party_and_since() -> None:
    (b,) = facts_of(
        "Some 12,000 people remain trapped in Madaya, which government forces have encircled since July 2023."
    )
    assert (b["kind"], b["location"], b["population"], b["population_qualifier"]) == (
        "besieged_population",
        "Madaya",
        12000,
        "about",
    )
    assert (b["status"], b["besieging_party"], b["siege_since"], b["date"]) == (
        "besieged",
        "government forces",
        "2023-07-01",
        "2024-03-06",
    )


def test_besieged_status_from_elsewhere_in_the_report() -> None:
    text = "Shelling hit the besieged town of Zabadani again. The UN says 9,000 people live in Zabadani."
    (b,) = only(facts_of(text), "besieged_population")
    assert (b["location"], b["population"], b["status"], b["sources"]) == (
        "Zabadani",
        9000,
        "besieged",
        ["UN"],
    )


def test_reference_to_the_town_resolves_to_the_last_town() -> None:
    text = "Rebels have surrounded Foua for two years. An estimated 8,000 civilians are still living in the town."
    (b,) = facts_of(text)
    assert (b["location"], b["population"]) == ("Foah", 8000)


@pytest.mark.parametrize(
    "sentence",
    [
        "About 5,000 people fled the besieged town of Madaya on Tuesday.",
        "In besieged Madaya, 20,000 people need food assistance.",
        "Before the war, 40,000 people lived in besieged Madaya.",
        "Some 3,000 displaced people are sheltering in besieged Madaya.",
        "About 9,000 people live in Saraqeb.",
    ],
)
def test_not_besieged_populations(sentence: str) -> None:
    assert only(facts_of(sentence), "besieged_population") == []


# --------------------------------------------------------------------------- convoys


def test_convoy_fields() -> None:
    (c,) = facts_of(
        "On Monday, a joint UN-SARC convoy of 18 trucks carrying food for some 9,500 people reached Douma (دوما) from Damascus."
    )
    assert (c["location"], c["trucks"], c["people_served"], c["people_served_qualifier"]) == (
        "Douma",
        18,
        9500,
        "about",
    )
    assert (c["organisations"], c["outcome"], c["date"], c["origin"]) == (
        ["UN", "SARC"],
        "delivered",
        "2024-03-04",
        "Damascus",
    )
    assert "eastern Ghouta" in c["location_parts"]


def test_red_cross_and_red_crescent_depend_on_the_country() -> None:
    (syria,) = facts_of("A 6-truck Red Cross and Red Crescent convoy reached Madaya on Monday.")
    assert (syria["trucks"], syria["organisations"]) == (6, ["ICRC", "SARC"])
    (gaza,) = facts_of("A Red Crescent convoy of 9 trucks reached Rafah on Monday.")
    assert gaza["organisations"] == ["PRCS"]


@pytest.mark.parametrize(
    ("sentence", "outcome"),
    [
        ("A WFP convoy of 10 trucks delivered flour to Saqba on Monday.", "delivered"),
        ("A WFP convoy of 10 trucks was only partially offloaded in Saqba on Monday.", "partially_delivered"),
        ("Guards removed medical kits from a WFP convoy of 10 trucks in Saqba on Monday.", "items_removed"),
        ("A WFP convoy of 10 trucks was turned back at a checkpoint outside Saqba on Monday.", "blocked"),
        ("A WFP convoy of 10 trucks was shelled near Saqba on Monday.", "attacked"),
        ("A WFP convoy of 10 trucks heading to Saqba was called off on Monday.", "aborted"),
        ("A WFP convoy of 10 trucks failed to reach Saqba on Monday.", "failed"),
        ("A WFP convoy of 10 trucks to Saqba was postponed on Monday.", "postponed"),
        ("A WFP convoy of 10 trucks is ready to move to Saqba on 9 March, pending approval.", "planned"),
    ],
)
def test_outcomes(sentence: str, outcome: str) -> None:
    (c,) = only(facts_of(sentence), "convoy")
    assert (c["outcome"], c["trucks"], c["location"]) == (outcome, 10, "Saqba")


def test_evacuation_buses_are_not_aid_convoys() -> None:
    text = "A convoy of 40 buses carried evacuees out of Foua on Monday. An evacuation convoy was shelled near Rashidin."
    assert only(facts_of(text), "convoy") == []


def test_one_convoy_mentioned_three_times_is_one_convoy() -> None:
    text = (
        "An aid convoy was shelled in eastern Ghouta on 4 March, a UN official said. "
        "The comments came after a 13-truck Red Cross and Red Crescent convoy delivering aid to the besieged enclave "
        "was put into danger. Officials later said the convoy had left after unloading supplies for 27,500 people in Douma."
    )
    (c,) = only(facts_of(text), "convoy")
    assert (c["trucks"], c["people_served"], c["location"], c["date"]) == (13, 27500, "Douma", "2024-03-04")
    assert c["organisations"] == ["ICRC", "SARC"] and set(c["outcome_tags"]) == {"attacked", "delivered"}


def test_a_second_convoy_is_another_convoy() -> None:
    text = (
        "A convoy of six trucks reached Saqba on Monday. A second convoy of six trucks left Damascus on Tuesday. "
        "It was only partially offloaded."
    )
    first, second = only(facts_of(text), "convoy")
    assert (first["outcome"], first["date"]) == ("delivered", "2024-03-04")
    assert (second["outcome"], second["date"]) == ("partially_delivered", "2024-03-05")


def test_two_convoys_in_one_sentence() -> None:
    text = "On 11 January, a Red Crescent convoy of 21 trucks reached Foua on the same day as 44 trucks entered Madaya."
    a, b = only(facts_of(text), "convoy")
    assert (a["trucks"], a["location"], a["organisations"]) == (21, "Foah", ["SARC"])
    assert (b["trucks"], b["location"], b["organisations"], b["date"]) == (44, "Madaya", [], "2024-01-11")


def test_items_removed_from_two_of_the_trucks_is_not_a_truck_count() -> None:
    text = "A UN convoy of 12 trucks reached Douma on Monday. Guards removed insulin from two of the trucks."
    (c,) = only(facts_of(text), "convoy")
    assert (c["trucks"], c["outcome"]) == (12, "items_removed")


def test_daily_rates_and_needs_are_not_convoys() -> None:
    assert only(facts_of("Partners say 500 truckloads a day are needed in Rafah."), "convoy") == []


def test_reporting_agency_is_a_source_not_the_operator() -> None:
    (c,) = facts_of("UNRWA said 2,300 truckloads entered Rafah during February.")
    assert (c["trucks"], c["organisations"], c["aggregate"]) == (2300, [], True)
    assert (c["period_start"], c["period_end"]) == ("2024-02-01", "2024-02-29")


# --------------------------------------------------------------------------- sources and places


def test_first_person_is_the_publisher_and_it_is_the_last_speaker() -> None:
    text = (
        "We recorded at least 120 civilian deaths in Raqqa in February. "
        "The Syrian Observatory for Human Rights reports a lower toll. It says 95 civilians were killed in Raqqa."
    )
    ours, theirs = facts_of(text, publisher="monitoring group")
    assert (ours["killed"], ours["sources"]) == (120, ["monitoring group"])
    assert (theirs["killed"], theirs["sources"]) == (95, ["SOHR"])


def test_unknown_place_is_kept_as_written_and_flagged() -> None:
    (c,) = facts_of("A WFP convoy of 7 trucks reached Tawila on Monday.")
    assert (c["location"], c["location_parts"]) == ("Tawila", ["Tawila"])
    assert "not in the gazetteer" in c["notes"]


def test_transliteration_and_arabic_names_meet() -> None:
    for name in ("Kafr Batna", "Kfar Batna", "كفر بطنا"):
        (c,) = facts_of(f"A UN convoy of 5 trucks reached {name} on Monday.")
        assert c["location"] == "Kafr Batna", name


def test_dateline_is_not_the_event() -> None:
    (t,) = facts_of(
        "BEIRUT, March 6 (wire) - Shelling killed four civilians in Saraqeb on Monday, activists said."
    )
    assert (t["location"], t["period_start"]) == ("Saraqeb", "2024-03-04")
