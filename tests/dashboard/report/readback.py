"""Read the report's outputs back the way a reader's tools would: HTML through html.parser, XLSX
through openpyxl, PDF text through pypdf, CSV and HXL through csv (from their zips)."""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser

import openpyxl
import pypdf


@dataclass
class Page:
    """What html.parser saw: tables by id (rows of cell texts), every attribute, script and style
    bodies, and all the visible text."""

    tables: dict[str, list[list[str]]] = field(default_factory=dict)
    attributes: list[tuple[str, str, str]] = field(default_factory=list)  # (tag, name, value)
    scripts: list[str] = field(default_factory=list)
    styles: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    ids: dict[str, str] = field(default_factory=dict)  # element id -> its text
    rows_by_key: dict[str, list[str]] = field(default_factory=dict)  # tr data-figure -> cells


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.table: str | None = None
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.raw: str | None = None  # inside script or style
        self.figure: str | None = None
        self.open_ids: list[tuple[str, str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.page.attributes += [(tag, k, v) for k, v in values.items()]
        if tag in ("script", "style"):
            self.raw = tag
            (self.page.scripts if tag == "script" else self.page.styles).append("")
        if tag == "table":
            self.table = values.get("id", "")
            self.page.tables[self.table] = []
        elif tag == "tr":
            self.row, self.figure = [], values.get("data-figure")
        elif tag in ("td", "th"):
            self.cell = []
        if "id" in values and tag not in ("table",):
            self.open_ids.append((tag, values["id"], []))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.raw = None
        elif tag in ("td", "th") and self.row is not None and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None and self.table is not None:
            self.page.tables[self.table].append(self.row)
            if self.figure:
                self.page.rows_by_key[self.figure] = self.row
            self.row = None
        elif tag == "table":
            self.table = None
        if self.open_ids and self.open_ids[-1][0] == tag:
            _, ident, parts = self.open_ids.pop()
            self.page.ids[ident] = "".join(parts).strip()

    def handle_data(self, data: str) -> None:
        if self.raw == "script":
            self.page.scripts[-1] += data
            return
        if self.raw == "style":
            self.page.styles[-1] += data
            return
        self.page.texts.append(data)
        if self.cell is not None:
            self.cell.append(data)
        for _, _, parts in self.open_ids:
            parts.append(data)


def parse_html(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def pdf_images(data: bytes) -> int:
    """Distinct images in the PDF (a page may list resources it shares with others)."""
    pages = pypdf.PdfReader(io.BytesIO(data)).pages
    return len({image.data for page in pages for image in page.images})


def workbook(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def sheet_rows(wb: openpyxl.Workbook, name: str, header_row: int = 1) -> list[dict[str, object]]:
    """Rows of a sheet as dicts keyed by the header row's texts (empty rows skipped)."""
    ws = wb[name]
    header = [c.value for c in ws[header_row]]
    rows = []
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if any(v is not None for v in row):
            rows.append(dict(zip(header, row, strict=False)))
    return rows


def zip_csvs(data: bytes) -> dict[str, list[list[str]]]:
    """File base name -> rows (header included) of every CSV in a zip."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            text = archive.read(name).decode("utf-8-sig")
            out[name.rsplit("/", 1)[-1]] = list(csv.reader(io.StringIO(text)))
    return out
