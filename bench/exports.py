"""Weekly report exports: seconds to build each format for 2018-W10 of the demo data.

Baseline: assembling the report model alone (the queries and rules every format shares), so each
format's ratio says what the rendering adds. The PDF includes starting a browser for the charts
when one is found (the note says whether it was).
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
from pathlib import Path

from bench.common import Measure, peak_rss_mb, timed
from dashboard.report.files import FORMATS, render
from dashboard.report.model import ReportOptions, build_report
from db.auth import Actor
from db.engine import dispose_all
from db.migrate import upgrade
from db.writer import write_import
from loaders.registry import load_file

DEMO = Path(__file__).resolve().parents[1] / "demo"
WEEK = dt.date(2018, 3, 5)  # 2018-W10


def _demo_store(folder: Path) -> str:
    url = f"sqlite:///{folder / 'bench-exports.db'}"
    upgrade(url)
    for name in ("besieged.csv", "convoys.csv", "tolls.csv"):
        write_import(load_file(DEMO / name), actor=Actor("bench", "editor"), url=url)
    return url


def run(quick: bool) -> list[Measure]:
    repeat = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as folder:
        url = _demo_store(Path(folder))
        options = ReportOptions(WEEK, variant="internal")
        base, report = timed(lambda: build_report(options, url, actor=Actor("bench", "editor")), repeat)
        out = [Measure("report model (2018-W10)", base, "s", note="queries and rules, no rendering")]
        for fmt in FORMATS:
            seconds, data = timed(functools.partial(render, report, fmt), 1 if fmt == "pdf" else repeat)
            note = f"{len(data) / 1024:,.0f} KiB"
            if fmt == "pdf":
                from dashboard.report.pdf import ChartsUnavailable, chart_images

                try:
                    chart_images(report.figures[:1])
                    note += "; charts drawn by a browser"
                except ChartsUnavailable as exc:
                    note += f"; no charts: {exc}"
            out.append(
                Measure(f"{fmt} export", seconds, "s", "report model", base, peak_mb=peak_rss_mb(), note=note)
            )
        dispose_all()
    return out
