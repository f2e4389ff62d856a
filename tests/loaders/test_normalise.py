"""Dirty-cell normalisers: counts, dates, encodings, delimiters, names."""

from __future__ import annotations

import datetime as dt

import pytest

from loaders.normalise.dates import AmbiguousDateOrder, DateOrder, infer_date_order, parse_date
from loaders.normalise.names import name_key
from loaders.normalise.numbers import parse_count
from loaders.normalise.text import decode_bytes, sniff_delimiter
from loaders.normalise.vocab import parse_outcome, parse_siege_status
from loaders.records import LoadError, Quantity


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1,000", Quantity(value=1000, text="1,000")),
        ("1 000", Quantity(value=1000, text="1 000")),
        ("1\u00a0000", Quantity(value=1000, text="1\u00a0000")),
        ("١٢٣", Quantity(value=123, text="١٢٣")),
        ("١٬٠٠٠", Quantity(value=1000, text="١٬٠٠٠")),
        ("10+", Quantity(value=10, qualifier="at_least", text="10+")),
        ("940-1,000", Quantity(low=940, high=1000, text="940-1,000")),
        ("175,000 to 200,000", Quantity(low=175000, high=200000, text="175,000 to 200,000")),
        ("between 50 and 70", Quantity(low=50, high=70, text="between 50 and 70")),
        ("about 400,000", Quantity(value=400000, qualifier="about", text="about 400,000")),
        ("some 12,000", Quantity(value=12000, qualifier="about", text="some 12,000")),
        ("nearly 50", Quantity(value=50, qualifier="nearly", text="nearly 50")),
        ("up to 70", Quantity(value=70, qualifier="up_to", text="up to 70")),
        ("more than 300", Quantity(value=300, qualifier="more_than", text="more than 300")),
        ("1.09 million", Quantity(value=1090000, text="1.09 million")),
        (13, Quantity(value=13, text="13")),
        (13.0, Quantity(value=13, text="13")),
    ],
)
def test_parse_count_shapes(raw: object, expected: Quantity) -> None:
    assert parse_count(raw) == expected


@pytest.mark.parametrize("raw", ["", "unknown", "N/A", None, "-", float("nan"), "غير معروف"])
def test_unknown_counts_are_empty_not_errors(raw: object) -> None:
    assert parse_count(raw).is_empty


def test_vague_counts_keep_words_without_number() -> None:
    q = parse_count("dozens")
    assert q.value is None and q.qualifier == "vague" and q.text == "dozens"


@pytest.mark.parametrize(
    ("raw", "fragment"), [("abc", "is not a count"), ("-5", "negative"), ("70-50", "backwards")]
)
def test_bad_counts_say_what_to_write(raw: str, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        parse_count(raw)


def test_dates_in_every_accepted_shape() -> None:
    d = dt.date(2018, 3, 9)
    assert parse_date("2018-03-09").value == d
    assert parse_date("09/03/2018", DateOrder.DMY).value == d
    assert parse_date("03/09/2018", DateOrder.MDY).value == d
    assert parse_date("9 March 2018").value == d
    assert parse_date("March 9, 2018").value == d
    assert parse_date("9 آذار 2018").value == d
    assert parse_date("٠٩/٠٣/٢٠١٨", DateOrder.DMY).value == d
    assert parse_date(dt.datetime(2018, 3, 9, 12, 0)).value == d
    week = parse_date("2018-W10")
    assert (week.value, week.precision) == (dt.date(2018, 3, 5), "week")
    month = parse_date("2018-03")
    assert (month.value, month.precision) == (dt.date(2018, 3, 1), "month")


def test_date_order_inferred_per_file() -> None:
    assert infer_date_order(["01/02/2018", "13/02/2018"]) == DateOrder.DMY
    assert infer_date_order(["01/02/2018", "02/13/2018"]) == DateOrder.MDY
    assert infer_date_order(["2018-01-02"]) is None
    with pytest.raises(AmbiguousDateOrder, match="--date-order dmy"):
        infer_date_order(["01/02/2018", "03/04/2018"])
    with pytest.raises(ValueError, match="mixes"):
        infer_date_order(["13/02/2018", "02/13/2018"])


def test_bad_date_names_the_accepted_forms() -> None:
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("next tuesday")
    with pytest.raises(ValueError, match="not a real date"):
        parse_date("2018-02-30")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("Douma,دوما\n".encode(), "utf-8"),
        ("\ufeffDouma,دوما\n".encode(), "utf-8-sig"),
        ("Douma,دوما\n".encode("utf-16"), "utf-16"),
        ("Douma,دوما,حرستا,سقبا\n".encode("cp1256"), "cp1256"),
        ("Alep,Homs,Hôpital,Médecins\n".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_detected(data: bytes, encoding: str) -> None:
    text, used = decode_bytes(data, "f.csv")
    assert used == encoding
    assert text.lstrip("\ufeff").startswith(("Douma", "Alep"))


def test_undecodable_file_is_refused_not_replaced() -> None:
    with pytest.raises(LoadError, match="--encoding"):
        decode_bytes(b"abc\x81 \xe9\xe8\xe0", "bad.csv")


def test_delimiters() -> None:
    assert sniff_delimiter("a;b;c\n1;2;3\n") == ";"
    assert sniff_delimiter("a\tb\tc\n1\t2\t3\n") == "\t"
    assert sniff_delimiter("Title\na,b,c\n1,2,3\n") == ","


def test_name_keys_fold_spellings_and_scripts() -> None:
    assert name_key("al-Fu'ah") == name_key("Al Fuah") == name_key("fuah")
    assert name_key("دُوما") == name_key("دوما")
    assert name_key("Douma") != name_key("Harasta")


def test_outcome_and_status_vocabularies() -> None:
    assert parse_outcome("Shelled; delivered") == ("attacked", ["attacked", "delivered"])
    assert parse_outcome("turned back")[0] == "blocked"
    assert parse_siege_status("Hard-to-reach") == "hard_to_reach"
    with pytest.raises(ValueError, match="use one of"):
        parse_outcome("teleported")
