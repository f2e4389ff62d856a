"""A store whose every text field holds Markdown, HTML, LaTeX or a spreadsheet formula, and the
checkers that say whether a page rendered any of it live (issue 13, items 6 and 11).

The store is filled the real way (loaders.registry.load_file, db.writer.write_import): tables whose
place, organisation and source names are payloads, files named with payloads, an importer whose
name is one, a report whose title and publisher are, a rejected cell, a failed login.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
from google.protobuf.json_format import MessageToDict
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from dashboard.cells import FORMULA_START
from db import auth
from db.auth import Actor
from db.migrate import upgrade
from db.writer import write_import
from loaders.registry import load_file

IMAGE = "![b](http://127.0.0.1:9/x.png)"
FAKE_LINK = "[Session expired, log in again](http://evil.example)"
HTML_IMG = "<img src=x onerror=alert(1)>"
LATEX = r"$\href{http://evil.example}{x}$"
BOLD = "**bold** www.evil.example"
FORMULA = '=HYPERLINK("http://evil.example","x")'
PAYLOADS = (IMAGE, FAKE_LINK, HTML_IMG, LATEX, BOLD, FORMULA)


def _cell(text: str) -> str:
    """One CSV cell holding ``text`` (quoted, quotes doubled)."""
    return '"' + text.replace('"', '""') + '"'


# The latest week (2018-W11) holds a blocked convoy at a payload place: the Overview's alert names it.
CONVOYS = "\n".join(
    [
        "date,place,admin1,organisations,trucks,people_served,outcome,convoy_id,notes",
        f"2018-03-05,{_cell(IMAGE)},Rural Damascus,{_cell(FAKE_LINK)},9,7200,delivered,H-01,",
        f"2018-03-13,{_cell(FAKE_LINK)},Rural Damascus,{_cell(HTML_IMG)},5,1000,blocked,H-02,",
        f"2018-03-14,{_cell(FORMULA)},Rural Damascus,{_cell(FORMULA)},4,900,delivered,H-03,",
        f"2018-03-14,Douma,Rural Damascus,UN,{_cell(FORMULA)},900,delivered,H-04,",
    ]
)
BESIEGED = "\n".join(
    [
        "date,place,admin1,population,status,sources",
        f"2018-03-01,{_cell(LATEX)},Rural Damascus,40000,besieged,{_cell(BOLD)}",
        f"2018-03-12,{_cell(HTML_IMG)},Rural Damascus,3000,besieged,{_cell(IMAGE)}",
    ]
)
TOLLS = "\n".join(
    [
        "period_start,period_end,place,admin1,killed,injured,sources",
        f"2018-03-05,2018-03-11,{_cell(BOLD)},Rural Damascus,30,120,{_cell(FAKE_LINK)}",
        f"2018-03-12,2018-03-18,{_cell(BOLD)},Rural Damascus,90,300,{_cell(LATEX)}",
        f"2018-03-12,2018-03-18,{_cell(BOLD)},Rural Damascus,95,320,{_cell(FORMULA)}",
    ]
)
REPORT = f"""title: {IMAGE} {FAKE_LINK}
publisher: {HTML_IMG} {LATEX}
published: 2018-03-16

On 15 March 2018, a convoy of 12 trucks from the UN and SARC delivered food to Douma.
"""
# File names cannot hold '/', so these carry the slash-free payloads.
FILES = {
    f"{HTML_IMG} **b** $x$ convoys.csv": CONVOYS,
    "=cmd|' -C calc'!A0 besieged.csv": BESIEGED,
    "tolls [x](javascript:alert(1)).csv": TOLLS,
    f"report {HTML_IMG}.txt": REPORT,
}
IMPORTER = FAKE_LINK  # the name an import was made under (single-user mode takes any OS name)


def seed(folder: Path, url: str) -> None:
    """Fill the store at ``url`` with FILES (written into ``folder``) and a failed login by FORMULA."""
    folder.mkdir(parents=True, exist_ok=True)
    upgrade(url)
    for name, text in FILES.items():
        path = folder / name
        path.write_text(text, encoding="utf-8")
        fmt = "report" if name.endswith(".txt") else None  # as `cli ingest --format report`
        write_import(load_file(path, fmt), actor=Actor(IMPORTER, "editor"), url=url)
    # A failed login writes the typed name into the audit log: anyone can type anything there.
    with upgrade(url).begin() as conn:
        auth.audit(conn, FORMULA, "login_failed", FORMULA, {"reason": "unknown user"})


# ---- what a page would render --------------------------------------------------------------------

# Proto members Streamlit renders as Markdown; options only for radio buttons (selectbox options are
# plain text).
MARKDOWN_KEYS = {"body", "label", "help", "caption", "captions"}
# Elements whose text is shown as written (no Markdown): st.text, st.code; st.html is checked as HTML.
PLAIN = {"text", "code", "html", "dataframe", "plotlyChart", "iframe", "arrowDataFrame"}
ALLOWED_TAGS = {"p", "strong", "em", "code", "pre", "ul", "ol", "li", "blockquote", "hr", "br", "del", "s",
                "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}  # fmt: skip
_MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# What GitHub-flavoured Markdown links without brackets: Streamlit's renderer (remark-gfm) looks for
# bare addresses in the text *after* escapes are read, so these are searched in what a reader sees.
_GFM_TEXT = [
    (re.compile(r"(?i)https?://|(?<![\w])www\."), "a bare URL (GFM autolink)"),
    (re.compile(r"[\w.+-]@[\w-]+\.\w"), "an e-mail address (GFM autolink)"),
]
# LaTeX (remark-math) and :colour[...] directives are read with the escapes: searched in the source.
_GFM_SOURCE = [
    (re.compile(r"(?<!\\)\$"), "an unescaped $ (LaTeX)"),
    (re.compile(r"(?<!\\):[a-z-]+(?<!\\)\["), "a :directive[ (Streamlit colours)"),
]


def shown_text(source: str) -> str:
    """The characters a reader sees of Markdown ``source``: rendered, tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", _MD.render(source))).strip()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


