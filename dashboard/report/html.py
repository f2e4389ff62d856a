"""The weekly report as one self-contained HTML file: the source of the PDF too.

Interactive charts carry plotly.js inlined (include_plotlyjs=True), so the file opens offline and
references no URL. Every text from the store or the user goes through ``html.escape``. For the PDF
the same page is rendered with the charts as PNG images (data: URIs), or with a line saying where
each chart would be when no browser could draw them.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from html import escape
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from dashboard.charts import LABELS
from dashboard.report.model import Cell, WeeklyReport
from dashboard.report.tables import ALERT_TITLES, plain

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
STYLE = """
@page { size: A4; margin: 18mm 14mm 18mm 14mm;
        @top-center { content: string(classification); font: bold 9pt sans-serif; color: #b00020; }
        @bottom-center { content: string(classification) " · page " counter(page) " of " counter(pages);
                         font: 8pt sans-serif; color: #555; } }
body { font-family: "DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Noto Naskh Arabic", Arial, sans-serif;
       font-size: 10pt; color: #111; max-width: 1100px; margin: 0 auto; padding: 0 12px; }
.classification { string-set: classification content(); font-weight: bold; color: #b00020;
                  border: 1px solid #b00020; padding: 2px 8px; display: inline-block; }
h1 { font-size: 18pt; margin: 8px 0 4px; } h2 { font-size: 13pt; margin: 18px 0 6px; break-after: avoid; }
p.scope, p.generated { color: #444; margin: 2px 0; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 8px; }
th, td { border: 1px solid #ccc; padding: 3px 5px; text-align: left; vertical-align: top; }
th { background: #dde6f0; } td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; } tr.range td { font-weight: bold; background: #f6f6f6; }
.pending { color: #8a5a00; font-style: italic; }
ul.alerts li { margin: 2px 0; } .note { color: #444; font-size: 9pt; }
.chart { break-inside: avoid; margin: 6px 0; } .chart img { width: 100%; }
.placeholder { border: 1px dashed #999; padding: 10px; color: #555; margin: 6px 0; }
"""


def text(value: Any) -> str:
    """Escaped text of a cell ('' for none)."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return escape(f"{value:%Y-%m-%d %H:%M}")
    if isinstance(value, dt.date):
        return escape(value.isoformat())
    return escape(str(value), quote=True)


def count(value: Cell) -> str:
    """'12,400', '<5' (suppressed), '' (unknown)."""
    value = plain(value)
    if value is None:
        return ""
    return escape(value) if isinstance(value, str) else f"{int(value):,}"


def span(low: Cell, high: Cell) -> str:
    """'940–1,000', one number when both ends agree, '<5–12' when one end is suppressed."""
    a, b = count(low), count(high)
    return a if a == b or not b else (b if not a else f"{a}–{b}")


def _label(code: Any, labels: dict[str, str] | None = None) -> str:
    """'items_removed' -> 'Items removed' (``labels`` first: the charts' outcome labels)."""
    value = plain(code)
    if value is None:
        return ""
    return escape((labels or {}).get(str(value), str(value).replace("_", " ").capitalize()))


def _change(change: tuple[int, int] | None) -> str:
    if change is None:
        return "–"
    low, high = change
    return f"{low:+,}" if low == high else f"{low:+,} / {high:+,}"


def _table(table_id: str, headers: Sequence[str], rows: list[str], empty: str) -> str:
    if not rows:
        return f'<p class="note" id="{table_id}-empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _known(low: Cell, high: Cell) -> str:
    """A headline cell: its span, or '–' titled "no report" when unknown (never 0)."""
    return span(low, high) or '<span title="no report">–</span>'


def _headlines(report: WeeklyReport) -> str:
    rows = [
        f'<tr data-figure="{h.key}"><td>{escape(h.label)}</td><td class="num">{_known(h.low, h.high)}</td>'
        f'<td class="num">{_known(h.previous_low, h.previous_high)}</td><td class="num">{_change(h.change())}</td></tr>'
        for h in report.headlines
    ]
    return _table("headline", ["Figure", "This week", "Week before", "Change"], rows, "No figures.")


def _alerts(report: WeeklyReport) -> str:
    if report.alerts.empty:
        return '<p class="note" id="alerts-empty">No alerts this week.</p>'
    items = [f'<li data-alert="{text(a["alert"])}"><b>{escape(ALERT_TITLES.get(a["alert"], a["alert"]))}:</b> '
             f'{text(a["message"])}</li>' for a in report.alerts.to_dict("records")]  # fmt: skip
    return f'<ul class="alerts" id="alerts">{"".join(items)}</ul>'


def _convoys(frame: pd.DataFrame) -> str:
    rows = []
    for r in frame.to_dict("records"):
        pending = ' class="pending"' if r.get("review_status") == "pending" else ""
        mark = " (pending review)" if pending else ""
        rows.append(
            f"<tr{pending}><td>{text(r['date'])}</td><td>{text(r['place'])}</td><td>{_label(r['outcome'], LABELS)}{mark}</td>"
            f'<td class="num">{count(r["trucks"])}</td><td class="num">{_reached(r["trucks_reached"])}</td>'
            f'<td class="num">{count(r["people_served"])}</td><td class="num">{_reached(r["people_reached"])}</td>'
            f"<td>{text(r['organisations'])}</td><td>{text(r['source'])}</td></tr>"
        )
    headers = ["Date", "Destination", "Final outcome", "Trucks planned", "Trucks reached", "People targeted",
               "People reached", "Organisations", "Source"]  # fmt: skip
    return _table("convoys", headers, rows, "No convoys this week.")


def _population(row: dict[str, Any]) -> str:
    """The figure, or '– (last N)' when it expired: unknown now, its last figure kept in sight."""
    figure = span(row["pop_low"], row["pop_high"])
    return f"– (last {figure})" if row.get("expired") else figure


def _reached(value: Cell) -> str:
    """A convoy's reached figure: '–' when unknown (db.reach), never blank or 0."""
    return count(value) or "–"


def _besieged(frame: pd.DataFrame) -> str:
    rows = [
        f"<tr><td>{text(r['place'])}</td><td>{_label(r['status'])}</td>"
        f'<td class="num">{_population(r)}</td><td>{text(r["as_of"])}</td><td>{text(r["age"])}</td>'
        f"<td>{text(r['besieging_party'])}</td><td>{text(r['sources'])}</td></tr>"
        for r in frame.to_dict("records")
    ]
    headers = ["Place", "Status", "Population", "As of", "Age", "Besieging party", "Sources"]
    return _table("besieged", headers, rows, "No besieged population at the end of this week.")


def _tolls(frame: pd.DataFrame) -> str:
    rows = [
        f'<tr class="{text(r["row_type"])}"><td>{text(r["place"])}</td><td>{text(r["source"])}</td>'
        f'<td class="num">{count(r["reports"])}</td><td class="num">{span(r["killed_low"], r["killed_high"])}</td>'
        f'<td class="num">{span(r["injured_low"], r["injured_high"])}</td></tr>'
        for r in frame.to_dict("records")
    ]
    headers = ["Place", "Source", "Reports", "Civilians killed", "Civilians injured"]
    return _table("tolls", headers, rows, "No civilian toll reported this week.")


def _sources(frame: pd.DataFrame) -> str:
    rows = [
        f"<tr><td>{text(r['file_name'])}</td><td>{text(r['title'])}</td><td>{text(r['publisher'])}</td>"
        f"<td>{text(r['published'])}</td><td>{text(r['imported_at'])}</td><td>{text(r['used_for'])}</td>"
        f'<td class="num">{count(r["facts"])}</td><td>{text(r["named_sources"])}</td></tr>'
        for r in frame.to_dict("records")
    ]
    headers = ["File", "Title", "Publisher", "Published", "Imported", "Used for", "Facts", "Sources named"]
    return _table("sources", headers, rows, "No import is behind this week's figures.")


def _chart_title(fig: go.Figure) -> str:
    return str(fig.layout.title.text or "Chart")


def _charts(report: WeeklyReport, images: Sequence[bytes] | None, missing: str | None) -> str:
    """Interactive divs (plotly.js inlined once), PNG images, or placeholders with ``missing``."""
    parts = []
    if images is None and missing is not None:
        parts.append(f'<p class="placeholder" id="charts-missing">{escape(missing)}</p>')
    for i, fig in enumerate(report.figures):
        if images is not None:
            data = base64.b64encode(images[i]).decode("ascii")
            alt = escape(_chart_title(fig))
            parts.append(f'<div class="chart"><img alt="{alt}" src="data:image/png;base64,{data}"></div>')
        elif missing is not None:
            parts.append(f'<div class="placeholder">Chart here: {escape(_chart_title(fig))}</div>')
        else:
            div = fig.to_html(
                full_html=False, include_plotlyjs=(i == 0), config=PLOTLY_CONFIG, div_id=f"chart-{i + 1}"
            )
            parts.append(f'<div class="chart">{div}</div>')
    return "".join(parts)


def render(report: WeeklyReport, images: Sequence[bytes] | None = None, missing: str | None = None) -> str:
    """The report page. Default: interactive charts. ``images``: one PNG per figure (the PDF);
    ``missing``: why charts could not be drawn (placeholders instead)."""
    o = report.options
    pending = ('<p class="pending">Includes pending (unreviewed) facts: figures may change after review.</p>'
               if o.include_pending else "")  # fmt: skip
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    weeks = len(report.trend)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title)}</title><style>{STYLE}</style></head>
<body>
<div class="classification" id="classification">{escape(report.classification)}</div>
<h1 id="title">{escape(report.title)}</h1>
<p class="scope" id="scope">{escape(report.scope)}</p>
<p class="generated">Generated {text(report.generated)} UTC by Access Monitor.</p>{pending}
<h2>Headline figures</h2>{_headlines(report)}
<h2>Alerts</h2>{_alerts(report)}
<h2>Convoys of the week</h2>{_convoys(report.convoys)}
<h2>Besieged populations at the end of the week</h2>{_besieged(report.besieged)}
<h2>Civilian tolls of the week by place</h2>
<p class="note">Each source's own figures side by side (its low–high over the week's days); the bold row
is the range across sources, never their sum.</p>{_tolls(report.tolls)}
<h2>Trends: {weeks} week(s) to {escape(report.iso_week)}</h2>{_charts(report, images, missing)}
<h2>Sources and notes</h2>{_sources(report.sources)}
<ul class="note" id="notes">{notes}</ul>
<p class="note">{escape(report.classification)} · {escape(report.week_label)}</p>
</body></html>
"""
