"""Read queries of the analytics pages (Convoys, Besieged populations, Civilian tolls) and the
Overview alerts. Each returns a DataFrame and runs on the read engine.

SQL does the filtering (kind, review status, dates, the place with every place inside it, the
organisation); the counting rules are db.analytics and db.rules. Only the window asked for is read,
plus what the rules need from before it (earlier rows of a convoy, earlier besieged observations,
earlier reports of a cumulative toll series).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import case, func, select

from db import analytics, rules, sieges
from db.convoys import convoy_facts, top_destinations, weekly_convoys
from db.models import Document, Fact, Import, Organisation, OrganisationCount, Place, PlaceCount
from db.queries import place_parents, unknown_tolls
from db.reading import read_frame, read_rows
from db.selection import Selection, org_columns, sel_statuses, source_name, subtree, where
from db.tolls import toll_band, toll_rows, toll_trends

# Re-exported: pages and tests import them from here.
__all__ = ["Selection", "convoy_facts", "toll_rows", "toll_trends", "top_destinations", "weekly_convoys"]

KINDS = ("convoy", "besieged_population", "civilian_toll")
SILENT_WEEKS = 4  # "no report for four weeks" ...
BASELINE_WEEKS = 12  # ... among places that had reports in the 12 weeks before
# The access alert's verb per outcome: "A convoy to Douma (46 trucks) had items removed on ...".
INCIDENTS = {"blocked": "was blocked", "attacked": "was attacked", "items_removed": "had items removed"}


def selected_places(place_id: int, url: str | None = None) -> set[int]:
    """The place and every place inside it (ids)."""
    tree = subtree(place_id)
    return set(read_frame(select(tree.c.id), url)["id"].astype(int))


# ---- provenance ------------------------------------------------------------------------------------


def fact_provenance(fact_id: int, url: str | None = None) -> dict[str, object]:
    """Where one fact came from: file, format, row, method, evidence, and for a report its title,
    publisher, date and the text around the evidence span (``excerpt``, span marked with « »)."""
    stmt = (
        select(
            Fact.id, Fact.source_row, Fact.method, Fact.evidence, Fact.span_start, Fact.span_end,
            Fact.review_status, Fact.reviewed_by, Import.id.label("import_id"), Import.file_name,
            Import.format, Import.imported_at, Import.imported_by, Document.title, Document.publisher,
            Document.published, Document.text,
        )
        .join(Import, Import.id == Fact.import_id)
        .outerjoin(Document, Document.import_id == Fact.import_id)
        .where(Fact.id == fact_id)
    )  # fmt: skip
    frame = read_frame(stmt, url)
    if frame.empty:
        return {}
    row = {k: _plain(v) for k, v in frame.iloc[0].items()}
    text, start, end = row.pop("text"), row["span_start"], row["span_end"]
    row["excerpt"] = None
    if isinstance(text, str) and isinstance(start, int) and isinstance(end, int):
        a, b = start, end
        row["excerpt"] = f"…{text[max(0, a - 200) : a]}«{text[a:b]}»{text[b : b + 200]}…"
    return row


def _plain(value: object) -> object:
    """numpy scalars to Python ones, NaN/NaT to None (the dict is shown, not computed on)."""
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    return value.item() if hasattr(value, "item") else value


# ---- besieged populations ---------------------------------------------------------------------------


def besieged_observations(sel: Selection, url: str | None = None) -> pd.DataFrame:
    """Every besieged-population row up to the window's end (the rules carry earlier ones forward).

    Columns: id, place_id, place, date, status, pop_low, pop_high, besieging_party, source, import_id.
    """
    first, count = org_columns("source")
    stmt = (
        select(
            Fact.id, Fact.place_id, Place.name.label("place"), Fact.date, Fact.status,
            func.coalesce(Fact.population, Fact.population_low).label("pop_low"),
            func.coalesce(Fact.population, Fact.population_high).label("pop_high"),
            Fact.besieging_party, first.label("first_source"), count.label("n_sources"), Fact.import_id,
        )
        .join(Place, Place.id == Fact.place_id)
        .where(*where("besieged_population", sel), Fact.date <= sel.end)
    )  # fmt: skip
    # Plain rows, then one DataFrame: a few hundred observations, where read_sql's per-column
    # conversions cost more than the query.
    cols = ["id", "place_id", "place", "date", "status", "pop_low", "pop_high", "besieging_party", "source",
            "import_id"]  # fmt: skip
    rows = [
        (*row[:8], source_name(first_source, n_sources), import_id)
        for *row, first_source, n_sources, import_id in read_rows(stmt, url)
    ]
    frame = pd.DataFrame(rows, columns=cols)
    for col in ("pop_low", "pop_high"):  # as read_sql gives them: float when a figure is missing
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("float64")
    return frame


def besieged_by_week(
    sel: Selection, url: str | None = None, obs: pd.DataFrame | None = None, limits: sieges.Ages | None = None
) -> pd.DataFrame:
    """Each place's carried-forward figure at the end of every week of the window, with its name.
    Columns: week, place_id, place, as_of, pop_low, pop_high, sources (rows behind the figure),
    figure, age_days, stale, expired (db.rules.besieged_by_week; ``limits``: db.sieges.ages())."""
    obs = besieged_observations(sel, url) if obs is None else obs
    out = rules.besieged_by_week(obs, sel.weeks(), place_parents(url), limits)
    names: dict[int, str] = {}
    for place_id, place in zip(obs["place_id"].tolist(), obs["place"].tolist(), strict=True):
        names.setdefault(place_id, place)  # a plain dict: a few hundred rows, pandas costs more
    out.insert(2, "place", [names.get(p) for p in out["place_id"].tolist()])
    return out


def besieged_table(
    sel: Selection, url: str | None = None, obs: pd.DataFrame | None = None, limits: sieges.Ages | None = None
) -> pd.DataFrame:
    """The figures standing at the window's end, expired ones listed (columns as db.rules.besieged_table)."""
    obs = besieged_observations(sel, url) if obs is None else obs
    return rules.besieged_table(obs, sel.end, place_parents(url), limits)