def tags(html_text: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html_text)
    return parser.tags


def markdown_problems(source: str) -> list[str]:
    """What ``source`` would render live: a link, an image, raw HTML, LaTeX or a bare URL."""
    found = [
        f"<{tag}>" for tag, _ in tags(_MD.render(source)) if tag not in ALLOWED_TAGS
    ]  # a, img and any raw HTML
    found += [what for pattern, what in _GFM_SOURCE if pattern.search(source)]
    text = shown_text(source)
    found += [what for pattern, what in _GFM_TEXT if pattern.search(text)]
    return found


def html_problems(source: str) -> list[str]:
    """What an st.html body holds that acts: a link, an image, a script or an event handler."""
    found = []
    for tag, attrs in tags(source):
        if tag in {"a", "img", "script", "iframe", "object", "embed", "link", "svg", "image"}:
            found.append(f"<{tag}>")
        found += [f"{tag} {name}=" for name, _ in attrs if name.startswith("on") or name in {"src", "href"}]
    return found


def plotly_problems(spec: str) -> list[str]:
    """Tags plotly renders live (it shows <a href> as a link) in any string of a figure's JSON."""
    live = re.compile(r"(?i)<\s*(a|img|script|iframe)\b")
    out: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str) and live.search(value):
            out.append(value[:120])
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("geojson", "source"):  # shapes plotly draws, never shows as text
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(json.loads(spec))
    return out


def _nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _strings(value: Any, keys: set[str]) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in keys and isinstance(item, str):
                yield item
            elif key in keys and isinstance(item, list):
                yield from (i for i in item if isinstance(i, str))
            else:
                yield from _strings(item, keys)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, keys)


def rendered(at: AppTest) -> Iterator[tuple[str, str, str]]:
    """(kind, element type, text) of everything the page would render: 'markdown' for text
    Streamlit renders as Markdown, 'html' for st.html bodies, 'plotly' for figure specs."""
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        data = MessageToDict(proto, preserving_proto_field_name=False)
        kind = getattr(node, "type", "") or ""
        if kind == "html" or ("html" in data and isinstance(data.get("html"), dict)):
            body = data.get("body") or (data.get("html") or {}).get("body", "")
            yield "html", kind, str(body)
            continue
        if kind in ("plotly_chart", "plotlyChart") or "spec" in data:
            yield "plotly", kind, str(data.get("spec", "{}"))
            continue
        if kind in PLAIN or kind in ("text", "code", "arrow_data_frame"):
            continue
        keys = MARKDOWN_KEYS | ({"options"} if kind == "radio" else set())
        for text in _strings(data, keys):
            yield "markdown", kind, text


def page_problems(at: AppTest) -> list[str]:
    """Every live link, image, HTML tag or LaTeX the current page would render, named by element."""
    problems = []
    for kind, element, text in rendered(at):
        check = {"markdown": markdown_problems, "html": html_problems, "plotly": plotly_problems}[kind]
        problems += [f"{element}: {p} in {text[:160]!r}" for p in check(text)]
    return problems


def formula_cells(at: AppTest) -> list[str]:
    """Every st.dataframe cell or column name that a spreadsheet would run as a formula."""
    bad = []
    for table in at.dataframe:
        frame: pd.DataFrame = table.value
        names = [str(c) for c in frame.columns]
        bad += [f"column {c!r}" for c in names if c.startswith(FORMULA_START)]
        for col in frame.columns:
            bad += [f"{col}: {v!r}" for v in frame[col] if isinstance(v, str) and v.startswith(FORMULA_START)]
    return bad
