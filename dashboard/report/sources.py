"""The report's *Sources and notes* appendix: every import (file or report) behind the week's
figures with its publisher and date, and how the figures were combined."""

from __future__ import annotations

import pandas as pd

from db import lookups, sieges
from db.documents import imports_with_counts

SOURCE_COLUMNS = ["import_id", "file_name", "title", "publisher", "published", "format", "imported_at",
                  "imported_by", "used_for", "facts", "named_sources"]  # fmt: skip


def sources_appendix(used: dict[str, pd.DataFrame], url: str | None = None) -> pd.DataFrame:
    """One row per import behind the figures. ``used``: section name -> the fact rows behind it
    (columns id, import_id). Columns: SOURCE_COLUMNS; used_for names the sections ('convoys;
    civilian tolls'), facts counts the distinct facts used, named_sources the organisations the facts
    name as their source ('OCHA; SAMS'). Oldest import first."""
    parts = [rows[["id", "import_id"]].assign(section=name) for name, rows in used.items() if not rows.empty]
    if not parts:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    facts = pd.concat(parts, ignore_index=True).astype({"id": "int64", "import_id": "int64"})
    named = lookups.organisations(facts["id"].tolist(), "source", url)
    facts["named"] = facts["id"].map(named)
    grouped = facts.groupby("import_id").agg(
        used_for=("section", lambda s: "; ".join(dict.fromkeys(s))),
        facts=("id", "nunique"),
        named_sources=("named", lambda s: "; ".join(sorted({n for v in s.dropna() for n in v.split("; ")}))),
    )
    imports = imports_with_counts(url).drop(columns=["facts"]).set_index("import_id")
    out = grouped.join(imports, how="left").reset_index().sort_values("import_id")
    return out.reindex(columns=SOURCE_COLUMNS).reset_index(drop=True)


def combination_notes(variant: str, threshold: int, trend_weeks: int) -> list[str]:
    """The rules behind the figures, in plain sentences (the dashboard's help says the same)."""
    limits = sieges.ages()
    notes = [
        "Convoys count once, by their final outcome: a convoy reported planned and later blocked counts "
        "as blocked, in the week of its last report.",
        "Trucks planned and people targeted count every convoy, whether it arrived or not; trucks and "
        "people reached count only convoys that arrived (delivered, or with items removed). A partially "
        "delivered convoy's reached figure is unknown ('–', and '+ unknown' in a sum), never its planned "
        "one; blocked, attacked, aborted, failed, planned, postponed and underway convoys reach nothing.",
        "Besieged populations: each place's latest figure is carried forward until a newer one or a "
        "report that the siege was lifted, of the place or of a place containing it; sources giving "
        "different figures on the same date make a low–high range; a town inside a besieged enclave with "
        "its own figure is not added again. People besieged counts besieged figures only: hard-to-reach "
        f"and trapped populations are their own figures. A figure older than {limits.stale_days} days is "
        f"marked stale; older than {limits.expire_days} days it leaves the totals and shows as unknown "
        "(–) with its last figure and date.",
        "Civilian tolls are never added up across sources: each source's figures are spread evenly over "
        "the days of its period, cumulative counts become increments between a source's reports, and "
        "for each day and place the range runs from the lowest source to the highest.",
        f"Trend charts cover the {trend_weeks} week(s) up to this week (never before the first fact in "
        "the store); they are the charts of the dashboard's Overview page.",
        "– means no report (unknown), never 0: a week without any toll source, a source that gave no "
        "injured figure, a week without any convoy report. Charts leave a gap for such weeks; CSV and HXL "
        "cells are empty.",
    ]
    if variant == "public":
        notes += [
            "Public variant: only confirmed (reviewed) facts count; pending facts are left out.",
            f"Public variant: counts of people from 1 to {threshold - 1} are shown as '<{threshold}' "
            f"(and drawn as 0 in the charts); changes from the week before are left out where they would "
            "reveal them.",
            "Public variant: coordinates are those of the admin-2 area (admin-1 where no admin-2 is "
            "known), not of the place itself.",
        ]
    else:
        notes.append(
            "Internal variant: pending (unreviewed) facts are included and marked; figures may change "
            "after review. Do not share outside the organisation."
        )
    return notes
