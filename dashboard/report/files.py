"""Every export format of the weekly report under one name, for the command line and the page:
format -> file name(s) and bytes.

``render`` only draws a report already built (``build_report`` checked who asked for it). The
export entry points check the actor's role for the variant again and leave one audit line:
``export_files`` (the command line) and ``record_export`` (the page's download button, whose bytes
Streamlit prepares before anyone clicks).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from dashboard.report.model import WeeklyReport, check_threshold
from db.auth import Actor, audit, report_action, require
from db.migrate import upgrade

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


def render(report: WeeklyReport, fmt: str) -> bytes:
    """One format as bytes (csv and hxl: a zip). Not audited: see ``export_files``, ``record_export``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format '{fmt}': choose from {', '.join(FORMATS)}")
    return _builders()[fmt](report)


def export_files(report: WeeklyReport, fmt: str, *, actor: Actor, url: str | None = None) -> dict[str, bytes]:
    """File name -> bytes for the command line: the HXL tables as separate CSV files (ready to upload
    to HDX one by one), every other format as one file. Checks ``actor`` may export the variant and
    audits the export (one line) in the store at ``url``."""
    require(actor, report_action(report.options.variant))
    check_threshold(report.options, actor)  # a report built for an editor is not a viewer's to export
    if fmt == "hxl":
        from dashboard.report.hxl import hxl_files

        files = {
            f"{stem(report)}-{name.removesuffix('.csv')}.hxl.csv": data
            for name, data in hxl_files(report).items()
        }
    else:
        files = {file_name(report, fmt): render(report, fmt)}
    _audit(report, fmt, actor, url, list(files))
    return files


def record_export(report: WeeklyReport, fmt: str, *, actor: Actor, url: str | None = None) -> None:
    """Check and audit a download of ``fmt`` (the page renders the bytes beforehand, cached)."""
    require(actor, report_action(report.options.variant))
    check_threshold(report.options, actor)
    _audit(report, fmt, actor, url, [file_name(report, fmt)])


def _audit(report: WeeklyReport, fmt: str, actor: Actor, url: str | None, files: list[str]) -> None:
    o = report.options
    details = {"variant": o.variant, "format": fmt, "week": report.iso_week, "place_id": o.place_id,
               "place": o.place_name, "threshold": o.threshold, "files": files}  # fmt: skip
    with upgrade(url).begin() as conn:
        audit(conn, actor, "export", stem(report), details)
