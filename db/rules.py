"""Trend rules for the analytics pages and the Overview alerts: pure pandas, no SQL (db.trends feeds them).

They build on db.analytics and keep its rules: convoys by final outcome, besieged figures carried
forward with no town+enclave double count, tolls never summed across sources. The loops here run
over groups (sources, places), never over the rows of the whole table.

Definitions (the page help repeats them):
- a convoy was *attempted* when its final outcome is anything but planned, postponed or underway
  (it set off or was stopped); it *delivered* when the final outcome is delivered, partially
  delivered or items removed (aid reached people, even with items taken out at a checkpoint).
- trucks and people_served are *planned* (every convoy's); the *reached* sums (db.reach) count only
  convoys that arrived, and count partially delivered ones as unknown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from db import analytics, reach, sieges
from db.analytics import ParentMap, drop_contained_rows

OUTCOMES = [
    "delivered", "partially_delivered", "items_removed", "blocked", "attacked", "aborted", "failed",
    "postponed", "planned", "underway",
]  # fmt: skip
NOT_ATTEMPTED = ("planned", "postponed", "underway")
DELIVERED = ("delivered", "partially_delivered", "items_removed")
ALARMING = ("blocked", "attacked")
# Access alerts (db.trends.alerts): a convoy stopped, hit or stripped of items at a checkpoint.
ACCESS_ALERTS = ("blocked", "attacked", "items_removed")
REACHED_COLUMNS = ["trucks_reached", "people_reached", "reached_unknown"]
COUNT_COLUMNS = ["week", "outcome", "arrival", "import_id", "source", "convoys", "trucks", "people_served"]
TOLL_VALUES = ["killed_low", "killed_high", "injured_low", "injured_high"]
TOLL_JUMP = 0.25  # a toll "up" when both ends of its band rose by more than this share


def mondays(start: dt.date, end: dt.date) -> list[dt.date]:
    """The Monday of every ISO week touching [start, end], oldest first."""
    first = start - dt.timedelta(days=start.weekday())
    return [first + dt.timedelta(weeks=i) for i in range((end - first).days // 7 + 1)]


def week_of(dates: pd.Series) -> pd.Series:
    """The Monday of each date (a Series of datetime.date). Computed once per distinct day: a
    window holds a few dozen days however many rows it has."""
    if dates.empty:
        return pd.Series([], index=dates.index, dtype="object")
    days = {d: pd.Timestamp(d).date() for d in dates.unique()}
    mondays = {d: day - dt.timedelta(days=day.weekday()) for d, day in days.items()}
    return dates.map(mondays)


# ---- containment, vectorised ---------------------------------------------------------------------


# ---- convoys --------------------------------------------------------------------------------------


def convoy_counts(final: pd.DataFrame) -> pd.DataFrame:
    """Final convoys counted per week, outcome, arrival (db.reach.arrival: arrived, partial or
    none) and file or report: columns week, outcome (None when unknown), arrival, import_id, source,
    convoys, trucks, people_served (sums; a missing count adds 0). The convoy_finals rollup
    (db.finals) sums to the same counts. Plain Python: a window holds a few thousand convoys, and a
    five-key pandas group-by costs more than the sums."""
    cols = COUNT_COLUMNS
    if final.empty:
        return pd.DataFrame(columns=cols)
    counts: dict[tuple[object, ...], list[int]] = {}
    tags = final["outcome_tags"].tolist() if "outcome_tags" in final else [None] * len(final)
    columns = [final[c].tolist() for c in ("outcome", "import_id", "source", "trucks", "people_served")]
    for week, outcome, import_id, source, trucks, people, tag in zip(
        week_of(final["date"]).tolist(), *columns, tags, strict=True
    ):
        outcome = None if outcome is None or outcome != outcome else outcome
        key = (week, outcome, reach.arrival(outcome, tag), import_id, source)
        found = counts.setdefault(key, [0, 0, 0])
        found[0] += 1
        found[1] += _count(trucks)
        found[2] += _count(people)
    rows = [(*key, *sums) for key, sums in counts.items()]
    return pd.DataFrame(rows, columns=cols).astype({c: "int64" for c in cols[5:]})


def _count(value: object) -> int:
    """A truck or people count to add: 0 when missing (None or NaN)."""
    return 0 if value is None or value != value else int(value)  # type: ignore[call-overload]


def weekly_convoys(final: pd.DataFrame, weeks: Sequence[dt.date]) -> pd.DataFrame:
    """Final convoys per week (columns as weekly_from_counts)."""
    return weekly_from_counts(convoy_counts(final), weeks)


def weekly_from_counts(counts: pd.DataFrame, weeks: Sequence[dt.date]) -> pd.DataFrame:
    """Convoys per week from convoy_counts rows. Columns: week, convoys, one per outcome, trucks and
    people_served (planned: every convoy's), trucks_reached and people_reached (db.reach: arrived
    convoys only), reached_unknown (partially delivered convoys, whose reached figure is unknown),
    attempted, delivered_or_partial, delivered_share (0–1, NaN when nothing was attempted), sources
    (distinct files or reports behind the week)."""
    # Plain Python: a window has a few dozen count rows, and pandas' merges cost more than the sums.
    sums = ["convoys", "trucks", "people_served", *REACHED_COLUMNS]
    totals = {w: dict.fromkeys([*OUTCOMES, *sums], 0) for w in weeks}
    sources: dict[dt.date, set[object]] = {w: set() for w in weeks}
    columns = [
        counts[c].tolist()
        for c in ("week", "outcome", "arrival", "source", "convoys", "trucks", "people_served")
    ]
    for week, outcome, arrived, source, convoys, trucks, people in zip(*columns, strict=True):
        row = totals.get(week)
        if row is None:
            continue
        if outcome in OUTCOMES:
            row[outcome] += int(convoys)
        row["convoys"] += int(convoys)
        row["trucks"] += int(trucks)
        row["people_served"] += int(people)
        if arrived == "arrived":  # counts are per arrival: the reached sums follow from them
            row["trucks_reached"] += int(trucks)
            row["people_reached"] += int(people)
        elif arrived == "partial":
            row["reached_unknown"] += int(convoys)
        sources[week].add(source)
    for row in totals.values():
        row["attempted"] = row["convoys"] - sum(row[o] for o in NOT_ATTEMPTED)
        row["delivered_or_partial"] = sum(row[o] for o in DELIVERED)
    out: dict[str, Any] = {"week": list(weeks)}
    for col in ["convoys", *OUTCOMES, "trucks", "people_served", *REACHED_COLUMNS, "attempted",
                "delivered_or_partial"]:  # fmt: skip
        out[col] = np.array([totals[w][col] for w in weeks], dtype="int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        share = out["delivered_or_partial"] / np.where(out["attempted"] > 0, out["attempted"], np.nan)
    out["delivered_share"] = np.round(share, 3)
    out["sources"] = np.array([len(sources[w]) for w in weeks], dtype="int64")
    return pd.DataFrame(out)


def top_destinations(final: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """Places by number of final convoys. Columns: place_id, place, convoys, attempted,
    delivered_or_partial, blocked_or_attacked, trucks, people_served. Plain Python, as convoy_counts."""
    cols = ["place_id", "place", "convoys", "attempted", "delivered_or_partial", "blocked_or_attacked",
            "trucks", "people_served"]  # fmt: skip
    if final.empty:
        return pd.DataFrame(columns=cols)
    places: dict[tuple[int, str], list[int]] = {}
    columns = [final[c].tolist() for c in ("place_id", "place", "outcome", "trucks", "people_served")]
    for place_id, place, outcome, trucks, people in zip(*columns, strict=True):
        found = places.setdefault((place_id, place), [0] * 6)
        found[0] += 1
        found[1] += outcome not in NOT_ATTEMPTED
        found[2] += outcome in DELIVERED
        found[3] += outcome in ALARMING
        found[4] += _count(trucks)
        found[5] += _count(people)
    ranked = sorted(sorted(places.items()), key=lambda item: (-item[1][0], item[0][1]))[:limit]
    out = pd.DataFrame([(*key, *sums) for key, sums in ranked], columns=cols)
    return out.astype({c: "int64" for c in cols[2:]})


# ---- besieged populations ---------------------------------------------------------------------------


def besieged_by_week(
    obs: pd.DataFrame, weeks: Sequence[dt.date], parents: ParentMap, limits: sieges.Ages | None = None
) -> pd.DataFrame:
    """Each place's figure at the end (Sunday) of every week, carried forward under db.sieges.standing
    (lifts reach inner places, contained places left out, ages marked), in one sweep through the
    observations in date order. Columns: week, place_id, as_of, pop_low, pop_high, sources, figure,
    age_days, stale, expired (expired rows are listed, never counted: db.sieges.counted)."""
    cols = [
        "week",
        "place_id",
        "as_of",
        "pop_low",
        "pop_high",
        "sources",
        "figure",
        "age_days",
        "stale",
        "expired",
    ]
    if obs.empty or not weeks:
        return pd.DataFrame(columns=cols)
    limits = limits or sieges.ages()
    lifts = sieges.lift_dates(obs)
    columns = [obs[c].tolist() for c in ("place_id", "date", "status", "pop_low", "pop_high")]
    rows = sorted(zip(*columns, strict=True), key=lambda r: r[1])  # stable: same-date rows keep their order
    state: dict[int, dict[str, object]] = {}
    out: list[list[object]] = []
    i = 0
    for week in sorted(weeks):
        end = week + dt.timedelta(days=6)
        while i < len(rows) and rows[i][1] <= end:
            place, date, status, low, high = rows[i]
            analytics.add_observation(state, int(place), date, status, low, high)
            i += 1
        for p, r in sieges.standing(state, lifts, end, parents, limits).items():
            out.append([week, p, r["as_of"], *(0 if pd.isna(r[c]) else int(r[c]) for c in ("pop_low", "pop_high")),  # type: ignore[call-overload, arg-type]
                        r["sources"], r["figure"], r["age_days"], r["stale"], r["expired"]])  # fmt: skip
    if not out:
        types = {c: "int64" for c in ("pop_low", "pop_high", "sources", "age_days")} | {
            "stale": "bool",
            "expired": "bool",
        }
        return pd.DataFrame(columns=cols).astype(types)
    values = list(zip(*out, strict=True))
    frame: dict[str, Any] = {c: list(v) for c, v in zip(cols, values, strict=True)}
    for c in ("place_id", "pop_low", "pop_high", "sources", "age_days"):
        frame[c] = np.array(frame[c], dtype="int64")
    for c in ("stale", "expired"):
        frame[c] = np.array(frame[c], dtype="bool")
    return pd.DataFrame(frame)


def besieged_totals(by_week: pd.DataFrame, weeks: Sequence[dt.date]) -> pd.DataFrame:
    """Per week and figure (besieged, hard_to_reach, trapped: never added together), the sum of the
    counted figures: columns week, besieged_low, besieged_high, places (besieged places counted),
    besieged_unknown (besieged places whose figure expired), hard_to_reach_low/high, trapped_low/high."""
    sums = {(w, f): [0, 0, 0, 0] for w in weeks for f in sieges.FIGURES}  # plain sums: a few hundred rows
    names = ("week", "figure", "pop_low", "pop_high", "expired")
    columns = [by_week[c].tolist() for c in names] if not by_week.empty else [[]] * len(names)
    for week, figure, low, high, expired in zip(*columns, strict=True):
        row = sums.get((week, figure))
        if row is None:
            continue
        if expired:
            row[3] += 1
            continue
        row[0] += int(low)
        row[1] += int(high)
        row[2] += 1
    frame: dict[str, Any] = {"week": list(weeks)}
    for figure in sieges.FIGURES:
        frame[f"{figure}_low"] = pd.array([sums[w, figure][0] for w in weeks], dtype="int64")
        frame[f"{figure}_high"] = pd.array([sums[w, figure][1] for w in weeks], dtype="int64")
    frame["places"] = pd.array([sums[w, "besieged"][2] for w in weeks], dtype="int64")
    frame["besieged_unknown"] = pd.array([sums[w, "besieged"][3] for w in weeks], dtype="int64")
    return pd.DataFrame(frame)


def besieged_table(
    obs: pd.DataFrame, day: dt.date, parents: ParentMap, limits: sieges.Ages | None = None
) -> pd.DataFrame:
    """The current table at ``day``: place, pop_low, pop_high, as_of, status, sources (names),
    besieging_party, place_id, figure, age_days, stale, expired; lifted sieges (also through an
    enclosing place) and contained places left out (db.sieges.standing); expired figures listed with
    their last figure and date; largest first. Plain Python over the observations (a few hundred):
    pandas' per-group calls and per-frame steps cost several times the arithmetic."""
    cols = ["place", "pop_low", "pop_high", "as_of", "status", "sources", "besieging_party", "place_id", "figure",
            "age_days", "stale", "expired"]  # fmt: skip
    current = analytics.latest_observations(obs, day)
    standing = sieges.standing(current, sieges.lift_dates(obs), day, parents, limits)
    detail: dict[int, tuple[str, set[str], set[str]]] = {}
    columns = (
        [obs[c].tolist() for c in ("place_id", "date", "place", "source", "besieging_party")]
        if standing
        else []
    )
    for place_id, date, place, source, party in zip(*columns, strict=True):
        if place_id not in standing or standing[place_id]["as_of"] != date:
            continue
        _, sources, parties = detail.setdefault(place_id, (place, set(), set()))
        if not pd.isna(source):
            sources.add(source)
        if not pd.isna(party):
            parties.add(party)
    rows = []
    for place_id, row in standing.items():
        place, sources, parties = detail[place_id]
        low, high = (0 if pd.isna(row[c]) else int(row[c]) for c in ("pop_low", "pop_high"))  # type: ignore[call-overload, arg-type]
        rows.append((place, low, high, row["as_of"], row["status"], ", ".join(sorted(sources)),
                     ", ".join(sorted(parties)), place_id, row["figure"], row["age_days"], row["stale"],
                     row["expired"]))  # fmt: skip
    rows.sort(key=lambda r: (r[11], -r[2], r[0]))  # expired (unknown) figures after the counted ones
    out = pd.DataFrame(rows, columns=cols)
    types = {"pop_low": "int64", "pop_high": "int64", "place_id": "int64", "age_days": "int64", "stale": "bool",
             "expired": "bool"}  # fmt: skip
    return out.astype(types) if rows else out


