"""What a page shows, as a value: the query arguments plus one sentence saying it in English.

Pure (no streamlit): the pages build these from their widgets; tests build them directly.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from loaders.normalise.dates import week_start


def week_label(monday: dt.date) -> str:
    """'2018-W10 (5–11 Mar 2018)'; the span names both months or years when the week crosses them."""
    sunday = monday + dt.timedelta(days=6)
    year, week, _ = monday.isocalendar()
    if monday.year != sunday.year:
        span = f"{monday:%-d %b %Y}–{sunday:%-d %b %Y}"
    elif monday.month != sunday.month:
        span = f"{monday:%-d %b}–{sunday:%-d %b %Y}"
    else:
        span = f"{monday.day}–{sunday:%-d %b %Y}"
    return f"{year}-W{week:02d} ({span})"


def iso_week(monday: dt.date) -> str:
    """'2018-W10': the short form used on chart axes."""
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_options(first: dt.date, last: dt.date) -> list[dt.date]:
    """The Mondays of every ISO week from ``first`` to ``last``, newest first (the default is the top)."""
    start, end = week_start(first), week_start(last)
    count = (end - start).days // 7 + 1
    return [end - dt.timedelta(weeks=i) for i in range(count)]


@dataclass(frozen=True, slots=True)
class OverviewFilters:
    """The Overview page's choice: one ISO week, a trend window ending with it, and the review scope."""

    week: dt.date  # a Monday
    include_pending: bool = False
    trend_weeks: int = 12

    def describe(self) -> str:
        scope = "confirmed and pending (unreviewed) facts" if self.include_pending else "confirmed facts only"
        return (
            f"Week {week_label(self.week)}, with up to {self.trend_weeks} weeks of trend before it; {scope}."
        )
