"""Chart definitions: pure functions from a weekly_overview frame to a plotly Figure.

Place and source names reach axis labels, legends and hover text, where plotly renders tags such
as ``<a href>``: they go through dashboard.inert.plot_text.

No streamlit here, so the dashboard and the weekly report draw the same charts, and tests inspect
``fig.data`` and ``fig.layout``. Weeks go on a category axis labelled '2018-W10'. No geo charts:
they would fetch map data from a CDN.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from dashboard.filters import iso_week
from dashboard.inert import plot_text
from db.queries import OUTCOMES

LABELS = {
    "convoys": "Convoys",
    "trucks": "Trucks planned",
    "people_served": "People targeted",
    "trucks_reached": "Trucks reached",
    "people_reached": "People reached",
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
REACHED = ("trucks_reached", "people_reached")  # db.reach: unknown in a week with reached_unknown
LINE = "#0072B2"
BAND = "rgba(213, 94, 0, 0.25)"
HEIGHT = 300


UNKNOWN = "–"  # no report: never shown as 0


def _unknown(value: object) -> bool:
    return value is None or bool(pd.isna(value))  # type: ignore[call-overload]


def format_count(value: int | float | None) -> str:
    """12,400; '–' when unknown (no report)."""
    return UNKNOWN if _unknown(value) else f"{int(value):,}"  # type: ignore[arg-type]


def format_range(low: int | float | None, high: int | float | None) -> str:
    """'940–1,000', or one number when both ends agree (or one end is unknown); '–' when both are unknown."""
    if _unknown(low) or _unknown(high):
        return format_count(high if _unknown(low) else low)
    return format_count(low) if int(low) == int(high) else f"{int(low):,}–{int(high):,}"  # type: ignore[arg-type]


def _gaps(values: pd.Series, sources: list[int] | None = None) -> list[int | None]:
    """Plotly y values: None (a gap in the line) for an unknown week or one without any source."""
    known = [None if _unknown(v) else int(v) for v in values]
    return known if sources is None else [None if n == 0 else v for v, n in zip(known, sources, strict=True)]


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
    series = [[v for v in t.y if v is not None] for t in fig.data if t.y is not None]  # None: a gap
    if not series:
        return 0
    if fig.layout.barmode == "stack":
        return max((sum(values) for values in zip(*series, strict=False)), default=0)
    return max(max(values, default=0) for values in series)


def trend_lines(frame: pd.DataFrame, metric: str | Sequence[str], title: str | None = None) -> go.Figure:
    """One line per metric column of a weekly_overview frame (e.g. 'trucks'). A reached figure
    (trucks_reached, people_reached) leaves a gap in a week where a partially delivered convoy's
    reached figure is unknown (column reached_unknown): its sum is unknown, not the known part."""
    metrics = [metric] if isinstance(metric, str) else list(metric)
    fig = go.Figure()
    gaps = False
    for name in metrics:
        values: list[int | None] = frame[name].astype(int).tolist()
        if name in REACHED and "reached_unknown" in frame:
            unknown = frame["reached_unknown"].astype(int).tolist()
            values = [None if n else v for v, n in zip(values, unknown, strict=True)]
            gaps = gaps or any(unknown)
        fig.add_trace(
            go.Scatter(
                x=_weeks(frame), y=values, name=LABELS.get(name, name),
                mode="lines+markers", line={"color": LINE if len(metrics) == 1 else None},
            )
        )  # fmt: skip
    default = " and ".join(LABELS.get(m, m) for m in metrics) + " per week"
    subtitle = "gap: a partially delivered convoy's reached figure is unknown" if gaps else None
    return _layout(fig, title or default, subtitle)


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
                x=weeks, y=_gaps(frame[low], custom), name="low", mode="lines",
                line={"width": 0.5, "color": "#D55E00"}, customdata=custom, hovertemplate="low " + hover,
            ),
            go.Scatter(
                x=weeks, y=_gaps(frame[high], custom), name="high", mode="lines", fill="tonexty",
                fillcolor=BAND, line={"width": 1.5, "color": "#D55E00"}, customdata=custom,
                hovertemplate="high " + hover,
            ),
        ]
    )  # fmt: skip
    subtitle = "low–high across sources, never summed"
    if custom is not None:
        subtitle += f"; sources per week: {_span(custom)}"
        if 0 in custom:
            subtitle += "; gap: no report"
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


# ---- analytics pages (frames of db.trends) -----------------------------------------------------------

# Okabe-Ito order for series without a fixed colour (places, sources).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000", "#999999"]


def delivered_share_line(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Share of attempted convoys that delivered (fully, partially or with items removed), per week;
    weeks with nothing attempted are gaps, not zeros. Frame: db.trends.weekly_convoys."""
    share = [None if pd.isna(v) else round(float(v) * 100, 1) for v in frame["delivered_share"]]
    fig = go.Figure(
        go.Scatter(
            x=_weeks(frame), y=share, name="Delivered share", mode="lines+markers", line={"color": LINE},
            customdata=list(zip(frame["delivered_or_partial"].astype(int), frame["attempted"].astype(int),
                                strict=True)),
            hovertemplate="%{y:.0f}% (%{customdata[0]} of %{customdata[1]} attempted)<extra></extra>",
            connectgaps=False,
        )
    )  # fmt: skip
    _layout(
        fig, title or "Share delivered of convoys attempted", "attempted: not planned, postponed or underway"
    )
    fig.update_yaxes(range=[0, 105], dtick=25, tickformat="d", ticksuffix="%")
    return fig


