"""The weekly report's content: one ISO week (optionally one place with the places inside it),
assembled from db.trends into plain dataclasses and DataFrames that every format renders.

The *public* variant is made here, once, so no format can forget it: pending facts left out,
coordinates moved to the admin-2 area, people counts below the threshold replaced by '<5'.
``build_report`` checks the actor first: the public variant is open to every role, the internal
one (pending facts, exact coordinates) needs an editor (db.auth).

Viewers are outside the sensitive boundary: they see what the public variant shows, and no more.
So the suppression threshold is checked here too, not only by the page's widget: below
MIN_PUBLIC_THRESHOLD only an actor who may export the internal variant (who sees the exact
counts anyway) may set it; a viewer asking for less is refused.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from dashboard import charts
from dashboard.filters import iso_week, week_label
from dashboard.report.sources import combination_notes, sources_appendix
from db import analytics, lookups, queries, rules, sieges, trends
from db.auth import Actor, report_action, require
from db.reach import reached_text
from db.trends import Selection
from loaders.normalise.dates import week_start
from loaders.normalise.text import fold

Variant = Literal["public", "internal"]
VARIANTS: tuple[Variant, ...] = ("public", "internal")
DEFAULT_THRESHOLD = 5
# The lowest threshold a viewer may choose for the public variant (counts 1-4 of people never leave
# the store through a viewer). Editors and admins may go lower: they may read the exact counts.
MIN_PUBLIC_THRESHOLD = DEFAULT_THRESHOLD
TREND_WEEKS = 12
# Counts of people: suppressed below the threshold in the public variant (convoys and trucks are not).
PEOPLE = ("people_served", "people_reached", "besieged_low", "besieged_high", "killed_low", "killed_high",
          "injured_low", "injured_high", "pop_low", "pop_high", "hard_to_reach_low", "hard_to_reach_high",
          "trapped_low", "trapped_high")  # fmt: skip
CLASSIFICATION = {"public": "PUBLIC", "internal": "INTERNAL – not for distribution"}
Cell = int | str | None  # a count, '<5' when suppressed, None when unknown
REACHED = ("trucks_reached", "people_reached")  # db.reach: with an unknown part in some weeks
# Headlines of a week without any convoy report: unknown ('–', no convoy reported), never 0.
CONVOY_FIGURES = ("convoys", "trucks", "trucks_reached", "people_served", "people_reached")


class ReportError(ValueError):
    """A report that cannot be made as asked (bad week, unknown place); the message says what to do."""


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """What to report on: an ISO week (its Monday), a place with the places inside it, the variant."""

    week: dt.date
    place_id: int | None = None
    place_name: str | None = None
    variant: Variant = "public"
    threshold: int = DEFAULT_THRESHOLD
    title: str | None = None
    classification: str | None = None

    @property
    def end(self) -> dt.date:
        return self.week + dt.timedelta(days=6)

    @property
    def include_pending(self) -> bool:
        return self.variant == "internal"

    def selection(self, start: dt.date | None = None) -> Selection:
        return Selection(start or self.week, self.end, self.place_id, None, self.include_pending)


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure: this week and the week before as low–high (equal ends for a count)."""

    key: str
    label: str
    low: Cell
    high: Cell
    previous_low: Cell = None
    previous_high: Cell = None

    def change(self) -> tuple[int, int] | None:
        """(low, high) change from the week before; None without a previous week or when suppressed."""
        values = (self.low, self.high, self.previous_low, self.previous_high)
        if not all(isinstance(v, int) for v in values):
            return None
        return int(self.low) - int(self.previous_low), int(self.high) - int(self.previous_high)  # type: ignore[arg-type]


@dataclass(slots=True)
class WeeklyReport:
    """Everything a format shows. Frames (columns in the docstrings of the builders below):
    alerts, convoys, besieged, tolls, trend (db.trends.weekly_overview, people counts suppressed in
    the public variant), sources. ``figures`` are drawn from the trend (small counts as 0 when public)."""

    options: ReportOptions
    title: str
    classification: str
    scope: str
    generated: dt.datetime
    headlines: list[Headline]
    alerts: pd.DataFrame
    convoys: pd.DataFrame
    besieged: pd.DataFrame
    tolls: pd.DataFrame
    trend: pd.DataFrame
    figures: list[go.Figure]
    sources: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    has_data: bool = True

    @property
    def week_label(self) -> str:
        return week_label(self.options.week)

    @property
    def iso_week(self) -> str:
        return iso_week(self.options.week)


