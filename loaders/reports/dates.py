"""Dates as prose writes them, resolved against the publication date.

Full dates ('9 March 2018', 'Jan. 11, 2016'), day and month without a year (year from the
publication date), periods ('between 6 June and 17 October', '22-23 May', 'over the past two
weeks', 'last week', 'the 24 hours to Monday'), month or year only, weekdays (the latest such day
on or before publication), 'yesterday', 'today', and 'since ...' (an open period). A date that
cannot be resolved (no publication date, 'early next week') keeps its wording with no value.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from loaders.reports.numbers import words_value

MONTHS = {
    "january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7, "august": 8,
    "september": 9, "october": 10, "november": 11, "december": 12, "jan": 1, "feb": 2, "mar": 3,
    "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
WEEKDAYS = {
    "monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6,
    "mon": 0, "tue": 1, "tues": 1, "wed": 2, "thu": 3, "thur": 3, "thurs": 3, "fri": 4, "sat": 5, "sun": 6,
}  # fmt: skip
# Month names are matched capitalised only: "may" is a verb, "March" at a sentence start is rare.
_MON = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tues|Tue|Wed|Thurs|Thur|Thu|Fri|Sat|Sun)"
_D = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_Y = r"(?:1[89]\d\d|20\d\d)"
_NUMWORD = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|few|several)"
_ORD_UNITS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fourteenth": 14,
    "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
    "twentieth": 20, "thirtieth": 30,
}  # fmt: skip
_ORD = r"(?:(?:twenty|thirty)[- ])?(?:" + "|".join(sorted(_ORD_UNITS, key=len, reverse=True)) + ")"
# 'Thu 08/02', 'since 07/02', '12/02/24': day first, as field notes write it (month first only when
# the second number cannot be a month). Bare '3/4' is a fraction, so a weekday, a preposition or a
# year must come with it.
_NUMERIC = re.compile(r"(?<![\d/.,])(\d{1,2})/(\d{1,2})(?:/(\d{4}|\d{2}))?(?![\d/])")
_NUMERIC_BEFORE = re.compile(
    rf"(?:\b{_WD}\.?|\b(?:since|on|from|until|till|to|by|as of|dated|dep\.?|arr\.?|[-–]))\s*$|^\s*$", re.I
)

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("iso", re.compile(rf"\b({_Y})-(\d\d)-(\d\d)\b")),
    ("between_days", re.compile(rf"\b(?:between|from) ({_D}) (?:and|to|until) ({_D}) ({_MON})\.?(?:,? ({_Y}))?(?![\w])")),
    ("day_range", re.compile(rf"(?<![\d,])({_D})\s?[-–]\s?({_D}) ({_MON})\.?(?:,? ({_Y}))?(?![\w])")),
    ("dmy", re.compile(rf"(?<![\d,])({_D}) (?:of )?({_MON})\.?(?:,? ({_Y}))?(?![\w])")),
    ("ordinal", re.compile(rf"\b(?:the )?({_ORD}) (?:of )?({_MON})\.?(?:,? ({_Y}))?(?![\w])", re.I)),
    ("numeric", _NUMERIC),
    ("mdy", re.compile(rf"\b({_MON})\.? ({_D})(?![\d,]\d)(?:,? ({_Y}))?(?![\w])")),
    ("month_year", re.compile(rf"\b(?:(early|mid|late)[- ])?({_MON})\.?,? ({_Y})\b")),
    ("hours_to", re.compile(rf"\b(?:the )?(\d+|twenty-four|forty-eight) hours (?:to|up to|until) ({_WD})\b", re.I)),
    ("past_n", re.compile(rf"\b(?:over|in|during|within|for) the (?:past|last|previous) (?:({_NUMWORD}) )?(days?|weeks?|months?)\b", re.I)),
    ("overnight", re.compile(rf"\bovernight (?:into|to) ({_WD})\b")),
    ("rel_week", re.compile(r"\b(last|this|past) (week|month|weekend)\b", re.I)),
    ("start_of", re.compile(r"\b(?:the )?(?:start|beginning) of (?:the|this) (month|year|week)\b", re.I)),
    ("weekday", re.compile(rf"\b(?:(last|next|this|on|early|late) )?({_WD})(?:'s)?\b\.?")),
    ("relday", re.compile(r"\b(the day before yesterday|yesterday|today|tonight|last night|this morning|this afternoon|this evening)\b", re.I)),
    ("month", re.compile(rf"\b(?:(early|mid|late)[- ])?({_MON})\b(?!\.? ?\d)")),
    ("year", re.compile(rf"\b(?:in|since|of|by|until|during|from|early|late|mid-?) ({_Y})\b(?![-/]\d)")),
    ("vague", re.compile(r"\b(?:early|late|later|earlier) (?:next|this|last) (?:week|month|year)|\b(?:this|last|next) (?:spring|summer|autumn|fall|winter)|\bnext (?:week|month)|\bearlier in the week|\bthe next (?:morning|day)|\bthe following (?:morning|day)|\bthe same day\b", re.I)),
]  # fmt: skip
_SINCE = re.compile(
    r"\b(?:since|from|starting|beginning)\s*(?:early |mid-|late |the start of |the beginning of )?$"
    r"|\bsince (?:the|its|their) [\w -]{2,30}? (?:began|started|erupted|flared|resumed|reopened|opened|closed)(?: on| in)?\s*$",
    re.I,
)
_LAST_YEAR = re.compile(r"^\s*(?:of )?last year\b", re.I)


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date or period in a text (span relative to it), resolved when possible."""

    start: int
    end: int
    text: str
    first: dt.date | None  # the day, or the period's first day
    last: dt.date | None  # the period's last day (== first for a single day; None for open)
    precision: str  # day | week | month | year | period
    basis: str | None  # explicit | explicit_no_year+pubdate | relative_to_pubdate
    since: bool = False  # "since 5 June": an open period from ``first``

    @property
    def is_day(self) -> bool:
        return self.first is not None and self.first == self.last


