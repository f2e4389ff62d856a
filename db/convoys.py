"""Read queries of convoys: the Convoys page, the Overview's convoy figures, the weekly report.

Two paths give the same figures (tests/db/test_finals.py checks it):
- the rollup (``convoy_finals``, db.finals): each convoy's final row, kept per review scope, so a
  window reads its convoys' final rows only. Used without a place or organisation filter;
- the base rows: every row of the window's convoys, final_convoys applied. Used under a place or
  organisation filter, which decides which rows of a convoy count (its rows elsewhere, or not
  naming the organisation, are not read, so its final row may differ from the store-wide one).
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import func, or_, select

from db import analytics, reach, rules
from db.models import ConvoyFinal, Document, Fact, Import, Place
from db.reading import read_frame, read_typed_frame
from db.rollups import scope_of
from db.selection import Selection, org_columns, where

COLUMNS = ["id", "event_ref", "date", "place_id", "place", "outcome", "outcome_tags", "trucks", "people_served",
           "trucks_reached", "people_reached", "import_id", "source", "source_row", "method", "evidence",
           "span_start", "span_end", "review_status", "convoy_key", "operators"]  # fmt: skip
COUNT_COLUMNS = rules.COUNT_COLUMNS


def _uses_rollup(sel: Selection, base: bool) -> bool:
    return not base and sel.place_id is None and sel.organisation_id is None


def _source():  # type: ignore[no-untyped-def]
    return func.coalesce(Document.title, Import.file_name).label("source")


def convoy_facts(sel: Selection, url: str | None = None, *, base: bool = False) -> pd.DataFrame:
    """One row per convoy whose *final* row falls in the window, with the provenance of that row.

    Columns: id, event_ref, date, place_id, place, outcome, outcome_tags (';'-joined), trucks and
    people_served (planned), trucks_reached and people_reached (db.reach: NaN when unknown),
    import_id, source (file name or report title), source_row, method, evidence, span_start, span_end,
    review_status, convoy_key, operators. Newest first. ``base``: from the facts, not the rollup.
    """
    first_op, n_ops = org_columns("operator")
    provenance = (
        Fact.import_id, _source(), Fact.source_row, Fact.method, Fact.evidence, Fact.span_start, Fact.span_end,
        Fact.review_status,
    )  # fmt: skip
    if _uses_rollup(sel, base):
        stmt = (
            select(
                Fact.id, Fact.event_ref, ConvoyFinal.date, ConvoyFinal.place_id, Place.name.label("place"),
                ConvoyFinal.outcome, Fact.outcome_tags, ConvoyFinal.trucks, ConvoyFinal.people_served,
                first_op.label("first_operator"), n_ops.label("n_operators"), *provenance, ConvoyFinal.convoy_key,
            )
            .select_from(ConvoyFinal)
            .join(Fact, Fact.id == ConvoyFinal.fact_id)
            .join(Place, Place.id == ConvoyFinal.place_id)
            .join(Import, Import.id == Fact.import_id)
            .outerjoin(Document, Document.import_id == Fact.import_id)
            .where(ConvoyFinal.scope == scope_of(sel.include_pending), ConvoyFinal.date.between(sel.start, sel.end))
        )  # fmt: skip
        final = read_typed_frame(stmt, url)
        for col in ("trucks", "people_served"):  # as the base path gives them: all None -> NaN
            if final[col].dtype == object:
                final[col] = final[col].astype("float64")
    else:
        final = _final_rows(
            sel, url, first_op.label("first_operator"), n_ops.label("n_operators"), *provenance
        )
    final = reach.add_reached(final)
    if final.empty:
        return final.assign(operators=pd.Series(dtype="object"))[COLUMNS]
    more = final["n_operators"].fillna(0).astype(int).map(lambda n: "" if n <= 1 else f" +{n - 1}")
    final = final.assign(operators=final["first_operator"].fillna("") + more)
    return final[COLUMNS].sort_values(["date", "id"], ascending=False).reset_index(drop=True)


def _final_rows(sel: Selection, url: str | None, *extra) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    """The base path: every selected row of the convoys with a row in the window (their rows
    outside it too), reduced to each convoy's final row, kept when that falls in the window."""
    base = (
        select(
            Fact.id, Fact.event_ref, Fact.date, Fact.place_id, Place.name.label("place"), Fact.outcome,
            Fact.outcome_tags, func.coalesce(Fact.trucks, Fact.trucks_high).label("trucks"),
            func.coalesce(Fact.people_served, Fact.people_served_high).label("people_served"), *extra,
        )
        .join(Place, Place.id == Fact.place_id)
        .join(Import, Import.id == Fact.import_id)
        .outerjoin(Document, Document.import_id == Fact.import_id)
        .where(*where("convoy", sel))
    )  # fmt: skip
    in_window = Fact.date.between(sel.start, sel.end)
    refs = select(Fact.event_ref).where(*where("convoy", sel), in_window, Fact.event_ref.is_not(None))
    stmt = base.where(in_window).union_all(
        base.where(Fact.event_ref.in_(refs), or_(Fact.date < sel.start, Fact.date > sel.end))
    )
    final = analytics.final_convoys(read_frame(stmt, url, ("date",)))
    if final.empty:
        return final
    return final[(final["date"] >= sel.start) & (final["date"] <= sel.end)]


