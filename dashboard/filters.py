"""What a page shows, as a value: the query arguments plus one sentence saying it in English.

The values are pure (no streamlit): tests build them directly. ``sidebar_filters`` draws the
global filters every page shares; it imports streamlit only when called, so charts and the weekly
report can import this module without it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from db.trends import Selection
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


# ---- the global sidebar filters ----------------------------------------------------------------------

DEFAULT_WEEKS = 12  # the default window: the 12 ISO weeks ending with the latest active week


def format_day(day: dt.date) -> str:
    """'5 Mar 2018'"""
    return f"{day.day} {day:%b %Y}"


@dataclass(frozen=True, slots=True)
class Filters:
    """The sidebar's choice, shared by every page: a date range (inclusive), a place (with every
    place inside it), an organisation (ran the convoy or gave the figure) and the review scope."""

    start: dt.date
    end: dt.date
    place_id: int | None = None
    place_name: str | None = None
    organisation_id: int | None = None
    organisation_name: str | None = None
    include_pending: bool = False

    def selection(self) -> Selection:
        """The query arguments (db.trends.Selection)."""
        return Selection(self.start, self.end, self.place_id, self.organisation_id, self.include_pending)

    def describe(self) -> str:
        """One sentence: 'Confirmed facts only, 25 Dec 2017 – 18 Mar 2018, in eastern Ghouta and
        the places inside it, where SOHR ran the convoy or gave the figure.'"""
        scope = "Confirmed and pending (unreviewed) facts" if self.include_pending else "Confirmed facts only"
        parts = [f"{scope}, {format_day(self.start)} – {format_day(self.end)}"]
        parts.append(f"in {self.place_name} and the places inside it" if self.place_id else "in every place")
        if self.organisation_id:
            parts.append(f"where {self.organisation_name} ran the convoy or gave the figure")
        return ", ".join(parts) + "."


def default_range(first: dt.date, last: dt.date, latest_active: dt.date | None) -> tuple[dt.date, dt.date]:
    """The DEFAULT_WEEKS ISO weeks ending with the latest active week (Monday to Sunday), inside the
    store's span [first, last]."""
    anchor = week_start(latest_active or last)
    start = max(anchor - dt.timedelta(weeks=DEFAULT_WEEKS - 1), week_start(first))
    return start, anchor + dt.timedelta(days=6)


def place_label(row: dict) -> str:
    """'eastern Ghouta (5 facts; 6 in places inside)'"""
    inside = f"; {row['inside']:,} in places inside" if row.get("inside") else ""
    return f"{row['name']} ({row['facts']:,} facts{inside})"


def _restore(key: str, default: object, valid: Callable[[object], bool]) -> None:
    """Give widget ``key`` its last chosen value before it is drawn. Streamlit forgets a widget's
    state on a page switch (the widget belongs to the page), so each choice is also kept under
    '_' + key by ``_keep`` (the widget's on_change) and put back here. A choice still equal to the
    default it was made under follows a new default (new data moved the latest week)."""
    import streamlit as st

    state = st.session_state
    saved, old_default = state.get(f"_{key}", (default, default))
    value = default if saved == old_default else saved
    state[key] = value if valid(value) else default


def _keep(key: str, default: object) -> None:
    import streamlit as st

    st.session_state[f"_{key}"] = (st.session_state[key], default)


def sidebar_filters(
    span: tuple[dt.date, dt.date],
    latest_active: dt.date | None,
    places: list[dict],
    organisations: list[dict],
    allow_pending: bool = False,
) -> Filters:
    """Draw the global filters in the sidebar (keys ``filters_*``) and return the choice.
    ``places``/``organisations``: rows of db.trends.filter_places / filter_organisations.
    ``allow_pending``: whether the user's role may see pending facts (viewers: no checkbox)."""
    import streamlit as st

    first, last = span
    default = default_range(first, last, latest_active)
    in_span = lambda v: (  # noqa: E731
        isinstance(v, tuple | list)
        and len(v) in (1, 2)
        and all(first <= d <= max(last, default[1]) for d in v)
    )
    place_rows = {int(p["id"]): p for p in places}
    org_rows = {int(o["id"]): o for o in organisations}
    with st.sidebar:
        st.markdown("**Filters** (every page)")
        _restore("filters_dates", default, in_span)
        chosen = st.date_input(
            "Dates", min_value=week_start(first), max_value=max(last, default[1]), key="filters_dates",
            on_change=_keep, args=("filters_dates", default),
            help=f"Default: the {DEFAULT_WEEKS} weeks up to the latest week with convoys or tolls.",
            format="YYYY-MM-DD",
        )  # fmt: skip
        _restore("filters_place", None, lambda v: v is None or v in place_rows)
        place = st.selectbox(
            "Place", list(place_rows), format_func=lambda i: place_label(place_rows[i]), index=None,
            placeholder="every place", key="filters_place", on_change=_keep, args=("filters_place", None),
            help="A place includes every place inside it: eastern Ghouta includes Douma.",
        )  # fmt: skip
        _restore("filters_organisation", None, lambda v: v is None or v in org_rows)
        org = st.selectbox(
            "Organisation or source", list(org_rows),
            format_func=lambda i: f"{org_rows[i]['name']} ({org_rows[i]['roles']})", index=None,
            placeholder="every organisation", key="filters_organisation",
            on_change=_keep, args=("filters_organisation", None),
            help="Convoys it ran, or figures it gave (tolls, besieged populations).",
        )  # fmt: skip
        pending = False
        if allow_pending:
            _restore("filters_include_pending", False, lambda v: isinstance(v, bool))
            pending = st.checkbox(
                "include pending (unreviewed) facts", key="filters_include_pending",
                on_change=_keep, args=("filters_include_pending", False),
                help="Facts extracted from reports wait for a reviewer; tick to count them already.",
            )  # fmt: skip
    dates = tuple(chosen) if isinstance(chosen, tuple | list) else (chosen,)
    start, end = (dates[0], dates[-1]) if dates else default
    return Filters(
        start=start, end=end, place_id=place, place_name=place_rows[place]["name"] if place else None,
        organisation_id=org, organisation_name=org_rows[org]["name"] if org else None, include_pending=pending,
    )  # fmt: skip
