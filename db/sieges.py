"""Which besieged-population figures stand at a date: the one rule behind every besieged figure
(Overview, Besieged page, Map, weekly report). Pure Python over the per-place latest observations of
db.analytics.latest_observations; the two ages are the only settings, read here and nowhere else.

- Each status is its own figure: *besieged*, *trapped* and *hard to reach* are never added together;
  "people besieged" counts besieged observations only.
- A *lifted* report ends the siege of its place and of every place inside it (the place hierarchy),
  unless the inner place has a newer observation of its own after the lift.
- Every figure has an age (days from its as-of date to the date asked about). Older than
  ``stale_days`` it is *stale* (still counted, marked); older than ``expire_days`` it is *expired*:
  it leaves the totals and is shown as unknown with its last figure and date.
- A place inside a place with its own standing figure of the same status is left out (no town and
  enclave counted twice); an expired enclave does not hide a current town figure.
"""

from __future__ import annotations

import bisect
import datetime as dt
import os
from dataclasses import dataclass

import pandas as pd

from db.analytics import ParentMap, ancestors, drop_contained

STALE_ENV = "ACCESS_MONITOR_STALE_DAYS"
EXPIRE_ENV = "ACCESS_MONITOR_EXPIRE_DAYS"
FIGURES = ("besieged", "hard_to_reach", "trapped")
LABELS = {"besieged": "People besieged", "hard_to_reach": "People hard to reach", "trapped": "People trapped"}

Lifts = dict[int, list[dt.date]]


@dataclass(frozen=True)
class Ages:
    """How old a figure may be: stale (marked) after ``stale_days``, expired (out of totals) after
    ``expire_days``."""

    stale_days: int = 90
    expire_days: int = 180


def _env_days(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError:
        return default  # a typo in a setting must not hide every figure
    return value if value > 0 else default


def ages() -> Ages:
    """The ages in force: $ACCESS_MONITOR_STALE_DAYS (default 90) and $ACCESS_MONITOR_EXPIRE_DAYS
    (default 180); a figure never expires before it is stale."""
    stale = _env_days(STALE_ENV, Ages.stale_days)
    return Ages(stale, max(stale, _env_days(EXPIRE_ENV, Ages.expire_days)))


def figure_of(status: object) -> str:
    """The figure a status counts in; any status outside the vocabulary counts as besieged (the
    loaders only store besieged, trapped, hard_to_reach and lifted)."""
    return status if isinstance(status, str) and status in FIGURES else "besieged"


def lift_dates(obs: pd.DataFrame) -> Lifts:
    """Per place, the sorted dates on which every observation of that place said "lifted"."""
    days: dict[tuple[int, dt.date], bool] = {}
    if obs.empty:
        return {}
    for place, date, status in zip(
        obs["place_id"].tolist(), obs["date"].tolist(), obs["status"].tolist(), strict=True
    ):
        key = (int(place), date)
        days[key] = days.get(key, True) and status == "lifted"
    out: Lifts = {}
    for (place, date), lifted in days.items():
        if lifted:
            out.setdefault(place, []).append(date)
    for dates in out.values():
        dates.sort()
    return out


def _lifted_by_enclosing(place: int, as_of: dt.date, day: dt.date, lifts: Lifts, parents: ParentMap) -> bool:
    """True when a place containing ``place`` was lifted on or after ``as_of`` and by ``day``."""
    for outer in ancestors(place, parents):
        dates = lifts.get(outer)
        if dates:
            i = bisect.bisect_right(dates, day)  # the last lift up to ``day``
            if i and dates[i - 1] >= as_of:
                return True
    return False


def standing(
    latest: dict[int, dict[str, object]],
    lifts: Lifts,
    day: dt.date,
    parents: ParentMap,
    limits: Ages | None = None,
) -> dict[int, dict[str, object]]:
    """The figures that stand at ``day``, from each place's latest observation up to it
    (analytics.latest_observations or an add_observation sweep). Each entry is a copy with figure,
    age_days, stale and expired added; lifted places, places lifted with an enclosing place and
    contained places are left out (see the module's rules)."""
    limits = limits or ages()
    alive: dict[int, dict[str, object]] = {}
    for place, row in latest.items():
        as_of = row["as_of"]
        assert isinstance(as_of, dt.date)
        if row["lifted"] or _lifted_by_enclosing(place, as_of, day, lifts, parents):
            continue
        age = (day - as_of).days
        alive[place] = {**row, "figure": figure_of(row["status"]), "age_days": age,
                        "stale": age > limits.stale_days, "expired": age > limits.expire_days}  # fmt: skip
    out: dict[int, dict[str, object]] = {}
    for figure in FIGURES:
        current = {p for p, r in alive.items() if r["figure"] == figure and not r["expired"]}
        counted = drop_contained(current, parents)
        expired = drop_contained(
            {p for p, r in alive.items() if r["figure"] == figure and r["expired"]}, parents
        )
        # An expired figure whose place lies inside a counted one is covered by it.
        expired = {p for p in expired if not counted.intersection(ancestors(p, parents))}
        for p in sorted(counted | expired):
            out[p] = alive[p]
    return out


def age_text(age_days: int, stale: bool, expired: bool) -> str:
    """'12 days old', '95 days old (stale)', '200 days old (expired: not in totals)'."""
    days = f"{age_days:,} day{'s' if age_days != 1 else ''} old"
    if expired:
        return f"{days} (expired: not in totals)"
    return f"{days} (stale)" if stale else days


def counted(frame: pd.DataFrame, figure: str = "besieged") -> pd.DataFrame:
    """The rows of a standing frame (figure and expired columns) that count in ``figure``'s total."""
    if frame.empty:
        return frame
    return frame[(frame["figure"] == figure) & ~frame["expired"].astype(bool)]
