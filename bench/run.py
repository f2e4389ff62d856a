"""Run the benchmarks and print one table: `python -m bench.run [--quick] [SUITE ...]`.

Each suite is a module in bench/ with ``run(quick: bool) -> list[Measure]``; every figure is
printed beside a baseline measured in the same run, so the table reads the same on any machine.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys

from rich.console import Console
from rich.table import Table

from bench.common import Measure

# Suites in the order they print; a suite not written yet is skipped with a note.
SUITES = ["extract", "queries", "exports", "ingest"]


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("suites", nargs="*", default=SUITES)
    parser.add_argument("--quick", action="store_true", help="smaller inputs, for a smoke run")
    args = parser.parse_args(argv)
    console = Console(width=200)
    table = Table(
        title=f"Access Monitor bench — {platform.processor() or platform.machine()}, Python {platform.python_version()}"
    )
    for col in (
        "suite",
        "figure",
        "value",
        "unit",
        "baseline",
        "baseline value",
        "ratio",
        "target",
        "peak MB",
        "note",
    ):
        table.add_column(
            col, justify="right" if col in {"value", "baseline value", "ratio", "peak MB"} else "left"
        )
    for name in args.suites:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError:
            table.add_row(name, "(not written yet)", *["-"] * 8)
            continue
        except ImportError as exc:  # a suite broken by a change elsewhere must not hide the others
            table.add_row(name, "(failed to import)", *["-"] * 7, str(exc)[:120])
            continue
        measures: list[Measure] = module.run(args.quick)
        for m in measures:
            table.add_row(
                name, m.name, _fmt(m.value), m.unit, m.baseline_name or "-", _fmt(m.baseline), _fmt(m.ratio),
                m.target or "-", _fmt(m.peak_mb), m.note or "",
            )  # fmt: skip
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