def newly_besieged(obs: pd.DataFrame, week: dt.date, parents: ParentMap) -> pd.DataFrame:
    """Places besieged in ``week`` that were not before it: first observation, or the one before the
    week said "lifted". A place inside an enclave already besieged (or newly besieged the same week)
    is left out. Columns: place_id, place, date, pop_low, pop_high."""
    cols = ["place_id", "place", "date", "pop_low", "pop_high"]
    end = week + dt.timedelta(days=6)
    this_week = obs[(obs["date"] >= week) & (obs["date"] <= end)] if not obs.empty else obs
    if this_week.empty:
        return pd.DataFrame(columns=cols)
    # Only the places reported this week and the places containing them can matter.
    near = set(this_week["place_id"].tolist())
    near |= {a for p in list(near) for a in analytics.ancestors(int(p), parents)}
    obs = obs[obs["place_id"].isin(near)]
    before = analytics.latest_observations(obs, week - dt.timedelta(days=1))
    now = analytics.besieged_at(obs, end, parents)
    candidates = set(now["place_id"].tolist()) & set(this_week["place_id"].tolist())
    new = {p for p in candidates if p not in before or before[p]["lifted"]}
    standing_before = {p for p, row in before.items() if not row["lifted"]}
    keep = analytics.drop_contained(new | analytics.drop_contained(standing_before, parents), parents) & new
    rows: dict[int, list] = {}
    for r in this_week.itertuples():
        if r.place_id not in keep or r.status == "lifted":
            continue
        found = rows.get(r.place_id)
        if found is None:
            rows[r.place_id] = [r.place_id, r.place, r.date, r.pop_low, r.pop_high]
        else:
            found[2] = min(found[2], r.date)
            found[3] = analytics._least(found[3], r.pop_low)
            found[4] = analytics._most(found[4], r.pop_high)
    out = pd.DataFrame(list(rows.values()), columns=cols)
    return out.sort_values("place").reset_index(drop=True)


