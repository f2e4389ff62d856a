"""Read queries of civilian tolls: the Civilian tolls page, the Overview band and alerts, the Map.

Two paths give the same figures (tests/db/test_rollups.py checks it):
- the rollups (db.rollups: ``toll_days``, each source's figure per place and day, and
  ``toll_reports``): a window reads a few thousand pre-aggregated rows, whatever the store's size;
- the base rows (``toll_rows``: every report overlapping the window and the earlier reports of
  cumulative series, through db.analytics.source_days). Used for the organisation filter (the
  rollups are kept per "who estimated it", not per organisation named) and by the weekly report.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import String, case, func, literal, select, type_coerce

from db import analytics, rules
from db.models import Fact, Place, TollDay, TollReport, TollWeek
from db.queries import place_parents
from db.reading import read_frame, read_rows
from db.rollups import scope_of
from db.selection import Selection, org_columns, subtree, toll_values, typed_toll_rows, where

VALUES = rules.TOLL_VALUES


def toll_rows(sel: Selection, url: str | None = None, victim_group: str = "civilians") -> pd.DataFrame:
    """Toll reports overlapping the window, and earlier reports of cumulative series (for increments).

    Columns: id, place_id, place, period_start, period_end, cumulative, killed_low, killed_high,
    injured_low, injured_high, source, import_id, is_event (a distinct incident of an event dataset).
    """
    first, count = org_columns("source")
    period_end = func.coalesce(Fact.period_end, Fact.period_start)
    stmt = (
        select(
            Fact.id, Fact.place_id, Place.name.label("place"), Fact.period_start,
            period_end.label("period_end"), Fact.cumulative,
            *toll_values(),
            first.label("first_source"), count.label("n_sources"), Fact.import_id,
            Fact.external_id.is_not(None).label("is_event"),
        )
        .join(Place, Place.id == Fact.place_id)
        .where(
            *where("civilian_toll", sel), Fact.victim_group == victim_group, Fact.period_start.is_not(None),
            Fact.period_start <= sel.end,
            case((Fact.cumulative.is_(True), literal(True)), else_=period_end >= sel.start),
        )
    )  # fmt: skip
    return typed_toll_rows(read_frame(stmt, url, ("period_start", "period_end")))


def _in_window(daily: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    days = pd.to_datetime(daily["day"])
    return daily[(days >= pd.Timestamp(sel.start)) & (days <= pd.Timestamp(sel.end))]


def _overlapping(rows: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    if rows.empty:
        return rows
    return rows[(rows["period_end"] >= sel.start) & (rows["period_start"] <= sel.end)]


def _uses_rollups(sel: Selection, base: bool) -> bool:
    return not base and sel.organisation_id is None


def source_days(
    sel: Selection, url: str | None = None, victim_group: str = "civilians", *, base: bool = False
) -> pd.DataFrame:
    """Each source's figure per place and day inside the window (db.analytics.source_days).
    Columns: day (Timestamp), place_id, source, killed_low, killed_high, injured_low, injured_high.
    ``base``: compute it from the facts instead of the rollups (the reference the tests compare to)."""
    if not _uses_rollups(sel, base):
        rows = toll_rows(sel, url, victim_group)
        return _in_window(analytics.source_days(rows), sel).reset_index(drop=True)
    stmt = select(
        TollDay.day, TollDay.place_id, TollDay.source, *(getattr(TollDay, c) for c in VALUES)
    ).where(
        TollDay.scope == scope_of(sel.include_pending),
        TollDay.victim_group == victim_group,
        TollDay.day.between(sel.start, sel.end),
    )
    if sel.place_id is not None:
        stmt = stmt.where(TollDay.place_id.in_(select(subtree(sel.place_id).c.id)))
    frame = read_frame(stmt, url)
    frame["day"] = pd.to_datetime(frame["day"])
    frame["place_id"] = frame["place_id"].astype("int64")
    for col in VALUES:
        frame[col] = frame[col].astype("float64")
    return frame


def report_counts(
    sel: Selection, url: str | None = None, victim_group: str = "civilians", *, base: bool = False
) -> pd.DataFrame:
    """Toll reports overlapping the window per source and file: source, import_id, reports."""
    cols = ["source", "import_id", "reports"]
    if not _uses_rollups(sel, base):
        inside = _overlapping(toll_rows(sel, url, victim_group), sel)
        return inside.groupby(["source", "import_id"]).size().rename("reports").reset_index()[cols]
    stmt = (
        select(TollReport.source, TollReport.import_id, func.sum(TollReport.reports).label("reports"))
        .where(
            TollReport.scope == scope_of(sel.include_pending), TollReport.victim_group == victim_group,
            TollReport.period_end >= sel.start, TollReport.period_start <= sel.end,
        )
        .group_by(TollReport.source, TollReport.import_id)
    )  # fmt: skip
    if sel.place_id is not None:
        stmt = stmt.where(TollReport.place_id.in_(select(subtree(sel.place_id).c.id)))
    frame = read_frame(stmt, url)
    frame["reports"] = frame["reports"].astype("int64")
    return frame[cols]


def report_summary(counts: pd.DataFrame) -> dict[str, object]:
    """db.rules.provenance_summary from report counts: facts, imports, sources (names, sorted)."""
    return rules.counts_summary(counts, "reports")


def _band(
    sel: Selection, per_source: pd.DataFrame, daily: pd.DataFrame, parents: dict[int, int | None]
) -> pd.DataFrame:
    return rules.cumulative_band(rules.toll_week_band(per_source, daily, parents, sel.weeks()))


def toll_band(sel: Selection, url: str | None = None, *, base: bool = False) -> pd.DataFrame:
    """The ``band`` frame of toll_trends alone (the Overview and its alerts need no more). Whole
    weeks without a place or organisation filter read the ``toll_weeks`` rollup."""
    if _whole_weeks(sel, base):
        return _band_from_weeks(sel, url)
    parents = place_parents(url)
    per_source = source_days(sel, url, base=base)
    return _band(sel, per_source, rules.source_days_kept(per_source, parents), parents)


def _whole_weeks(sel: Selection, base: bool) -> bool:
    """Whether the toll_weeks rollup answers ``sel``: whole ISO weeks, no place or organisation filter."""
    return (
        _uses_rollups(sel, base)
        and sel.place_id is None
        and sel.start.weekday() == 0
        and sel.end.weekday() == 6
    )


def _band_from_weeks(sel: Selection, url: str | None) -> pd.DataFrame:
    """toll_band from the toll_weeks rollup: the same columns, built from a dozen rows without pandas
    merges (their fixed cost is most of this read)."""
    cols = [*VALUES, "sources"]
    stmt = select(TollWeek.week, *(getattr(TollWeek, c) for c in cols)).where(
        TollWeek.scope == scope_of(sel.include_pending),
        TollWeek.victim_group == "civilians",
        TollWeek.week.between(sel.start, sel.end),
    )
    stored = {week: values for week, *values in read_rows(stmt, url)}
    weeks = sel.weeks()
    found = [stored.get(week, [0] * len(cols)) for week in weeks]
    out: dict[str, object] = {"week": weeks}
    for i, col in enumerate(cols):
        out[col] = np.array([values[i] for values in found], dtype="int64")
    for col in VALUES:  # rules.cumulative_band's running totals
        out[f"{col}_total"] = np.cumsum(out[col])  # type: ignore[call-overload]
    return pd.DataFrame(out)


def toll_trends(sel: Selection, url: str | None = None, *, base: bool = False) -> dict[str, pd.DataFrame]:
    """Everything the Civilian tolls page draws:

    - ``band``: week, killed_low ... injured_high (low–high across sources), sources,
      and running totals killed_low_total ... (the cumulative curve, from the first week shown);
    - ``by_source``: week, source, killed_low ... injured_high (each source's own figures);
    - ``compare``: source, reports, first, last, killed_low ... (each source over the whole window).
    Days outside the window are cut off, so a period report counts only its days inside.
    ``base``: from the facts instead of the rollups.
    """
    parents = place_parents(url)
    per_source = source_days(sel, url, base=base)
    daily = rules.source_days_kept(per_source, parents)
    reports = report_counts(sel, url, base=base).groupby("source")["reports"].sum()
    return {
        "band": _band_from_weeks(sel, url)
        if _whole_weeks(sel, base)
        else _band(sel, per_source, daily, parents),
        "by_source": rules.weekly_by_source(daily, sel.weeks()),
        "compare": rules.compare_sources(daily, reports, sel.start, sel.end),
    }


def place_figures(
    sel: Selection, metric: str, url: str | None = None, *, base: bool = False
) -> tuple[pd.DataFrame, int]:
    """The Map's toll figures per place (columns place_id, low, high, sources: per day the lowest
    and highest source, places inside others left out, summed over the window) and the number of
    sources in all. ``base``: from the facts instead of the rollups."""
    if _uses_rollups(sel, base):
        return _place_figures_from_days(sel, metric, url)
    per_source = source_days(sel, url, base=base)
    daily = analytics.band_days(per_source, place_parents(url))
    if daily.empty:
        return pd.DataFrame(columns=["place_id", "low", "high", "sources"]), 0
    low, high = f"{metric}_low", f"{metric}_high"
    sums = daily.groupby("place_id")[[low, high]].sum(min_count=1).dropna(how="all").fillna(0)
    out = pd.DataFrame({"low": sums[low].round(), "high": sums[high].round()}).astype("int64")
    # Sources: who gave a figure for the place within the period.
    given = per_source[per_source[low].notna() | per_source[high].notna()]
    out["sources"] = given.groupby("place_id")["source"].nunique()
    out["sources"] = out["sources"].fillna(0).astype("int64")
    kept = given[given["place_id"].isin(out.index)]
    return out.reset_index(), int(kept["source"].nunique())


def _place_figures_from_days(sel: Selection, metric: str, url: str | None) -> tuple[pd.DataFrame, int]:
    """place_figures from toll_days, the same rule in plain Python: the window's few thousand rows
    cost more as DataFrames and group-bys than the arithmetic (tests compare it with the base path)."""
    low, high = getattr(TollDay, f"{metric}_low"), getattr(TollDay, f"{metric}_high")
    # The day as stored (text on SQLite): it is only compared, and parsing it costs more than the rest.
    stmt = select(type_coerce(TollDay.day, String), TollDay.place_id, TollDay.source, low, high).where(
        TollDay.scope == scope_of(sel.include_pending),
        TollDay.victim_group == "civilians",
        TollDay.day.between(sel.start, sel.end),
    )
    if sel.place_id is not None:
        stmt = stmt.where(TollDay.place_id.in_(select(subtree(sel.place_id).c.id)))
    figures, total = analytics.place_band_sums(read_rows(stmt, url), place_parents(url))
    frame = pd.DataFrame(
        [(place, round(lo), round(hi), n) for place, (lo, hi, n) in sorted(figures.items())],
        columns=["place_id", "low", "high", "sources"],
    )
    return frame.astype("int64"), total
