"""The built-in gazetteer and organisation list: integrity, the besieged places, the sample reports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from loaders.gazetteer import (
    GazetteerError,
    builtin_organisations,
    builtin_places,
    read_organisations,
    read_places,
)
from loaders.normalise.names import name_key
from loaders.records import PlaceRecord

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples" / "reports"
ARABIC = re.compile(r"[\u0600-\u06ff]")

# Besieged 2013-2019 (name as reports write it, COD community p-code or None for informal places)
BESIEGED = [
    ("eastern Ghouta", None), ("Douma", "C2338"), ("Harasta", "C2342"), ("Saqba", "C2314"),
    ("Kafr Batna", "C2319"), ("Ein Tarma", "C2315"), ("Hamouria", "C2316"), ("Arbin", "C2321"),
    ("Zamalka", "C2320"), ("Jisrin", "C2317"), ("Misraba", "C2344"), ("Mesraba", "C2344"),
    ("Modira", "C2343"), ("Beit Sawa", "C2318"), ("Otaya", "C2350"), ("Nashabiyeh", "C2355"),
    ("Hazzeh", "C2313"), ("Jobar", "C10011011"), ("Aftris", "C2312"), ("Madaya", "C2450"),
    ("Zabadani", "C2429"), ("Az-Zabdani", "C2429"), ("Bloudan", "C2434"), ("Foah", "C3905"),
    ("Fuaa", "C3905"), ("Foua", "C3905"), ("al-Fu'ah", "C3905"), ("Kefraya", "C3952"),
    ("Kafraya", "C3952"), ("Yarmouk", "C1002"), ("Yarmouk camp", "C1002"), ("Daraya", "C2498"),
    ("Darayya", "C2498"), ("Moadamiyeh", "C2499"), ("Madamiyet Elsham", "C2499"),
    ("Muadamiyat al-Sham", "C2499"), ("al-Waer", None), ("Homs Old City", None), ("Homs city", "C2528"),
    ("Deir ez-Zor city", "C5086"), ("eastern Aleppo", None), ("Aleppo city", "C1007"), ("Rukban", None),
    ("Nubul", "C1655"), ("Zahraa", "C1646"), ("Raqqa city", "C5710"), ("Idlib city", "C3871"),
    ("Idleb", "C3871"), ("Saraqeb", "C3916"), ("Maarat al-Numan", "C3985"), ("Afrin", "C1366"),
    ("Al-Wafideen crossing", None),
]  # fmt: skip
ARABIC_NAMES = {"Douma": "دوما", "Foah": "الفوعة", "Kefraya": "كفريا", "Moadamiyeh": "معضمية الشام"}
# Location parts that describe a spot rather than name a place
NOT_PLACE_NAMES = {"district centre market"}


@pytest.fixture(scope="module")
def places() -> list[PlaceRecord]:
    return builtin_places()


@pytest.fixture(scope="module")
def by_key(places) -> dict[str, list[PlaceRecord]]:
    index: dict[str, list[PlaceRecord]] = {}
    for place in places:
        for name in {place.name, *place.alt_names}:
            index.setdefault(name_key(name), []).append(place)
    return index


def _sample_records() -> list[dict]:
    if not SAMPLES.exists():
        pytest.skip(f"{SAMPLES} not present (shared samples are beside the repository)")
    records = []
    for path in sorted(SAMPLES.glob("*.expected.json")):
        records += json.loads(path.read_text(encoding="utf-8"))
    return records


def test_integrity(places):
    pcodes = [p.pcode for p in places if p.pcode]
    assert len(pcodes) == len(set(pcodes))
    names = {p.name for p in places}
    for place in places:
        if place.place_type != "country":
            assert (place.parent_pcode in pcodes) or (place.parent_name in names), place
        if place.lat is not None:
            assert -90 <= place.lat <= 90 and -180 <= place.lon <= 180
    assert builtin_places() is not places and builtin_places() == places  # cached, handed out as a copy


def test_syria_admin1_has_all_governorates_with_arabic(places):
    adm1 = {p.pcode: p for p in places if p.country == "SYR" and p.admin_level == 1}
    assert sorted(adm1) == [f"SY{n:02d}" for n in range(1, 15)]
    assert all(any(ARABIC.search(a) for a in p.alt_names) for p in adm1.values())
    assert adm1["SY03"].name == "Rural Damascus" and "ريف دمشق" in adm1["SY03"].alt_names
    assert len([p for p in places if p.country == "SYR" and p.admin_level == 2]) == 62


@pytest.mark.parametrize(("name", "pcode"), BESIEGED)
def test_besieged_places_are_present(by_key, name, pcode):
    found = by_key.get(name_key(name), [])
    assert found, f"{name} is not in the gazetteer"
    if pcode:
        assert pcode in {p.pcode for p in found}
    assert all(p.lat is not None for p in found)
    assert any(ARABIC.search(a) for p in found for a in p.alt_names), f"{name} has no Arabic name"


@pytest.mark.parametrize(("name", "arabic"), ARABIC_NAMES.items())
def test_arabic_names_resolve(by_key, name, arabic):
    assert name in {p.name for p in by_key[name_key(arabic)]}


def test_douma_parent_chain(places):
    by_code = {p.pcode: p for p in places if p.pcode}
    by_name = {p.name: p for p in places}
    chain, place = [], by_name["Douma"]
    while place is not None:
        chain.append(place.pcode or place.name)
        place = by_code.get(place.parent_pcode) or by_name.get(place.parent_name)
    assert chain == ["C2338", "eastern Ghouta", "SY03", "SYR"]
    douma = by_name["Douma"]
    assert (douma.lat, douma.lon) == (pytest.approx(33.5699), pytest.approx(36.3991))
    assert {"Duma", "دوما"} <= set(douma.alt_names)


def test_every_sample_place_resolves(by_key):
    missing = set()
    for record in _sample_records():
        names = [record["location"], *record.get("location_parts", [])]
        names += [record["origin"]] if record.get("origin") else []
        for name in names:
            parts = re.split(r",\s*|\s+and\s+", name)  # "Foah and Kafraya", "al-Qarabees, Homs"
            if name in NOT_PLACE_NAMES or name_key(name) in by_key:
                continue
            if len(parts) > 1 and all(name_key(part) in by_key for part in parts):
                continue
            missing.add(name)
    assert not missing


def test_places_without_pcode_have_a_name_of_their_own(places):
    # The store matches a place without p-code by name within its country: a clash would merge
    # two places (the city of Hodeidah into its governorate).
    for place in (p for p in places if not p.pcode):
        key = name_key(place.name)
        for other in places:
            if other is not place and other.country == place.country:
                assert key not in {name_key(n) for n in (other.name, *other.alt_names)}, (
                    place.name,
                    other.name,
                )


def test_non_syrian_places_have_no_invented_pcodes(places):
    for place in places:
        if place.country != "SYR" and place.pcode:
            assert place.place_type == "country" and place.pcode == place.country


# --------------------------------------------------------------------------- organisations


def _resolve(orgs, name: str, country: str | None = None) -> set[str]:
    key = name_key(name)
    local = {
        o.short_name
        for o in orgs
        for alias, iso3 in o.country_aliases
        if (name_key(alias), iso3) == (key, country)
    }
    if local:
        return local
    return {
        o.short_name for o in orgs if key in {name_key(n) for n in (o.short_name, o.full_name, *o.aliases)}
    }


def test_red_crescent_depends_on_country():
    orgs = builtin_organisations()
    for iso3, short in {"SYR": "SARC", "PSE": "PRCS", "SDN": "SRCS", "YEM": "YRCS"}.items():
        assert _resolve(orgs, "Red Crescent", iso3) == {short}
        assert _resolve(orgs, "الهلال الأحمر", iso3) == {short}
    assert _resolve(orgs, "Red Cross") == {"ICRC"}
    assert _resolve(orgs, "White Helmets") == {"SCD"}
    assert _resolve(orgs, "الهلال الأحمر العربي السوري") == {"SARC"}
    assert _resolve(orgs, "UN Human Rights") == {"OHCHR"}


def test_required_organisations_are_present():
    shorts = {o.short_name for o in builtin_organisations()}
    required = (
        "UN OCHA WFP UNICEF UNHCR UNRWA WHO UNFPA IOM ICRC IFRC SARC PRCS MSF SOHR SNHR SAMS SCD HRW NRC IRC"
    )
    assert set(required.split()) <= shorts
    assert {
        "Airwars",
        "Amnesty",
        "Save the Children",
        "Mercy Corps",
        "Oxfam",
        "CARE",
        "OHCHR",
        "Gaza MoH",
        "GMO",
    } <= shorts
    assert {"ACLED", "Insecurity Insight", "AWSD", "VDC"} <= shorts


def test_every_sample_organisation_and_source_resolves():
    orgs = builtin_organisations()
    for record in _sample_records():
        for name in record.get("organisations", []) + (record.get("sources") or []):
            assert len(_resolve(orgs, name)) == 1, name


# --------------------------------------------------------------------------- broken files


GAZ_HEADER = "name,admin_level,place_type,pcode,parent,country,lat,lon,alt_names\n"


def test_broken_gazetteer_lists_every_problem(tmp_path):
    path = tmp_path / "gazetteer.csv"
    path.write_text(
        GAZ_HEADER + "Syria,0,country,SYR,,SYR,35,38.5,\n"
        "Douma,4,community,C2338,Ghouta,SYR,33.57,36.40,Duma\n"
        "Harasta,4,community,C2338,SYR,SYR,95,36.36,\n"
        "Camp,2,village,,SYR,XXX,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(GazetteerError) as exc:
        read_places(path)
    problems = exc.value.problems
    assert "row 3: parent 'Ghouta' of Douma: no place has this p-code or name" in problems
    assert "row 4: p-code C2338 already used on row 3" in problems
    assert any(p.startswith("row 4: lat/lon 95, 36.36 is out of range") for p in problems)
    assert any(p.startswith("row 5: place_type 'village'") for p in problems)
    assert "row 5: country 'XXX' is not an ISO3 code" in problems
    assert "gazetteer.csv has" in str(exc.value)


def test_gazetteer_missing_column(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text("name,pcode\nSyria,SYR\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="missing column"):
        read_places(path)


def test_parent_loop_is_refused(tmp_path):
    path = tmp_path / "g.csv"
    path.write_text(GAZ_HEADER + "A,,area,,B,SYR,,,\nB,,area,,A,SYR,,,\n", encoding="utf-8")
    with pytest.raises(GazetteerError, match="loops back"):
        read_places(path)


def test_broken_organisations(tmp_path):
    path = tmp_path / "orgs.csv"
    path.write_text(
        "short_name,full_name,kind,alias,country\n"
        "SARC,Syrian Arab Red Crescent,rcrc,Red Crescent,SYR\n"
        "PRCS,Palestine Red Crescent Society,rcrc,Red Crescent,PSE\n"
        "X,,,Syrian Red Crescent,\n"
        "Y,Y org,rcrc,Syrian Arab Red Crescent,\n",
        encoding="utf-8",
    )
    with pytest.raises(GazetteerError) as exc:
        read_organisations(path)
    problems = exc.value.problems
    assert len(problems) == 2
    assert problems[0].startswith("row 4: first row of X needs full_name and a kind from ['armed_group'")
    assert problems[1] == "alias 'Syrian Arab Red Crescent' is used by both SARC and Y"
