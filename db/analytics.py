"""The counting rules, as pure pandas functions over fact frames (no SQL here; db.queries feeds them).

- Convoys count once, by their *final* outcome (the latest row of a convoy reference).
- Besieged population at a date: each place's latest observation carried forward until a newer
  one or a "lifted" report (of the place or of a place containing it); sources at the same date give
  a low–high range; a place is left out when a place containing it (eastern Ghouta for Douma) has
  its own current figure; figures age out (db.sieges: stale, then expired).
- Tolls: never summed across sources. Each source's figures are spread evenly over their
  period's days; for a place and week the range runs from the lowest source to the highest.
  Cumulative figures become increments between reports of the same source.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from db.sieges import Ages

ParentMap = dict[int, int | None]


def ancestors(place_id: int, parents: ParentMap) -> list[int]:
    out: list[int] = []
    current = parents.get(place_id)
    while current is not None and current not in out:
        out.append(current)
        current = parents.get(current)
    return out


def drop_contained(place_ids: Iterable[int], parents: ParentMap) -> set[int]:
    """The places to keep when a total must not count a town and its enclave twice."""
    present = set(place_ids)
    return {p for p in present if not present.intersection(ancestors(p, parents))}


def final_convoys(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per convoy: the latest row of each convoy reference, gaps filled from earlier rows.

    ``rows`` has columns id, event_ref, date, outcome, trucks, people_served (+ any others).
    """
    if rows.empty:
        return rows.assign(convoy_key=pd.Series(dtype="object"))
    frame = rows.copy()
    frame["convoy_key"] = frame["event_ref"].where(
        frame["event_ref"].notna(), "fact:" + frame["id"].astype(str)
    )
    frame = frame.sort_values(["convoy_key", "date", "id"])
    filled = frame.groupby("convoy_key", sort=False)[["trucks", "people_served"]].ffill()
    frame[["trucks", "people_served"]] = filled
    return frame.groupby("convoy_key", sort=False).tail(1).reset_index(drop=True)


def besieged_at(
    obs: pd.DataFrame, day: dt.date, parents: ParentMap, limits: Ages | None = None
) -> pd.DataFrame:
    """The figures standing at ``day`` (db.sieges.standing: lifts reach inner places, each status its
    own figure, contained places dropped, ages marked).

    ``obs`` columns: place_id, date, status, pop_low, pop_high. Returns place_id, as_of, status,
    pop_low, pop_high, sources (number of rows behind the figure), figure, age_days, stale, expired.
    Totals keep only rows whose figure is wanted and not expired (db.sieges.counted).
    """
    from db import sieges  # db.sieges builds on this module's helpers

    cols = ["place_id", "as_of", "status", "pop_low", "pop_high", "sources", "figure", "age_days", "stale",
            "expired"]  # fmt: skip
    standing = sieges.standing(latest_observations(obs, day), sieges.lift_dates(obs), day, parents, limits)
    rows = [[p, *(row[c] for c in cols[1:])] for p, row in standing.items()]
    return pd.DataFrame(rows, columns=cols)


def latest_observations(obs: pd.DataFrame, day: dt.date) -> dict[int, dict[str, object]]:
    """Each place's observations on its latest date up to ``day``, combined: as_of, lifted (every
    row of that date says lifted), status (the first row's), pop_low (lowest), pop_high (highest),
    sources (rows). Plain Python: a few hundred observations, where pandas' per-call cost dominates."""
    out: dict[int, dict[str, object]] = {}
    if obs.empty:
        return out
    columns = [obs[c].tolist() for c in ("place_id", "date", "status", "pop_low", "pop_high")]
    for place, date, status, low, high in zip(*columns, strict=True):
        if date <= day:
            add_observation(out, int(place), date, status, low, high)
    return out


def add_observation(
    state: dict[int, dict[str, object]], place: int, date: dt.date, status: str, low: object, high: object
) -> None:
    """Fold one observation into ``state`` (latest_observations' per-place entries): a later date
    replaces the entry, the same date widens it."""
    found = state.get(place)
    if found is None or date > found["as_of"]:  # type: ignore[operator]
        state[place] = {"as_of": date, "lifted": status == "lifted", "status": status, "pop_low": low,
                        "pop_high": high, "sources": 1}  # fmt: skip
    elif date == found["as_of"]:
        found["lifted"] = found["lifted"] and status == "lifted"
        found["pop_low"] = _least(found["pop_low"], low)
        found["pop_high"] = _most(found["pop_high"], high)
        found["sources"] = int(found["sources"]) + 1  # type: ignore[call-overload]


def _least(a: object, b: object) -> object:
    if pd.isna(a):  # type: ignore[arg-type]
        return b
    return a if pd.isna(b) or a <= b else b  # type: ignore[arg-type, operator]


