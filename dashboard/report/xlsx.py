"""The weekly report as an Excel workbook: a sheet each for summary, convoys, besieged, tolls,
sources and the 12-week trend. Typed cells (counts are numbers, dates are dates, '<5' is text),
frozen header rows, widths fitted to the content.

Text never becomes a formula: openpyxl turns a string starting with '=' into one, so every text
cell is written with data type 's' explicitly (and Excel's quote prefix when it starts like a
formula, so editing the cell keeps it text)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from dashboard.cells import FORMULA_START
from dashboard.report.model import WeeklyReport
from dashboard.report.tables import about, export_tables, plain

MAX_WIDTH = 60
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
SHEETS = {"convoys": "Convoys", "besieged": "Besieged", "tolls": "Tolls", "sources": "Sources",
          "trend": "Trend"}  # fmt: skip


def put(ws: Worksheet, row: int, column: int, value: Any) -> Cell:
    """Write one typed cell. Text is always text: data type 's', never 'f'."""
    cell = ws.cell(row=row, column=column)
    value = plain(value)
    if value is None:
        return cell
    if isinstance(value, bool | int | float):
        cell.value = value
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, dt.date):
        cell.value = value
        cell.number_format = "yyyy-mm-dd"
    else:
        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        cell.value = text
        cell.data_type = "s"  # set after the value: openpyxl would have made '=…' a formula
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    return cell


def _header(ws: Worksheet, row: int, headers: list[str]) -> None:
    for col, name in enumerate(headers, start=1):
        cell = put(ws, row, col, name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")


def _frame(ws: Worksheet, frame: pd.DataFrame, first_row: int) -> int:
    """Header at ``first_row``, then the rows; returns the next free row."""
    _header(ws, first_row, [str(c) for c in frame.columns])
    for r, values in enumerate(frame.itertuples(index=False), start=first_row + 1):
        for c, value in enumerate(values, start=1):
            put(ws, r, c, value)
    return first_row + len(frame) + 1


def _fit(ws: Worksheet) -> None:
    """Column widths from the longest value (headers wrap, so they count less)."""
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            text = cell.value.isoformat() if isinstance(cell.value, dt.date) else str(cell.value)
            longest = max(len(line) for line in text.splitlines() or [""])
            if cell.font and cell.font.b:
                longest = min(longest, 18)
            widths[cell.column] = max(widths.get(cell.column, 8), longest + 2)
    for col, width in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(width, MAX_WIDTH)


def _summary(ws: Worksheet, report: WeeklyReport, tables: dict[str, pd.DataFrame]) -> None:
    """What the report is (rows 1-7), the headline figures (header frozen), then the alerts."""
    for r, (key, value) in enumerate(about(report), start=1):
        put(ws, r, 1, key).font = Font(bold=True)
        put(ws, r, 2, value)
    ws["B1"].font = Font(bold=True, size=14)
    start = len(about(report)) + 2
    ws.freeze_panes = ws.cell(row=start + 1, column=1)
    # Unknown headline figures (no report) read '–', never 0 or a blank that could pass for one.
    after = _frame(ws, tables["summary"].iloc[:, :5].fillna("–").join(tables["summary"].iloc[:, 5:]), start)
    put(ws, after + 1, 1, "Alerts").font = Font(bold=True, size=12)
    if tables["alerts"].empty:
        put(ws, after + 2, 1, "No alerts this week.")
    else:
        _frame(ws, tables["alerts"], after + 2)
    notes_row = ws.max_row + 2
    put(ws, notes_row, 1, "Notes").font = Font(bold=True, size=12)
    for i, note in enumerate(report.notes, start=notes_row + 1):
        put(ws, i, 1, note)


def xlsx_bytes(report: WeeklyReport) -> bytes:
    """The workbook as bytes."""
    tables = export_tables(report)
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    _summary(summary, report, tables)
    _fit(summary)
    summary.column_dimensions["A"].width = 32
    for key, title in SHEETS.items():
        ws = wb.create_sheet(title)
        _frame(ws, tables[key], 1)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        _fit(ws)
    wb.properties.title = report.title[:250]
    wb.properties.subject = report.classification[:250]
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