def besieged_behind(obs: pd.DataFrame, by_week: pd.DataFrame) -> pd.DataFrame:
    """The observation rows behind the figures of ``by_week`` (for the source count)."""
    if obs.empty or by_week.empty:
        return obs.iloc[0:0]
    used = by_week[["place_id", "as_of"]].drop_duplicates()
    return obs.merge(used, left_on=["place_id", "date"], right_on=["place_id", "as_of"]).drop(columns="as_of")


# ---- the Overview with filters --------------------------------------------------------------------------


def weekly_overview(
    sel: Selection,
    url: str | None = None,
    convoys: pd.DataFrame | None = None,
    obs: pd.DataFrame | None = None,
    counts: pd.DataFrame | None = None,
    limits: sieges.Ages | None = None,
) -> pd.DataFrame:
    """db.queries.weekly_overview for the weeks of the window, with the place, organisation and
    review filters applied. Same columns (toll_sources included), plus attempted,
    delivered_or_partial, delivered_share, besieged_places, besieged_unknown (besieged places whose
    figure expired) and the separate hard_to_reach_low/high and trapped_low/high (db.sieges). ``convoys``, ``obs``:
    convoy_facts and besieged_observations already fetched for ``sel``; ``counts``: db.convoys.convoy_counts
    (the rollup's, where the filters allow), used instead of ``convoys``."""
    weeks = sel.weeks()
    if counts is not None:
        weekly = rules.weekly_from_counts(counts, weeks)
    else:
        weekly = weekly_convoys(sel, url, rows=convoys)
    weekly = weekly.drop(columns=["sources"])
    obs = besieged_observations(sel, url) if obs is None else obs
    besieged = rules.besieged_totals(rules.besieged_by_week(obs, weeks, place_parents(url), limits), weeks)
    band = toll_band(sel, url)
    # All three frames hold the window's weeks in order: columns are placed side by side (a merge
    # on the week costs more than the rest of the Overview's arithmetic).
    assert weekly["week"].tolist() == besieged["week"].tolist() == band["week"].tolist() == weeks
    out = weekly.copy()
    besieged_cols = ["besieged_low", "besieged_high", "besieged_unknown", "hard_to_reach_low", "hard_to_reach_high",
                     "trapped_low", "trapped_high"]  # fmt: skip
    for col, name in [*((c, c) for c in besieged_cols), ("places", "besieged_places")]:
        out[name] = besieged[col].to_numpy()
    for col, name in [*((v, v) for v in rules.TOLL_VALUES), ("sources", "toll_sources")]:
        out[name] = band[col].to_numpy()
    return unknown_tolls(out)


# ---- alerts ----------------------------------------------------------------------------------------------


def silent_places(week: dt.date, sel: Selection, url: str | None = None) -> pd.DataFrame:
    """Places with no report (no live fact of any kind) in the four weeks ending with ``week``
    that had at least one in the twelve weeks before. Columns: place_id, place, last_report, reports."""
    silent_start = week - dt.timedelta(weeks=SILENT_WEEKS - 1)
    base_start = silent_start - dt.timedelta(weeks=BASELINE_WEEKS)
    end = week + dt.timedelta(days=6)
    if sel.organisation_id is None:
        return _silent_by_place(sel, base_start, silent_start, end, url)
    recent = func.sum(case((Fact.date >= silent_start, 1), else_=0))
    stmt = (
        select(Fact.place_id, Place.name.label("place"), func.max(Fact.date).label("last_report"),
               func.count().label("reports"))
        .join(Place, Place.id == Fact.place_id)
        .where(Fact.kind.in_(KINDS), *where("convoy", sel)[1:], Fact.date.between(base_start, end))
        .group_by(Fact.place_id, Place.name)
        .having(recent == 0)
        .order_by(Place.name)
    )  # fmt: skip
    return read_frame(stmt, url, ("last_report",))


