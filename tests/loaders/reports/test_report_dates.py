"""Dates in prose resolved against the publication date (Wednesday 6 March 2024 here)."""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.reports.dates import find_dates

PUB = dt.date(2024, 3, 6)  # a Wednesday
D = dt.date.fromisoformat


def first(text: str, pub: dt.date | None = PUB):
    found = find_dates(text, pub)
    assert found, text
    return found[0]


@pytest.mark.parametrize(
    ("text", "day", "basis"),
    [
        ("on 9 March 2023", "2023-03-09", "explicit"),
        ("on Jan. 11, 2016", "2016-01-11", "explicit"),
        ("on 2024-02-28", "2024-02-28", "explicit"),
        ("on 2 March", "2024-03-02", "explicit_no_year+pubdate"),
        ("on March 2", "2024-03-02", "explicit_no_year+pubdate"),
        ("on 28 December", "2023-12-28", "explicit_no_year+pubdate"),  # far ahead of publication: last year
        ("on Monday", "2024-03-04", "relative_to_pubdate"),
        ("on Wednesday", "2024-03-06", "relative_to_pubdate"),  # the publication day itself
        ("on Thursday", "2024-02-29", "relative_to_pubdate"),
        ("Fri:", "2024-03-01", "relative_to_pubdate"),
        ("yesterday", "2024-03-05", "relative_to_pubdate"),
        ("today", "2024-03-06", "relative_to_pubdate"),
    ],
)
def test_days(text: str, day: str, basis: str) -> None:
    d = first(text)
    assert (d.first, d.last, d.basis) == (D(day), D(day), basis)


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("over the past two weeks", "2024-02-21", "2024-03-05"),
        ("in the past 10 days", "2024-02-25", "2024-03-05"),
        ("last week", "2024-02-26", "2024-03-03"),
        ("between 6 January and 17 February", "2024-01-06", "2024-02-17"),
        ("between Feb. 1 and Feb. 5", "2024-02-01", "2024-02-05"),
        ("between 11 and 13 February", "2024-02-11", "2024-02-13"),
        ("overnight 22-23 February", "2024-02-22", "2024-02-23"),
        ("in January", "2024-01-01", "2024-01-31"),
        ("in the 24 hours to Monday", "2024-03-03", "2024-03-04"),
        ("overnight into Tuesday", "2024-03-04", "2024-03-05"),
    ],
)
def test_periods(text: str, start: str, end: str) -> None:
    d = first(text)
    assert (d.first, d.last) == (D(start), D(end))


def test_since_opens_a_period() -> None:
    d = first("killed since 5 February")
    assert (d.first, d.last, d.since) == (D("2024-02-05"), None, True)
    d = first("besieged since May 2022")
    assert (d.first, d.precision, d.since) == (D("2022-05-01"), "month", True)
    d = first("since the war began on Oct. 7")
    assert (d.first, d.since) == (D("2023-10-07"), True)


def test_last_year_moves_the_year_back() -> None:
    d = first("Between April 29 and August 29 last year it verified")
    assert (d.first, d.last) == (D("2023-04-29"), D("2023-08-29"))


def test_weekday_beside_a_date_is_not_a_second_date() -> None:
    found = find_dates("reached the town on Thu 29 Feb", PUB)
    assert [(d.text, d.first) for d in found] == [("29 Feb", D("2024-02-29"))]


def test_unresolved_dates_keep_their_wording() -> None:
    no_pub = first("on Tuesday", None)
    assert (no_pub.first, no_pub.text) == (None, "on Tuesday")
    vague = first("early next week")
    assert (vague.first, vague.text) == (None, "early next week")
    month = first("in January", None)
    assert month.first is None and month.text == "January"
