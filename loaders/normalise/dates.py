"""Dates as spreadsheets hold them: ISO, DD/MM/YYYY, MM/DD/YYYY, '21 March 2020', '2018-W10', '2018-03'.

Day-first or month-first is a property of a *file*, not of a cell: ``infer_date_order`` looks at
every slash date in a column and decides, or refuses with a message that says how to declare it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from enum import StrEnum

from loaders.normalise.numbers import clean_number_text
from loaders.records import DateValue, Precision


class DateOrder(StrEnum):
    DMY = "dmy"
    MDY = "mdy"


class AmbiguousDateOrder(ValueError):
    """Every slash date in the file could be read day-first or month-first."""


MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
    "august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9,
    "oct": 10, "nov": 11, "dec": 12,
    # Levantine (Syriac-derived) month names, as used in Syria, Lebanon, Jordan, Iraq
    "كانون الثاني": 1, "شباط": 2, "آذار": 3, "اذار": 3, "نيسان": 4, "أيار": 5, "ايار": 5,
    "حزيران": 6, "تموز": 7, "آب": 8, "اب": 8, "أيلول": 9, "ايلول": 9, "تشرين الأول": 10,
    "تشرين الاول": 10, "تشرين الثاني": 11, "كانون الأول": 12, "كانون الاول": 12,
    # Egyptian / Maghreb / Gulf (transliterated European) names
    "يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "مايو": 5, "يونيو": 6,
    "يوليو": 7, "أغسطس": 8, "اغسطس": 8, "سبتمبر": 9, "أكتوبر": 10, "اكتوبر": 10,
    "نوفمبر": 11, "ديسمبر": 12,
}  # fmt: skip
_MONTH_ALT = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")
_SLASH = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$")
_YMD_SLASH = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$")
_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.I)
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY_MONTH_YEAR = re.compile(rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_ALT})\.?,?\s+(\d{{4}})$", re.I)
_MONTH_DAY_YEAR = re.compile(rf"^({_MONTH_ALT})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})$", re.I)
_MONTH_YEAR = re.compile(rf"^({_MONTH_ALT})\.?,?\s+(\d{{4}})$", re.I)


def _slash_parts(text: str) -> tuple[int, int, int] | None:
    m = _SLASH.match(text)
    if not m:
        return None
    year = int(m.group(3))
    if year < 100:
        year += 2000 if year < 70 else 1900
    return int(m.group(1)), int(m.group(2)), year


def infer_date_order(values: Iterable[object]) -> DateOrder | None:
    """Decide DD/MM vs MM/DD from a file's slash dates.

    Returns None when the file has no slash dates (nothing to decide). Raises
    AmbiguousDateOrder when every slash date fits both orders, and ValueError when the file mixes
    both (a first part over 12 in one row and a second part over 12 in another).
    """
    first_big = second_big = seen = 0
    for raw in values:
        if raw is None or not isinstance(raw, str):
            continue
        parts = _slash_parts(clean_number_text(raw))
        if parts is None:
            continue
        seen += 1
        first_big += parts[0] > 12
        second_big += parts[1] > 12
    if not seen:
        return None
    if first_big and second_big:
        raise ValueError(
            "the file mixes day-first (DD/MM/YYYY) and month-first (MM/DD/YYYY) dates; "
            "fix the rows or save the dates as YYYY-MM-DD"
        )
    if first_big:
        return DateOrder.DMY
    if second_big:
        return DateOrder.MDY
    raise AmbiguousDateOrder(
        f"all {seen} dates such as 03/04/2018 could be day-first or month-first; declare the order "
        "with --date-order dmy (or mdy) on the command line, or the 'Date order' choice on the "
        "Import page, or save the dates as YYYY-MM-DD"
    )


def parse_date(raw: object, order: DateOrder | None = None) -> DateValue:
    """Parse one cell. Empty cells give an empty DateValue; bad text raises ValueError."""
    if raw is None:
        return DateValue()
    if isinstance(raw, dt.datetime):
        return DateValue(raw.date(), Precision.DAY, raw.date().isoformat())
    if isinstance(raw, dt.date):
        return DateValue(raw, Precision.DAY, raw.isoformat())
    original = str(raw).strip()
    text = clean_number_text(original)
    if not text or text.lower() in {"unknown", "n/a", "nan", "nat", "none"}:
        return DateValue(text=original or None)
    try:
        return _parse_text(text, original, order)
    except ValueError as exc:
        if "declare" in str(exc) or "is not a date" in str(exc):
            raise
        raise ValueError(f"'{original}' is not a real date ({exc})") from None


def _parse_text(text: str, original: str, order: DateOrder | None) -> DateValue:
    if m := _ISO.match(text):
        return DateValue(dt.date(int(m[1]), int(m[2]), int(m[3])), Precision.DAY, original)
    if m := _YMD_SLASH.match(text):
        return DateValue(dt.date(int(m[1]), int(m[2]), int(m[3])), Precision.DAY, original)
    if parts := _slash_parts(text):
        a, b, year = parts
        if order is None:
            if a > 12:
                order = DateOrder.DMY
            elif b > 12:
                order = DateOrder.MDY
            else:
                raise ValueError(
                    f"'{original}' could be day-first or month-first; declare the order with "
                    "--date-order dmy|mdy or save dates as YYYY-MM-DD"
                )
        day, month = (a, b) if order == DateOrder.DMY else (b, a)
        return DateValue(dt.date(year, month, day), Precision.DAY, original)
    if m := _DAY_MONTH_YEAR.match(text):
        return DateValue(dt.date(int(m[3]), MONTHS[m[2].lower()], int(m[1])), Precision.DAY, original)
    if m := _MONTH_DAY_YEAR.match(text):
        return DateValue(dt.date(int(m[3]), MONTHS[m[1].lower()], int(m[2])), Precision.DAY, original)
    if m := _ISO_WEEK.match(text):
        return DateValue(dt.date.fromisocalendar(int(m[1]), int(m[2]), 1), Precision.WEEK, original)
    if m := _YEAR_MONTH.match(text):
        return DateValue(dt.date(int(m[1]), int(m[2]), 1), Precision.MONTH, original)
    if m := _MONTH_YEAR.match(text):
        return DateValue(dt.date(int(m[2]), MONTHS[m[1].lower()], 1), Precision.MONTH, original)
    if re.fullmatch(r"\d{4}", text):
        return DateValue(dt.date(int(text), 1, 1), Precision.YEAR, original)
    raise ValueError(
        f"'{original}' is not a date: write YYYY-MM-DD (2018-03-09), DD/MM/YYYY, '9 March 2018', "
        "2018-W10 for a week or 2018-03 for a month"
    )


def week_start(day: dt.date) -> dt.date:
    """Monday of the ISO week holding ``day``."""
    return day - dt.timedelta(days=day.weekday())