def _year_for(month: int, day: int, pub: dt.date | None) -> int | None:
    """The year of a date written without one: the publication year, unless that lands far ahead."""
    if pub is None:
        return None
    try:
        candidate = dt.date(pub.year, month, day)
    except ValueError:
        return None
    return pub.year - 1 if (candidate - pub).days > 62 else pub.year


def _day(y: int | None, m: int, d: int) -> dt.date | None:
    if y is None:
        return None
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _month_end(y: int, m: int) -> dt.date:
    return dt.date(y, m, calendar.monthrange(y, m)[1])


def _weekday_on_or_before(pub: dt.date, weekday: int) -> dt.date:
    return pub - dt.timedelta(days=(pub.weekday() - weekday) % 7)


def _num(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    if text.lower() in {"few", "several"}:
        return None
    return words_value(text.replace("-", " ").split())


def _mk(
    m: re.Match[str], first: dt.date | None, last: dt.date | None, precision: str, basis: str | None
) -> DateMention:
    if first is None:
        basis = None
    return DateMention(m.start(), m.end(), m.group(), first, last, precision, basis)


def _explicit(kind: str, m: re.Match[str], pub: dt.date | None) -> DateMention | None:
    g = m.groups()
    if kind == "iso":
        day = _day(int(g[0]), int(g[1]), int(g[2]))
        return _mk(m, day, day, "day", "explicit") if day else None
    if kind in {"between_days", "day_range"}:
        month, d1, d2 = MONTHS[g[2].lower().rstrip(".")], _int(g[0]), _int(g[1])
        year = int(g[3]) if g[3] else _year_for(month, d1, pub)
        first, last = _day(year, month, d1), _day(year, month, d2)
        basis = "explicit" if g[3] else "explicit_no_year+pubdate"
        return _mk(m, first, last, "period", basis) if first is None or (last and last >= first) else None
    if kind in {"dmy", "mdy"}:
        d, mon, y = (g[0], g[1], g[2]) if kind == "dmy" else (g[1], g[0], g[2])
        month, day_no = MONTHS[mon.lower().rstrip(".")], _int(d)
        year = int(y) if y else _year_for(month, day_no, pub)
        day = _day(year, month, day_no)
        return _mk(m, day, day, "day", "explicit" if y else "explicit_no_year+pubdate")
    if kind == "month_year":
        month, year = MONTHS[g[1].lower()], int(g[2])
        start_day = {"mid": 11, "late": 21}.get((g[0] or "").lower(), 1)
        return _mk(m, dt.date(year, month, start_day), _month_end(year, month), "month", "explicit")
    if kind == "month":
        month = MONTHS[g[1].lower()]
        year = _year_for(month, 1, pub)
        if year is None:
            return _mk(m, None, None, "month", None)
        return _mk(m, dt.date(year, month, 1), _month_end(year, month), "month", "explicit_no_year+pubdate")
    if kind == "year":
        year = int(g[0])
        mention = _mk(m, dt.date(year, 1, 1), dt.date(year, 12, 31), "year", "explicit")
        start = m.start(1)
        return replace(mention, start=start, text=m.group(1))
    return None


def _numeric(text: str, m: re.Match[str], pub: dt.date | None) -> DateMention | None:
    """'Thu 08/02', 'since 07/02', '12/02/24': day first unless the second number cannot be a month."""
    a, b, y = int(m.group(1)), int(m.group(2)), m.group(3)
    line_start = text.rfind("\n", 0, m.start()) + 1
    if (a, b, y) == (24, 7, None) or (
        not y and not _NUMERIC_BEFORE.search(text[max(line_start, m.start() - 12) : m.start()])
    ):
        return None  # '3/4' alone is a fraction
    day, month = (b, a) if b > 12 >= a else (a, b)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    year = (int(y) + 2000 if len(y) == 2 else int(y)) if y else _year_for(month, day, pub)
    found = _day(year, month, day)
    if found is None and year is not None:
        return None
    return _mk(m, found, found, "day", "explicit" if y else "explicit_no_year+pubdate")


def _ordinal(m: re.Match[str], pub: dt.date | None) -> DateMention | None:
    """'on the twenty-eighth of September': a day written in words."""
    words = re.split(r"[- ]", m.group(1).lower())
    day = _ORD_UNITS.get(words[-1], 0) + (20 if words[0] == "twenty" else 30 if words[0] == "thirty" else 0)
    month = MONTHS[m.group(2).lower().rstrip(".")]
    year = int(m.group(3)) if m.group(3) else _year_for(month, day, pub)
    found = _day(year, month, day)
    if found is None and year is not None:
        return None
    return _mk(m, found, found, "day", "explicit" if m.group(3) else "explicit_no_year+pubdate")


def _int(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def _relative(kind: str, m: re.Match[str], pub: dt.date | None) -> DateMention | None:
    g = m.groups()
    rel = "relative_to_pubdate"
    if pub is None:
        return _mk(m, None, None, "day", None)
    if kind == "weekday":
        if g[0] and g[0].lower() == "next":
            day = pub + dt.timedelta(days=(WEEKDAYS[g[1].lower()] - pub.weekday()) % 7 or 7)
        else:
            day = _weekday_on_or_before(pub, WEEKDAYS[g[1].lower()])
        return _mk(m, day, day, "day", rel)
    if kind == "overnight":
        day = _weekday_on_or_before(pub, WEEKDAYS[g[0].lower()])
        return _mk(m, day - dt.timedelta(days=1), day, "period", rel)
    if kind == "hours_to":
        day = _weekday_on_or_before(pub, WEEKDAYS[g[1].lower()])
        hours = _num(g[0]) or 24
        return _mk(m, day - dt.timedelta(days=max(1, (hours + 23) // 24)), day, "period", rel)
    if kind == "relday":
        word = g[0].lower()
        back = {"yesterday": 1, "last night": 1, "the day before yesterday": 2}.get(word, 0)
        day = pub - dt.timedelta(days=back)
        return _mk(m, day, day, "day", rel)
    if kind == "past_n":
        count = _num(g[0]) if g[0] else 1
        if count is None:
            return _mk(m, None, None, "period", None)
        unit = g[1].lower().rstrip("s")
        days = {"day": 1, "week": 7, "month": 30}[unit] * count
        return _mk(m, pub - dt.timedelta(days=days), pub - dt.timedelta(days=1), "period", rel)
    if kind == "rel_week":
        return _rel_week(m, g[0].lower(), g[1].lower(), pub)
    if kind == "start_of":  # 'since the start of the month': an open period from its first day
        unit = g[0].lower()
        first = {"month": pub.replace(day=1), "year": pub.replace(month=1, day=1)}.get(
            unit, pub - dt.timedelta(days=pub.weekday())
        )
        return _mk(m, first, pub, "period", rel)
    return None


def _rel_week(m: re.Match[str], which: str, unit: str, pub: dt.date) -> DateMention:
    rel = "relative_to_pubdate"
    if unit == "month":
        if which == "this":
            return _mk(m, pub.replace(day=1), pub, "month", rel)
        prev = pub.replace(day=1) - dt.timedelta(days=1)
        return _mk(m, prev.replace(day=1), prev, "month", rel)
    monday = pub - dt.timedelta(days=pub.weekday())
    if unit == "weekend":
        sat = monday - dt.timedelta(days=2) if which != "this" else monday + dt.timedelta(days=5)
        return _mk(m, sat, sat + dt.timedelta(days=1), "period", rel)
    if which == "this":
        return _mk(m, monday, pub, "week", rel)
    if which == "past":
        return _mk(m, pub - dt.timedelta(days=7), pub - dt.timedelta(days=1), "period", rel)
    return _mk(m, monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), "week", rel)


def find_dates(text: str, pub: dt.date | None) -> list[DateMention]:
    """Every date expression in ``text``, in order; spans relative to ``text``."""
    taken: list[tuple[int, int]] = []
    found: list[DateMention] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            if kind == "vague":
                mention: DateMention | None = DateMention(
                    m.start(), m.end(), m.group(), None, None, "day", None
                )
            elif kind == "numeric":
                mention = _numeric(text, m, pub)
            elif kind == "ordinal":
                mention = _ordinal(m, pub)
            elif kind in {"weekday", "overnight", "hours_to", "relday", "past_n", "rel_week", "start_of"}:
                mention = _relative(kind, m, pub)
            else:
                mention = _explicit(kind, m, pub)
            if mention is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(mention)
    found.sort(key=lambda d: d.start)
    found = [_trimmed(d) for d in found if not _beside_explicit_day(d, found)]
    return _joined(text, [_adjusted(text, d, pub) for d in found])


def _trimmed(d: DateMention) -> DateMention:
    """'24 September.' ends a sentence: the full stop is not part of the date (unlike 'Sept.')."""
    if d.text.endswith(".") and not re.search(
        r"\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun)\.$",
        d.text,
    ):
        return replace(d, end=d.end - 1, text=d.text[:-1])
    return d


def _beside_explicit_day(d: DateMention, found: list[DateMention]) -> bool:
    """'Thu 23 May', '19 May (Mon)': the weekday only repeats the date beside it."""
    if d.basis != "relative_to_pubdate" or d.precision != "day" or not re.match(rf"^(?:\w+ )?{_WD}$", d.text):
        return False
    return any(
        o is not d
        and o.basis in {"explicit", "explicit_no_year+pubdate"}
        and (0 <= o.start - d.end <= 3 or 0 <= d.start - o.end <= 3)
        for o in found
    )


def _adjusted(text: str, d: DateMention, pub: dt.date | None) -> DateMention:
    """'since 5 June' opens a period; 'April 29 ... last year' moves a year back."""
    if _SINCE.search(text[max(0, d.start - 30) : d.start]):
        d = replace(d, since=True, last=None)
    if (
        pub is not None
        and d.first
        and d.basis == "explicit_no_year+pubdate"
        and _LAST_YEAR.match(text[d.end :])
    ):
        first = _safe_year(d.first, pub.year - 1)
        last = _safe_year(d.last, pub.year - 1) if d.last else None
        d = replace(d, first=first, last=last, basis="relative_to_pubdate")
    return d


def _safe_year(day: dt.date, year: int) -> dt.date:
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


_LINK = re.compile(r"^\s*(?:and|to|until|till|through|-|–)\s*$", re.I)
_OPEN = re.compile(r"(?:between|from)\s+$", re.I)


def _joined(text: str, dates: list[DateMention]) -> list[DateMention]:
    """'between 6 June and 17 October', 'from Feb. 1 to Feb. 5': one period."""
    out: list[DateMention] = []
    i = 0
    while i < len(dates):
        a = dates[i]
        b = dates[i + 1] if i + 1 < len(dates) else None
        if b is not None and a.first and b.first and _LINK.match(text[a.end : b.start]):
            opener = _OPEN.search(text[max(0, a.start - 9) : a.start])
            if opener or text[a.end : b.start].strip() in {"-", "–", "to", "until", "through"}:
                last = b.last or b.first
                if b.basis == "relative_to_pubdate" and a.basis == "explicit_no_year+pubdate":
                    a = replace(a, first=_safe_year(a.first, b.first.year))
                start = a.start - len(opener.group()) if opener else a.start
                if last is not None and a.first is not None and last >= a.first:
                    out.append(
                        DateMention(
                            start, b.end, text[start : b.end], a.first, last, "period", b.basis or a.basis
                        )
                    )
                    i += 2
                    continue
        out.append(a)
        i += 1
    return out


def date_spans(dates: list[DateMention]) -> list[tuple[int, int]]:
    return [(d.start, d.end) for d in dates]
