"""Structural promises of the demo dataset in demo/ (convoys, besieged populations, civilian tolls).

The files are read with the csv module only; the layouts come from loaders/vocab/table_layouts.toml, so a
column added there without being added to the demo makes these tests fail. Importing the files through
the real loaders is tested elsewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
LAYOUTS = tomllib.loads((ROOT / "loaders" / "vocab" / "table_layouts.toml").read_text(encoding="utf-8"))
FILES = {"convoy": "convoys.csv", "besieged_population": "besieged.csv", "civilian_toll": "tolls.csv"}

OUTCOMES = {"planned", "postponed", "underway", "delivered", "partially_delivered", "items_removed",
            "blocked", "attacked", "aborted", "failed"}  # fmt: skip
STATUSES = {"besieged", "hard_to_reach", "trapped", "lifted"}
BOOLS = {"yes", "no"}
VICTIM_GROUPS = {"civilians", "aid_workers"}
# The date a row is about must fall in the demo's span; siege_since may lie earlier (eastern Ghouta: 2013).
EVENT_DATES = {"date", "period_start", "period_end"}
FIRST, LAST = dt.date(2015, 1, 1), dt.date(2018, 12, 31)
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# A whole number or a low-high range, optionally after a qualifier word ("about 400000", "more than 26000").
COUNT = re.compile(r"^(?:(?:about|at least|more than|nearly|up to) )?(\d+)(?:-(\d+))?$")
PROVENANCE = ("documented:", "approximate:", "illustrative:")
EASTERN_GHOUTA = {"eastern Ghouta", "Douma", "Harasta", "Kafr Batna", "Saqba", "Hamouria", "Arbin", "Zamalka",
                  "Nashabiyeh", "Misraba", "Ein Terma", "Jisrein"}  # fmt: skip


def _read(kind: str) -> tuple[list[str], list[dict[str, str]]]:
    with open(DEMO / FILES[kind], encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _columns(kind: str) -> dict[str, dict]:
    return LAYOUTS[kind]["columns"]


def _day(text: str) -> dt.date:
    assert ISO_DATE.match(text), f"{text!r} is not YYYY-MM-DD"
    return dt.date.fromisoformat(text)


@pytest.mark.parametrize("kind", FILES)
def test_header_is_the_canonical_layout(kind: str) -> None:
    header, _ = _read(kind)
    assert header == list(_columns(kind))


@pytest.mark.parametrize("kind", FILES)
def test_file_is_plain_utf8_with_comma_separator(kind: str) -> None:
    raw = (DEMO / FILES[kind]).read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    text = raw.decode("utf-8")
    assert "\r" not in text
    first = text.splitlines()[0]
    assert "," in first and ";" not in first and "\t" not in first


@pytest.mark.parametrize("kind", FILES)
def test_required_columns_and_one_of_groups_are_filled(kind: str) -> None:
    columns = _columns(kind)
    required = [name for name, spec in columns.items() if spec.get("required")]
    groups: dict[str, list[str]] = defaultdict(list)
    for name, spec in columns.items():
        if "one_of" in spec:
            groups[spec["one_of"]].append(name)
    _, rows = _read(kind)
    assert rows
    for number, row in enumerate(rows, start=2):
        assert None not in row, f"{FILES[kind]} row {number} has more cells than the header"
        for name in required:
            assert row[name].strip(), f"{FILES[kind]} row {number}: {name} is empty"
        for names in groups.values():
            assert any(row[n].strip() for n in names), f"{FILES[kind]} row {number}: none of {names} filled"


@pytest.mark.parametrize("kind", FILES)
def test_cells_match_their_column_type(kind: str) -> None:
    columns = _columns(kind)
    _, rows = _read(kind)
    for number, row in enumerate(rows, start=2):
        where = f"{FILES[kind]} row {number}"
        for name, spec in columns.items():
            value = row[name]
            if value != value.strip():
                pytest.fail(f"{where}: {name} has outer spaces")
            if not value:
                continue
            kind_of = spec["type"]
            if kind_of == "date":
                day = _day(value)
                if name in EVENT_DATES:
                    assert FIRST <= day <= LAST, f"{where}: {name} {value} outside 2015-2018"
            elif kind_of == "count":
                m = COUNT.match(value)
                assert m, f"{where}: {name} {value!r} is not a count or low-high range"
                low, high = m.group(1), m.group(2)
                assert high is None or int(low) < int(high), f"{where}: range runs backwards"
            elif kind_of == "float":
                float(value)
            elif kind_of == "list":
                items = value.split(";")
                clean = "|" not in value and all(i.strip() == i and i for i in items)
                assert clean, f"{where}: {name} {value!r} is not a ';' list"
            elif kind_of == "outcome":
                assert value in OUTCOMES, f"{where}: outcome {value!r}"
            elif kind_of == "status":
                assert value in STATUSES, f"{where}: status {value!r}"
            elif kind_of == "bool":
                assert value in BOOLS, f"{where}: {name} {value!r}"
            elif kind_of == "code":
                assert not re.search(r"\s", value), f"{where}: {name} {value!r} has spaces"


@pytest.mark.parametrize("kind", FILES)
def test_every_row_says_whether_it_is_documented_or_illustrative(kind: str) -> None:
    _, rows = _read(kind)
    for number, row in enumerate(rows, start=2):
        assert row["notes"].startswith(PROVENANCE), f"{FILES[kind]} row {number}: no provenance prefix"


def test_convoys_cover_four_years_with_at_least_150_rows() -> None:
    _, rows = _read("convoy")
    assert len(rows) >= 150
    assert {r["date"][:4] for r in rows} == {"2015", "2016", "2017", "2018"}
    weeks = {_day(r["date"]).isocalendar()[:2] for r in rows}
    assert len(weeks) >= 100


def test_known_convoys_are_present() -> None:
    _, rows = _read("convoy")
    by_key = {(r["date"], r["place"]): r for r in rows}
    douma = by_key[("2018-03-05", "Douma")]
    assert (douma["trucks"], douma["people_served"], douma["outcome"]) == ("46", "27500", "items_removed")
    assert by_key[("2018-03-09", "Douma")]["outcome"] == "attacked"
    assert by_key[("2018-03-09", "Douma")]["trucks"] == "13"
    nashabiyeh = by_key[("2018-02-14", "Nashabiyeh")]
    assert (nashabiyeh["trucks"], nashabiyeh["people_served"]) == ("9", "7200")
    orum = by_key[("2016-09-19", "Orum al-Kubra")]
    assert (orum["trucks"], orum["outcome"]) == ("31", "attacked")
    assert by_key[("2016-01-11", "Madaya")]["trucks"] == "44"
    under_siege = [r for r in rows if r["place"] == "Deir ez-Zor" and r["date"] < "2017-09-05"]
    assert len(under_siege) >= 30 and {r["mode"] for r in under_siege} == {"airdrop"}


def test_convoy_ids_are_status_updates_of_one_convoy() -> None:
    _, rows = _read("convoy")
    series: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        if row["convoy_id"]:
            series[row["convoy_id"]].append(row)
    updated = {cid: rs for cid, rs in series.items() if len(rs) > 1}
    assert len(updated) >= 10
    assert any(len(rs) >= 3 and len({r["outcome"] for r in rs}) >= 3 for rs in updated.values())
    for cid, rs in updated.items():
        assert len({r["place"] for r in rs}) == 1, f"{cid} names several places"
        assert len({r["date"] for r in rs}) == len(rs), f"{cid} has two updates on one day"


def test_eastern_ghouta_weeks_feb_mar_2018_are_covered() -> None:
    _, convoys = _read("convoy")
    _, tolls = _read("civilian_toll")
    dates = [r["date"] for r in convoys if r["place"] in EASTERN_GHOUTA]
    dates += [r["period_start"] for r in tolls if r["place"] in EASTERN_GHOUTA]
    weeks = {_day(d).isocalendar()[:2] for d in dates}
    for week in range(8, 13):
        assert (2018, week) in weeks, f"no eastern Ghouta row in 2018-W{week:02d}"


def test_weekly_tolls_for_eastern_ghouta_come_from_two_sources() -> None:
    _, tolls = _read("civilian_toll")
    sources_by_week: dict[int, set[str]] = defaultdict(set)
    for row in tolls:
        if row["place"] != "eastern Ghouta" or not row["period_end"]:
            continue
        start, end = _day(row["period_start"]), _day(row["period_end"])
        if start.isoweekday() == 1 and (end - start).days == 6 and start.year == 2018:
            sources_by_week[start.isocalendar()[1]].add(row["sources"])
    for week in range(8, 13):
        found = sources_by_week[week]
        assert len(found) >= 2, f"2018-W{week:02d} has weekly tolls from {found} only"


def test_toll_periods_run_forwards_and_cumulative_rows_start_the_offensive() -> None:
    _, tolls = _read("civilian_toll")
    for number, row in enumerate(tolls, start=2):
        if row["period_end"]:
            assert row["period_end"] >= row["period_start"], f"tolls.csv row {number} runs backwards"
        assert row["victim_group"] in VICTIM_GROUPS
    offensive = [r for r in tolls if r["place"] == "eastern Ghouta" and r["cumulative"] == "yes"]
    assert sum(r["period_start"] == "2018-02-18" for r in offensive) >= 8
    assert {r["sources"] for r in offensive} >= {"SOHR", "MSF"}


def test_same_place_and_period_has_conflicting_sources() -> None:
    _, tolls = _read("civilian_toll")
    figures: dict[tuple[str, str, str], dict[str, str]] = defaultdict(dict)
    for row in tolls:
        figures[(row["place"], row["period_start"], row["period_end"])][row["sources"]] = row["killed"]
    assert any(len(set(by_source.values())) > 1 for by_source in figures.values())


def test_besieged_enclave_and_its_towns_share_dates() -> None:
    _, rows = _read("besieged_population")
    dates_of: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        dates_of[row["place"]].add(row["date"])
    assert len(dates_of["eastern Ghouta"] & dates_of["Douma"]) >= 3
    assert dates_of["eastern Ghouta"] & dates_of["Harasta"]
    assert any(COUNT.match(r["population"]).group(2) for r in rows)  # some ranges
    assert any(r["population"].startswith("about ") for r in rows)


def test_no_place_is_besieged_after_its_siege_was_lifted() -> None:
    _, rows = _read("besieged_population")
    lifted = {r["place"]: r["date"] for r in rows if r["status"] == "lifted"}
    assert {"Daraya", "Deir ez-Zor", "eastern Aleppo", "eastern Ghouta", "Madaya", "al-Waer"} <= set(lifted)
    for row in rows:
        if row["place"] in lifted and row["status"] != "lifted":
            assert row["date"] < lifted[row["place"]], f"{row['place']} besieged on {row['date']}"
        if row["siege_since"]:
            assert row["siege_since"] <= row["date"]
