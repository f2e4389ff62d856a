"""Stored text made inert where the dashboard renders it. Pure: no streamlit, so tests and the
chart builders share it.

Every name, title, publisher, source, file name, user name and message in the store came from a
file or a person, so it may hold Markdown or HTML. Streamlit renders GitHub-flavoured Markdown, with
LaTeX between ``$`` and ``:colour[...]`` directives, in st.markdown, captions, titles and headers,
alerts, toasts, expander, metric, tab and widget labels, widget help and radio options; a title
``![b](http://host/x.png)`` would make every reader's browser fetch that address, and
``[Session expired, log in again](http://evil.example)`` would show a convincing link. plotly
renders a subset of HTML (``<a href>``, ``<br>``, ``<b>``) in titles, axis labels, legends and
hover text.

``inert`` is for the first kind of place, ``plot_text`` for the second. Selectbox options are
plain text in Streamlit (no Markdown): they take stored text as it is.
"""

from __future__ import annotations

import html
import re

# Characters with a meaning anywhere in a line: links and images ([ ]), raw HTML and autolinks
# (< >), emphasis, strike-through and code (* _ ~ `), LaTeX ($), tables (|), headings (#) and the
# escape itself. Punctuation without one (- . , : ( ) !) stays as written, so "2018-W10" and
# "Douma (Rural Damascus)" read the same in the page source as on screen.
_ANYWHERE = re.compile(r"([\\`*_~\[\]<>$|#])")
# GFM links bare addresses ('http://', 'www.', e-mail addresses), and Streamlit's renderer finds
# them in the text *after* escapes are read, so a backslash cannot stop it: an invisible WORD JOINER
# (U+2060) goes inside each ('http:\u2060//', 'www\u2060.', 'a\u2060@b'), which no address pattern
# matches; the reader sees the same characters.
_AUTOLINK = re.compile(r"(?i)(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)")
# ':material/lock:' draws an icon from a web font the browser would fetch (and ':red[...]' colours
# text; its brackets are escaped above): the same joiner after the colon leaves it as letters.
_ICON = re.compile(r"(?i)(?<=:)(?=material/)")
JOINER = "\u2060"
# An HTML entity ('&lt;img&gt;') would render as the character it names.
_ENTITY = re.compile(r"&(?=#?\w+;)")
# At the start of a line these begin a list, a quote or a heading underline.
_LEADING = re.compile(r"^(\s*)(\d*)([-+=.)])")
# A line break would start a new block (a heading, a list, a code block): stored text is one line.
_BREAKS = re.compile(r"[\r\n\t\v\f\x85\u2028\u2029]+")


def inert(text: object) -> str:
    """``text`` as Markdown that renders exactly as its characters: no link, image, HTML, LaTeX,
    emphasis, list or heading. Line breaks become spaces. None gives ''."""
    if text is None:
        return ""
    out = _ANYWHERE.sub(r"\\\1", _BREAKS.sub(" ", str(text)))
    out = _AUTOLINK.sub(JOINER, out)
    out = _ICON.sub(JOINER, out)
    out = _ENTITY.sub(r"\\&", out)
    return _LEADING.sub(_leading, out)


def _leading(match: re.Match[str]) -> str:
    """'- x' -> '\\- x' and '1. x' -> '1\\. x' (both render as written); '2018-W10' is left alone."""
    space, digits, mark = match.groups()
    if digits and mark not in ".)":
        return match.group(0)
    if not digits and mark in ".)":
        return match.group(0)
    return f"{space}{digits}\\{mark}"


def plot_text(text: object) -> str:
    """``text`` for a plotly label, legend or hover text: ``& < >`` as entities (plotly shows them as
    the characters), and ``%`` as an entity so a name cannot act as a hovertemplate variable."""
    if text is None:
        return ""
    return html.escape(str(text), quote=False).replace("%", "&#37;")
