"""Rules added so the extractor reads reports from other conflicts and in other styles: GeoNames
places, field-note shorthand, dates in words and DD/MM, label lines, shared verbs, mixed tolls,
default sources, broader convoy outcomes. Every sentence here is written for the test."""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.reports.dates import find_dates
from loaders.reports.geonames import find_runs, lowercase_vocabulary

PUB = dt.date(2024, 3, 6)  # a Wednesday


def _one(facts, kind):
    found = [f for f in facts if f["kind"] == kind]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    ("text", "first", "since"),
    [
        ("On the twenty-third of February the market was hit", dt.date(2024, 2, 23), False),
        ("Sat 02/03 ~10h: shelling", dt.date(2024, 3, 2), False),
        ("closed since 28/02, no access", dt.date(2024, 2, 28), True),
        ("NOTE 05/03/24 internal", dt.date(2024, 3, 5), False),
        ("it was handed out the day before yesterday", dt.date(2024, 3, 4), False),
        ("no trucks since the start of the month", dt.date(2024, 3, 1), True),
    ],
)
def test_dates_in_words_and_day_month(text: str, first: dt.date, since: bool) -> None:
    dates = [d for d in find_dates(text, PUB) if d.first]
    assert [d.first for d in dates] == [first]
    assert dates[0].since is since


def test_a_bare_fraction_is_not_a_date() -> None:
    assert find_dates("about 3/4 of the stock was lost", PUB) == []


def test_geonames_finds_a_town_the_gazetteer_lacks(extract) -> None:
    toll = _one(
        extract("Shelling hit Sittwe on Monday, killing 4 civilians and injuring 9."), "civilian_toll"
    )
    assert (toll["location"], toll["killed"], toll["injured"]) == ("Sittwe", 4, 9)
    assert "GeoNames" in toll["notes"]


def test_geonames_record_carries_country_and_coordinates() -> None:
    from loaders.reports.extract import extract_text
    from loaders.reports.schema import to_record

    text = "Shelling hit Sittwe on Monday, killing 4 civilians."
    drafts = extract_text(text, 0, PUB).drafts
    rec = to_record(drafts[0], text, PUB, None)
    assert rec.place.country == "MMR"
    assert rec.place.lat is not None and 19 < rec.place.lat < 21


def test_geonames_guards_people_and_common_words() -> None:
    text = "Martin Griffiths said Most people left. Police reported calm in Bunia."
    names = [m.text for m in find_runs(text, [], lowercase_vocabulary(text))]
    assert names == ["Bunia"]


def test_label_lines_are_one_fact_each(extract) -> None:
    text = (
        "Casualties by region, February 2024\n"
        "  Mykolaiv region: 4 killed, 9 injured\n"
        "  Odesa region: 2 killed, 3 injured\n"
    )
    tolls = [f for f in extract(text) if f["kind"] == "civilian_toll"]
    assert [(t["killed"], t["injured"]) for t in tolls] == [(4, 9), (2, 3)]


def test_a_verb_after_a_list_belongs_to_each_count(extract) -> None:
    toll = _one(
        extract("In Kassala on Monday, twelve civilians and three soldiers were killed."), "civilian_toll"
    )
    assert toll["killed"] == 12


def test_the_civilian_part_of_a_mixed_toll(extract) -> None:
    text = "Officials in Baidoa reported 20 dead on Tuesday, 15 of them soldiers and 5 civilians."
    assert _one(extract(text), "civilian_toll")["killed"] == 5


def test_in_the_country_is_a_country_wide_toll(extract) -> None:
    text = "Mali has seen heavy fighting. Since January the monitors recorded 40 civilians killed in the country."
    assert _one(extract(text), "civilian_toll")["location"] == "Mali"


def test_field_note_shorthand(extract) -> None:
    text = "- Sat 02/03: 2 shells hit Bunia market. 3 pax killed incl 1 chn, 7 inj."
    toll = _one(extract(text), "civilian_toll")
    assert (toll["killed"], toll["injured"], toll["period_start"]) == (3, 7, "2024-03-02")


def test_an_estimated_is_not_a_speaker_and_the_publisher_is_the_default_source(extract) -> None:
    text = "Kassala, where an estimated 9,000 people live, has been besieged since January."
    fact = _one(extract(text, publisher="access working group"), "besieged_population")
    assert fact["sources"] == ["access working group"]
    assert _one(extract(text, publisher="wire agency"), "besieged_population")["sources"] == []


