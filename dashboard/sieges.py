"""What the Overview and the Besieged page show of the standing figures (db.trends.besieged_table,
whose rule is db.sieges): one total per figure (besieged, hard to reach, trapped: never added
together), "–" when every figure of a kind has expired, and a table giving each figure its age.
Pure: no streamlit, so both pages and their tests share it."""

from __future__ import annotations

import pandas as pd

from dashboard.charts import format_range
from db import sieges

UNKNOWN = "–"


def total_text(table: pd.DataFrame, figure: str = "besieged") -> str:
    """The total of ``figure`` over the counted rows of a besieged_table: '430,000–440,000'; '–'
    when only expired figures are left (unknown, not zero); '0' when there is none at all."""
    rows = table[table["figure"] == figure] if not table.empty else table
    counted = sieges.counted(rows, figure) if not rows.empty else rows
    if counted.empty:
        return UNKNOWN if not rows.empty else "0"
    return format_range(int(counted["pop_low"].sum()), int(counted["pop_high"].sum()))


def week_total_text(low: int, high: int, places: int, unknown: int) -> str:
    """A week's "people besieged" from db.trends.weekly_overview: '–' when no figure counted and some
    expired (the last figures are too old to stand), else the range."""
    return UNKNOWN if not places and unknown else format_range(low, high)


def expired_note(table: pd.DataFrame, limits: sieges.Ages) -> str | None:
    """One sentence naming the figures that left the totals, with their last figure and date."""
    gone = table[table["expired"].astype(bool)] if not table.empty else table
    if gone.empty:
        return None
    listed = "; ".join(
        f"{r.place} ({_figure_label(r.figure)}: last {format_range(r.pop_low, r.pop_high)} on {r.as_of:%-d %b %Y})"
        for r in gone.itertuples()
    )
    return f"Unknown (no observation in the last {limits.expire_days} days, so not in the totals): {listed}."


def _figure_label(figure: str) -> str:
    return figure.replace("_", " ")


def display_table(table: pd.DataFrame) -> pd.DataFrame:
    """The page table: place, figure, population ('–' when expired), last figure, as of, age (with
    'stale' or 'expired'), low, high (empty when expired), source, besieging party."""
    cols = ["place", "figure", "population", "last figure", "as of", "age", "low", "high", "source",
            "besieging party"]  # fmt: skip
    if table.empty:
        return pd.DataFrame(columns=cols)
    expired = table["expired"].astype(bool).tolist()
    last = [format_range(lo, hi) for lo, hi in zip(table["pop_low"], table["pop_high"], strict=True)]
    return pd.DataFrame({
        "place": table["place"].tolist(),
        "figure": [_figure_label(f) for f in table["figure"]],
        "population": [UNKNOWN if gone else text for gone, text in zip(expired, last, strict=True)],
        "last figure": last,
        "as of": table["as_of"].tolist(),
        "age": [sieges.age_text(int(a), bool(s), bool(e))
                for a, s, e in zip(table["age_days"], table["stale"], table["expired"], strict=True)],
        "low": pd.array([None if gone else int(v) for gone, v in zip(expired, table["pop_low"], strict=True)],
                        dtype="Int64"),
        "high": pd.array([None if gone else int(v) for gone, v in zip(expired, table["pop_high"], strict=True)],
                         dtype="Int64"),
        "source": table["sources"].tolist(),
        "besieging party": table["besieging_party"].tolist(),
    })  # fmt: skip
