"""The weekly report as a zip of CSV tables (UTF-8 with BOM so Excel shows Arabic names; text that
starts like a formula gets a leading apostrophe)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable
from typing import Any

from dashboard.report.model import WeeklyReport
from dashboard.report.tables import about, export_tables, formula_safe, plain


def _cell(value: Any) -> Any:
    value = plain(value)
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat(sep=" ") if hasattr(value, "hour") else value.isoformat()
    return formula_safe(value)


def csv_text(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    """Formula-safe CSV bytes (UTF-8 with BOM, CRLF line ends as RFC 4180 asks)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_cell(h) for h in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def csv_files(report: WeeklyReport) -> dict[str, bytes]:
    """File name -> bytes: about.csv, summary.csv, alerts.csv, convoys.csv, besieged.csv, tolls.csv,
    sources.csv, trend.csv and notes.csv."""
    files = {"about.csv": csv_text(["Item", "Value"], about(report))}
    for name, frame in export_tables(report).items():
        files[f"{name}.csv"] = csv_text(list(frame.columns), frame.itertuples(index=False))
    files["notes.csv"] = csv_text(["Note"], ([n] for n in report.notes))
    return files


def zip_bytes(files: dict[str, bytes], folder: str) -> bytes:
    """The files in one zip, inside ``folder``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(f"{folder}/{name}", data)
    return buffer.getvalue()


def csv_zip(report: WeeklyReport, folder: str = "weekly-report") -> bytes:
    """The zip of csv_files."""
    return zip_bytes(csv_files(report), folder)
