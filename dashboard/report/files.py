"""Every export format of the weekly report under one name, for the command line and the page:
format -> file name(s) and bytes."""

from __future__ import annotations

import re
from collections.abc import Callable

from dashboard.report.model import WeeklyReport

FORMATS = ("pdf", "xlsx", "html", "csv", "hxl")
MIME = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "html": "text/html", "csv": "application/zip", "hxl": "application/zip"}  # fmt: skip


def stem(report: WeeklyReport) -> str:
    """'access-monitor-2018-W10-eastern-ghouta-public': ASCII, no spaces (Arabic names: place id)."""
    o = report.options
    place = ""
    if o.place_id is not None:
        slug = re.sub(r"[^a-z0-9]+", "-", (o.place_name or "").lower()).strip("-")
        place = f"-{slug or f'place-{o.place_id}'}"
    return f"access-monitor-{report.iso_week}{place}-{o.variant}"


def _builders() -> dict[str, Callable[[WeeklyReport], bytes]]:
    # Imported here: the PDF pulls in WeasyPrint, which a CSV export does not need.
    from dashboard.report import csvzip, html, hxl, pdf, xlsx

    return {
        "pdf": pdf.pdf_bytes,
        "xlsx": xlsx.xlsx_bytes,
        "html": lambda r: html.render(r).encode("utf-8"),
        "csv": lambda r: csvzip.csv_zip(r, stem(r)),
        "hxl": lambda r: hxl.hxl_zip(r, f"{stem(r)}-hxl"),
    }


def file_name(report: WeeklyReport, fmt: str) -> str:
    """The download name of one format ('…-tables.zip' for csv, '…-hxl.zip' for hxl)."""
    suffix = {"csv": "-tables.zip", "hxl": "-hxl.zip"}.get(fmt, f".{fmt}")
    return stem(report) + suffix


def export(report: WeeklyReport, fmt: str) -> bytes:
    """One format as bytes (csv and hxl: a zip)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    return _builders()[fmt](report)


def export_files(report: WeeklyReport, fmt: str) -> dict[str, bytes]:
    """File name -> bytes for the command line: the HXL tables as separate CSV files (ready to upload
    to HDX one by one), every other format as one file."""
    if fmt == "hxl":
        from dashboard.report.hxl import hxl_files

        return {
            f"{stem(report)}-{name.removesuffix('.csv')}.hxl.csv": data
            for name, data in hxl_files(report).items()
        }
    return {file_name(report, fmt): export(report, fmt)}
