"""A report's text as safe HTML with each fact's evidence marked. Pure: no streamlit, no store.

Imported text is untrusted (a report may hold HTML or a script): every character of it is
html-escaped, and the only markup in the output is ours. Spans are Python string offsets (code
points), exactly as the extractor computed them on the same text, so Arabic or emoji never shift a
mark. Overlapping spans are cut into segments; each segment is marked once, naming every fact that
covers it.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

# Light tints of the Okabe-Ito palette, one per kind; text stays black and readable on each.
KIND_COLOURS = {
    "convoy": "#cce4f6",
    "besieged_population": "#fde3bf",
    "civilian_toll": "#f5d3e6",
}
OTHER_COLOUR = "#e6e6e6"
KIND_LABELS = {
    "convoy": "convoy",
    "besieged_population": "besieged population",
    "civilian_toll": "civilian toll",
}
# Pending: dashed underline (waits for review); confirmed: solid; rejected: struck through, grey.
STATUS_STYLES = {
    "pending": "border-bottom: 2px dashed #555;",
    "confirmed": "border-bottom: 2px solid #222;",
    "rejected": "text-decoration: line-through; background: #eeeeee;",
}
FOCUS_STYLE = "outline: 2px solid #000; outline-offset: 1px;"
WINDOW_LIMIT = 3000  # characters shown around a fact when its paragraphs are very long
_PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v\n]*")


@dataclass(frozen=True, slots=True)
class Span:
    """One fact's evidence in the text: [start, end) in code points."""

    start: int
    end: int
    fact_id: int | None = None
    kind: str | None = None
    status: str = "pending"


def spans_from_records(rows: Iterable[dict[str, Any]]) -> list[Span]:
    """Spans from fact rows (id, kind, review_status, span_start, span_end); rows without a span skipped."""
    spans = []
    for row in rows:
        start, end = _int_or_none(row.get("span_start")), _int_or_none(row.get("span_end"))
        if start is not None and end is not None:
            spans.append(
                Span(start, end, _int_or_none(row.get("id")), row.get("kind"),
                     str(row.get("review_status") or "pending"))
            )  # fmt: skip
    return spans


def _is_int(value: Any) -> bool:
    try:
        return value is not None and value == value and int(value) == value  # NaN != NaN
    except (TypeError, ValueError):
        return False


def _int_or_none(value: Any) -> int | None:
    return int(value) if _is_int(value) else None


def paragraph_window(text: str, start: int, end: int, around: int = 1) -> tuple[int, int]:
    """[a, b) covering the paragraphs holding [start, end) plus ``around`` paragraphs either side.

    Paragraphs are separated by line breaks (blank lines or not). A window longer than WINDOW_LIMIT
    (a text without line breaks) is cut to about WINDOW_LIMIT characters centred on the span.
    """
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    bounds, position = [], 0
    for brk in _PARAGRAPH_BREAK.finditer(text):
        bounds.append((position, brk.start()))
        position = brk.end()
    bounds.append((position, len(text)))
    first = next((i for i, (_, b) in enumerate(bounds) if start <= b), len(bounds) - 1)
    last = next((i for i, (_, b) in enumerate(bounds) if max(start, end - 1) <= b), len(bounds) - 1)
    a = bounds[max(0, first - around)][0]
    b = bounds[min(len(bounds) - 1, last + around)][1]
    if b - a > WINDOW_LIMIT + (end - start):
        half = WINDOW_LIMIT // 2
        a, b = max(a, start - half), min(b, end + half)
    return a, b


def _attr(value: str) -> str:
    return html.escape(value, quote=True)


def _mark(segment: str, covering: list[Span], focus: int | None) -> str:
    focused = [s for s in covering if focus is not None and s.fact_id == focus]
    # The colour comes from the focused fact, else the innermost (shortest) span.
    main = focused[0] if focused else min(covering, key=lambda s: (s.end - s.start, s.start))
    kind = main.kind if main.kind in KIND_COLOURS else "other"
    status = main.status if main.status in STATUS_STYLES else "pending"
    style = f"background: {KIND_COLOURS.get(kind, OTHER_COLOUR)}; color: #000; {STATUS_STYLES[status]}"
    classes = ["am-fact", f"am-{kind}", f"am-{status}"]
    if len(covering) > 1:
        classes.append("am-overlap")
    if focused:
        classes.append("am-focus")
        style += " " + FOCUS_STYLE
    titles = " | ".join(
        f"fact #{s.fact_id if s.fact_id is not None else '?'} · "
        f"{KIND_LABELS.get(s.kind or '', s.kind or 'fact')} · {s.status}"
        for s in covering
    )
    ids = " ".join(str(s.fact_id) for s in covering if s.fact_id is not None)
    return (
        f'<mark class="{" ".join(classes)}" style="{_attr(style)}" title="{_attr(titles)}" '
        f'data-facts="{_attr(ids)}">{html.escape(segment)}</mark>'
    )


def highlight_html(
    text: str,
    spans: Iterable[Span],
    *,
    start: int = 0,
    end: int | None = None,
    focus: int | None = None,
) -> str:
    """``text[start:end]`` as escaped HTML with a <mark> around each span (clipped to the window).

    Spans that are empty, reversed or outside the window are left out. ``focus`` (a fact id) gets an
    outline. The result is one <div> that keeps the text's line breaks and sets each line's direction
    from its own first letters (an Arabic line reads right to left); '…' marks a cut window.
    """
    end = len(text) if end is None else max(0, min(end, len(text)))
    start = max(0, min(start, end))
    clipped = [
        Span(max(s.start, start), min(s.end, end), s.fact_id, s.kind, s.status)
        for s in spans
        if s.start < s.end and s.start < end and s.end > start
    ]
    cuts = sorted({start, end, *(s.start for s in clipped), *(s.end for s in clipped)})
    parts = ["…"] if start > 0 else []
    for a, b in itertools.pairwise(cuts):
        covering = [s for s in clipped if s.start <= a and b <= s.end]
        segment = text[a:b]
        parts.append(_mark(segment, covering, focus) if covering else html.escape(segment))
    if end < len(text):
        parts.append("…")
    body = "".join(parts)
    style = "white-space: pre-wrap; unicode-bidi: plaintext; line-height: 1.7;"
    return f'<div class="am-document" style="{style}">{body}</div>'


def legend_html() -> str:
    """One line saying what the colours and underlines mean."""
    kinds = " ".join(
        f'<mark style="background: {colour}; color: #000;">{html.escape(KIND_LABELS[kind])}</mark>'
        for kind, colour in KIND_COLOURS.items()
    )
    statuses = " ".join(
        f'<span style="{_attr(style)}">{status}</span>' for status, style in STATUS_STYLES.items()
    )
    return f'<div class="am-legend" style="font-size: 0.85em;">Kinds: {kinds} &nbsp; Review: {statuses}</div>'