def _silent_by_place(
    sel: Selection, base_start: dt.date, silent_start: dt.date, end: dt.date, url: str | None
) -> pd.DataFrame:
    """silent_places without scanning the weeks' facts: each place's last report up to ``end`` is
    one index lookup per place, kind and status (the places with facts come from place_counts)."""
    live = (Fact.retracted.is_(False), Fact.kind.in_(KINDS), Fact.review_status.in_(sel_statuses(sel)))
    last = (
        select(func.max(Fact.date))
        .where(Fact.place_id == PlaceCount.place_id, Fact.kind == PlaceCount.kind,
               Fact.review_status == PlaceCount.review_status, Fact.retracted.is_(False), Fact.date <= end)
        .scalar_subquery()
    )  # fmt: skip
    groups = select(PlaceCount.place_id, last.label("last_report")).where(
        PlaceCount.kind.in_(KINDS), PlaceCount.review_status.in_(sel_statuses(sel))
    )
    if sel.place_id is not None:
        groups = groups.where(PlaceCount.place_id.in_(select(subtree(sel.place_id).c.id)))
    frame = read_frame(groups, url, ("last_report",)).dropna(subset=["last_report"])
    latest = frame.groupby("place_id")["last_report"].max()
    silent = [int(p) for p, day in latest.items() if base_start <= day < silent_start]
    cols = ["place_id", "place", "last_report", "reports"]
    if not silent:
        return pd.DataFrame(columns=cols)
    stmt = (
        select(Fact.place_id, Place.name.label("place"), func.max(Fact.date).label("last_report"),
               func.count().label("reports"))
        .join(Place, Place.id == Fact.place_id)
        .where(*live, Fact.place_id.in_(silent), Fact.date.between(base_start, end))
        .group_by(Fact.place_id, Place.name)
        .order_by(Place.name)
    )  # fmt: skip
    return read_frame(stmt, url, ("last_report",))[cols]


def alarming_convoys(week: dt.date, sel: Selection, url: str | None = None) -> pd.DataFrame:
    """Convoys with a blocked, attacked or items-removed report dated in ``week`` (each convoy once,
    its latest such report), whatever happened to it later: an attack is news even if the convoy got
    through after, and items taken out at a checkpoint are an access incident though aid arrived.
    Columns: convoy_key, date, place, outcome, trucks."""
    end = week + dt.timedelta(days=6)
    stmt = (
        select(Fact.id, Fact.event_ref, Fact.date, Place.name.label("place"), Fact.outcome,
               func.coalesce(Fact.trucks, Fact.trucks_high).label("trucks"))
        .join(Place, Place.id == Fact.place_id)
        .where(*where("convoy", sel), Fact.date.between(week, end), Fact.outcome.in_(rules.ACCESS_ALERTS))
    )  # fmt: skip
    latest: dict[str, tuple] = {}
    for fact_id, ref, day, place, outcome, trucks in sorted(read_rows(stmt, url), key=lambda r: (r[2], r[0])):
        key = ref if ref is not None else f"fact:{fact_id}"
        latest[key] = (key, day, place, outcome, trucks)  # sorted by date and id: the last one stays
    cols = ["convoy_key", "date", "place", "outcome", "trucks"]
    out = pd.DataFrame(sorted(latest.values(), key=lambda r: (r[1], r[2])), columns=cols)
    return out.astype({"trucks": "float64"})