def top_destinations_bar(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Horizontal bars per place: delivered, blocked or attacked, and other final outcomes.
    Frame: db.trends.top_destinations (largest first; drawn largest on top)."""
    rows = frame.iloc[::-1]
    other = rows["convoys"] - rows["delivered_or_partial"] - rows["blocked_or_attacked"]
    parts = [("Delivered (fully or partly)", rows["delivered_or_partial"], OUTCOME_COLOURS["delivered"]),
             ("Blocked or attacked", rows["blocked_or_attacked"], OUTCOME_COLOURS["blocked"]),
             ("Other outcomes", other, "#999999")]  # fmt: skip
    fig = go.Figure(
        [go.Bar(y=[plot_text(p) for p in rows["place"]], x=v.astype(int).tolist(), name=n, orientation="h", marker_color=c)
         for n, v, c in parts]
    )  # fmt: skip
    fig.update_layout(barmode="stack")
    subtitle = "convoys by final outcome" if len(frame) else "no convoys in these dates"
    # Horizontal: the counts are on x, so not _layout (which reads counts from y).
    fig.update_layout(
        title={"text": title or "Top destinations", "subtitle": {"text": subtitle}},
        height=max(HEIGHT, 90 + 28 * len(frame)), margin={"l": 10, "r": 10, "t": 70, "b": 40},
        legend={"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0},
        xaxis={"type": "linear", "tickformat": ",d", "rangemode": "tozero"}, yaxis={"type": "category", "title": ""},
    )  # fmt: skip
    return fig


def besieged_by_place(frame: pd.DataFrame, title: str | None = None) -> go.Figure:
    """People besieged at the end of each week, one stacked area per place (its lowest figure), and
    the total at the highest figures as a dashed line. Frame: db.trends.besieged_by_week (long)."""
    weeks = sorted(frame["week"].unique()) if not frame.empty else []
    labels = [iso_week(w) for w in weeks]
    fig = go.Figure()
    wide = frame.pivot_table(index="week", columns="place", values="pop_low", aggfunc="sum").reindex(weeks)
    order = wide.max().sort_values(ascending=False).index if not frame.empty else []
    for i, place in enumerate(order):
        fig.add_trace(
            go.Scatter(
                x=labels, y=wide[place].fillna(0).astype(int).tolist(), name=plot_text(place), stackgroup="places",
                mode="lines", line={"width": 0.5, "color": PALETTE[i % len(PALETTE)]},
            )
        )  # fmt: skip
    if not frame.empty:
        high = frame.groupby("week")["pop_high"].sum().reindex(weeks).fillna(0).astype(int)
        fig.add_trace(go.Scatter(x=labels, y=high.tolist(), name="Total (highest figures)", mode="lines",
                                 line={"dash": "dash", "color": "#000000", "width": 1}))  # fmt: skip
    subtitle = "latest figure per place, carried forward; a town inside a besieged enclave not added again"
    return _layout(
        fig, title or "People besieged by place", subtitle if len(fig.data) else "no besieged places"
    )


def toll_by_source(band: pd.DataFrame, by_source: pd.DataFrame, measure: str = "killed") -> go.Figure:
    """Weekly killed (or injured): the low–high band across sources, and one line per source (its
    highest figure; hover shows its own range). Frames: db.trends.toll_trends 'band', 'by_source'."""
    fig = range_band(
        band, f"{measure}_low", f"{measure}_high", f"Civilians {measure} per week, by source", "sources"
    )
    weeks = list(band["week"])
    for i, (source, rows) in enumerate(by_source.groupby("source", sort=True)):
        rows = rows.set_index("week").reindex(weeks)
        fig.add_trace(
            go.Scatter(
                x=_weeks(band), y=rows[f"{measure}_high"].tolist(), name=plot_text(source), mode="lines+markers",
                line={"color": PALETTE[i % len(PALETTE)], "width": 1.5},
                customdata=rows[f"{measure}_low"].tolist(),
                hovertemplate=f"{plot_text(source)}: %{{customdata:,}}–%{{y:,}}<extra></extra>",
            )
        )  # fmt: skip
    fig.update_layout(showlegend=True)
    return fig


def sources_side_by_side(compare: pd.DataFrame, title: str | None = None) -> go.Figure:
    """Each source's killed and injured over the dates shown, side by side, with its own low–high
    as an error bar. Never added up. Frame: db.trends.toll_trends 'compare'."""
    sources = [plot_text(s) for s in compare["source"]]
    fig = go.Figure()
    for measure, colour in (("killed", "#D55E00"), ("injured", "#0072B2")):
        # A figure the source did not give is no bar (None), never a bar of 0.
        low, high = _gaps(compare[f"{measure}_low"]), _gaps(compare[f"{measure}_high"])
        fig.add_trace(
            go.Bar(
                x=sources, y=high, name=LABELS[measure], marker_color=colour,
                error_y={"type": "data", "symmetric": False, "array": [0] * len(high),
                         "arrayminus": [0 if h is None or lo is None else h - lo
                                        for lo, h in zip(low, high, strict=True)]},
            )
        )  # fmt: skip
    fig.update_layout(barmode="group")
    subtitle = "each source's own figures over these dates; never summed" if sources else "no toll reports"
    return _layout(fig, title or "Sources side by side", subtitle)


def cumulative_curve(band: pd.DataFrame, measure: str = "killed", title: str | None = None) -> go.Figure:
    """Running total from the first week shown, as a low–high band. Frame: toll_trends 'band'."""
    fig = range_band(band, f"{measure}_low_total", f"{measure}_high_total",
                     title or f"Civilians {measure}, running total")  # fmt: skip
    fig.update_layout(title_subtitle_text="from the first week shown; low–high across sources")
    return fig