def _most(a: object, b: object) -> object:
    if pd.isna(a):  # type: ignore[arg-type]
        return b
    return a if pd.isna(b) or a >= b else b  # type: ignore[arg-type, operator]


def toll_increments(tolls: pd.DataFrame) -> pd.DataFrame:
    """Turn cumulative rows into increments between reports of the same source and place.

    ``tolls`` columns: id, place_id, source, period_start, period_end, cumulative, killed_low,
    killed_high, injured_low, injured_high. Non-cumulative rows pass through unchanged.
    """
    if tolls.empty:
        return tolls
    plain = tolls[~tolls["cumulative"].astype(bool)]
    cumulative = tolls[tolls["cumulative"].astype(bool)].sort_values(
        ["source", "place_id", "period_end", "id"]
    )
    parts = [plain]
    for _, series in cumulative.groupby(["source", "place_id"], sort=False):
        series = series.copy()
        previous_end = series["period_end"].shift(1)
        for col in ("killed_low", "killed_high", "injured_low", "injured_high"):
            previous = series[col].shift(1)
            series[col] = (series[col] - previous.fillna(0)).clip(lower=0).where(series[col].notna())
        has_previous = previous_end.notna()
        series.loc[has_previous, "period_start"] = previous_end[has_previous] + dt.timedelta(days=1)
        # Two reports on the same day: the later one's increment has no days of its own; drop it.
        series = series[series["period_start"] <= series["period_end"]]
        parts.append(series)
    return pd.concat(parts, ignore_index=True)


TOLL_VALUES = ["killed_low", "killed_high", "injured_low", "injured_high"]


def source_days(tolls: pd.DataFrame) -> pd.DataFrame:
    """Each source's own figure per day and place: day (Timestamp), place_id, source, killed_low ...

    A report is spread evenly over the days of its period; cumulative series become increments.
    Within one source and place, *events* (rows with ``is_event``: ACLED events, AWSD incidents,
    each a distinct incident) add up, while overlapping *statements* (a daily figure inside a weekly
    one) are alternatives, so the source's figure for the day is the largest statement — never
    their sum. Where a source has both for a day, the larger of the two counts.
    """
    if tolls.empty:
        return pd.DataFrame(columns=["day", "place_id", "source", *TOLL_VALUES])
    frame = toll_increments(tolls)
    days = (pd.to_datetime(frame["period_end"]) - pd.to_datetime(frame["period_start"])).dt.days + 1
    frame = frame.assign(n_days=days.clip(lower=1))
    spread = frame.loc[frame.index.repeat(frame["n_days"])].copy()
    offset = spread.groupby(level=0).cumcount()
    spread["day"] = pd.to_datetime(spread["period_start"]) + pd.to_timedelta(offset, unit="D")
    for col in TOLL_VALUES:
        spread[col] = spread[col].astype("float64") / spread["n_days"]
    keys = ["day", "place_id", "source"]
    is_event = (
        spread["is_event"].fillna(False).astype(bool)
        if "is_event" in spread
        else pd.Series(False, spread.index)
    )
    events = spread[is_event].groupby(keys, as_index=False)[TOLL_VALUES].sum(min_count=1)
    statements = spread[~is_event].groupby(keys, as_index=False)[TOLL_VALUES].max()
    both = pd.concat([events, statements], ignore_index=True)
    return both.groupby(keys, as_index=False)[TOLL_VALUES].max()


def daily_tolls(tolls: pd.DataFrame, parents: ParentMap) -> pd.DataFrame:
    """Killed and injured per day and place as low–high across sources.

    Each source's figure for a day comes from ``source_days``. Across sources a day runs from the
    lowest to the highest; a place is left out on a day when a place containing it has its own
    figure. Columns: day, place_id, killed_low, killed_high, injured_low, injured_high, sources
    (number of sources that day).
    """
    return band_days(source_days(tolls), parents)


def weekly_tolls(tolls: pd.DataFrame, parents: ParentMap) -> pd.DataFrame:
    """Killed and injured per ISO week (Monday): the sum of the daily low–high bands of
    ``daily_tolls``, rounded. Columns: week, killed_low, killed_high, injured_low, injured_high,
    sources (distinct sources behind the week).
    """
    cols = ["week", "killed_low", "killed_high", "injured_low", "injured_high", "sources"]
    if tolls.empty:
        return pd.DataFrame(columns=cols)
    daily = daily_tolls(tolls, parents)
    daily["week"] = (daily["day"] - pd.to_timedelta(daily["day"].dt.day_of_week, unit="D")).dt.date
    values = ["killed_low", "killed_high", "injured_low", "injured_high"]
    out = daily.groupby("week", as_index=False)[values].sum(min_count=1)
    for col in values:
        out[col] = out[col].fillna(0).round().astype("int64")
    frame = toll_increments(tolls)
    sources = []
    for week in out["week"]:
        end = week + dt.timedelta(days=6)
        overlapping = frame[(frame["period_start"] <= end) & (frame["period_end"] >= week)]
        sources.append(overlapping["source"].nunique())
    out["sources"] = sources
    return out[cols]