def alerts(
    week: dt.date,
    sel: Selection,
    url: str | None = None,
    weekly: pd.DataFrame | None = None,
    obs: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The Overview's alerts for ``week`` (a Monday) under the place, organisation and review filters.

    Columns: alert (convoy | besieged | toll | silent), place, date, message (one English sentence).
    ``weekly``: weekly_overview for ``sel`` already computed; when it holds ``week`` and the week
    before, the toll alert reads its band (a week's band does not depend on the window around it).
    ``obs``: besieged_observations for ``sel``, used when ``sel`` ends with ``week`` (they are then
    every observation up to the week's end).
    """
    end = week + dt.timedelta(days=6)
    rows: list[tuple[str, str, dt.date | None, str]] = []
    for c in alarming_convoys(week, sel, url).itertuples():
        trucks = "" if pd.isna(c.trucks) else f" ({int(c.trucks)} trucks)"
        rows.append(
            (
                "convoy",
                c.place,
                c.date,
                f"A convoy to {c.place}{trucks} {INCIDENTS.get(c.outcome, c.outcome)} on {c.date:%-d %b %Y}.",
            )
        )
    if obs is None or sel.end != end:
        obs = besieged_observations(
            Selection(week, end, sel.place_id, sel.organisation_id, sel.include_pending), url
        )
    for b in rules.newly_besieged(obs, week, place_parents(url)).itertuples():
        rows.append(
            (
                "besieged",
                b.place,
                b.date,
                f"{b.place} is newly reported besieged ({_range(b.pop_low, b.pop_high)} people, {b.date:%-d %b %Y}).",
            )
        )
    pair = Selection(
        week - dt.timedelta(weeks=1), end, sel.place_id, sel.organisation_id, sel.include_pending
    )
    known = set() if weekly is None else set(weekly["week"])
    band = weekly if {pair.start, week} <= known else toll_band(pair, url)
    for j in rules.toll_jumps(band, week).itertuples():
        rows.append(
            (
                "toll",
                "",
                None,
                f"Civilians {j.measure}: {_range(j.low, j.high)} this week, up from {_range(j.previous_low, j.previous_high)} the week before (+{j.change:.0%}).",
            )
        )
    rows.extend(_silent_rows(silent_places(week, sel, url), week))
    return pd.DataFrame(rows, columns=["alert", "place", "date", "message"])


def _silent_rows(silent: pd.DataFrame, week: dt.date) -> list[tuple[str, str, dt.date | None, str]]:
    """The "no report for four weeks" alert fires once, in the week a place crosses four silent weeks (its
    last report in the week four weeks before); places silent for longer are listed together on
    one compact "still silent" line, not as a new alert every week."""
    crossed = week - dt.timedelta(weeks=SILENT_WEEKS)  # the Monday of the last report's week, when new
    rows: list[tuple[str, str, dt.date | None, str]] = []
    still = []
    for s in silent.itertuples():
        if s.last_report >= crossed:
            message = f"No report from {s.place} for four weeks (last on {s.last_report:%-d %b %Y})."
            rows.append(("silent", s.place, s.last_report, message))
        else:
            still.append(f"{s.place} (since {s.last_report:%-d %b %Y})")
    if still:
        rows.append(("still_silent", "", None, f"Still no report from: {'; '.join(still)}."))
    return rows


def _range(low: float, high: float) -> str:
    if pd.isna(low) and pd.isna(high):
        return "unknown"
    low = high if pd.isna(low) else low
    high = low if pd.isna(high) else high
    return f"{int(low):,}" if int(low) == int(high) else f"{int(low):,}–{int(high):,}"


# ---- filter choices ----------------------------------------------------------------------------------------


def filter_places(url: str | None = None) -> pd.DataFrame:
    """Places that have live facts, and every place containing them (so "eastern Ghouta" can be
    chosen when only its towns have facts). Columns: id, name, parent_id, facts (own), inside (facts
    of the places below it). Sorted by name."""
    own = read_frame(
        select(PlaceCount.place_id, func.sum(PlaceCount.facts).label("facts")).group_by(PlaceCount.place_id),
        url,
    )
    parents = place_parents(url)
    counts = {int(r.place_id): int(r.facts) for r in own.itertuples()}
    inside: dict[int, int] = {}
    for place, n in counts.items():
        for above in analytics.ancestors(place, parents):
            inside[above] = inside.get(above, 0) + n
    ids = sorted(set(counts) | set(inside))
    if not ids:
        return pd.DataFrame(columns=["id", "name", "parent_id", "facts", "inside"])
    names = read_frame(select(Place.id, Place.name, Place.parent_id).where(Place.id.in_(ids)), url)
    names["facts"] = names["id"].map(counts).fillna(0).astype("int64")
    names["inside"] = names["id"].map(inside).fillna(0).astype("int64")
    names["_key"] = names["name"].str.casefold()
    return names.sort_values(["_key", "id"]).drop(columns="_key").reset_index(drop=True)


def filter_organisations(url: str | None = None) -> pd.DataFrame:
    """Organisations named on live facts: id, name, roles ('operator', 'source' or both), facts."""
    stmt = select(
        Organisation.id, Organisation.short_name.label("name"), OrganisationCount.role,
        OrganisationCount.facts,
    ).join(OrganisationCount, OrganisationCount.organisation_id == Organisation.id)  # fmt: skip
    frame = read_frame(stmt, url)
    if frame.empty:
        return pd.DataFrame(columns=["id", "name", "roles", "facts"])
    out = frame.groupby(["id", "name"], as_index=False).agg(
        roles=("role", lambda s: " and ".join(sorted(set(s)))), facts=("facts", "sum")
    )
    return (
        out.assign(_key=out["name"].str.casefold())
        .sort_values("_key")
        .drop(columns="_key")
        .reset_index(drop=True)
    )
