"""Chart definitions: pure functions from a weekly_overview frame to a plotly Figure.

No streamlit here, so the dashboard and the weekly report draw the same charts, and tests inspect
``fig.data`` and ``fig.layout``. Weeks go on a category axis labelled '2018-W10'. No geo charts:
they would fetch map data from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.filters import iso_week
from db.queries import OUTCOMES

LABELS = {
    "convoys": "Convoys",
    "trucks": "Trucks",
    "people_served": "People served",
    "besieged": "People besieged",
    "killed": "Civilians killed",
    "injured": "Civilians injured",
    **{o: o.replace("_", " ").capitalize() for o in OUTCOMES},
}
# Colour-blind-safe (Okabe-Ito); each final outcome keeps its colour across charts.
OUTCOME_COLOURS = {
    "delivered": "#009E73", "partially_delivered": "#56B4E9", "items_removed": "#E69F00",
    "blocked": "#D55E00", "attacked": "#CC79A7", "aborted": "#F0E442", "failed": "#000000",
    "postponed": "#999999", "planned": "#0072B2", "underway": "#882255",
}  # fmt: skip
LINE = "#0072B2"
BAND = "rgba(213, 94, 0, 0.25)"
HEIGHT = 300


def format_count(value: int) -> str:
    """12,400"""
    return f"{int(value):,}"


def format_range(low: int, high: int) -> str:
    """'940–1,000', or one number when both ends agree."""
    return format_count(low) if int(low) == int(high) else f"{int(low):,}–{int(high):,}"


def _weeks(frame: pd.DataFrame) -> list[str]:
    return [iso_week(w) for w in frame["week"]]


def _layout(fig: go.Figure, title: str, subtitle: str | None = None, y_title: str = "") -> go.Figure:
    top = _top(fig)
    fig.update_layout(
        title={"text": title, "subtitle": {"text": subtitle or ""}},
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 70 if subtitle else 50, "b": 40},
        # Below the tick labels, whatever their angle: anchored to the figure's bottom edge.
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        hovermode="x unified",
        xaxis={"type": "category", "title": ""},
        yaxis={"title": y_title, "rangemode": "tozero", "tickformat": ",d"},
    )
    if top < 5:
        # Counts are whole: small ranges would otherwise get ticks at 0.5 that print as duplicate 1s.
        fig.update_yaxes(dtick=1, range=[0, max(top, 1) * 1.1])
    return fig


def _top(fig: go.Figure) -> float:
    """The highest point drawn: per-week sums for stacked bars, else the highest value of any trace."""
    series = [list(t.y) for t in fig.data if t.y is not None]
    if not series:
        return 0
    if fig.layout.barmode == "stack":
        return max(sum(values) for values in zip(*series, strict=False))
    return max(max(values, default=0) for values in series)


def trend_lines(frame: pd.DataFrame, metric: str | Sequence[str], title: str | None = None) -> go.Figure:
    """One line per metric column of a weekly_overview frame (e.g. 'trucks')."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    fig = go.Figure()
    for name in metrics:
        fig.add_trace(
            go.Scatter(
                x=_weeks(frame), y=frame[name].astype(int).tolist(), name=LABELS.get(name, name),
                mode="lines+markers", line={"color": LINE if len(metrics) == 1 else None},
            )
        )  # fmt: skip
    default = " and ".join(LABELS.get(m, m) for m in metrics) + " per week"
    return _layout(fig, title or default)


def convoys_by_outcome_bar(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Stacked bars of convoys per week by final outcome; only outcomes that occur get a trace."""
    fig = go.Figure()
    for outcome in OUTCOMES:
        if outcome in frame and frame[outcome].sum() > 0:
            fig.add_trace(
                go.Bar(
                    x=_weeks(frame), y=frame[outcome].astype(int).tolist(), name=LABELS[outcome],
                    marker_color=OUTCOME_COLOURS[outcome],
                )
            )  # fmt: skip
    fig.update_layout(barmode="stack")
    subtitle = "counted once, by final outcome" if fig.data else "no convoys in these weeks"
    return _layout(fig, title or "Convoys per week by outcome", subtitle)


def range_band(frame: pd.DataFrame, low: str, high: str, title: str, sources: str | None = None) -> go.Figure:
    """A low–high band per week: an invisible 'low' line and a 'high' line filled down to it."""
    weeks = _weeks(frame)
    custom = frame[sources].astype(int).tolist() if sources and sources in frame else None
    hover = "%{y:,}" + ("<br>sources: %{customdata}" if custom is not None else "")
    fig = go.Figure(
        [
            go.Scatter(
                x=weeks, y=frame[low].astype(int).tolist(), name="low", mode="lines",
                line={"width": 0.5, "color": "#D55E00"}, customdata=custom, hovertemplate="low " + hover,
            ),
            go.Scatter(
                x=weeks, y=frame[high].astype(int).tolist(), name="high", mode="lines", fill="tonexty",
                fillcolor=BAND, line={"width": 1.5, "color": "#D55E00"}, customdata=custom,
                hovertemplate="high " + hover,
            ),
        ]
    )  # fmt: skip
    subtitle = "low–high across sources, never summed"
    if custom is not None:
        subtitle += f"; sources per week: {_span(custom)}"
    fig.update_layout(showlegend=False)
    return _layout(fig, title, subtitle)


def _span(values: list[int]) -> str:
    low, high = min(values, default=0), max(values, default=0)
    return str(low) if low == high else f"{low}–{high}"


def killed_range_band(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Civilians killed per week as a low–high band, with the number of sources behind each week."""
    return range_band(
        frame, "killed_low", "killed_high", title or "Civilians killed per week", "toll_sources"
    )


def injured_range_band(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Civilians injured per week as a low–high band, with the number of sources behind each week."""
    return range_band(
        frame, "injured_low", "injured_high", title or "Civilians injured per week", "toll_sources"
    )


def besieged_range_band(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """People besieged at the end of each week as a low–high band."""
    fig = range_band(
        frame, "besieged_low", "besieged_high", title or "People besieged at the end of each week"
    )
    fig.update_layout(title_subtitle_text="latest figure per place; low–high when sources differ")
    return fig