# ---- arguments -----------------------------------------------------------------------------------


def parse_week(text: str) -> dt.date:
    """'2018-W10' (or '2018W10', '2018-W10-3') -> the Monday of that ISO week."""
    match = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})(?:-?[1-7])?\s*", text or "", flags=re.IGNORECASE)
    if not match:
        raise ReportError(f"week '{text}' is not an ISO week: write it as 2018-W10")
    try:
        return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ReportError(f"week '{text}' does not exist: {match[1]} has weeks 1 to 52 or 53") from None


def find_place(name: str, url: str | None = None) -> tuple[int, str]:
    """(id, name) of the place called ``name`` among places with facts (or containing them);
    case and accents ignored. Raises ReportError naming close matches when none or several fit."""
    places = trends.filter_places(url)
    key = fold(name)
    exact = places[places["name"].map(fold) == key]
    if len(exact) == 1:
        return int(exact["id"].iloc[0]), str(exact["name"].iloc[0])
    if len(exact) > 1:
        ids = ", ".join(str(i) for i in exact["id"])
        raise ReportError(f"place '{name}' names {len(exact)} places (ids {ids}); merge them or rename one")
    near = places[places["name"].map(fold).str.contains(re.escape(key[:4]), regex=True)]["name"].head(8)
    hint = f" Did you mean: {', '.join(near)}?" if len(near) else ""
    raise ReportError(f"no place called '{name}' has facts in the store.{hint}")


# ---- public variant --------------------------------------------------------------------------------


def suppress(value: object, threshold: int) -> Cell:
    """A count as shown in the public variant: '<5' for 1 to threshold-1, the count otherwise."""
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return None
    count = round(float(value))  # type: ignore[arg-type]
    return f"<{threshold}" if 0 < count < threshold else count


def _counts(frame: pd.DataFrame, options: ReportOptions) -> pd.DataFrame:
    """People counts as Python ints (None when unknown), suppressed in the public variant."""
    out = frame.copy()
    public = options.variant == "public"
    for col in [c for c in PEOPLE if c in out]:
        cells = [suppress(v, options.threshold if public else 0) for v in out[col]]
        out[col] = pd.Series(cells, index=out.index, dtype="object")
    return out


def _coordinates(frame: pd.DataFrame, options: ReportOptions, url: str | None) -> pd.DataFrame:
    """Add admin1, admin2, pcode, lat, lon; the public variant gives the admin-2 area's coordinates."""
    if frame.empty:
        return frame.reindex(columns=[*frame.columns, "admin1", "admin2", "pcode", "lat", "lon"])
    places = lookups.place_details(frame["place_id"].astype(int).tolist(), queries.place_parents(url), url)
    out = frame.assign(place_id=frame["place_id"].astype("int64")).merge(places, on="place_id", how="left")
    if options.variant == "public":
        out["lat"], out["lon"] = out["admin2_lat"], out["admin2_lon"]
    return out.drop(columns=["admin2_lat", "admin2_lon"])