# ---- civilian tolls -----------------------------------------------------------------------------------


def reports_per_source(tolls: pd.DataFrame, start: dt.date, end: dt.date) -> pd.Series:
    """How many toll rows of each source overlap [start, end] (for compare_sources)."""
    if tolls.empty:
        return pd.Series(dtype="int64")
    return tolls[(tolls["period_end"] >= start) & (tolls["period_start"] <= end)].groupby("source").size()


def daily_by_source(tolls: pd.DataFrame, parents: ParentMap) -> pd.DataFrame:
    """Each source's own figure per day and place (analytics.daily_tolls before the range across
    sources): spread evenly over the period, cumulative series as increments, overlapping
    statements of one source not summed (distinct events are), a place left out where the same source gave a figure for a
    place containing it that day. Columns: day (date), place_id, source, killed_low ... injured_high."""
    per_source = analytics.source_days(tolls)
    per_source["day"] = pd.to_datetime(per_source["day"]).dt.date
    return drop_contained_rows(per_source, ["day", "source"], parents).reset_index(drop=True)


def _round(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole numbers; a figure the source did not give (killed without injured) stays unknown
    (NaN, the column then float), never 0."""
    for col in TOLL_VALUES:
        values = frame[col].astype("float64").round()
        frame[col] = values if values.isna().any() else values.astype("int64")
    return frame


def weekly_by_source(daily: pd.DataFrame, weeks: Sequence[dt.date]) -> pd.DataFrame:
    """Each source's weekly killed and injured (its own low–high), weeks of ``weeks`` only.
    Columns: week, source, killed_low, killed_high, injured_low, injured_high."""
    cols = ["week", "source", *TOLL_VALUES]
    if daily.empty:
        return pd.DataFrame(columns=cols)
    frame = daily if "week" in daily else daily.assign(week=week_of(daily["day"]))
    frame = frame[frame["week"].isin(list(weeks))]
    out = frame.groupby(["week", "source"], as_index=False)[TOLL_VALUES].sum(min_count=1)
    return _round(out)[cols].sort_values(["week", "source"]).reset_index(drop=True)


def weekly_band(daily_band: pd.DataFrame, daily: pd.DataFrame, weeks: Sequence[dt.date]) -> pd.DataFrame:
    """Killed and injured per week as low–high across sources (sum of analytics.daily_tolls days),
    every week of ``weeks`` present. Columns: week, killed_low ... injured_high, sources."""
    out = pd.DataFrame({"week": list(weeks)})
    if not daily_band.empty:
        band = daily_band if "week" in daily_band else daily_band.assign(week=week_of(daily_band["day"]))
        out = out.merge(band.groupby("week")[TOLL_VALUES].sum(min_count=1), left_on="week", right_index=True,
                        how="left")  # fmt: skip
        weekly = daily if "week" in daily else daily.assign(week=week_of(daily["day"]))
        counts = weekly.groupby("week")["source"].nunique()
        out["sources"] = out["week"].map(counts)
    for col in [*TOLL_VALUES, "sources"]:
        out[col] = out[col].fillna(0).round().astype("int64") if col in out else 0
    return out


def cumulative_band(weekly: pd.DataFrame) -> pd.DataFrame:
    """Running totals of a weekly band from the first week shown: adds killed_low_total ... columns."""
    out = weekly.copy()
    for col in TOLL_VALUES:
        out[f"{col}_total"] = out[col].cumsum()
    return out


def with_weeks(frame: pd.DataFrame) -> pd.DataFrame:
    """``day`` as dates and its ISO ``week`` (Monday), computed once per distinct day."""
    days = frame["day"]
    dates = {d: pd.Timestamp(d).date() for d in days.unique()}
    mondays = {d: day - dt.timedelta(days=day.weekday()) for d, day in dates.items()}
    return frame.assign(day=days.map(dates), week=days.map(mondays))


def source_days_kept(per_source: pd.DataFrame, parents: ParentMap) -> pd.DataFrame:
    """Each source's days (analytics.source_days rows) with dates and weeks, a place left out where
    the same source gave a figure for a place containing it that day."""
    return drop_contained_rows(with_weeks(per_source), ["day", "source"], parents)


def toll_week_band(
    per_source: pd.DataFrame, kept: pd.DataFrame, parents: ParentMap, weeks: Sequence[dt.date]
) -> pd.DataFrame:
    """weekly_band of each source's days: ``per_source`` as analytics.source_days gives them,
    ``kept`` the same through source_days_kept. A week depends on its own days only, which is what
    lets db.rollups keep it per week."""
    return weekly_band(with_weeks(analytics.band_days(per_source, parents)), kept, weeks)


def compare_sources(daily: pd.DataFrame, reports: pd.Series, start: dt.date, end: dt.date) -> pd.DataFrame:
    """Side by side: each source's killed and injured over [start, end] (its days in the window only).
    ``reports``: the number of reports overlapping the window, per source (index).
    Columns: source, reports, first, last, killed_low, killed_high, injured_low, injured_high."""
    cols = ["source", "reports", "first", "last", *TOLL_VALUES]
    if daily.empty:
        return pd.DataFrame(columns=cols)
    inside = daily[(daily["day"] >= start) & (daily["day"] <= end)]
    groups = inside.groupby("source")
    out = groups[TOLL_VALUES].sum(min_count=1)  # a figure no day of the source gave: unknown, not 0
    out.insert(0, "last", groups["day"].max())
    out.insert(0, "first", groups["day"].min())
    out = out.reset_index()
    out["reports"] = out["source"].map(reports).fillna(0).astype("int64")
    return _round(out)[cols].sort_values("source").reset_index(drop=True)


def toll_jumps(band: pd.DataFrame, week: dt.date, threshold: float = TOLL_JUMP) -> pd.DataFrame:
    """Killed or injured up by more than ``threshold`` on the week before: both ends of the band
    must have risen that much (so one source starting or stopping to report does not raise it), and
    the week before must have a figure (no base, no percentage). Columns: measure, previous_low,
    previous_high, low, high, change (share, on the low end)."""
    cols = ["measure", "previous_low", "previous_high", "low", "high", "change"]
    rows = band.set_index("week")
    previous = week - dt.timedelta(weeks=1)
    if week not in rows.index or previous not in rows.index:
        return pd.DataFrame(columns=cols)
    out = []
    for measure in ("killed", "injured"):
        lo0, hi0 = rows.at[previous, f"{measure}_low"], rows.at[previous, f"{measure}_high"]
        lo1, hi1 = rows.at[week, f"{measure}_low"], rows.at[week, f"{measure}_high"]
        if lo0 > 0 and lo1 > lo0 * (1 + threshold) and hi1 > hi0 * (1 + threshold):
            out.append((measure, int(lo0), int(hi0), int(lo1), int(hi1), round(lo1 / lo0 - 1, 3)))
    return pd.DataFrame(out, columns=cols)


def provenance_summary(rows: pd.DataFrame) -> dict[str, object]:
    """How many facts, files or reports and sources are behind a chart's rows (columns id,
    import_id, source): {"facts": int, "imports": int, "sources": [names, sorted]}."""
    if rows.empty:
        return {"facts": 0, "imports": 0, "sources": []}
    names = sorted({str(s) for s in rows["source"].dropna()})
    return {"facts": int(rows["id"].nunique()), "imports": int(rows["import_id"].nunique()), "sources": names}


def counts_summary(counts: pd.DataFrame, column: str) -> dict[str, object]:
    """provenance_summary from rows already counted per file and source (``column``: how many facts
    each row stands for): facts, imports, sources (names, sorted)."""
    if counts.empty:
        return {"facts": 0, "imports": 0, "sources": []}
    return {
        "facts": int(counts[column].sum()),
        "imports": int(counts["import_id"].nunique()),
        "sources": sorted({str(s) for s in counts["source"].dropna()}),
    }
