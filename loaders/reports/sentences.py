"""A report's body as paragraphs, sentences and table rows, each with its span in the text.

Reports wrap lines inside sentences (wire copy, field notes), use bullets, headings and text
tables. Lines are first grouped into blocks (a paragraph or one bullet), then blocks are split into
sentences at a full stop followed by a capital, except after abbreviations ('Jan.', 'U.N.').
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_BULLET = re.compile(
    r"^\s*(?:[*•·▪►‣](?!\*)|-(?=\s+[*_]*[A-Z0-9\"'(~])|–(?=\s+[A-Z0-9])|\d{1,2}[.)](?=\s+[A-Z]))\s+"
)
_MD_HEADING = re.compile(r"^\s*#{1,6}\s")
_TABLE_LINE = re.compile(r"\|.*\|")
_RULE_LINE = re.compile(r"^\s*[-=+|: ]{3,}\s*$")
_END = re.compile(r"[.!?:]\"?[”’]?$")
_FUNCTION_END = re.compile(
    r"\b(?:the|a|an|of|in|on|at|to|for|and|or|but|with|by|from|near|into|that|which|who|as|its|their|his|her)$",
    re.I,
)
# 'Kherson region: 32 killed, 144 injured', 'People in blockaded localities .... ~1 million': one fact a line.
_LABEL_LINE = re.compile(r"^\s*[A-Z][^:.!?]{0,60}?(?::\s+\S|\s*\.{3,}\s*\S)")
_SENT_END = re.compile(r"(?<=[.!?])[\"”’)]?(?=\s+[\"“'‘(]?[A-Z0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Maj|Capt|Sgt|Gov|Sen|Rep|Prof|No|Nos|approx|est|vs|etc|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|Mon|Tue|Tues|Wed|Thu|Thur|Thurs|Fri|Sat|Sun|Inc|Ltd|Co|Ref|Fig|al|ca|i\.e|e\.g|dep|arr|incl|distrib|secu|hosp|approx)"
    r"|\b[A-Z](?:\.[A-Z])+|\b[A-Z])\.$"
)


@dataclass(frozen=True, slots=True)
class Segment:
    """One sentence (or heading) of the body: ``text[start:end]`` with its paragraph number."""

    start: int
    end: int
    para: int
    heading: bool = False
    bullet: bool = False


@dataclass(slots=True)
class TableRow:
    start: int
    end: int
    cells: list[str]


@dataclass(slots=True)
class Table:
    """A text table: the line above it (caption), its header cells (may be empty) and rows."""

    caption: str
    caption_start: int
    header: list[str]
    rows: list[TableRow] = field(default_factory=list)
    para: int = 0


@dataclass(slots=True)
class _Line:
    start: int
    end: int
    text: str


def _lines(text: str, start: int) -> list[_Line]:
    out = []
    pos = start
    for raw in text[start:].split("\n"):
        out.append(_Line(pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def _continues(prev: str, nxt: str) -> bool:
    """Does line ``nxt`` carry on the block that ``prev`` ended?"""
    if not nxt.strip() or _BULLET.match(nxt) or _TABLE_LINE.search(nxt):
        return False
    if _MD_HEADING.match(prev) or _MD_HEADING.match(nxt):
        return False
    if _LABEL_LINE.match(prev) and _LABEL_LINE.match(nxt):
        return False
    p = prev.rstrip()
    if _END.search(p):
        return not p.endswith(":") and len(p) >= 50
    starts_low = bool(re.match(r"\s*[a-z0-9(\-–]", nxt))
    return starts_low or bool(_FUNCTION_END.search(p)) or p.endswith((",", "-", "–", "(")) or len(p) >= 50


def split_body(text: str, body_start: int) -> tuple[list[Segment], list[Table]]:
    """Sentences and tables of ``text`` from ``body_start`` on."""
    lines = _lines(text, body_start)
    segments: list[Segment] = []
    tables: list[Table] = []
    para = 0
    i = 0
    previous: _Line | None = None
    while i < len(lines):
        line = lines[i]
        if not line.text.strip():
            para += 1
            i += 1
            continue
        if _TABLE_LINE.search(line.text) or (_RULE_LINE.match(line.text) and "|" in line.text):
            j = i
            while j < len(lines) and (_TABLE_LINE.search(lines[j].text) or _RULE_LINE.match(lines[j].text)):
                j += 1
            tables.append(_table(lines[i:j], previous, para))
            para += 1
            i = j
            continue
        j = i + 1
        while j < len(lines) and _continues(lines[j - 1].text, lines[j].text):
            j += 1
        block_start, block_end = line.start + _indent(line.text), lines[j - 1].end
        bullet = bool(_BULLET.match(line.text))
        if bullet:
            block_start = line.start + _BULLET.match(line.text).end()  # type: ignore[union-attr]
        segments.extend(_sentences(text, block_start, block_end, para, bullet, single=j == i + 1))
        previous = lines[j - 1]
        para += 1
        i = j
    return segments, tables


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _sentences(text: str, start: int, end: int, para: int, bullet: bool, single: bool) -> list[Segment]:
    block = text[start:end]
    stripped = block.rstrip()
    figures = bool(_LABEL_LINE.match(block) and re.search(r"\d", block))  # a key-figure line, not a heading
    heading = (
        single and not bullet and not figures and not _END.search(stripped) and len(stripped) < 90
    ) or bool(_MD_HEADING.match(block))
    if heading:
        return [Segment(start, start + len(stripped), para, heading=True)]
    out = []
    pos = 0
    for m in _SENT_END.finditer(block):
        piece = block[pos : m.end()]
        if _ABBREV.search(piece.rstrip('"”’)')):
            continue
        out.append((pos, m.end()))
        pos = m.end()
        while pos < len(block) and block[pos].isspace():
            pos += 1
    if pos < len(stripped):
        out.append((pos, len(stripped)))
    return [Segment(start + a, start + b, para, bullet=bullet) for a, b in out if block[a:b].strip()]


def _table(lines: list[_Line], caption: _Line | None, para: int) -> Table:
    header: list[str] = []
    rows: list[TableRow] = []
    content = [ln for ln in lines if not _RULE_LINE.match(ln.text)]
    # Markdown tables open every line with a pipe; text tables only indent continuation lines.
    piped = bool(content) and all(ln.text.lstrip().startswith("|") for ln in content)
    for line in content:
        cells = [c.strip() for c in line.text.split("|")]
        if piped:
            cells = cells[1:]
        if line.text.strip().endswith("|") and cells and not cells[-1]:
            cells = cells[:-1]
        if not header and not rows and not any(re.search(r"\d", c) for c in cells):
            header = cells
            continue
        if rows and cells and not cells[0] and not re.match(r"^\s*total\b", line.text, re.I):
            prev = rows[-1]
            prev.cells = [
                (a + " " + b).strip()
                for a, b in zip(prev.cells + [""] * (len(cells) - len(prev.cells)), cells, strict=False)
            ] + prev.cells[len(cells) :]
            prev.end = line.end
            continue
        rows.append(TableRow(line.start, line.end, cells))
    cap_text = caption.text.strip() if caption else ""
    return Table(cap_text, caption.start if caption else 0, header, rows, para)