def _public_trend(trend: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """The trend for public charts: people counts of 1 to threshold-1 drawn as 0."""
    out = trend.copy()
    for col in [c for c in PEOPLE if c in out]:
        out[col] = out[col].where(~out[col].between(1, threshold - 1), 0)
    return out


# ---- sections --------------------------------------------------------------------------------------


def _besieged_headline(this: pd.Series, before: pd.Series | None, label: str, limit: int) -> Headline:
    """People besieged at the week's end, None (unknown) when every besieged figure has expired."""

    def ends(row: pd.Series | None) -> tuple[Cell, Cell]:
        if row is None or (not row["besieged_places"] and row["besieged_unknown"]):
            return None, None
        return suppress(row["besieged_low"], limit), suppress(row["besieged_high"], limit)

    return Headline("besieged", label, *ends(this), *ends(before))


def _headlines(trend: pd.DataFrame, options: ReportOptions) -> list[Headline]:
    this = trend.iloc[-1]
    before = trend.iloc[-2] if len(trend) > 1 else None
    items = [("convoys", "Convoys", "convoys", "convoys"), ("trucks", "Trucks planned", "trucks", "trucks"),
             ("trucks_reached", "Trucks reached", "trucks_reached", "trucks_reached"),
             ("people_served", "People targeted", "people_served", "people_served"),
             ("people_reached", "People reached", "people_reached", "people_reached"),
             ("besieged", "People besieged (end of week)", "besieged_low", "besieged_high"),
             ("hard_to_reach", "People hard to reach (end of week)", "hard_to_reach_low", "hard_to_reach_high"),
             ("trapped", "People trapped (end of week)", "trapped_low", "trapped_high"),
             ("killed", "Civilians killed", "killed_low", "killed_high"),
             ("injured", "Civilians injured", "injured_low", "injured_high")]  # fmt: skip
    threshold = options.threshold if options.variant == "public" else 0
    out = []
    for key, label, low, high in items:
        limit = threshold if low in PEOPLE else 0
        if key == "besieged":  # only expired figures left: unknown, not zero (db.sieges)
            out.append(_besieged_headline(this, before, label, limit))
            continue
        prev = (
            (None, None) if before is None else (suppress(before[low], limit), suppress(before[high], limit))
        )
        now = (suppress(this[low], limit), suppress(this[high], limit))
        if low in REACHED:  # '1,000 + unknown' when a partially delivered convoy has no reached figure
            now = (_reached_cell(now[0], this),) * 2
            prev = prev if before is None else (_reached_cell(prev[0], before),) * 2
        if key in CONVOY_FIGURES:  # no convoy reported: '–', not "0 trucks reached"
            now = (None, None) if not int(this["convoys"]) else now
            prev = (None, None) if before is None or not int(before["convoys"]) else prev
        out.append(Headline(key, label, *now, *prev))
    return out


def _reached_cell(cell: Cell, week: pd.Series) -> Cell:
    """A reached figure (db.reach) as the Summary shows it: the count, or '1,000 + unknown' ('–'
    alone) when partially delivered convoys of the week have no reached figure."""
    return reached_text(cell, week["reached_unknown"]) if int(week["reached_unknown"]) else cell


def _convoys(options: ReportOptions, url: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, provenance rows). Table columns: date, place_id, place, admin1, admin2, pcode, lat, lon,
    outcome, trucks, people_served (planned), trucks_reached, people_reached (db.reach: None when
    unknown), organisations, convoy_ref, review_status, source."""
    rows = trends.convoy_facts(options.selection(), url)
    cols = ["date", "place_id", "place", "outcome", "trucks", "people_served", "trucks_reached", "people_reached",
            "organisations", "convoy_ref", "review_status", "source"]  # fmt: skip
    if rows.empty:
        return _coordinates(pd.DataFrame(columns=cols), options, url), rows
    orgs = lookups.organisations(rows["id"].astype(int).tolist(), "operator", url)
    table = rows.assign(organisations=rows["id"].astype(int).map(orgs), convoy_ref=rows["event_ref"])
    table = table.sort_values(["date", "place", "id"]).reset_index(drop=True)[cols]
    for col in ("trucks", "trucks_reached"):
        table[col] = pd.Series(
            [None if pd.isna(v) else int(v) for v in table[col]], index=table.index, dtype="object"
        )
    return _counts(_coordinates(table, options, url), options), rows


def _besieged(options: ReportOptions, url: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, provenance rows). Table columns: place_id, place, admin1, admin2, pcode, lat, lon, status,
    pop_low, pop_high, as_of, age (db.sieges.age_text), expired, besieging_party, sources: every figure
    standing at the week's end (besieged, hard to reach, trapped), an expired one with its last figure."""
    sel = options.selection()
    obs = trends.besieged_observations(sel, url)
    table = trends.besieged_table(sel, url, obs=obs)
    by_week = trends.besieged_by_week(sel, url, obs=obs)
    behind = trends.besieged_behind(obs, by_week[by_week["week"] == options.week])
    if not table.empty:
        ages = zip(table["age_days"], table["stale"], table["expired"], strict=True)
        table = table.assign(age=[sieges.age_text(int(a), bool(s), bool(e)) for a, s, e in ages])
    cols = ["place_id", "place", "status", "pop_low", "pop_high", "as_of", "age", "expired", "besieging_party",
            "sources"]  # fmt: skip
    table = (
        table.sort_values(["place"]).reset_index(drop=True)[cols]
        if not table.empty
        else table.reindex(columns=cols)
    )
    return _counts(_coordinates(table, options, url), options), behind


def _tolls(options: ReportOptions, url: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(table, provenance rows). One row per place and source (row_type 'source', each source's own
    low–high over the week's days) and one per place (row_type 'range': lowest to highest source,
    day by day, never summed). Columns: place_id, place, admin1, admin2, pcode, lat, lon, row_type,
    source, reports, killed_low, killed_high, injured_low, injured_high."""
    sel, parents = options.selection(), queries.place_parents(url)
    cols = ["place_id", "place", "row_type", "source", "reports", *rules.TOLL_VALUES]
    tolls = trends.toll_rows(sel, url)
    # The reports behind the week: those whose period overlaps it (as the Civilian tolls page counts).
    used = (
        tolls[(tolls["period_start"] <= sel.end) & (tolls["period_end"] >= sel.start)]
        if not tolls.empty
        else tolls
    )
    daily = _in_week(rules.daily_by_source(tolls, parents), sel) if not tolls.empty else pd.DataFrame()
    if daily.empty:
        return _coordinates(pd.DataFrame(columns=cols), options, url), used
    per_source = daily.groupby(["place_id", "source"], as_index=False)[rules.TOLL_VALUES].sum(min_count=1)
    per_source["reports"] = [int(((used["place_id"] == p) & (used["source"] == s)).sum())
                             for p, s in zip(per_source["place_id"], per_source["source"], strict=True)]  # fmt: skip
    band = _in_week(analytics.daily_tolls(tolls, parents), sel)
    ranges = band.groupby("place_id", as_index=False)[rules.TOLL_VALUES].sum(min_count=1)
    ranges = ranges.assign(row_type="range", source="all sources (low–high)", reports=ranges["place_id"].map(
        used.groupby("place_id").size()).fillna(0).astype(int))  # fmt: skip
    table = pd.concat([per_source.assign(row_type="source"), ranges], ignore_index=True)
    names = used.drop_duplicates("place_id").set_index("place_id")["place"]
    table["place"] = table["place_id"].map(names)
    table["_order"] = (table["row_type"] == "range").astype(int)
    table = table.sort_values(["place", "_order", "source"]).reset_index(drop=True)[cols]
    for col in rules.TOLL_VALUES:
        table[col] = table[col].round()
    return _counts(_coordinates(table, options, url), options), used


def _in_week(daily: pd.DataFrame, sel: Selection) -> pd.DataFrame:
    """Days of a daily frame (column day) inside the selection's dates."""
    days = pd.to_datetime(daily["day"])
    return daily[(days >= pd.Timestamp(sel.start)) & (days <= pd.Timestamp(sel.end))]


def overview_figures(trend: pd.DataFrame) -> list[go.Figure]:
    """The Overview page's six trend charts, from the same dashboard.charts builders."""
    return [
        charts.convoys_by_outcome_bar(trend),
        charts.trend_lines(trend, ["trucks", "trucks_reached"]),
        charts.trend_lines(trend, ["people_served", "people_reached"]),
        charts.besieged_range_band(trend),
        charts.killed_range_band(trend),
        charts.injured_range_band(trend),
    ]


def _alerts(options: ReportOptions, trend: pd.DataFrame, url: str | None) -> pd.DataFrame:
    """The Overview's alerts (db.trends.alerts): alert, place, date, message. In the public variant a
    toll alert whose figures fall below the threshold loses its numbers."""
    alerts = trends.alerts(options.week, options.selection(), url)
    if options.variant != "public" or alerts.empty or len(trend) < 2:
        return alerts
    last = trend.iloc[-2:][["killed_low", "killed_high", "injured_low", "injured_high"]]
    if ((last > 0) & (last < options.threshold)).to_numpy().any():
        generic = (f"Civilians killed or injured up by more than 25 % on the week before (counts below "
                   f"{options.threshold} are not shown in the public variant).")  # fmt: skip
        alerts.loc[alerts["alert"] == "toll", "message"] = generic
    return alerts


# ---- the report ------------------------------------------------------------------------------------


def min_threshold(actor: Actor) -> int:
    """The lowest public-variant threshold ``actor`` may ask for: 1 for those who may export the
    internal variant, MIN_PUBLIC_THRESHOLD for everyone else."""
    return 1 if actor.may(report_action("internal")) else MIN_PUBLIC_THRESHOLD


def check_threshold(options: ReportOptions, actor: Actor) -> None:
    """Refuse a public-variant threshold below what ``actor`` may ask for (ReportError)."""
    if options.variant != "public":
        return
    lowest = min_threshold(actor)
    if (
        isinstance(options.threshold, bool)
        or not isinstance(options.threshold, int)
        or options.threshold < lowest
    ):
        why = (
            f"a {actor.role} may not go below {lowest}: smaller counts of people are for editors"
            if lowest > 1
            else "it must be a whole number of 1 or more"
        )
        raise ReportError(
            f"suppression threshold {options.threshold!r} refused for the public report: {why}. "
            f"Use {lowest} or more (default {DEFAULT_THRESHOLD})."
        )


def _check_in_range(options: ReportOptions, span: tuple[dt.date, dt.date] | None) -> None:
    """A quiet week (no fact dated in it) is reported: sieges carry through it, and "no convoy for
    30 days" is news. Only a week with no data at all around it is refused: an empty store, a week
    ending before the first fact, or one starting after today (ReportError naming the range)."""
    if span is None:
        raise ReportError("the store holds no facts: import files first (python -m cli ingest FILE)")
    today = dt.date.today()
    if options.end < span[0] or options.week > today:
        raise ReportError(
            f"week {iso_week(options.week)} is outside the data: the store's facts run from "
            f"{iso_week(week_start(span[0]))} (first fact {span[0]:%-d %b %Y}) to this week "
            f"({iso_week(week_start(today))}); choose a week in between"
        )


def _scope(options: ReportOptions) -> str:
    where = f"{options.place_name} and the places inside it" if options.place_id else "every place"
    facts = "confirmed and pending (unreviewed) facts" if options.include_pending else "confirmed facts only"
    return f"Week {week_label(options.week)}, {where}; {facts}; {options.variant} variant."


def build_report(
    options: ReportOptions, url: str | None = None, generated: dt.datetime | None = None, *, actor: Actor
) -> WeeklyReport:
    """Assemble the report of ``options.week`` from the store at ``url`` (default: DATABASE_URL) for
    ``actor``; raises db.auth.PermissionDenied when their role may not see ``options.variant``, and
    ReportError when the public threshold is below what their role may ask for."""
    require(actor, report_action(options.variant))
    check_threshold(options, actor)
    options = replace(options, week=week_start(options.week))
    span = queries.data_range(url)
    _check_in_range(options, span)
    first = week_start(span[0]) if span else options.week
    trend_start = max(options.week - dt.timedelta(weeks=TREND_WEEKS - 1), min(first, options.week))
    trend = trends.weekly_overview(options.selection(trend_start), url)
    convoys, convoy_used = _convoys(options, url)
    besieged, besieged_used = _besieged(options, url)
    tolls, toll_used = _tolls(options, url)
    drawn = _public_trend(trend, options.threshold) if options.variant == "public" else trend
    dated = besieged_used[besieged_used["date"] >= options.week] if not besieged_used.empty else besieged_used
    return WeeklyReport(
        options=options,
        title=options.title or f"Access Monitor weekly report – {iso_week(options.week)}",
        classification=options.classification or CLASSIFICATION[options.variant],
        scope=_scope(options),
        generated=generated or dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None),
        headlines=_headlines(trend, options),
        alerts=_alerts(options, trend, url),
        convoys=convoys,
        besieged=besieged,
        tolls=tolls,
        trend=_counts(trend, options),
        figures=overview_figures(drawn),
        sources=sources_appendix(
            {"convoys": convoy_used, "besieged populations": besieged_used, "civilian tolls": toll_used}, url
        ),
        notes=combination_notes(options.variant, options.threshold, len(trend)),
        has_data=not (convoy_used.empty and toll_used.empty and dated.empty),
    )
