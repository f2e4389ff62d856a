"""Report files to plain text: .txt and .md as they are, .html without markup, .pdf from its text
layer (pypdf), .docx from its paragraphs (defusedxml). Header lines ``title:``, ``publisher:``,
``published:`` at the top are read as metadata and stay in the text (fact spans index into it).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import zipfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

from loaders.limits import REPORT_CONTENT_BYTES, REPORT_PAGES, Budget
from loaders.normalise.dates import parse_date
from loaders.normalise.text import decode_bytes
from loaders.records import LoadError

SUFFIXES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html",
            ".pdf": "application/pdf",
            ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}  # fmt: skip
_HEADER = re.compile(r"^(title|publisher|published|source|date)\s*:\s*(.*?)\s*$", re.I)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(slots=True)
class Document:
    """A report as text. ``body_start`` is where the prose begins (after the header lines)."""

    text: str
    content_type: str
    encoding: str | None = None
    title: str | None = None
    publisher: str | None = None
    published: dt.date | None = None
    published_text: str | None = None
    body_start: int = 0


def read_document(path: Path, encoding: str | None = None, budget: Budget | None = None) -> Document:
    """Read ``path`` into a :class:`Document`. Raises LoadError when the file cannot be read, or is
    over the report's page, character or time budget (loaders.limits)."""
    budget = budget or Budget(path.name)
    suffix = path.suffix.lower()
    used: str | None = None
    if suffix == ".pdf":
        text = pdf_text(path, budget)
    elif suffix == ".docx":
        text = docx_text(path, budget)
    else:
        raw = path.read_bytes()
        if len(raw) > 4 * budget.chars:  # UTF-8 spends at most 4 bytes a character: over for sure
            budget.count(len(raw) // 4, f"{len(raw):,} bytes")
        text, used = decode_bytes(raw, path.name, encoding)
        if suffix in {".html", ".htm"}:
            budget.check("the HTML markup")
            text = html_text(text)
        budget.count(len(text), f"{len(text):,} characters")
    text = normalise(text)
    if not text.strip():
        raise LoadError(path.name, "holds no text; for a scanned PDF, run OCR first and load the text")
    doc = Document(text=text, content_type=SUFFIXES.get(suffix, "text/plain"), encoding=used)
    _read_header(doc)
    return doc


def normalise(text: str) -> str:
    """One newline style, no BOM, no trailing spaces; everything else kept as written."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def _read_header(doc: Document) -> None:
    pos = 0
    seen = False
    for line in doc.text.split("\n"):
        m = _HEADER.match(line)
        if not m:
            if seen and line.strip():
                break
            if not line.strip():
                pos += len(line) + 1
                continue
            break
        seen = True
        key, value = m.group(1).lower(), m.group(2)
        if key == "title":
            doc.title = value or None
        elif key in {"publisher", "source"}:
            doc.publisher = value or None
        else:
            doc.published_text = value
            doc.published = parse_published(value)
        pos += len(line) + 1
    doc.body_start = pos


def parse_published(value: object) -> dt.date | None:
    """A publication date from an option or header ('2018-03-10', '10 March 2018'); None if unreadable."""
    if value is None or isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    try:
        return parse_date(str(value)).value
    except ValueError:
        return None


# --------------------------------------------------------------------------- formats


class _HtmlText(HTMLParser):
    _BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article",
              "header", "footer", "table", "ul", "ol", "blockquote", "pre", "title"}  # fmt: skip
    _SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template", "svg", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")
        if tag in {"td", "th"}:
            self.parts.append(" | ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_text(markup: str) -> str:
    parser = _HtmlText()
    parser.feed(markup)
    parser.close()
    text = html.unescape("".join(parser.parts))
    lines = [re.sub(r"^ \| ", "", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


def pdf_text(path: Path, budget: Budget | None = None) -> str:
    """The text layer of a PDF, page by page, within ``budget``: at most REPORT_PAGES pages, at most
    REPORT_CONTENT_BYTES of page content (a crafted PDF repeats one large content stream on every
    page: measured before any text is extracted), and the character and time caps checked after
    each page, so a PDF over them is refused at the first page that crosses them."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    budget = budget or Budget(path.name)
    try:
        reader = PdfReader(path)
        count = len(reader.pages)
        if count > REPORT_PAGES:
            raise LoadError(
                path.name, f"has {count:,} pages, more than the {REPORT_PAGES:,} Access Monitor reads from one "
                f"report; nothing was stored. Split it into smaller files (by chapter or by month) and import each",
            )  # fmt: skip
        _check_content(path.name, reader)
        pages: list[str] = []
        total = 0
        for number, page in enumerate(reader.pages, start=1):
            pages.append((page.extract_text() or "").strip("\n"))
            total += len(pages[-1]) + 2
            budget.count(total, f"reached on page {number:,} of {count:,}")
    except (PdfReadError, PyPdfError, ValueError, KeyError, OSError) as exc:
        raise LoadError(
            path.name, f"is not a readable PDF ({exc}); save it again or export it as text"
        ) from None
    return "\n\n".join(pages)


def _check_content(file: str, reader: Any) -> None:
    """Refuse a PDF whose pages hold more content than REPORT_CONTENT_BYTES, each page counted
    with every stream it draws; a stream shared by many pages is decoded once but counted on each
    (text extraction would read it again for every page)."""
    from pypdf.generic import ArrayObject, IndirectObject

    sizes: dict[tuple[int, int], int] = {}
    shared: dict[tuple[int, int], int] = {}
    total = 0
    for number, page in enumerate(reader.pages, start=1):
        contents = page.get("/Contents")
        refs = contents if isinstance(contents, ArrayObject) else [contents] if contents is not None else []
        for ref in refs:
            key = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else (-number, id(ref))
            if key not in sizes:
                sizes[key] = len(ref.get_object().get_data())
            shared[key] = shared.get(key, 0) + 1
            total += sizes[key]
        if total > REPORT_CONTENT_BYTES:
            repeated = max(shared.values())
            why = (
                f"{repeated} pages draw the same content stream"
                if repeated > 1
                else f"its first {number:,} pages"
            )
            raise LoadError(
                file, f"holds more than {REPORT_CONTENT_BYTES // (1024 * 1024)} MB of page content ({why}), more "
                "than a report's text needs: it is crafted or mostly drawings. Export the report's text (or "
                "split the PDF into smaller files) and import that",
            )  # fmt: skip


def docx_text(path: Path, budget: Budget | None = None) -> str:
    from defusedxml import ElementTree

    try:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise LoadError(
            path.name, f"is not a readable Word document ({exc}); save it again as .docx"
        ) from None
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    try:
        root = ElementTree.fromstring(xml)
    except DefusedXmlException as exc:
        raise LoadError(
            path.name, f"holds XML that declares entities or a DTD ({exc}); refused for safety"
        ) from None
    except ParseError as exc:
        raise LoadError(
            path.name, f"is not a readable Word document ({exc}); save it again as .docx"
        ) from None
    budget = budget or Budget(path.name)
    paragraphs = []
    total = 0
    for number, para in enumerate(root.iter(f"{_W}p"), start=1):
        chunks = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                chunks.append(node.text)
            elif node.tag == f"{_W}tab":
                chunks.append("\t")
            elif node.tag in {f"{_W}br", f"{_W}cr"}:
                chunks.append("\n")
        paragraphs.append("".join(chunks))
        total += len(paragraphs[-1]) + 1
        if number % 200 == 0 or total > budget.chars:
            budget.count(total, f"reached at paragraph {number:,}")
    return "\n".join(paragraphs)
