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
from typing import ClassVar

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


def read_document(path: Path, encoding: str | None = None) -> Document:
    """Read ``path`` into a :class:`Document`. Raises LoadError when the file cannot be read."""
    suffix = path.suffix.lower()
    raw = path.read_bytes()
    used: str | None = None
    if suffix == ".pdf":
        text = pdf_text(path)
    elif suffix == ".docx":
        text = docx_text(path)
    else:
        text, used = decode_bytes(raw, path.name, encoding)
        if suffix in {".html", ".htm"}:
            text = html_text(text)
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


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise LoadError(
            path.name, f"is not a readable PDF ({exc}); save it again or export it as text"
        ) from None
    return "\n\n".join(p.strip("\n") for p in pages)


def docx_text(path: Path) -> str:
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
    paragraphs = []
    for para in root.iter(f"{_W}p"):
        chunks = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                chunks.append(node.text)
            elif node.tag == f"{_W}tab":
                chunks.append("\t")
            elif node.tag in {f"{_W}br", f"{_W}cr"}:
                chunks.append("\n")
        paragraphs.append("".join(chunks))
    return "\n".join(paragraphs)