def drop_contained_rows(frame: pd.DataFrame, by: Sequence[str], parents: ParentMap) -> pd.DataFrame:
    """Rows left when a place is dropped wherever a place containing it has a row in the same group
    (``by``, e.g. week or day and source): analytics.drop_contained for many groups at once."""
    if frame.empty:
        return frame
    present = set(frame["place_id"].unique().tolist())
    above = {p: [a for a in ancestors(int(p), parents) if a in present] for p in present}
    above = {p: chain for p, chain in above.items() if chain}
    if not above:  # no place shown inside another place shown (e.g. only towns): nothing to drop
        return frame
    # Only rows of a place with a containing place present can go; look their groups up in the
    # groups of those containing places (plain sets: a few thousand rows, no merges needed).
    containers = {a for chain in above.values() for a in chain}
    places = frame["place_id"]
    keys = [frame[c] for c in by]
    at = places.isin(containers).to_numpy()
    groups = set(zip(*(k[at].tolist() for k in keys), places[at].tolist(), strict=True))
    candidate = places.isin(above.keys()).to_numpy()
    rows = zip(*(k[candidate].tolist() for k in keys), places[candidate].tolist(), strict=True)
    dropped = [any((*row[:-1], a) in groups for a in above[row[-1]]) for row in rows]
    keep = pd.Series(True, index=frame.index)
    keep[candidate] = [not d for d in dropped]
    return frame[keep.to_numpy()]


def place_band_sums(
    rows: Iterable[tuple[object, int, str, float | None, float | None]], parents: ParentMap
) -> tuple[dict[int, tuple[float, float, int]], int]:
    """The Map's toll figure per place from each source's days, in plain Python: per day and place the
    lowest low and highest high across sources (band_days), a place left out on a day a place
    containing it has a row, then summed over the days. ``rows``: (day, place_id, source, low,
    high) of one metric, NULL/NaN for a missing end. Returns {place_id: (low, high, sources)} for
    the places with a figure (a missing sum counts 0; sources: who gave a figure for the place),
    and the number of those sources in all."""
    band: dict[tuple[object, int], list[float | None]] = {}
    present: dict[object, set[int]] = {}
    given: dict[int, set[str]] = {}
    for day, place, source, low, high in rows:
        low = None if low is None or low != low else low  # NaN != NaN
        high = None if high is None or high != high else high
        if low is not None or high is not None:
            given.setdefault(place, set()).add(source)
        found = band.get((day, place))
        if found is None:
            band[(day, place)] = [low, high]
            present.setdefault(day, set()).add(place)
            continue
        if low is not None and (found[0] is None or low < found[0]):
            found[0] = low
        if high is not None and (found[1] is None or high > found[1]):
            found[1] = high
    above: dict[int, list[int]] = {}
    sums: dict[int, list[float | None]] = {}
    for (day, place), (low, high) in band.items():
        chain = above.get(place)
        if chain is None:
            chain = above[place] = ancestors(place, parents)
        if chain and not present[day].isdisjoint(chain):
            continue
        total = sums.setdefault(place, [None, None])
        if low is not None:
            total[0] = low if total[0] is None else total[0] + low
        if high is not None:
            total[1] = high if total[1] is None else total[1] + high
    figures = {
        place: (low or 0.0, high or 0.0, len(given.get(place, ())))
        for place, (low, high) in sums.items()
        if low is not None or high is not None
    }
    return figures, len({s for place in figures for s in given.get(place, ())})


def band_days(per_source: pd.DataFrame, parents: ParentMap) -> pd.DataFrame:
    """daily_tolls from each source's days (source_days rows): per day and place
    the lowest and highest source, a place left out on a day a place containing it has a figure.
    Columns: day, place_id, killed_low ... injured_high, sources."""
    cols = ["day", "place_id", *TOLL_VALUES, "sources"]
    if per_source.empty:
        return pd.DataFrame(columns=cols)
    # Separate min / max / size passes: several times faster than one named aggregation.
    groups = per_source.groupby(["day", "place_id"], sort=False)
    lows = groups[["killed_low", "injured_low"]].min()
    highs = groups[["killed_high", "injured_high"]].max()
    per_place = lows.join(highs).assign(sources=groups.size()).reset_index()  # one row per day, place, source
    return drop_contained_rows(per_place, ["day"], parents).reset_index(drop=True)[cols]
