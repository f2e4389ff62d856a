"""The weekly report as PDF: the HTML report (dashboard.report.html) laid out by WeasyPrint, which
shapes Arabic place names with HarfBuzz. Charts become PNG images drawn by kaleido in a system
Chrome or Chromium (found on PATH, or at $BROWSER_PATH). Without one the PDF still builds, with a
line saying where the charts would be and how to enable them.

WeasyPrint may only read data: URIs here, so a report never fetches anything from the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import plotly.graph_objects as go

from dashboard import charts
from dashboard.report.html import render
from dashboard.report.model import WeeklyReport

CHART_WIDTH = 1000  # px at scale 1; the page's text column is about 180 mm wide
CHART_SCALE = 2
CHART_TIMEOUT = 60  # seconds per chart
CHARTS_ENV = "ACCESS_MONITOR_PDF_CHARTS"  # "off": never start a browser (placeholders instead)
HOW_TO = (
    "Charts are not drawn in this PDF: {reason}. The figures are in the tables above, and the HTML and "
    "XLSX exports carry the charts and their data. To draw them here, install Chrome or Chromium "
    "(Debian: apt-get install chromium) or point BROWSER_PATH at one, then build the PDF again."
)


class ChartsUnavailable(RuntimeError):
    """Charts could not be drawn as images; the message says why."""


def chart_images(figures: Sequence[go.Figure]) -> list[bytes]:
    """One PNG per figure, drawn in one browser session. Raises ChartsUnavailable."""
    if os.environ.get(CHARTS_ENV, "").lower() in ("off", "0", "no", "false"):
        raise ChartsUnavailable(f"{CHARTS_ENV} is set to '{os.environ[CHARTS_ENV]}'")
    try:
        import kaleido
    except ImportError as exc:
        raise ChartsUnavailable("the kaleido package is not installed (pip install kaleido)") from exc

    async def draw() -> list[bytes]:
        # mathjax=False: kaleido would otherwise load MathJax from a CDN.
        async with kaleido.Kaleido(n=1, timeout=CHART_TIMEOUT, mathjax=False) as browser:
            out = []
            for fig in figures:
                height = int(fig.layout.height or charts.HEIGHT)
                opts = {"format": "png", "width": CHART_WIDTH, "height": height, "scale": CHART_SCALE}
                out.append(await browser.calc_fig(fig, opts=opts))
            return out

    # In its own thread: the caller may already run an event loop (Streamlit, notebooks).
    with ThreadPoolExecutor(max_workers=1) as pool:
        try:
            return pool.submit(asyncio.run, draw()).result()
        except Exception as exc:  # no browser, a crash, a timeout: all mean "no images"
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ChartsUnavailable(f"no browser could draw them ({first_line})") from exc


def pdf_bytes(report: WeeklyReport, draw_charts: bool = True) -> bytes:
    """The PDF. ``draw_charts`` False: placeholders without trying a browser."""
    import weasyprint

    images: list[bytes] | None = None
    missing = None
    try:
        if not draw_charts:
            raise ChartsUnavailable("chart drawing was turned off for this export")
        images = chart_images(report.figures)
    except ChartsUnavailable as exc:
        logging.getLogger(__name__).warning("weekly report PDF without charts: %s", exc)
        missing = HOW_TO.format(reason=str(exc).rstrip("."))
    page = render(report, images=images, missing=missing)
    fetcher = weasyprint.URLFetcher(allowed_protocols={"data"})
    document = weasyprint.HTML(string=page, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf()
    return pdf
