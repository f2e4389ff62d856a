"""What a convoy *reached*, beside what it *planned*: the trucks it set off with and the people it
was for are not the aid that arrived.

- Reached counts only convoys that arrived: delivered and items removed (aid reached people, even
  with items taken out at a checkpoint) reach their planned trucks and people.
- A partially delivered convoy reached part of them; the store holds no separate reached figure
  for it, so its reached figure is unknown (never the planned one, never 0). A sum that includes
  one says so: "1,000 + unknown".
- Every other convoy reaches nothing: blocked, attacked, aborted and failed convoys (attempted,
  did not arrive) and planned, postponed and underway ones (not attempted yet); so does a convoy
  without a final outcome.
The final row decides (db.analytics.final_convoys): its outcome, or, when that says the convoy did
not arrive, its other outcome tags — a tracker's "attacked; delivered" (hit, but offloaded) is an
attacked convoy that arrived; "attacked" alone reached nothing.
"""

from __future__ import annotations

import math

import pandas as pd

ARRIVED = ("delivered", "items_removed")  # reached = planned
PARTIAL = ("partially_delivered",)  # reached unknown: no reached figure is stored
FIGURES = {"trucks": "trucks_reached", "people_served": "people_reached"}


def arrival(outcome: object, tags: object = None) -> str:
    """'arrived', 'partial' (reached unknown) or 'none', from a final row's outcome and its
    ';'-joined outcome tags (None when there are none)."""
    if outcome in ARRIVED:
        return "arrived"
    if outcome in PARTIAL:
        return "partial"
    found = set(tags.split(";")) if isinstance(tags, str) and tags else set()
    if found & set(ARRIVED):
        return "arrived"
    return "partial" if found & set(PARTIAL) else "none"


def reached(outcome: object, planned: object, tags: object = None) -> float:
    """One convoy's reached trucks or people: the planned figure when it arrived (NaN when that is
    missing), NaN (unknown) when partially delivered, 0 otherwise."""
    kind = arrival(outcome, tags)
    if kind == "arrived":
        return math.nan if planned is None or planned != planned else float(planned)  # type: ignore[arg-type]
    return math.nan if kind == "partial" else 0.0


def add_reached(final: pd.DataFrame) -> pd.DataFrame:
    """``final`` (one row per convoy, columns outcome, outcome_tags when read, trucks, people_served)
    with trucks_reached and people_reached (float: NaN when unknown)."""
    out = final.copy()
    outcomes = out["outcome"].tolist() if "outcome" in out else []
    tags = out["outcome_tags"].tolist() if "outcome_tags" in out else [None] * len(outcomes)
    for planned, name in FIGURES.items():
        values = [reached(o, v, t) for o, v, t in zip(outcomes, out[planned].tolist(), tags, strict=True)]
        out[name] = pd.Series(values, index=out.index, dtype="float64")
    return out


def unknown_mask(final: pd.DataFrame) -> pd.Series:
    """True for each convoy whose reached figure is unknown (partially delivered)."""
    tags = final["outcome_tags"].tolist() if "outcome_tags" in final else [None] * len(final)
    kinds = [arrival(o, t) for o, t in zip(final["outcome"].tolist(), tags, strict=True)]
    return pd.Series([k == "partial" for k in kinds], index=final.index, dtype="bool")


def reached_text(total: object, unknown: object) -> str:
    """A reached sum as shown: '1,000', '1,000 + unknown' when ``unknown`` convoys (partially
    delivered) have no reached figure, '–' when those are all there is. A ``total`` already written
    as text (the public report's '<5') keeps its text: '<5 + unknown'."""
    n = 0 if unknown is None or unknown != unknown else int(unknown)  # type: ignore[call-overload]
    if isinstance(total, str):
        return f"{total} + unknown" if n else total
    value = 0 if total is None or total != total else int(total)  # type: ignore[call-overload]
    if not n:
        return f"{value:,}"
    return "–" if not value else f"{value:,} + unknown"