def convoy_counts(sel: Selection, url: str | None = None, *, base: bool = False) -> pd.DataFrame:
    """The window's final convoys counted per week, outcome, arrival and file or report
    (db.rules.convoy_counts): columns week, outcome, arrival, import_id, source, convoys, trucks,
    people_served."""
    if not _uses_rollup(sel, base):
        return rules.convoy_counts(convoy_facts(sel, url, base=True))
    # The final row's outcome tags decide whether an attacked convoy arrived (db.reach.arrival): read
    # from its fact (one primary-key lookup per convoy), grouped, then folded into arrival classes.
    stmt = (
        select(
            ConvoyFinal.week, ConvoyFinal.outcome, Fact.outcome_tags, ConvoyFinal.import_id, _source(),
            func.count().label("convoys"), func.sum(ConvoyFinal.trucks).label("trucks"),
            func.sum(ConvoyFinal.people_served).label("people_served"),
        )
        .join(Fact, Fact.id == ConvoyFinal.fact_id)
        .join(Import, Import.id == ConvoyFinal.import_id)
        .outerjoin(Document, Document.import_id == ConvoyFinal.import_id)
        .where(ConvoyFinal.scope == scope_of(sel.include_pending), ConvoyFinal.date.between(sel.start, sel.end))
        .group_by(ConvoyFinal.week, ConvoyFinal.outcome, Fact.outcome_tags, ConvoyFinal.import_id, Document.title,
                  Import.file_name)
    )  # fmt: skip
    frame = read_frame(stmt, url, ("week",))
    for col in ("trucks", "people_served"):
        frame[col] = frame[col].fillna(0).astype("int64")
    frame["arrival"] = [
        reach.arrival(o, t) for o, t in zip(frame["outcome"], frame["outcome_tags"], strict=True)
    ]
    keys = ["week", "outcome", "arrival", "import_id", "source"]
    folded = frame.groupby(keys, dropna=False, sort=False)[["convoys", "trucks", "people_served"]].sum()
    return folded.reset_index()[COUNT_COLUMNS]


def convoy_summary(counts: pd.DataFrame) -> dict[str, object]:
    """db.rules.provenance_summary from convoy_counts: facts (convoys), imports, sources (names)."""
    return rules.counts_summary(counts, "convoys")


def weekly_convoys(sel: Selection, url: str | None = None, rows: pd.DataFrame | None = None) -> pd.DataFrame:
    """Convoys per week by final outcome, trucks and people planned and reached, attempted and
    delivered share (columns as db.rules.weekly_from_counts). ``rows``: convoy_facts already fetched."""
    if rows is not None:
        return rules.weekly_convoys(rows, sel.weeks())
    return rules.weekly_from_counts(convoy_counts(sel, url), sel.weeks())


def top_destinations(
    sel: Selection, limit: int = 10, url: str | None = None, rows: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The places most convoys went to in the window (columns as db.rules.top_destinations)."""
    final = convoy_facts(sel, url) if rows is None else rows
    return rules.top_destinations(final, limit)
