"""The weekly report as HXL-tagged CSV for HDX: one file per table (convoys, besieged
populations, civilian tolls), a header row then a hashtag row (https://hxlstandard.org).

Tolls keep one row per source and place (``#meta+type`` = source) plus the range across sources
(``#meta+type`` = range): a consumer must not add the source rows up.

Convoys carry the people each convoy was for as ``#targeted`` and the people it reached as
``#reached`` (db.reach: only convoys that arrived; empty when unknown, for a partially delivered
convoy): a planned figure is never tagged #reached."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.report.csvzip import csv_text, zip_bytes
from dashboard.report.model import WeeklyReport
from dashboard.report.tables import plain

LOCATION = [("admin1", "Admin 1", "#adm1+name"), ("admin2", "Admin 2", "#adm2+name"),
            ("place", "Place", "#loc+name"), ("pcode", "P-code", "#loc+code"),
            ("lat", "Latitude", "#geo+lat"), ("lon", "Longitude", "#geo+lon")]  # fmt: skip
TAGS: dict[str, list[tuple[str, str, str]]] = {
    "convoys": [("date", "Date", "#date"), *LOCATION, ("outcome", "Final outcome", "#status+outcome"),
                ("trucks", "Trucks planned", "#indicator+trucks+planned+num"),
                ("trucks_reached", "Trucks reached", "#indicator+trucks+reached+num"),
                ("people_served", "People targeted", "#targeted+ind"),
                ("people_reached", "People reached", "#reached+ind"),
                ("organisations", "Organisations", "#org+impl"), ("convoy_ref", "Convoy reference", "#activity+code"),
                ("review_status", "Review status", "#status+review"), ("source", "File or report", "#meta+source")],
    "besieged": [("as_of", "As of", "#date"), *LOCATION, ("status", "Status", "#status+access"),
                 ("pop_low", "Population (low)", "#population+min"), ("pop_high", "Population (high)", "#population+max"),
                 ("besieging_party", "Besieging party", "#org+besieging"), ("sources", "Sources", "#meta+source")],
    "tolls": [("week_start", "Week start", "#date+start"), ("week_end", "Week end", "#date+end"), *LOCATION,
              ("source", "Source", "#meta+source"), ("row_type", "Row", "#meta+type"),
              ("reports", "Reports", "#meta+count"),
              ("killed_low", "Killed (low)", "#affected+killed+min"), ("killed_high", "Killed (high)", "#affected+killed+max"),
              ("injured_low", "Injured (low)", "#affected+injured+min"),
              ("injured_high", "Injured (high)", "#affected+injured+max")],
}  # fmt: skip
FRAMES = {"convoys": "convoys", "besieged": "besieged", "tolls": "tolls"}


def _rows(frame: pd.DataFrame, tags: list[tuple[str, str, str]]) -> list[list[Any]]:
    return [[plain(row.get(key)) for key, _, _ in tags] for row in frame.to_dict("records")]


def hxl_files(report: WeeklyReport) -> dict[str, bytes]:
    """File name -> HXL CSV bytes: convoys.csv, besieged.csv, tolls.csv."""
    tolls = report.tolls.assign(week_start=report.options.week, week_end=report.options.end)
    frames = {"convoys": report.convoys, "besieged": report.besieged, "tolls": tolls}
    files = {}
    for name, tags in TAGS.items():
        header = [label for _, label, _ in tags]
        rows = [[tag for _, _, tag in tags], *_rows(frames[name], tags)]
        files[f"{name}.csv"] = csv_text(header, rows)
    return files


def hxl_zip(report: WeeklyReport, folder: str = "weekly-report-hxl") -> bytes:
    """The HXL files in one zip (the dashboard's single download)."""
    return zip_bytes(hxl_files(report), folder)