def test_the_speaker_after_a_date_phrase(extract) -> None:
    text = "In February 2024 the monitoring mission recorded 31 civilians killed in Kharkiv."
    assert _one(extract(text), "civilian_toll")["sources"] == ["monitoring mission"]


def test_expected_to_arrive_is_not_delivered(extract) -> None:
    convoy = _one(
        extract("A convoy of 9 trucks left Kassala on Monday and is expected to arrive in Gedaref."), "convoy"
    )
    assert "delivered" not in convoy["outcome_tags"]


def test_a_convoy_stripped_of_its_cargo_was_attacked(extract) -> None:
    text = "On Monday, 11 UNICEF trucks bound for Malakal were stripped of their cargo by armed men."
    assert _one(extract(text), "convoy")["outcome"] == "attacked"


def test_a_movement_dated_after_publication_is_planned(extract) -> None:
    convoy = _one(extract("- 7 WFP trks re-routed to Bunia, dep. Fri 08/03."), "convoy")
    assert (convoy["outcome"], convoy["date"]) == ("planned", "2024-03-08")


def test_no_convoy_reached_is_not_a_convoy(extract) -> None:
    assert extract("No humanitarian convoy reached Malakal during February.") == []


def test_an_aircraft_dropping_aid_is_an_airdrop(extract) -> None:
    convoy = _one(extract("On Sunday a cargo plane dropped 18 pallets of food over Malakal."), "convoy")
    assert (convoy["mode"], convoy["date"]) == ("airdrop", "2024-03-03")


def test_an_agency_distributing_food_is_a_distribution(extract) -> None:
    convoy = _one(extract("In February, WFP distributed food to 12,000 people in Baidoa."), "convoy")
    assert (convoy["people_served"], convoy["mode"], convoy["aggregate"]) == (12000, "distribution", True)


def test_trucks_since_a_date_are_a_running_total(extract) -> None:
    convoy = _one(extract("Since 1 February, 300 trucks have crossed at Kassala."), "convoy")
    assert (convoy["aggregate"], convoy["period_start"], convoy["period_end"]) == (
        True,
        "2024-02-01",
        "2024-03-06",
    )


def test_where_a_convoy_was_held_is_not_its_destination(extract) -> None:
    text = (
        "No aid reached Malakal in January. On 2 March, a convoy of 8 trucks finally arrived, "
        "after being held for five days at Renk."
    )
    convoy = _one(extract(text), "convoy")
    assert convoy["location"] == "Malakal"
    assert "Renk" in convoy["location_parts"]


def test_a_second_convoy_goes_where_the_first_went(extract) -> None:
    text = (
        "A convoy of 10 trucks reached Malakal on Monday. The town has had no food for weeks. "
        "Prices doubled in February. A second convoy of 12 trucks is being loaded in Renk."
    )
    convoys = [f for f in extract(text) if f["kind"] == "convoy"]
    assert [(c["trucks"], c["location"], c["origin"]) for c in convoys] == [
        (10, "Malakal", None),
        (12, "Malakal", "Renk"),
    ]


def test_the_remaining_trucks_are_part_of_the_convoy(extract) -> None:
    text = (
        "On Monday a convoy of 20 trucks bound for Malakal was ambushed. "
        "The remaining 16 trucks reached Malakal the same evening."
    )
    convoy = _one(extract(text), "convoy")
    assert convoy["trucks"] == 20
    assert "partially_delivered" in convoy["outcome_tags"]


def test_a_name_with_its_type_word_is_a_place(extract) -> None:
    toll = _one(extract("On Monday shelling on Abu Hamra camp killed 6 civilians."), "civilian_toll")
    assert toll["location"] == "Abu Hamra camp"


def test_a_bare_count_of_besieged_people(extract) -> None:
    text = "The UN says 90,000 people are trapped across the region; about 30,000 are besieged in Djibo."
    fact = [f for f in extract(text) if f["kind"] == "besieged_population" and f["population"] == 30000]
    assert fact and fact[0]["location"] == "Djibo"


def test_under_a_blockade_marks_a_besieged_place(extract) -> None:
    text = "The town of Djibo has been under a blockade since 2022. Some 200,000 people remain in the town."
    fact = _one(extract(text), "besieged_population")
    assert (fact["location"], fact["population"], fact["status"]) == ("Djibo", 200000, "besieged")
