"""highlight_html: untrusted text escaped, exact code-point offsets, overlapping spans, windows."""

from __future__ import annotations

import html
import re

from dashboard.highlight import Span, highlight_html, paragraph_window, spans_from_records

MARK = re.compile(r"<mark [^>]*>(.*?)</mark>", re.S)


def _marked(out: str) -> list[str]:
    return [html.unescape(m) for m in MARK.findall(out)]


def _plain(out: str) -> str:
    """The text the browser shows: tags dropped, entities decoded, window dots kept."""
    return html.unescape(re.sub(r"<[^>]+>", "", out))


def test_script_and_markup_in_the_text_stay_inert() -> None:
    text = "Before <script>alert('x')</script> and <img src=x onerror=alert(1)> after & done."
    evidence = "<script>alert('x')</script>"
    start = text.index(evidence)
    out = highlight_html(text, [Span(start, start + len(evidence), 1, "convoy")])
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in out
    assert "&amp; done." in out
    assert _marked(out) == [evidence]
    assert _plain(out) == text


def test_kind_and_status_in_attributes_are_escaped() -> None:
    out = highlight_html("abc", [Span(0, 3, 7, kind='x" onmouseover="alert(1)', status='"><script>')])
    assert 'onmouseover="alert' not in out and "<script>" not in out
    assert 'class="am-fact am-other am-pending"' in out  # unknown kind and status fall back
    assert 'title="fact #7 · x&quot; onmouseover=&quot;alert(1) · &quot;&gt;&lt;script&gt;"' in out


def test_exact_offsets_with_arabic_and_emoji() -> None:
    text = "تقرير 🚚 عاجل: وصلت قافلة من 13 شاحنة إلى دوما يوم الجمعة.\nسطر آخر"
    evidence = "وصلت قافلة من 13 شاحنة إلى دوما"
    start = text.index(evidence)
    out = highlight_html(text, [Span(start, start + len(evidence), 3, "convoy", "confirmed")])
    assert _marked(out) == [evidence]
    assert f">{evidence}</mark>" in out
    assert _plain(out) == text
    assert "am-confirmed" in out and "solid" in out


def test_overlapping_spans_are_cut_into_segments() -> None:
    text = "The convoy of 13 trucks was shelled; 25 civilians were killed nearby."
    outer = Span(0, text.index(";"), 1, "convoy", "pending")
    inner = Span(text.index("13"), text.index("was"), 2, "civilian_toll", "confirmed")
    last = Span(text.index("25"), len(text) - 1, 3, "civilian_toll", "pending")
    out = highlight_html(text, [outer, inner, last])
    assert _marked(out) == ["The convoy of ", "13 trucks ", "was shelled", "25 civilians were killed nearby"]
    assert _plain(out) == text
    # The shared segment names both facts and takes the innermost span's colour.
    shared = re.search(r"<mark ([^>]*)>13 trucks </mark>", out)
    assert shared is not None
    assert 'data-facts="1 2"' in shared.group(1) and "am-overlap" in shared.group(1)
    assert "am-civilian_toll am-confirmed" in shared.group(1)
    # A focused fact gives its colour to every segment it covers, and an outline.
    focused = highlight_html(text, [outer, inner], focus=1)
    assert focused.count("am-focus") == 3 and "am-convoy am-pending am-overlap am-focus" in focused


def test_identical_and_nested_spans_and_bad_spans() -> None:
    text = "abcdefghij"
    out = highlight_html(text, [Span(2, 5, 1), Span(2, 5, 2), Span(7, 7, 3), Span(8, 6, 4), Span(-5, 1, 5),
                                Span(9, 99, 6)])  # fmt: skip
    assert _marked(out) == ["a", "cde", "j"]
    assert 'data-facts="1 2"' in out
    assert _plain(out) == text


def test_window_clips_spans_and_marks_the_cut() -> None:
    text = "first para\nsecond para has the fact\nthird para"
    start = text.index("has the fact")
    spans = [Span(0, 5, 1), Span(start, start + 12, 2), Span(text.index("third"), len(text), 3)]
    a, b = paragraph_window(text, start, start + 12, around=0)
    assert text[a:b] == "second para has the fact"
    out = highlight_html(text, spans, start=a, end=b)
    assert _plain(out) == "…second para has the fact…"
    assert _marked(out) == ["has the fact"]
    # A span crossing the window edge is clipped, not dropped.
    assert _marked(highlight_html(text, [Span(3, start + 3, 9)], start=a, end=b)) == ["second para has"]


def test_paragraph_window_takes_neighbouring_paragraphs() -> None:
    text = "p1\n\np2\n\np3 the fact\n\np4\n\np5"
    start = text.index("the fact")
    a, b = paragraph_window(text, start, start + 8)
    assert text[a:b] == "p2\n\np3 the fact\n\np4"
    assert paragraph_window(text, 0, 2) == (0, text.index("\n\np3"))  # first paragraph: no earlier one
    long = "x" * 10_000 + " the fact " + "y" * 10_000  # no line breaks at all
    a, b = paragraph_window(long, 10_001, 10_009)
    assert a < 10_001 and b > 10_009 and b - a < 3_100


def test_spans_from_records_skips_rows_without_spans() -> None:
    rows = [
        {"id": 1, "kind": "convoy", "review_status": "confirmed", "span_start": 0, "span_end": 4},
        {"id": 2, "kind": "convoy", "review_status": "pending", "span_start": None, "span_end": None},
        {
            "id": 3,
            "kind": "civilian_toll",
            "review_status": "pending",
            "span_start": float("nan"),
            "span_end": 3.0,
        },
        {"id": 4.0, "kind": "civilian_toll", "review_status": None, "span_start": 5.0, "span_end": 9.0},
    ]
    assert spans_from_records(rows) == [
        Span(0, 4, 1, "convoy", "confirmed"),
        Span(5, 9, 4, "civilian_toll", "pending"),
    ]
