"""Counts in prose: separators, number words, ranges, qualifiers, vague counts."""

from __future__ import annotations

import pytest

from loaders.reports.numbers import find_numbers


def one(text: str):
    found = find_numbers(text)
    assert len(found) == 1, found
    n = found[0]
    return n.value, n.low, n.high, n.qualifier, n.text


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12,000 people", 12000),
        ("12 000 people", 12000),
        ("12\u00a0000 people", 12000),
        ("12.000 people", 12000),
        ("1.09 million people", 1_090_000),
        ("3.5 million", 3_500_000),
        ("Forty-seven trucks", 47),
        ("a dozen trucks", 12),
        ("two hundred families", 200),
        ("one hundred and twenty people", 120),
        ("half a million people", 500_000),
        ("a four-truck convoy", 4),
    ],
)
def test_values(text: str, value: int) -> None:
    assert one(text)[0] == value


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("940-1,000 civilians", 940, 1000),
        ("between 50 and 70 civilians", 50, 70),
        ("175,000 to 200,000 people", 175_000, 200_000),
        ("500 to 600 truckloads", 500, 600),
        ("two to three million people", 2_000_000, 3_000_000),
    ],
)
def test_ranges(text: str, low: int, high: int) -> None:
    value, lo, hi, _, _ = one(text)
    assert (value, lo, hi) == (None, low, high)


@pytest.mark.parametrize(
    ("text", "qualifier", "wording"),
    [
        ("some 12,000 people", "about", "some 12,000"),
        ("around 600 evacuees", "about", "around 600"),
        ("an estimated 20,000 people", "about", "an estimated 20,000"),
        ("approx. 30,000 people", "about", "approx. 30,000"),
        ("~25,000 people", "about", "~25,000"),
        ("nearly 8,000 people", "nearly", "nearly 8,000"),
        ("almost 20 trucks", "nearly", "almost 20"),
        ("at least six people", "at_least", "at least six"),
        ("more than 40,000 people", "more_than", "more than 40,000"),
        ("just over 2,300 truckloads", "more_than", "just over 2,300"),
        ("up to 30,000 people", "up_to", "up to 30,000"),
        ("as many as 23,000 others", "up_to", "as many as 23,000"),
    ],
)
def test_qualifiers(text: str, qualifier: str, wording: str) -> None:
    _, _, _, q, t = one(text)
    assert (q, t) == (qualifier, wording)


@pytest.mark.parametrize(
    "text", ["dozens of people", "several hundred people", "Hundreds of thousands of people", "scores"]
)
def test_vague_counts_keep_wording_and_no_number(text: str) -> None:
    value, low, high, q, wording = one(text)
    assert (value, low, high, q) == (None, None, None, "vague") and wording


@pytest.mark.parametrize(
    "text", ["convoy WFP-01", "at 23:00", "80% of them", "the 2nd incident", "a million"]
)
def test_not_counts(text: str) -> None:
    assert [n.value for n in find_numbers(text)] in ([], [1_000_000])


def test_masked_spans_are_skipped() -> None:
    text = "On 19 May, 14 trucks crossed"
    assert [n.value for n in find_numbers(text, [(3, 9)])] == [14]
