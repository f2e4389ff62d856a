"""The report's tables as the spreadsheet and CSV exports show them: human headers, one value per
cell (a count, a date, text; '<5' where the public variant suppressed a count), and the guard that
keeps text from running as a spreadsheet formula."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd

from dashboard.cells import defuse
from dashboard.filters import iso_week
from dashboard.report.model import WeeklyReport
from db.rules import OUTCOMES

LOCATION = [("admin1", "Admin 1"), ("admin2", "Admin 2"), ("place", "Place"), ("pcode", "P-code"),
            ("lat", "Latitude"), ("lon", "Longitude")]  # fmt: skip
COLUMNS: dict[str, list[tuple[str, str]]] = {
    "convoys": [("date", "Date"), *LOCATION, ("outcome", "Final outcome"), ("trucks", "Trucks planned"),
                ("trucks_reached", "Trucks reached"), ("people_served", "People targeted"),
                ("people_reached", "People reached"), ("organisations", "Organisations"),
                ("convoy_ref", "Convoy reference"), ("review_status", "Review status"),
                ("source", "File or report")],
    "besieged": [*LOCATION, ("status", "Status"), ("pop_low", "Population (low)"),
                 ("pop_high", "Population (high)"), ("as_of", "As of"), ("age", "Age"),
                 ("besieging_party", "Besieging party"),
                 ("sources", "Sources")],
    "tolls": [*LOCATION, ("source", "Source"), ("row_type", "Row"), ("reports", "Reports"),
              ("killed_low", "Killed (low)"), ("killed_high", "Killed (high)"),
              ("injured_low", "Injured (low)"), ("injured_high", "Injured (high)")],
    "sources": [("import_id", "Import"), ("file_name", "File"), ("title", "Title"), ("publisher", "Publisher"),
                ("published", "Published"), ("format", "Format"), ("imported_at", "Imported at"),
                ("imported_by", "Imported by"), ("used_for", "Used for"), ("facts", "Facts used"),
                ("named_sources", "Sources named in the facts")],
    "trend": [("week", "ISO week"), ("convoys", "Convoys"), ("trucks", "Trucks planned"),
              ("trucks_reached", "Trucks reached"), ("people_served", "People targeted"),
              ("people_reached", "People reached"),
              ("reached_unknown", "Convoys with reached unknown (partially delivered)"),
              ("besieged_low", "Besieged (low)"),
              ("besieged_high", "Besieged (high)"), ("killed_low", "Killed (low)"),
              ("killed_high", "Killed (high)"), ("injured_low", "Injured (low)"),
              ("injured_high", "Injured (high)"), ("toll_sources", "Toll sources"),
              *((o, o.replace("_", " ").capitalize()) for o in OUTCOMES)],
}  # fmt: skip
ALERT_TITLES = {"convoy": "Convoy blocked, attacked or items removed", "besieged": "Newly besieged",
                "toll": "Toll up more than 25 %", "silent": "No report for four weeks",
                "still_silent": "Still silent"}  # fmt: skip


def plain(value: Any) -> Any:
    """A cell value as plain Python: None for NaN/NaT/None, int for whole numbers, date, float, str."""
    if value is None:
        return None
    if isinstance(value, str | bool | dt.date):
        return value
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    return value


def _cell(value: Any, dash: bool) -> Any:
    out = plain(value)
    return "–" if dash and out is None else out


def formula_safe(value: Any) -> Any:
    """Text that would run as a spreadsheet formula, defused (dashboard.cells)."""
    return defuse(value)


# A convoy's reached figure left unknown (partially delivered, or no count) reads "–", never blank or 0.
UNKNOWN_AS_DASH = {"convoys": ("trucks_reached", "people_reached")}


def _table(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    columns = COLUMNS[name]
    dashed = UNKNOWN_AS_DASH.get(name, ())
    rows = [[_cell(row.get(key), key in dashed) for key, _ in columns] for row in frame.to_dict("records")]
    return pd.DataFrame(rows, columns=[header for _, header in columns], dtype="object")


def about(report: WeeklyReport) -> list[tuple[str, Any]]:
    """What the report is: title, classification, week, scope, variant, generated."""
    o = report.options
    return [
        ("Report", report.title),
        ("Classification", report.classification),
        ("ISO week", report.week_label),
        ("Place", o.place_name or "every place"),
        (
            "Variant",
            o.variant + (f" (counts below {o.threshold} suppressed)" if o.variant == "public" else ""),
        ),
        ("Scope", report.scope),
        ("Generated (UTC)", report.generated),
    ]


def headline_table(report: WeeklyReport) -> pd.DataFrame:
    """Figure, this week and the week before (low, high), change (low, high)."""
    rows = []
    for h in report.headlines:
        change = h.change()
        rows.append([h.label, h.low, h.high, h.previous_low, h.previous_high,
                     *(change if change else (None, None))])  # fmt: skip
    headers = ["Figure", "This week (low)", "This week (high)", "Previous week (low)",
               "Previous week (high)", "Change (low)", "Change (high)"]  # fmt: skip
    return pd.DataFrame(rows, columns=headers, dtype="object")


def alert_table(report: WeeklyReport) -> pd.DataFrame:
    rows = [[ALERT_TITLES.get(a["alert"], a["alert"]), plain(a["place"]) or None, plain(a["date"]), a["message"]]
            for a in report.alerts.to_dict("records")]  # fmt: skip
    return pd.DataFrame(rows, columns=["Alert", "Place", "Date", "Message"], dtype="object")


def export_tables(report: WeeklyReport) -> dict[str, pd.DataFrame]:
    """Every table of the report with its export headers: summary, alerts, convoys, besieged, tolls,
    sources, trend (weeks as '2018-W10'). Values are plain Python objects."""
    trend = report.trend.assign(week=report.trend["week"].map(iso_week))
    return {
        "summary": headline_table(report),
        "alerts": alert_table(report),
        "convoys": _table(report.convoys, "convoys"),
        "besieged": _table(report.besieged, "besieged"),
        "tolls": _table(report.tolls, "tolls"),
        "sources": _table(report.sources, "sources"),
        "trend": _table(trend, "trend"),
    }
